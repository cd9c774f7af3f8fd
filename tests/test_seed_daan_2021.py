"""Worked examples for the bundled policy daan-2021 (大安市营商环境考核评价指标体系).

Every number below is worked out by hand from the document (seed 000_970a86acab080fcf.txt) and
SEEDS.md, with the arithmetic in the comments, and then compared with the engine's.

Quarterly-report deadlines (3.1 / 11.1: 下一季度第5个工作日), checked with chinese_calendar:
  Q1 → 2021-04-08 (Apr 3–5 清明); Q2 → 2021-07-07;
  Q3 → 2021-10-13: Oct 1–7 国庆, Sat Oct 9 is a 调休 working day: Oct 8, 9, 11, 12, 13
        (without the working Saturday it would be Oct 14 — a report on Oct 14 is late);
  Q4 → 2022-01-10: Jan 1–3 元旦: Jan 4, 5, 6, 7, 10 (a plain weekday count would give Jan 7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import chinese_calendar
from seedkit import fact_maker, imported_ledger, lines, pts, track_scorer, walk

from ledger.policies import load_bundled_policy

POLICY = load_bundled_policy("daan-2021")


def _numbers_to_decimal(fields):
    for k, v in list(fields.items()):
        if isinstance(v, (int, float)) and not isinstance(v, bool) \
                and k not in ("rank", "overall_rank", "count", "people"):
            fields[k] = D(str(v))


F = fact_maker(recorded_at="2021-01-01T00:00:00Z", source="测试", prepare=_numbers_to_decimal)
score = track_scorer(POLICY, group={"department": "daan-department", "township": "daan-township"})


def R(unit, date, period, quality="ok", id=None):
    return F(unit, "report_submitted", date, id=id, report="quarterly_progress", period=period,
             quality=quality)


def finding(unit, date, item, result, count=1, id=None):
    return F(unit, "finding", date, id=id, item=item, result=result, count=count)


# ----------------------------------------------------------------------------------- policy


def test_policy_shape_every_indicator_has_clause_method_source():
    assert POLICY.id == "daan-2021" and POLICY.year == 2021
    assert POLICY.sources and POLICY.sources[0].ref == "seeds/000_970a86acab080fcf.txt"
    assert [(t.id, t.group) for t in POLICY.tracks] == [("department", "daan-department"),
                                                        ("township", "daan-township")]
    for t in POLICY.tracks:
        assert t.grades is None and t.veto is None and t.downgrade is None
        for i in walk(t.indicators):
            assert i.clause and i.method and i.data_source, (t.id, i.id)
    dep = {i.id for i in walk(POLICY.track("department").indicators)}
    town = {i.id for i in walk(POLICY.track("township").indicators)}
    # the document's 二级指标 of A (17 incl. 2.9's three clauses), B (4), C (6), D (6), E (4)
    assert {"A.1.1", "A.1.6", "A.2.1", "A.2.9.1", "A.2.9.2", "A.2.9.3", "A.3.1", "A.3.2",
            "B.4.1", "B.5.1", "B.6.1", "B.7.1", "C.7.1", "C.7.2", "C.8.1", "C.9.1", "C.9.2",
            "C.9.3"} <= dep
    assert {"B.4.1", "B.7.1", "D.10.1", "D.10.2", "D.10.3", "D.11.1", "D.11.2", "D.11.3",
            "E.12.1", "E.13.1", "E.13.2", "E.13.3"} <= town
    leaves_dep = [i for i in walk(POLICY.track("department").indicators) if not i.children]
    leaves_town = [i for i in walk(POLICY.track("township").indicators) if not i.children]
    assert len(leaves_dep) == 17 + 2 + 4 + 6 and len(leaves_town) == 4 + 6 + 4
    # maxima: department 40 + 20 + 20, township 20 + 20 + 20
    c = score("department", ["x"], [], "2021-01-31")["x"]
    assert c.max == 80
    c = score("township", ["x"], [], "2021-01-31")["x"]
    assert c.max == 60


# ----------------------------------------------------------------------------------- department

# d1 has something in nearly every indicator; d2…d5 are small and set up the rankings.
D1 = [
    # 1.1 latest annual_plan finding not_published → −1
    finding("d1", "2021-03-01", "annual_plan", "not_published"),
    # 1.2 liaison missing (02-01) then met (08-01): mid-year −2, year 0
    finding("d1", "2021-02-01", "liaison", "missing"),
    finding("d1", "2021-08-01", "liaison", "met"),
    # 1.3 key_tasks not_started (09-15) −2; key_task_overdue count 3 (05-10) −3
    finding("d1", "2021-09-15", "key_tasks", "not_started"),
    finding("d1", "2021-05-10", "key_task_overdue", "found", count=3),
    # 1.4 industry_bans not_made −2
    finding("d1", "2021-04-01", "industry_bans", "not_made"),
    # 1.5 two conduct issues −1 each (03-10, 07-10)
    F("d1", "conduct_issue", "2021-03-10", category="窗口服务"),
    F("d1", "conduct_issue", "2021-07-10", category="工作纪律"),
    # 1.6 county warning −1 (02-15), criticism −2 (05-20), admonition −3 (09-01),
    #     rectification_failed −2 (10-01); a 白城市 (city) warning does not count here
    F("d1", "warning", "2021-02-15", issuer_level="county", issuer="大安市软环境办"),
    F("d1", "criticism", "2021-05-20", issuer_level="county", issuer="大安市软环境办"),
    F("d1", "admonition", "2021-09-01", issuer_level="county", issuer="大安市软环境办"),
    F("d1", "rectification_failed", "2021-10-01"),
    F("d1", "warning", "2021-04-01", issuer_level="city", issuer="白城市软环境办"),
    # 2.1 rank 7 vs overall 4 → −3; rank 3 vs overall 4 → 0 (08-20)
    F("d1", "ranking_result", "2021-08-20", indicator="开办企业", rank=7, overall_rank=4),
    F("d1", "ranking_result", "2021-08-20", indicator="获得电力", rank=3, overall_rank=4),
    # 2.2 2 irregular disclosures × 0.3 (06-01) + 1 missing response × 0.5 (10-01)
    finding("d1", "2021-06-01", "resource_disclosure_irregular", "found", count=2),
    finding("d1", "2021-10-01", "resource_response_missing", "found"),
    # 2.3 data_collection_ratio 40 (06-30) → −1 mid-year; 60 (11-30) → −0.5 at year end
    F("d1", "metric", "2021-06-30", name="data_collection_ratio", value=40),
    F("d1", "metric", "2021-11-30", name="data_collection_ratio", value=60),
    # 2.4 69.9 < 70 → −2 ; 2.5 exactly 70 → 0
    F("d1", "metric", "2021-03-31", name="online_service_ratio", value=69.9),
    F("d1", "metric", "2021-03-31", name="one_window_ratio", value=70),
    # 2.6 3 items × 0.5 (07-15)
    finding("d1", "2021-07-15", "service_standard", "found", count=3),
    # 2.7 not_met (11-01) −2
    finding("d1", "2021-11-01", "run_once", "not_met"),
    # 2.8 credit_pledge not_met −1; double_publicity not_met (04-01) then met (09-01)
    finding("d1", "2021-05-01", "credit_pledge", "not_met"),
    finding("d1", "2021-04-01", "double_publicity", "not_met"),
    finding("d1", "2021-09-01", "double_publicity", "met"),
    # 2.9 (1) −2 (06-15); (2) 1 × −1 (08-01); (3) 2 × −1 (12-01)
    finding("d1", "2021-06-15", "policy_consultation", "not_met"),
    finding("d1", "2021-08-01", "policy_measures_unpublished", "found"),
    finding("d1", "2021-12-01", "policy_interpretation_missing", "found", count=2),
    # 3.1 Q1 on its deadline 04-08; Q2 on 07-08 (due 07-07: late −2); Q3 on 10-13 (due 10-13)
    R("d1", "2021-04-08", "2021-Q1"),
    R("d1", "2021-07-08", "2021-Q2"),
    R("d1", "2021-10-13", "2021-Q3"),
    # 3.2 s1 due 05-31 closed 06-02 → −0.5; s2 due 06-20 closed 07-05 → −0.5 (open past due on
    #     06-30); s3 due 12-31 still open on 12-31 → not late yet;
    #     facts_unclear on s1 (06-10) −1; accountability_missing on s2 (08-10) −2
    F("d1", "supervised_item_assigned", "2021-05-01", item="s1", due=dt.date(2021, 5, 31)),
    F("d1", "supervised_item_closed", "2021-06-02", item="s1"),
    F("d1", "supervised_item_assigned", "2021-06-01", item="s2", due=dt.date(2021, 6, 20)),
    F("d1", "supervised_item_closed", "2021-07-05", item="s2"),
    F("d1", "supervised_item_assigned", "2021-11-01", item="s3", due=dt.date(2021, 12, 31)),
    F("d1", "supervised_item_finding", "2021-06-10", item="s1", finding="facts_unclear"),
    F("d1", "supervised_item_finding", "2021-08-10", item="s2", finding="accountability_missing"),
    # B panels (all in December): deputies e1 3 then 4 (latest), e2 5, e3 4.5 → 13.5/3 = 4.5;
    #   government 4, 3 → 3.5; enterprises none → 0; supervisors 5, 4, 4 → 13/3 = 4.333… → 4.33
    F("d1", "evaluation", "2021-12-01", panel="deputies", evaluator="e1", score=3),
    F("d1", "evaluation", "2021-12-10", panel="deputies", evaluator="e1", score=4),
    F("d1", "evaluation", "2021-12-01", panel="deputies", evaluator="e2", score=5),
    F("d1", "evaluation", "2021-12-01", panel="deputies", evaluator="e3", score=4.5),
    F("d1", "evaluation", "2021-12-01", panel="government", evaluator="g1", score=4),
    F("d1", "evaluation", "2021-12-01", panel="government", evaluator="g2", score=3),
    F("d1", "evaluation", "2021-12-01", panel="supervisors", evaluator="s1", score=5),
    F("d1", "evaluation", "2021-12-01", panel="supervisors", evaluator="s2", score=4),
    F("d1", "evaluation", "2021-12-01", panel="supervisors", evaluator="s3", score=4),
    # C 7.1 four replicated practices (+1 each; two by mid-year); 7.2 one 一招鲜 (09-01)
    *[F("d1", "innovation", d, kind="replicated_practice", title="复制推广")
      for d in ("2021-03-01", "2021-05-01", "2021-08-01", "2021-10-01")],
    F("d1", "innovation", "2021-09-01", kind="signature_measure", title="一招鲜"),
    # 8.1 province +2 (04-15), city +1 (06-01), city +1 (11-01); central: not listed → 0
    F("d1", "praise", "2021-04-15", issuer_level="province", issuer="吉林省政府"),
    F("d1", "praise", "2021-06-01", issuer_level="city", issuer="白城市政府"),
    F("d1", "praise", "2021-11-01", issuer_level="city", issuer="白城市政府"),
    F("d1", "praise", "2021-07-01", issuer_level="central", issuer="国务院"),
    # 9.1 national +1 × 3 (two by mid-year); provincial × 5 (three by mid-year) → ranked
    *[F("d1", "media_report", d, level="central", outlet="人民日报", title="经验")
      for d in ("2021-02-01", "2021-06-15", "2021-10-15")],
    *[F("d1", "media_report", d, level="province", outlet="吉林日报", title="经验")
      for d in ("2021-01-10", "2021-03-10", "2021-05-10", "2021-08-10", "2021-11-10")],
    # 9.2 province-adopted briefings × 4 (one by mid-year); a city one does not count
    *[F("d1", "briefing_adopted", d, issuer_level="province")
      for d in ("2021-03-05", "2021-07-05", "2021-09-05", "2021-11-05")],
    F("d1", "briefing_adopted", "2021-04-05", issuer_level="city"),
    # 9.3 province experience talks × 3 (one by mid-year); a city one does not count
    *[F("d1", "experience_promoted", d, scope="province") for d in ("2021-05-20", "2021-09-20", "2021-12-20")],
    F("d1", "experience_promoted", "2021-06-20", scope="city"),
]
ON_TIME = lambda u: [R(u, "2021-04-06", "2021-Q1"), R(u, "2021-07-07", "2021-Q2"), R(u, "2021-10-12", "2021-Q3")]  # noqa: E731
OTHERS = [
    # d2: provincial reports 01-20, 02-20, 03-20; Q3 submitted 10-14 — one day after the deadline
    #     that the 调休 Saturday (Oct 9) pulls forward to 10-13 → late −2
    *[F("d2", "media_report", d, level="province", outlet="吉林日报", title="经验")
      for d in ("2021-01-20", "2021-02-20", "2021-03-20")],
    R("d2", "2021-04-06", "2021-Q1"), R("d2", "2021-07-07", "2021-Q2"), R("d2", "2021-10-14", "2021-Q3"),
    # d3: provincial reports 02-01, 09-01, 10-01; two conduct issues; reports on time
    *[F("d3", "media_report", d, level="province", outlet="吉林日报", title="经验")
      for d in ("2021-02-01", "2021-09-01", "2021-10-01")],
    F("d3", "conduct_issue", "2021-03-01", category="效率"),
    F("d3", "conduct_issue", "2021-09-01", category="效率"),
    *ON_TIME("d3"),
    # d4: one provincial report (04-01); reports on time
    F("d4", "media_report", "2021-04-01", level="province", outlet="吉林日报", title="经验"),
    *ON_TIME("d4"),
    # d5: nothing at all
]
DEPT = ["d1", "d2", "d3", "d4", "d5"]


def test_department_year_end_every_indicator_of_d1():
    cards = score("department", DEPT, D1 + OTHERS, "2021-12-31")
    c = cards["d1"]
    # A.1: 1.1 −1; 1.2 0 (latest met); 1.3 −2 −3 = −5; 1.4 −2; 1.5 −2; 1.6 −1 −2 −3 −2 = −8
    expect = {"A.1.1": "-1", "A.1.2": "0", "A.1.3": "-5", "A.1.4": "-2", "A.1.5": "-2", "A.1.6": "-8",
              "A.1": "-18",
              # A.2: 2.1 −3; 2.2 −0.6 −0.5 = −1.1; 2.3 60 ≤ 75 → −0.5; 2.4 −2; 2.5 0; 2.6 −1.5;
              #      2.7 −2; 2.8 −1 + 0 = −1; 2.9 −2 −1 −2 = −5 → −16.1
              "A.2.1": "-3", "A.2.2": "-1.1", "A.2.3": "-0.5", "A.2.4": "-2", "A.2.5": "0",
              "A.2.6": "-1.5", "A.2.7": "-2", "A.2.8": "-1", "A.2.9.1": "-2", "A.2.9.2": "-1",
              "A.2.9.3": "-2", "A.2.9": "-5", "A.2": "-16.1",
              # A.3: 3.1 Q2 late −2 (Q4 not due until 2022-01-10); 3.2 −0.5 −0.5 −1 −2 = −4
              "A.3.1": "-2", "A.3.2": "-4", "A.3": "-6",
              # A: 40 − 18 − 16.1 − 6 = −0.1 → floors at 0
              "A": "0",
              # B: 4.5 + 3.5 + 0 + 4.33 = 12.33
              "B.4.1": "4.5", "B.5.1": "3.5", "B.6.1": "0", "B.7.1": "4.33", "B": "12.33",
              # C: 7.1 4; 7.2 1; 8.1 2 + 1 + 1 = 4; 9.1 3 national + place 1 (5 provincial) 2 = 5;
              #    9.2 4; 9.3 3 → 4 + 1 + 4 + 5 + 4 + 3 = 21 → capped at 20
              "C.7.1": "4", "C.7.2": "1", "C.8.1": "4", "C.9.1": "5", "C.9.2": "4", "C.9.3": "3",
              "C": "20"}
    for ind, v in expect.items():
        assert pts(c, ind) == D(v), ind
    # the floor and the cap are lines of their own
    floor = [ln for ln in lines(c, "A") if ln.kind == "floor"]
    assert len(floor) == 1 and floor[0].delta == D("0.1")
    cap = [ln for ln in lines(c, "C") if ln.kind == "cap"]
    assert len(cap) == 1 and cap[0].delta == D("-1")
    # an evaluation panel with no scores yet: one `average` line of 0
    assert [(ln.kind, ln.delta) for ln in lines(c, "B.6.1")] == [("average", 0)]
    # supervisors 13/3 = 4.333… shows as 4.33 (half-up, once)
    assert [ln.delta for ln in lines(c, "B.7.1")] == [D("4.33")]
    assert c.total == D("32.33")
    # 2.1: one line per ranking result, the second scoring 0
    assert [ln.delta for ln in lines(c, "A.2.1")] == [D(-3), D(0)]
    # 3.1: Q1 on time on its deadline, Q2 late, Q3 on its (调休-moved) deadline
    assert [(ln.period, ln.kind, ln.delta) for ln in lines(c, "A.3.1")] == [
        ("2021-Q1", "on_time", 0), ("2021-Q2", "late", D(-2)), ("2021-Q3", "on_time", 0)]
    # 1.6: the 白城 (city) warning is not among the lines
    assert [ln.event_type for ln in lines(c, "A.1.6")] == ["warning", "criticism", "admonition",
                                                         "rectification_failed"]


def test_department_year_end_totals_ranks_and_media_places():
    cards = score("department", DEPT, D1 + OTHERS, "2021-12-31")
    # 9.1 provincial counts: d1 5, d2 3, d3 3, d4 1, d5 0 → places 1, 2, 2, 4, — →
    #   2, 1.8, 1.8, 1.4, nothing (d5 has no rank line at all)
    assert [pts(cards[u], "C.9.1") for u in DEPT[1:]] == [D("1.8"), D("1.8"), D("1.4"), D(0)]
    assert lines(cards["d5"], "C.9.1") == []
    # d2: A 40 − 2 (Q3 late: submitted 10-14, due 10-13 because Sat 10-09 is a working day)
    assert [(ln.period, ln.kind) for ln in lines(cards["d2"], "A.3.1")][-1] == ("2021-Q3", "late")
    # totals: d1 0 + 12.33 + 20 = 32.33; d2 38 + 0 + 1.8 = 39.8; d3 (40 − 2) + 1.8 = 39.8;
    #   d4 40 + 1.4 = 41.4; d5 40 − 6 (Q1–Q3 missing) = 34
    got = {u: (c.total, c.rank) for u, c in cards.items()}
    assert got == {"d1": (D("32.33"), 5), "d2": (D("39.80"), 2), "d3": (D("39.80"), 2),
                   "d4": (D("41.40"), 1), "d5": (D("34.00"), 4)}
    assert all(c.grade is None for c in cards.values())
    miss = [ln for ln in lines(cards["d5"], "A.3.1")]
    assert [(ln.kind, ln.date) for ln in miss] == [
        ("missing_obligation", dt.date(2021, 4, 8)), ("missing_obligation", dt.date(2021, 7, 7)),
        ("missing_obligation", dt.date(2021, 10, 13))]


def test_department_mid_year():
    cards = score("department", DEPT, D1 + OTHERS, "2021-06-30")
    c = cards["d1"]
    # A.1 as of 06-30: 1.1 −1; 1.2 −2 (met comes 08-01); 1.3 −3 (not_started comes 09-15);
    #   1.4 −2; 1.5 −1; 1.6 −1 −2 = −3 → −12
    # A.2: 2.1 0 (08-20); 2.2 −0.6; 2.3 40 ≤ 50 → −1; 2.4 −2; 2.5 0; 2.6 0; 2.7 0;
    #   2.8 −1 −1 (double_publicity still not_met) = −2; 2.9 −2 → −7.6
    # A.3: 3.1 only Q1 is due (04-08), on time → 0; 3.2 s1 closed late −0.5, s2 open past its
    #   06-20 due date −0.5, facts_unclear −1 → −2
    # A = 40 − 12 − 7.6 − 2 = 18.4
    expect = {"A.1.2": "-2", "A.1.3": "-3", "A.1.5": "-1", "A.1.6": "-3", "A.1": "-12",
              "A.2.1": "0", "A.2.2": "-0.6", "A.2.3": "-1", "A.2.8": "-2", "A.2.9": "-2", "A.2": "-7.6",
              "A.3.1": "0", "A.3.2": "-2", "A": "18.4",
              # B: no evaluations yet → 0 for every panel
              "B": "0",
              # C: 7.1 2; 7.2 0; 8.1 2 + 1 = 3; 9.1 national 2 + rank; 9.2 1; 9.3 1 (the city one no)
              # provincial by 06-30: d1 3, d2 3, d3 1, d4 1 → places 1, 1, 3, 3 → 2, 2, 1.6, 1.6
              "C.7.1": "2", "C.7.2": "0", "C.8.1": "3", "C.9.1": "4", "C.9.2": "1", "C.9.3": "1",
              # 2 + 0 + 3 + 4 + 1 + 1 = 11
              "C": "11"}
    for ind, v in expect.items():
        assert pts(c, ind) == D(v), ind
    still_open = [ln for ln in lines(c, "A.3.2") if ln.kind == "late"]
    # (lines in date order: s2's is dated by its assignment 06-01, s1's by its closing 06-02)
    assert [ln.detail for ln in still_open] == ["item s2 due 2021-06-20, still open",
                                                "item s1 due 2021-05-31, closed 2021-06-02"]
    assert [ln.kind for ln in lines(c, "B.4.1")] == ["average"] and pts(c, "B.4.1") == 0
    assert [pts(cards[u], "C.9.1") for u in ("d2", "d3", "d4")] == [D(2), D("1.6"), D("1.6")]
    # totals: d1 18.4 + 0 + 11 = 29.4; d2 40 + 2 = 42; d3 (40 − 1) + 1.6 = 40.6;
    #   d4 40 + 1.6 = 41.6; d5 40 − 2 (Q1 missing) = 38
    got = {u: (c.total, c.rank) for u, c in cards.items()}
    assert got == {"d1": (D("29.40"), 5), "d2": (D("42.00"), 1), "d3": (D("40.60"), 3),
                   "d4": (D("41.60"), 2), "d5": (D("38.00"), 4)}


def test_quarterly_deadlines_follow_the_official_calendar():
    cal = chinese_calendar
    # the deadlines asserted below, from the library rather than by guessing
    assert cal.is_workday(dt.date(2021, 10, 9)) and not cal.is_workday(dt.date(2021, 10, 7))
    assert not cal.is_workday(dt.date(2022, 1, 3))
    facts = [R("q", "2021-04-08", "2021-Q1"), R("q", "2021-07-07", "2021-Q2"),
             R("q", "2021-10-13", "2021-Q3")]
    # as of 2021-04-07 Q1 (due 04-08) is not yet counted: nothing missing
    assert pts(score("department", ["q"], [], "2021-04-07")["q"], "A.3.1") == 0
    assert pts(score("department", ["q"], [], "2021-04-08")["q"], "A.3.1") == D(-2)
    # as of 2021-10-12 Q3 is not due; on 10-13 it is (10-14 without the 调休 Saturday)
    assert pts(score("department", ["q"], facts[:2], "2021-10-12")["q"], "A.3.1") == 0
    assert pts(score("department", ["q"], facts[:2], "2021-10-13")["q"], "A.3.1") == D(-2)
    # Q4: not due on 2022-01-07 (a plain weekday count would say so) nor 01-09; due 01-10
    assert pts(score("department", ["q"], facts, "2022-01-09")["q"], "A.3.1") == 0
    assert pts(score("department", ["q"], facts, "2022-01-10")["q"], "A.3.1") == D(-2)
    # the Q4 report submitted on 2022-01-10 belongs to 2021 and is on time
    q4 = facts + [R("q", "2022-01-10", "2021-Q4")]
    c = score("department", ["q"], q4, "2022-01-31")["q"]
    assert pts(c, "A.3.1") == 0 and lines(c, "A.3.1")[-1].kind == "on_time"
    # poor quality on time → −2 as well; late on 01-11 → −2
    c = score("department", ["q"], facts + [R("q", "2022-01-05", "2021-Q4", "poor")], "2022-01-31")["q"]
    assert pts(c, "A.3.1") == D(-2) and lines(c, "A.3.1")[-1].kind == "poor"
    c = score("department", ["q"], facts + [R("q", "2022-01-11", "2021-Q4")], "2022-01-31")["q"]
    assert pts(c, "A.3.1") == D(-2) and lines(c, "A.3.1")[-1].kind == "late"


def test_provincial_media_places_one_to_ten_and_ties_at_ten():
    # 12 units with provincial counts 12, 11, …, 4, 3, 3, 1: places 1…9, then 10, 10 (tie), 12
    counts = [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 3, 1]
    units = [f"m{i:02d}" for i in range(1, 13)]
    facts = [F(u, "media_report", f"2021-{(k % 12) + 1:02d}-01", level="province", outlet="吉林电视台",
               title="报道") for u, n in zip(units, counts, strict=True) for k in range(n)]
    cards = score("department", units, facts, "2021-12-31")
    got = [pts(cards[u], "C.9.1") for u in units]
    # places 1–9 → 2 … 0.4; the two at place 10 both get 0.2 (the document's "0、2");
    # place 12 is outside the table → 0
    assert got == [D(x) for x in ("2", "1.8", "1.6", "1.4", "1.2", "1", "0.8", "0.6", "0.4",
                                  "0.2", "0.2", "0")]
    rk = [ln for ln in lines(cards["m11"], "C.9.1") if ln.kind == "rank"]
    assert rk[0].detail.startswith("place 10 of 12")


# ----------------------------------------------------------------------------------- township

TOWNS = ["t1", "t2", "t3", "t4", "t5", "t6", "t7"]


def _prov(u, n):
    return [F(u, "media_report", f"2021-{k + 1:02d}-15", level="province", outlet="吉林日报",
              title="乡镇经验") for k in range(n)]


T_FACTS = [
    # t1: D.10.1 two contents missing from the work report → −4
    finding("t1", "2021-03-01", "work_report_items", "found", count=2),
    # D.10.2 no warning_sent in 2021 → −2 once the year is over; county warning −1;
    #        rectification_failed −2
    F("t1", "warning", "2021-04-01", issuer_level="county"),
    F("t1", "rectification_failed", "2021-06-01"),
    # D.10.3 unrecorded × 2 → −1; escalated −1; petitions of 25 → −2, 30 → −3, no head count → −2
    F("t1", "complaint", "2021-02-01", kind="unrecorded"),
    F("t1", "complaint", "2021-03-01", kind="unrecorded"),
    F("t1", "complaint", "2021-04-01", kind="escalated"),
    F("t1", "complaint", "2021-05-01", kind="collective_petition", people=25),
    F("t1", "complaint", "2021-06-01", kind="collective_petition", people=30),
    F("t1", "complaint", "2021-07-01", kind="collective_petition"),
    # D.11.1 Q1 on time; Q2 on time but poor → −2; Q3 never → −2
    R("t1", "2021-04-01", "2021-Q1"), R("t1", "2021-07-02", "2021-Q2", "poor"),
    # D.11.2 item closed after its due date −0.5; improper_handling −1; false_report −1
    F("t1", "supervised_item_assigned", "2021-03-01", item="x1", due=dt.date(2021, 3, 31)),
    F("t1", "supervised_item_closed", "2021-04-02", item="x1"),
    F("t1", "supervised_item_finding", "2021-04-10", item="x1", finding="improper_handling"),
    F("t1", "supervised_item_finding", "2021-04-10", item="x1", finding="false_report"),
    # D.11.3 regulation study not done → −2
    finding("t1", "2021-11-01", "regulation_study", "not_done"),
    # B: one enterprise evaluation 4 → 4
    F("t1", "evaluation", "2021-12-15", panel="enterprises", evaluator="ent1", score=4),
    # E.12.1 central +2, province +2, city +1; a county praise is not listed → 0
    F("t1", "praise", "2021-05-01", issuer_level="central", issuer="国务院"),
    F("t1", "praise", "2021-06-01", issuer_level="province", issuer="省政府"),
    F("t1", "praise", "2021-07-01", issuer_level="city", issuer="白城市政府"),
    F("t1", "praise", "2021-08-01", issuer_level="county", issuer="大安市政府"),
    # E.13.1 national × 2 → +2; provincial 4 (ranked); E.13.2 3 × province briefings;
    # E.13.3 2 × province promotions
    F("t1", "media_report", "2021-03-01", level="central", outlet="新华社", title="经验"),
    F("t1", "media_report", "2021-09-01", level="central", outlet="新华社", title="经验"),
    *_prov("t1", 4),
    *[F("t1", "briefing_adopted", f"2021-0{m}-10", issuer_level="province") for m in (3, 5, 7)],
    *[F("t1", "experience_promoted", f"2021-0{m}-10", scope="province") for m in (4, 8)],
    # t2: warning sent; reports on time; ten provincial praises (+20) and 4 provincial reports
    F("t2", "warning_sent", "2021-05-01", to="某村"),
    *ON_TIME("t2"),
    *[F("t2", "praise", f"2021-{m:02d}-01", issuer_level="province", issuer="省政府") for m in range(1, 11)],
    *_prov("t2", 4),
    # t3: no warning sent; reports on time; 3 provincial reports
    *ON_TIME("t3"), *_prov("t3", 3),
    # t4, t5: warning sent; reports on time; 2 provincial reports each
    F("t4", "warning_sent", "2021-02-01", to="某村"), *ON_TIME("t4"), *_prov("t4", 2),
    F("t5", "warning_sent", "2021-03-01", to="某村"), *ON_TIME("t5"), *_prov("t5", 2),
    # t6: warning sent; reports on time; 1 provincial report
    F("t6", "warning_sent", "2021-03-01", to="某村"), *ON_TIME("t6"), *_prov("t6", 1),
    # t7: nothing
]


def test_township_year_end():
    cards = score("township", TOWNS, T_FACTS, "2021-12-31")
    c = cards["t1"]
    # D: 10.1 −4; 10.2 −2 (no warning sent) −1 −2 = −5; 10.3 −0.5 −0.5 −1 −2 −3 −2 = −9;
    #    11.1 −2 −2 = −4; 11.2 −0.5 −1 −1 = −2.5; 11.3 −2
    #    20 − 4 − 5 − 9 − 4 − 2.5 − 2 = −6.5 → floors at 0
    expect = {"D.10.1": "-4", "D.10.2": "-5", "D.10.3": "-9", "D.11.1": "-4", "D.11.2": "-2.5",
              "D.11.3": "-2", "D": "0", "B.6.1": "4", "B": "4",
              # E: 12.1 2 + 2 + 1 = 5; 13.1 2 national + rank; 13.2 3; 13.3 2
              # provincial counts t1 4, t2 4, t3 3, t4 2, t5 2, t6 1, t7 0 →
              #   places 1, 1, 3, 4, 4, 6, — → 2, 2, 1.2, 0.8, 0.8, 0 (beyond 5), nothing
              "E.12.1": "5", "E.13.1": "4", "E.13.2": "3", "E.13.3": "2", "E": "14"}
    for ind, v in expect.items():
        assert pts(c, ind) == D(v), ind
    assert [ln.delta for ln in lines(c, "D.10.3")] == [D("-0.5"), D("-0.5"), D(-1), D(-2), D(-3), D(-2)]
    assert [(ln.period, ln.kind) for ln in lines(c, "D.11.1")] == [
        ("2021-Q1", "on_time"), ("2021-Q2", "poor"), ("2021-Q3", "missing_obligation")]
    warn = [ln for ln in lines(c, "D.10.2") if ln.kind == "missing_obligation"]
    assert len(warn) == 1 and warn[0].delta == D(-2)
    assert [pts(cards[u], "E.13.1") for u in TOWNS[1:]] == [D(2), D("1.2"), D("0.8"), D("0.8"), D(0), D(0)]
    # E of t2: 10 × 2 + 2 = 22 → capped at 20
    assert pts(cards["t2"], "E") == 20
    assert [ln.delta for ln in lines(cards["t2"], "E") if ln.kind == "cap"] == [D(-2)]
    # totals: t1 0 + 4 + 14 = 18; t2 20 + 0 + 20 = 40; t3 (20 − 2) + 1.2 = 19.2;
    #   t4 20 + 0.8 = 20.8; t5 20.8; t6 20 + 0 = 20; t7 20 − 2 − 6 = 12
    got = {u: (c.total, c.rank) for u, c in cards.items()}
    assert got == {"t1": (D("18.00"), 6), "t2": (D("40.00"), 1), "t3": (D("19.20"), 5),
                   "t4": (D("20.80"), 2), "t5": (D("20.80"), 2), "t6": (D("20.00"), 4),
                   "t7": (D("12.00"), 7)}


def test_township_warning_obligation_only_once_the_year_is_over_and_mid_year():
    # 12-30: the yearly obligation is not yet due: t7 20 − 6 (Q1–Q3 missing) = 14; t3 20
    cards = score("township", TOWNS, T_FACTS, "2021-12-30")
    assert pts(cards["t7"], "D") == 14 and pts(cards["t3"], "D.10.2") == 0
    cards = score("township", TOWNS, T_FACTS, "2021-12-31")
    assert pts(cards["t7"], "D") == 12 and pts(cards["t3"], "D.10.2") == -2
    # mid-year (06-30) for t1: D.10.1 −4; D.10.2 −1 −2 = −3 (no yearly deduction yet);
    #   D.10.3 −0.5 −0.5 −1 −2 −3 = −7 (the 07-01 petition is later); D.11.1 Q1 on time,
    #   Q2 not due (07-07) → 0; D.11.2 −2.5; D.11.3 0 (11-01) → 20 − 4 − 3 − 7 − 0 − 2.5 = 3.5
    # B 0 (no scores yet); E: 12.1 2 + 2 = 4 (city praise 07-01 later); 13.1 national 1 +
    #   rank (provincial by 06-30: t1 4, t2 4, t3 3, t4 2, t5 2, t6 1 → place 1 → 2) = 3;
    #   13.2 2 (03-10, 05-10); 13.3 1 (04-10) → 10
    c = score("township", TOWNS, T_FACTS, "2021-06-30")["t1"]
    assert (pts(c, "D.10.2"), pts(c, "D.10.3"), pts(c, "D.11.1"), pts(c, "D")) == (-3, -7, 0, D("3.5"))
    assert (pts(c, "E.12.1"), pts(c, "E.13.1"), pts(c, "E.13.2"), pts(c, "E.13.3"), pts(c, "E")) == (4, 3, 2, 1, 10)
    assert c.total == D("13.5")


# ----------------------------------------------------------------------------------- ledger


def test_retraction_changes_media_places_and_ranks_of_other_units(tmp_path):
    from ledger.projections.scoreboard import build_scoreboard

    units_csv = ("id,name,groups\nda-fgj,发改局,daan-department\nda-swj,商务局,daan-department\n"
                 "da-zwj,政数局,daan-department\nda-az,安广镇,daan-township\n")
    events = [
        {"id": "m1", "type": "media_report", "unit": "da-fgj", "date": "2021-01-10", "level": "province",
         "outlet": "吉林日报", "title": "审批提速"},
        {"id": "m2", "type": "media_report", "unit": "da-fgj", "date": "2021-02-10", "level": "province",
         "outlet": "吉林日报", "title": "帮办代办"},
        {"id": "m3", "type": "media_report", "unit": "da-swj", "date": "2021-01-20", "level": "province",
         "outlet": "吉林日报", "title": "招商"},
        {"id": "m4", "type": "media_report", "unit": "da-swj", "date": "2021-03-01", "level": "province",
         "outlet": "吉林日报", "title": "稳商"},
        {"id": "m5", "type": "media_report", "unit": "da-zwj", "date": "2021-02-01", "level": "province",
         "outlet": "吉林日报", "title": "一网通办"},
        {"id": "w1", "type": "warning", "unit": "da-zwj", "date": "2021-03-15", "issuer_level": "county",
         "issuer": "大安市软环境办"},
    ]
    with imported_ledger(tmp_path, units_csv, events) as L:
        before_rev = L.head()[0]
        as_of = dt.date(2021, 3, 31)  # no quarterly report is due yet
        board = build_scoreboard(L.view(), POLICY, as_of=as_of)
        got = {c.unit: (pts(c, "C.9.1"), c.total, c.rank) for c in board.cards["department"]}
        # provincial counts 2, 2, 1 → places 1, 1, 3 → 2, 2, 1.6; 政数局 also −1 (county warning)
        # totals 40 + 2 = 42, 42, 40 − 1 + 1.6 = 40.6 → ranks 1, 1, 3
        assert got == {"da-fgj": (D(2), D(42), 1), "da-swj": (D(2), D(42), 1),
                       "da-zwj": (D("1.6"), D("40.6"), 3)}
        assert [c.unit for c in board.cards["township"]] == ["da-az"]

        L.retract("m4", "报道与本单位无关")
        board = build_scoreboard(L.view(), POLICY, as_of=as_of)
        got = {c.unit: (pts(c, "C.9.1"), c.total, c.rank) for c in board.cards["department"]}
        # counts 2, 1, 1 → places 1, 2, 2 → 2, 1.8, 1.8: 政数局, whose events did not change,
        # moves from 1.6 to 1.8 → totals 42, 41.8, 40.8 → ranks 1, 2, 3
        assert got == {"da-fgj": (D(2), D(42), 1), "da-swj": (D("1.8"), D("41.8"), 2),
                       "da-zwj": (D("1.8"), D("40.8"), 3)}
        # what the ledger knew before the retraction still reproduces the first board
        old = build_scoreboard(L.view(before_rev), POLICY, as_of=as_of)
        assert {c.unit: c.total for c in old.cards["department"]} == {
            "da-fgj": D(42), "da-swj": D(42), "da-zwj": D("40.6")}


# ----------------------------------------------------------------------------------- metric bands

# As of 2021-03-31 nothing else in the department track is due (the Q1 report is due 04-08) and
# there are no other facts: A = 40 + the metric deductions, B = 0 (no panel scores), C = 0.
MB_AS_OF = "2021-03-31"


def _metric_card(name, value, date="2021-03-01", as_of=MB_AS_OF):
    f = F("mb", "metric", date, name=name, value=value)
    return score("department", ["mb"], [f], as_of)["mb"], f


def test_data_collection_ratio_bands_on_both_sides_of_25_50_75():
    # 2.3: ≤25 → −2; else ≤50 → −1; else ≤75 → −0.5; above 75 → no deduction (first band wins)
    cases = [
        ("0", "-2"),        # 0 ≤ 25 → −2
        ("24.99", "-2"),    # just under 25 → −2
        ("25", "-2"),       # exactly 25: ≤25 → −2 (not the −1 band)
        ("25.01", "-1"),    # just over 25: not ≤25, ≤50 → −1
        ("50", "-1"),       # exactly 50: ≤50 → −1
        ("50.01", "-0.5"),  # just over 50: ≤75 → −0.5
        ("75", "-0.5"),     # exactly 75: ≤75 → −0.5
        ("75.01", "0"),     # just over 75: no band → 0
        ("100", "0"),       # 100 → 0
    ]
    for value, amount in cases:
        c, f = _metric_card("data_collection_ratio", D(value))
        assert pts(c, "A.2.3") == D(amount), value
        # A.2 has only this deduction: A.2 = amount; A = 40 + amount; total = A + 0 + 0
        assert pts(c, "A.2") == D(amount), value
        assert pts(c, "A") == 40 + D(amount), value
        assert c.total == 40 + D(amount), value
        # one line, from the metric event, with the band's amount; no missing-data line
        ls = lines(c, "A.2.3")
        assert [(ln.event, ln.delta) for ln in ls] == [(f.id, D(amount))], value
        assert all(ln.kind != "missing_data" for ln in ls), value


def test_online_service_and_one_window_ratio_on_both_sides_of_70():
    # 2.4 online_service_ratio < 70 → −2: 69.99 → −2; 70 → 0 (70 is not below 70); 70.01 → 0
    for value, amount in (("69.99", "-2"), ("70", "0"), ("70.01", "0")):
        c, f = _metric_card("online_service_ratio", D(value))
        assert pts(c, "A.2.4") == D(amount), value
        assert [(ln.event, ln.delta) for ln in lines(c, "A.2.4")] == [(f.id, D(amount))], value
        assert c.total == 40 + D(amount), value  # 40 + (−2 or 0)
    # 2.5 one_window_ratio < 70 → −1: 69.99 → −1; 70 → 0; 70.01 → 0
    for value, amount in (("69.99", "-1"), ("70", "0"), ("70.01", "0")):
        c, f = _metric_card("one_window_ratio", D(value))
        assert pts(c, "A.2.5") == D(amount), value
        assert [(ln.event, ln.delta) for ln in lines(c, "A.2.5")] == [(f.id, D(amount))], value
        assert c.total == 40 + D(amount), value  # 40 + (−1 or 0)


def test_missing_metric_deducts_nothing_and_the_explanation_says_so():
    inds = {"A.2.3": "data_collection_ratio", "A.2.4": "online_service_ratio",
            "A.2.5": "one_window_ratio"}

    def assert_missing(c, ind):
        # no deduction: 0 points; the only line says the metric's data is missing (delta 0,
        # no event behind it)
        assert pts(c, ind) == 0, ind
        ls = lines(c, ind)
        assert [(ln.kind, ln.delta, ln.event) for ln in ls] == [("missing_data", D(0), None)], ind
        assert inds[ind] in ls[0].detail and "missing" in ls[0].detail, ind
        rendered = [ln for ln in c.explanation()["lines"] if ln["indicator"] == ind]
        assert len(rendered) == 1 and rendered[0]["kind"] == "missing_data", ind
        assert D(str(rendered[0]["delta"])) == 0 and rendered[0]["event"] is None, ind

    # no metrics at all: each of 2.3–2.5 is missing; A = 40 − 0 = 40; total 40 + 0 + 0 = 40
    c = score("department", ["mb"], [], MB_AS_OF)["mb"]
    for ind in inds:
        assert_missing(c, ind)
    assert (pts(c, "A.2"), pts(c, "A"), c.total) == (0, 40, 40)

    # values dated after the as-of date are not yet known: 2.3 (10 would be −2), 2.4 (50 would be
    # −2) and 2.5 (50 would be −1) are all still missing as of 03-31 → total 40
    later = [F("mb", "metric", "2021-04-15", name=n, value=v)
             for n, v in (("data_collection_ratio", 10), ("online_service_ratio", 50),
                          ("one_window_ratio", 50))]
    c = score("department", ["mb"], later, MB_AS_OF)["mb"]
    for ind in inds:
        assert_missing(c, ind)
    assert c.total == 40
    # … and once known (as of 04-30, Q1 report due 04-08 and missing → 3.1 −2):
    #   2.3 10 ≤ 25 → −2; 2.4 50 < 70 → −2; 2.5 50 < 70 → −1; A = 40 − 5 − 2 = 33
    c = score("department", ["mb"], later, "2021-04-30")["mb"]
    assert (pts(c, "A.2.3"), pts(c, "A.2.4"), pts(c, "A.2.5")) == (-2, -2, -1)
    assert (pts(c, "A.3.1"), c.total) == (-2, 33)

    # a metric of one name does not stand in for another: only 2.4 has data (80 ≥ 70 → 0);
    # 2.3 and 2.5 stay missing
    c, _ = _metric_card("online_service_ratio", D(80))
    assert pts(c, "A.2.4") == 0 and [ln.kind for ln in lines(c, "A.2.4")] == [None]
    assert_missing(c, "A.2.3")
    assert_missing(c, "A.2.5")
    assert c.total == 40
