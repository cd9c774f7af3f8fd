"""The web workbench under a bounded loopback load: `ledger serve` on a free 127.0.0.1 port,
N clients with session cookies requesting unit cards (and a few score tables) for a fixed time;
latency percentiles printed beside the same calls made in-process in the same run.

    .venv/bin/python benchmarks/web_bench.py [--units 3000] [--per-unit 133] [--clients 8] [--seconds 60] [--db PATH]

(3,000 units × 133 events ≈ 400k events: the issue's figure.) Every request goes to the loopback
address only; the load stops by itself after --seconds (at most 300) or 200,000 requests. The
clients are threads of this process (which does nothing else meanwhile), each on a keep-alive
``http.client`` connection; the tables are asked after the load, then of fresh servers (nothing
kept): without the warm-up (``LEDGER_WEB_WARM=0``, as the load's server), each table on its own
new server; and with it, asked at once after signing in and after the warm-up had time to finish.

Two tables: jiangxian-2021 (the largest bundled one: 2,200 cards) and ``bench-all-2021.yaml``
(beside this script, loaded into the store once with ``ledger policy load``: jiangxian-2021's
annexes over every group of the synthetic store, 3,700 cards for all 3,000 units — the issue's
"score table for 3,000 units").
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from runinfo import print_header  # noqa: E402
from score_bench import prepare  # noqa: E402

from ledger import accounts  # noqa: E402
from ledger.projections.scoreboard import track_units  # noqa: E402
from ledger.reports import explain as explain_report  # noqa: E402

POLICY = "jiangxian-2021"
"""The bundled policy whose table holds the most unit cards on the synthetic store (2,200 of the
3,000 units in five tracks; the hotline track's 1,000 units hold most of the events). No bundled
policy scores all 3,000 units: each scores its own groups."""
ALL_UNITS = HERE / "bench-all-2021.yaml"
"""A benchmark policy whose tracks cover every synthetic unit (see the file's comment)."""
PASSWORD = "bench-password-1"
MAX_REQUESTS = 200_000
SESSION = "ledger_session"


def serve(path: str, port: int, workers: int, warm: str = "0", *options: str) -> subprocess.Popen[bytes]:
    """``ledger serve`` on 127.0.0.1:port, once it accepts connections; ``path``: a SQLite file
    or a store URL; ``warm``: its ``LEDGER_WEB_WARM`` (``0``: no warm-up); ``options``: more of
    serve's options."""
    env = {**os.environ, "LEDGER_WEB_SECRET": "bench-secret", "LEDGER_WEB_WARM": warm}
    url = path if "://" in path else f"sqlite:///{path}"
    server = subprocess.Popen([sys.executable, str(HERE.parent / "cli.py"), "--db", url, "serve",
                               "--port", str(port), "--workers", str(workers), *options], env=env)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return server


def card_path(track: str, unit: str) -> str:
    return f"/units/{unit}?" + urllib.parse.urlencode({"policy": POLICY, "track": track})


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed_in_client(base: str, name: str = "bench"):  # -> httpx.Client
    import re

    import httpx

    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
    done = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token, "next": "/"})
    assert done.status_code == 303, done.text
    return client


class Lean:
    """One client of the load: a keep-alive ``http.client`` connection with a signed-in
    session's cookie (httpx costs several times its CPU per request, and the load generator
    shares the 2 cores with the server)."""

    def __init__(self, port: int, cookie: str):
        import http.client

        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Cookie": cookie}

    def get(self, path: str) -> tuple[int, int]:
        """(status, body length), the body read whole."""
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, len(response.read())

    def close(self) -> None:
        self.connection.close()


def first_table(path: str, ref: str, warm: str = "0", wait: float = 0.0) -> float:
    """Seconds of the first request of ``ref``'s table at the head on a new server (signed in
    first; ``wait`` seconds after signing in)."""
    port = free_port()
    server = serve(path, port, 1, warm)
    try:
        client = signed_in_client(f"http://127.0.0.1:{port}")
        time.sleep(wait)
        began = time.perf_counter()
        response = client.get(f"/scores/{ref}")
        took = time.perf_counter() - began
        client.close()
        if response.status_code != 200:
            raise SystemExit(f"{ref} table on a new server: {response.status_code}")
        return took
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=133)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--tables", type=int, default=5, help="score tables fetched (3,000 units each)")
    parser.add_argument("--db", help="keep (and reuse) the store here")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 32))
    args.seconds = max(1.0, min(args.seconds, 300.0))
    print_header()

    folder = tempfile.mkdtemp(prefix="web-bench-")
    path = args.db or os.path.join(folder, "bench.db")
    ledger, head = prepare(path, args.units, args.per_unit)
    if "bench" not in {a.name for a in accounts.accounts(ledger)}:
        accounts.add(ledger, "bench", "inspector", PASSWORD)
    everyone, _new = ledger.load_policy(str(ALL_UNITS))  # a no-op once loaded
    policy = ledger.policy(POLICY)
    members = [(t.id, u.id) for t in policy.tracks
               for u in track_units(policy, t.id, ledger.view().roster().values())]
    head = ledger.head()[0]
    all_policy = ledger.policy(everyone)
    all_cards = sum(len(track_units(all_policy, t.id, ledger.view().roster().values())) for t in all_policy.tracks)
    rng = random.Random(11)
    sample = [rng.choice(members) for _ in range(50)]

    # In-process: the same library calls the card and the table make (no cache: each computed).
    card_times = []
    for track, unit in sample:
        start = time.perf_counter()
        board = ledger.scoreboard(policy, focus=unit, tracks=[track])
        explain_report.Explanation(board, board.card(unit, track))
        card_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    ledger.scoreboard(policy)
    table_in_process = time.perf_counter() - start
    start = time.perf_counter()
    all_board = ledger.scoreboard(all_policy)
    all_in_process = time.perf_counter() - start
    all_units = len({c.unit for c in all_board.all_cards()})
    earlier = head - 100
    ledger.close()

    port = free_port()
    server = serve(path, port, min(args.clients, 8))
    base = f"http://127.0.0.1:{port}"
    try:
        signed = [signed_in_client(base) for _ in range(args.clients)]
        clients = [Lean(port, f"{SESSION}={c.cookies[SESSION]}") for c in signed]
        first = time.perf_counter()
        status, _ = clients[0].get(card_path(*sample[0]))
        first_card = time.perf_counter() - first  # the server has served one request
        if status != 200:
            raise SystemExit(f"first card: {status}")
        latencies: list[float] = []
        seen: list[tuple[str, str]] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def work(client: Lean, seed: int) -> None:
            local = random.Random(seed)
            while time.monotonic() < stop:
                track, unit = local.choice(members)
                began = time.perf_counter()
                status, _ = client.get(card_path(track, unit))
                took = time.perf_counter() - began
                with lock:
                    if status != 200:
                        errors.append(f"{unit}: {status}")
                    latencies.append(took)
                    seen.append((track, unit))
                    if len(latencies) >= MAX_REQUESTS:
                        return

        threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        distinct = len(set(seen))

        def timed_table(path: str, label: str) -> float:
            """Seconds one table request took; a status other than 200 is an error."""
            began = time.perf_counter()
            status, _ = clients[0].get(path)
            took = time.perf_counter() - began
            if status != 200:
                errors.append(f"{label}: {status}")
            return took

        table_times = [timed_table(f"/scores/{POLICY}", "table") for _ in range(args.tables)]
        # the first request at a known-at no request asked for before (nothing of it is kept)
        table_earlier = timed_table(f"/scores/{POLICY}?known_at={earlier}", f"table at {earlier}")
        all_times = [timed_table(f"/scores/{everyone}", f"{everyone} table") for _ in range(args.tables)]
        for c in clients:
            c.close()
        for h in signed:
            h.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    # Fresh servers (nothing kept): the first request of a table at the head, each on its own
    # new server without the warm-up; then with it (warming both tables), asked at once after
    # signing in, and after a wait long enough for the warm-up to finish.
    fresh = {ref: first_table(path, ref) for ref in (POLICY, everyone)}
    both = f"{POLICY},{everyone}"
    at_once = first_table(path, POLICY, both)
    wait = max(5.0, 3 * (table_in_process + all_in_process))
    warmed = {ref: first_table(path, ref, both, wait) for ref in (POLICY, everyone)}

    print(f"store: {args.units} units, head revision {head}; policy {policy.ref}, {len(members)} unit cards")
    print(f"unit card, in-process (scoreboard focus + explanation): p50 {pct(card_times, 50):.1f} ms, "
          f"p95 {pct(card_times, 95):.1f} ms")
    print(f"unit card over HTTP, {args.clients} clients × {args.seconds:.0f} s: {len(latencies)} requests, "
          f"p50 {pct(latencies, 50):.1f} ms, p95 {pct(latencies, 95):.1f} ms, "
          f"{len(latencies) / args.seconds:.1f} req/s, errors {len(errors)}")
    print(f"  first card request {first_card * 1000:.0f} ms; {distinct} distinct (track, unit) cards asked "
          f"(each computed on its first request, then served from the cache)")
    print(f"score table ({len(members)} unit cards), in-process {table_in_process:.2f} s, over HTTP: first "
          f"{table_times[0]:.2f} s, then median {statistics.median(table_times[1:] or table_times):.2f} s "
          f"({len(table_times)} requests)")
    print(f"  first at a new known-at ({earlier}, after the head's) {table_earlier:.2f} s")
    print(f"score table of all {all_units} units ({everyone}, {all_cards} unit cards), in-process "
          f"{all_in_process:.2f} s, over HTTP: first {all_times[0]:.2f} s, then median "
          f"{statistics.median(all_times[1:] or all_times):.2f} s ({len(all_times)} requests)")
    print(f"first table on a fresh server, no warm-up (nothing kept; LEDGER_WEB_WARM=0): {POLICY} "
          f"{fresh[POLICY]:.2f} s, {everyone} {fresh[everyone]:.2f} s (each on its own new server)")
    print(f"  with the warm-up (LEDGER_WEB_WARM={both}): {POLICY} asked at once after signing in "
          f"{at_once:.2f} s; after waiting {wait:.0f} s: {POLICY} {warmed[POLICY]:.2f} s, "
          f"{everyone} {warmed[everyone]:.2f} s")
    if errors:
        print("errors:", errors[:10])
        sys.exit(1)


if __name__ == "__main__":
    main()
