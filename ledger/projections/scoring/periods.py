"""Periods of a policy year and the deadlines of periodic obligations."""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from ledger.policies.vocabulary import Due

from .card import Detail

if TYPE_CHECKING:
    from ledger.policies.workdays import WorkCalendar

Period = tuple[int, str, dt.date, dt.date]
"""(number, label, first day, last day)"""


def periods_of(every: str, year: int, subset: list[int] | None) -> tuple[Period, ...]:
    """The periods of the policy year, in order (worked out once: rules ask per unit and date)."""
    return _periods(every, year, tuple(subset) if subset else None)


@functools.lru_cache(maxsize=256)
def _periods(every: str, year: int, subset: tuple[int, ...] | None) -> tuple[Period, ...]:
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
    return tuple(out)


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


def due_text(due: Due) -> Detail:
    if due.rule == "end_of_period":
        return Detail("the last day of the period")
    if due.rule == "day_of_month":
        return Detail("day {day} of the period's (last) month", day=due.day)
    if due.rule == "day_of_next_month":
        return Detail("day {day} of the next month", day=due.day)
    return Detail("working day {n} of the next period", n=due.n)


def normalise_period(p: Any) -> str | None:
    """'2021-6' → '2021-06', '2021-q3' → '2021-Q3', 2021 → '2021'; a range '2021-1/2021-4' →
    '2021-01/2021-04'."""
    if p is None:
        return None
    s = str(p).strip()
    if "/" in s:
        a, b = s.split("/", 1)
        return f"{normalise_period(a)}/{normalise_period(b)}"
    if "-" not in s:
        return s
    y, rest = s.split("-", 1)
    r = rest.strip().upper()
    if r.startswith("Q"):
        return f"{y}-Q{r[1:].lstrip('0') or '0'}"
    if r.isdigit():
        return f"{y}-{int(r):02d}"
    return f"{y}-{r}"


def period_bounds(label: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a period (``2021``, ``2021-Q3``, ``2021-06``) or a range of them
    (``2021-01/2021-04``: the first day of the first to the last day of the last); None when
    ``label`` is none of these."""
    if "/" in label:
        a, b = label.split("/", 1)
        first, last = period_bounds(a), period_bounds(b)
        if first is None or last is None or first[0] > last[1]:
            return None
        return first[0], last[1]
    try:
        year = int(label[:4])
        if len(label) == 4:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        rest = label[5:]
        if label[4] != "-":
            return None
        if rest.startswith("Q"):
            qn = int(rest[1:])
            if not 1 <= qn <= 4:
                return None
            m0 = 3 * (qn - 1) + 1
            return dt.date(year, m0, 1), dt.date(year, m0 + 2, _stdcal.monthrange(year, m0 + 2)[1])
        m = int(rest)
        return dt.date(year, m, 1), dt.date(year, m, _stdcal.monthrange(year, m)[1])
    except (ValueError, IndexError):
        return None


def labels_within(label: str) -> list[str]:
    """The month, quarter and year labels whose whole period lies inside the range ``label``
    (a report filed for 2021-01/2021-06 covers 2021-01 … 2021-06, 2021-Q1 and 2021-Q2)."""
    bounds = period_bounds(label)
    if bounds is None:
        return []
    first, last = bounds
    out: list[str] = []
    for every in ("month", "quarter", "year"):
        for _n, lab, start, end in periods_of(every, first.year, None):
            if first <= start and end <= last:
                out.append(lab)
    return out


def window_bounds(window: str | None, as_of: dt.date, year: int) -> tuple[dt.date, dt.date]:
    """The first and last day a measure's ``window`` covers as of ``as_of`` (see
    ``ledger.policies.vocabulary.Window``); the last day is never after ``as_of``. An empty
    window has its first day after its last."""
    if window is None or window == "year":
        return dt.date(year, 1, 1), as_of
    if window == "month":
        return as_of.replace(day=1), as_of
    if window == "quarter":
        return dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), as_of
    bounds = period_bounds(window)
    assert bounds is not None  # checked by the policy model
    return bounds[0], min(bounds[1], as_of)


def window_closes(window: str | None, as_of: dt.date, year: int) -> dt.date:
    """The last day of the data a ``window`` covers as of ``as_of``: the year's last day
    (``year`` or none), the last day of as-of's month or quarter (never after the year's end),
    or a period's or range's last day. From then on the window is closed."""
    year_end = dt.date(year, 12, 31)
    if window is None or window == "year":
        return year_end
    if window == "month":
        return min(year_end, _day_in(as_of.year, as_of.month, 31))
    if window == "quarter":
        last = 3 * ((as_of.month - 1) // 3) + 3
        return min(year_end, _day_in(as_of.year, last, 31))
    bounds = period_bounds(window)
    assert bounds is not None  # checked by the policy model
    return bounds[1]


def window_text(window: str | None, start: dt.date, end: dt.date) -> str:
    if window is None or window == "year":
        return ""
    named = Detail(window) if window in ("month", "quarter") else window  # a period label is shown as it is
    return Detail(" [{window}: {start}…{end}]", window=named, start=start.isoformat(), end=end.isoformat())
