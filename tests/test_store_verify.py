"""Tamper evidence: `ledger verify` finds altered, removed and reordered records."""

from __future__ import annotations

import re

import pytest

from helpers import cli, setup_units, write_jsonl
from ledger.app import Ledger


def build(url, tmp_path):
    setup_units(url, tmp_path)
    events = [{"type": "warning", "unit": "jk-fgj", "date": f"2021-03-{d:02d}", "id": f"w{d}",
               "issuer_level": "district"} for d in range(1, 7)]
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    return 8


def raw(url, statement, params=()):
    with Ledger(url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=True) as c:
            c.execute(b.sql(statement), params)
            try:
                return c.fetchall()
            except Exception:  # noqa: BLE001 - statements without rows
                return None


def notification_column(url):
    return "rowid" if url.startswith("sqlite") else "notification_id"


def test_intact_ledger_prints_head(db_url, tmp_path):
    head = build(db_url, tmp_path)
    run = cli(db_url, "verify")
    assert run.code == 0
    match = re.search(r"head revision (\d+) ([0-9a-f]{64})", run.out)
    with Ledger(db_url) as ledger:
        assert match and int(match.group(1)) == head == ledger.head()[0]
        assert match.group(2) == ledger.head()[1]


def test_altered_record_is_named(db_url, tmp_path):
    build(db_url, tmp_path)
    # Rewrite revision 5's issuer level in the stored bytes, as a DBA with write access could.
    rows = raw(db_url, "SELECT originator_id, originator_version, state FROM ledger_events")
    target = next(r for r in rows if b'"revision":5,' in bytes(r["state"]))
    forged = bytes(target["state"]).replace(b'"district"', b'"county"')
    raw(db_url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (forged, target["originator_id"], target["originator_version"]))
    run = cli(db_url, "verify")
    assert run.code == 1
    assert "first bad revision: 5" in run.out and "do not match their hash" in run.err


def test_removed_record_is_named(db_url, tmp_path):
    build(db_url, tmp_path)
    rows = raw(db_url, "SELECT originator_id, originator_version, state FROM ledger_events")
    target = next(r for r in rows if b'"revision":4,' in bytes(r["state"]))
    raw(db_url, "DELETE FROM ledger_events WHERE originator_id = ? AND originator_version = ?",
        (target["originator_id"], target["originator_version"]))
    run = cli(db_url, "verify")
    assert run.code == 1 and "first bad revision: 4" in run.out and "missing" in run.err


def test_removed_last_record_is_named(db_url, tmp_path):
    head = build(db_url, tmp_path)
    rows = raw(db_url, "SELECT originator_id, originator_version, state FROM ledger_events")
    target = next(r for r in rows if f'"revision":{head},'.encode() in bytes(r["state"]))
    raw(db_url, "DELETE FROM ledger_events WHERE originator_id = ? AND originator_version = ?",
        (target["originator_id"], target["originator_version"]))
    run = cli(db_url, "verify")
    assert run.code == 1 and f"first bad revision: {head}" in run.out


def test_reordered_records_are_named(db_url, tmp_path):
    build(db_url, tmp_path)
    rows = raw(db_url, "SELECT originator_id, originator_version, state FROM ledger_events")
    r5 = next(r for r in rows if b'"revision":5,' in bytes(r["state"]))
    r6 = next(r for r in rows if b'"revision":6,' in bytes(r["state"]))
    # Swap the two records' contents (and positions in the stream).
    for a, b in ((r5, r6), (r6, r5)):
        raw(db_url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(b["state"]), a["originator_id"], a["originator_version"]))
    run = cli(db_url, "verify")
    assert run.code == 1 and "first bad revision: 5" in run.out and "out of order" in run.err


@pytest.mark.parametrize("table, statement", [
    ("ledger_commits", "UPDATE ledger_commits SET recorded_at = '2020-01-01T00:00:00.000000Z'"),
    ("ledger_head", "UPDATE ledger_head SET revision = 3"),
    ("ledger_ids", "UPDATE ledger_ids SET digest = 'forged' WHERE revision = 4"),
    ("ledger_ids", "DELETE FROM ledger_ids WHERE revision = 5"),
])
def test_altered_index_tables_are_found(db_url, tmp_path, table, statement):
    build(db_url, tmp_path)
    raw(db_url, statement)
    run = cli(db_url, "verify")
    assert run.code == 1, table
