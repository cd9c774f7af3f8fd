"""Resource limits at the boundary (issue #24), measured in one run:

1. **Hostile files**: each of the issue's files, full size (benchmarks/hostile.py: a cell at
   XFD1048576, six million rows in 0.9 MB, a 2 GiB shared string, …), imported by `ledger import`
   in a child process: exit code, seconds, and the peak resident memory of the largest process
   of the import's tree (``wait4``'s ``ru_maxrss``: the reading child, or the CLI itself).
   Goal: exit 2 in ≤ 5 s with ≤ 500 MB.
2. **Bounded renders**: `ledger serve` on a demo store (127.0.0.1, a free port) and the memory
   of the server's whole process tree (summed PSS from ``/proc/PID/smaps_rollup``, every 50 ms:
   shared pages counted once, unlike summed RSS) while it makes one unit card's PDF alone, then
   while ``--requests`` users (8) ask for one each at once under ``--renders`` (2). The two peaks
   are printed side by side. Goal: the concurrent peak under 1.5 GB.

    .venv/bin/python benchmarks/limits_bench.py [--renders 2] [--requests 8] [--skip-files] [--skip-renders]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import hostile  # noqa: E402
from runinfo import print_header, run_measured  # noqa: E402
from web_bench import free_port  # noqa: E402

CLI = [sys.executable, str(HERE.parent / "cli.py")]
PASSWORD = "bench-password-1"
UNIT, POLICY = "da-zrj", "daan-2021"
GOAL_SECONDS, GOAL_RSS_MB, GOAL_TREE_GB = 5.0, 500, 1.5


def run_import(url: str, *args: str) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB of the largest process of the tree, last line of stderr)."""
    wall, _cpu, rss, code, _out, raw = run_measured([*CLI, "--db", url, "--lang", "en", "import", *args],
                                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = raw.decode("utf-8", "replace")
    return code, wall, rss, err.strip().splitlines()[-1:][0] \
        if err.strip() else ""


def hostile_files(folder: Path) -> bool:
    url = f"sqlite:///{folder / 'files.db'}"
    units = folder / "units.csv"
    units.write_text("id,name,groups,divisions\njk-fgj,发改局,jingkai-unit,\n", encoding="utf-8")
    subprocess.run([*CLI, "--db", url, "init"], check=True, capture_output=True)
    subprocess.run([*CLI, "--db", url, "units", "import", str(units)], check=True, capture_output=True)
    export = folder / "export.csv"
    export.write_text("工单编号\nT1\n", encoding="utf-8")
    cases: list[tuple[str, list[str]]] = []
    for name, make in hostile.XLSX_CASES.items():
        path = folder / f"{name}.xlsx"
        make(path)
        cases.append((f"{name} ({path.stat().st_size / 1024:,.0f} KB)", [str(path)]))
    two = hostile.workbook(folder / "two.xlsx", hostile.sheet_xml(hostile.HEADER + hostile.warning_row(2, "w1")))
    cases += [("mapping nested 50,000 deep", [str(export), "--mapping", hostile.deep_mapping(folder / "deep.yaml")]),
              ("mapping saved as GBK", [str(export), "--mapping", hostile.gbk_mapping(folder / "gbk.yaml")]),
              ("--header-row 5 of a 2-row sheet", [two, "--header-row", "5"]),
              ("GBK CSV with a UTF-8 line", [hostile.mixed_encoding_csv(folder / "mixed.csv")])]
    print(f"{'hostile file':<44}{'exit':>5}{'seconds':>9}{'peak MB':>9}  message")
    met = True
    for label, args in cases:
        code, seconds, peak, message = run_import(url, *args)
        met = met and code == 2 and seconds <= GOAL_SECONDS and peak <= GOAL_RSS_MB
        print(f"{label:<44}{code:>5}{seconds:>9.2f}{peak:>9.0f}  {message[:110]}", flush=True)
    print(f"\nevery file exit 2 in ≤ {GOAL_SECONDS:g} s with ≤ {GOAL_RSS_MB} MB: {'met' if met else 'NOT met'}\n")
    return met


# ----------------------------------------------------------------------------------- renders

def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Sampler:
    """The peak summed PSS and process count of a process tree, sampled every 50 ms."""

    def __init__(self, root: int):
        self.root, self.peak, self.processes = root, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = tree(self.root)
            self.peak = max(self.peak, sum(pss(p) for p in pids))
            self.processes = max(self.processes, len(pids))
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sign_in(base: str, name: str):  # -> httpx.Client
    import httpx

    client = httpx.Client(base_url=base, timeout=300)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
    done = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token, "next": "/"})
    assert done.status_code == 303, done.text
    return client


def renders(folder: Path, bound: int, requests: int) -> bool:
    url = f"sqlite:///{folder / 'demo.db'}"
    start = time.perf_counter()
    subprocess.run([*CLI, "--db", url, "demo"], check=True, capture_output=True)
    (folder / "pw").write_text(PASSWORD + "\n", encoding="utf-8")
    for n in range(requests):
        subprocess.run([*CLI, "--db", url, "users", "add", f"u{n}", "--role", "office", "--password-file",
                        str(folder / "pw")], check=True, capture_output=True)
    print(f"demo store with {requests} office users made in {time.perf_counter() - start:.1f} s")
    port = free_port()
    env = {**os.environ, "LEDGER_WEB_SECRET": "bench-secret", "LEDGER_WEB_WARM": "0"}
    server = subprocess.Popen([*CLI, "--db", url, "serve", "--port", str(port), "--renders", str(bound),
                               "--render-wait", "120"], env=env, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                import httpx

                httpx.get(base + "/login", timeout=2)
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        clients = [sign_in(base, f"u{n}") for n in range(requests)]
        path = f"/units/{UNIT}/download.pdf?policy={POLICY}"
        idle = sum(pss(p) for p in tree(server.pid))
        with Sampler(server.pid) as one:
            began = time.perf_counter()
            response = clients[0].get(path)
            one_seconds = time.perf_counter() - began
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[:300]
        statuses: list[int] = []

        def fetch(client) -> None:  # type: ignore[no-untyped-def]
            statuses.append(client.get(path).status_code)

        with Sampler(server.pid) as many:
            began = time.perf_counter()
            threads = [threading.Thread(target=fetch, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            many_seconds = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    mib = 2 ** 20
    print(f"\nserver process tree, summed PSS (sampled every 50 ms), {UNIT}'s explanation as PDF")
    print(f"{'':<40}{'peak MiB':>10}{'processes':>11}{'seconds':>9}")
    print(f"{'idle server':<40}{idle / mib:>10.0f}")
    print(f"{'one render':<40}{one.peak / mib:>10.0f}{one.processes:>11}{one_seconds:>9.2f}")
    label = f"{requests} at once, --renders {bound}"
    print(f"{label:<40}{many.peak / mib:>10.0f}{many.processes:>11}{many_seconds:>9.2f}")
    print(f"\nanswers: {', '.join(f'{s}×{statuses.count(s)}' for s in sorted(set(statuses)))};  "
          f"{requests} at once ÷ one render: {many.peak / one.peak:.2f}×")
    met = many.peak < GOAL_TREE_GB * 1e9 and statuses.count(200) == requests
    print(f"peak under {GOAL_TREE_GB:g} GB with every PDF made: {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--renders", type=int, default=2, help="the server's --renders")
    parser.add_argument("--requests", type=int, default=8, help="users asking for a PDF at once")
    parser.add_argument("--skip-files", action="store_true")
    parser.add_argument("--skip-renders", action="store_true")
    args = parser.parse_args()
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_files:
            hostile_files(Path(tmp))
        if not args.skip_renders:
            renders(Path(tmp), args.renders, args.requests)


if __name__ == "__main__":
    main()
