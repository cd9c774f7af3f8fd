"""`ledger migrate`: a format-2 store (tests/fixtures/format2.db, made by the format-2 code) is
upgraded in place, all or nothing, on both stores; records stay byte for byte the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import cli, write_jsonl
from test_merkle import mth

from ledger.app import Ledger
from ledger.store import merkle
from ledger.store import migrate as migrate_module
from ledger.store.backends import open_backend
from ledger.store.url import parse_store_url

FIXTURE = Path(__file__).parent / "fixtures" / "format2.db"
FIXTURE_HEAD = (143, "5acd01e9b66a559b94f970829ceec16aa6c40c5ea5cd2727b416e7ffaf0bf29d")


def format2_store(db_url, tmp_path) -> str:
    return older_store(FIXTURE, "2", db_url, tmp_path)


FORMAT_TABLES = {"2": ("ledger_ids", "ledger_threads", "ledger_streams", "ledger_commits", "ledger_head"),
                 "3": ("ledger_ids", "ledger_threads", "ledger_streams", "ledger_commits", "ledger_head",
                       "ledger_merkle", "ledger_checkpoints"),
                 "4": ("ledger_ids", "ledger_threads", "ledger_streams", "ledger_commits", "ledger_head",
                       "ledger_merkle", "ledger_checkpoints", "ledger_digests")}


def older_store(fixture: Path, layout: str, db_url, tmp_path) -> str:
    """A store of an older format holding the fixture's rows: the fixture itself (a copy) on
    SQLite; on PostgreSQL that format's tables made by the kept creation path, the rows copied in."""
    if db_url.startswith("sqlite"):
        target = tmp_path / fixture.name
        shutil.copy(fixture, target)
        return f"sqlite:///{target}"
    source = open_backend(parse_store_url(f"sqlite:///{fixture}"), create=False)
    target = open_backend(parse_store_url(db_url))
    target.create(layout=layout)
    with source.transaction(commit=False, check_format=False) as s:
        events = [(r["originator_id"], int(r["originator_version"]), r["topic"], bytes(r["state"]))
                  for r in source.query(s, "SELECT originator_id, originator_version, topic, state FROM ledger_events"
                                           " ORDER BY rowid")]
        tables = {t: [dict(r) for r in source.query(s, f"SELECT * FROM {t}")] for t in FORMAT_TABLES[layout]}
    with target.transaction(commit=True, check_format=False) as c:
        target.insert(c, events)
        c.execute("DELETE FROM ledger_head")
        for table, rows in tables.items():
            for row in rows:
                c.execute(target.sql(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"),
                          tuple(row.values()))
    source.close()
    target.close()
    return db_url


def snapshot(url):
    backend = open_backend(parse_store_url(url), create=False)
    with backend.transaction(commit=False, check_format=False) as c:
        fmt = backend.store_format(c)
        events = [(r["originator_id"], int(r["originator_version"]), r["topic"], bytes(r["state"]))
                  for r in backend.log_page(c, 0, 100_000)]
        digest = migrate_module.records_digest(backend, c)
    backend.close()
    return fmt, events, digest


def test_migrate_upgrades_the_format_2_fixture(db_url, tmp_path):
    url = format2_store(db_url, tmp_path)
    fmt, before, digest = snapshot(url)
    assert fmt == "2" and len(before) == FIXTURE_HEAD[0]
    # refused until migrated, with the way forward named
    run = cli(url, "history", "jk-yjj")
    assert run.code == 3 and "run `ledger migrate`" in run.err
    run = cli(url, "migrate")
    assert run.code == 0 and "migrated format 2 → 5: 143 records unchanged" in run.out, run.err
    fmt, after, digest_after = snapshot(url)
    assert fmt == "5" and after == before and digest_after == digest  # byte for byte
    run = cli(url, "verify")
    assert run.code == 0 and f"head revision {FIXTURE_HEAD[0]} {FIXTURE_HEAD[1]}" in run.out
    data = [f"{s}\n{v}\n{t}\n".encode() + state for s, v, t, state in after]
    with Ledger(url) as ledger:
        head = ledger.store.tree_head()
        assert head.root == mth(data).hex() and head.chain_hash == FIXTURE_HEAD[1]
        assert head.streams == 16
    assert cli(url, "migrate").out.startswith("store is already format 5")
    # the migrated store is an ordinary format-3 store: it takes writes, appeals, proofs
    run = cli(url, "record", "warning", "--unit", "jk-yjj", "--date", "2021-07-01", "--set", "issuer_level=city")
    assert run.code == 0, run.err
    assert cli(url, "verify").code == 0
    assert cli(url, "appeal", "list").code == 0


def test_a_store_that_does_not_verify_is_not_migrated(db_url, tmp_path):
    url = format2_store(db_url, tmp_path)
    backend = open_backend(parse_store_url(url), create=False)
    with backend.transaction(commit=True, check_format=False) as c:
        c.execute(backend.sql("UPDATE ledger_head SET recorded_at = ?"), ("2000-01-01T00:00:00.000000Z",))
    backend.close()
    run = cli(url, "migrate")
    assert run.code == 1 and "not migrated (nothing was changed)" in run.err
    assert snapshot(url)[0] == "2"


def power_cut(url, monkeypatch, step: str, write) -> tuple[set[str], dict]:
    """Migrate with ``step`` writing (``write(backend, cursor)``) and then failing: the store's
    tables and head row afterwards."""

    def broken(backend, c, on_progress):
        write(backend, c)
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrate_module, step, broken)
    backend = open_backend(parse_store_url(url), create=False)
    with pytest.raises(RuntimeError):
        migrate_module.migrate(backend)
    with backend.transaction(commit=False, check_format=False) as c:
        tables, head = backend.all_tables(c), dict(backend.query(c, "SELECT * FROM ledger_head")[0])
    backend.close()
    monkeypatch.undo()
    return tables, head


def test_a_migration_failing_half_way_leaves_the_store_as_it_was(db_url, tmp_path, monkeypatch):
    url = format2_store(db_url, tmp_path)
    fmt, before, digest = snapshot(url)
    tables, head = power_cut(url, monkeypatch, "_fill_format_3",
                             lambda backend, c: backend.insert_nodes(c, [(1, 0, b"\x00" * 32)]))
    assert "ledger_merkle" not in tables and "tree_root" not in head  # the new tables rolled back with the rest
    assert snapshot(url) == (fmt, before, digest)
    assert cli(url, "migrate").code == 0


def test_a_new_store_has_the_migrated_layout(tmp_path):
    """A new store is made as format 2 and upgraded by the migration's own step: one layout
    (compared on SQLite, where two stores fit in one test; PostgreSQL runs the same step)."""
    url = format2_store(f"sqlite:///{tmp_path}/ledger.db", tmp_path)
    assert cli(url, "migrate").code == 0
    new = f"sqlite:///{tmp_path}/new.db"
    assert cli(new, "init").code == 0

    def layout(u):
        backend = open_backend(parse_store_url(u), create=False)
        with backend.transaction(commit=False) as c:
            out = {r["name"]: r["sql"] for r in backend.query(c, "SELECT name, sql FROM sqlite_master")}
        backend.close()
        return out

    assert layout(new) == layout(url)
    assert merkle.EMPTY_ROOT.hex() == Ledger(new).store.tree_head().root


# ---------------------------------------------------------------- format 3 → 4: the digest index (issue #26)

FIXTURE3 = Path(__file__).parent / "fixtures" / "format3.db"
FIXTURE3_HEAD = (204, "f5d09d0fc8f91067980c6b075b1e2b4c73280c82e7be6e9d8f6ae093adedb1d7")
NOID_CSV = ("类型,单位,日期,发文层级,文号,备注\n"
            "警示,jk-fgj,2021/8/3,区级,吉经开营商办〔2021〕21号,会议迟到\n"
            "通报批评,jk-czj,2021-08-04,区级,吉经开营商办〔2021〕22号,\n"
            "警示,jk-shj,2021-08-05,区级,,未按时报送\n")
"""The fixture's fx-noid.csv, which the format-3 code imported twice (six UUID events)."""


def stored_ids(url, where):
    """Ids of the stored records whose content has all of ``where``'s items."""
    backend = open_backend(parse_store_url(url), create=False)
    with backend.transaction(commit=False) as c:
        rows = backend.log_page(c, 0, 100_000)
    backend.close()
    found = []
    for row in rows:
        data = json.loads(bytes(row["state"]))
        if all(data.get(k) == v for k, v in where.items()):
            found.append(data["id"])
    return found


def test_migrate_upgrades_the_format_3_fixture(db_url, tmp_path):
    url = older_store(FIXTURE3, "3", db_url, tmp_path)
    fmt, before, digest = snapshot(url)
    assert fmt == "3" and len(before) == FIXTURE3_HEAD[0]
    run = cli(url, "import", str(tmp_path / "none.jsonl"))
    assert run.code == 3 and "run `ledger migrate`" in run.err
    run = cli(url, "migrate")
    assert run.code == 0 and "migrated format 3 → 5: 204 records unchanged" in run.out, run.err
    assert "digest index of" in run.out
    fmt, after, digest_after = snapshot(url)
    assert fmt == "5" and after == before and digest_after == digest  # byte for byte
    run = cli(url, "verify")
    assert run.code == 0 and f"head revision {FIXTURE3_HEAD[0]} {FIXTURE3_HEAD[1]}" in run.out, run.out + run.err
    assert cli(url, "migrate").out.startswith("store is already format 5")

    # The rows the format-3 code stored twice, with UUIDs: importing them again adds nothing, each
    # named by a stored id (one of its two copies).
    twice = stored_ids(url, {"unit": "jk-fgj", "date": "2021-08-03", "note": "会议迟到"})
    assert len(twice) == 2 and all(len(i) == 36 for i in twice)
    noid = tmp_path / "fx-noid.csv"
    noid.write_text(NOID_CSV, encoding="utf-8")
    run = cli(url, "import", str(noid))
    assert run.code == 0 and run.out.strip().endswith("0 new, 3 already present"), run.out + run.err
    present = {line.split("(")[-1].rstrip(")") for line in run.out.splitlines() if "already present (" in line}
    assert len(present) == 3 and present & set(twice)
    # the id-less record the old code stored twice: already present too
    run = cli(url, "record", "warning", "--unit", "jk-fgj", "--date", "2021-08-06", "--set", "issuer_level=district",
              "--note", "fixture: recorded without an id")
    assert run.code == 0 and "(already present)" in run.out
    assert run.out.split()[0] in stored_ids(url, {"note": "fixture: recorded without an id"})
    # a caller's id: the same content without the id is that event
    backend = open_backend(parse_store_url(url), create=False)
    with backend.transaction(commit=False) as c:
        state = backend.query(c, backend.sql("SELECT e.state FROM ledger_events e JOIN ledger_ids i ON"
                                             " e.originator_id = i.stream AND e.originator_version = i.version"
                                             " WHERE i.event_id = ?"), ("jk-yjj-wrn-001",))[0]["state"]
    backend.close()
    content = {k: v for k, v in json.loads(bytes(state)).items()
               if k not in ("id", "actor", "recorded_at", "revision", "hash")}
    run = cli(url, "import", write_jsonl(tmp_path / "again.jsonl", [content]))
    assert run.code == 0 and "already present (jk-yjj-wrn-001)" in run.out, run.out + run.err
    # a probable duplicate of an old UUID event: held back, naming it
    changed = NOID_CSV.splitlines()[0] + "\n" + NOID_CSV.splitlines()[1].replace("会议迟到", "会议迟到两次") + "\n"
    (tmp_path / "changed.csv").write_text(changed, encoding="utf-8")
    run = cli(url, "import", str(tmp_path / "changed.csv"))
    assert run.code == 2 and "probable duplicate of event" in run.err
    assert any(f"event {i}" in run.err for i in twice)
    assert cli(url, "verify").code == 0


def test_a_format_3_migration_failing_half_way_leaves_the_store_as_it_was(db_url, tmp_path, monkeypatch):
    url = older_store(FIXTURE3, "3", db_url, tmp_path)
    before = snapshot(url)
    tables, _ = power_cut(url, monkeypatch, "_fill_format_4", lambda backend, c: backend.insert_digests(c, [(0, 1)]))
    assert "ledger_digests" not in tables  # the new table rolled back with the rest
    assert snapshot(url) == before
    assert cli(url, "migrate").code == 0


def test_a_format_3_store_that_does_not_verify_is_not_migrated(tmp_path):
    url = older_store(FIXTURE3, "3", f"sqlite:///{tmp_path}/x.db", tmp_path)
    backend = open_backend(parse_store_url(url), create=False)
    with backend.transaction(commit=True, check_format=False) as c:
        c.execute("UPDATE ledger_merkle SET hash = ? WHERE level = 4 AND idx = 0", (b"\x01" * 32,))
    backend.close()
    run = cli(url, "migrate")
    assert run.code == 1 and "not migrated (nothing was changed)" in run.err and "Merkle" in run.err
    assert snapshot(url)[0] == "3"


# ---------------------------------------------------------------- format 4 → 5: the evidence table (issue #33)

FIXTURE4 = Path(__file__).parent / "fixtures" / "format4.db"
FIXTURE4_HEAD = (187, "3ea09ab7f39de338857e78a8aa1173c702777256c785d206ab1e9c37e3417893")


def test_migrate_upgrades_the_format_4_fixture(db_url, tmp_path):
    """The format-4 store made by the code before evidence: refused until migrated, then the same
    records byte for byte, the evidence table there (empty: verify counts 0 files), and it takes
    an attachment like a new store."""
    from evidence_files import pdf

    url = older_store(FIXTURE4, "4", db_url, tmp_path)
    fmt, before, digest = snapshot(url)
    assert fmt == "4" and len(before) == FIXTURE4_HEAD[0]
    run = cli(url, "history", "jk-fgj")
    assert run.code == 3 and "format 4" in run.err and "run `ledger migrate`" in run.err
    run = cli(url, "migrate")
    assert run.code == 0 and "migrated format 4 → 5: 187 records unchanged" in run.out, run.err
    assert "digest index" not in run.out and "evidence table added" in run.out
    fmt, after, digest_after = snapshot(url)
    assert fmt == "5" and after == before and digest_after == digest
    run = cli(url, "verify")
    assert run.code == 0 and f"head revision {FIXTURE4_HEAD[0]} {FIXTURE4_HEAD[1]}" in run.out, run.out + run.err
    assert "evidence: 0 files, 0 bytes" in run.out
    assert cli(url, "migrate").out.startswith("store is already format 5")
    # the digest index the format-4 code filled still finds its records: a row again is present
    noid = tmp_path / "fx-noid.csv"
    noid.write_text(NOID_CSV, encoding="utf-8")
    run = cli(url, "import", str(noid))
    assert run.code == 0 and run.out.strip().endswith("0 new, 3 already present"), run.out + run.err
    receipt = tmp_path / "签收单.pdf"
    receipt.write_bytes(pdf())
    run = cli(url, "attach", "jk-fgj-rep-001", str(receipt))
    assert run.code == 0 and "revision 188" in run.out, run.err
    run = cli(url, "verify")
    assert run.code == 0 and f"evidence: 1 files, {len(pdf())} bytes" in run.out, run.out + run.err


def test_a_format_4_migration_failing_half_way_leaves_the_store_as_it_was(db_url, tmp_path, monkeypatch):
    url = older_store(FIXTURE4, "4", db_url, tmp_path)
    before = snapshot(url)
    made = migrate_module._format_5

    def broken(backend, c):
        made(backend, c)
        backend.executemany(c, "INSERT INTO ledger_evidence (sha256, size, content) VALUES (?, ?, ?)",
                            [("0" * 64, 1, b"x")])
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrate_module, "_format_5", broken)
    backend = open_backend(parse_store_url(url), create=False)
    with pytest.raises(RuntimeError):
        migrate_module.migrate(backend)
    with backend.transaction(commit=False, check_format=False) as c:
        tables = backend.all_tables(c)
    backend.close()
    monkeypatch.undo()
    assert "ledger_evidence" not in tables
    assert snapshot(url) == before
    assert cli(url, "migrate").code == 0
