"""Periods of a policy year and the deadlines of periodic obligations."""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from typing import TYPE_CHECKING, Any

from ledger.policies.vocabulary import Due

if TYPE_CHECKING:
    from ledger.policies.workdays import WorkCalendar

Period = tuple[int, str, dt.date, dt.date]
"""(number, label, first day, last day)"""


def periods_of(every: str, year: int, subset: list[int] | None) -> list[Period]:
    """The periods of the policy year, in order."""
    out: list[Period] = []
    if every == "month":
        for m in subset or range(1, 13):
            out.append((m, f"{year}-{m:02d}", dt.date(year, m, 1),
                        dt.date(year, m, _stdcal.monthrange(year, m)[1])))
    elif every == "quarter":
        for qn in subset or range(1, 5):
            m0 = 3 * (qn - 1) + 1
            out.append((qn, f"{year}-Q{qn}", dt.date(year, m0, 1),
                        dt.date(year, m0 + 2, _stdcal.monthrange(year, m0 + 2)[1])))
    else:
        out.append((1, f"{year}", dt.date(year, 1, 1), dt.date(year, 12, 31)))
    out.sort()
    return out


def _day_in(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, _stdcal.monthrange(year, month)[1]))


def due_date(due: Due, end: dt.date, cal: WorkCalendar) -> dt.date:
    if due.rule == "end_of_period":
        return end
    if due.rule == "day_of_month":
        assert due.day is not None  # required by the policy model
        return _day_in(end.year, end.month, due.day)
    nxt = end + dt.timedelta(days=1)
    if due.rule == "day_of_next_month":
        assert due.day is not None
        return _day_in(nxt.year, nxt.month, due.day)
    assert due.n is not None  # the policy model requires n for this rule
    return cal.nth_workday_from(nxt, due.n)


def due_text(due: Due) -> str:
    if due.rule == "end_of_period":
        return "the last day of the period"
    if due.rule == "day_of_month":
        return f"day {due.day} of the period's (last) month"
    if due.rule == "day_of_next_month":
        return f"day {due.day} of the next month"
    return f"working day {due.n} of the next period"


def normalise_period(p: Any) -> str | None:
    """'2021-6' → '2021-06', '2021-q3' → '2021-Q3', 2021 → '2021'."""
    if p is None:
        return None
    s = str(p).strip()
    if "-" not in s:
        return s
    y, rest = s.split("-", 1)
    r = rest.strip().upper()
    if r.startswith("Q"):
        return f"{y}-Q{r[1:].lstrip('0') or '0'}"
    if r.isdigit():
        return f"{y}-{int(r):02d}"
    return f"{y}-{r}"
