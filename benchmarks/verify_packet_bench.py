"""`ledger verify-packet` of a card of a 3,000-unit store, start-up included (issues #19, #25:
goal ≤ 1 s).

Builds a synthetic year of ``--units`` units (``synthetic.py``: 3,000 units, about 60 events each)
in a temporary folder, makes the office's key (`ledger keys init`), packs a jiangxian-2021
supervision card — metric ratios, monthly quotas and a rank line over the track's units (300 of
them), so every peer's stream is in the office's packet — with `ledger packet … --no-pdf`, and
the same card's unit packet (`--for-unit`: the peers as stream heads only). Then runs `ledger
verify-packet PACKET --key ledger-key.vkey` on each as new processes with no store, round-robin
with the `python -c pass` baseline measured in the same run: one warm-up round (page cache,
bytecode), then ``--runs`` timed rounds. Prints the run-info header, each packet's size and
contents, each median (wall; CPU beside it) and whether the goal is met (on wall time, start-up
included, for the office's packet); see docs/performance.md.

    .venv/bin/python benchmarks/verify_packet_bench.py [--runs 10] [--units 3000] [--per-unit 60]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from runinfo import print_header
from startup_bench import CHILD_ENV, ledger_executable, timed
from synthetic import timed_import, write_year

GOAL = 1.0
"""Seconds for one `ledger verify-packet` of the office's packet, start-up included."""


def contents(packet: Path) -> str:
    with zipfile.ZipFile(packet) as archive:
        names = archive.namelist()

        def read(name: str) -> bytes:
            return archive.read(next(n for n in names if n.endswith("/" + name)))

        records = [json.loads(line) for line in read("records.jsonl").splitlines()]
        heads = json.loads(read("stream_heads.json"))
        lines = len(json.loads(read("explanation.json"))["lines"])
    full = sum("state" in r for r in records)
    return (f"{packet.stat().st_size:,} bytes: {full} records in full, {len(records) - full} as leaf hashes, "
            f"{len(heads['present'])} streams proven complete, {len(heads.get('withheld', ()))} as heads only, "
            f"{lines} explanation lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed processes per command (default 10)")
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=60)
    parser.add_argument("--unit", default="u00002", help="a unit of the jx-supervision group (default u00002)")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR (new) and leave the store and packets there, "
                        "e.g. to profile a verify-packet")
    args = parser.parse_args()
    print_header()
    ledger = ledger_executable()
    with (contextlib.nullcontext(args.keep) if args.keep else
          tempfile.TemporaryDirectory(prefix="ledger-verify-packet-")) as tmp:
        Path(tmp).mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        units, events, count = write_year(tmp, args.units, args.per_unit)
        url = f"sqlite:///{Path(tmp) / 'year.db'}"
        timed_import(url, units, events)
        env = {**CHILD_ENV, "LEDGER_KEY": str(Path(tmp) / "ledger-key.pem"), "LEDGER_STATE": str(Path(tmp) / "state")}
        subprocess.run([ledger, "keys", "init", "--origin", "bench.example/ledger"], capture_output=True, check=True,
                       env=env, cwd=tmp)
        packets = {"office": Path(tmp) / "office.zip", "unit": Path(tmp) / "unit.zip"}
        for name, extra in (("office", []), ("unit", ["--for-unit"])):
            subprocess.run([ledger, "--db", url, "packet", args.unit, "--policy", "jiangxian-2021", "--track",
                            "supervision", "--no-pdf", "--output", str(packets[name]), *extra],
                           capture_output=True, check=True, env=env, cwd=tmp)
        print(f"store: {args.units} units, {count:,} events (synthetic.py), built and packed in "
              f"{time.perf_counter() - start:.0f} s")
        for name, packet in packets.items():
            print(f"{name} packet: jiangxian-2021 supervision card of {args.unit}, {contents(packet)}")
        nowhere = f"sqlite:///{Path(tmp) / 'no-store-here.db'}"  # verify-packet needs no store
        vkey = str(Path(tmp) / "ledger-key.vkey")
        commands = {
            "baseline": [sys.executable, "-c", "pass"],
            "office": [ledger, "--db", nowhere, "verify-packet", str(packets["office"]), "--key", vkey],
            "unit": [ledger, "--db", nowhere, "verify-packet", str(packets["unit"]), "--key", vkey],
        }
        for name in ("office", "unit"):
            check = subprocess.run(commands[name], capture_output=True, text=True, env=CHILD_ENV, cwd=tmp)
            if check.returncode != 0:
                sys.exit(f"verify_packet_bench: the {name} packet does not verify: {check.stderr}")
        for argv in commands.values():  # warm-up
            timed(argv)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                seconds, used = timed(argv)
                wall[name].append(seconds)
                cpu[name].append(used)
        print(f"median of {args.runs} new processes per command, run round-robin after a warm-up round:")
        for name, argv in commands.items():
            shown = shlex.join(argv).replace(tmp, "$TMP")
            spread = (f"(min {min(wall[name]):.3f}, max {max(wall[name]):.3f}; "
                      f"CPU {statistics.median(cpu[name]):.3f})")
            print(f"  {statistics.median(wall[name]):.3f} s {spread}  {shown}")
        base = statistics.median(wall["baseline"])
        for name in ("office", "unit"):
            total = statistics.median(wall[name])
            print(f"verify-packet, {name} packet: {total:.3f} s start-up included (+{total - base:.3f} s over the "
                  "baseline)" + (f"; goal ≤ {GOAL:.1f} s: {'met' if total <= GOAL else 'NOT met'}"
                                 if name == "office" else ""))


if __name__ == "__main__":
    main()
