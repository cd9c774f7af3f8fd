"""A packet re-derived offline for a card of every rule kind the five bundled policies use
(issue #19): for each kind, a demo card with a line of that kind (a non-zero one where the
kind ever gives one) is packed, `verify-packet` re-derives it with no store, and the packet's
explanation carries that line as the ledger scored it. A kind no demo card exercises fails.

The demo is loaded once per store (SQLite, PostgreSQL) for the whole module."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal

import pytest
from conftest import new_pg_database
from helpers import cli

from ledger.policies import rule_kinds
from ledger.policies.loader import bundled_policy_files, load_policy_file


def indicator_kinds(policy) -> dict[tuple[str, str], set[str]]:
    """(track, indicator) → the rule kinds its rule (or rules) are of."""
    out: dict[tuple[str, str], set[str]] = {}

    def walk(indicators, track):
        for ind in indicators:
            for rule in [ind.rule] if ind.rule is not None else ind.rules or []:
                out.setdefault((track, ind.id), set()).add(rule.kind)
            walk(ind.children or [], track)

    for track in policy.tracks:
        walk(track.indicators, track.id)
    return out


def used_kinds() -> set[str]:
    return {k for path in bundled_policy_files() for ks in indicator_kinds(load_policy_file(path)).values()
            for k in ks}


KINDS = sorted(used_kinds())


def test_bundled_policies_use_registered_kinds():
    assert set(KINDS) <= set(rule_kinds.kinds())
    # The kinds the seeds are known to need (docs/policies.md); a new one joins the test by itself.
    assert {"per_event", "quota", "rank", "ratio", "rate", "panel", "requirement", "report"} <= set(KINDS)


def _store(kind: str, tmp_path_factory):
    """(a new store URL of ``kind``, a function that drops it — None for SQLite's file)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('kinds')}/ledger.db", None
    return new_pg_database("ledger_k_")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request, tmp_path_factory):
    """The demo loaded, and for each kind the first card (policies, tracks, units in order)
    with a line of that kind: a non-zero line if any card has one."""
    from ledger.app import Ledger
    from ledger.demo import DEMO_POLICIES, default_as_of

    url, drop = _store(request.param, tmp_path_factory)
    assert cli(url, "demo").code == 0
    ledger = Ledger(url)
    chosen: dict[str, tuple] = {}
    zero: dict[str, tuple] = {}
    for ref in DEMO_POLICIES:
        policy = ledger.policy(ref)
        kinds_of = indicator_kinds(policy)
        as_of = default_as_of(policy.year)
        board = ledger.scoreboard(policy, as_of=as_of)
        for track, cards in board.cards.items():
            for card in sorted(cards, key=lambda c: c.unit):
                for line in card.lines:
                    for kind in kinds_of.get((track, line.indicator or ""), ()):
                        pick = (ref, track, card.unit, as_of, line.indicator, line.delta, card.total)
                        (chosen if line.delta != 0 else zero).setdefault(kind, pick)
    yield url, {**zero, **chosen}
    ledger.close()
    if drop:
        drop()


@pytest.mark.parametrize("kind", KINDS)
def test_card_of_each_kind_rederives_offline(demo, kind, tmp_path, monkeypatch):
    url, chosen = demo
    assert kind in chosen, f"no demo card has a line of rule kind {kind!r}: the kind is not exercised"
    ref, track, unit, as_of, indicator, delta, total = chosen[kind]
    out = tmp_path / f"{kind}.zip"
    monkeypatch.chdir(tmp_path)
    run = cli(url, "packet", unit, "--policy", ref, "--track", track, "--as-of", as_of.isoformat(),
              "--output", str(out), "--no-pdf")
    assert run.code == 0, run.err
    run = cli("sqlite:///" + str(tmp_path / "no-store-here.db"), "verify-packet", str(out), "--allow-unsigned")
    assert run.code == 0, run.err
    assert "byte for byte" in run.out  # the card scored again from the packet alone is the ledger's
    with zipfile.ZipFile(out) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/explanation.json"))
        explanation = json.loads(archive.read(name))
    assert (explanation["unit"], explanation["track"]) == (unit, track)
    assert Decimal(str(explanation["total"])) == total
    deltas = [Decimal(str(line["delta"])) for line in explanation["lines"] if line["indicator"] == indicator]
    assert delta in deltas, (kind, indicator, deltas)


def _half_up(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_supervision_lines_worked_by_hand_from_the_packet(demo, tmp_path):
    """jx-czj's supervision card (jiangxian-2021): its ratio and rank lines worked out here
    from the packet's own events (the latest value of each cumulative metric), as the
    policy's 原文 says — actions ÷ objects × 40 (at most 40), coverage ÷ 80 × 30 (at most 30),
    10 for the most actions and 0.1 less per place (ties share a place) — equal the lines of
    the packet's explanation, which verify-packet re-derives with no store."""
    url, _chosen = demo
    out = tmp_path / "czj.zip"
    assert cli(url, "packet", "jx-czj", "--policy", "jiangxian-2021", "--track", "supervision", "--as-of",
               "2022-01-31", "--output", str(out), "--no-pdf").code == 0
    run = cli("sqlite:///" + str(tmp_path / "none.db"), "verify-packet", str(out), "--allow-unsigned")
    assert run.code == 0 and "byte for byte" in run.out, run.err
    with zipfile.ZipFile(out) as archive:
        read = {n.rpartition("/")[2]: archive.read(n) for n in archive.namelist()}
    events = [json.loads(line) for line in read["events.jsonl"].decode().splitlines()]
    amended = {e.get("target") for e in events if e["type"] in ("retraction", "correction")}
    latest: dict[tuple[str, str], tuple[str, str, Decimal]] = {}
    for e in events:
        if e["type"] == "metric" and e["id"] not in amended:
            key, seen = (e["unit"], e["name"]), (e["period"], e["date"], Decimal(str(e["value"])))
            if key not in latest or seen[:2] > latest[key][:2]:
                latest[key] = seen
    value = {key: v for key, (_p, _d, v) in latest.items()}
    ratio = min(value[("jx-czj", "supervision_actions")] / value[("jx-czj", "supervision_objects")] * 40, 40)
    coverage = min(value[("jx-czj", "supervision_coverage")] / 80 * 30, 30)
    actions = {unit: v for (unit, name), v in value.items() if name == "supervision_actions"}
    place = 1 + sum(1 for v in actions.values() if v > actions["jx-czj"])
    rank = max(Decimal(10) - Decimal("0.1") * (place - 1), Decimal(0))
    explanation = json.loads(read["explanation.json"])
    lines = {line["indicator"]: Decimal(str(line["delta"])) for line in explanation["lines"]
             if line["indicator"] in ("supervision.1", "supervision.2", "supervision.3")}
    assert lines == {"supervision.1": _half_up(ratio), "supervision.2": _half_up(rank),
                     "supervision.3": _half_up(coverage)}
    assert len(actions) > 1 and ratio < 40  # a real ratio (not the cap) and a real ranking
