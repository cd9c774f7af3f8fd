"""`ledger migrate`: a format-2 store (tests/fixtures/format2.db, made by the format-2 code) is
upgraded in place, all or nothing, on both stores; records stay byte for byte the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import cli
from test_merkle import mth

from ledger.app import Ledger
from ledger.store import merkle
from ledger.store import migrate as migrate_module
from ledger.store.backends import open_backend
from ledger.store.url import parse_store_url

FIXTURE = Path(__file__).parent / "fixtures" / "format2.db"
FIXTURE_HEAD = (143, "5acd01e9b66a559b94f970829ceec16aa6c40c5ea5cd2727b416e7ffaf0bf29d")


def format2_store(db_url, tmp_path) -> str:
    """A format-2 store holding the fixture's rows: the fixture itself (a copy) on SQLite; on
    PostgreSQL the format-2 tables made by the kept format-2 creation path, the rows copied in."""
    if db_url.startswith("sqlite"):
        target = tmp_path / "format2.db"
        shutil.copy(FIXTURE, target)
        return f"sqlite:///{target}"
    source = open_backend(parse_store_url(f"sqlite:///{FIXTURE}"), create=False)
    target = open_backend(parse_store_url(db_url))
    target.create(layout="2")
    with source.transaction(commit=False, check_format=False) as s:
        events = [(r["originator_id"], int(r["originator_version"]), r["topic"], bytes(r["state"]))
                  for r in source.query(s, "SELECT originator_id, originator_version, topic, state FROM ledger_events"
                                           " ORDER BY rowid")]
        tables = {t: [dict(r) for r in source.query(s, f"SELECT * FROM {t}")]
                  for t in ("ledger_ids", "ledger_threads", "ledger_streams", "ledger_commits", "ledger_head")}
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
    assert run.code == 0 and "migrated format 2 → 4: 143 records unchanged" in run.out, run.err
    fmt, after, digest_after = snapshot(url)
    assert fmt == "4" and after == before and digest_after == digest  # byte for byte
    run = cli(url, "verify")
    assert run.code == 0 and f"head revision {FIXTURE_HEAD[0]} {FIXTURE_HEAD[1]}" in run.out
    data = [f"{s}\n{v}\n{t}\n".encode() + state for s, v, t, state in after]
    with Ledger(url) as ledger:
        head = ledger.store.tree_head()
        assert head.root == mth(data).hex() and head.chain_hash == FIXTURE_HEAD[1]
        assert head.streams == 16
    assert cli(url, "migrate").out.startswith("store is already format 4")
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


def test_a_migration_failing_half_way_leaves_the_store_as_it_was(db_url, tmp_path, monkeypatch):
    url = format2_store(db_url, tmp_path)
    fmt, before, digest = snapshot(url)

    def broken(backend, c, on_progress):
        backend.insert_nodes(c, [(1, 0, b"\x00" * 32)])
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrate_module, "_fill_format_3", broken)
    backend = open_backend(parse_store_url(url), create=False)
    with pytest.raises(RuntimeError):
        migrate_module.migrate(backend)
    with backend.transaction(commit=False, check_format=False) as c:
        assert "ledger_merkle" not in backend.all_tables(c)  # the new tables rolled back with the rest
        columns = backend.query(c, "SELECT * FROM ledger_head")[0]
        assert "tree_root" not in dict(columns)
    backend.close()
    assert snapshot(url) == (fmt, before, digest)
    monkeypatch.undo()
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
