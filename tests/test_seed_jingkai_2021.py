"""Worked examples for the bundled policy jingkai-2021 (吉林经开区2021年营商环境建设考核评价工作实施方案).

Every number below is worked out by hand from the document and SEEDS.md (the arithmetic is in
the comments) and then compared with the engine's.

Deadlines, from the official calendar (chinese_calendar, asserted in
test_quarterly_deadlines_follow_the_official_calendar):
  monthly_dynamics / double_publicity_ledger: the last day of the month they cover.
  quarterly_summary (每季度前2个工作日): Q1 → 2021-04-02 (Thu 1st, Fri 2nd); Q2 → 2021-07-02;
  Q3 → 2021-10-09, a Saturday: Oct 1–7 are the National Day holiday, Fri Oct 8 is the 1st
  working day and Sat Oct 9 is a 调休 working day, the 2nd (a calendar without 调休 would say
  Mon Oct 11); Q4 → 2022-01-05 (Jan 1–3 New Year holiday, Tue Jan 4 is the 1st).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import chinese_calendar
import pytest
from seedkit import assert_lines_add_up, d, fact_maker, imported_ledger, lines, pts, seed_text, walk

from ledger.policies import load_bundled_policy
from ledger.projections.scoring import score_track
from ledger.units import Unit

POLICY = load_bundled_policy("jingkai-2021")
SEED = "001_d5299d6af98c8c4e.txt"


F = fact_maker(recorded_at="2021-01-01T00:00:00Z", source="测试")


def R(unit, date, report, period, quality="ok", id=None):
    return F(unit, "report_submitted", date, id=id, report=report, period=period, quality=quality)


def finding(unit, date, item, result, count=1):
    return F(unit, "finding", date, item=item, result=result, count=count)


def ev(unit, date, panel, evaluator, score, verdict=None):
    fields = {"panel": panel, "evaluator": evaluator, "score": D(str(score))}
    if verdict:
        fields["verdict"] = verdict
    return F(unit, "evaluation", date, **fields)


def all_reports_on_time(unit, skip=()):
    """Every obligation of (8) and (9) met on time, except the (report, period) pairs in skip."""
    out = []
    for m in range(1, 13):
        p = f"2021-{m:02d}"
        for rep in ("monthly_dynamics", "double_publicity_ledger"):
            if (rep, p) not in skip:
                out.append(R(unit, f"2021-{m:02d}-25", rep, p))
    for qn, day in ((1, "2021-04-01"), (2, "2021-07-01"), (3, "2021-10-08"), (4, "2022-01-04")):
        if ("quarterly_summary", f"2021-Q{qn}") not in skip:
            out.append(R(unit, day, "quarterly_summary", f"2021-Q{qn}"))
    return out


def score(units_facts: dict, as_of: str):
    units = [Unit(u, name, ("jingkai-unit",)) for u, (name, _f) in units_facts.items()]
    cards = score_track(POLICY, "main", units, {u: f for u, (_n, f) in units_facts.items()}, d(as_of))
    return {c.unit: c for c in cards}


# ----------------------------------------------------------------------------- the roster

KW = "优化营商环境"


def unit_a():
    """Daily section floored at 0, bonus media caps."""
    return [
        # no report at all: (8) 12 months + 4 quarters missing, (9) 12 months missing
        finding("A", "2021-03-01", "three_year_plan_task", "not_done", count=2),
        F("A", "conduct_issue", "2021-04-01", category="窗口服务"),
        F("A", "discipline_case", "2021-05-01", subject="staff"),
        ev("A", "2021-12-20", "leaders", "L1", 35),  # above the 30 ceiling: counts as 30
        ev("A", "2021-12-20", "leaders", "L2", 30),
        *[F("A", "media_report", f"2021-0{i}-10", level="district", outlet="经开区融媒体",
            title=f"经开区{KW}第{i}期") for i in range(1, 8)],
        F("A", "media_report", "2021-08-10", level="district", outlet="经开区融媒体", title="召开安全生产会议"),
        F("A", "media_report", "2021-08-11", level="city", outlet="江城日报", title="一线见闻",
          summary="转变工作作风，提升服务效能"),
        F("A", "praise", "2021-09-01", issuer_level="city", issuer="市政数局", promoted=False),
        F("A", "award", "2021-12-01", kind="service_model"),
        F("A", "award", "2021-12-01", kind="other"),
    ]


def unit_b():
    skip = {("monthly_dynamics", "2021-03"), ("quarterly_summary", "2021-Q3"),
            ("quarterly_summary", "2021-Q4")}
    return [
        *all_reports_on_time("B", skip),
        R("B", "2021-04-01", "monthly_dynamics", "2021-03"),       # due 03-31: late
        R("B", "2021-10-11", "quarterly_summary", "2021-Q3"),      # due 10-09 (调休 Sat): late
        R("B", "2022-01-05", "quarterly_summary", "2021-Q4"),      # on the deadline: on time
        finding("B", "2021-05-10", "three_year_plan_task", "not_done", count=2),
        finding("B", "2021-05-11", "three_year_plan_task", "done"),
        finding("B", "2021-08-05", "data_upload", "late"),
        F("B", "conduct_issue", "2021-09-01", category="工作纪律"),
        F("B", "supervised_item_assigned", "2021-03-01", item="s1", due=d("2021-03-31")),
        F("B", "supervised_item_closed", "2021-04-02", item="s1"),
        F("B", "supervised_item_assigned", "2021-05-01", item="s2", due=d("2021-05-31")),
        F("B", "supervised_item_closed", "2021-05-30", item="s2"),
        F("B", "supervised_item_finding", "2021-06-15", item="s2", finding="improper_handling"),
        F("B", "supervised_item_assigned", "2021-06-01", item="s3", due=d("2021-06-20")),
        F("B", "supervised_item_closed", "2021-07-10", item="s3"),
        F("B", "warning", "2021-02-01", issuer_level="district"),
        F("B", "criticism", "2021-07-15", issuer_level="district"),
        F("B", "rectification_failed", "2021-08-01"),
        ev("B", "2021-12-20", "leaders", "L1", 28),
        ev("B", "2021-12-20", "leaders", "L2", 26),
        ev("B", "2021-12-20", "leaders", "L3", 27),
        ev("B", "2021-12-20", "departments", "jk-x", 8),
        ev("B", "2021-12-20", "departments", "jk-y", 9),
        ev("B", "2021-12-10", "enterprises", "E1", 9, "satisfied"),
        ev("B", "2021-12-10", "enterprises", "E2", 6, "dissatisfied"),
        ev("B", "2021-12-11", "enterprises", "E3", 7, "dissatisfied"),
        ev("B", "2021-12-01", "supervisors", "S1", 5),
        ev("B", "2021-12-15", "supervisors", "S1", 10),   # the same supervisor again: latest wins
        ev("B", "2021-12-15", "supervisors", "S2", 9),
        ev("B", "2021-12-15", "supervisors", "S3", 8),
        F("B", "endorsement", "2021-04-01", leader="city_leader"),
        F("B", "praise", "2021-11-01", issuer_level="district", issuer="区政务服务局", promoted=False),
        F("B", "media_report", "2021-12-01", level="central", outlet="人民日报", title=f"吉林经开区{KW}"),
    ]


def unit_c():
    """Near-perfect total but vetoed three times."""
    return [
        *all_reports_on_time("C"),
        ev("C", "2021-12-20", "leaders", "L1", 30),
        ev("C", "2021-12-20", "leaders", "L2", 30),
        ev("C", "2021-12-20", "departments", "jk-x", 10),
        ev("C", "2021-12-20", "enterprises", "E1", 10, "satisfied"),
        ev("C", "2021-12-20", "supervisors", "S1", 10),
        F("C", "endorsement", "2021-03-01", leader="zone_principal"),
        F("C", "endorsement", "2021-03-02", leader="zone_deputy"),
        F("C", "endorsement", "2021-03-03", leader="province_leader"),  # not listed: nothing
        F("C", "criticism", "2021-06-01", issuer_level="city", issuer="市营商环境办公室", id="C-crit"),
        F("C", "accountability", "2021-07-01", reason="严重损害软环境", id="C-acc"),
        F("C", "discipline_case", "2021-08-01", subject="responsible_person", id="C-disc"),
    ]


def unit_d():
    return [
        *all_reports_on_time("D"),
        F("D", "conduct_issue", "2021-05-01", category="办事效率"),
        ev("D", "2021-12-20", "leaders", "L1", 25),
        ev("D", "2021-12-20", "departments", "jk-x", 9),
        ev("D", "2021-12-20", "enterprises", "E1", 9),
        ev("D", "2021-12-20", "supervisors", "S1", 10),
    ]


def unit_e():
    return [
        *all_reports_on_time("E", {("double_publicity_ledger", "2021-06")}),
        F("E", "criticism", "2021-05-01", issuer_level="district"),
        ev("E", "2021-12-20", "leaders", "L1", 24),
        ev("E", "2021-12-20", "departments", "jk-x", 10),
        ev("E", "2021-12-20", "enterprises", "E1", 9),
        ev("E", "2021-12-20", "supervisors", "S1", 10),
    ]


ROSTER = {"A": ("甲局", unit_a()), "B": ("乙局", unit_b()), "C": ("丙局", unit_c()),
          "D": ("丁局", unit_d()), "E": ("戊局", unit_e())}


@pytest.fixture(scope="module")
def year_end():
    # 2022-01-31: every obligation of 2021 is due, including Q4's summary (2022-01-05)
    return score(ROSTER, "2022-01-31")


# ----------------------------------------------------------------------------- structure


def test_policy_shape_ids_and_metadata():
    t = POLICY.track("main")
    assert [tr.id for tr in POLICY.tracks] == ["main"] and t.group == "jingkai-unit"
    assert t.max == 110 and POLICY.year == 2021
    assert [(g.min, g.grade) for g in t.grades] == [(90, "优秀"), (70, "达标"), (None, "不达标")]
    ids = [i.id for i in walk(t.indicators)]
    assert ids == (["daily"] + [f"daily.{n}" for n in range(1, 13)]
                   + ["year_end"] + [f"year_end.{n}" for n in range(1, 5)]
                   + ["bonus"] + [f"bonus.{n}" for n in range(1, 5)])
    assert POLICY.sources[0].ref == f"seeds/{SEED}"
    assert "营商环境建设考核评价工作实施方案" in POLICY.sources[0].title
    assert t.veto.grade == "不达标" and len(t.veto.when) == 3


def test_every_indicator_has_clause_method_and_data_source():
    for ind in walk(POLICY.track("main").indicators):
        assert ind.clause and ind.clause.strip(), ind.id
        assert ind.method and ind.method.strip(), ind.id
        assert ind.data_source and ind.data_source.strip(), ind.id


def test_clauses_and_veto_reasons_are_verbatim():
    text = re.sub(r"\s+", "", seed_text(SEED))
    t = POLICY.track("main")
    for ind in walk(t.indicators):
        for part in ind.clause.split("\n"):
            assert re.sub(r"\s+", "", part) in text, (ind.id, part)
    for cond in t.veto.when:
        assert cond.reason.split("：", 1)[1] in text


def test_quarterly_deadlines_follow_the_official_calendar():
    def second_workday(start):
        days = chinese_calendar.get_workdays(start, start + dt.timedelta(days=20))
        return days[1]

    assert second_workday(d("2021-04-01")) == d("2021-04-02")
    assert second_workday(d("2021-07-01")) == d("2021-07-02")
    q3 = second_workday(d("2021-10-01"))
    assert q3 == d("2021-10-09") and q3.weekday() == 5  # a 调休 Saturday
    assert second_workday(d("2022-01-01")) == d("2022-01-05")


# ----------------------------------------------------------------------------- the year


def test_unit_a_daily_floors_at_zero_and_media_caps(year_end):
    c = year_end["A"]
    # (1) 2 tasks not done × −3 = −6; (7) −3; (11) staff discipline −10
    assert pts(c, "daily.1") == D("-6") and pts(c, "daily.7") == D("-3") and pts(c, "daily.11") == D("-10")
    # (8) 12 monthly_dynamics missing −12, 4 quarterly_summary missing −4 → −16; (9) 12 missing → −12
    assert pts(c, "daily.8") == D("-16") and pts(c, "daily.9") == D("-12")
    # 40 − 6 − 3 − 10 − 16 − 12 = −7 → floors at 0 (a +7 floor line)
    assert pts(c, "daily") == 0
    floor = [ln for ln in lines(c, "daily") if ln.kind == "floor"]
    assert [ln.delta for ln in floor] == [D("7")]
    # year_end: leaders (min(35,30) + 30) / 2 = 30; no other panel has scores → 0
    assert pts(c, "year_end.1") == D("30") and pts(c, "year_end.2") == 0
    assert pts(c, "year_end") == D("30")
    # bonus (3): 7 district reports with 营商环境 × 0.5 = 3.5 → capped at 3; a district report
    # without a listed word counts nothing; a city report with 工作作风 in its summary +2 → 5
    assert pts(c, "bonus.3") == D("5")
    caps = [ln for ln in lines(c, "bonus.3") if ln.kind == "cap"]
    assert [ln.delta for ln in caps] == [D("-0.5")]
    assert len([ln for ln in lines(c, "bonus.3") if ln.event]) == 8
    # (2) a city praise not promoted city-wide: nothing; (4) one 十大服务标兵 +3, other award 0
    assert pts(c, "bonus.2") == 0 and pts(c, "bonus.4") == D("3")
    assert pts(c, "bonus") == D("8")
    # total 0 + 30 + 8 = 38 → 不达标
    assert c.total == D("38") and c.grade == "不达标" and not c.vetoed


def test_unit_b_every_daily_item_and_panels_and_bonus_cap(year_end):
    c = year_end["B"]
    # (8) March dynamics late −1, Q3 summary on Mon 10-11 after the 调休 Saturday deadline −1
    assert pts(c, "daily.8") == D("-2")
    late = [(ln.period, ln.kind) for ln in lines(c, "daily.8") if ln.kind == "late"]
    assert late == [("2021-03", "late"), ("2021-Q3", "late")]
    q4 = [ln for ln in lines(c, "daily.8") if ln.period == "2021-Q4"]
    assert [ln.kind for ln in q4] == ["on_time"]  # submitted 2022-01-05, the deadline
    assert pts(c, "daily.9") == 0
    assert pts(c, "daily.1") == D("-6")   # count 2 × −3; the `done` finding deducts nothing
    assert pts(c, "daily.5") == D("-3")   # data_upload late ×1
    assert pts(c, "daily.7") == D("-3")
    # (10) s1 closed 04-02 > due 03-31 −1; s2 on time; s3 closed 07-10 > due 06-20 −1;
    # improper_handling −2 → −4
    assert pts(c, "daily.10") == D("-4")
    # (11) district warning −1, district criticism −2, rectification_failed −2 → −5
    assert pts(c, "daily.11") == D("-5")
    # (12) two dissatisfied enterprise verdicts: −5 once
    assert pts(c, "daily.12") == D("-5")
    assert len(lines(c, "daily.12")) == 1
    for empty in ("daily.2", "daily.3", "daily.4", "daily.6"):
        assert pts(c, empty) == 0
    # daily = 40 − 2 − 6 − 3 − 3 − 4 − 5 − 5 = 12
    assert pts(c, "daily") == D("12")
    # year_end: leaders (28+26+27)/3 = 27; departments (8+9)/2 = 8.5;
    # enterprises (9+6+7)/3 = 7.333… → 7.33; supervisors S1's latest 10, (10+9+8)/3 = 9
    assert pts(c, "year_end.1") == D("27") and pts(c, "year_end.2") == D("8.5")
    assert pts(c, "year_end.3") == D("7.33") and pts(c, "year_end.4") == D("9")
    assert pts(c, "year_end") == D("51.83")
    # bonus: city leader's endorsement 8, district praise 2, national report 5 = 15 → cap 10
    assert (pts(c, "bonus.1"), pts(c, "bonus.2"), pts(c, "bonus.3")) == (D(8), D(2), D(5))
    assert pts(c, "bonus") == D("10")
    assert [ln.delta for ln in lines(c, "bonus") if ln.kind == "cap"] == [D("-5")]
    # total 12 + 51.83 + 10 = 73.83 → 达标
    assert c.total == D("73.83") and c.grade == "达标"


def test_unit_c_vetoed_each_reason_a_line_total_still_shown(year_end):
    c = year_end["C"]
    # daily 40 (nothing missing; city criticism and responsible-person case deduct nothing here)
    assert pts(c, "daily") == D("40") and pts(c, "daily.11") == 0
    # year_end 30 + 10 + 10 + 10 = 60; bonus 5 + 4 (+0 for a province leader) = 9
    assert pts(c, "year_end") == D("60") and pts(c, "bonus.1") == D("9")
    assert c.total == D("109")
    assert c.vetoed and c.grade == "不达标"
    vetoes = [ln for ln in c.lines if ln.kind == "veto"]
    assert [ln.event for ln in vetoes] == ["C-acc", "C-crit", "C-disc"]
    assert all(ln.delta == 0 and ln.indicator is None for ln in vetoes)
    assert [r.split("：")[0] for r in c.veto_reasons] == ["一票否决(1)", "一票否决(2)", "一票否决(3)"]


def test_ties_and_grade_boundaries_and_ranks(year_end):
    d_, e_ = year_end["D"], year_end["E"]
    # D: 40 − 3 (conduct) = 37; 25 + 9 + 9 + 10 = 53 → 90
    # E: 40 − 2 (district criticism) − 1 (June 双公示 missing) = 37; 24 + 10 + 9 + 10 = 53 → 90
    assert (pts(d_, "daily"), pts(d_, "year_end")) == (D(37), D(53))
    assert (pts(e_, "daily"), pts(e_, "year_end"), pts(e_, "daily.9")) == (D(37), D(53), D(-1))
    assert d_.total == e_.total == D("90") and d_.grade == e_.grade == "优秀"
    # C 109, D 90, E 90, B 73.83, A 38 → 1, 2, 2, 4, 5 (the vetoed unit keeps its rank by total)
    assert {u: c.rank for u, c in year_end.items()} == {"C": 1, "D": 2, "E": 2, "B": 4, "A": 5}


def test_explanation_lines_sum_to_the_total(year_end):
    for c in year_end.values():
        assert sum((ln.delta for ln in c.lines), D(0)) == c.total, c.unit
        ex = c.explanation()
        assert sum((ln["delta"] for ln in ex["lines"]), D(0)) == ex["total"]
        assert c.to_row()["max"] == D(110)


def test_unit_b_mid_year():
    c = score({"B": ("乙局", unit_b())}, "2021-06-30")["B"]
    # (8) Jan–Jun dynamics: March late −1; Q1 summary on time; Q2 due 07-02 not yet → −1
    assert pts(c, "daily.8") == D("-1")
    assert {ln.period for ln in lines(c, "daily.8")} == {f"2021-{m:02d}" for m in range(1, 7)} | {"2021-Q1"}
    assert pts(c, "daily.9") == 0
    assert pts(c, "daily.1") == D("-6")
    assert pts(c, "daily.5") == 0 and pts(c, "daily.7") == 0   # dated after 06-30
    # (10) s1 closed late −1; s3 due 06-20 still open on 06-30 −1; improper_handling −2 → −4
    assert pts(c, "daily.10") == D("-4")
    assert pts(c, "daily.11") == D("-1")   # only February's warning so far
    assert pts(c, "daily.12") == 0
    # daily 40 − 1 − 6 − 4 − 1 = 28; no evaluation yet → year_end 0; bonus: endorsement 8
    assert pts(c, "daily") == D("28") and pts(c, "year_end") == 0 and pts(c, "bonus") == D("8")
    assert c.total == D("36") and c.grade == "不达标"


# ----------------------------------------------------------------------------- obligations


def unit_r(q3_day="2021-10-09"):
    facts = [R("R", f"2021-{m:02d}-28", "monthly_dynamics", f"2021-{m:02d}") for m in range(1, 11)
             if m != 5]
    facts.append(R("R", "2021-05-28", "monthly_dynamics", "2021-05", quality="poor"))
    facts += [R("R", "2021-04-02", "quarterly_summary", "2021-Q1"),
              R("R", "2021-07-02", "quarterly_summary", "2021-Q2"),
              R("R", q3_day, "quarterly_summary", "2021-Q3")]
    return facts


@pytest.mark.parametrize("as_of, expected", [
    ("2021-11-29", "0"),    # Jan–Oct on time (May poor but on time: no deduction); Nov not yet due
    ("2021-11-30", "-1"),   # November due today, missing
    ("2021-12-31", "-2"),   # + December; Q4 summary not due before 2022-01-05
    ("2022-01-04", "-2"),
    ("2022-01-05", "-3"),   # Q4 summary due and missing
])
def test_monthly_and_quarterly_deadlines(as_of, expected):
    c = score({"R": ("报送局", unit_r())}, as_of)["R"]
    assert pts(c, "daily.8") == D(expected)
    # (9) nothing submitted: every month whose last day ≤ as-of is missing
    # (10 months due by 11-29, 11 by 11-30, 12 from 12-31 on)
    assert pts(c, "daily.9") == D(MONTHS_DUE[as_of])


MONTHS_DUE = {"2021-11-29": -10, "2021-11-30": -11, "2021-12-31": -12, "2022-01-04": -12,
              "2022-01-05": -12}


def test_poor_quality_on_time_is_shown_but_not_deducted():
    c = score({"R": ("报送局", unit_r())}, "2021-11-29")["R"]
    may = [ln for ln in lines(c, "daily.8") if ln.period == "2021-05"]
    assert [(ln.kind, ln.delta) for ln in may] == [("poor", D(0))]


def test_q3_deadline_is_the_adjusted_saturday():
    # submitted on the 调休 Saturday 2021-10-09: on time
    c = score({"R": ("报送局", unit_r("2021-10-09"))}, "2021-10-31")["R"]
    assert pts(c, "daily.8") == 0
    # submitted on Monday 10-11 (the 2nd working day if Saturday were not a 调休 working day)
    facts = unit_r("2021-10-11")
    assert pts(score({"R": ("报送局", facts)}, "2021-10-08")["R"], "daily.8") == 0   # not due yet
    c = score({"R": ("报送局", facts)}, "2021-10-09")["R"]
    assert pts(c, "daily.8") == D("-1")   # due today, nothing submitted yet
    miss = [ln for ln in lines(c, "daily.8") if ln.period == "2021-Q3"]
    assert miss[0].kind == "missing_obligation" and miss[0].date == d("2021-10-09")
    c = score({"R": ("报送局", facts)}, "2021-10-11")["R"]
    assert pts(c, "daily.8") == D("-1")
    assert [ln.kind for ln in lines(c, "daily.8") if ln.period == "2021-Q3"] == ["late"]


# ----------------------------------------------------------------------------- through the ledger


def test_retraction_changes_the_ranks_of_other_units(tmp_path):
    from ledger.projections.scoreboard import build_scoreboard

    units_csv = ("id,name,groups\njk-x,甲局,jingkai-unit\njk-y,乙局,jingkai-unit\n"
                 "jk-z,丙局,jingkai-unit\njk-other,外单位,kjt\n")
    events = [
        {"id": "x-conduct", "type": "conduct_issue", "unit": "jk-x", "date": "2021-01-10", "category": "窗口服务"},
        {"id": "y-warn", "type": "warning", "unit": "jk-y", "date": "2021-01-12", "issuer_level": "district"},
        {"id": "z-media", "type": "media_report", "unit": "jk-z", "date": "2021-01-13", "level": "district",
         "outlet": "经开区融媒体", "title": "政务服务再提速"},
    ]
    with imported_ledger(tmp_path, units_csv, events) as L:
        before = L.head()[0]
        as_of = d("2021-01-30")   # no report is due yet; no panel has scores (0)
        board = build_scoreboard(L.view(), POLICY, as_of=as_of)
        cards = {c.unit: c for c in board.cards["main"]}
        # X 40 − 3 = 37; Y 40 − 1 = 39; Z 40 + 0.5 (district report with 政务服务) = 40.5
        assert {u: c.total for u, c in cards.items()} == {"jk-x": D("37"), "jk-y": D("39"), "jk-z": D("40.5")}
        assert {u: c.rank for u, c in cards.items()} == {"jk-z": 1, "jk-y": 2, "jk-x": 3}
        L.retract("x-conduct", "复核不属实")
        board = build_scoreboard(L.view(), POLICY, as_of=as_of)
        cards = {c.unit: c for c in board.cards["main"]}
        # X back to 40 overtakes Y (39), whose rank falls from 2 to 3 without any event of its own
        assert {u: c.total for u, c in cards.items()} == {"jk-x": D("40"), "jk-y": D("39"), "jk-z": D("40.5")}
        assert {u: c.rank for u, c in cards.items()} == {"jk-z": 1, "jk-x": 2, "jk-y": 3}
        # known-at the revision before the retraction reproduces the first board
        old = {c.unit: c.rank for c in build_scoreboard(L.view(before), POLICY, as_of=as_of).cards["main"]}
        assert old == {"jk-z": 1, "jk-y": 2, "jk-x": 3}


# ----------------------------------------------------------------------------- items the roster leaves out
#
# Each unit below files every report of (8) and (9) on time and, where its grade matters, gets
# full marks from the four panels (30 + 10 + 10 + 10 = 60), so only the item under test moves.

YEAR_END = "2022-01-31"   # every 2021 obligation is due (Q4 summary: 2022-01-05)


def full_panels(unit):
    return [ev(unit, "2021-12-20", "leaders", "L1", 30),
            ev(unit, "2021-12-20", "departments", "jk-x", 10),
            ev(unit, "2021-12-20", "enterprises", "E1", 10, "satisfied"),
            ev(unit, "2021-12-20", "supervisors", "S1", 10)]


def score_t(facts):
    """Unit T (试点局) scored at YEAR_END; its explanation lines must add up to its total."""
    c = score({"T": ("试点局", facts)}, YEAR_END)["T"]
    assert_lines_add_up([c])
    return c


def event_lines(card, ind):
    return [(ln.event, ln.delta) for ln in lines(card, ind) if ln.event]


def test_daily_items_2_3_4_6_deduct_3_per_count():
    facts = [
        *all_reports_on_time("T"),
        F("T", "finding", "2021-03-10", id="T-sec", item="three_level_secretary_task",
          result="not_done", count=2),
        F("T", "finding", "2021-04-10", id="T-jin1", item="jinsheng_task", result="not_done", count=1),
        F("T", "finding", "2021-06-10", id="T-jin2", item="jinsheng_task", result="not_done", count=1),
        F("T", "finding", "2021-05-10", id="T-dis", item="disclosure_task", result="not_done", count=1),
        F("T", "finding", "2021-07-10", id="T-net", item="internet_supervision_task",
          result="not_done", count=3),
    ]
    c = score_t(facts)
    # (2) 2 tasks × −3 = −6
    assert pts(c, "daily.2") == D("-6") and event_lines(c, "daily.2") == [("T-sec", D("-6"))]
    # (3) two findings of 1 task each add up: −3 − 3 = −6
    assert pts(c, "daily.3") == D("-6")
    assert sorted(event_lines(c, "daily.3")) == [("T-jin1", D("-3")), ("T-jin2", D("-3"))]
    # (4) 1 task × −3 = −3
    assert pts(c, "daily.4") == D("-3") and event_lines(c, "daily.4") == [("T-dis", D("-3"))]
    # (6) 3 tasks × −3 = −9
    assert pts(c, "daily.6") == D("-9") and event_lines(c, "daily.6") == [("T-net", D("-9"))]
    # nothing else deducts: (1) and (5) have no finding of their item, every report on time
    for other in ("daily.1", "daily.5", "daily.7", "daily.8", "daily.9", "daily.10", "daily.11",
                  "daily.12"):
        assert pts(c, other) == 0, other
    # daily 40 − 6 − 6 − 3 − 9 = 16; no panel scores → year_end 0; no bonus → total 16 → 不达标
    assert pts(c, "daily") == D("16") and pts(c, "year_end") == 0 and pts(c, "bonus") == 0
    assert c.total == D("16") and c.grade == "不达标" and not c.vetoed


def test_daily_10_false_report_deducts_2():
    facts = [
        *all_reports_on_time("T"),
        *full_panels("T"),
        # s1 closed before its due date (no lateness), but its report was found untrue
        F("T", "supervised_item_assigned", "2021-03-01", item="s1", due=d("2021-03-31")),
        F("T", "supervised_item_closed", "2021-03-20", item="s1"),
        F("T", "supervised_item_finding", "2021-04-05", id="T-s1-false", item="s1",
          finding="false_report"),
        # s2 also closed on time: one false report and one improper handling
        F("T", "supervised_item_assigned", "2021-05-01", item="s2", due=d("2021-05-31")),
        F("T", "supervised_item_closed", "2021-05-31", item="s2"),
        F("T", "supervised_item_finding", "2021-06-05", id="T-s2-false", item="s2",
          finding="false_report"),
        F("T", "supervised_item_finding", "2021-06-06", id="T-s2-improper", item="s2",
          finding="improper_handling"),
    ]
    c = score_t(facts)
    # (10) false_report −2 (s1) + false_report −2 (s2) + improper_handling −2 (s2) = −6;
    # both items closed by their due date: no −1 for lateness
    assert pts(c, "daily.10") == D("-6")
    assert sorted(event_lines(c, "daily.10")) == [("T-s1-false", D("-2")), ("T-s2-false", D("-2")),
                                                  ("T-s2-improper", D("-2"))]
    # daily 40 − 6 = 34; year_end 60; total 94 → 优秀
    assert pts(c, "daily") == D("34") and pts(c, "year_end") == D("60")
    assert c.total == D("94") and c.grade == "优秀" and not c.vetoed


def test_daily_11_district_admonition_deducts_3_and_does_not_veto():
    facts = [
        *all_reports_on_time("T"),
        *full_panels("T"),
        F("T", "admonition", "2021-04-01", id="T-adm1", issuer_level="district", issuer="区营商环境办公室"),
        F("T", "admonition", "2021-09-01", id="T-adm2", issuer_level="district", issuer="区营商环境办公室"),
    ]
    c = score_t(facts)
    # (11) 2 district admonitions × −3 = −6
    assert pts(c, "daily.11") == D("-6")
    assert sorted(event_lines(c, "daily.11")) == [("T-adm1", D("-3")), ("T-adm2", D("-3"))]
    # daily 40 − 6 = 34; year_end 60; total 94 → 优秀 (a district admonition is no veto)
    assert pts(c, "daily") == D("34")
    assert c.total == D("94") and c.grade == "优秀" and not c.vetoed
    assert [ln for ln in c.lines if ln.kind == "veto"] == [] and c.veto_reasons == []


def test_bonus_1_city_department_leader_endorsement_plus_5():
    facts = [*all_reports_on_time("T"),
             F("T", "endorsement", "2021-05-01", id="T-end", leader="city_department_leader")]
    c = score_t(facts)
    # (1) 市直部门领导批示表扬 +5
    assert pts(c, "bonus.1") == D("5") and event_lines(c, "bonus.1") == [("T-end", D("5"))]
    # bonus 5 (under the cap of 10); daily 40; year_end 0 → total 45
    assert pts(c, "bonus") == D("5") and [ln for ln in lines(c, "bonus") if ln.kind == "cap"] == []
    assert c.total == D("45") and c.grade == "不达标"


def test_bonus_2_city_praise_promoted_city_wide_plus_5():
    facts = [*all_reports_on_time("T"),
             F("T", "praise", "2021-06-01", id="T-prom", issuer_level="city", issuer="市政数局",
               promoted=True),
             F("T", "praise", "2021-07-01", id="T-notprom", issuer_level="city", issuer="市政数局",
               promoted=False)]
    c = score_t(facts)
    # (2) 市政数局通报表扬并在全市推广 +5; the one not promoted city-wide counts nothing
    assert pts(c, "bonus.2") == D("5")
    assert [(e, v) for e, v in event_lines(c, "bonus.2") if v] == [("T-prom", D("5"))]
    # daily 40 + bonus 5 = 45
    assert pts(c, "bonus") == D("5") and c.total == D("45")


def test_bonus_3_province_media_report_plus_3():
    facts = [*all_reports_on_time("T"),
             F("T", "media_report", "2021-03-01", id="T-m1", level="province", outlet="吉林日报",
               title=f"吉林经开区{KW}再上新台阶"),
             F("T", "media_report", "2021-04-01", id="T-m2", level="province", outlet="吉林日报",
               title="一线见闻", summary="深化诚信建设"),
             F("T", "media_report", "2021-05-01", id="T-m3", level="province", outlet="吉林日报",
               title="春耕生产忙")]
    c = score_t(facts)
    # (3) province +3 each: one with 营商环境 in its title, one with 诚信建设 in its summary → 6;
    # the third contains no listed word → nothing. Province reports have no cap.
    assert pts(c, "bonus.3") == D("6")
    assert [(e, v) for e, v in event_lines(c, "bonus.3") if v] == [("T-m1", D("3")), ("T-m2", D("3"))]
    # daily 40 + bonus 6 = 46
    assert pts(c, "bonus") == D("6") and c.total == D("46")


@pytest.mark.parametrize("event, level", [
    ("warning", "city"),
    ("admonition", "city"),
    ("warning", "province"),
    ("criticism", "province"),
    ("admonition", "province"),
])
def test_veto_2_city_or_province_warning_criticism_admonition(event, level):
    facts = [*all_reports_on_time("T"), *full_panels("T"),
             F("T", event, "2021-06-01", id="T-sanction", issuer_level=level, issuer="营商环境办公室")]
    c = score_t(facts)
    # a city/province sanction is a veto matter, not a (11) deduction (that item is district only)
    assert pts(c, "daily.11") == 0
    # the total is still computed: daily 40 + year_end 60 = 100, but the veto makes it 不达标
    assert c.total == D("100")
    assert c.vetoed and c.grade == "不达标"
    vetoes = [ln for ln in c.lines if ln.kind == "veto"]
    assert [(ln.event, ln.delta, ln.indicator) for ln in vetoes] == [("T-sanction", D(0), None)]
    assert [r.split("：")[0] for r in c.veto_reasons] == ["一票否决(2)"]
