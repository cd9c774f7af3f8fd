"""Reads beside waiting writes (issue #31, item 1): on web_bench's 3,000-unit store, the p95 of
``GET /`` and of unit cards with no load, then while a CLI ``ledger import`` holds the write lock
and six web writes wait behind it — the same requests, the same server, one run; both stores.

    .venv/bin/python benchmarks/web_reads_bench.py [--units 3000] [--per-unit 133] [--requests 200]
        [--db PATH] [--pg postgresql://user@host:port/db]

The import is a real ``ledger import`` whose input is a named pipe the benchmark keeps open: it
takes the lock, reads, and holds the lock while it waits for more lines (as an import of a file on
a slow share would), using no CPU, so what is measured is the waiting alone. The six writes are
``POST /users/NAME/disable`` (no hash, no table: they only wait for the lock), each on its own
connection; the server runs with ``--write-wait 300`` so they wait through the whole measurement
(the benchmark checks that none was answered before the lock was let go). Requests go to
127.0.0.1 only, one at a time from one keep-alive connection, the same paths in both phases (the
cards asked once before, so both phases read kept cards); the no-load requests are asked half
before and half after the loaded phase, against drift; everything stops by itself.

The issue's goal: each loaded p95 ≤ 1.25 × the same run's no-load p95, on both stores.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from runinfo import print_header  # noqa: E402
from web_bench import PASSWORD, POLICY, Lean, card_path, free_port, pct, serve, signed_in_client  # noqa: E402

from ledger import accounts  # noqa: E402
from ledger.app import Ledger  # noqa: E402
from ledger.projections.scoreboard import track_units  # noqa: E402
from ledger.store.backends import LockTimeout  # noqa: E402

WRITES = 6
OFFICE = "bench-office"
CLI = [sys.executable, str(HERE.parent / "cli.py")]


def accounts_for_the_run(ledger: Ledger) -> list[str]:
    """The office account that signs in, and six accounts the waiting writes disable (new ones
    each run, so every write has something to do)."""
    known = {a.name: a for a in accounts.accounts(ledger)}
    if OFFICE not in known or not known[OFFICE].active:
        accounts.add(ledger, OFFICE, "office", PASSWORD)
    run = uuid.uuid4().hex[:6]
    names = [f"w{run}{i}" for i in range(WRITES)]
    for name in names:
        accounts.add(ledger, name, "inspector", "a-throwaway-pw")
    return names


def lock_held(url: str) -> bool:
    with Ledger(url, create=False) as probe:
        probe.store.backend.lock_timeout = 0.2
        try:
            with probe.store.write("probe", dry_run=True):
                return False
        except LockTimeout:
            return True


def timed(client: Lean, paths: list[str], rounds: int) -> dict[str, list[float]]:
    """Seconds of each request, by kind ("home", "card"), the paths asked in turn."""
    out: dict[str, list[float]] = {"home": [], "card": []}
    for i in range(rounds):
        for kind, path in (("home", "/"), ("card", paths[i % len(paths)])):
            began = time.perf_counter()
            status, _ = client.get(path)
            took = time.perf_counter() - began
            if status != 200:
                raise SystemExit(f"{path}: {status}")
            out[kind].append(took)
    return out


def post_disable(port: int, cookie: str, token: str, name: str, results: list) -> None:
    import http.client
    import urllib.parse

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = urllib.parse.urlencode({"csrf": token})
    began = time.perf_counter()
    connection.request("POST", f"/users/{name}/disable", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    results.append((name, response.status, time.perf_counter() - began))
    connection.close()


def measure(url: str, label: str, rounds: int, folder: str) -> dict[str, float]:
    with Ledger(url, actor="bench") as ledger:
        names = accounts_for_the_run(ledger)
        policy = ledger.policy(POLICY)
        members = [(t.id, u.id) for t in policy.tracks
                   for u in track_units(policy, t.id, ledger.view().roster().values())]
    rng = random.Random(31)
    paths = [card_path(*rng.choice(members)) for _ in range(20)]
    port = free_port()
    server = serve(url, port, 4, "0", "--write-wait", "300")
    pipe = os.path.join(folder, f"held-{label}.jsonl")
    os.mkfifo(pipe)
    holder_end = None
    importer = None
    try:
        signed = signed_in_client(f"http://127.0.0.1:{port}", OFFICE)
        cookie = f"ledger_session={signed.cookies['ledger_session']}"
        token = re.search(r'name="csrf" value="([^"]*)"', signed.get("/").text).group(1)  # type: ignore[union-attr]
        client = Lean(port, cookie)
        timed(client, paths, len(paths))  # every card once: all phases read kept cards
        quiet = timed(client, paths, rounds // 2)  # no load: half before, half after the loaded phase

        holder_end = os.open(pipe, os.O_RDWR)  # the pipe stays open: the import waits for lines
        importer = subprocess.Popen([*CLI, "--db", url, "--actor", "bench-import", "import", pipe],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(300):
            if lock_held(url):
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the import never took the write lock")
        results: list = []
        writers = [threading.Thread(target=post_disable, args=(port, cookie, token, n, results)) for n in names]
        for w in writers:
            w.start()
        time.sleep(1.0)  # the six reach the server and wait for the lock
        loaded = timed(client, paths, rounds)
        waited_throughout = not results and all(w.is_alive() for w in writers)
        os.close(holder_end)  # end of input: the import commits (nothing) and lets go
        holder_end = None
        import_code = importer.wait(timeout=300)
        for w in writers:
            w.join(timeout=300)
        after = timed(client, paths, rounds - rounds // 2)
        for kind in quiet:
            quiet[kind] += after[kind]
        client.close()
        signed.close()
    finally:
        if holder_end is not None:
            os.close(holder_end)
        if importer is not None and importer.poll() is None:
            importer.kill()
        server.terminate()
        server.wait(timeout=30)
    figures = {}
    print(f"{label}: {rounds} requests of each kind per phase (no load: half before, half after), one at a time")
    for kind, what in (("home", "GET /"), ("card", "unit card")):
        before, during = pct(quiet[kind], 95), pct(loaded[kind], 95)
        figures[kind] = during / before
        print(f"  {what:9}  p95 no load {before:7.1f} ms   with the lock held and {WRITES} writes waiting "
              f"{during:7.1f} ms   ratio {during / before:.2f}  (p50 {pct(quiet[kind], 50):.1f} → "
              f"{pct(loaded[kind], 50):.1f} ms)")
    statuses = sorted(status for _, status, _ in results)
    print(f"  the {WRITES} writes waited throughout the loaded phase: {'yes' if waited_throughout else 'NO'}; "
          f"answered after the import let go: {statuses} (import exit {import_code})")
    return figures


def fresh_pg_store(server: str, folder: str, units: int, per_unit: int) -> tuple[str, str]:
    """A new database on ``server`` holding the synthetic store: (its URL, its name)."""
    import psycopg
    import synthetic
    from sqlalchemy.engine import make_url

    base = make_url(server)
    name = f"ledger_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    units_path, events_path, count = synthetic.write_year(folder, units, per_unit)
    new, seconds = synthetic.timed_import(url, units_path, events_path)
    print(f"PostgreSQL store {name}: imported {new:,} events in {seconds:.0f} s")
    with psycopg.connect(url, autocommit=True) as store:
        store.execute("VACUUM ANALYZE")  # what autovacuum would do next, done before measuring
    with Ledger(url, actor="bench") as ledger:
        ledger.load_policy(str(HERE / "bench-all-2021.yaml"))
    return url, name


def drop_pg(server: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(make_url(server).set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=133)
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind in each phase")
    parser.add_argument("--db", help="keep (and reuse) the SQLite store here")
    parser.add_argument("--pg", metavar="URL", help="also on a fresh database of this PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with --pg)")
    args = parser.parse_args()
    rounds = max(20, min(args.requests, 5000))
    print_header()
    from score_bench import prepare

    folder = tempfile.mkdtemp(prefix="web-reads-bench-")
    path = args.db or os.path.join(folder, "bench.db")
    ledger, head = prepare(path, args.units, args.per_unit)
    ledger.close()
    print(f"store: {args.units} units, head revision {head}\n")
    ratios = {} if args.no_sqlite and args.pg else {"SQLite": measure(f"sqlite:///{path}", "SQLite", rounds, folder)}
    if args.pg:
        url, name = fresh_pg_store(args.pg, folder, args.units, args.per_unit)
        try:
            ratios["PostgreSQL"] = measure(url, "PostgreSQL", rounds, folder)
        finally:
            drop_pg(args.pg, name)
    worst = max(r for figures in ratios.values() for r in figures.values())
    print(f"\nworst ratio loaded/no-load p95: {worst:.2f} (goal ≤ 1.25)")


if __name__ == "__main__":
    main()
