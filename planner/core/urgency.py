"""Urgency classes, their response-time targets and the clock each target runs on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from planner.core.errors import InputError

__all__ = ["CLOCKS", "DEFAULT_RESPONSE_TARGET_MIN", "Urgency", "UrgencyClass"]


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

#: The clocks a response target can run on: ``calendar`` (every minute counts)
#: or ``business`` (only the opening hours of
#: :class:`~planner.core.hours.ServiceHours` count).
CLOCKS = ("calendar", "business")


@dataclass(frozen=True, slots=True)
class UrgencyClass:
    """An urgency class: its response target, its share of tickets, its clock.

    ``clock = "calendar"``: the target counts every minute from the ticket's
    creation (4 h means 4 h, also at night); ``"business"``: only minutes
    inside the service hours count (24 business hours from Friday 17:00 end
    on Tuesday or Wednesday, depending on the opening hours).

    >>> UrgencyClass(Urgency.URGENT, response_target_min=240, share=0.1).response_target_h
    4.0
    >>> UrgencyClass("general", 4320, 0.5, clock="weekly")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: urgency.general.clock must be 'calendar' or 'business'; got 'weekly'
    """

    urgency: Urgency
    response_target_min: float
    share: float
    clock: str = "calendar"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "urgency", Urgency(self.urgency))
        except ValueError:
            raise InputError(
                field="urgency",
                expected=f"one of {[u.value for u in Urgency]}",
                got=self.urgency,
            ) from None
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
        if self.clock not in CLOCKS:
            raise InputError(
                field=f"urgency.{self.urgency}.clock",
                expected="'calendar' or 'business'",
                got=self.clock,
            )

    @property
    def response_target_h(self) -> float:
        """The target in hours."""
        return self.response_target_min / 60.0
