"""Event-driven rule kinds on hand-worked numbers (policy: tests/policies/events.yaml)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D
from pathlib import Path

from ledger.events.fact import Fact
from ledger.policies import load_policy_file
from ledger.projections.scoring import score_track
from ledger.units import Unit

HERE = Path(__file__).parent / "policies"
_rev = itertools.count(1)


def F(type_, date, id=None, **fields):
    rev = next(_rev)
    return Fact(id=id or f"e{rev}", type=type_, unit="u1", date=dt.date.fromisoformat(date),
                fields=fields, revision=rev, recorded_at="2021-01-01T00:00:00Z", source="src")


def card(facts, policy="events.yaml", as_of="2021-12-31", units=None, facts_by_unit=None):
    pol = load_policy_file(HERE / policy)
    units = units or [Unit("u1", "单位一", ("g",))]
    fbu = facts_by_unit if facts_by_unit is not None else {"u1": facts}
    cards = score_track(pol, "t", units, fbu, dt.date.fromisoformat(as_of))
    return cards[0] if len(cards) == 1 else cards


def pts(c, ind):
    return c.indicator(ind).points


def lines(c, ind):
    return [ln for ln in c.lines if ln.indicator == ind]


def test_per_event_cases_by_type_and_field():
    c = card([
        F("warning", "2021-02-01", issuer_level="county"),
        F("criticism", "2021-03-01", issuer_level="county"),
        F("admonition", "2021-04-01", issuer_level="county"),
        F("warning", "2021-04-02", issuer_level="district"),  # no case matches: nothing
        F("rectification_failed", "2021-05-01", id="rf"),
    ])
    # −1 −2 −3 −2 = −8
    assert pts(c, "sanctions") == D("-8.00")
    ls = lines(c, "sanctions")
    assert [ln.delta for ln in ls] == [D(-1), D(-2), D(-3), D(-2)]
    assert ls[3].event == "rf" and ls[3].rule == "未按要求纠正整改扣2分/件次"
    assert ls[0].rule.startswith("分别扣1分") and ls[0].source == "src" and ls[0].policy_version == 3


def test_per_event_amounts_by_field_keywords_and_subcap():
    facts = [F("media_report", "2021-01-05", level="central", title="优化营商环境见成效")]
    facts += [F("media_report", f"2021-02-0{i}", level="district", title="x", summary="软环境建设")
              for i in range(1, 8)]  # 7 × 0.5 = 3.5, capped at 3
    facts.append(F("media_report", "2021-03-01", level="province", title="春耕"))  # no keyword
    c = card(facts)
    # 5 + min(3.5, 3) = 8
    assert pts(c, "media") == D("8.00")
    cap = [ln for ln in lines(c, "media") if ln.kind == "cap"]
    assert len(cap) == 1 and cap[0].delta == D("-0.50")
    assert len([ln for ln in lines(c, "media") if ln.event]) == 8


def test_per_event_multiply_by_count_and_in_filter():
    c = card([
        F("finding", "2021-03-01", item="task_a", result="not_done", count=2),
        F("finding", "2021-04-01", item="task_b", result="not_done"),
        F("finding", "2021-04-01", item="task_b", result="done"),
        F("finding", "2021-04-01", item="task_c", result="not_done"),
    ])
    # (2 + 1) × −3 = −9
    assert pts(c, "tasks") == D("-9.00")


def test_per_event_tiers_not_capped_at_nominal_points():
    c = card([F("innovation", f"2021-0{m}-01", kind="highlight", title="t") for m in range(1, 8)])
    # 5 × 2 + 2 × 0.5 = 11 (above the nominal 10; not capped)
    assert pts(c, "innovation") == D("11.00")
    assert c.indicator("innovation").max == D(10)


def test_per_event_max_events_once():
    c = card([F("evaluation", "2021-12-01", panel="enterprises", evaluator=f"x{i}", score=1,
                verdict="dissatisfied") for i in range(3)])
    assert pts(c, "verdict") == D("-5.00")


def test_per_event_numeric_conditions():
    c = card([F("complaint", "2021-06-01", kind="collective_petition", people=29),
              F("complaint", "2021-07-01", kind="collective_petition", people=30),
              F("complaint", "2021-07-02", kind="escalated")])
    # 29 < 30 → −2 ; 30 ≥ 30 → −3
    assert pts(c, "petition") == D("-5.00")


def test_events_outside_year_or_after_as_of_do_not_count():
    c = card([F("warning", "2020-12-31", issuer_level="county"),
              F("warning", "2021-07-01", issuer_level="county")], as_of="2021-06-30")
    assert pts(c, "sanctions") == D("0.00")
    assert lines(c, "sanctions") == []


def test_requirement_latest_finding_wins_and_no_finding_no_line():
    c = card([F("finding", "2021-03-01", item="one_report", result="not_met"),
              F("finding", "2021-05-01", id="f2", item="one_report", result="met")])
    assert pts(c, "one_report") == D("5.00")
    assert [ln.event for ln in lines(c, "one_report")] == ["f2"]
    c = card([F("finding", "2021-03-01", item="one_report", result="met"),
              F("finding", "2021-05-01", item="one_report", result="not_met")])
    assert pts(c, "one_report") == D("0.00")  # not_met is not in results: 0, but shown
    assert lines(c, "one_report")[0].delta == 0
    c = card([])
    assert pts(c, "one_report") == 0 and lines(c, "one_report") == []
    assert pts(c, "plan") == 0 and lines(c, "plan") == []


def test_requirement_same_date_higher_revision_wins():
    a = F("finding", "2021-05-01", item="annual_plan", result="not_made")
    b = F("finding", "2021-05-01", item="annual_plan", result="not_published")
    c = card([b, a])  # order of input does not matter: revision decides
    assert pts(c, "plan") == D("-1.00")


def test_checklist_earn_and_deduct():
    c = card([F("finding", "2021-05-01", item="site", result="met"),
              F("finding", "2021-05-01", item="staff", result="met"),
              F("finding", "2021-05-01", item="signage", result="not_met")])
    # site 4 + staff 5 = 9
    assert pts(c, "center") == D("9.00")
    c = card([F("finding", "2021-05-01", item=i, result="missing") for i in ("lg", "rb", "dp")])
    # 2 − 3 = −1 → floor 0
    assert pts(c, "org") == D("0.00")
    org = lines(c, "org")
    assert [ln.kind for ln in org][0] == "base" and org[-1].kind == "floor" and org[-1].delta == 1
    assert sum(ln.delta for ln in org) == 0


def test_deduction_floor_and_zero_when():
    c = card([F("finding", "2021-05-01", item="missed_disclosure", result="found", count=4)])
    # 30 − 4 × 2 = 22
    assert pts(c, "column") == D("22.00")
    c = card([F("finding", "2021-05-01", item="missed_disclosure", result="found", count=20)])
    assert pts(c, "column") == D("0.00")  # 30 − 40 → floor 0
    c = card([F("finding", "2021-05-01", item="missed_disclosure", result="found", count=1),
              F("finding", "2021-06-01", id="leak1", item="leak", result="found")])
    assert pts(c, "column") == D("0.00")
    z = [ln for ln in lines(c, "column") if ln.kind == "zeroed"]
    assert z and z[0].delta == D("-28.00") and z[0].event == "leak1"


def test_supervised_items_late_open_and_findings():
    facts = [
        F("supervised_item_assigned", "2021-03-01", id="a1", item="i1", due=dt.date(2021, 3, 10)),
        F("supervised_item_closed", "2021-03-12", id="c1", item="i1"),          # closed late
        F("supervised_item_assigned", "2021-04-01", id="a2", item="i2", due=dt.date(2021, 4, 10)),
        F("supervised_item_closed", "2021-04-10", item="i2"),                    # on the due date
        F("supervised_item_assigned", "2021-06-01", id="a3", item="i3", due=dt.date(2021, 6, 20)),
        F("supervised_item_finding", "2021-06-05", item="i2", finding="facts_unclear"),
        F("supervised_item_finding", "2021-06-06", item="i2", finding="accountability_missing"),
    ]
    # as of 06-20, i3 is due today, not late yet: −0.5 (i1) −1 −2 = −3.5
    assert pts(card(facts, as_of="2021-06-20"), "sup") == D("-3.50")
    # as of 06-21 the open i3 is late: −4
    c = card(facts, as_of="2021-06-21")
    assert pts(c, "sup") == D("-4.00")
    late = [ln for ln in lines(c, "sup") if ln.kind == "late"]
    assert [ln.event for ln in late] == ["c1", "a3"]


def test_manual_indicator_is_present_and_scores_nothing():
    c = card([])
    assert pts(c, "unfed") == 0
    assert [ln.kind for ln in lines(c, "unfed")] == ["unscored"]


def test_veto_sets_grade_but_total_is_still_computed():
    c = card([F("accountability", "2021-05-01", id="acc", reason="x"),
              F("finding", "2021-05-01", item="one_report", result="met")])
    assert c.vetoed is True and c.grade == "不达标"
    assert c.total == D("37.00")  # 5 (one_report) + 30 (column) + 2 (org)
    v = [ln for ln in c.lines if ln.kind == "veto"]
    assert v[0].event == "acc" and v[0].delta == 0 and v[0].indicator is None
    c = card([F("criticism", "2021-05-01", issuer_level="city")])
    assert c.vetoed and c.veto_reasons == ["被省、市警示通报告诫"]


def test_downgrade_by_count_and_by_total():
    one = [F("criticism", "2021-05-01", issuer_level="county")]
    c = card(one)
    # 30 + 2 − 2 = 30 < 70 → downgraded by total only
    assert c.total == D("30.00") and c.grade == "不达标"
    assert c.downgraded and c.downgrade_reasons == ["分值70分以下"]
    two = one + [F("criticism", "2021-06-01", id="cr2", issuer_level="county")]
    c = card(two)
    assert c.downgrade_reasons == ["被县委县政府通报批评累计二次", "分值70分以下"]
    d = [ln for ln in c.lines if ln.kind == "downgrade"]
    assert d[0].event == "cr2"  # the second criticism triggers it


def test_nested_sections_floor_and_bonus_cap_and_track_cap():
    pol = "nested.yaml"
    c = card([F("conduct_issue", "2021-05-01", id="ci", category="x")], policy=pol)
    d = c.indicator("daily")
    # daily: 40 − 3 = 37 ; child shows −3
    assert d.points == D("37.00") and d.children[0].points == D("-3.00")
    assert c.to_row()["indicators"][0]["children"][0] == {"id": "daily.7", "name": "作风", "points": D("-3.00")}
    c = card([F("discipline_case", f"2021-0{m}-01", subject="staff") for m in range(1, 6)], policy=pol)
    # 40 − 50 → floor at 0
    assert c.indicator("daily").points == 0 and c.total == 0
    c = card([F("endorsement", "2021-03-01", leader="city_leader"),
              F("praise", "2021-04-01", issuer_level="city", promoted=True),
              F("praise", "2021-04-02", issuer_level="city", promoted=False),
              F("praise", "2021-04-03", issuer_level="district")], policy=pol)
    # bonus: 8 + 5 + 2 = 15 → cap 10; total 40 + 10 = 50 (track cap 50 not exceeded)
    assert c.indicator("bonus").points == D("10.00") and c.total == D("50.00")
    capl = [ln for ln in c.lines if ln.kind == "cap"]
    assert len(capl) == 1 and capl[0].indicator == "bonus" and capl[0].delta == D("-5.00")
    assert c.max == D(50)


def test_rank_of_totals_is_competition_ranking():
    units = [Unit(u, u, ("g",)) for u in ("a", "b", "c", "d")]
    fbu = {
        "a": [F("conduct_issue", "2021-05-01", category="x")],
        "b": [],
        "c": [],
        "d": [F("conduct_issue", "2021-05-01", category="x")] * 1
        + [F("conduct_issue", "2021-06-01", category="x")],
    }
    cards = card(None, policy="nested.yaml", units=units, facts_by_unit=fbu)
    assert [(c.unit, c.total, c.rank) for c in cards] == [
        ("a", D("37.00"), 3), ("b", D("40.00"), 1), ("c", D("40.00"), 1), ("d", D("34.00"), 4)]


def test_per_event_multiply_by_excess_of_one_field_over_another():
    from ledger.policies import load_policy_text

    pol = load_policy_text("""
id: test-excess
version: 1
year: 2021
title: 测试：排序差
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - id: rank
        name: 完成省标任务
        rule: {kind: per_event, event: ranking_result, multiply_by: {excess_of: rank, over: overall_rank}, amount: -1}
""")
    facts = [
        F("ranking_result", "2021-06-01", id="r1", indicator="开办企业", rank=7, overall_rank=4),
        F("ranking_result", "2021-06-01", id="r2", indicator="获得电力", rank=2, overall_rank=4),
        F("ranking_result", "2021-06-01", id="r3", indicator="纳税", rank=5, overall_rank=4),
    ]
    c = score_track(pol, "t", [Unit("u1", "单位一", ("g",))], {"u1": facts}, dt.date(2021, 12, 31))[0]
    # 7 − 4 = 3 places below → −3; 2 is above 4 → 0 (never a gain); 5 − 4 → −1: −4
    assert pts(c, "rank") == D("-4.00")
    ls = lines(c, "rank")
    assert [(ln.event, ln.delta) for ln in ls] == [("r1", D(-3)), ("r2", D(0)), ("r3", D(-1))]
    assert ls[0].detail == "rank 7 − overall_rank 4 → 3 × -1"


def test_fraction_operand_in_a_where_comparison():
    """`gt: "1/2"` is a valid policy amount; the engine reads it as 0.5, like the model."""
    from decimal import Decimal as Dec

    from ledger.projections.scoring.matching import Matcher

    matcher = Matcher(["metric"], {"value": {"gt": "1/2"}}, None)
    assert matcher.tests == (("value", "gt", Dec("0.5")),)
