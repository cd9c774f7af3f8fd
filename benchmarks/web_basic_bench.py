"""HTTP Basic without a hash per request (issue #31, item 4): ``/api/explain/{unit}`` with Basic
credentials from 8 clients, on web_bench's store, in one run:

1. today's way — every request checks the password (``serve --basic-ttl 0``) of an account hashed
   at today's cost, scrypt n=2^14: the baseline;
2. the same account with the credential kept once verified (``--basic-ttl 60``, the default);
3. an account hashed at the new cost, n=2^17, kept likewise.

    .venv/bin/python benchmarks/web_basic_bench.py [--units 3000] [--per-unit 133] [--clients 8]
        [--seconds 20] [--db PATH]

Each client is a thread of this process on its own keep-alive connection to 127.0.0.1, asking the
explanations of units drawn at random from jiangxian-2021's table (the same seeded sequence in each
phase); each phase runs on a fresh ``ledger serve`` and stops by itself after --seconds (at most
120) or 100,000 requests. The issue's goal: phase 2 at least 5 × phase 1's requests/s.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import random
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
from web_bench import POLICY, free_port, pct, serve  # noqa: E402

from ledger import accounts  # noqa: E402
from ledger.app import Ledger  # noqa: E402
from ledger.projections.scoreboard import track_units  # noqa: E402

PASSWORD = "bench-api-password"
TODAY, NEW = ("bench-api-2-14", 1 << 14), ("bench-api-2-17", accounts.SCRYPT_N)
MAX_REQUESTS = 100_000


def ensure_account(ledger: Ledger, name: str, cost: int) -> None:
    known = {a.name for a in accounts.accounts(ledger) if a.active}
    if name not in known:
        accounts.SCRYPT_N = cost
        accounts.add(ledger, name, "inspector", PASSWORD)


def run_phase(path: str, members: list[tuple[str, str]], account: str, ttl: int, clients: int,
              seconds: float) -> tuple[int, float, list[float], list[str]]:
    """(requests, seconds, latencies, errors) of one phase on a fresh server."""
    port = free_port()
    server = serve(path, port, clients, "0", "--basic-ttl", str(ttl))
    auth = "Basic " + base64.b64encode(f"{account}:{PASSWORD}".encode()).decode()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        began = time.monotonic()
        stop = began + seconds

        def work(seed: int) -> None:
            local = random.Random(seed)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while time.monotonic() < stop:
                track, unit = local.choice(members)
                query = urllib.parse.urlencode({"policy": POLICY, "track": track})
                start = time.perf_counter()
                connection.request("GET", f"/api/explain/{unit}?{query}", headers={"Authorization": auth})
                response = connection.getresponse()
                response.read()
                took = time.perf_counter() - start
                with lock:
                    if response.status != 200:
                        errors.append(f"{unit}: {response.status}")
                    latencies.append(took)
                    if len(latencies) >= MAX_REQUESTS:
                        break
            connection.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    return len(latencies), elapsed, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=133)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--db", help="keep (and reuse) the store here")
    args = parser.parse_args()
    clients = max(1, min(args.clients, 32))
    seconds = max(2.0, min(args.seconds, 120.0))
    print_header()
    from score_bench import prepare

    path = args.db or os.path.join(tempfile.mkdtemp(prefix="web-basic-bench-"), "bench.db")
    ledger, head = prepare(path, args.units, args.per_unit)
    for name, cost in (TODAY, NEW):
        ensure_account(ledger, name, cost)
    policy = ledger.policy(POLICY)
    members = [(t.id, u.id) for t in policy.tracks for u in track_units(policy, t.id, ledger.view().roster().values())]
    ledger.close()
    print(f"store: {args.units} units, head revision {head}; /api/explain of {POLICY}'s {len(members)} unit "
          f"cards; {clients} clients × {seconds:.0f} s per phase")
    phases = [("1. every request hashes (today), n=2^14", TODAY[0], 0),
              ("2. verified once, then kept, n=2^14", TODAY[0], 60),
              ("3. verified once, then kept, n=2^17", NEW[0], 60)]
    rates = []
    failed = False
    for label, account, ttl in phases:
        count, elapsed, latencies, errors = run_phase(path, members, account, ttl, clients, seconds)
        rate = count / elapsed
        rates.append(rate)
        ratio = f"  ×{rate / rates[0]:.1f} of 1." if rates[0] and len(rates) > 1 else ""
        print(f"{label:42} {count:6} requests, {rate:7.1f} req/s, p50 {pct(latencies, 50):6.1f} ms, "
              f"p95 {pct(latencies, 95):6.1f} ms, errors {len(errors)}{ratio}")
        failed |= bool(errors)
        if errors:
            print("  errors:", errors[:5])
    print(f"goal: phase 2 ≥ 5 × phase 1 — {rates[1] / rates[0]:.1f} ×")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
