"""Worked examples for the bundled policy changbai-2020
(长白朝鲜族自治县政务服务和数字化建设管理局2020年绩效考评细则, seed 004_fdca9bd053356bd7.txt).

Every number below is worked out by hand from the document and SEEDS.md, with the arithmetic in
the comments, and then compared with the engine's. No rule of this policy depends on working
days (monthly quotas are due at the end of the month, yearly ones on 12-31), but the year is
2020 and the calendar library must know it — checked below.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import chinese_calendar
from seedkit import fact_maker, lines, pts, seed_text, track_scorer, walk

from ledger.policies import load_bundled_policy

POLICY = load_bundled_policy("changbai-2020")
SEED = "004_fdca9bd053356bd7.txt"


def _score_to_decimal(fields):
    if "score" in fields:
        fields["score"] = D(str(fields["score"]))


F = fact_maker(recorded_at="2020-01-01T00:00:00Z", source="测试", prepare=_score_to_decimal)
score = track_scorer(POLICY, group="cb-unit")


def finding(unit, date, item, result="found", count=1):
    return F(unit, "finding", date, item=item, result=result, count=count)


def pub(unit, date, channel):
    return F(unit, "publication", date, channel=channel, title="信息")


# ----------------------------------------------------------------------------------- policy


def test_policy_shape_clauses_methods_sources_and_calendar():
    assert POLICY.id == "changbai-2020" and POLICY.year == 2020
    assert POLICY.sources[0].ref == f"seeds/{SEED}"
    assert [(t.id, t.group) for t in POLICY.tracks] == [
        ("disclosure", "cb-unit"), ("reform", "cb-unit"), ("info", "cb-unit")]
    for t in POLICY.tracks:
        for i in walk(t.indicators):
            assert i.clause and i.method and i.data_source, (t.id, i.id)
    # 一's 计分方式 / 数据来源 are the document's own words
    disc = {i.id: i for i in walk(POLICY.track("disclosure").indicators)}
    assert disc["2.1"].method.startswith("计分方式：否决计分法")
    assert disc["2.2"].data_source == "数据来源：政府信息公开专栏。"
    assert disc["3"].data_source == "数据来源：学习资料、学习签到、学习照片等。"
    # sections 三 and 四 are present as 0-point manual indicators
    reform = {i.id: i for i in walk(POLICY.track("reform").indicators)}
    for sid in ("S3.1", "S3.2", "S3.3", "S3.4", "S3.5.1", "S3.5.2", "S3.6", "S4.1", "S4.2",
                "S4.3.1", "S4.3.2", "S4.4", "S4.5", "S4.6", "S4.7"):
        assert reform[sid].rule.kind == "manual" and reform[sid].points == 0, sid
        assert reform[sid].rule.note, sid
    # the year's calendar is known (调休: Sun 2020-01-19 and Sat 2020-10-10 were working days)
    cal = POLICY.work_calendar()
    assert chinese_calendar.is_workday(dt.date(2020, 10, 10))
    assert cal.is_workday(dt.date(2020, 1, 19)) and cal.is_workday(dt.date(2020, 10, 10))
    assert not cal.is_workday(dt.date(2020, 10, 8))
    assert cal.nth_workday_from(dt.date(2020, 10, 1), 5) == dt.date(2020, 10, 14)


def test_every_clause_is_verbatim_in_the_seed():
    # every clause (split where the policy joins a heading and its text) is verbatim in the seed
    seed = re.sub(r"\s+", "", seed_text(SEED))
    for t in POLICY.tracks:
        for i in walk(t.indicators):
            for part in i.clause.split(" "):
                assert part in seed, (t.id, i.id, part)


# ----------------------------------------------------------------------------------- disclosure

DISC = [
    # c1 — 组织保障: leading_group and annual_plan missing (02-01); special_meeting missing (03-01)
    #      then met (07-01) → mid-year 6 − 3 = 3, year 6 − 2 = 4
    finding("c1", "2020-02-01", "leading_group", "missing"),
    finding("c1", "2020-02-01", "annual_plan", "missing"),
    finding("c1", "2020-03-01", "special_meeting", "missing"),
    finding("c1", "2020-07-01", "special_meeting", "met"),
    # 2.1 annual report met → 2
    finding("c1", "2020-03-01", "annual_report", "met"),
    # 2.2 missed 3 (03-15) → −6; missed 1 (09-15) → −2: mid 24, year 22
    finding("c1", "2020-03-15", "missed_disclosure", count=3),
    finding("c1", "2020-09-15", "missed_disclosure", count=1),
    # 2.3 interpretation met → 5
    finding("c1", "2020-05-10", "policy_interpretation", "met"),
    # 3 one training (04-01) → 5, credited as soon as it happened
    F("c1", "training_session", "2020-04-01", topic="政务公开学习"),
    # 4 daily work met (12-20) → 40 at year end, nothing mid-year
    finding("c1", "2020-12-20", "daily_work", "met"),
    # 5 one disclosure item a month Jan–Oct (two in March); Nov, Dec none → 12 − 2 = 10
    *[pub("c1", f"2020-{m:02d}-15", "disclosure") for m in range(1, 11)],
    pub("c1", "2020-03-20", "disclosure"),
    pub("c1", "2020-05-05", "gov_info"),  # another channel: does not count for 5
    # c2 — all six org items missing → 0; annual report not_met → 0; 16 missed → −32 → floor 0;
    #      no interpretation, no training → 0; daily work met → 40; no disclosure items → 12 − 12 = 0
    *[finding("c2", "2020-01-15", it, "missing") for it in
      ("leading_group", "responsible_body", "designated_person", "special_meeting", "annual_plan",
       "annual_summary")],
    finding("c2", "2020-03-01", "annual_report", "not_met"),
    finding("c2", "2020-06-01", "missed_disclosure", count=16),
    finding("c2", "2020-11-01", "daily_work", "met"),
    # c3 — org 6; report 2; 1 missed (05-01) → 28, then a leak (08-01) → 0; interpretation 5;
    #      two trainings → still 5; daily work 40; a disclosure item every month → 12
    finding("c3", "2020-03-01", "annual_report", "met"),
    finding("c3", "2020-05-01", "missed_disclosure"),
    finding("c3", "2020-08-01", "leak"),
    finding("c3", "2020-04-01", "policy_interpretation", "met"),
    F("c3", "training_session", "2020-03-01", topic="学习"),
    F("c3", "training_session", "2020-09-01", topic="学习"),
    finding("c3", "2020-12-01", "daily_work", "met"),
    *[pub("c3", f"2020-{m:02d}-10", "disclosure") for m in range(1, 13)],
    # c4 — no findings: org 6, 2.2 30; daily work not_met → 0; disclosure items Jan–Apr only →
    #      12 − 8 = 4
    finding("c4", "2020-12-01", "daily_work", "not_met"),
    *[pub("c4", f"2020-{m:02d}-10", "disclosure") for m in range(1, 5)],
]
CS = ["c1", "c2", "c3", "c4"]


def test_disclosure_year_end():
    cards = score("disclosure", CS, DISC, "2020-12-31")
    c1, c2, c3, c4 = (cards[u] for u in CS)
    # c1: 4 + 2 + 22 + 5 + 5 + 40 + 10 = 88
    assert [pts(c1, i) for i in ("1", "2.1", "2.2", "2.3", "2", "3", "4", "5")] == \
        [4, 2, 22, 5, 29, 5, 40, 10]
    assert c1.total == 88
    assert [ln.period for ln in lines(c1, "5") if ln.kind == "missing_obligation"] == ["2020-11", "2020-12"]
    # c2: 0 + 0 + 0 (30 − 32 floors at 0) + 0 + 0 + 40 + 0 = 40
    assert [pts(c2, i) for i in ("1", "2.1", "2.2", "2.3", "3", "4", "5")] == [0, 0, 0, 0, 0, 40, 0]
    assert [ln.delta for ln in lines(c2, "2.2") if ln.kind == "floor"] == [D(2)]
    assert [ln.delta for ln in lines(c2, "2.1")] == [0]  # not_met: a line, nothing earned
    assert len([ln for ln in lines(c2, "5") if ln.kind == "missing_obligation"]) == 12
    assert c2.total == 40
    # c3: 6 + 2 + 0 (leak: 出现泄密情况不得分) + 5 + 5 + 40 + 12 = 70
    assert pts(c3, "2.2") == 0
    zeroed = [ln for ln in lines(c3, "2.2") if ln.kind == "zeroed"]
    assert len(zeroed) == 1 and zeroed[0].delta == D(-28) and zeroed[0].rule == "出现泄密情况不得分。"
    assert (pts(c3, "1"), pts(c3, "3"), pts(c3, "5"), c3.total) == (6, 5, 12, 70)
    # c4: 6 + 0 + 30 + 0 + 0 + 0 + 4 = 40 → ties with c2
    assert (pts(c4, "2.2"), pts(c4, "4"), pts(c4, "5"), c4.total) == (30, 0, 4, 40)
    assert {u: c.rank for u, c in cards.items()} == {"c1": 1, "c3": 2, "c2": 3, "c4": 3}
    assert all(c.grade is None and not c.downgraded for c in cards.values())


def test_disclosure_mid_year():
    cards = score("disclosure", CS, DISC, "2020-06-30")
    c1, c3 = cards["c1"], cards["c3"]
    # c1: 1 = 6 − 3 (special_meeting still missing); 2.2 = 30 − 6 = 24; the yearly training
    #     obligation counts only once 12-31 has passed → 0; daily work not yet → 0;
    #     months 1–6 each have an item → 12
    #     3 + 2 + 24 + 5 + 0 + 0 + 12 = 46
    assert [pts(c1, i) for i in ("1", "2.1", "2.2", "2.3", "3", "4", "5")] == [3, 2, 24, 5, 0, 0, 12]
    assert c1.total == 46
    # months that met the target give a 0 `quota` line each; July on are not over yet
    assert [(ln.period, ln.kind, ln.delta) for ln in lines(c1, "5") if ln.kind != "base"] == [
        (f"2020-{m:02d}", "quota", 0) for m in range(1, 7)]
    # c3: the leak (08-01) is not yet known → 2.2 = 30 − 2 = 28
    assert pts(c3, "2.2") == 28
    # c2: no training by 06-30 — a yearly target, not due before 12-31: no line yet
    assert lines(cards["c2"], "3") == []


# ----------------------------------------------------------------------------------- reform

REFORM = [
    # r1: 1 leader_not_personal −1, weak_mechanism −2 → 2 (no_office with result met: no deduction)
    finding("r1", "2020-03-01", "leader_not_personal"),
    finding("r1", "2020-03-01", "weak_mechanism"),
    finding("r1", "2020-03-01", "no_office", "met"),
    #     2 no_rules −5, rules_not_implemented −2 → −7 → floor 0
    finding("r1", "2020-04-01", "no_rules"),
    finding("r1", "2020-05-01", "rules_not_implemented"),
    #     3 late_dispatch × 3 → −6 → 4
    finding("r1", "2020-06-01", "late_dispatch", count=3),
    #     4 false_material × 6 (10-01) → −12 → floor 0 (mid-year: still 10)
    finding("r1", "2020-10-01", "false_material", count=6),
    #     5 uncooperative → −2.5 → 2.5; 8 service_list_nonstandard → 5; 10 intermediary_issue → 10
    finding("r1", "2020-04-15", "uncooperative"),
    finding("r1", "2020-05-15", "service_list_nonstandard"),
    finding("r1", "2020-06-15", "intermediary_issue"),
    #     two county criticisms (03-01, 09-01): the second makes 累计二次
    F("r1", "criticism", "2020-03-01", issuer_level="county", issuer="县委县政府"),
    F("r1", "criticism", "2020-09-01", issuer_level="county", issuer="县委县政府"),
    # r2: one city criticism
    F("r2", "criticism", "2020-05-01", issuer_level="city", issuer="白山市委市政府"),
    # r3: decentralization failure → 6 = 0 and downgraded; a non-severe inspection and one county
    #     criticism do not downgrade
    finding("r3", "2020-07-01", "decentralization_failure"),
    F("r3", "inspection_named", "2020-08-01", issuer_level="province", severe=False),
    F("r3", "criticism", "2020-08-02", issuer_level="county", issuer="县委县政府"),
    # r4: a provincial criticism; r5: a severe 督查点名
    F("r4", "criticism", "2020-06-01", issuer_level="province", issuer="省政府"),
    F("r5", "inspection_named", "2020-06-01", issuer_level="central", severe=True),
    # r6: clean
    # r7: uncooperative × 2 → −5 → 0; no_publicity → −5 → 5: 100 − 10 = 90
    finding("r7", "2020-05-01", "uncooperative", count=2),
    finding("r7", "2020-05-01", "no_publicity"),
    # r8: power_list_stale −15; intermediary_issue × 3 → −15: 100 − 30 = 70
    finding("r8", "2020-05-01", "power_list_stale"),
    finding("r8", "2020-06-01", "intermediary_issue", count=3),
]
RS = [f"r{i}" for i in range(1, 9)]


def test_reform_year_end_grades_downgrades_and_ranks():
    cards = score("reform", RS, REFORM, "2020-12-31")
    r1 = cards["r1"]
    # r1: 2 + 0 + 4 + 0 + 2.5 + 15 + 15 + 5 + 10 + 10 = 63.5
    assert [pts(r1, str(i)) for i in range(1, 11)] == [2, 0, 4, 0, D("2.5"), 15, 15, 5, 10, 10]
    assert r1.total == D("63.5") and r1.grade == "不合格" and r1.downgraded
    assert r1.downgrade_reasons == ["被县委县政府通报批评累计二次及二次上的",
                                    "“放管服”和“最多跑一次”考核部门分值70分下的"]
    down = [ln for ln in r1.lines if ln.kind == "downgrade"]
    assert len(down) == 2 and all(ln.delta == 0 for ln in down)
    assert [ln.delta for ln in lines(r1, "2") if ln.kind == "floor"] == [D(2)]
    assert [ln.delta for ln in lines(r1, "4") if ln.kind == "floor"] == [D(2)]
    # r2: 100, 优秀, downgraded by one city criticism — the grade stays what the bands say
    assert (cards["r2"].total, cards["r2"].grade, cards["r2"].downgraded) == (100, "优秀", True)
    assert cards["r2"].downgrade_reasons == ["被市委市政府通报批评累计一次及一次上的"]
    # r3: 100 − 15 = 85, 合格, downgraded only for 减权放权工作不力
    r3 = cards["r3"]
    assert (pts(r3, "6"), r3.total, r3.grade, r3.downgraded) == (0, 85, "合格", True)
    assert r3.downgrade_reasons == ["减权放权工作不力的，导致严重后果或造成重大影响绩效考核直接降档"]
    # r4, r5: 100, 优秀, downgraded (province criticism; severe inspection)
    assert cards["r4"].downgrade_reasons == ["“放管服”和“最多跑一次”改革任务被国家、省级通批评一次的"]
    assert cards["r5"].downgrade_reasons == ["被国务、省督查点名批评，并导致严重后果造成重大影响的"]
    assert (cards["r4"].grade, cards["r5"].grade) == ("优秀", "优秀")
    # r6: 100, 优秀, not downgraded; r7 exactly 90 → 优秀; r8 exactly 70 → 合格, not below 70
    assert (cards["r6"].total, cards["r6"].grade, cards["r6"].downgraded) == (100, "优秀", False)
    assert (pts(cards["r7"], "5"), pts(cards["r7"], "3")) == (0, 5)
    assert (cards["r7"].total, cards["r7"].grade, cards["r7"].downgraded) == (90, "优秀", False)
    assert (pts(cards["r8"], "7"), pts(cards["r8"], "10")) == (0, 0)
    assert (cards["r8"].total, cards["r8"].grade, cards["r8"].downgraded) == (70, "合格", False)
    # ranks: 100 ×4 → 1; 90 → 5; 85 → 6; 70 → 7; 63.5 → 8
    assert {u: c.rank for u, c in cards.items()} == {
        "r1": 8, "r2": 1, "r3": 6, "r4": 1, "r5": 1, "r6": 1, "r7": 5, "r8": 7}
    # sections 三 and 四: present, unscored, 0 points
    r6 = cards["r6"]
    assert pts(r6, "S3") == 0 and pts(r6, "S4") == 0 and pts(r6, "S3.5.2") == 0
    assert [ln.kind for ln in lines(r6, "S4.3.2")] == ["unscored"]
    assert r6.max == 100


def test_reform_mid_year():
    cards = score("reform", RS, REFORM, "2020-06-30")
    r1 = cards["r1"]
    # false_material (10-01) not yet: 4 = 10 → 63.5 + 10 = 73.5 → 合格; only one county
    # criticism so far and the total is not below 70 → not downgraded
    assert (pts(r1, "4"), r1.total, r1.grade, r1.downgraded) == (10, D("73.5"), "合格", False)
    # r3's failure comes 07-01: 100, 优秀, not yet downgraded
    assert (cards["r3"].total, cards["r3"].grade, cards["r3"].downgraded) == (100, "优秀", False)


# ----------------------------------------------------------------------------------- info

INFO = [
    # i1: 45 gov_info items → 30 + 5 = 35; 10 briefings adopted → 30 − 2 = 28; rules met → 20;
    #     office panel 18, 17 → 17.5 → 35 + 28 + 20 + 17.5 = 100.5 (not capped at 100)
    *[pub("i1", f"2020-{k % 12 + 1:02d}-{k // 12 + 1:02d}", "gov_info") for k in range(45)],
    *[F("i1", "briefing_adopted", f"2020-{m:02d}-20", issuer_level="county") for m in range(1, 11)],
    finding("i1", "2020-03-01", "info_rules", "met"),
    F("i1", "evaluation", "2020-12-20", panel="office", evaluator="o1", score=18),
    F("i1", "evaluation", "2020-12-20", panel="office", evaluator="o2", score=17),
    # i2: 5 items → 30 − 35 = −5 → floor 0; 12 briefings → 30; rules not_met → 0; no panel → 0
    *[pub("i2", f"2020-0{m}-01", "gov_info") for m in range(1, 6)],
    *[F("i2", "briefing_adopted", f"2020-{m:02d}-20", issuer_level="city") for m in range(1, 13)],
    finding("i2", "2020-03-01", "info_rules", "not_met"),
    # i3: exactly 40 → 30; 13 briefings (any level) → 31; rules met → 20; 20, 19 → 19.5 → 100.5
    *[pub("i3", f"2020-{k % 12 + 1:02d}-{k // 12 + 1:02d}", "gov_info") for k in range(40)],
    *[F("i3", "briefing_adopted", f"2020-{m:02d}-20", issuer_level="province") for m in range(1, 13)],
    F("i3", "briefing_adopted", "2020-12-21", issuer_level="city"),
    finding("i3", "2020-02-01", "info_rules", "met"),
    F("i3", "evaluation", "2020-12-20", panel="office", evaluator="o1", score=20),
    F("i3", "evaluation", "2020-12-20", panel="office", evaluator="o2", score=19),
]


def test_info_year_end_uncapped_and_floored():
    cards = score("info", ["i1", "i2", "i3"], INFO, "2020-12-31")
    i1, i2, i3 = cards["i1"], cards["i2"], cards["i3"]
    assert [pts(i1, str(i)) for i in range(1, 5)] == [35, 28, 20, D("17.5")]
    assert i1.total == D("100.5") and i1.max == 100
    assert [pts(i2, str(i)) for i in range(1, 5)] == [0, 30, 0, 0]
    assert [ln.delta for ln in lines(i2, "1") if ln.kind == "floor"] == [D(5)]
    assert [ln.kind for ln in lines(i2, "4")] == ["average"]  # no scores → 0
    assert i2.total == 30
    assert [pts(i3, str(i)) for i in range(1, 5)] == [30, 31, 20, D("19.5")]
    assert i3.total == D("100.5")
    assert {u: c.rank for u, c in cards.items()} == {"i1": 1, "i2": 3, "i3": 1}


def test_info_mid_year_yearly_counts_not_yet_due():
    # as of 06-30 the yearly counts are not due: 1 and 2 stay at 30; rules met → 20; no panel
    c = score("info", ["i1"], INFO, "2020-06-30")["i1"]
    assert [pts(c, str(i)) for i in range(1, 5)] == [30, 30, 20, 0]
    assert c.total == 80
    assert [ln.kind for ln in lines(c, "1")] == ["base"]


# ----------------------------------------------------------------------------------- reform: more

CENTRAL_REASON = "“放管服”和“最多跑一次”改革任务被国家、省级通批评一次的"


def test_reform_leadership_no_leading_group_and_no_office_found():
    g1_group = finding("g1", "2020-03-01", "no_leading_group")            # −1
    g1_office = finding("g1", "2020-04-01", "no_office", "found", count=2)  # −1 × 2 = −2
    facts = [
        g1_group, g1_office,
        # g2: no_leading_group × 3 and no_office × 3 → −6 on a 5-point item → floor 0 (+1)
        finding("g2", "2020-03-01", "no_leading_group", "found", count=3),
        finding("g2", "2020-03-01", "no_office", "found", count=3),
        # g3: no_office found, but only on 09-01 (after the mid-year as-of)
        finding("g3", "2020-09-01", "no_office"),
        # g4: no_leading_group with result met is not a problem found → no deduction
        finding("g4", "2020-03-01", "no_leading_group", "met"),
    ]
    cards = score("reform", ["g1", "g2", "g3", "g4"], facts, "2020-12-31")
    g1, g2, g3, g4 = (cards[u] for u in ("g1", "g2", "g3", "g4"))
    # g1: item 1 = 5 − 1 − 2 = 2; total 100 − 3 = 97 → ≥90 优秀; no downgrade condition
    assert pts(g1, "1") == 2
    assert (g1.total, g1.grade, g1.downgraded) == (97, "优秀", False)
    ev = [(ln.event, ln.delta) for ln in lines(g1, "1") if ln.event is not None]
    assert ev == [(g1_group.id, D(-1)), (g1_office.id, D(-2))]
    rules = {ln.event: ln.rule for ln in lines(g1, "1") if ln.event is not None}
    assert "领导小组" in rules[g1_group.id] and "扣1分" in rules[g1_group.id]
    assert "未指定专门科室" in rules[g1_office.id] and "扣1分" in rules[g1_office.id]
    # g2: 5 − 3 − 3 = −1 → floor 0 (a +1 floor line); total 100 − 5 = 95 → 优秀
    assert pts(g2, "1") == 0
    assert [ln.delta for ln in lines(g2, "1") if ln.kind == "floor"] == [D(1)]
    assert (g2.total, g2.grade, g2.downgraded) == (95, "优秀", False)
    # g3: year end 5 − 1 = 4 → 99; g4: nothing deducted → 5 → 100
    assert (pts(g3, "1"), g3.total) == (4, 99)
    assert (pts(g4, "1"), g4.total) == (5, 100)
    assert [ln for ln in lines(g4, "1") if ln.event is not None] == []
    # ranks: 100 → 1; 99 → 2; 97 → 3; 95 → 4
    assert {u: c.rank for u, c in cards.items()} == {"g4": 1, "g3": 2, "g1": 3, "g2": 4}
    # as of 06-30 g3's finding (09-01) is not yet known: 5 → 100
    mid = score("reform", ["g3"], facts, "2020-06-30")["g3"]
    assert (pts(mid, "1"), mid.total) == (5, 100)


def test_reform_post_supervision_missing():
    p1_a = finding("p1", "2020-05-01", "post_supervision_missing")   # −5
    p1_b = finding("p1", "2020-08-01", "post_supervision_missing")   # −5
    facts = [
        p1_a, p1_b,
        # p2: 3 at once → −15 on a 10-point item → floor 0 (+5)
        finding("p2", "2020-06-01", "post_supervision_missing", "found", count=3),
        # p3: 1 → −5, plus no_office → −1
        finding("p3", "2020-06-01", "post_supervision_missing"),
        finding("p3", "2020-06-01", "no_office"),
    ]
    cards = score("reform", ["p1", "p2", "p3"], facts, "2020-12-31")
    p1, p2, p3 = cards["p1"], cards["p2"], cards["p3"]
    # p1: item 9 = 10 − 5 − 5 = 0; total 100 − 10 = 90 → exactly 90 → 优秀, not downgraded
    assert pts(p1, "9") == 0
    assert [(ln.event, ln.delta) for ln in lines(p1, "9") if ln.event is not None] == [
        (p1_a.id, D(-5)), (p1_b.id, D(-5))]
    assert [ln for ln in lines(p1, "9") if ln.kind == "floor"] == []  # exactly 0, no floor
    assert (p1.total, p1.grade, p1.downgraded) == (90, "优秀", False)
    # p2: 10 − 15 = −5 → floor 0 (+5); total 90 (would be 85 合格 without the floor) → 优秀
    assert pts(p2, "9") == 0
    assert [ln.delta for ln in lines(p2, "9") if ln.kind == "floor"] == [D(5)]
    assert (p2.total, p2.grade, p2.downgraded) == (90, "优秀", False)
    # p3: 9 = 10 − 5 = 5; 1 = 5 − 1 = 4; total 100 − 6 = 94 → 优秀
    assert (pts(p3, "9"), pts(p3, "1"), p3.total, p3.grade) == (5, 4, 94, "优秀")
    # ranks: 94 → 1; 90, 90 → 2, 2
    assert {u: c.rank for u, c in cards.items()} == {"p3": 1, "p1": 2, "p2": 2}
    # mid-year (06-30): p1 only the 05-01 finding → 9 = 5, total 95
    mid = score("reform", ["p1"], facts, "2020-06-30")["p1"]
    assert (pts(mid, "9"), mid.total, mid.grade) == (5, 95, "优秀")


def test_reform_downgrade_by_central_criticism():
    k1_crit = F("k1", "criticism", "2020-05-01", issuer_level="central", issuer="国务院办公厅")
    k3_crit = F("k3", "criticism", "2020-07-01", issuer_level="central", issuer="国务院督查组")
    facts = [
        k1_crit,
        # k2: a central criticism of the previous year does not count for 2020
        F("k2", "criticism", "2019-12-31", issuer_level="central", issuer="国务院办公厅"),
        # k3: one central and one county criticism: only the central one is a reason (one county
        #     criticism is below 累计二次); plus no_office → 99
        k3_crit,
        F("k3", "criticism", "2020-03-01", issuer_level="county", issuer="县委县政府"),
        finding("k3", "2020-03-01", "no_office"),
    ]
    cards = score("reform", ["k1", "k2", "k3"], facts, "2020-12-31")
    k1, k2, k3 = cards["k1"], cards["k2"], cards["k3"]
    # k1: no points lost → 100, bands say 优秀; the central criticism downgrades (直接降档), the
    #     grade stays 优秀, one reason, one downgrade line (delta 0, track level, citing the event)
    assert (k1.total, k1.grade, k1.downgraded) == (100, "优秀", True)
    assert k1.downgrade_reasons == [CENTRAL_REASON]
    down = [ln for ln in k1.lines if ln.kind == "downgrade"]
    assert [(ln.indicator, ln.delta, ln.event, ln.rule) for ln in down] == [
        (None, D(0), k1_crit.id, CENTRAL_REASON)]
    ex = k1.explanation()
    assert ex["downgraded"] is True and ex["grade"] == "优秀"
    rendered = [ln for ln in ex["lines"] if ln.get("kind") == "downgrade"]
    assert [(ln["indicator"], D(str(ln["delta"])), ln["event"], ln["rule"]) for ln in rendered] == [
        (None, D(0), k1_crit.id, CENTRAL_REASON)]
    # k2: 100, 优秀, not downgraded
    assert (k2.total, k2.grade, k2.downgraded, k2.downgrade_reasons) == (100, "优秀", False, [])
    # k3: 100 − 1 = 99 → 优秀, downgraded for the central criticism only
    assert (pts(k3, "1"), k3.total, k3.grade, k3.downgraded) == (4, 99, "优秀", True)
    assert k3.downgrade_reasons == [CENTRAL_REASON]
    assert [ln.event for ln in k3.lines if ln.kind == "downgrade"] == [k3_crit.id]
    # downgrading does not change totals or ranks: 100, 100 → 1; 99 → 3
    assert {u: c.rank for u, c in cards.items()} == {"k1": 1, "k2": 1, "k3": 3}
    # as of 04-30 k1's criticism (05-01) is not yet known: not downgraded; on 05-01 it is
    before = score("reform", ["k1"], facts, "2020-04-30")["k1"]
    assert (before.grade, before.downgraded, before.downgrade_reasons) == ("优秀", False, [])
    assert [ln for ln in before.lines if ln.kind == "downgrade"] == []
    on = score("reform", ["k1"], facts, "2020-05-01")["k1"]
    assert (on.downgraded, on.downgrade_reasons) == (True, [CENTRAL_REASON])
