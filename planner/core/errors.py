"""Errors shared by every part of planner.

Every error a user can cause is an :class:`InputError` that says *where* the
problem is (file, row, field) and *what was expected*, rendered as one line::

    towns.csv row 118 (id "T-0412"): lat must be in [-90, 90]; got 123.4

:class:`InfeasibleError` is raised only for what can be proven before solving
(total capacity below demand, a skill nobody has); a solver that finds nothing
reports it in the ``status`` of its result instead.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "InfeasibleError",
    "InputError",
    "PlannerError",
]


class PlannerError(Exception):
    """Base class of every error planner raises on purpose."""


def _fmt_got(got: Any) -> str:
    """The value as a user wrote it: ``'T01'``, not ``np.str_('T01')``."""
    if type(got).__module__ == "numpy" and getattr(got, "ndim", None) == 0:
        got = got.item()  # a numpy scalar
    if isinstance(got, str):
        return repr(str(got))
    if isinstance(got, list | tuple):
        inner = ", ".join(_fmt_got(x) for x in got)
        return f"[{inner}]" if isinstance(got, list) else f"({inner})"
    return str(got)


_MISSING = object()


class InputError(PlannerError, ValueError):
    """Bad input: names where it is and what was expected.

    Parameters
    ----------
    message
        Free text used when ``expected`` is not given.
    source
        The file, table or argument the input came from (``"towns.csv"``).
    location
        Where inside it: ``"row 118 (id 'T-0412')"``, a dotted TOML key, ...
    field
        The column or key at fault.
    expected
        What a good value looks like (``"in [-90, 90]"``).
    got
        The value that was found.
    hint
        What the user may do about it.

    Examples
    --------
    >>> str(InputError(source="towns.csv", location="row 118", field="lat",
    ...                expected="in [-90, 90]", got=123.4))
    'towns.csv row 118: lat must be in [-90, 90]; got 123.4'
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        source: str | None = None,
        location: str | None = None,
        field: str | None = None,
        expected: str | None = None,
        got: Any = _MISSING,
        hint: str | None = None,
    ) -> None:
        self.source = source
        self.location = location
        self.field = field
        self.expected = expected
        self.got = None if got is _MISSING else got
        self.hint = hint
        self.detail = message
        where = " ".join(str(p) for p in (source, location) if p)
        if expected is not None:
            what = f"{field} must be {expected}" if field else f"expected {expected}"
            if got is not _MISSING:
                what += f"; got {_fmt_got(got)}"
            if message:
                what = f"{message}: {what}"
        else:
            what = message or "invalid input"
            if field:
                what = f"{field}: {what}"
        text = f"{where}: {what}" if where else what
        if hint:
            text += f" ({hint})"
        super().__init__(text)

    def with_source(self, source: str) -> InputError:
        """Return the same error, attributed to ``source`` (e.g. a file name)."""
        if self.source:
            return self
        err = InputError(
            self.detail,
            source=source,
            location=self.location,
            field=self.field,
            expected=self.expected,
            got=self.got if self.expected is not None else _MISSING,
            hint=self.hint,
        )
        return err


class InfeasibleError(PlannerError):
    """The problem is provably infeasible before any solving; says why."""
