"""Scoring speed: a province-scale synthetic year scored for every unit and track of the five
bundled policies, with full explanations, next to the time to merely read and decode the same
events from the store (measured in the same run); and one unit's `explain` latency for random
as-of dates and known-at revisions on the full store. Prints the figures (docs/performance.md).

    .venv/bin/python benchmarks/score_bench.py [--units 3000] [--per-unit 330] [--db PATH]

``--db`` keeps (and on later runs reuses) the imported store, to skip the import.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from runinfo import print_header  # noqa: E402

from ledger.app import Ledger  # noqa: E402
from ledger.events import codec  # noqa: E402
from ledger.policies.registry import bundled_entries  # noqa: E402
from ledger.projections.scoreboard import track_units  # noqa: E402

POLICIES = ["daan-2021", "jingkai-2021", "jiangxian-2021", "jilin-kjt-2019", "changbai-2020"]


def prepare(path: str, n_units: int, per_unit: int) -> tuple[Ledger, int]:
    fresh = not os.path.exists(path)
    ledger = Ledger(f"sqlite:///{path}", actor="bench")
    if fresh:
        with tempfile.TemporaryDirectory() as tmp:
            units, events = os.path.join(tmp, "u.csv"), os.path.join(tmp, "e.jsonl")
            synthetic.write_units(units, n_units)
            n = synthetic.write_events(events, n_units, per_unit)
            ledger.init()
            ledger.import_units(units)
            start = time.perf_counter()
            ledger.import_file(events)
            print(f"imported {n:,} events in {time.perf_counter() - start:.1f} s")
    return ledger, ledger.head()[0]


def read_floor(ledger: Ledger, years: dict[str, int]) -> tuple[int, float]:
    """Read and decode every unit-year stream once (what any scoring must at least do)."""
    backend = ledger.store.backend
    statement = "SELECT state FROM ledger_events WHERE originator_id = ? ORDER BY originator_version"
    start = time.perf_counter()
    count = 0
    for unit, year in years.items():
        with backend.transaction(commit=False) as c:
            rows = backend.query(c, statement, (f"unit:{unit}:{year}",))
        for row in rows:
            codec.loads(bytes(row["state"]))
            count += 1
    return count, time.perf_counter() - start


def score_all(ledger: Ledger) -> tuple[int, int, float]:
    start = time.perf_counter()
    cards = lines = 0
    for ref in POLICIES:
        policy = ledger.policy(ref)
        board = ledger.scoreboard(policy)
        for card in board.all_cards():
            lines += len(card.explanation()["lines"])
            cards += 1
    return cards, lines, time.perf_counter() - start


def explain_latency(ledger: Ledger, head: int, samples: int = 40) -> tuple[list[float], list[float]]:
    """(first explain of each track: cold, the others: warm) in milliseconds. The first call
    in a ranked track loads the peers' rank inputs into memory; later ones only read what
    was appended since."""
    rng = random.Random(11)
    roster = list(ledger.facts.roster().values())
    cold, warm = [], []
    seen: set[tuple[str, str]] = set()
    policies = {ref: ledger.policy(ref) for ref in POLICIES}
    for _ in range(samples):
        ref = rng.choice(POLICIES)
        policy = policies[ref]
        track = rng.choice(policy.tracks)
        members = track_units(policy, track.id, roster)
        if not members:
            continue
        unit = rng.choice(members).id
        as_of = dt.date(policy.year, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))
        known_at = rng.randrange(head // 2, head + 1)
        start = time.perf_counter()
        board = ledger.scoreboard(policy, as_of=as_of, known_at=known_at, tracks=[track.id], focus=unit)
        board.card(unit, track.id).explanation()
        elapsed = (time.perf_counter() - start) * 1000
        (warm if (ref, track.id) in seen else cold).append(elapsed)
        seen.add((ref, track.id))
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=330)
    parser.add_argument("--db", help="store file to create or reuse")
    args = parser.parse_args()
    print_header()
    assert {e.id for e in bundled_entries()} >= set(POLICIES)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or os.path.join(tmp, "score.db")
        ledger, head = prepare(path, args.units, args.per_unit)
        years = {u.id: next((synthetic.GROUP_YEARS[g] for g in u.groups if g in synthetic.GROUP_YEARS),
                            synthetic.YEAR) for u in ledger.facts.roster().values()}
        events, read_secs = read_floor(ledger, years)
        cards, lines, score_secs = score_all(ledger)
        cold, warm = explain_latency(ledger, head)
        print(f"store: {len(years):,} units, {events:,} events in their unit-year streams, head revision {head:,}")
        print(f"read-only floor (read + decode every event once): {read_secs:6.2f} s")
        print(f"score every unit of every track of {len(POLICIES)} policies with full explanations: "
              f"{score_secs:6.2f} s ({cards:,} score cards, {lines:,} explanation lines)")
        ratio = score_secs / read_secs
        print(f"ratio scoring / read floor: {ratio:.2f}   (goal ≤ 3: {'met' if ratio <= 3 else 'NOT met'})")
        p50, worst = statistics.median(warm), max(warm)
        print(f"one unit's explain (random policy/track/unit, as-of, known-at; {len(warm)} warm samples): "
              f"median {p50:.1f} ms, max {worst:.1f} ms   (goal ≤ 50 ms: {'met' if worst <= 50 else 'NOT met'})")
        print(f"  first explain in each track (loads peers' rank inputs; {len(cold)} samples): "
              f"median {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms")
        ledger.close()


if __name__ == "__main__":
    main()
