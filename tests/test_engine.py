"""Engine-wide properties: JSON shapes, determinism, lines add up (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.events.fact import Fact
from ledger.policies import load_policy_file
from ledger.projections.scoring import score_track
from ledger.units import Unit

HERE = Path(__file__).parent / "policies"
POLICIES = {n: load_policy_file(HERE / f"{n}.yaml") for n in ("events", "nested", "periodic", "metrics")}


def fact(i, type_, date, unit="u1", corrections=(), **fields):
    return Fact(id=f"f{i}", type=type_, unit=unit, date=date, fields=fields, revision=i,
                recorded_at="2021-01-01T00:00:00Z", source="12345平台", corrections=corrections)


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, sort_keys=False, default=str)


def test_row_and_explanation_shapes():
    facts = [fact(1, "conduct_issue", dt.date(2021, 5, 10), category="作风", corrections=("c9",)),
             fact(2, "endorsement", dt.date(2021, 6, 1), leader="city_leader")]
    c = score_track(POLICIES["nested"], "t", [Unit("u1", "发改局", ("g",))], {"u1": facts}, dt.date(2021, 12, 31))[0]
    row = c.to_row()
    assert list(row) == ["unit", "name", "track", "total", "max", "grade", "vetoed", "downgraded", "rank", "indicators"]
    assert row["unit"] == "u1" and row["name"] == "发改局" and row["track"] == "t"
    assert row["total"] == D("45.00") and row["max"] == D(50) and row["grade"] is None and row["rank"] == 1
    daily = row["indicators"][0]
    assert daily == {"id": "daily", "name": "日常考评", "points": D("37.00"), "max": D(40), "children": [
        {"id": "daily.7", "name": "作风", "points": D("-3.00")},
        {"id": "daily.11", "name": "处分", "points": D("0.00")}]}
    ex = c.explanation()
    assert list(ex) == ["unit", "track", "total", "grade", "vetoed", "downgraded", "lines", "indicators"]
    ev = [ln for ln in ex["lines"] if ln["event"] == "f1"][0]
    assert ev == {"indicator": "daily.7", "delta": D("-3.00"), "event": "f1", "event_type": "conduct_issue",
                  "date": "2021-05-10", "rule": "作风", "source": "12345平台", "corrections": ["c9"],
                  "policy_version": 1}
    base = ex["lines"][0]
    assert base["kind"] == "base" and base["event"] is None and base["delta"] == D("40.00")
    assert base["rule"] == "小项扣分不封顶，大项扣满该项目的全部分值后不再扣分"
    assert sum(ln["delta"] for ln in ex["lines"]) == ex["total"]


def test_divisions_in_tree():
    from ledger.policies import load_policy_text

    text = (HERE / "nested.yaml").read_text(encoding="utf-8").replace(
        "            name: 作风\n", "            name: 作风\n            divisions: [法规处, 办公室]\n")
    p = load_policy_text(text, "n.yaml")
    c = score_track(p, "t", [Unit("u1", "x", ("g",))], {}, dt.date(2021, 12, 31))[0]
    assert c.to_row()["indicators"][0]["children"][0]["divisions"] == ["法规处", "办公室"]
    assert c.divisions_of("daily.7") == ("法规处", "办公室") and c.divisions_of("daily.11") == ()


def test_deterministic_regardless_of_fact_order():
    facts = [fact(i, "media_report", dt.date(2021, 1 + i % 12, 1 + i % 27),
                  level=["central", "district", "city"][i % 3], title="营商环境", outlet="o") for i in range(1, 40)]
    facts += [fact(100 + i, "finding", dt.date(2021, 3, 1 + i), item="annual_plan",
                   result=["not_made", "not_published"][i % 2])
              for i in range(5)]
    pol = POLICIES["events"]
    a = score_track(pol, "t", [Unit("u1", "x", ("g",))], {"u1": facts}, dt.date(2021, 12, 31))
    shuffled = facts[:]
    random.Random(7).shuffle(shuffled)
    b = score_track(pol, "t", [Unit("u1", "x", ("g",))], {"u1": shuffled}, dt.date(2021, 12, 31))
    assert dumps(a[0].explanation()) == dumps(b[0].explanation())
    assert dumps(a[0].to_row()) == dumps(b[0].to_row())


# ------------------------------------------------------------------ property: lines add up

LEVELS = ["county", "city", "province", "district", "central"]
DAY = st.dates(min_value=dt.date(2020, 12, 1), max_value=dt.date(2022, 1, 20))
NUM = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def a_fact(draw):
    t = draw(st.sampled_from([
        "warning", "criticism", "admonition", "rectification_failed", "media_report", "finding",
        "innovation", "evaluation", "complaint", "accountability", "supervised_item_assigned",
        "supervised_item_closed", "supervised_item_finding", "conduct_issue", "discipline_case",
        "endorsement", "praise", "report_submitted", "publication", "training_session", "metric",
        "warning_sent", "hotline_ticket", "hotline_replied", "hotline_returned", "hotline_extended",
        "hotline_callback"]))
    date = draw(DAY)
    lvl = draw(st.sampled_from(LEVELS))
    item = draw(st.sampled_from(["i1", "i2", "i3"]))
    f = {
        "media_report": lambda: dict(level=lvl, outlet="o", title=draw(st.sampled_from(["营商环境", "x"]))),
        "finding": lambda: dict(item=draw(st.sampled_from(["task_a", "one_report", "annual_plan", "site", "staff", "lg",
                                                           "missed_disclosure", "leak"])),
                                result=draw(st.sampled_from(["met", "not_met", "not_done", "missing", "not_made",
                                                             "found"])),
                                count=draw(st.integers(1, 9))),
        "evaluation": lambda: dict(panel=draw(st.sampled_from(["deputies", "enterprises"])), evaluator=item,
                                   score=draw(st.decimals(min_value=0, max_value=6, places=1)),
                                   verdict=draw(st.sampled_from(["satisfied", "dissatisfied"]))),
        "complaint": lambda: dict(kind="collective_petition", people=draw(st.integers(1, 60))),
        "supervised_item_assigned": lambda: dict(item=item, due=draw(DAY)),
        "supervised_item_closed": lambda: dict(item=item),
        "supervised_item_finding": lambda: dict(
            item=item, finding=draw(st.sampled_from(["facts_unclear", "accountability_missing"]))),
        "discipline_case": lambda: dict(subject=draw(st.sampled_from(["staff", "responsible_person"]))),
        "endorsement": lambda: dict(leader=draw(st.sampled_from(["city_leader", "zone_deputy"]))),
        "praise": lambda: dict(issuer_level=lvl, promoted=draw(st.booleans())),
        "report_submitted": lambda: dict(
            report=draw(st.sampled_from(["quarterly_progress", "progress_ledger", "monthly_dynamics", "stats"])),
            period=draw(st.sampled_from(["2021-Q1", "2021-Q4", "2021-05", "2021-11", "2021-03"])),
            quality=draw(st.sampled_from(["ok", "poor"]))),
        "publication": lambda: dict(channel=draw(st.sampled_from(["column", "publicity", "gov_info", "supervision_info",
                                                                  "supervision_exposure"])), title="t"),
        "metric": lambda: dict(name=draw(st.sampled_from(["data_collection_ratio", "dual_notice_claim_rate",
                                                          "supervision_actions", "supervision_objects",
                                                          "supervision_coverage", "supervision_items"])),
                               value=draw(NUM)),
        "hotline_ticket": lambda: dict(ticket=item, due=draw(DAY)),
        "hotline_replied": lambda: dict(ticket=item, quality=draw(st.sampled_from(["ok", "perfunctory"]))),
        "hotline_returned": lambda: dict(ticket=item),
        "hotline_extended": lambda: dict(ticket=item, due=draw(DAY)),
        "hotline_callback": lambda: dict(ticket=item, satisfied=draw(st.booleans())),
    }.get(t, lambda: dict(issuer_level=lvl, category="c", reason="r", topic="t", kind="highlight", to="x", title="t"))()
    return t, date, f


@pytest.mark.slow  # 150 examples
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), a_fact()), max_size=60),
       st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2022, 1, 31)))
def test_lines_add_up_to_total(raw, as_of):
    fbu: dict[str, list[Fact]] = {"a": [], "b": [], "c": []}
    for i, (u, (t, date, fields)) in enumerate(raw):
        fbu[u].append(fact(i + 1, t, date, unit=u, **fields))
    units = [Unit(u, u, ("g",)) for u in "abc"]
    for pol in POLICIES.values():
        for card in score_track(pol, "t", units, fbu, as_of):
            assert sum((ln.delta for ln in card.lines), D(0)) == card.total
            assert card.total == card.total.quantize(D("0.01"))
            # and per top-level indicator: its subtree's lines add up to its points
            for top in card.indicators:
                ids = {i.id for i in top.walk()}
                assert sum((ln.delta for ln in card.lines if ln.indicator in ids), D(0)) == top.points
            assert all(ln.delta == ln.delta.quantize(D("0.01")) for ln in card.lines)
