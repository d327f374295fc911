"""Urgency classes and their response-time targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from planner.core.errors import InputError

__all__ = ["DEFAULT_RESPONSE_TARGET_MIN", "Urgency", "UrgencyClass"]


class Urgency(StrEnum):
    """The three urgency classes of a ticket, most urgent first."""

    URGENT = "urgent"
    IMPORTANT = "important"
    GENERAL = "general"

    @property
    def rank(self) -> int:
        """0 for urgent, 1 for important, 2 for general."""
        return list(Urgency).index(self)


#: Response-time targets (ticket creation to first visit), in minutes.
DEFAULT_RESPONSE_TARGET_MIN: Mapping[Urgency, float] = MappingProxyType(
    {Urgency.URGENT: 4 * 60.0, Urgency.IMPORTANT: 24 * 60.0, Urgency.GENERAL: 72 * 60.0}
)


@dataclass(frozen=True, slots=True)
class UrgencyClass:
    """An urgency class: its response target and its share of tickets.

    >>> UrgencyClass(Urgency.URGENT, response_target_min=240, share=0.1).response_target_h
    4.0
    """

    urgency: Urgency
    response_target_min: float
    share: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "urgency", Urgency(self.urgency))
        if not self.response_target_min > 0:
            raise InputError(
                field=f"urgency.{self.urgency}.response_target_min",
                expected="> 0",
                got=self.response_target_min,
            )
        if not 0 <= self.share <= 1:
            raise InputError(
                field=f"urgency.{self.urgency}.share",
                expected="in [0, 1]",
                got=self.share,
            )

    @property
    def response_target_h(self) -> float:
        """The target in hours."""
        return self.response_target_min / 60.0
