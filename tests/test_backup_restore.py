"""Issue #31, item 5: scripts/backup.sh and scripts/restore.sh as docs/deployment.md runs them —
a backup taken, restored into a new store and checked with `ledger verify` (both stores); a
restore never overwrites a store, and one that does not verify exits 1."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import PG_SCHEMA, _pg_admin
from test_cli_scoring import setup

from ledger.app import Ledger

ROOT = Path(__file__).resolve().parent.parent
LEDGER = f"{sys.executable} {ROOT / 'cli.py'}"


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGER": LEDGER, "LEDGER_LANG": "en"}
    return subprocess.run(["bash", str(ROOT / "scripts" / name), *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture
def new_store(db_url, tmp_path):
    """Makes new, empty store URLs of the same kind as ``db_url`` to restore into."""
    made: list[str] = []

    def make() -> str:
        name = "ledger_r_" + uuid.uuid4().hex[:12]
        if db_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path}/{name}.db"
        url, admin = _pg_admin()
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return url.set(database=name, query={"schema": PG_SCHEMA} if PG_SCHEMA else {}).render_as_string(
            hide_password=False)

    yield make
    if made:
        _, admin = _pg_admin()
        with admin:
            for name in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_a_backup_restores_and_verifies(db_url, new_store, tmp_path):
    for tool in ("sqlite3", "pg_dump", "pg_restore", "psql"):
        assert shutil.which(tool), f"{tool} is needed by scripts/backup.sh and restore.sh"
    setup(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        head = ledger.head()
    backup = tmp_path / "ledger.backup"
    made = script("backup.sh", db_url, str(backup))
    assert made.returncode == 0 and backup.stat().st_size > 0, made.stderr
    assert script("backup.sh", db_url, str(backup)).returncode == 2  # never overwritten

    target = new_store()
    restored = script("restore.sh", str(backup), target, "--expect", f"{head[0]}:{head[1]}")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "verified" in restored.stdout and head[1] in restored.stdout
    with Ledger(target) as ledger:
        assert ledger.head() == head
        assert ledger.policy("cli-test").ref == "cli-test@1"
    again = script("restore.sh", str(backup), target)
    assert again.returncode == 2 and "restore" in again.stderr  # a restore never overwrites a store
    # an anchor kept outside the ledger that the backup does not match: restored, but refused
    refused = script("restore.sh", str(backup), new_store(), "--expect", f"{head[0]}:{'0' * 64}")
    assert refused.returncode == 1 and "do not serve it" in refused.stderr, refused.stdout + refused.stderr


@pytest.mark.slow
def test_a_tampered_backup_restores_but_fails_verify(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    setup(url, tmp_path)
    backup = tmp_path / "ledger.backup"
    assert script("backup.sh", url, str(backup)).returncode == 0
    with sqlite3.connect(backup) as db:  # someone altered a record in the backup
        db.execute("UPDATE ledger_events SET state = replace(state, '\"2021-', '\"2020-') WHERE rowid = 5")
    db.close()
    restored = script("restore.sh", str(backup), f"sqlite:///{tmp_path}/restored.db")
    assert restored.returncode == 1 and "do not serve it" in restored.stderr
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"not a database at all" * 100)
    bad = script("restore.sh", str(garbage), f"sqlite:///{tmp_path}/other.db")
    assert bad.returncode == 2 and not (tmp_path / "other.db").exists()
