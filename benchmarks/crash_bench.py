"""Crash test: kill `ledger import` (kill -9) at random moments and check what is left.

Each round starts `ledger import FILE` as a child process, kills it after a random delay
(taken from a seeded generator: the seed is printed, so a failure can be replayed), and then
checks that the import was all-or-nothing (the store holds either none or all of the file's
events), that `ledger verify` is clean and that no process of the import (its producer, a
multiprocessing resource tracker) outlived it. Finally the file is imported to completion.
The file is large enough to be prepared by a producer process (see docs/store.md, Writing).

    .venv/bin/python benchmarks/crash_bench.py [--kills 40] [--seed N] [--events 60000] [--pg URL]

tests/test_hardening.py runs a few rounds on SQLite and PostgreSQL (``run_kills``).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS = "id,name,groups\njk-fgj,发改局,jingkai-unit\njk-czj,财政局,jingkai-unit\n"


def children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    kids = {int(k) for k in handle.read().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has died)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def ledger_command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "ledger.cli", "--db", url, "--actor", "crash", *args]


def write_events(path: Path, n: int) -> int:
    """``n`` events (warnings and hotline tickets with replies) as JSON lines; returns ``n``."""
    lines = []
    for i in range(n):
        if i % 3 == 2:
            lines.append(f'{{"type": "hotline_replied", "unit": "jk-czj", "date": "2021-03-02", "id": "r{i}", '
                         f'"ticket": "T{i - 1}", "quality": "ok"}}\n')
        elif i % 3 == 1:
            lines.append(f'{{"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-03-01", "id": "t{i}", '
                         f'"ticket": "T{i}", "due": "2021-03-09"}}\n')
        else:
            lines.append(f'{{"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "id": "w{i}", '
                         f'"issuer_level": "city", "note": "{"备注" * 20}"}}\n')
    path.write_text("".join(lines), encoding="utf-8")
    return n


def head(url: str) -> int:
    from ledger.app import Ledger

    with Ledger(url) as ledger:
        return ledger.head()[0]


def verify_ok(url: str) -> bool:
    from ledger.app import Ledger

    with Ledger(url) as ledger:
        return ledger.verify().ok


@dataclass
class Outcome:
    delay: float
    killed: bool  # False: the import had finished before the kill
    added: int
    verified: bool
    left_behind: list[int] = field(default_factory=list)


def run_kills(url: str, path: str, events: int, kills: int, seed: int, max_delay: float = 3.0) -> list[Outcome]:
    """``kills`` rounds of import-then-kill -9 at a random moment; each checked (see module doc)."""
    rng = random.Random(seed)
    base = head(url)
    outcomes = []
    for _ in range(kills):
        before = head(url)
        delay = rng.uniform(0.0, max_delay)
        proc = subprocess.Popen(ledger_command(url, "import", path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        start, kids = time.monotonic(), set()
        while time.monotonic() - start < delay and proc.poll() is None:
            kids |= children(proc.pid)
            time.sleep(0.005)
        kids |= children(proc.pid)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(k) for k in kids):
            time.sleep(0.05)
        after = head(url)
        assert after in (before, base + events), f"partial import: head {before} → {after}"
        outcomes.append(Outcome(delay, killed, after - before, verify_ok(url), sorted(k for k in kids if alive(k))))
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--max-delay", type=float, default=4.0)
    parser.add_argument("--pg", help="also on a fresh database of this PostgreSQL server")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 32)
    print(f"seed {seed} (replay with --seed {seed})")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "events.jsonl"
        events = write_events(path, args.events)
        (folder / "units.csv").write_text(UNITS, encoding="utf-8")
        urls = [f"sqlite:///{folder}/crash.db"]
        admin = None
        if args.pg:
            import psycopg
            from sqlalchemy.engine import make_url

            server = make_url(args.pg)
            name = f"ledger_crash_{os.getpid()}"
            admin = psycopg.connect(host=server.host or "127.0.0.1", port=server.port or 5432,
                                    user=server.username or "postgres", dbname=server.database or "postgres",
                                    autocommit=True)
            admin.execute(f'CREATE DATABASE "{name}"')
            urls.append(server.set(database=name).render_as_string(hide_password=False))
        try:
            for url in urls:
                for command in (["init"], ["units", "import", str(folder / "units.csv")]):
                    subprocess.run(ledger_command(url, *command), check=True, stdout=subprocess.DEVNULL)
                outcomes = run_kills(url, str(path), events, args.kills, seed, args.max_delay)
                done = subprocess.run(ledger_command(url, "import", str(path)), capture_output=True, text=True)
                killed = sum(o.killed for o in outcomes)
                bad = [o for o in outcomes if not o.verified or o.left_behind]
                print(f"{url.split('://')[0]}: {len(outcomes)} rounds, {killed} killed mid-import, "
                      f"{len(outcomes) - killed} finished first; verify clean and nothing left behind: "
                      f"{'yes' if not bad else 'NO ' + repr(bad)}; final import: {done.stdout.strip()}")
                if bad or done.returncode != 0 or not verify_ok(url) or head(url) != 2 + events:
                    sys.exit(1)
        finally:
            if admin is not None:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
