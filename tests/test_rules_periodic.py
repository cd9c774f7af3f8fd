"""Reports and quotas with deadlines (policy: tests/policies/periodic.yaml).

Deadlines from the official calendar: Q1 2021 → 5th working day of April = 2021-04-08
(Apr 3–5 清明); Q2 → 2021-07-07; Q3 → 2021-10-13 (Oct 1–7 国庆, Oct 9 调休 workday);
Q4 → 2022-01-10 (Jan 1–3 元旦).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from seedkit import fact_maker, lines, pts

from ledger.policies import load_policy_file
from ledger.projections.scoring import score_track
from ledger.units import Unit

POLICY = load_policy_file(Path(__file__).parent / "policies" / "periodic.yaml")
_fact = fact_maker(recorded_at="x", id_format="p{rev}")


def F(type_, date, id=None, **fields):
    return _fact("u1", type_, date, id, **fields)


def card(facts, as_of):
    return score_track(POLICY, "t", [Unit("u1", "单位", ("g",))], {"u1": facts},
                       dt.date.fromisoformat(as_of))[0]


def R(date, report, period, quality="ok", id=None):
    return F("report_submitted", date, id=id, report=report, period=period, quality=quality)


QUARTERLY = [
    R("2021-04-08", "quarterly_progress", "2021-Q1"),               # on the deadline: on time
    R("2021-07-08", "quarterly_progress", "2021-Q2", id="q2"),      # due 07-07: late
    R("2021-10-10", "quarterly_progress", "2021-Q3", "poor"),       # on time but poor
]


def test_quarterly_report_missing_late_poor_and_deadline_not_yet_passed():
    c = card(QUARTERLY, "2021-12-31")
    # Q1 0, Q2 −2 (late), Q3 −2 (poor); Q4 due 2022-01-10 > as_of: not counted → −4
    assert pts(c, "progress") == D("-4.00")
    kinds = [(ln.period, ln.kind) for ln in lines(c, "progress")]
    assert kinds == [("2021-Q1", "on_time"), ("2021-Q2", "late"), ("2021-Q3", "poor")]
    # as of 2022-01-09 still not due; on 2022-01-10 it is: Q4 missing → −6
    assert pts(card(QUARTERLY, "2022-01-09"), "progress") == D("-4.00")
    c = card(QUARTERLY, "2022-01-10")
    assert pts(c, "progress") == D("-6.00")
    miss = lines(c, "progress")[-1]
    assert miss.kind == "missing_obligation" and miss.event is None and miss.date == dt.date(2022, 1, 10)


def test_q4_report_submitted_in_january_belongs_to_the_year():
    c = card(QUARTERLY + [R("2022-01-10", "quarterly_progress", "2021-q4")], "2022-01-31")
    assert pts(c, "progress") == D("-4.00")
    c = card(QUARTERLY + [R("2022-01-11", "quarterly_progress", "2021-Q4")], "2022-01-31")
    assert pts(c, "progress") == D("-6.00")  # one day late


def test_quarter_deadline_before_as_of_within_q2():
    # as of 2021-04-07 Q1 (due 04-08) is not due yet; 04-08 it is and it is missing
    assert pts(card([], "2021-04-07"), "progress") == 0
    assert pts(card([], "2021-04-08"), "progress") == D("-2.00")


def test_monthly_report_due_in_the_month_it_covers_earns_on_time():
    facts = [R("2021-05-20", "progress_ledger", "2021-05"),
             R("2021-06-21", "progress_ledger", "2021-06"),   # late: 0
             R("2021-07-01", "progress_ledger", "2021-7"),    # period normalised
             R("2021-09-10", "progress_ledger", "2021-09")]
    # as of 08-25: May +1, Jun 0, Jul +1, Aug missing 0 → 2; Sep due 09-20 not yet
    assert pts(card(facts, "2021-08-25"), "ledger") == D("2.00")
    assert pts(card(facts, "2021-09-15"), "ledger") == D("2.00")
    assert pts(card(facts, "2021-09-20"), "ledger") == D("3.00")


def test_monthly_report_due_end_of_month_and_next_month():
    facts = [R("2021-01-31", "monthly_dynamics", "2021-01"), R("2021-02-28", "monthly_dynamics", "2021-02"),
             R("2021-04-01", "monthly_dynamics", "2021-03")]
    # Jan, Feb on time; Mar late (−1); Apr missing as of 04-30 (−1)
    assert pts(card(facts, "2021-04-30"), "dynamics") == D("-2.00")
    assert pts(card(facts, "2021-04-29"), "dynamics") == D("-1.00")
    # stats for March due 04-20
    assert pts(card([], "2021-04-19"), "next_month") == D("-2.00")  # Jan (02-20), Feb (03-20)
    assert pts(card([], "2021-04-20"), "next_month") == D("-3.00")


def P(date, channel):
    return F("publication", date, channel=channel, title="t")


def test_monthly_quota_with_extras():
    facts = [P("2021-01-03", "column"), P("2021-01-04", "column"), P("2021-01-05", "column"),
             P("2021-02-01", "column"), P("2021-02-01", "publicity")]
    c = card(facts, "2021-03-31")
    # Jan 2 + 2×0.5 = 3 ; Feb 2 ; Mar 0 → 5
    assert pts(c, "column") == D("5.00")
    ls = lines(c, "column")
    assert [(ln.period, ln.kind, ln.delta) for ln in ls] == [
        ("2021-01", "quota", D("3.00")), ("2021-02", "quota", D("2.00")),
        ("2021-03", "missing_obligation", D("0.00"))]
    assert len(ls[0].events) == 3
    # March not over on 03-30: not evaluated
    assert len(lines(card(facts, "2021-03-30"), "column")) == 2


def test_fractional_amount_rounds_once_per_indicator():
    facts = [P(f"2021-{m:02d}-10", "publicity") for m in range(1, 8)]
    c = card(facts, "2021-12-31")
    # 7 months × 10/12 = 5.8333… → 5.83 ; lines show 7 × 0.83 = 5.81 and a +0.02 rounding line
    assert pts(c, "publicity") == D("5.83")
    ls = lines(c, "publicity")
    assert ls[-1].kind == "rounding" and ls[-1].delta == D("0.02")
    assert sum(ln.delta for ln in ls) == D("5.83")


def test_yearly_count_against_target_only_after_year_end():
    facts = [F("training_session", "2021-03-01", topic="a"), F("training_session", "2021-09-01", topic="b")]
    assert pts(card(facts, "2021-12-30"), "training") == D("12.00")
    # 12 − 3 × (4 − 2) = 6
    assert pts(card(facts, "2021-12-31"), "training") == D("6.00")
    # 12 − 3 × 4 = 0
    assert pts(card([], "2021-12-31"), "training") == D("0.00")
    # at least one training: credited as soon as it happened (credit_before_due)
    assert pts(card(facts, "2021-03-01"), "train_once") == D("5.00")
    assert pts(card(facts, "2021-02-28"), "train_once") == 0


def test_yearly_base_plus_extra_and_minus_short():
    more = [P("2021-05-01", "gov_info")] * 1 + [P(f"2021-05-{d:02d}", "gov_info") for d in range(1, 31)] \
        + [P(f"2021-06-{d:02d}", "gov_info") for d in range(1, 15)]
    # 45 → 30 + 5 = 35 (not capped at 30)
    assert pts(card(more, "2021-12-31"), "info") == D("35.00")
    fewer = [P(f"2021-06-{d:02d}", "gov_info") for d in range(1, 31)] + [P("2021-07-01", "gov_info")] * 5
    # 35 → 30 − 5 = 25
    assert pts(card(fewer, "2021-12-31"), "info") == D("25.00")


def test_quota_target_from_metric_bands():
    facts = [F("metric", "2021-01-01", name="supervision_items", value=D(60))]
    facts += [P("2021-01-05", "supervision_info")] * 1 + [P(f"2021-01-{d:02d}", "supervision_info") for d in (6, 7, 8)]
    facts += [P(f"2021-02-{d:02d}", "supervision_info") for d in (1, 2, 3)]
    facts += [P(f"2021-0{m}-01", "supervision_exposure") for m in (3, 4, 5, 6)]
    # items 60 → target 4 a month, 4 a year: Jan 4 ≥ 4 → +1 ; Feb 3 < 4 → 0
    assert pts(card(facts, "2021-02-28"), "sup_info") == D("1.00")
    # year over: exposure 4 ≥ 4 → +3 ; months Mar–Dec none → 1 + 3 = 4
    assert pts(card(facts, "2021-12-31"), "sup_info") == D("4.00")
    # metric 10 → default target 1: Jan, Feb met → 2 ; exposure 4 ≥ 1 → 3
    low = [F("metric", "2021-01-01", name="supervision_items", value=10)] + facts[1:]
    assert pts(card(low, "2021-12-31"), "sup_info") == D("5.00")


def test_at_least_once_a_year_deducts_after_year_end():
    assert pts(card([], "2021-12-30"), "warn") == 0
    assert pts(card([], "2021-12-31"), "warn") == D("-2.00")
    assert pts(card([F("warning_sent", "2021-06-01", to="x")], "2021-12-31"), "warn") == 0
