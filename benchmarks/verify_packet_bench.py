"""`ledger verify-packet` of the typical card, start-up included (issue #19: goal ≤ 1 s).

Builds the demo store in a temporary folder (`ledger demo`), packs the typical card — a
jiangxian supervision card (quotas, metric ratios and a rank line over ten peers) — with
`ledger packet … --no-pdf`, then runs `ledger verify-packet` on it as new processes with no
store, round-robin with the `python -c pass` baseline measured in the same run: one warm-up
round (page cache, bytecode), then ``--runs`` timed rounds. Prints the run-info header, the
packet's size and contents, each median (wall; CPU beside it) and whether the goal is met
(on wall time, start-up included); see docs/performance.md.

    .venv/bin/python benchmarks/verify_packet_bench.py [--runs 10] [--unit jx-scj]
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from runinfo import print_header
from startup_bench import CHILD_ENV, ledger_executable, timed

GOAL = 1.0
"""Seconds for one `ledger verify-packet` of the typical card, start-up included."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed processes per command (default 10)")
    parser.add_argument("--unit", default="jx-scj", help="the jiangxian-2021 unit whose supervision card is packed")
    args = parser.parse_args()
    print_header()
    ledger = ledger_executable()
    with tempfile.TemporaryDirectory(prefix="ledger-verify-packet-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        subprocess.run([ledger, "--db", url, "demo"], capture_output=True, check=True, env=CHILD_ENV)
        packet = Path(tmp) / "card.zip"
        subprocess.run([ledger, "--db", url, "packet", args.unit, "--policy", "jiangxian-2021", "--track",
                        "supervision", "--as-of", "2022-01-31", "--no-pdf", "--output", str(packet)],
                       capture_output=True, check=True, env=CHILD_ENV, cwd=tmp)
        with zipfile.ZipFile(packet) as archive:
            names = archive.namelist()
            records = archive.read(next(n for n in names if n.endswith("/records.jsonl"))).count(b"\n")
            heads = json.loads(archive.read(next(n for n in names if n.endswith("/stream_heads.json"))))
            lines = len(json.loads(archive.read(next(n for n in names if n.endswith("/explanation.json"))))["lines"])
        nowhere = f"sqlite:///{Path(tmp) / 'no-store-here.db'}"  # verify-packet needs no store
        commands = {
            "baseline": [sys.executable, "-c", "pass"],
            "verify-packet": [ledger, "--db", nowhere, "verify-packet", str(packet)],
        }
        check = subprocess.run(commands["verify-packet"], capture_output=True, text=True, env=CHILD_ENV, cwd=tmp)
        if check.returncode != 0:
            sys.exit(f"verify_packet_bench: the packet does not verify: {check.stderr}")
        for argv in commands.values():  # warm-up
            timed(argv)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                seconds, used = timed(argv)
                wall[name].append(seconds)
                cpu[name].append(used)
        print(f"packet: jiangxian-2021 supervision card of {args.unit} as of 2022-01-31, {packet.stat().st_size:,} "
              f"bytes: {records} records, {len(heads['present'])} streams proven complete, {lines} explanation "
              "lines")
        print(f"median of {args.runs} new processes per command, run round-robin after a warm-up round:")
        for name, argv in commands.items():
            shown = shlex.join(argv).replace(tmp, "$TMP")
            median = statistics.median(wall[name])
            spread = (f"(min {min(wall[name]):.3f}, max {max(wall[name]):.3f}; "
                      f"CPU {statistics.median(cpu[name]):.3f})")
            print(f"  {median:.3f} s {spread}  {shown}")
        total = statistics.median(wall["verify-packet"])
        over = total - statistics.median(wall["baseline"])
        print(f"verify-packet: {total:.3f} s start-up included (+{over:.3f} s over the baseline); "
              f"goal ≤ {GOAL:.1f} s: {'met' if total <= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
