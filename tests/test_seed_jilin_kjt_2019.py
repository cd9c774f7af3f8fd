"""Worked examples for the bundled policy jilin-kjt-2019 (吉林省科学技术厅营商环境考核评价实施方案).

The plan has 2 dimensions (I 基础建设和执行协同: first-level 1–3 with second-level (1)–(17);
II 创新提升影响力: first-level 4–6 with (18)–(23)) and gives no points. Per SEEDS.md each
second-level indicator "1"…"23" scores 1 when its latest `finding` (item = its number) is
`met`: the total is out of 23, there are no grades, and units are ranked by total.
"""

from __future__ import annotations

import re
from decimal import Decimal as D

from seedkit import d, fact_maker, imported_ledger, lines, pts, seed_text, walk

from ledger.policies import load_bundled_policy
from ledger.projections.scoring import score_track
from ledger.units import Unit

POLICY = load_bundled_policy("jilin-kjt-2019")
SEED = "003_5763d13bf4c99379.txt"

FAGUI = ("法规处",)
DIVISIONS = {
    "1": FAGUI, "2": FAGUI, "3": FAGUI, "4": FAGUI, "5": FAGUI, "6": FAGUI, "7": FAGUI,
    "8": ("法规处", "规划处", "办公室"),
    "9": ("规划处",),
    "10": FAGUI,
    "11": ("审批办",),                  # 审批办牵头，相关业务处室配合
    "12": ("法规处", "审批办"),          # 法规处牵头，审批办及相关业务处室配合
    "13": ("法规处", "审批办"),          # 法规处、审批办，相关处室配合
    "14": ("诚信处", "办公室"),
    "15": FAGUI,                        # 法规处牵头机关各业务处室配合
    "16": FAGUI,
    "17": ("法规处", "办公室", "机关党委"),
    "18": FAGUI, "19": FAGUI,
    "20": ("厅内各处室",), "21": ("厅内各处室",),
    "22": FAGUI, "23": FAGUI,
}
TREE = {"I": {"I.1": range(1, 7), "I.2": range(7, 16), "I.3": range(16, 18)},
        "II": {"II.4": range(18, 20), "II.5": range(20, 21), "II.6": range(21, 24)}}


_fact = fact_maker(recorded_at="2019-01-01T00:00:00Z", source="法规处月调度")


def finding(unit, date, item, result, id=None):
    return _fact(unit, "finding", date, id, item=item, result=result, count=1)


def score(facts_by_unit: dict, as_of: str):
    units = [Unit(u, f"单位{u}", ("kjt",)) for u in facts_by_unit]
    return {c.unit: c for c in score_track(POLICY, "main", units, facts_by_unit, d(as_of))}


# ----------------------------------------------------------------------------- structure


def test_policy_shape_and_every_indicator_documented():
    t = POLICY.track("main")
    assert [tr.id for tr in POLICY.tracks] == ["main"] and t.group == "kjt" and t.grades is None
    assert t.max == 23 and POLICY.year == 2019
    assert [i.id for i in t.indicators] == ["I", "II"]
    for dim, firsts in TREE.items():
        node = next(i for i in t.indicators if i.id == dim)
        assert [c.id for c in node.children] == list(firsts)
        for child, rng in zip(node.children, firsts.values(), strict=True):
            assert [g.id for g in child.children] == [str(n) for n in rng]
    leaves = [i for i in walk(t.indicators) if not i.children]
    assert [i.id for i in leaves] == [str(n) for n in range(1, 24)]
    for ind in walk(t.indicators):
        assert ind.clause and ind.method and ind.data_source, ind.id
    for leaf in leaves:
        assert leaf.points == 1 and leaf.rule.kind == "requirement"
        assert leaf.rule.results == {"met": D(1)} and leaf.rule.item in (None, leaf.id)
        assert tuple(leaf.divisions) == DIVISIONS[leaf.id]
    assert POLICY.sources[0].ref == f"seeds/{SEED}"


def test_clauses_and_divisions_are_verbatim():
    raw = seed_text(SEED)
    text = re.sub(r"\s+", "", raw)
    for ind in walk(POLICY.track("main").indicators):
        for part in ind.clause.split("\n"):
            assert re.sub(r"\s+", "", part) in text, (ind.id, part)
        for div in ind.divisions:
            assert div in raw


# ----------------------------------------------------------------------------- scoring

K1 = [
    *[finding("k1", "2019-03-01", str(n), "met") for n in range(1, 24) if n not in (5, 7, 11, 16, 20, 22)],
    finding("k1", "2019-03-01", "7", "not_met"),
    # (5): two findings on the same day; the later revision (met) is the latest
    finding("k1", "2019-05-05", "5", "not_met"),
    finding("k1", "2019-05-05", "5", "met"),
    # (11): not met in March, met in August
    finding("k1", "2019-03-01", "11", "not_met"),
    finding("k1", "2019-08-01", "11", "met"),
    # (16): met in April, found not met in September (a quarterly report was late)
    finding("k1", "2019-04-10", "16", "met"),
    finding("k1", "2019-09-30", "16", "not_met"),
    # (22): first met in November; (20): never examined
    finding("k1", "2019-11-15", "22", "met"),
]
K2 = [finding("k2", "2019-06-01", str(n), "met") for n in range(1, 11)]
K3 = [finding("k3", "2019-06-01", str(n), "met") for n in range(14, 24)]
K4 = [finding("k4", "2019-06-01", str(n), "met") for n in range(1, 6)] + [finding("k4", "2019-06-01", "6", "not_met")]
ROSTER = {"k1": K1, "k2": K2, "k3": K3, "k4": K4}


def test_year_end_latest_finding_decides():
    c = score(ROSTER, "2019-12-31")["k1"]
    # 23 − (7 not_met) − (16 latest not_met) − (20 no finding) = 20
    assert c.total == D("20") and c.grade is None and not c.vetoed
    zero = {str(n) for n in (7, 16, 20)}
    for n in range(1, 24):
        assert pts(c, str(n)) == (0 if str(n) in zero else 1), n
    # I.1 6, I.2 9 − 1 (7) = 8, I.3 2 − 1 (16) = 1 → I 15; II.4 2, II.5 0, II.6 3 → II 5
    got = {i: pts(c, i) for i in ("I.1", "I.2", "I.3", "I", "II.4", "II.5", "II.6", "II")}
    assert got == {"I.1": 6, "I.2": 8, "I.3": 1, "I": 15, "II.4": 2, "II.5": 0, "II.6": 3, "II": 5}
    assert lines(c, "20") == []                                          # no finding: no line
    assert [(ln.delta, ln.detail) for ln in lines(c, "7")] == [(D(0), "latest finding: not_met (scores 0)")]
    assert [ln.date for ln in lines(c, "16")] == [d("2019-09-30")]
    assert [ln.detail for ln in lines(c, "5")] == ["latest finding: met"]
    assert c.to_row()["max"] == D(23)


def test_mid_year():
    c = score(ROSTER, "2019-06-30")["k1"]
    # as of 06-30: 16 still met (+1), 11 still not_met (0), 22 not yet examined (0), 7 and 20 0
    # → 23 − 4 (7, 11, 20, 22) = 19
    assert c.total == D("19")
    assert (pts(c, "16"), pts(c, "11"), pts(c, "22")) == (1, 0, 0)
    assert lines(c, "22") == []


def test_ranking_with_ties():
    cards = score(ROSTER, "2019-12-31")
    # k1 20; k2 items 1–10 = 10; k3 items 14–23 = 10; k4 items 1–5 = 5 (6 not met)
    assert {u: c.total for u, c in cards.items()} == {"k1": 20, "k2": 10, "k3": 10, "k4": 5}
    assert {u: c.rank for u, c in cards.items()} == {"k1": 1, "k2": 2, "k3": 2, "k4": 4}
    # k2 and k3 tie with entirely different strengths: k2 all in dimension I, k3 split
    assert (pts(cards["k2"], "I"), pts(cards["k2"], "II")) == (10, 0)
    assert (pts(cards["k3"], "I"), pts(cards["k3"], "II")) == (4, 6)


def test_divisions_of_every_indicator_and_gaps_by_lead_division():
    c = score(ROSTER, "2019-12-31")["k1"]
    for n in range(1, 24):
        assert c.divisions_of(str(n)) == DIVISIONS[str(n)]
    assert c.divisions_of("I.2") == () and c.divisions_of("I") == ()
    # what `explain --by division` shows: each gap under the divisions responsible for it
    gaps: dict[str, list[str]] = {}
    for n in range(1, 24):
        if pts(c, str(n)) < 1:
            for div in c.divisions_of(str(n)):
                gaps.setdefault(div, []).append(str(n))
    assert gaps == {"法规处": ["7", "16"], "厅内各处室": ["20"]}
    row = c.to_row()
    leaf8 = row["indicators"][0]["children"][1]["children"][1]
    assert leaf8["id"] == "8" and leaf8["divisions"] == ["法规处", "规划处", "办公室"]


def test_explanation_lines_sum_to_the_total():
    for as_of in ("2019-06-30", "2019-12-31"):
        for c in score(ROSTER, as_of).values():
            assert sum((ln.delta for ln in c.lines), D(0)) == c.total
            ex = c.explanation()
            assert sum((ln["delta"] for ln in ex["lines"]), D(0)) == ex["total"]


# ----------------------------------------------------------------------------- through the ledger


def test_retractions_change_the_ranks_of_other_units(tmp_path):
    from ledger.projections.scoreboard import build_scoreboard

    units_csv = ("id,name,groups\nk1,科技厅甲,kjt\nk2,科技厅乙,kjt\nk3,科技厅丙,kjt\n"
                 "jk-a,经开区单位,jingkai-unit\n")

    def f(id_, unit, date, item, result):
        return {"id": id_, "type": "finding", "unit": unit, "date": date, "item": item, "result": result}

    events = [
        f("k1-1", "k1", "2019-03-01", "1", "met"), f("k1-2", "k1", "2019-03-01", "2", "met"),
        f("k1-3", "k1", "2019-03-01", "3", "met"),
        f("k2-1", "k2", "2019-03-01", "1", "met"), f("k2-2", "k2", "2019-03-01", "2", "met"),
        f("k3-1", "k3", "2019-03-01", "1", "met"), f("k3-4a", "k3", "2019-03-01", "4", "met"),
        f("k3-4b", "k3", "2019-04-01", "4", "not_met"),
    ]
    with imported_ledger(tmp_path, units_csv, events) as L:
        as_of = d("2019-12-31")

        def board(known_at=None):
            cards = build_scoreboard(L.view(known_at), POLICY, as_of=as_of).cards["main"]
            return {c.unit: (c.total, c.rank) for c in cards}

        first = L.head()[0]
        # k1 3; k2 2; k3 1 + (4: latest not_met → 0) = 1 → ranks 1, 2, 3
        assert board() == {"k1": (3, 1), "k2": (2, 2), "k3": (1, 3)}
        L.retract("k3-4b", "复核：第4项已制定行业禁令")
        # item 4's latest finding is now the March `met`: k3 2, tying k2 at rank 2
        assert board() == {"k1": (3, 1), "k2": (2, 2), "k3": (2, 2)}
        L.retract("k1-3", "佐证材料不实")
        # k1 falls to 2: all three tie, and k2 and k3 move up to rank 1 without events of their own
        assert board() == {"k1": (2, 1), "k2": (2, 1), "k3": (2, 1)}
        assert board(known_at=first) == {"k1": (3, 1), "k2": (2, 2), "k3": (1, 3)}


def test_explain_by_division_puts_every_gap_under_its_lead_division(tmp_path):
    """SEEDS.md: `explain --by division` shows which division owns each gap. k1 has item 1 met
    and item 7 not met; the other 21 items have no finding yet (0 points, no line): each of
    the 22 gaps is listed under its lead division (the first named), supporting ones as 配合."""
    import csv
    import io

    from ledger.reports import explain as explain_report

    events = [{"id": "k1-1", "type": "finding", "unit": "k1", "date": "2019-03-01", "item": "1", "result": "met"},
              {"id": "k1-7", "type": "finding", "unit": "k1", "date": "2019-03-01", "item": "7",
               "result": "not_met"}]
    with imported_ledger(tmp_path, "id,name,groups\nk1,科技厅,kjt\n", events) as L:
        board = L.scoreboard(L.policy("jilin-kjt-2019"), as_of=d("2019-12-31"), focus="k1")
        ex = explain_report.Explanation(board, board.card("k1", None))
        rows = list(csv.DictReader(io.StringIO(explain_report.as_csv(ex, "division"))))
    by_indicator = {r["indicator"]: r for r in rows}
    assert sorted(by_indicator, key=int) == [str(n) for n in range(1, 24)]  # every indicator, once
    for n in range(1, 24):
        row, owners = by_indicator[str(n)], DIVISIONS[str(n)]
        assert row["group"] == f"{owners[0]} (牵头)", n
        assert row["kind"] == ("gap" if n not in (1, 7) else ""), n
        if len(owners) > 1:
            assert row["detail"].endswith("配合: " + "、".join(owners[1:])), n
    assert by_indicator["1"]["delta"] == "1" and by_indicator["7"]["event"] == "k1-7"
    groups = {r["group"] for r in rows}
    assert groups == {"法规处 (牵头)", "规划处 (牵头)", "审批办 (牵头)", "诚信处 (牵头)", "厅内各处室 (牵头)"}
