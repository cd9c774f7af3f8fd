"""Two processes importing into one store at once: nothing lost, duplicated or interleaved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # processes racing for the lock, and a lock time-out: seconds each


def tickets(prefix: str, start: int, stop: int, unit: str) -> list[dict]:
    return [{"type": "hotline_ticket", "unit": unit, "date": "2021-05-01", "id": f"{prefix}{i}",
             "ticket": f"{prefix}{i}", "due": "2021-05-06"} for i in range(start, stop)]


def test_two_concurrent_imports(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    # Overlapping files: ids s3000-s3999 appear in both; each file also has its own events.
    a = write_jsonl(tmp_path / "a.jsonl", tickets("s", 0, 4000, "jk-czj") + tickets("a", 0, 3000, "jk-fgj"))
    b = write_jsonl(tmp_path / "b.jsonl", tickets("s", 3000, 6000, "jk-czj") + tickets("b", 0, 3000, "jk-fgj"))
    procs = [subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "--db", db_url, "--actor", name,
                               "import", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, path in (("proc-a", a), ("proc-b", b))]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    new = sum(int(out.split("imported: ")[1].split(" new")[0]) for out, _ in outs)
    assert new == 6000 + 3000 + 3000  # the 1000 shared ids were written once
    with Ledger(db_url) as ledger:
        revision, _ = ledger.head()
        assert revision == 2 + new
        ids = [r.id for s in ("unit:jk-czj:2021", "unit:jk-fgj:2021") for r in ledger.store.read_stream(s)]
        assert len(ids) == len(set(ids)) == new
        # Each process's events form one contiguous block of revisions (no interleaving).
        commits = ledger.store.commits()
        blocks = [(c["first_revision"], c["last_revision"], c["actor"]) for c in commits[1:]]
        assert blocks[0][1] + 1 == blocks[1][0] and blocks[1][1] == revision
        assert {blocks[0][2], blocks[1][2]} == {"proc-a", "proc-b"}
    assert cli(db_url, "verify").code == 0


def test_verify_while_importing_sees_one_snapshot(db_url, tmp_path):
    """verify reads one snapshot: imports committing meanwhile raise no false alarm."""
    setup_units(db_url, tmp_path)
    files = [write_jsonl(tmp_path / f"v{n}.jsonl", tickets(f"v{n}-", 0, 1500, "jk-czj")) for n in range(4)]
    script = " && ".join(f'"{sys.executable}" "{ROOT / "cli.py"}" --db "{db_url}" import "{f}"' for f in files)
    writer = subprocess.Popen(script, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = []
    while writer.poll() is None:
        results.append(cli(db_url, "verify"))
    writer.communicate(timeout=300)
    assert writer.returncode == 0
    assert results and all(r.code == 0 for r in results), [r.err for r in results if r.code]
    assert cli(db_url, "verify").code == 0


def test_a_write_waiting_longer_than_the_lock_timeout_gives_up_with_exit_3(db_url, tmp_path):
    """Both stores: while another write holds the ledger's lock, a second one waits up to
    LEDGER_LOCK_TIMEOUT seconds (default 300), then exits 3 and writes nothing."""
    import os
    import time

    setup_units(db_url, tmp_path)
    env = {**os.environ, "LEDGER_LOCK_TIMEOUT": "1"}
    record = [sys.executable, str(ROOT / "cli.py"), "--db", db_url, "record", "warning", "--unit", "jk-fgj",
              "--date", "2021-03-01", "--set", "issuer_level=city"]
    with Ledger(db_url) as holder:
        with holder.store.write("holder"):  # the lock, held
            started = time.monotonic()
            run = subprocess.run(record, env=env, capture_output=True, text=True, timeout=120)
            waited = time.monotonic() - started
        assert run.returncode == 3 and "held the ledger's lock longer than 1 s" in run.stderr, run.stderr
        assert "nothing was written" in run.stderr and "Traceback" not in run.stderr
        assert waited < 60
        assert holder.head()[0] == 2
    ok = subprocess.run(record, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(record, env={**os.environ, "LEDGER_LOCK_TIMEOUT": "soon"}, capture_output=True, text=True)
    assert bad.returncode == 2 and "field 'LEDGER_LOCK_TIMEOUT': expected whole seconds" in bad.stderr
