"""Start-up time: `ledger --version` and a cold `ledger explain` against `python -c pass`.

Builds the demo store in a temporary folder (`ledger --db sqlite:///… demo`), takes the unit
that `ledger demo` explains (the one that lost most points under the first demo policy), then
starts each command as a new process, round-robin so that load from other work falls on all
of them alike: one warm-up round (caches warm), then ``--runs`` timed rounds. Prints the date,
the load average, the commands, each median (wall time; the median CPU time beside it, which
other work on the machine disturbs less) and its margin over the `python -c pass` baseline
measured in the same run, and whether each goal (on wall time) is met; see docs/performance.md.

    .venv/bin/python benchmarks/startup_bench.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runinfo import print_header  # noqa: E402

GOALS = {"version": 0.12, "explain": 0.35}  # seconds over `python -c pass`


def ledger_executable() -> str:
    """The `ledger` script of the interpreter running this benchmark (the venv's)."""
    beside = Path(sys.executable).parent / "ledger"
    if beside.exists():
        return str(beside)
    found = shutil.which("ledger")
    if not found:
        sys.exit("startup_bench: no `ledger` executable (run `make .venv/bin/.installed`)")
    return found


# Caches warm includes Python's bytecode: the warm-up round writes the .pyc files of the
# ledger's modules (an environment with PYTHONDONTWRITEBYTECODE=1 would otherwise compile
# every module from source in every process, as an editable install does before its first run).
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one new process running ``argv``."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"startup_bench: {argv} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed processes per command (default 10)")
    args = parser.parse_args()
    ledger = ledger_executable()
    with tempfile.TemporaryDirectory(prefix="ledger-startup-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        demo = subprocess.run([ledger, "--db", url, "--lang", "en", "demo"], capture_output=True, text=True,
                              check=True, env=CHILD_ENV)  # English: the sentence parsed below
        match = re.search(r"The unit that lost most points under (\S+): (\S+) ", demo.stdout)
        if not match:
            sys.exit("startup_bench: `ledger demo` did not name the unit it explains")
        policy, unit = match[1].split("@")[0], match[2]  # the policy's id: its latest version
        commands = {
            "baseline": [sys.executable, "-c", "pass"],
            "version": [ledger, "--version"],
            "explain": [ledger, "--db", url, "explain", unit, "--policy", policy],
        }
        for argv in commands.values():  # warm-up: page cache, .pyc files (see CHILD_ENV)
            timed(argv)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                wall, used = timed(argv)
                times[name].append(wall)
                cpu[name].append(used)
        load = os.getloadavg()

    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    base = medians["baseline"]
    print_header()
    print("start-up benchmark")
    print(f"load average (1, 5, 15 min) at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    print(f"median of {args.runs} new processes per command, caches warm (bytecode written in a warm-up round), "
          "run round-robin:")
    for name, argv in commands.items():
        shown = " ".join(shlex.quote(a) for a in argv).replace(tmp, "$TMP")
        spread = f"(min {min(times[name]):.3f}, max {max(times[name]):.3f}; CPU {cpu_medians[name]:.3f})"
        if name == "baseline":
            print(f"  {medians[name]:.3f} s {spread}  {shown}")
            continue
        margin = medians[name] - base
        verdict = "met" if margin <= GOALS[name] else "NOT met"
        print(f"  {medians[name]:.3f} s {spread}  {shown}\n"
              f"      +{margin:.3f} s over the baseline (CPU +{cpu_medians[name] - cpu_medians['baseline']:.3f} s); "
              f"goal ≤ +{GOALS[name]:.2f} s: {verdict}")


if __name__ == "__main__":
    main()
