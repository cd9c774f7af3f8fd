"""The digest index (store format 4, issue #26): its keys as docs/store.md defines them, kept by
every write, recomputed by `ledger verify` (an entry altered, removed or added is found), on
both stores."""

from __future__ import annotations

import hashlib
import zlib

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger
from ledger.events import codec
from ledger.events.catalog import CATALOG, IMPORTABLE, validate
from ledger.store import digests

EVENTS = [
    {"type": "warning", "unit": "jk-fgj", "date": "2021-06-03", "id": "w1", "issuer_level": "district",
     "source": "吉经开〔2021〕1号"},
    {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-06-01", "id": "t1", "ticket": "T1",
     "due": "2021-06-10"},
    {"type": "hotline_replied", "unit": "jk-czj", "date": "2021-06-06", "id": "t1r", "ticket": "T1", "quality": "ok"},
    {"type": "training_session", "unit": "jk-fgj", "date": "2021-06-07", "topic": "条例"},  # no id: derived
]


def _sha(namespace: bytes, text: str) -> int:
    return int.from_bytes(hashlib.sha256(namespace + text.encode()).digest()[:8], "big", signed=True)


def _key(text: str) -> int:
    """The unit's CRC-32 (its high 24 bits) over the text's CRC-32 and Adler-32 (40 bits)."""
    data, unit = text.encode(), text.split("\x1f")[1].encode()
    return ((zlib.crc32(unit) >> 8) << 40 | ((zlib.crc32(data) << 8 | zlib.adler32(data) & 0xFF) & (2 ** 40 - 1))) \
        - 2 ** 63


def test_keys_as_documented():
    """A record's key: the unit's CRC-32 over the CRC-32 and Adler-32 of type, unit, date and the
    type's key fields joined by U+001F (worked out here by hand); the content hash (derived
    ids): SHA-256 over "content\n" and the canonical content without its id."""
    text = '{"type":"warning","unit":"jk-fgj","date":"2021-06-03","id":"w1","source":"文1号","issuer_level":"city"}'
    bare = '{"type":"warning","unit":"jk-fgj","date":"2021-06-03","source":"文1号","issuer_level":"city"}'
    assert digests.without_id(text) == bare and digests.with_id(bare, "w1") == text
    assert digests.content_hash(text) == digests.content_hash(bare) == _sha(b"content\n", bare)
    warning = {"unit": "jk-fgj", "date": "2021-06-03", "source": "文1号", "issuer_level": "city"}
    assert digests.record_key("warning", warning.get) == _key("warning\x1fjk-fgj\x1f2021-06-03\x1f文1号")
    assert digests.alike_rule("warning", warning.get) and not digests.alike_rule("warning", {"unit": "u"}.get)
    assert digests.record_key("warning", {"unit": "jk-fgj", "date": "2021-06-03"}.get) == \
        _key("warning\x1fjk-fgj\x1f2021-06-03\x1f")  # no document: ''
    reply = {"unit": "u", "date": "2021-06-06", "ticket": "T1", "quality": "ok"}
    assert digests.record_key("hotline_replied", reply.get) == \
        _key("hotline_replied\x1fu\x1f2021-06-06\x1fT1")
    finding = {"unit": "u", "date": "2021-06-06", "item": "消防", "result": "met", "source": "文2号"}
    assert digests.record_key("finding", finding.get) == _key("finding\x1fu\x1f2021-06-06\x1f文2号\x1f消防")
    assert digests.record_key("unit_registered", {"unit": "u", "date": "2021-01-01"}.get) == \
        _key("unit_registered\x1fu\x1f2021-01-01")
    # an id holding what JSON escapes (ids stored before the caller-id rule stay valid)
    odd = '{"type":"warning","unit":"u","date":"2021-06-03","id":"a\\",\\"id\\":\\"b","note":"x"}'
    assert digests.without_id(odd) == '{"type":"warning","unit":"u","date":"2021-06-03","note":"x"}'


@pytest.mark.parametrize("kind", IMPORTABLE)
def test_every_type_puts_its_id_where_the_serializer_does(kind):
    """``with_id`` (a derived id inserted into content encoded without one) gives what encoding
    the event with that id gives, for every importable type."""
    model = CATALOG[kind]
    data = {"type": kind, "unit": "u", "date": "2021-06-03"}
    for name, info in model.model_fields.items():
        if info.is_required() and name not in data:
            data[name] = _sample(kind, name)
    event = validate(data)
    bare, _ = codec.encode_event(event)
    full, _ = codec.encode_event(event.model_copy(update={"id": "x-1"}))
    assert digests.with_id(bare, "x-1") == full and digests.without_id(full) == bare


def _sample(kind: str, name: str) -> object:
    from ledger.intake import words

    choices = words.choices(kind, name)
    if choices:
        return choices[0]
    shape = words.shapes(kind).get(name)
    if shape == "date":
        return "2021-06-05"
    if shape == "whole":
        return "1"
    if shape == "period":
        return "2021-06"
    if shape == "flag":
        return "true"
    if name == "value" or name == "score":
        return "1"
    if name == "targets":
        return ["t"]
    if name == "changes":
        return {"note": "x"}
    return "x"


def test_the_key_tables_cover_the_catalogue():
    """Every importable type is classified: a follow-up of a ticket/item or a report (its key), a
    fact known by its document (its subject fields), or never alike — a new type must say."""
    for kind in IMPORTABLE:
        model = CATALOG[kind]
        classified = (kind in digests.THREAD_KEYS) + (kind in digests.SUBJECTS) + (kind in digests.UNLIKE)
        assert classified == 1, kind
        if model.thread:
            assert digests.KEY_FIELDS[kind][0] == model.thread, kind
        for name in digests.KEY_FIELDS[kind]:
            assert name in model.model_fields, (kind, name)


def _tampered(url: str, statement: str, params: tuple = ()) -> str:
    with Ledger(url) as ledger:
        backend = ledger.store.backend
        with backend.transaction(commit=True) as c:
            c.execute(backend.sql(statement), params)
    run = cli(url, "verify")
    assert run.code == 1, run.out + run.err
    return run.out + run.err


def test_every_write_keeps_the_index_and_verify_recomputes_it(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    assert cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", EVENTS)).code == 0
    with Ledger(db_url) as ledger:
        backend = ledger.store.backend
        with backend.transaction(commit=False) as c:
            rows = backend.query(c, f"SELECT d.digest, e.originator_id AS stream FROM ledger_digests d JOIN"
                                    f" ledger_events e ON e.{backend.nid_column} = d.nid")
        head = ledger.head()[0]
    # one entry per record (the units' too), under its key, naming the record by its notification id
    assert len(rows) == head
    assert cli(db_url, "verify").code == 0
    w1 = digests.record_key("warning", {"unit": "jk-fgj", "date": "2021-06-03", "source": "吉经开〔2021〕1号"}.get)
    assert (w1, "unit:jk-fgj:2021") in {(int(r["digest"]), r["stream"]) for r in rows}


@pytest.mark.parametrize("how", ["removed", "altered", "added"])
def test_verify_finds_a_tampered_digest_index(db_url, tmp_path, how):
    setup_units(db_url, tmp_path)
    assert cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", EVENTS)).code == 0
    with Ledger(db_url) as ledger:
        revision = ledger.store.lookup_ids(["t1r"])["t1r"].revision
    key = digests.record_key("hotline_replied", {"unit": "jk-czj", "date": "2021-06-06", "ticket": "T1"}.get)
    if how == "removed":
        said = _tampered(db_url, "DELETE FROM ledger_digests WHERE digest = ?", (key,))
        assert f"first bad revision: {revision}" in said and "digest index has no entry" in said
    elif how == "altered":
        said = _tampered(db_url, "UPDATE ledger_digests SET digest = ? WHERE digest = ?", (key + 1, key))
        assert f"first bad revision: {revision}" in said
    else:
        said = _tampered(db_url, "INSERT INTO ledger_digests (digest, nid) VALUES (?, ?)", (12345, revision))
        assert "digest index holds" in said and "first bad record: none" in said
