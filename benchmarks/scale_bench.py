"""A province on one server (issue #32): scoring, the year's month-ends, verify and verify since a
checkpoint, at growing sizes of a synthetic year, each figure beside its floor measured in the
same run, then the growth exponents and the extrapolation to a province.

    .venv/bin/python benchmarks/scale_bench.py [--sizes 0.4M,1.6M,6.4M] [--pg URL] [--dir PATH] [--keep]
                                               [--policy bench-all-2021]

For each size: a synthetic year of 3,000 units (``benchmarks/synthetic.py``: every event type,
12345 tickets the bulk) imported into a new SQLite store — and a new PostgreSQL database on the
server ``--pg`` names — with ``bench-all-2021.yaml`` loaded (jiangxian-2021's annexes over every
synthetic unit: a hotline-heavy policy that scores all 3,000 units, with a rank). Then, each as a
new process (wall seconds, CPU seconds, peak RSS):

  score   `ledger score --policy P --format json`, beside its floor: a process reading and decoding
          the very events the score reads (each track's units' streams, of the track's types);
  series  `ledger score --policy P --series monthly --format json`, beside one score;
  verify  `ledger verify` on every core, beside the same on one core (LEDGER_VERIFY_WORKERS=1) and
          its floor: a process reading every stored record and SHA-256-hashing its bytes once;
  since   a checkpoint, 1 % more records appended, then `ledger verify --since F`, beside a full
          `ledger verify` of the same log;
and the store's size on disk. Stores live in --dir (default a new folder under /tmp) and are
deleted at the end unless --keep (kept ones are reused by a later run with the same --dir).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from runinfo import print_header, run_measured  # noqa: E402

UNITS = 3000
POLICY_FILE = HERE / "bench-all-2021.yaml"
YEAR_EVENTS = 17_500_000
"""A province's year: 10,000 units, ~5M 12345 tickets with their replies and callbacks."""
FIVE_YEARS = 88_000_000
CLI = [sys.executable, str(ROOT / "cli.py")]


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float

    def text(self) -> str:
        return f"{self.wall:8.2f} s wall {self.cpu:8.2f} s CPU {self.rss_mb:7.0f} MB"


def measured(command: list[str], env: dict[str, str] | None = None, stdout: int | None = subprocess.DEVNULL) -> Run:
    """A command as a new process: wall and CPU seconds and its own peak RSS (``run_measured``:
    started by a launcher, so that this process's memory — it builds the stores — is not
    counted as the command's; verify's workers count in its CPU time)."""
    wall, cpu, rss, code, _out, err = run_measured(command, env={**os.environ, **(env or {})}, stdout=stdout,
                                                   stderr=subprocess.PIPE)
    if code:
        raise SystemExit(f"{' '.join(command)} failed ({code}): {err.decode()[-2000:]}")
    return Run(wall, cpu, rss)


# --- the floors (run as new processes of this script) ----------------------------------------
def floor_read(url: str, ref: str) -> None:
    """Read and decode every event the score of ``ref`` reads: each track's units' year streams,
    of the types the track's rules read (with retractions and corrections), 250 streams a read
    transaction — the reading without the facts, the scoring or anything kept."""
    from ledger.app import Ledger
    from ledger.events import codec
    from ledger.projections.fact_view import topics_for
    from ledger.projections.scoreboard import track_units
    from ledger.projections.scoring import track_fact_types
    from ledger.store.eventstore import unit_stream

    ledger = Ledger(url, create=False)
    policy = ledger.policy(ref)
    roster = ledger.facts.roster().values()
    count = 0
    for track in policy.tracks:
        streams = [unit_stream(u.id, policy.year) for u in track_units(policy, track.id, roster)]
        topics = topics_for(track_fact_types(policy, track.id))
        for i in range(0, len(streams), 250):
            for rows in ledger.store.stream_states(streams[i:i + 250], topics).values():
                for _version, state in rows:
                    codec.loads(state)
                    count += 1
    print(count)


def floor_hash(url: str) -> None:
    """Read every stored record in log order and SHA-256 its stored bytes once."""
    from hashlib import sha256

    from ledger.app import Ledger

    ledger = Ledger(url, create=False)
    backend = ledger.store.backend
    count, after = 0, 0
    with backend.snapshot() as c:
        while rows := backend.log_page(c, after, 5000):
            after = int(rows[-1]["nid"])
            for row in rows:
                sha256(bytes(row["state"])).digest()
                count += 1
    print(count)


# --- the stores ------------------------------------------------------------------------------
def per_unit(size: int) -> int:
    return max(1, round(size / UNITS))


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = 1_000_000 if text.endswith("M") else 1_000 if text.endswith("K") else 1
    return int(float(text.rstrip("MK")) * scale)


def build(url: str, folder: str, size: int) -> tuple[int, float]:
    """A new store of the synthetic year at ``url`` with the benchmark policy: (events, seconds)."""
    from ledger.app import Ledger

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        units, events, n = synthetic.write_year(tmp, UNITS, per_unit(size))
        start = time.perf_counter()
        ledger = Ledger(url, actor="bench")
        ledger.init()
        ledger.import_units(units)
        ledger.import_file(events)
        ledger.load_policy(str(POLICY_FILE))
        ledger.close()
        return n, time.perf_counter() - start


def append_percent(url: str, folder: str, records: int) -> int:
    """1 % more records: trainings of every unit, new ids (what a day of work adds)."""
    from ledger.app import Ledger

    n = max(1, records // 100)
    events = [{"type": "training_session", "unit": f"u{i % UNITS:05d}", "date": "2021-12-30",
               "id": f"since-{uuid.uuid4().hex[:12]}-{i}", "topic": "营商环境条例", "attendees": 10}
              for i in range(n)]
    path = os.path.join(folder, "more.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
    ledger = Ledger(url, actor="bench")
    ledger.import_file(path)
    ledger.close()
    os.remove(path)
    return n


def store_bytes(url: str) -> int:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    import psycopg

    with psycopg.connect(url.split("?")[0]) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


class Postgres:
    """New databases on the --pg server, dropped at the end (unless kept)."""

    def __init__(self, server: str):
        from sqlalchemy.engine import make_url

        self.base = make_url(server)
        self.admin = self.base.set(drivername="postgresql").render_as_string(hide_password=False)

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def exists(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as admin:
            return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def create(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

    def drop(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- one size on one store --------------------------------------------------------------------
@dataclass
class Figures:
    label: str
    size: int = 0
    events: int = 0
    runs: dict[str, Run] = field(default_factory=dict)
    bytes: int = 0
    appended: int = 0
    """Records appended before `verify --since`."""


def measure(label: str, url: str, folder: str, size: int, ref: str, fresh: bool) -> Figures:
    figures = Figures(label, size)
    if fresh:
        events, seconds = build(url, folder, size)
        print(f"  built: {events:,} events imported in {seconds:.1f} s", flush=True)
    from ledger.app import Ledger

    ledger = Ledger(url, create=False)
    head = ledger.head()[0]
    ledger.close()
    figures.events = head
    figures.bytes = store_bytes(url)
    script = [sys.executable, str(Path(__file__).resolve())]
    runs = figures.runs
    runs["read floor"] = measured(script + ["--floor", "read", url, ref])
    runs["score"] = measured(CLI + ["--db", url, "score", "--policy", ref, "--format", "json"])
    runs["series"] = measured(CLI + ["--db", url, "score", "--policy", ref, "--series", "monthly", "--format", "json"])
    runs["hash floor"] = measured(script + ["--floor", "hash", url])
    runs["verify"] = measured(CLI + ["--db", url, "verify"])
    runs["verify, 1 core"] = measured(CLI + ["--db", url, "verify"], env={"LEDGER_VERIFY_WORKERS": "1"})
    checkpoint = os.path.join(folder, f"checkpoint-{uuid.uuid4().hex[:8]}.txt")
    measured(CLI + ["--db", url, "checkpoint", "--output", checkpoint])
    added = figures.appended = append_percent(url, folder, head)
    runs["since"] = measured(CLI + ["--db", url, "verify", "--since", checkpoint])
    runs["verify +1 %"] = measured(CLI + ["--db", url, "verify"])
    os.remove(checkpoint)
    s, f = runs["score"], runs["read floor"]
    print(f"  store: {head:,} records, {figures.bytes / 2**20:,.0f} MiB")
    print(f"  score        {s.text()}   floor (read + decode the same events) {f.text()}   "
          f"score/floor {s.wall / f.wall:.2f}× wall, {s.cpu / f.cpu:.2f}× CPU")
    series = runs["series"]
    print(f"  series       {series.text()}   = {series.wall / s.wall:.2f}× one score wall, "
          f"{series.cpu / s.cpu:.2f}× CPU (goal ≤ 1.5×)")
    v, one, h = runs["verify"], runs["verify, 1 core"], runs["hash floor"]
    print(f"  verify       {v.text()}   one core {one.text()}   speed-up {one.wall / v.wall:.2f}× "
          f"(goal ≥ 1.6× on 2 cores)")
    print(f"               floor (SHA-256 of the same bytes once) {h.text()}   "
          f"verify/floor {v.wall / h.wall:.2f}× wall")
    since, full = runs["since"], runs["verify +1 %"]
    print(f"  since        {since.text()}   after {added:,} more records (1 %); full verify {full.text()}   "
          f"since/full {since.wall / full.wall:.1%} (goal ≤ 5 %)", flush=True)
    return figures


# --- growth and extrapolation -------------------------------------------------------------------
def exponent(points: list[tuple[int, float]]) -> float | None:
    """b of value = a·n^b, least squares on log-log (None with fewer than two sizes)."""
    pts = [(math.log(n), math.log(v)) for n, v in points if n > 0 and v > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


METRICS = [  # (name, unit, value of Figures)
    ("score wall", "s", lambda f: f.runs["score"].wall),
    ("score peak RSS", "MB", lambda f: f.runs["score"].rss_mb),
    ("read floor wall", "s", lambda f: f.runs["read floor"].wall),
    ("series wall", "s", lambda f: f.runs["series"].wall),
    ("series peak RSS", "MB", lambda f: f.runs["series"].rss_mb),
    ("verify wall", "s", lambda f: f.runs["verify"].wall),
    ("verify peak RSS", "MB", lambda f: f.runs["verify"].rss_mb),
    ("verify --since wall", "s", lambda f: f.runs["since"].wall),
    ("store size", "MiB", lambda f: f.bytes / 2**20),
]
PER_YEAR = {"score wall", "score peak RSS", "read floor wall", "series wall", "series peak RSS"}
"""Scoring reads one assessment year: at five years it still reads one."""


def extrapolate(label: str, figures: list[Figures]) -> None:
    print(f"\n{label}: growth exponents b (value = a·n^b, least squares over the sizes measured) and the "
          "extrapolation from the largest size m, value(N) = value(m)·(N/m)^b:")
    largest = max(figures, key=lambda f: f.events)
    print(f"  {'figure':<22}{'b':>6}{'at ' + f'{largest.events / 1e6:.1f}M':>14}{'17.5M (a year)':>18}"
          f"{'88M (five years)':>20}")
    for name, unit, value in METRICS:
        b = exponent([(f.events, value(f)) for f in figures])
        at = value(largest)
        if b is None:
            print(f"  {name:<22}{'-':>6}{at:>11,.1f} {unit:<3}")
            continue
        year = at * (YEAR_EVENTS / largest.events) ** b
        five = year if name in PER_YEAR else at * (FIVE_YEARS / largest.events) ** b
        print(f"  {name:<22}{b:>6.2f}{at:>11,.1f} {unit:<3}{year:>14,.1f} {unit:<3}{five:>16,.1f} {unit:<3}")
    print("  (scoring reads one year's streams: its figures at 88M are the year's; the store and verify grow with "
          "the whole log; verify --since here re-hashes 1 % of the log, so it grows with it too)")
    since = largest.runs["since"].wall
    print(f"  verify --since of a province's working day (70,000 records): {since * 70_000 / largest.appended:,.1f} s "
          f"(= {since:.2f} s × 70,000 / {largest.appended:,} records appended at the largest size; its start-up "
          "and fixed queries included, so an upper bound)")
    linear = {name: value(largest) * YEAR_EVENTS / largest.events for name, _u, value in METRICS
              if name in ("score wall", "series wall", "verify wall")}
    print("  with b = 1 instead (the per-event costs alone; per-card costs make b < 1 at small sizes): at 17.5M "
          + ", ".join(f"{name} {v:,.0f} s" for name, v in linear.items()))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--floor":
        if sys.argv[2] == "read":
            floor_read(sys.argv[3], sys.argv[4])
        else:
            floor_hash(sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="0.4M,1.6M,6.4M", help="events per store, comma-separated (0.4M, 400K …)")
    parser.add_argument("--pg", metavar="URL", help="also measure PostgreSQL on this server")
    parser.add_argument("--dir", help="where the stores and temporary files go (default: a new folder in /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the stores (and reuse them from --dir)")
    parser.add_argument("--policy", default="bench-all-2021", help="the policy scored (default bench-all-2021)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    print_header()
    folder = args.dir or tempfile.mkdtemp(prefix="scale-bench-")
    os.makedirs(folder, exist_ok=True)
    print(f"stores in {folder} (df: {shutil.disk_usage(folder).free / 2**30:,.0f} GiB free); "
          f"{UNITS:,} units; sizes {', '.join(f'{s:,}' for s in sizes)} events; policy {args.policy}\n")
    pg = Postgres(args.pg) if args.pg else None
    results: dict[str, list[Figures]] = {"SQLite": [], "PostgreSQL": []}
    made: list[tuple[str, str]] = []
    try:
        for size in sizes:
            if not args.no_sqlite:
                path = os.path.join(folder, f"scale-{size}.db")
                fresh = not (args.keep and os.path.exists(path))
                if fresh and os.path.exists(path):
                    os.remove(path)
                made.append(("sqlite", path))
                print(f"SQLite, {size:,} events ({os.getloadavg()[0]:.2f} load):", flush=True)
                results["SQLite"].append(measure("SQLite", f"sqlite:///{path}", folder, size, args.policy, fresh))
            if pg is not None:
                name = f"ledger_scale_{size}"
                fresh = not (args.keep and pg.exists(name))
                if fresh:
                    pg.drop(name)
                    pg.create(name)
                made.append(("pg", name))
                print(f"PostgreSQL, {size:,} events ({os.getloadavg()[0]:.2f} load):", flush=True)
                results["PostgreSQL"].append(measure("PostgreSQL", pg.url(name), folder, size, args.policy, fresh))
        for label, figures in results.items():
            if figures:
                extrapolate(label, figures)
    finally:
        if not args.keep:
            for kind, name in made:
                if kind == "sqlite":
                    for p in (name, name + "-wal", name + "-shm"):
                        if os.path.exists(p):
                            os.remove(p)
                elif pg is not None:
                    pg.drop(name)
            if not args.dir:
                shutil.rmtree(folder, ignore_errors=True)
    one, five, fifteen = os.getloadavg()
    print(f"\nload average at the end: {one:.2f} {five:.2f} {fifteen:.2f}")


if __name__ == "__main__":
    main()
