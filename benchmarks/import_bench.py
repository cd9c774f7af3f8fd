"""Import speed: `ledger import` of a synthetic year against the raw eventsourcing recorder.

Generates a realistic synthetic year (thousands of units, every event type, hotline tickets
dominating), imports it into a fresh SQLite store through the ledger (validation, stream
resolution, idempotency index, hash chain), then inserts the very same stored events straight
through eventsourcing's SQLiteApplicationRecorder into another fresh file, in the same run,
and the least SQL an atomic import must run (those events and their id index in one
transaction) into a third: the ceiling for the pure-insert ratio. The goal's baseline is a
fourth: eventsourcing alone reading, parsing and inserting the same file (its transcoder and
recorder, no validation or indexes); the import must reach ≥ 0.6 × its rate.
Also imports a quarter and the whole file with the CLI in child processes and compares their
peak memory (flat = streaming). Prints the figures; see docs/performance.md.

    .venv/bin/python benchmarks/import_bench.py [--units 3000] [--per-unit 60] [--pg URL]

With ``--pg postgresql://user@host:port/db`` it also imports into a fresh PostgreSQL database
on that server and inserts the same stored events with eventsourcing's
PostgresApplicationRecorder into another (both created and dropped by the benchmark).

Last, the cost of the content ids and the digest index (issue #26): the same year imported by
this tree and by ``--base REF`` (default: where this branch left ``main``, ``git merge-base HEAD
main``; after the merge, name the last commit before it, d860f45) checked out to a temporary
folder, each in a child process, best of ``--rounds`` interleaved rounds — the file as generated
(ids given) and the same file without ids (content ids derived here, UUIDs there) — with each
side's CPU per event. ``--digest-only`` runs only this part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from eventsourcing.persistence import StoredEvent  # noqa: E402
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore  # noqa: E402
from runinfo import print_header, run_measured  # noqa: E402

BATCH = 5000


def _recorder(path: str) -> SQLiteApplicationRecorder:
    return SQLiteApplicationRecorder(SQLiteDatastore(path, originator_id_type="text"),
                                     events_table_name="ledger_events")


def stored_rows(ledger_db: str) -> tuple[list[tuple], list[tuple]]:
    """The ledger's stored events and their id-index rows, both in log (revision) order —
    the order the import wrote them in."""
    source = _recorder(ledger_db)
    rows = [(n.originator_id, n.originator_version, n.topic, n.state) for n in _all(source)]
    with source.datastore.transaction(commit=False) as c:
        c.execute("SELECT i.event_id, i.stream, i.version FROM ledger_ids i JOIN ledger_events e"
                  " ON e.originator_id = i.stream AND e.originator_version = i.version ORDER BY e.rowid")
        ids = [tuple(r) for r in c.fetchall()]
    source.datastore.close()
    return rows, ids


def raw_recorder_rate(rows: list[tuple], target_db: str) -> tuple[int, float]:
    """Insert the same stored events (same ids, sizes, batch size) with eventsourcing alone."""
    stored = [StoredEvent(*row) for row in rows]
    target = _recorder(target_db)
    target.create_table()
    start = time.perf_counter()
    for i in range(0, len(stored), BATCH):
        target.insert_events(stored[i:i + BATCH])
    return len(stored), time.perf_counter() - start


def read_parse_insert_rate(events_path: str, target_db: str) -> tuple[int, float]:
    """The import goal's baseline: eventsourcing alone reading the same JSONL file, parsing each
    line, encoding it with its own JSON transcoder into a stored event (one stream per unit,
    versions counted in memory) and inserting them with its recorder, batches of 5,000 — the
    same job as `ledger import` less validation, deduplication, indexes and sealing."""
    import json

    from eventsourcing.persistence import JSONTranscoder

    transcoder = JSONTranscoder()
    target = _recorder(target_db)
    target.create_table()
    versions: dict[str, int] = {}
    start = time.perf_counter()
    n = 0
    batch: list[StoredEvent] = []
    with open(events_path, encoding="utf-8") as src:
        for line in src:
            event = json.loads(line)
            stream = event.get("unit") or event["id"]
            version = versions[stream] = versions.get(stream, 0) + 1
            batch.append(StoredEvent(stream, version, f"ledger.events:{event['type']}",
                                     transcoder.encode(event)))
            if len(batch) == BATCH:
                target.insert_events(batch)
                n += len(batch)
                batch = []
    if batch:
        target.insert_events(batch)
        n += len(batch)
    return n, time.perf_counter() - start


def atomic_floor_rate(rows: list[tuple], ids: list[tuple], target_db: str) -> tuple[int, float]:
    """The least SQL an atomic, idempotent import must run: the same stored events plus their
    id index rows, in ONE transaction (no validation, no sealing, no lookups). Its ratio to the
    raw rate is the ceiling for any ledger import on this machine."""
    target = _recorder(target_db)
    target.create_table()
    with target.datastore.transaction(commit=True) as c:
        c.execute("CREATE TABLE ledger_ids (event_id TEXT PRIMARY KEY, stream TEXT NOT NULL,"
                  " version BIGINT NOT NULL) WITHOUT ROWID")
    start = time.perf_counter()
    with target.datastore.transaction(commit=True) as c:
        for i in range(0, len(rows), BATCH):
            c.executemany(target.insert_events_statement, rows[i:i + BATCH])
            c.executemany("INSERT INTO ledger_ids VALUES (?, ?, ?)", ids[i:i + BATCH])
    return len(rows), time.perf_counter() - start


def _all(recorder):
    position = 1
    while batch := recorder.select_notifications(position, 10000):
        yield from batch
        position = batch[-1].id + 1


def postgres_rates(server: str, units: str, events: str, rows: list[tuple]) -> tuple[tuple, tuple]:
    """(events, seconds) for `ledger import` and for eventsourcing's PostgreSQL recorder
    (same stored events, batches of 5,000), each into a database of its own."""
    import uuid

    import psycopg
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
    from sqlalchemy.engine import make_url

    base = make_url(server)
    names = [f"ledger_bench_{uuid.uuid4().hex[:8]}", f"ledger_bench_raw_{uuid.uuid4().hex[:8]}"]
    admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        first_url = base.set(database=names[0]).render_as_string(hide_password=False)
        ledger = synthetic.timed_import(first_url, units, events)
        datastore = PostgresDatastore(names[1], base.host or "127.0.0.1", base.port or 5432,
                                      base.username or "postgres", base.password or "", originator_id_type="text")
        target = PostgresApplicationRecorder(datastore, events_table_name="ledger_events")
        target.create_table()
        stored = [StoredEvent(*row) for row in rows]
        start = time.perf_counter()
        for i in range(0, len(stored), BATCH):
            target.insert_events(stored[i:i + BATCH])
        raw = (len(stored), time.perf_counter() - start)
        datastore.close()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return ledger, raw


def child_peak_rss_mb(db: str, units: str, events: str) -> float:
    """Peak RSS of one `ledger import` child (with the producer process it waits for), read
    from that child's own rusage — not the whole benchmark's children."""
    cli = [sys.executable, str(HERE.parent / "cli.py"), "--db", f"sqlite:///{db}", "--actor", "bench"]
    subprocess.run(cli + ["init"], check=True, capture_output=True)
    subprocess.run(cli + ["units", "import", units], check=True, capture_output=True)
    _wall, _cpu, rss, code, _out, _err = run_measured(cli + ["import", events], stdout=subprocess.DEVNULL,
                                                      stderr=subprocess.DEVNULL)
    if code:
        raise SystemExit(f"ledger import failed with exit code {code}")
    return rss


TIMED_IMPORT = """
import resource, sys, time
sys.path.insert(0, {tree!r})
import ledger
from ledger.app import Ledger
assert ledger.__file__.startswith({tree!r}), ledger.__file__
store = Ledger({url!r}, actor="bench")
store.init()
store.import_units({units!r})
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
writer, producer = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
start = time.perf_counter()
result = store.import_file({events!r})
print(result.new, time.perf_counter() - start, cpu(resource.RUSAGE_SELF) - writer,
      cpu(resource.RUSAGE_CHILDREN) - producer)
"""


def _tree_import(tree: str, url: str, units: str, events: str) -> tuple[int, float, float, float]:
    """(new events, seconds, writer CPU seconds, producer CPU seconds) of an import into a new
    store by the code in ``tree``, in a child (CPU time: what the machine's load does not change
    much; the producer's is its child process's)."""
    code = TIMED_IMPORT.format(tree=tree, url=url, units=units, events=events)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree)
    if out.returncode:
        raise SystemExit(f"import by {tree} failed:\n{out.stderr[-2000:]}")
    new, seconds, writer, producer = out.stdout.split()
    return int(new), float(seconds), float(writer), float(producer)


def _without_ids(events: str, target: str) -> None:
    """The year without ids; a line the same as an earlier one once its id is gone (a few: the
    same praise twice a day) left out, since identical rows without ids are refused."""
    seen: set[str] = set()
    with open(events, encoding="utf-8") as src, open(target, "w", encoding="utf-8") as dst:
        for line in src:
            event = json.loads(line)
            event.pop("id", None)
            text = json.dumps(event, ensure_ascii=False)
            if text not in seen:
                seen.add(text)
                dst.write(text + "\n")


def digest_cost(tmp: Path, units: str, events: str, base: str, rounds: int) -> None:
    """This tree's import against ``base``'s, the same files, interleaved rounds, best of each."""
    root = HERE.parent
    if base == "merge-base":
        base = subprocess.run(["git", "-C", str(root), "merge-base", "HEAD", "main"], capture_output=True, text=True,
                              check=True).stdout.strip()[:7]
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", base], capture_output=True, text=True,
                            check=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    old = tmp / "base-tree"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(root), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    bare = str(tmp / "events-without-ids.jsonl")
    _without_ids(events, bare)
    trees = {f"base {base} ({commit})": str(old), f"this tree ({head})": str(root)}
    files = {"ids given": events, "without ids": bare}
    best: dict[tuple[str, str], tuple[int, float, float, float]] = {}
    cpu: dict[tuple[str, str], tuple[float, float]] = {}  # least writer and producer CPU seconds
    runs = 0
    for number in range(rounds):
        for file_label, path in files.items():
            order = list(trees.items()) if number % 2 == 0 else list(reversed(trees.items()))
            for tree_label, tree in order:
                runs += 1
                got = _tree_import(tree, f"sqlite:///{tmp / f'digest{runs}.db'}", units, path)
                os.remove(tmp / f"digest{runs}.db")
                key = (tree_label, file_label)
                if key not in best or got[1] < best[key][1]:
                    best[key] = got
                least = cpu.get(key, (got[2], got[3]))
                cpu[key] = (min(least[0], got[2]), min(least[1], got[3]))
    print(f"\ncontent ids and the digest index (issue #26): this tree against {base} ({commit}), "
          f"best of {rounds} interleaved rounds, each import in a child process into a new SQLite store;\n"
          "CPU µs/event of the writing process and of its producer (the least of the rounds: CPU time changes "
          "little with the machine's load)")
    print(f"{'code':<28}{'file':<14}{'events':>10}{'seconds':>10}{'events/s':>12}{'writer µs':>11}{'producer µs':>13}")
    for (tree_label, file_label), (n, seconds, _, _) in best.items():
        writer, producer = cpu[(tree_label, file_label)]
        print(f"{tree_label:<28}{file_label:<14}{n:>10,}{seconds:>10.2f}{n / seconds:>12,.0f}"
              f"{writer / n * 1e6:>11.2f}{producer / n * 1e6:>13.2f}")
    labels = list(trees)
    for file_label in files:
        then, now = best[(labels[0], file_label)], best[(labels[1], file_label)]
        ratio = (now[0] / now[1]) / (then[0] / then[1])
        # the slower side sets a quiet machine's pace: the ratio of the busier sides' CPU per event
        side_then = max(cpu[(labels[0], file_label)]) / then[0]
        side_now = max(cpu[(labels[1], file_label)]) / now[0]
        print(f"{file_label}: rate {ratio:.2f} × {base}'s, cost {100 * (1 - ratio):.1f} % of the import rate "
              f"(goal ≤ 10 %: {'met' if ratio >= 0.9 else 'NOT met'}); busier side's CPU per event "
              f"{side_now / side_then:.2f} × {base}'s")
    if commit == head:
        print(f"(note: {base} is this tree — give --base the last commit before the digest index)")


def main() -> None:
    args = synthetic.year_arguments(__doc__ or "", pg=True, extra=_digest_arguments)
    print_header()
    if args.digest_only:
        with tempfile.TemporaryDirectory() as tmp:
            units, events, n = synthetic.write_year(tmp, args.units, args.per_unit)
            print(f"synthetic year: {args.units} units, {n:,} events, {os.cpu_count()} cores")
            digest_cost(Path(tmp), units, events, args.base, args.rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        units, events, n = synthetic.write_year(tmp, args.units, args.per_unit)
        quarter = str(t / "quarter.jsonl")
        with open(events, encoding="utf-8") as src, open(quarter, "w", encoding="utf-8") as dst:
            dst.writelines(islice(src, n // 4))
        size_mb = os.path.getsize(events) / 2**20
        print(f"synthetic year: {args.units} units, {n:,} events ({size_mb:.0f} MB JSONL), "
              f"{os.cpu_count()} cores")

        # Children first, while this process is small (Linux counts a child's peak RSS from
        # the fork, before its exec).
        rss_quarter = child_peak_rss_mb(str(t / "q.db"), units, quarter)
        rss_full = child_peak_rss_mb(str(t / "f.db"), units, events)
        imported, secs = synthetic.timed_import(f"sqlite:///{t / 'ledger.db'}", units, events)
        ledger_rate = imported / secs
        rows, ids = stored_rows(str(t / "ledger.db"))
        raw_n, raw_secs = raw_recorder_rate(rows, str(t / "raw.db"))
        raw_rate = raw_n / raw_secs
        floor_n, floor_secs = atomic_floor_rate(rows, ids, str(t / "floor.db"))
        rpi_n, rpi_secs = read_parse_insert_rate(events, str(t / "rpi.db"))
        rpi_rate = rpi_n / rpi_secs
        floor_rate = floor_n / floor_secs
        pg = postgres_rates(args.pg, units, events, rows) if args.pg else None

        rows = [
            ("ledger import → SQLite", f"{imported:,}", f"{secs:.2f}", f"{ledger_rate:,.0f}"),
            ("eventsourcing: read, parse, insert file", f"{rpi_n:,}", f"{rpi_secs:.2f}", f"{rpi_rate:,.0f}"),
            ("raw eventsourcing recorder → SQLite", f"{raw_n:,}", f"{raw_secs:.2f}", f"{raw_rate:,.0f}"),
            ("floor: events + id index, one tx", f"{floor_n:,}", f"{floor_secs:.2f}", f"{floor_rate:,.0f}"),
        ]
        if pg:
            labels = ("ledger import → PostgreSQL", "raw eventsourcing recorder → PostgreSQL")
            for label, (count, seconds) in zip(labels, pg, strict=True):
                rows.append((label, f"{count:,}", f"{seconds:.2f}", f"{count / seconds:,.0f}"))
        print(f"\n{'path':<40}{'events':>12}{'seconds':>10}{'events/s':>12}")
        for r in rows:
            print(f"{r[0]:<40}{r[1]:>12}{r[2]:>10}{r[3]:>12}")
        ratio = ledger_rate / rpi_rate
        print(f"\nratio ledger / eventsourcing reading, parsing and inserting the file: {ratio:.2f}   "
              f"(goal ≥ 0.60: {'met' if ratio >= 0.6 else 'NOT met'})")
        print(f"ratio ledger / raw recorder inserting ready stored events: {ledger_rate / raw_rate:.2f}   "
              "(pure-insert ratio: no goal, settled)")
        print(f"ceiling: the atomic floor alone reaches {floor_rate / raw_rate:.2f} × raw "
              "(everything else the import does has to fit in what is left)")
        print(f"ledger import rate: {ledger_rate:,.0f}/s   (goal ≥ 30,000/s: "
              f"{'met' if ledger_rate >= 30000 else 'NOT met'})")
        if pg:
            (n_pg, s_pg), (n_raw, s_raw) = pg
            print(f"PostgreSQL ratio ledger/raw: {(n_pg / s_pg) / (n_raw / s_raw):.2f}")
        print(f"peak RSS of `ledger import`: {rss_quarter:.0f} MB for {n // 4:,} events, "
              f"{rss_full:.0f} MB for {n:,} events")
        digest_cost(t, units, events, args.base, args.rounds)


def _digest_arguments(parser: Any) -> None:
    parser.add_argument("--base", default="merge-base",
                        help="the code to compare with (a git ref; default: git merge-base HEAD main)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the comparison (best counts)")
    parser.add_argument("--digest-only", action="store_true", help="only the content ids and digest index part")


if __name__ == "__main__":
    main()
