"""Errors raised while loading policies or asking the working-day calendar."""

from __future__ import annotations


class PolicyError(ValueError):
    """An invalid policy document.

    ``origin`` is the file (or the name given to ``load_policy_text``), ``path`` the place in
    the document (``tracks[0].indicators[3].rule.amounts``), ``expected`` what was wrong.
    """

    def __init__(self, origin: str, path: str, expected: str):
        self.origin = origin
        self.path = path
        self.expected = expected
        where = f"{origin}: {path}" if path else origin
        super().__init__(f"{where}: {expected}")


class CalendarError(ValueError):
    """The working-day calendar cannot answer (a year it does not know)."""

    def __init__(self, year: int, message: str | None = None):
        self.year = year
        super().__init__(
            message
            or (
                f"the working-day calendar has no data for {year}: the chinese_calendar library "
                f"does not know that year; add it to the policy's `calendar:` section "
                f"(calendar: {{years: [{year}], holidays: [...], workdays: [...]}}) listing the "
                f"official holidays and adjusted working weekends (调休) of {year}"
            )
        )
