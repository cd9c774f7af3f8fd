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
    ("ledger_ids", "UPDATE ledger_ids SET version = 9 WHERE event_id = 'w2'"),
    ("ledger_ids", "DELETE FROM ledger_ids WHERE event_id = 'w3'"),
    ("ledger_ids", "UPDATE ledger_ids SET stream = 'unit:jk-fgj:2020' WHERE event_id = 'w2'"),
    ("ledger_ids", "UPDATE ledger_ids SET event_id = 'w9' WHERE event_id = 'w2'"),
    ("ledger_commits", "INSERT INTO ledger_commits VALUES (99, 8, '2000-01-01T00:00:00.000000Z', 'x', 0)"),
    ("ledger_streams", "UPDATE ledger_streams SET version = 2 WHERE stream = 'unit:jk-fgj:2021'"),
    ("ledger_head", "UPDATE ledger_head SET recorded_at = '2000-01-01T00:00:00.000000Z'"),
])
def test_altered_index_tables_are_found(db_url, tmp_path, table, statement):
    build(db_url, tmp_path)
    raw(db_url, statement)
    run = cli(db_url, "verify")
    assert run.code == 1, table


def test_threads_index_is_checked(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    events = [{"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-05-01", "id": f"t{i}", "ticket": f"T{i}",
               "due": "2021-05-08"} for i in range(3)]
    assert cli(db_url, "import", write_jsonl(tmp_path / "t.jsonl", events)).code == 0
    assert cli(db_url, "verify").code == 0
    raw(db_url, "UPDATE ledger_threads SET stream = 'unit:jk-czj:2020'")
    run = cli(db_url, "verify")
    assert run.code == 1 and "ticket/item index" in run.err


def test_an_orphan_ticket_index_entry_is_found(db_url, tmp_path):
    """An extra thread row would let follow-ups of a never-received ticket in: verify finds it."""
    setup_units(db_url, tmp_path)
    ticket = {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-05-01", "id": "t1", "ticket": "T1",
              "due": "2021-05-08"}
    assert cli(db_url, "import", write_jsonl(tmp_path / "t.jsonl", [ticket])).code == 0
    raw(db_url, "INSERT INTO ledger_threads (thread, stream) VALUES (?, ?)",
        ("jk-czj\x1fticket\x1fGHOST", "unit:jk-czj:2021"))
    run = cli(db_url, "verify")
    assert run.code == 1 and "no record in the log opens" in run.err


def test_verify_against_an_anchor_kept_outside_the_ledger(db_url, tmp_path):
    build(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        anchor = f"6:{ledger.store.hash_at(6)}"
    assert cli(db_url, "verify", "--expect", anchor).code == 0
    # Someone rewrites the end of history and re-seals it consistently: the chain verifies,
    # but the anchor (e.g. printed in a published bulletin) no longer matches.
    with Ledger(db_url) as ledger:
        forged = f"6:{'0' * 64}"
    run = cli(db_url, "verify", "--expect", forged)
    assert run.code == 1 and "does not match" in run.err
    bad = cli(db_url, "verify", "--expect", "six")
    assert bad.code == 2 and "--expect" in bad.err


def test_rolled_back_writes_leave_positions_findable(db_url, tmp_path):
    """A dry run (rolled back) burns PostgreSQL sequence numbers; revisions stay gap-free and
    each revision's record is still found directly (hash_at) and verified."""
    setup_units(db_url, tmp_path)
    events = [{"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "id": f"w{i}",
               "issuer_level": "district"} for i in range(300)]
    path = write_jsonl(tmp_path / "e.jsonl", events)
    assert cli(db_url, "import", path, "--dry-run").code == 0
    assert cli(db_url, "import", path).code == 0
    with Ledger(db_url) as ledger:
        revision, digest = ledger.head()
        assert revision == 302 and ledger.store.hash_at(revision) == digest
        assert ledger.store.hash_at(150) == next(
            row for row in ledger.store.scan() if b'"revision":150,' in row.state).state[-66:-2].decode()
    assert cli(db_url, "verify").code == 0


def test_an_altered_head_names_no_record_when_every_record_is_intact(db_url, tmp_path):
    head = build(db_url, tmp_path)
    raw(db_url, "UPDATE ledger_head SET hash = '" + "f" * 64 + "'")
    run = cli(db_url, "verify")
    assert run.code == 1 and "head altered" in run.err
    assert "first bad revision" not in run.out and f"all {head} records intact" in run.out
