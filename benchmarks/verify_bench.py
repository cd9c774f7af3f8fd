"""Verify speed and memory: `ledger verify` of a synthetic year's store.

Builds the import benchmark's synthetic year (every event type, hotline tickets dominating)
in a fresh SQLite store, then verifies it twice: in this process (``Ledger.verify``: the
hash chain and every index table, records per second) and as the command `ledger verify` in a
child process (wall time including start-up, and that child's own peak RSS). With ``--pg URL``
the same on a fresh PostgreSQL database on that server (created and dropped here).

    .venv/bin/python benchmarks/verify_bench.py [--units 3000] [--per-unit 60] [--pg URL]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from runinfo import print_header, run_measured  # noqa: E402

from ledger.app import Ledger  # noqa: E402


def build(url: str, units: str, events: str) -> None:
    ledger = Ledger(url, actor="bench")
    ledger.init()
    ledger.import_units(units)
    ledger.import_file(events)
    ledger.close()


def verify_in_process(url: str) -> tuple[int, float]:
    ledger = Ledger(url, actor="bench")
    start = time.perf_counter()
    result = ledger.verify()
    elapsed = time.perf_counter() - start
    ledger.close()
    if not result.ok:
        raise SystemExit(f"verify failed: {result.problem}")
    return result.records, elapsed


def verify_command(url: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `ledger verify` as a new process."""
    wall, _cpu, rss, code, _out, _err = run_measured([sys.executable, str(HERE.parent / "cli.py"), "--db", url,
                                                      "verify"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if code:
        raise SystemExit(f"ledger verify failed with exit code {code}")
    return wall, rss


def report(label: str, url: str) -> None:
    records, secs = verify_in_process(url)
    wall, rss = verify_command(url)
    print(f"{label:<12}{records:>10,}{secs:>10.2f}{records / secs:>12,.0f}{wall:>12.2f}{rss:>10.0f}")


def main() -> None:
    args = synthetic.year_arguments(__doc__ or "", pg=True)
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        units, events, n = synthetic.write_year(tmp, args.units, args.per_unit)
        print(f"synthetic year: {args.units} units, {n:,} events\n")
        print(f"{'store':<12}{'records':>10}{'seconds':>10}{'records/s':>12}{'CLI wall s':>12}{'CLI MB':>10}")
        sqlite_url = f"sqlite:///{os.path.join(tmp, 'verify.db')}"
        build(sqlite_url, units, events)
        report("SQLite", sqlite_url)
        if args.pg:
            import psycopg
            from sqlalchemy.engine import make_url

            base = make_url(args.pg)
            name = f"ledger_bench_verify_{uuid.uuid4().hex[:8]}"
            admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            try:
                pg_url = base.set(database=name).render_as_string(hide_password=False)
                build(pg_url, units, events)
                report("PostgreSQL", pg_url)
            finally:
                with psycopg.connect(admin_url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print("\n(records: every record in the log, units' registrations included; seconds and records/s: "
              "Ledger.verify in this process; CLI: `ledger verify` as a new process, start-up included, "
              "and its peak RSS)")


if __name__ == "__main__":
    main()
