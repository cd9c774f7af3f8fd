"""`ledger due` against one `ledger score` of the same policy, in the same run: the 3,000-unit
synthetic store of web_bench.py (3,000 units × 133 events ≈ 400k events) and
``bench-all-2021.yaml`` (jiangxian-2021's annexes over every synthetic group: 3,700 cards), at
a few as-of dates of the year. Goal (issue #30): due ≤ 2× score.

    .venv/bin/python benchmarks/due_bench.py [--units 3000] [--per-unit 133] [--db PATH] [--repeat 3]
                                             [--as-of 2021-06-15 --as-of 2021-12-20 …]

Both are timed twice: in-process (``Ledger.scoreboard`` against ``projections.due.build_due``,
each on a fresh ``Ledger``, so no process keeps facts for the other: wall and CPU seconds, the
median of ``--repeat`` runs), and as the commands (``ledger score --format json`` against
``ledger due --format json``, each a new process writing to /dev/null: start-up and rendering
included). The ratio is against the score measured in the same run; CPU seconds are what the
ratio means on a busy machine (wall seconds then also count other processes' turns).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from runinfo import print_header  # noqa: E402
from score_bench import prepare  # noqa: E402

from ledger.app import Ledger  # noqa: E402
from ledger.projections.due import build_due  # noqa: E402

POLICY = "bench-all-2021"
ALL_UNITS = HERE / "bench-all-2021.yaml"
DATES = ("2021-03-15", "2021-06-15", "2021-09-28", "2021-12-20")
"""Mid-month working days, 国庆's eve, and the year's last fortnight (every monthly quota and
the yearly ones then fall due at once: the heaviest list)."""


def timed(run) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = run()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def in_process(url: str, as_of: dt.date, repeat: int) -> tuple[tuple[float, float], tuple[float, float], object]:
    """Median (wall, CPU) of score and of due, each on a fresh Ledger; the last due list."""
    scores, dues, found = [], [], None
    for _ in range(repeat):
        with Ledger(url) as ledger:
            policy = ledger.policy(POLICY)
            wall, cpu, _ = timed(lambda: ledger.scoreboard(policy, as_of=as_of))  # noqa: B023
            scores.append((wall, cpu))
        with Ledger(url) as ledger:
            policy = ledger.policy(POLICY)
            wall, cpu, found = timed(lambda: build_due(ledger.view(), policy, as_of=as_of))  # noqa: B023
            dues.append((wall, cpu))
    med = lambda pairs: (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs))  # noqa: E731
    return med(scores), med(dues), found


def command(url: str, *args: str) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) seconds of one `ledger …` process."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE.parent / "cli.py"), "--db", url, *args], check=True,
                   stdout=subprocess.DEVNULL)
    after = os.times()
    return time.perf_counter() - start, (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=133)
    parser.add_argument("--db", help="store file to create or reuse (web_bench.py's store works as it is)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", action="append", dest="dates", help=f"as-of dates (default: {', '.join(DATES)})")
    args = parser.parse_args()
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or os.path.join(tmp, "due.db")
        ledger, head = prepare(path, args.units, args.per_unit)
        ledger.load_policy(str(ALL_UNITS))  # a no-op once loaded
        ledger.close()
        url = f"sqlite:///{path}"
        print(f"store: {args.units:,} units, head revision {head:,}; policy {POLICY} (3,700 cards)")
        worst = 0.0
        for text in args.dates or DATES:
            as_of = dt.date.fromisoformat(text)
            (s_wall, s_cpu), (d_wall, d_cpu), found = in_process(url, as_of, args.repeat)
            worst = max(worst, d_cpu / s_cpu)
            kinds = Counter(i.kind for i in found.items)
            lights = Counter(u.light for u in found.units)
            listed = ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items()))
            print(f"as of {text}: {len(found.items):,} items ({listed});"
                  f" units red {lights['red']:,}, yellow {lights['yellow']:,}, green {lights['green']:,}")
            print(f"  in-process  score {s_wall:6.2f} s wall {s_cpu:6.2f} s CPU | due {d_wall:6.2f} s wall "
                  f"{d_cpu:6.2f} s CPU | ratio {d_wall / s_wall:4.2f} wall, {d_cpu / s_cpu:4.2f} CPU")
            c_score = command(url, "score", "--policy", POLICY, "--as-of", text, "--format", "json")
            c_due = command(url, "due", "--policy", POLICY, "--as-of", text, "--format", "json")
            print(f"  commands    score {c_score[0]:6.2f} s wall {c_score[1]:6.2f} s CPU | due {c_due[0]:6.2f} s wall "
                  f"{c_due[1]:6.2f} s CPU | ratio {c_due[0] / c_score[0]:4.2f} wall, {c_due[1] / c_score[1]:4.2f} CPU",
                  flush=True)
        print(f"worst in-process CPU ratio due / score: {worst:.2f}   (goal ≤ 2: {'met' if worst <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
