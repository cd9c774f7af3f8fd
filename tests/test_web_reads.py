"""Issue #31, item 1: reads never wait behind writes. Pages and the API read on store connections
no write takes, so six web writes queued behind another process's write lock (a long CLI import)
leave them free; a web write that cannot get the lock within ``write_wait`` seconds answers 503
with ``Retry-After`` and writes nothing. Both stores."""

from __future__ import annotations

import threading
import time
import warnings

import pytest
from webkit import World, make_world, page_csrf, publish_fields

from ledger.app import Ledger

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

READS = ["/", "/units/b", "/api/explain/b?policy=cli-test", "/scores/cli-test", "/events/b-c1", "/log"]


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return make_world(db_url, tmp_path, with_appeals=False)


def _in_thread(results: list, client: TestClient, method: str, path: str, data: dict | None = None) -> threading.Thread:
    def run() -> None:
        response = client.post(path, data=data) if method == "POST" else client.get(path)
        results.append((path, response.status_code, response.headers.get("retry-after"), response.text))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for(condition, what: str) -> None:
    for _ in range(600):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never came: {what}")


def _publications(ledger: Ledger) -> int:
    from ledger.workflows import publishing

    return len(publishing.publications(ledger))


@pytest.mark.slow
def test_reads_answer_while_six_web_writes_wait_on_a_held_lock(world):
    office = world.client("office", write_wait=120)
    workbench = office.app.state.workbench
    token = page_csrf(office)
    with Ledger(world.url) as ledger:
        before = _publications(ledger)
    confirmed = {m: publish_fields(office, {"policy": "cli-test", "as_of": f"2021-0{m}-28", "csrf": token})
                 for m in range(1, 7)}  # the looks first (issue #29): the confirmations are the writes
    holder = Ledger(world.url, actor="import")
    held = holder.store.write("import")
    held.__enter__()  # what a long `ledger import` holds for its whole run
    writes: list = []
    try:
        writers = [_in_thread(writes, TestClient(office.app, cookies=office.cookies, follow_redirects=False), "POST",
                              "/publications", confirmed[m])
                   for m in range(1, 7)]
        _wait_for(lambda: workbench.busy >= 6, "six writes being answered")
        reads: list = []
        reader = _in_thread(reads, office, "GET", "/")  # a deadlock guard below, not a timing
        reader.join(timeout=60)
        for path in READS[1:]:
            assert office.get(path).status_code == 200, path
        assert not reader.is_alive() and reads[0][1] == 200
        assert writes == [] and all(t.is_alive() for t in writers)  # every write still waits for the lock
    finally:
        held.__exit__(None, None, None)
        holder.close()
    for t in writers:
        t.join(timeout=120)
    assert sorted(status for _, status, _, _ in writes) == [303] * 6, writes
    with Ledger(world.url) as ledger:
        assert _publications(ledger) == before + 6


@pytest.mark.slow
def test_a_web_write_that_cannot_get_the_lock_in_time_answers_503_and_writes_nothing(world):
    office = world.client("office", write_wait=1, writers=1)
    token = page_csrf(office)
    with Ledger(world.url) as ledger:
        head = ledger.head()
    confirmed = {m: publish_fields(office, {"policy": "cli-test", "as_of": f"2021-0{m}-28", "csrf": token})
                 for m in (1, 2)}  # the looks before the lock is taken: only the confirmations write
    holder = Ledger(world.url, actor="import")
    try:
        with holder.store.write("import"):
            writes: list = []
            # one waits for the ledger's lock, the other for the one writer connection: both give up
            threads = [_in_thread(writes, TestClient(office.app, cookies=office.cookies, follow_redirects=False),
                                  "POST", "/publications", confirmed[m]) for m in (1, 2)]
            for t in threads:
                t.join(timeout=60)
            assert office.get("/").status_code == 200
    finally:
        holder.close()
    assert [(status, retry) for _, status, retry, _ in writes] == [(503, "1"), (503, "1")], writes
    assert all("另一写入占用台账写锁超过 1 秒；什么也没有写入" in text for _, _, _, text in writes)  # a Chinese page
    with Ledger(world.url) as ledger:
        assert ledger.head() == head
    # and once the lock is free, the same write goes through
    assert office.post("/publications", data=confirmed[1]).status_code == 303


def test_concurrent_first_requests_find_every_rule_kind():
    """A new server's first requests arrive together; each resolves a policy, which needs the
    registered rule kinds. A thread that came while another was importing them found none (a
    500: 'Cannot take a Union of no types'); now it waits. A fresh interpreter: the first use."""
    import subprocess
    import sys

    code = ("import threading\nfrom ledger.policies import rule_kinds\nseen = []\nbarrier = threading.Barrier(8)\n"
            "def first_use():\n    barrier.wait()\n    seen.append(len(rule_kinds.kinds()))\n"
            "threads = [threading.Thread(target=first_use) for _ in range(8)]\n"
            "[t.start() for t in threads]\n[t.join() for t in threads]\nprint(len(set(seen)), min(seen))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    distinct, fewest = run.stdout.split()
    assert run.returncode == 0 and distinct == "1" and int(fewest) > 0, run.stdout + run.stderr
