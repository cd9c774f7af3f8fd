"""Working days (工作日) per China's official calendar, including 调休 working weekends.

The base calendar is the ``chinese_calendar`` package. A policy may add days through its
``calendar:`` section:

```yaml
calendar:
  years: [2027]            # years the policy vouches for although the library does not know them
  holidays: [2027-01-01]   # extra / overriding days off
  workdays: [2027-02-07]   # extra / overriding working days (e.g. an adjusted Sunday)
```

For a year the library does not know, a day is a working day when it is listed in
``workdays``, or it is a Monday–Friday not listed in ``holidays``, but only if the year is in
``years``; otherwise asking raises :class:`CalendarError` naming the year.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections.abc import Iterable

from ..i18n import Msg
from .errors import CalendarError

__all__ = [
    "WorkCalendar",
    "DEFAULT_CALENDAR",
    "is_workday",
    "nth_workday_of_month",
    "nth_workday_of_quarter",
    "add_workdays",
]


class WorkCalendar:
    """A working-day calendar: the official one plus explicit additions/overrides."""

    __slots__ = ("workdays", "holidays", "years", "_cache")

    def __init__(
        self,
        workdays: Iterable[dt.date] = (),
        holidays: Iterable[dt.date] = (),
        years: Iterable[int] = (),
    ):
        self.workdays = frozenset(workdays)
        self.holidays = frozenset(holidays)
        both = self.workdays & self.holidays
        if both:
            raise ValueError(Msg("days listed both as workday and holiday: {both}", both=sorted(both)))
        self.years = frozenset(int(y) for y in years)
        self._cache: dict[dt.date, bool] = {}

    def is_workday(self, day: dt.date) -> bool:
        hit = self._cache.get(day)
        if hit is not None:
            return hit
        if day in self.workdays:
            res = True
        elif day in self.holidays:
            res = False
        else:
            import chinese_calendar  # lazy (start-up): its data only when a day is asked

            try:
                res = bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                if day.year not in self.years:
                    raise CalendarError(day.year) from None
                res = day.weekday() < 5
        self._cache[day] = res
        return res

    def nth_workday_from(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day on or after ``start`` (n ≥ 1)."""
        if n < 1:
            raise ValueError("n must be ≥ 1")
        day = start
        seen = 0
        while True:
            if self.is_workday(day):
                seen += 1
                if seen == n:
                    return day
            day += dt.timedelta(days=1)

    def nth_workday_of_month(self, year: int, month: int, n: int) -> dt.date:
        """The ``n``-th working day of a month (2022-01, n=5 → 2022-01-10)."""
        return self.nth_workday_from(dt.date(year, month, 1), n)

    def nth_workday_of_quarter(self, year: int, quarter: int, n: int) -> dt.date:
        """The ``n``-th working day counted from the first day of a quarter."""
        return self.nth_workday_from(dt.date(year, 3 * (quarter - 1) + 1, 1), n)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day strictly after ``day`` (n=0 → ``day`` itself)."""
        if n == 0:
            return day
        return self.nth_workday_from(day + dt.timedelta(days=1), n)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open interval (start, end]."""
        count = 0
        day = start + dt.timedelta(days=1)
        while day <= end:
            if self.is_workday(day):
                count += 1
            day += dt.timedelta(days=1)
        return count


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _stdcal.monthrange(year, month)[1])


DEFAULT_CALENDAR = WorkCalendar()


def is_workday(day: dt.date) -> bool:
    return DEFAULT_CALENDAR.is_workday(day)


def nth_workday_of_month(year: int, month: int, n: int) -> dt.date:
    return DEFAULT_CALENDAR.nth_workday_of_month(year, month, n)


def nth_workday_of_quarter(year: int, quarter: int, n: int) -> dt.date:
    return DEFAULT_CALENDAR.nth_workday_of_quarter(year, quarter, n)


def add_workdays(day: dt.date, n: int) -> dt.date:
    return DEFAULT_CALENDAR.add_workdays(day, n)
