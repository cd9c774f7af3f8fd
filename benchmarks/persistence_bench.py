"""Persistence-module benchmark: why the ledger uses eventsourcing's built-in recorders.

The ledger stores its event streams with ``eventsourcing.sqlite`` / ``eventsourcing.postgres``
(see ledger/store/backends.py). The alternative the team considered was the
``eventsourcing-sqlalchemy`` adapter, one code path for both databases. This script measures
the two figures that matter for an append-mostly audit log, on this machine:

* batched insert rate: events/s through the application recorder's ``insert_events``
  (default 100,000 events of ~300 bytes of JSON in batches of 5,000 over 2,000 streams);
* log scan rate: events/s reading the whole notification log with ``select_notifications``
  in pages of 5,000.

The adapter only accepts UUID originator ids (its column is ``sqlalchemy_utils.UUIDType``),
so every option is measured with uuid5 stream ids; the built-in modules are also measured with
the text ids the ledger really uses (``unit:<id>:<year>``). The script also checks and prints
the adapter's answer to a text id.

It is a bench-only script, not part of the ledger: ``eventsourcing-sqlalchemy`` is not a
project dependency, and the adapter rows are skipped with a message when it is not installed.
PostgreSQL rows need a server (``--pg-url``, default postgresql://postgres@127.0.0.1:5432/test);
each run gets its own scratch database ``bench_*``, dropped afterwards. SQLite files go to a
temporary directory. Each figure is the median of ``--repeat`` fresh runs (default 3).

    .venv/bin/pip install eventsourcing-sqlalchemy
    .venv/bin/python benchmarks/persistence_bench.py [--events 100000] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg.conninfo import conninfo_to_dict
from runinfo import print_header

TOPIC = "ledger.domain:UnitEvent"
NAMESPACE = uuid.UUID("6f1c3c1e-58a4-4a8e-9a8e-0c4b7c1d2e3f")


def make_events(n: int, streams: int, text_ids: bool) -> list[StoredEvent]:
    """n events round-robin over `streams` streams, each with ~300 bytes of JSON state."""
    names = [f"unit:{i:05d}:2024" for i in range(streams)]
    ids: list[Any] = names if text_ids else [uuid.uuid5(NAMESPACE, s) for s in names]
    events = []
    for i in range(n):
        state = {"indicator": f"ind-{i % 97:03d}", "value": i * 0.25, "unit": names[i % streams],
                 "actor": "bench@example.org", "recorded_at": "2024-05-01T12:00:00+00:00",
                 "note": "x" * 146}
        events.append(StoredEvent(originator_id=ids[i % streams],
                                  originator_version=i // streams + 1, topic=TOPIC,
                                  state=json.dumps(state).encode()))
    return events


def measure(recorder: Any, events: list[StoredEvent], batch: int) -> tuple[float, float]:
    """(insert events/s, scan events/s) on an empty events table."""
    t0 = time.perf_counter()
    for i in range(0, len(events), batch):
        recorder.insert_events(events[i:i + batch])
    insert_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    seen, start = 0, None
    while True:
        page = recorder.select_notifications(start, batch)
        seen += len(page)
        if len(page) < batch:
            break
        start = page[-1].id + 1
    scan_s = time.perf_counter() - t0
    assert seen == len(events), (seen, len(events))
    return len(events) / insert_s, len(events) / scan_s


# --- the options: each is a context manager yielding a ready application recorder ----------

def sqlite_file(tmp: str) -> str:
    return os.path.join(tmp, f"bench_{uuid.uuid4().hex[:8]}.db")


@contextmanager
def scratch_pg(pg_url: str) -> Iterator[dict[str, Any]]:
    """A fresh database bench_<pid>_<n>, dropped on exit; yields its connection info."""
    name = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**conninfo_to_dict(pg_url), "dbname": name}
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def builtin_sqlite(tmp: str, pg_url: str, id_type: str) -> Iterator[Any]:
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    datastore = SQLiteDatastore(sqlite_file(tmp), originator_id_type=id_type)  # type: ignore
    recorder = SQLiteApplicationRecorder(datastore, events_table_name="bench_events")
    recorder.create_table()
    try:
        yield recorder
    finally:
        datastore.close()


@contextmanager
def builtin_postgres(tmp: str, pg_url: str, id_type: str) -> Iterator[Any]:
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    with scratch_pg(pg_url) as info:
        datastore = PostgresDatastore(info["dbname"], info.get("host", "127.0.0.1"),
                                      info.get("port", 5432), info.get("user", "postgres"),
                                      info.get("password", ""), originator_id_type=id_type)
        recorder = PostgresApplicationRecorder(datastore, events_table_name="bench_events")
        recorder.create_table()
        try:
            yield recorder
        finally:
            datastore.close()


@contextmanager
def sqlalchemy_recorder(url: str) -> Iterator[Any]:
    from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
    from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder

    datastore = SQLAlchemyDatastore(url=url)
    recorder = SQLAlchemyApplicationRecorder(datastore, events_table_name="bench_events")
    recorder.create_table()
    try:
        yield recorder
    finally:
        assert datastore.engine is not None
        datastore.engine.dispose()  # type: ignore[union-attr]


@contextmanager
def sqlalchemy_sqlite(tmp: str, pg_url: str, id_type: str) -> Iterator[Any]:
    with sqlalchemy_recorder(f"sqlite:///{sqlite_file(tmp)}") as rec:
        yield rec


@contextmanager
def sqlalchemy_postgres(tmp: str, pg_url: str, id_type: str) -> Iterator[Any]:
    with scratch_pg(pg_url) as info:
        url = (f"postgresql+psycopg://{info.get('user', 'postgres')}@"
               f"{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{info['dbname']}")
        with sqlalchemy_recorder(url) as rec:
            yield rec


Option = Callable[[str, str, str], Any]
OPTIONS: list[tuple[str, Option, str, bool]] = [
    # label, factory, originator id type, needs eventsourcing-sqlalchemy
    ("(1) eventsourcing.sqlite", builtin_sqlite, "uuid", False),
    ("(2) eventsourcing.postgres", builtin_postgres, "uuid", False),
    ("(3) eventsourcing-sqlalchemy, SQLite", sqlalchemy_sqlite, "uuid", True),
    ("(4) eventsourcing-sqlalchemy, PostgreSQL", sqlalchemy_postgres, "uuid", True),
    ("(1) eventsourcing.sqlite, text ids", builtin_sqlite, "text", False),
    ("(2) eventsourcing.postgres, text ids", builtin_postgres, "text", False),
]


def adapter_text_id_check(tmp: str) -> str:
    """What the adapter says to a ledger-style text stream id."""
    event = StoredEvent(originator_id="unit:00001:2024", originator_version=1, topic=TOPIC,
                        state=b"{}")
    with sqlalchemy_sqlite(tmp, "", "textcheck") as recorder:
        try:
            recorder.insert_events([event])
        except Exception as exc:  # noqa: BLE001 - we only report it
            return f"rejected: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
        return "accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--streams", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs per option (median)")
    parser.add_argument("--pg-url", default=os.environ.get(
        "LEDGER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print_header()

    try:
        import eventsourcing_sqlalchemy  # noqa: F401
        have_adapter = True
    except ImportError:
        have_adapter = False
        print("eventsourcing-sqlalchemy is not installed: skipping options (3) and (4).\n"
              "  Install it (bench only): .venv/bin/pip install eventsourcing-sqlalchemy\n")

    events = {t: make_events(args.events, args.streams, t == "text") for t in ("uuid", "text")}
    size = sum(len(e.state) for e in events["uuid"]) / args.events
    print(f"{args.events:,} events (~{size:.0f} B state) in batches of {args.batch:,} over "
          f"{args.streams:,} streams; scan pages of {args.batch:,}; median of {args.repeat} runs")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}\n")

    rows = []
    with tempfile.TemporaryDirectory(prefix="persistence_bench_") as tmp:
        if have_adapter:
            print(f"adapter with a text id 'unit:00001:2024': {adapter_text_id_check(tmp)}\n")
        for label, factory, id_type, needs_adapter in OPTIONS:
            if needs_adapter and not have_adapter:
                rows.append((label, "skipped", "skipped"))
                continue
            if factory in (builtin_postgres, sqlalchemy_postgres) and args.no_postgres:
                rows.append((label, "skipped", "skipped"))
                continue
            runs = []
            for _ in range(args.repeat):
                with factory(tmp, args.pg_url, id_type) as recorder:  # fresh table each run
                    runs.append(measure(recorder, events[id_type], args.batch))
            ins, scan = (statistics.median(r[k] for r in runs) for k in (0, 1))
            rows.append((label, f"{ins:,.0f}", f"{scan:,.0f}"))

    width = max(len(r[0]) for r in rows)
    print(f"{'option':<{width}}  {'insert events/s':>15}  {'scan events/s':>13}")
    for label, ins, scan in rows:
        print(f"{label:<{width}}  {ins:>15}  {scan:>13}")


if __name__ == "__main__":
    main()
