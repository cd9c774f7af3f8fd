"""Working days per the official calendar (chinese_calendar) plus policy additions."""

import datetime as dt

import pytest

from ledger.policies import CalendarError, load_policy_text
from ledger.policies.workdays import (
    WorkCalendar,
    add_workdays,
    is_workday,
    nth_workday_of_month,
    nth_workday_of_quarter,
)

d = dt.date


def test_adjusted_working_weekend_and_holidays():
    assert is_workday(d(2021, 10, 9))        # Saturday, 调休 working day
    assert not is_workday(d(2021, 10, 1))    # 国庆
    assert not is_workday(d(2021, 10, 10))   # ordinary Sunday
    assert is_workday(d(2021, 9, 18))        # Saturday, 调休 for 中秋
    assert not is_workday(d(2022, 1, 3))     # Monday, 元旦 holiday


def test_nth_workday_of_month_and_quarter():
    # 2022-01: Jan 1–3 off → Jan 4, 5, 6, 7, 10 → the 5th working day is the 10th
    assert nth_workday_of_month(2022, 1, 5) == d(2022, 1, 10)
    assert nth_workday_of_quarter(2022, 1, 5) == d(2022, 1, 10)
    # 2021-04: Apr 3–5 清明 → Apr 1, 2, 6, 7, 8
    assert nth_workday_of_month(2021, 4, 5) == d(2021, 4, 8)
    # 2021-10: Oct 1–7 off, Oct 9 (Sat) works → Oct 8, 9, 11, 12, 13
    assert nth_workday_of_quarter(2021, 4, 5) == d(2021, 10, 13)


def test_add_workdays():
    assert add_workdays(d(2021, 6, 10), 3) == d(2021, 6, 16)  # 06-14 端午
    assert add_workdays(d(2021, 9, 30), 1) == d(2021, 10, 8)
    assert add_workdays(d(2021, 6, 10), 0) == d(2021, 6, 10)


def test_unknown_year_is_a_clear_error():
    cal = WorkCalendar()
    with pytest.raises(CalendarError) as e:
        cal.is_workday(d(2031, 3, 3))
    assert e.value.year == 2031 and "2031" in str(e.value) and "calendar:" in str(e.value)


def test_policy_calendar_section_adds_a_year_and_overrides():
    pol = load_policy_text("""
id: cal
version: 1
year: 2031
title: t
calendar:
  years: [2031]
  holidays: [2031-01-01, 2031-01-02]
  workdays: [2031-01-04]
tracks:
  - {id: t, name: t, group: g, indicators: [{id: a, name: a, rule: {kind: manual}}]}
""", "cal.yaml")
    cal = pol.work_calendar()
    assert not cal.is_workday(d(2031, 1, 1))      # Wednesday, declared holiday
    assert cal.is_workday(d(2031, 1, 3))          # Friday
    assert cal.is_workday(d(2031, 1, 4))          # Saturday, declared workday
    assert not cal.is_workday(d(2031, 1, 5))      # Sunday
    assert cal.nth_workday_of_month(2031, 1, 2) == d(2031, 1, 4)
    # overrides also apply to known years
    cal2 = WorkCalendar(holidays=[d(2021, 10, 9)])
    assert not cal2.is_workday(d(2021, 10, 9))
    with pytest.raises(CalendarError):
        cal.is_workday(d(2032, 1, 5))
