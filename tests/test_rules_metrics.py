"""Metric bands, rates, ratios, ranks, panels and hotline tickets
(policy: tests/policies/metrics.yaml)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from seedkit import fact_maker, lines, pts

from ledger.policies import load_policy_file
from ledger.projections.scoring import score_track
from ledger.projections.scoring.context import Ctx
from ledger.projections.scoring.hotline import hotline_tickets
from ledger.projections.scoring.index import UnitFacts
from ledger.units import Unit

POLICY = load_policy_file(Path(__file__).parent / "policies" / "metrics.yaml")
_fact = fact_maker(recorded_at="x", id_format="m{rev}")


def F(type_, date, id=None, unit="u1", **fields):
    return _fact(unit, type_, date, id, **fields)


def Mt(name, value, date="2021-06-01", id=None):
    return F("metric", date, id=id, name=name, value=D(str(value)))


def card(facts, as_of="2021-12-31"):
    return score_track(POLICY, "t", [Unit("u1", "单位", ("g",))], {"u1": facts},
                       dt.date.fromisoformat(as_of))[0]


def test_metric_bands_first_match_latest_value_and_missing():
    assert pts(card([Mt("data_collection_ratio", 25)]), "dc") == D("-2.00")
    assert pts(card([Mt("data_collection_ratio", 40)]), "dc") == D("-1.00")
    assert pts(card([Mt("data_collection_ratio", 75)]), "dc") == D("-0.50")
    assert pts(card([Mt("data_collection_ratio", 76)]), "dc") == 0
    # the latest value with date ≤ as-of wins
    facts = [Mt("data_collection_ratio", 20, "2021-03-01"), Mt("data_collection_ratio", 90, "2021-09-01")]
    assert pts(card(facts, "2021-08-31"), "dc") == D("-2.00")
    assert pts(card(facts, "2021-09-01"), "dc") == 0
    c = card([])
    assert pts(c, "dc") == 0
    assert [(ln.kind, ln.delta) for ln in lines(c, "dc")] == [("missing_data", 0)]


def test_rate_on_metric_linear_and_cutoff():
    # 20 − 5 × (100 − 98.5) = 12.5
    c = card([Mt("dual_notice_claim_rate", "98.5", id="r1")])
    assert pts(c, "claim") == D("12.50")
    ls = lines(c, "claim")
    assert [(ln.kind, ln.delta) for ln in ls] == [("base", D("20.00")), (None, D("-7.50"))]
    assert ls[1].event == "r1"
    assert pts(card([Mt("dual_notice_claim_rate", 97)]), "claim") == D("5.00")   # 20 − 15
    assert pts(card([Mt("dual_notice_claim_rate", "96.9")]), "claim") == 0         # below 97
    assert pts(card([Mt("dual_notice_claim_rate", 100)]), "claim") == D("20.00")
    # missing metric: no deduction, the explanation says so
    c = card([])
    assert pts(c, "claim") == D("20.00") and lines(c, "claim")[-1].kind == "missing_data"


def test_ratio_against_constant_and_metric_with_cap():
    # 75 / 80 × 30 = 28.125 → 28.13 (half-up)
    c = card([Mt("supervision_coverage", 75)])
    assert pts(c, "coverage") == D("28.13")
    assert [ln.kind for ln in lines(c, "coverage")] == ["ratio"]
    assert pts(card([Mt("supervision_coverage", 95)]), "coverage") == D("30.00")  # capped
    # 120 / 200 × 40 = 24 ; 300 / 200 × 40 = 60 → 40
    assert pts(card([Mt("supervision_actions", 120), Mt("supervision_objects", 200)]), "actions") == D("24.00")
    assert pts(card([Mt("supervision_actions", 300), Mt("supervision_objects", 200)]), "actions") == D("40.00")
    c = card([Mt("supervision_actions", 300), Mt("supervision_objects", 0)])
    assert pts(c, "actions") == 0 and lines(c, "actions")[0].kind == "missing_data"


def test_ranks_competition_ranking_linear_and_table():
    units = [Unit(u, u, ("g",)) for u in "abcde"]
    fbu = {
        "a": [Mt("supervision_actions", 100)]
        + [F("media_report", "2021-03-01", unit="a", level="province", outlet="o", title="t")] * 1
        + [F("media_report", "2021-03-02", unit="a", level="province", outlet="o", title="t") for _ in range(2)],
        "b": [Mt("supervision_actions", 80)]
        + [F("media_report", "2021-03-01", unit="b", level="province", outlet="o", title="t") for _ in range(3)],
        "c": [Mt("supervision_actions", 80),
              F("media_report", "2021-03-01", unit="c", level="province", outlet="o", title="t"),
              F("media_report", "2021-03-01", unit="c", level="central", outlet="o", title="t")],
        "d": [Mt("supervision_actions", 50)],
        "e": [],
    }
    cards = {c.unit: c for c in score_track(POLICY, "t", units, fbu, dt.date(2021, 12, 31))}
    # actions: a 100 → 1st, b, c 80 → 2nd (shared), d 50 → 4th; linear 10 − 0.1 × (place − 1)
    assert [pts(cards[u], "rank_actions") for u in "abcd"] == [D("10.00"), D("9.90"), D("9.90"), D("9.70")]
    assert pts(cards["e"], "rank_actions") == 0
    assert lines(cards["e"], "rank_actions")[0].kind == "missing_data"
    # provincial media: a 3, b 3 → 1st shared (2 each), c 1 → 3rd (1.6); d, e none → nothing
    assert [pts(cards[u], "rank_media") for u in "abcde"] == [D("2.00"), D("2.00"), D("1.60"), 0, 0]
    assert lines(cards["d"], "rank_media") == []
    r = lines(cards["c"], "rank_media")[0]
    assert r.kind == "rank" and "place 3 of 3" in r.detail


def test_panel_mean_latest_per_evaluator_and_empty():
    facts = [F("evaluation", "2021-12-01", panel="deputies", evaluator="x", score=D(2)),
             F("evaluation", "2021-12-02", panel="deputies", evaluator="x", score=D(4)),  # replaces 2
             F("evaluation", "2021-12-01", panel="deputies", evaluator="y", score=D(5)),
             F("evaluation", "2021-12-01", panel="deputies", evaluator="z", score=D("3.5")),
             F("evaluation", "2021-12-01", panel="government", evaluator="z", score=D(1))]
    c = card(facts)
    # (4 + 5 + 3.5) / 3 = 4.1666… → 4.17
    assert pts(c, "panel") == D("4.17")
    assert lines(c, "panel")[0].kind == "average" and len(lines(c, "panel")[0].events) == 3
    c = card([])
    assert pts(c, "panel") == 0 and lines(c, "panel")[0].kind == "average"


def T(tid, received, due, id=None):
    return F("hotline_ticket", received, id=id or f"t-{tid}", ticket=tid, due=dt.date.fromisoformat(due))


def reply(tid, date, quality="ok"):
    return F("hotline_replied", date, ticket=tid, quality=quality)


def callback(tid, date, satisfied):
    return F("hotline_callback", date, ticket=tid, satisfied=satisfied)


SMALL = [
    T("1", "2021-06-01", "2021-06-10"), reply("1", "2021-06-09"), callback("1", "2021-06-11", True),
    # extension to 06-18 is limited to 3 working days after 06-10: 06-11, 06-15, 06-16 (06-14 端午)
    T("2", "2021-06-01", "2021-06-10"), F("hotline_extended", "2021-06-09", ticket="2", due=dt.date(2021, 6, 18)),
    reply("2", "2021-06-17"), callback("2", "2021-06-20", False),
    # returned on the 2nd working day after receipt (06-02, 06-03): not the unit's ticket
    T("3", "2021-06-01", "2021-06-10"), F("hotline_returned", "2021-06-03", ticket="3"),
    # returned later: kept, never completed, never on time
    T("4", "2021-06-01", "2021-06-10"), F("hotline_returned", "2021-06-04", ticket="4"), reply("4", "2021-06-05"),
    # due after as-of and not completed: not counted yet
    T("5", "2021-06-25", "2021-07-05"),
    # a perfunctory reply does not complete it; the first ok reply (06-11) is on time (due 06-12)
    T("6", "2021-06-02", "2021-06-12"), reply("6", "2021-06-05", "perfunctory"), reply("6", "2021-06-11"),
    callback("6", "2021-06-13", True), callback("6", "2021-06-20", False),
]


def test_hotline_ticket_states():
    uf = UnitFacts(SMALL, dt.date(2021, 6, 30))
    ctx = Ctx(dt.date(2021, 6, 30), 2021, POLICY.work_calendar(), 2)
    states = {t.fact.fields["ticket"]: t for t in hotline_tickets(uf, ctx, 2, 3)}
    assert sorted(states) == ["1", "2", "4", "6"]
    assert states["2"].due == dt.date(2021, 6, 16)
    got = {k: (s.completed, s.on_time, s.satisfied) for k, s in states.items()}
    assert got == {"1": (True, True, True), "2": (True, False, False),
                   "4": (False, False, False), "6": (True, True, False)}


def test_hotline_rates_small_all_below_cutoff():
    c = card(SMALL, "2021-06-30")
    # completion 3/4 = 75% < 80 → 0 ; on time 2/4 = 50% → 0 ; satisfied 1/4 → 0
    assert (pts(c, "h_completion"), pts(c, "h_on_time"), pts(c, "h_satisfaction")) == (0, 0, 0)
    bad = [ln for ln in lines(c, "h_completion") if ln.kind == "ticket"]
    assert [ln.event for ln in bad] == ["t-4"]


def test_hotline_rates_linear():
    facts = []
    for i in range(20):
        facts.append(T(str(i), "2021-03-01", "2021-03-10"))
        if i < 18:
            facts.append(reply(str(i), "2021-03-05"))
        elif i == 18:
            facts.append(reply(str(i), "2021-03-15"))
        if i < 17:
            facts.append(callback(str(i), "2021-03-20", True))
    c = card(facts, "2021-06-30")
    # completion 19/20 = 95% → 20 − 0.5 × 5 = 17.5
    assert pts(c, "h_completion") == D("17.50")
    # on time 18/20 = 90% → 30 − 0.5 × 10 = 25
    assert pts(c, "h_on_time") == D("25.00")
    # satisfied 17/20 = 85% → 10 − 0.5 × 15 = 2.5
    assert pts(c, "h_satisfaction") == D("2.50")


def test_hotline_no_counted_tickets_full_points():
    c = card([T("x", "2021-06-25", "2021-07-05")], "2021-06-30")
    assert (pts(c, "h_completion"), pts(c, "h_on_time"), pts(c, "h_satisfaction")) == (
        D("20.00"), D("30.00"), D("10.00"))
