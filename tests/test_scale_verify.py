"""Issue #32: verify on the machine's cores, and verify since a checkpoint.

* On several cores (forced here with LEDGER_VERIFY_WORKERS=2 on a small log: ranges of 16
  records), an intact log gives exactly the sequential result — head, chain hash, tree head and
  the tree heads at the checkpoints' sizes — without the sequential pass; every tampering the
  sequential pass names is found by the ranges or their join, and then named exactly as before.
* `verify --since F` re-hashes the records after F's size only, proves the log extends F, and
  fails on what it checks; what it leaves to the full check (`--checkpoint F`) is shown too.
"""

from __future__ import annotations

import json

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger
from ledger.events import codec
from ledger.store import verify as verify_module


def tickets(prefix: str, n: int, unit: str) -> list[dict]:
    out = []
    for i in range(n):
        tid = f"{prefix}{i}"
        out.append({"type": "hotline_ticket", "unit": unit, "date": f"2021-03-{i % 28 + 1:02d}", "id": tid,
                    "ticket": tid, "due": "2021-04-30"})
        out.append({"type": "warning", "unit": unit, "date": f"2021-04-{i % 28 + 1:02d}", "id": tid + "-w",
                    "issuer_level": "district"})
    return out


def build(url, tmp_path, writes=(11, 30, 7, 19)):
    """Writes of 22, 60, 14 and 38 records (tickets and warnings in two units' streams) after the
    roster's 2: 136 records, commits that cut across the 16-record ranges."""
    setup_units(url, tmp_path)
    for i, n in enumerate(writes):
        file = write_jsonl(tmp_path / f"w{i}.jsonl", tickets(f"w{i}-", n, ("jk-fgj", "jk-czj")[i % 2]))
        assert cli(url, "import", file).code == 0


def raw(url, statement, params=()):
    with Ledger(url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=True) as c:
            c.execute(b.sql(statement), params)


def both(url, monkeypatch, sizes=()):
    """(sequential result, result on 2 workers, whether the sequential pass ran in the second)."""
    ran = []
    sequential = verify_module._verify

    def counted(*args, **kwargs):
        ran.append(1)
        return sequential(*args, **kwargs)

    with Ledger(url) as ledger:
        monkeypatch.setenv("LEDGER_VERIFY_WORKERS", "1")
        one = verify_module.verify(ledger.store, None, sizes)
        monkeypatch.setenv("LEDGER_VERIFY_WORKERS", "2")
        monkeypatch.setattr(verify_module, "_verify", counted)
        two = verify_module.verify(ledger.store, None, sizes)
        monkeypatch.setattr(verify_module, "_verify", sequential)
    return one, two, bool(ran)


@pytest.mark.slow  # worker processes
def test_an_intact_log_verifies_the_same_on_two_workers(db_url, tmp_path, monkeypatch):
    build(db_url, tmp_path)
    one, two, fell_back = both(db_url, monkeypatch, sizes={0, 1, 16, 17, 40, 100, 136})
    assert one.ok and one.records == 136 and not fell_back
    assert (two.ok, two.revision, two.hash, two.records, two.tree) == (one.ok, one.revision, one.hash, one.records,
                                                                      one.tree)
    assert two.at == one.at and sorted(two.at) == [0, 1, 16, 17, 40, 100, 136]


def _rows(url):
    with Ledger(url) as ledger:
        return list(ledger.store.scan())


def _alter(url, row, old: bytes, new: bytes):
    raw(url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (bytes(row.state).replace(old, new, 1), row.originator_id, row.originator_version))


TAMPERINGS = {
    # a record in the third range altered
    "record altered": lambda url, rows, nid: _alter(url, rows[40], b'"2021-', b'"2020-'),
    # the first record of a range removed (revision 33)
    "range's first record removed": lambda url, rows, nid: raw(
        url, f"DELETE FROM ledger_events WHERE {nid} = ?", (rows[32].id,)),
    # a copy of the last record stored after it
    "record added after the head": lambda url, rows, nid: raw(
        url, "INSERT INTO ledger_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (rows[-1].originator_id, rows[-1].originator_version + 1, rows[-1].topic, bytes(rows[-1].state))),
    "stream index count": lambda url, rows, nid: raw(
        url, "UPDATE ledger_streams SET version = version - 1 WHERE stream = 'unit:jk-czj:2021'"),
    "stored node": lambda url, rows, nid: raw(
        url, "UPDATE ledger_merkle SET hash = ? WHERE level = 4 AND idx = 3", (b"\x00" * 32,)),
    "node above the ranges": lambda url, rows, nid: raw(
        url, "UPDATE ledger_merkle SET hash = ? WHERE level = 6 AND idx = 1", (b"\x00" * 32,)),
    # the 60-record write (revisions 25–84) cuts across four ranges
    "commit actor": lambda url, rows, nid: raw(
        url, "UPDATE ledger_commits SET actor = 'mallory' WHERE first_revision = 25"),
    "thread index repointed": lambda url, rows, nid: raw(
        url, "UPDATE ledger_threads SET stream = 'unit:jk-czj:2021' WHERE thread LIKE ?", ("%w2-3",)),
    "thread index entry added": lambda url, rows, nid: raw(
        url, "INSERT INTO ledger_threads (thread, stream) VALUES ('jk-fgj\x1fticket\x1fnone', 'unit:jk-fgj:2021')"),
    "id index entry added": lambda url, rows, nid: raw(
        url, "INSERT INTO ledger_ids (event_id, stream, version) VALUES ('ghost', 'unit:jk-fgj:2021', 999)"),
    "head altered": lambda url, rows, nid: raw(url, "UPDATE ledger_head SET hash = ?", ("ab" * 32,)),
    "digest entry removed": lambda url, rows, nid: raw(
        url, "DELETE FROM ledger_digests WHERE nid = (SELECT MIN(nid) FROM ledger_digests WHERE nid > 60)"),
}


@pytest.mark.slow  # worker processes, once per tampering
@pytest.mark.parametrize("what", list(TAMPERINGS))
def test_every_tampering_is_found_on_two_workers_and_named_as_before(db_url, tmp_path, monkeypatch, what):
    build(db_url, tmp_path)
    nid = "rowid" if db_url.startswith("sqlite") else "notification_id"
    TAMPERINGS[what](db_url, _rows(db_url), nid)
    one, two, fell_back = both(db_url, monkeypatch)
    assert not one.ok and one.problem, what
    assert fell_back, what  # the ranges or their join found it, and the sequential pass named it
    assert (two.ok, two.problem, two.bad_revision, two.revision, two.records) == \
        (one.ok, one.problem, one.bad_revision, one.revision, one.records)


# ---------------------------------------------------------------- verify --since


@pytest.fixture
def since(db_url, tmp_path):
    """136 records, a checkpoint of them, then 24 more (two writes): (url, checkpoint file)."""
    build(db_url, tmp_path)
    cp = tmp_path / "cp.txt"
    assert cli(db_url, "checkpoint", "--output", str(cp)).code == 0
    for i, n in enumerate((5, 7)):
        file = write_jsonl(tmp_path / f"m{i}.jsonl", tickets(f"m{i}-", n, ("jk-czj", "jk-fgj")[i]))
        assert cli(db_url, "import", file).code == 0
    return db_url, str(cp)


def test_since_rehashes_only_what_was_appended_and_proves_the_extension(since, monkeypatch):
    url, cp = since
    hashed = []
    chain_hash = codec.chain_hash
    monkeypatch.setattr(codec, "chain_hash", lambda *a: hashed.append(a[1:3]) or chain_hash(*a))
    run = cli(url, "--lang", "en", "verify", "--since", cp)
    assert run.code == 0, run.err
    assert "the log extends checkpoint" in run.out and "the 24 record(s) appended since re-hashed" in run.out
    assert "head revision 160" in run.out
    assert len(hashed) == 24  # one chain hash per appended record, none for the 136 before
    with Ledger(url) as ledger:
        full = ledger.verify()
    assert f"merkle: size 160 root {full.tree.root}; stream heads root {full.tree.heads_root}" in run.out


def test_since_fails_on_what_it_checks(since, tmp_path):
    url, cp = since
    rows = _rows(url)
    _alter(url, rows[150], b'"2021-', b'"2020-')  # revision 151: after the checkpoint
    run = cli(url, "verify", "--since", cp)
    assert run.code == 1 and "revision 151: stored bytes do not match" in run.err
    assert "first bad revision: 151" in run.out


@pytest.mark.parametrize("what, statement, message", [
    ("an untouched stream's head", "UPDATE ledger_streams SET version = version + 1 WHERE stream = 'ledger:units'",
     "stream heads"),
    ("the tree before the checkpoint", "UPDATE ledger_merkle SET hash = ? WHERE level = 7 AND idx = 0",
     "does not give the checkpoint's root"),
    ("a node after it", "UPDATE ledger_merkle SET hash = ? WHERE level = 4 AND idx = 9", "Merkle tree's stored node"),
    ("the head's root", "UPDATE ledger_head SET tree_root = ?", "Merkle root"),
    ("an appended record's id", "DELETE FROM ledger_ids WHERE event_id = 'm1-3'", "id index"),
    ("an appended record's digest", "DELETE FROM ledger_digests WHERE nid = (SELECT MAX(nid) FROM ledger_digests)",
     "digest index"),
    ("a digest no record makes", "INSERT INTO ledger_digests (digest, nid) VALUES (7, 99999)", "digest index"),
])
def test_since_finds_altered_tables(since, what, statement, message):
    url, cp = since
    raw(url, statement, (b"\x00" * 32,) if "?" in statement and "merkle" in statement else
        ("ab" * 32,) if "?" in statement else ())
    run = cli(url, "verify", "--since", cp)
    assert run.code == 1 and message in run.err, (what, run.err)


def test_since_leaves_the_records_before_the_checkpoint_to_the_full_check(since):
    """A record before the checkpoint altered (its stored tree left as it was): --since does not
    read it again — what it trusts, and says so — while --checkpoint F, the full check, finds it."""
    url, cp = since
    _alter(url, _rows(url)[20], b'"2021-', b'"2020-')
    assert cli(url, "verify", "--since", cp).code == 0
    run = cli(url, "verify", "--checkpoint", cp)
    assert run.code == 1 and "revision 21: stored bytes do not match" in run.err


def test_since_refuses_a_checkpoint_of_another_history(since, tmp_path):
    url, cp = since
    text = open(cp, encoding="utf-8").read()
    with Ledger(url) as ledger:
        other = ledger.store.hash_at(100)
    lines = text.splitlines()
    forged = tmp_path / "forged.txt"
    forged.write_text("\n".join(f"chain {other}" if ln.startswith("chain ") else ln for ln in lines) + "\n",
                      encoding="utf-8")
    run = cli(url, "verify", "--since", str(forged))
    assert run.code == 1 and "does not carry the checkpoint's chain hash" in run.err
    bigger = tmp_path / "bigger.txt"
    bigger.write_text("\n".join("999" if i == 1 else ln for i, ln in enumerate(lines)) + "\n", encoding="utf-8")
    run = cli(url, "verify", "--since", str(bigger))
    assert run.code == 1 and "the checkpoint is of 999 records but the log has 160" in run.err


def test_since_takes_no_full_check_options_and_a_key_requires_a_signature(since, tmp_path):
    url, cp = since
    run = cli(url, "verify", "--since", cp, "--checkpoint", cp)
    assert run.code == 2 and "--since" in run.err
    run = cli(url, "verify", "--since", str(tmp_path / "missing.txt"))
    assert run.code == 2
    (tmp_path / "k").mkdir()
    key_env = {"LEDGER_KEY": str(tmp_path / "k" / "ledger-key.pem")}
    import os

    old = {k: os.environ.get(k) for k in key_env}
    os.environ.update(key_env)
    try:
        assert cli(url, "keys", "init").code == 0
        run = cli(url, "verify", "--since", cp, "--key", str(tmp_path / "k" / "ledger-key.pub"))
        assert run.code == 1 and "TAMPERED" not in run.out
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_the_json_of_a_checkpoint_written_before_notes_works_too(since, tmp_path):
    url, cp = since
    from ledger import checkpoints

    note = checkpoints.Checkpoint.read(cp)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"checkpoint": checkpoints.FORMAT, "size": note.size, "root": note.root,
                               "stream_heads_root": note.stream_heads_root, "streams": note.streams,
                               "chain_hash": note.chain_hash, "time": note.time, "key_id": None,
                               "signature": None}), encoding="utf-8")
    assert cli(url, "verify", "--since", str(old)).code == 0


def test_since_finds_a_stream_that_goes_on_from_nothing(since):
    """jk-fgj's stream holds 22 + 14 records at the checkpoint (its last at revision 96, under the
    stored tree); its first after it (revision 147) is its version 37: with version 36 moved
    away, it goes on from a record the log does not have."""
    url, cp = since
    raw(url, "UPDATE ledger_events SET originator_version = 9999 WHERE originator_id = 'unit:jk-fgj:2021' "
             "AND originator_version = 36")
    run = cli(url, "verify", "--since", cp)
    assert run.code == 1 and "stream unit:jk-fgj:2021 goes on at version 37" in run.err, run.err
    assert "first bad revision: 147" in run.out


def test_since_rehashes_evidence_attached_after_the_checkpoint_and_catches_its_change(since, tmp_path):
    """A file attached after the checkpoint is read and re-hashed by --since (a changed byte is
    found); one attached before it is checked by its stored size only, left to the full check."""
    url, _ = since
    before, after = b"%PDF-1.4\n% before\n%%EOF\n", b"%PDF-1.4\n% after the checkpoint\n%%EOF\n"
    early, late = tmp_path / "早.pdf", tmp_path / "晚.pdf"
    early.write_bytes(before)
    late.write_bytes(after)
    # an earlier checkpoint's file: attach `early`, checkpoint, then attach `late`
    assert cli(url, "attach", "m0-1", str(early)).code == 0
    cp2 = tmp_path / "cp2.txt"
    assert cli(url, "checkpoint", "--output", str(cp2)).code == 0
    assert cli(url, "attach", "m1-2", str(late)).code == 0
    run = cli(url, "--lang", "en", "verify", "--since", str(cp2))
    assert run.code == 0, run.err
    assert f"evidence: 2 files, {len(before) + len(after)} bytes; those attached since the checkpoint re-hashed" \
        in run.out
    sha = __import__("hashlib").sha256
    raw(url, "UPDATE ledger_evidence SET content = ? WHERE sha256 = ?",
        (after.replace(b"after", b"AFTER"), sha(after).hexdigest()))
    run = cli(url, "verify", "--since", str(cp2))
    assert run.code == 1 and f"evidence file {sha(after).hexdigest()}" in run.err
    raw(url, "UPDATE ledger_evidence SET content = ? WHERE sha256 = ?", (after, sha(after).hexdigest()))
    raw(url, "UPDATE ledger_evidence SET content = ? WHERE sha256 = ?",
        (before.replace(b"before", b"BEFORE"), sha(before).hexdigest()))
    assert cli(url, "verify", "--since", str(cp2)).code == 0  # same size: left to the full check
    run = cli(url, "verify", "--checkpoint", str(cp2))
    assert run.code == 1 and f"evidence file {sha(before).hexdigest()}" in run.err


def test_since_a_checkpoint_of_the_head_itself_verifies(since, tmp_path):
    """Nothing appended since: the head is the checkpoint's last record (its time included)."""
    url, _ = since
    cp = tmp_path / "now.txt"
    assert cli(url, "checkpoint", "--output", str(cp)).code == 0
    run = cli(url, "--lang", "en", "verify", "--since", str(cp))
    assert run.code == 0, run.err
    assert "the 0 record(s) appended since re-hashed; head revision 160" in run.out
    raw(url, "UPDATE ledger_head SET recorded_at = '2020-01-01T00:00:00+00:00'")
    run = cli(url, "verify", "--since", str(cp))
    assert run.code == 1 and "head altered" in run.err
