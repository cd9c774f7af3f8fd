"""Worked examples for the bundled policy jiangxian-2021 (绛协调发〔2021〕8号).

Every expected number below was worked out by hand from the document and SEEDS.md; the
arithmetic is in the comments. Tracks progress, supervision, license and center are here,
with the policy's structure checks and an end-to-end retraction through the real Ledger;
the hotline track is in tests/test_seed_jiangxian_2021_hotline.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from seedkit import fact_maker, imported_ledger, lines, pts, track_scorer, walk

from ledger.policies import load_bundled_policy

POLICY = load_bundled_policy("jiangxian-2021")


F = fact_maker(recorded_at="2021-01-01T00:00:00Z", source="绛县优化营商环境领导小组办公室",
               id_format="{unit}-e{rev}")
score = track_scorer(POLICY, as_of="2021-12-31")


def finding(unit, item, result, date="2021-03-01", count=None):
    extra = {"count": count} if count is not None else {}
    return F(unit, "finding", date, item=item, result=result, **extra)


def metric(unit, name, value, date="2021-12-31", id=None):
    return F(unit, "metric", date, id=id, name=name, value=D(str(value)))


def pub(unit, channel, date):
    return F(unit, "publication", date, channel=channel, title="信息")


def report(unit, kind, period, date, quality="ok"):
    return F(unit, "report_submitted", date, report=kind, period=period, quality=quality)


# ====================================================================== structure


def test_every_indicator_has_clause_method_and_data_source():
    n = 0
    for t in POLICY.tracks:
        for ind in walk(t.indicators):
            n += 1
            assert ind.clause and ind.clause.strip(), ind.id
            assert ind.method and ind.method.strip(), ind.id
            assert ind.data_source and ind.data_source.strip(), ind.id
    # 9+3+2 progress, 5+2 supervision, 12 license, 7 hotline, 5+9+4+9 center
    assert n == 14 + 7 + 12 + 7 + 27


def test_tracks_groups_ids_and_sources():
    assert POLICY.id == "jiangxian-2021" and POLICY.version == 1 and POLICY.year == 2021
    src = POLICY.sources[0]
    assert src.doc_number == "绛协调发〔2021〕8号" and "002_d383ed9fe35b1fee" in src.ref
    assert "绛县2021年优化营商环境工作考核" in src.title
    assert [(t.id, t.group, t.cap) for t in POLICY.tracks] == [
        ("progress", "jx-progress", 100), ("supervision", "jx-supervision", 100),
        ("license", "jx-license", 100), ("hotline", "jx-hotline", 100), ("center", "jx-center", 100)]
    ids = {t.id: [i.id for i in t.indicators] for t in POLICY.tracks}
    assert ids["progress"] == [f"progress.{i}" for i in range(1, 10)]
    assert ids["supervision"] == [f"supervision.{i}" for i in range(1, 6)]
    assert ids["license"] == [f"license.{i}" for i in range(1, 13)]
    assert ids["hotline"] == [f"hotline.{i}" for i in range(1, 8)]
    assert ids["center"] == [f"center.{i}" for i in range(1, 6)]
    # nominal points of every track add up to 100
    for t in POLICY.tracks:
        assert sum(i.points for i in t.indicators) == 100, t.id
        for i in walk(t.indicators):
            if i.children:
                assert sum(c.points for c in i.children) == i.points, i.id
    grades = {t.id: t.grades for t in POLICY.tracks}
    assert [(g.min, g.grade) for g in grades["supervision"]] == [(80, "合格"), (None, "不合格")]
    assert all(grades[t] is None for t in ("progress", "license", "hotline", "center"))
    # the clause is the document's own text
    assert POLICY.track("supervision").indicators[2].clause.endswith("75%/80% × 30 = 28.13)")
    assert "每月发布1条，得2分，多发布1条加0.5分" in POLICY.track("progress").indicators[3].clause


# ====================================================================== progress (附件1)

ALL_MET = ["one_report", "task_list", "problem_list", "rectification_list", "leading_group",
           "work_rules", "designated_person"]


def _p1():
    """P1 does everything, more than the nominal points of items 4 and 9."""
    fs = [finding("P1", item, "met", "2021-02-01") for item in ALL_MET]
    fs += [report("P1", "progress_ledger", f"2021-{m:02d}", f"2021-{m:02d}-18") for m in range(5, 13)]
    for m in range(1, 13):
        fs += [pub("P1", "column", f"2021-{m:02d}-03"), pub("P1", "column", f"2021-{m:02d}-10"),
               pub("P1", "publicity", f"2021-{m:02d}-05")]
    fs += [F("P1", "training_session", f"2021-{m:02d}-08", topic="政策法规") for m in (3, 6, 9, 11)]
    fs += [F("P1", "innovation", f"2021-{m:02d}-15", kind="highlight", title=f"亮点{m}")
           for m in range(2, 9)]
    return fs


def _p2():
    return [
        finding("P2", "one_report", "met", "2021-03-01"),
        finding("P2", "one_report", "not_met", "2021-07-01"),   # the latest as of the date decides
        finding("P2", "task_list", "met", "2021-02-10"),
        finding("P2", "problem_list", "met", "2021-02-10"),      # no rectification_list finding
        finding("P2", "leading_group", "met", "2021-03-05"),
        finding("P2", "work_rules", "not_met", "2021-03-05"),
        report("P2", "progress_ledger", "2021-04", "2021-04-15"),  # April is not a scored month
        report("P2", "progress_ledger", "2021-05", "2021-05-20"),  # on the deadline: on time
        report("P2", "progress_ledger", "2021-06", "2021-06-21"),  # one day late
        report("P2", "progress_ledger", "2021-08", "2021-08-10"),
        report("P2", "progress_ledger", "2021-09", "2021-09-15", quality="poor"),
        report("P2", "progress_ledger", "2021-12", "2022-01-05"),  # December's, late, next year
        pub("P2", "column", "2020-12-20"),                          # last year: not counted
        pub("P2", "column", "2021-01-05"), pub("P2", "column", "2021-01-15"),
        pub("P2", "column", "2021-01-25"), pub("P2", "column", "2021-03-10"),
        pub("P2", "column", "2021-07-08"),
        pub("P2", "publicity", "2021-02-03"),
        *[pub("P2", "publicity", f"2021-06-0{d}") for d in (1, 2, 3, 4)],
        F("P2", "training_session", "2021-04-10", topic="业务知识"),
        F("P2", "training_session", "2021-10-10", topic="政策法规"),
        *[F("P2", "innovation", d, kind="signature_measure", title="一招鲜")
          for d in ("2021-02-01", "2021-05-01", "2021-09-01")],
    ]


def test_progress_year_end_cap_uncapped_items_and_training():
    cards = score("progress", ["P1", "P2", "P3", "P4"], _p1() + _p2())
    p1, p2, p3, p4 = cards["P1"], cards["P2"], cards["P3"], cards["P4"]
    # P1: 5 + (2+2+2) + 8 months × 1 + 12 × (2 + 0.5) + (3+3) + 12 × 2 + 5 + 12 (4 trainings)
    #     + (5 × 2 + 2 × 0.5) = 5 + 6 + 8 + 30 + 6 + 24 + 5 + 12 + 11 = 107 → capped at 100
    assert [pts(p1, f"progress.{i}") for i in range(1, 10)] == [
        5, 6, 8, 30, 6, 24, 5, 12, 11]
    assert pts(p1, "progress.4") == D("30.00")   # above its nominal 24: not capped
    assert pts(p1, "progress.9") == D("11.00")   # above its nominal 10: not capped
    assert p1.total == D("100.00")
    cap = [ln for ln in p1.lines if ln.indicator is None and ln.kind == "cap"]
    assert [ln.delta for ln in cap] == [D("-7.00")]
    # P2 at the year's end:
    #  1: latest one_report is not_met (07-01) → 0
    #  2: task 2 + problem 2 + no rectification finding 0 = 4
    #  3: May on time (05-20, on the deadline) 1; June late 0; Aug on time 1; Sep on time but
    #     poor 1 (only timeliness counts: "+1 per month on time");
    #     Dec submitted 2022-01-05, not visible as of 12-31 → missing 0; others missing → 3
    #  4: Jan 3 posts 2 + 2×0.5 = 3; Mar 2; Jul 2 (2020-12 not counted) → 7
    #  5: leading_group 3 + work_rules not_met 0 = 3
    #  6: Feb 2; Jun 4 posts 2 + 3×0.5 = 3.5 → 5.5
    #  7: no finding → 0
    #  8: 2 trainings: 12 − 3 × (4 − 2) = 6
    #  9: 3 innovations × 2 = 6
    #  total 0 + 4 + 3 + 7 + 3 + 5.5 + 0 + 6 + 6 = 34.5
    assert [pts(p2, f"progress.{i}") for i in range(1, 10)] == [
        0, 4, 3, 7, 3, D("5.5"), 0, 6, 6]
    assert [pts(p2, f"progress.2.{i}") for i in (1, 2, 3)] == [2, 2, 0]
    assert [pts(p2, f"progress.5.{i}") for i in (1, 2)] == [3, 0]
    assert p2.total == D("34.50")
    kinds = {ln.period: ln.kind for ln in lines(p2, "progress.3")}
    assert kinds == {"2021-05": "on_time", "2021-06": "late", "2021-07": "missing_obligation",
                     "2021-08": "on_time", "2021-09": "poor", "2021-10": "missing_obligation",
                     "2021-11": "missing_obligation", "2021-12": "missing_obligation"}
    assert [ln.delta for ln in lines(p2, "progress.3") if ln.period == "2021-09"] == [1]
    # P3, P4: nothing at all. Item 8 is a yearly obligation: 0 trainings → 12 − 3 × 4 = 0
    assert pts(p3, "progress.8") == 0 and p3.total == 0 and p4.total == 0
    # competition ranking with a tie: 1, 2, 3, 3
    assert [c.rank for c in (p1, p2, p3, p4)] == [1, 2, 3, 3]
    assert not any(c.vetoed or c.downgraded or c.grade for c in cards.values())


def test_progress_mid_year_deadlines_and_latest_findings():
    facts = _p1() + _p2()
    # As of 2021-06-19 June's ledger (due 06-20) is not yet owed; as of 06-20 it is.
    before = score("progress", ["P1", "P2"], facts, "2021-06-19")
    on_day = score("progress", ["P1", "P2"], facts, "2021-06-20")
    assert pts(before["P1"], "progress.3") == 1            # May
    assert pts(on_day["P1"], "progress.3") == 2            # May + June (submitted 06-18)
    assert pts(before["P2"], "progress.3") == 1            # May
    assert pts(on_day["P2"], "progress.3") == 1            # June's (06-21) is not there yet
    assert [ln.kind for ln in lines(on_day["P2"], "progress.3")] == ["on_time", "missing_obligation"]
    # P2 as of 2021-06-20:
    #  1: met (the not_met finding of 07-01 is later) 5; 2: 4; 3: 1;
    #  4: months Jan–May ended: Jan 3 + Mar 2 = 5; 5: 3;
    #  6: Feb 2 (June's four posts count once June is over); 7: 0;
    #  8: the yearly training obligation is not due yet → keeps 12; 9: 2 innovations → 4
    #  total 5 + 4 + 1 + 5 + 3 + 2 + 0 + 12 + 4 = 36
    p2 = on_day["P2"]
    assert [pts(p2, f"progress.{i}") for i in range(1, 10)] == [5, 4, 1, 5, 3, 2, 0, 12, 4]
    assert p2.total == D("36.00")
    # P1 as of 2021-06-20: 5 + 6 + 2 + 5 × 2.5 + 6 + 5 × 2 + 5 + 12 + (5 × 2 + 0 × 0.5: the
    # innovations of Feb–Jun) 10 = 68.5
    assert on_day["P1"].total == D("68.50")
    # after the year: December's late report (2022-01-05) is seen, matched by its period,
    # but late earns nothing
    later = score("progress", ["P2"], facts, "2022-01-10")["P2"]
    dec = [ln for ln in lines(later, "progress.3") if ln.period == "2021-12"]
    assert [(ln.kind, ln.delta) for ln in dec] == [("late", 0)]
    assert later.total == D("34.50")


# ====================================================================== supervision (附件2)


def _supervision_facts():
    """Metrics dated 2021-06-01 unless said otherwise (visible mid-year)."""

    def metric(unit, name, value, date="2021-06-01"):
        return F(unit, "metric", date, name=name, value=D(str(value)))

    fs = []
    # S1 市场监管局: items 180 → 6 a month, 6 exposures a year
    fs += [metric("S1", "supervision_actions", 1200), metric("S1", "supervision_objects", 1000),
           metric("S1", "supervision_coverage", 90), metric("S1", "supervision_items", 180)]
    for m in range(1, 13):
        n = 5 if m == 2 else 6
        fs += [pub("S1", "supervision_info", f"2021-{m:02d}-{d:02d}") for d in range(1, n + 1)]
    fs += [pub("S1", "supervision_exposure", f"2021-{m:02d}-20") for m in (1, 3, 5, 7, 9, 11)]
    fs += [F("S1", "evaluation", "2021-12-20", panel="office", evaluator="a", score=D(5)),
           F("S1", "evaluation", "2021-12-20", panel="office", evaluator="b", score=D(4))]
    # S2 公安局: items 80 → 4 a month, 4 a year
    fs += [metric("S2", "supervision_actions", 300), metric("S2", "supervision_objects", 500),
           metric("S2", "supervision_coverage", 70, "2021-06-30"),
           metric("S2", "supervision_coverage", 75, "2021-12-31"),
           metric("S2", "supervision_items", 80)]
    for m in range(1, 13):
        n = 4 if m <= 6 else 3
        fs += [pub("S2", "supervision_info", f"2021-{m:02d}-{d:02d}") for d in range(1, n + 1)]
    fs += [pub("S2", "supervision_exposure", f"2021-{m:02d}-21") for m in (2, 4, 6, 8)]
    fs += [F("S2", "evaluation", "2021-12-20", panel="office", evaluator="a", score=D(3))]
    # S3 住建局: items 50 (the boundary belongs to the 4-a-month tier)
    fs += [metric("S3", "supervision_actions", 300), metric("S3", "supervision_objects", 400),
           metric("S3", "supervision_coverage", 80), metric("S3", "supervision_items", 50)]
    for m in range(1, 7):
        fs += [pub("S3", "supervision_info", f"2021-{m:02d}-{d:02d}") for d in range(1, 5)]
    for m in range(7, 13):
        fs += [pub("S3", "supervision_info", f"2021-{m:02d}-{d:02d}") for d in range(1, 3)]
    fs += [pub("S3", "supervision_exposure", f"2021-{m:02d}-22") for m in (3, 6, 9)]  # 3 < 4
    fs += [F("S3", "evaluation", "2021-06-01", panel="office", evaluator="a", score=D(2)),
           F("S3", "evaluation", "2021-12-01", panel="office", evaluator="a", score=D("4.2")),
           F("S3", "evaluation", "2021-12-02", panel="office", evaluator="b", score=D(4))]
    # S4 水务局: items 49 → 2 a month, 2 a year
    fs += [metric("S4", "supervision_actions", 250), metric("S4", "supervision_objects", 250),
           metric("S4", "supervision_coverage", 80), metric("S4", "supervision_items", 49)]
    for m in range(1, 13):
        fs += [pub("S4", "supervision_info", f"2021-{m:02d}-{d:02d}") for d in range(1, 3)]
    fs += [pub("S4", "supervision_exposure", f"2021-{m:02d}-23") for m in (4, 10)]
    # S5 气象局: no supervision_items and no supervision_actions metric
    fs += [metric("S5", "supervision_objects", 100), metric("S5", "supervision_coverage", 50)]
    fs += [pub("S5", "supervision_info", f"2021-{m:02d}-10") for m in range(1, 12)]   # not Dec
    fs += [pub("S5", "supervision_exposure", "2021-08-08")]
    fs += [F("S5", "evaluation", "2021-12-20", panel="office", evaluator="a", score=D(5))]
    return fs


def test_supervision_year_end_ratios_rank_ties_tiers_and_grades():
    c = score("supervision", ["S1", "S2", "S3", "S4", "S5"], _supervision_facts())
    # supervision.1 = actions ÷ objects × 100 × 0.4, max 40
    #   S1 1200/1000 × 40 = 48 → 40; S2 300/500 × 40 = 24; S3 300/400 × 40 = 30;
    #   S4 250/250 × 40 = 40; S5 no actions metric → missing data, 0
    assert [pts(c[u], "supervision.1") for u in ("S1", "S2", "S3", "S4", "S5")] == [40, 24, 30, 40, 0]
    assert [ln.kind for ln in lines(c["S5"], "supervision.1")] == ["missing_data"]
    # supervision.2 rank by actions: 1200 (1), 300 (2), 300 (2), 250 (4); S5 unranked
    #   10, 10 − 0.1 = 9.9, 9.9, 10 − 0.3 = 9.7, 0
    assert [pts(c[u], "supervision.2") for u in ("S1", "S2", "S3", "S4", "S5")] == [
        10, D("9.9"), D("9.9"), D("9.7"), 0]
    # supervision.3 = coverage ÷ 80 × 30, max 30
    #   S1 90 → 33.75 → 30; S2 75 → 28.125 → 28.13 (the latest value, 12-31); S3 80 → 30;
    #   S4 30; S5 50 → 18.75
    assert [pts(c[u], "supervision.3") for u in ("S1", "S2", "S3", "S4", "S5")] == [
        30, D("28.13"), 30, 30, D("18.75")]
    # supervision.4: +1 per month meeting the monthly quota, +3 for the yearly exposure quota
    #   S1 (6/6): 11 months (Feb has 5) + 6 exposures → 11 + 3 = 14
    #   S2 (4/4): Jan–Jun 4 each, Jul–Dec 3 → 6 + 3 = 9
    #   S3 (items 50 → 4/4): Jan–Jun 4 → 6; 3 exposures < 4 → 0 → 6
    #   S4 (items 49 → 2/2): 12 + 3 = 15
    #   S5 (no items metric: 其他单位 1/1): Jan–Nov 11 + 1 exposure 3 = 14
    assert [(pts(c[u], "supervision.4.1"), pts(c[u], "supervision.4.2"), pts(c[u], "supervision.4"))
            for u in ("S1", "S2", "S3", "S4", "S5")] == [
        (11, 3, 14), (6, 3, 9), (6, 0, 6), (12, 3, 15), (11, 3, 14)]
    # supervision.5 panel office: S1 (5 + 4)/2 = 4.5; S2 3; S3 latest of a (4.2) and b (4) → 4.1;
    #   S4 no scores → 0; S5 5
    assert [pts(c[u], "supervision.5") for u in ("S1", "S2", "S3", "S4", "S5")] == [
        D("4.5"), 3, D("4.1"), 0, 5]
    # totals: S1 40 + 10 + 30 + 14 + 4.5 = 98.5
    #         S2 24 + 9.9 + 28.13 + 9 + 3 = 74.03
    #         S3 30 + 9.9 + 30 + 6 + 4.1 = 80 (exactly the 合格 line)
    #         S4 40 + 9.7 + 30 + 15 + 0 = 94.7
    #         S5 0 + 0 + 18.75 + 14 + 5 = 37.75
    got = {u: (c[u].total, c[u].grade, c[u].rank) for u in c}
    assert got == {"S1": (D("98.50"), "合格", 1), "S2": (D("74.03"), "不合格", 4),
                   "S3": (D("80.00"), "合格", 3), "S4": (D("94.70"), "合格", 2),
                   "S5": (D("37.75"), "不合格", 5)}


def test_supervision_mid_year_quota_periods_and_latest_metric():
    facts = _supervision_facts()
    c = score("supervision", ["S1", "S2", "S3", "S4", "S5"], facts, "2021-06-30")
    # Months Jan–Jun have ended; the yearly exposure quota is not due yet.
    #   S1 Jan–Jun less Feb = 5; S2 6; S3 6; S4 6; S5 6
    assert [pts(c[u], "supervision.4") for u in ("S1", "S2", "S3", "S4", "S5")] == [5, 6, 6, 6, 6]
    assert lines(c["S1"], "supervision.4.2") == []
    # S2's coverage as of 06-30 is the 70 of that day: 70/80 × 30 = 26.25
    assert pts(c["S2"], "supervision.3") == D("26.25")
    # S3's office panel as of 06-30: only a's first score 2
    assert pts(c["S3"], "supervision.5") == 2
    # June is counted only once it is over
    c = score("supervision", ["S1"], facts, "2021-06-29")
    assert pts(c["S1"], "supervision.4") == 4


# ====================================================================== license (附件3)


def _license_facts():
    fs = [finding("L1", item, "met", "2021-04-01") for item in
          ("coordination_mechanism", "leadership_meeting", "deployment_document", "item_list", "publicized")]
    fs.append(F("L1", "training_session", "2021-09-09", topic="证照分离"))
    fs += [pub("L1", "publicity", f"2021-{m:02d}-12") for m in range(1, 13) if m not in (3, 4)]
    fs += [report("L1", "license_monthly", f"2021-{m:02d}", f"2021-{m:02d}-20") for m in range(1, 8)]
    fs.append(report("L1", "license_monthly", "2021-08", "2021-08-21"))           # late
    fs += [report("L1", "license_monthly", f"2021-{m:02d}", f"2021-{m:02d}-15") for m in range(9, 13)]
    fs += [metric("L1", "dual_notice_claim_rate", "98.5")]
    fs += [finding("L1", "unpublished_license_info", "found", "2021-12-10", count=3),
           finding("L1", "unpublished_license_info", "found", "2021-12-15", count=2),
           finding("L1", "missing_enforcement_feedback", "found", "2021-11-01", count=2),
           finding("L1", "missing_supervision_measure", "found", "2021-11-02", count=4)]
    fs += [finding("L2", "coordination_mechanism", "met", "2021-04-01"),
           finding("L2", "item_list", "met", "2021-04-01"),
           finding("L2", "item_list", "not_met", "2021-10-01"),
           metric("L2", "dual_notice_claim_rate", "96.9"),
           finding("L2", "missing_enforcement_feedback", "found", "2021-11-01", count=12),
           finding("L2", "missing_supervision_measure", "found", "2021-11-01", count=2),
           finding("L2", "supervision_not_implemented", "found", "2021-11-20")]
    fs += [metric("L3", "dual_notice_claim_rate", 95, "2021-06-30"),
           metric("L3", "dual_notice_claim_rate", 97, "2021-12-31"),
           F("L3", "training_session", "2021-03-15", topic="业务培训"),
           report("L3", "license_monthly", "2021-01", "2021-01-18", quality="poor")]  # on time, poor
    return fs


def test_license_year_end():
    c = score("license", ["L1", "L2", "L3"], _license_facts())
    l1, l2, l3 = c["L1"], c["L2"], c["L3"]
    # L1: 1–5 met 2 + 2 + 2 + 10 + 4 = 20; 6 one training 5;
    #     7 publicity in 10 months (not Mar, Apr): 10 × 10/12 = 8.333… → 8.33
    #     8 on time Jan–Jul (on the 20th) and Sep–Dec, Aug late: 11 × 5/12 = 4.583… → 4.58
    #     9 98.5 → 20 − 5 × 1.5 = 12.5
    #    10 (3 + 2) × 0.2 = 1 → 14; 11 2 × 1 → 8; 12 4 × 1 → 11
    #     total 20 + 5 + 8.33 + 4.58 + 12.5 + 14 + 8 + 11 = 83.41
    assert [pts(l1, f"license.{i}") for i in range(1, 13)] == [
        2, 2, 2, 10, 4, 5, D("8.33"), D("4.58"), D("12.5"), 14, 8, 11]
    assert l1.total == D("83.41")
    # L2: 1 met 2; 4 latest not_met → 0; 9 96.9 < 97 → 0; 10 untouched 15;
    #    11 10 − 12 = −2 (no 扣完为止 in the text, so no floor);
    #    12 15 − 2 = 13, then 不落实监管 → 0; 6, 7, 8 nothing → 0
    #    total 2 + 0 + 15 − 2 + 0 = 15
    assert [pts(l2, f"license.{i}") for i in range(1, 13)] == [
        2, 0, 0, 0, 0, 0, 0, 0, 0, 15, -2, 0]
    assert [ln.kind for ln in lines(l2, "license.12")] == ["base", None, "zeroed"]
    assert [ln.delta for ln in lines(l2, "license.12")] == [15, -2, -13]
    assert l2.total == D("15.00")
    assert [ln.kind for ln in lines(l2, "license.6")] == ["missing_obligation"]
    # L3: 6 training 5; 8 January's report on time but poor → 5/12 = 0.4166… → 0.42 (only
    #     timeliness counts); 9 latest rate 97 → 20 − 15 = 5; 10–12 untouched 15 + 10 + 15
    #     → 5 + 0.42 + 5 + 40 = 50.42
    assert pts(l3, "license.9") == 5 and pts(l3, "license.8") == D("0.42")
    assert l3.total == D("50.42")
    assert [c[u].rank for u in ("L1", "L2", "L3")] == [1, 3, 2]


def test_license_mid_year_deadlines():
    facts = _license_facts()
    b = score("license", ["L1", "L3"], facts, "2021-07-19")
    a = score("license", ["L1", "L3"], facts, "2021-07-20")
    # July's report is due on 07-20: as of 07-19 Jan–Jun count, 6 × 5/12 = 2.5;
    # as of 07-20 July (submitted 07-20) too, 7 × 5/12 = 2.9166… → 2.92
    assert pts(b["L1"], "license.8") == D("2.5")
    assert pts(a["L1"], "license.8") == D("2.92")
    # publicity Jan–Jun less Mar, Apr: 4 × 10/12 = 3.333… → 3.33
    assert pts(a["L1"], "license.7") == D("3.33")
    # "at least one training a year" is a yearly obligation: it counts once its deadline
    # (12-31) has passed — not mid-year, even for L3 whose training was in March
    assert pts(a["L3"], "license.6") == 0 and pts(a["L1"], "license.6") == 0
    assert lines(a["L3"], "license.6") == []
    # L3's claim rate as of mid-year is 95 < 97 → 0
    assert pts(a["L3"], "license.9") == 0
    # L1's claim rate is not there yet (dated 12-31): missing data, no deduction → keeps 20
    assert [ln.kind for ln in lines(a["L1"], "license.9")] == ["base", "missing_data"]
    assert pts(a["L1"], "license.9") == 20
    # L1 as of 07-20: 20 + 0 + 3.33 + 2.92 + 20 + 15 + 10 + 15 (its findings of 10–12 come
    # in November/December) = 86.25
    assert a["L1"].total == D("86.25")


# ====================================================================== center (附件5)

CENTER_ITEMS = {
    "site": 4, "signage": 4, "leadership": 4, "staff": 5, "catalog": 4, "guide": 4, "rules": 5,
    "platform": 5, "village_points": 5, "one_window": 5, "operations": 5, "market_ab_roles": 5,
    "market_archives": 5, "market_quality": 5, "market_no_shirking": 5, "village_site": 3,
    "village_staff": 3, "village_guide": 3, "village_agency": 4, "village_signage": 2,
    "village_org": 2, "village_rules": 6, "village_phone": 3, "village_ledger": 4,
}


def test_center_checklist_and_tied_ranks():
    assert sum(CENTER_ITEMS.values()) == 100
    fs = [finding("C1", item, "met") for item in CENTER_ITEMS]
    fs += [finding("C2", i, "met") for i in ("site", "signage", "leadership", "staff", "one_window",
                                            "market_ab_roles", "market_quality", "village_site",
                                            "village_rules", "village_ledger")]
    fs += [finding("C2", "catalog", "not_met"),
           finding("C2", "guide", "met", "2021-03-01"), finding("C2", "guide", "not_met", "2021-09-01")]
    fs += [finding("C3", i, "met") for i in ("site", "signage", "leadership", "staff", "catalog",
                                            "guide", "rules", "platform", "village_points",
                                            "one_window")]
    c = score("center", ["C1", "C2", "C3", "C4"], fs)
    # C1: everything met → 100
    assert c["C1"].total == D("100.00")
    # C2: 九有 4 + 4 + 4 + 5 = 17 (catalog not_met, guide's latest not_met); 一窗 5;
    #     市场登记 5 + 5 = 10; 村级 3 + 6 + 4 = 13 → 17 + 5 + 0 + 10 + 13 = 45
    assert [pts(c["C2"], f"center.{i}") for i in range(1, 6)] == [17, 5, 0, 10, 13]
    assert pts(c["C2"], "center.1.6") == 0
    # C3: 九有 40 + 一窗 5 = 45 — ties with C2
    assert [pts(c["C3"], f"center.{i}") for i in range(1, 6)] == [40, 5, 0, 0, 0]
    # C4: no inspection yet → 0
    assert [(c[u].total, c[u].rank) for u in ("C1", "C2", "C3", "C4")] == [
        (D("100.00"), 1), (D("45.00"), 2), (D("45.00"), 2), (D("0.00"), 4)]
    # as of mid-year C2's guide finding is still met: 45 + 4 = 49
    assert score("center", ["C2"], fs, "2021-06-30")["C2"].total == D("49.00")


# ====================================================================== through the real ledger


def test_retraction_changes_ranks_of_other_units(tmp_path):
    from ledger.projections.scoreboard import build_scoreboard

    units_csv = ("id,name,groups\njx-a,县市场监督管理局,jx-supervision\n"
                 "jx-b,县公安局,jx-supervision;jx-hotline\njx-c,县交通运输管理局,jx-supervision\n")
    events = [
        {"id": "a-act", "type": "metric", "unit": "jx-a", "date": "2021-12-31",
         "name": "supervision_actions", "value": 500},
        {"id": "b-act-1", "type": "metric", "unit": "jx-b", "date": "2021-11-30",
         "name": "supervision_actions", "value": 200},
        {"id": "b-act-2", "type": "metric", "unit": "jx-b", "date": "2021-12-31",
         "name": "supervision_actions", "value": 400, "source": "录入错误"},
        {"id": "c-act", "type": "metric", "unit": "jx-c", "date": "2021-12-31",
         "name": "supervision_actions", "value": 300},
        {"id": "c-cov", "type": "metric", "unit": "jx-c", "date": "2021-12-31",
         "name": "supervision_coverage", "value": 75},
    ]
    with imported_ledger(tmp_path, units_csv, events) as L:
        as_of = dt.date(2021, 12, 31)

        def table(known_at=None):
            board = build_scoreboard(L.view(known_at), POLICY, as_of=as_of, tracks=["supervision"])
            return {c.unit: (c.indicator("supervision.2").points, c.total, c.rank)
                    for c in board.cards["supervision"]}

        before_rev = L.head()[0]
        # actions a 500, b 400, c 300 → places 1, 2, 3 → 10, 9.9, 9.8; c also 75/80 × 30 = 28.13
        assert table() == {"jx-a": (D(10), D("10.00"), 2), "jx-b": (D("9.9"), D("9.90"), 3),
                           "jx-c": (D("9.8"), D("37.93"), 1)}
        L.retract("b-act-2", "监管行为数据录入错误", decision="绛营商办〔2022〕1号")
        # b's latest value is now 200: a 500, c 300, b 200 → c moves up to place 2 (9.9),
        # b falls to place 3 (9.8); c's total 9.9 + 28.13 = 38.03
        assert table() == {"jx-a": (D(10), D("10.00"), 2), "jx-b": (D("9.8"), D("9.80"), 3),
                           "jx-c": (D("9.9"), D("38.03"), 1)}
        # what the ledger knew before the retraction is reproduced exactly
        assert table(before_rev) == {"jx-a": (D(10), D("10.00"), 2), "jx-b": (D("9.9"), D("9.90"), 3),
                                     "jx-c": (D("9.8"), D("37.93"), 1)}
