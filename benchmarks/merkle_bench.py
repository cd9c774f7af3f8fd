"""The Merkle log's costs (issue #18), on SQLite:

1. import rate with the tree maintained vs not (``EventStore.tree = False``, benchmark only):
   the same synthetic file into fresh stores after one untimed import, alternating on/off, best
   of ``--rounds`` each, and each on/off pair's ratio (``--pg URL``: on PostgreSQL too, a fresh
   database per import);
2. inclusion and consistency proofs on a store of ``--records`` records (default 200,000;
   ``--million`` for 1,000,000): median and 99th percentile over 1,000 random revisions;
3. ``ledger migrate`` of that store turned back into format 2 (the tree's tables and columns
   dropped, format 2 recorded), timed, then verified.

    .venv/bin/python benchmarks/merkle_bench.py [--units 1000] [--per-unit 60] [--rounds 2]
                                               [--records 200000 | --million] [--skip-import]
                                               [--skip-proofs] [--pg URL]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from runinfo import print_header, scratch_database  # noqa: E402

from ledger.app import Ledger  # noqa: E402
from ledger.store import merkle, proofs  # noqa: E402
from ledger.store.backends import open_backend  # noqa: E402
from ledger.store.migrate import migrate  # noqa: E402
from ledger.store.url import parse_store_url  # noqa: E402


def import_rates(label: str, fresh: Callable[[int], AbstractContextManager[str]], units: str, events: str,
                 n: int, rounds: int) -> None:
    """After one untimed import, alternate tree on/off (on, off, off, on, …) into fresh stores:
    best of ``rounds`` each, and the ratio of each adjacent on/off pair (the two ran under about
    the same load)."""
    with fresh(-1) as url:  # untimed: the first import of a process also loads modules and builds models
        synthetic.timed_import(url, units, events)
    best: dict[bool, float] = {True: float("inf"), False: float("inf")}
    order = [True, False, False, True] * rounds
    times: list[float] = []
    for i, tree in enumerate(order[:2 * rounds]):
        with fresh(i) as url:
            new, seconds = synthetic.timed_import(url, units, events, tree=tree)
        times.append(seconds)
        best[tree] = min(best[tree], seconds)
        print(f"  import {new:,} events, tree {'on ' if tree else 'off'}: {seconds:6.2f} s  "
              f"{new / seconds:9,.0f} events/s")
    on, off = n / best[True], n / best[False]
    pairs = [(times[i + 1] / times[i]) if order[i] else (times[i] / times[i + 1]) for i in range(0, len(times), 2)]
    print(f"import → {label} ({n:,} events, best of {rounds}): tree on {on:,.0f} events/s, off {off:,.0f} events/s, "
          f"on/off {on / off:.1%} ({(on / off - 1) * 100:+.1f} %)")
    print(f"  on/off of each pair: {', '.join(f'{r:.1%}' for r in pairs)} (median {statistics.median(pairs):.1%})\n")


@contextmanager
def sqlite_store(tmp: Path, i: int) -> Iterator[str]:
    db = tmp / f"import-{i}.db"
    yield f"sqlite:///{db}"
    db.unlink()


def postgres_store(server: str, i: int) -> AbstractContextManager[str]:
    """A fresh database on ``server`` for one import, dropped after it."""
    return scratch_database(server, "ledger_bench_merkle")


def build_large(tmp: Path, records: int) -> str:
    per_unit = 100
    n_units = max(1, records // per_unit)
    units, events = str(tmp / "units-large.csv"), str(tmp / "events-large.jsonl")
    synthetic.write_units(units, n_units)
    synthetic.write_events(events, n_units, per_unit)
    url = f"sqlite:///{tmp / 'large.db'}"
    start = time.perf_counter()
    ledger = Ledger(url, actor="bench")
    ledger.init()
    ledger.import_units(units)
    ledger.import_file(events)
    size = ledger.head()[0]
    ledger.close()
    print(f"large store: {size:,} records (import {time.perf_counter() - start:.1f} s)")
    return url


def proof_times(url: str, samples: int = 1000) -> None:
    ledger = Ledger(url, actor="bench")
    size = ledger.head()[0]
    root = bytes.fromhex(ledger.store.tree_head().root)
    rng = random.Random(18)
    times = []
    for _ in range(samples):
        revision = rng.randint(1, size)
        start = time.perf_counter()
        p = proofs.inclusion_proof(ledger.store, revision)
        times.append(time.perf_counter() - start)
        assert p.root == root and merkle.verify_inclusion(revision - 1, size, p.leaf, p.path, p.root)
    times.sort()
    print(f"inclusion proof on {size:,} records ({samples} random revisions, proof built and read in one "
          f"snapshot): median {statistics.median(times) * 1000:.2f} ms, p99 {times[int(samples * 0.99)] * 1000:.2f} ms")
    times = []
    for _ in range(200):
        old = rng.randint(1, size)
        start = time.perf_counter()
        _, path, a, b = proofs.consistency_proof(ledger.store, old)
        times.append(time.perf_counter() - start)
        assert merkle.verify_consistency(old, size, a, b, path)
    times.sort()
    print(f"consistency proof to {size:,} records (200 random old sizes): median "
          f"{statistics.median(times) * 1000:.2f} ms, p99 {times[int(200 * 0.99)] * 1000:.2f} ms")
    start = time.perf_counter()
    ledger.store.tree_head()
    print(f"tree head (root + stream-heads root over {ledger.store.tree_head().streams:,} streams): "
          f"{(time.perf_counter() - start) * 1000:.1f} ms")
    ledger.close()


def to_format_2(path: Path) -> None:
    """Drop what format 3 added: the store is then laid out as format 2 made it."""
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE ledger_merkle; DROP TABLE ledger_checkpoints;"
                     " ALTER TABLE ledger_head DROP COLUMN tree_root;"
                     " ALTER TABLE ledger_streams DROP COLUMN last_revision;"
                     " UPDATE ledger_meta SET value = '2' WHERE key = 'format'; VACUUM;")
    db.close()


def migration_time(tmp: Path, url: str) -> None:
    source = Path(url.removeprefix("sqlite:///"))
    target = tmp / "format2.db"
    shutil.copy(source, target)
    to_format_2(target)
    backend = open_backend(parse_store_url(f"sqlite:///{target}"), create=False)
    result = migrate(backend)
    backend.close()
    print(f"ledger migrate (format 2 → 3) of {result.records:,} records: {result.seconds:.1f} s (verify before and "
          f"after, records compared byte for byte, {result.nodes:,} tree nodes built)")
    ledger = Ledger(f"sqlite:///{target}", actor="bench")
    start = time.perf_counter()
    ok = ledger.verify().ok
    print(f"verify of the migrated store (chain, indexes, tree): {'ok' if ok else 'FAILED'} in "
          f"{time.perf_counter() - start:.1f} s")
    ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--per-unit", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--million", action="store_true", help="the large store holds 1,000,000 records")
    parser.add_argument("--skip-import", action="store_true", help="leave out the import comparison")
    parser.add_argument("--skip-proofs", action="store_true", help="leave out the proofs and the migration")
    parser.add_argument("--pg", metavar="URL", help="also compare the import on this PostgreSQL server")
    args = parser.parse_args()
    print_header()
    with tempfile.TemporaryDirectory(prefix="merkle-bench-") as name:
        tmp = Path(name)
        if not args.skip_import:
            units, events, n = synthetic.write_year(str(tmp), args.units, args.per_unit)
            import_rates("SQLite", lambda i: sqlite_store(tmp, i), units, events, n, args.rounds)
            if args.pg:
                import_rates("PostgreSQL", lambda i: postgres_store(args.pg, i), units, events, n, args.rounds)
        if not args.skip_proofs:
            url = build_large(tmp, 1_000_000 if args.million else args.records)
            proof_times(url)
            migration_time(tmp, url)


if __name__ == "__main__":
    main()
