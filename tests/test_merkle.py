"""The Merkle log (issue #18): RFC 6962 hashing and proofs, the tree the store keeps, signed
checkpoints, and every tampering the issue lists.

Proofs are checked twice: against the Certificate Transparency reference vectors
(transparency-dev/merkle testonly/constants.go and proof/verify_test.go, used as data), and
against the straightforward recursive definitions of RFC 6962 §2.1 written out below — a second
implementation that shares no code with ``ledger.store.merkle``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import stat

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger import checkpoints
from ledger.app import Ledger
from ledger.store import merkle, proofs

# --- an independent RFC 6962 §2.1, recursive as written there ---------------------------------


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf *data*."""
    n = len(d)
    if n == 0:
        return H(b"")
    if n == 1:
        return H(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True) if 0 < m < len(d) else []


# --- the reference vectors ---------------------------------------------------------------------

LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                       "606162636465666768696a6b6c6d6e6f"]]
ROOTS = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
NODES = [  # level → index → hash, every complete subtree of the 8-leaf tree
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
INCLUSION = [  # (leaf index, tree size, path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def _from_nodes(ranges, leaves):
    def node(level, index):
        return merkle.root_of(leaves[index << level:(index + 1) << level])
    return [merkle.range_hash(lo, hi, node).hex() for lo, hi in ranges]


def test_reference_roots_and_nodes():
    leaves = [merkle.leaf_hash(d) for d in LEAVES]
    frontier = merkle.Frontier()
    made: list[tuple[int, int, bytes]] = []
    assert frontier.root().hex() == ROOTS[0] == merkle.EMPTY_ROOT.hex()
    for n, leaf in enumerate(leaves, start=1):
        frontier.append(leaf, made)
        assert frontier.root().hex() == ROOTS[n] == merkle.root_of(leaves[:n]).hex() == mth(LEAVES[:n]).hex()
    assert [leaf.hex() for leaf in leaves] == NODES[0]
    for level, row in enumerate(NODES):  # every complete subtree, as the store reads them
        for index, h in enumerate(row):
            assert merkle.range_hash(index << level, (index + 1) << level,
                                     lambda lv, i: merkle.root_of(leaves[i << lv:(i + 1) << lv])).hex() == h
    assert made == []  # the store keeps subtrees of 16 leaves and more only


def test_the_store_keeps_subtrees_of_16_leaves_and_more():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(70)]
    frontier = merkle.Frontier()
    made: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        frontier.append(leaf, made)
    assert sorted((lv, i) for lv, i, _ in made) == [(4, 0), (4, 1), (4, 2), (4, 3), (5, 0), (5, 1), (6, 0)]
    for level, index, h in made:
        assert h == merkle.root_of(leaves[index << level:(index + 1) << level])


def test_the_inlined_append_is_append():
    rows = [(f"unit:u{i % 3}:2021", i // 3 + 1, "warning", b'{"x":%d}' % i) for i in range(75)]
    one, many = merkle.Frontier(), merkle.Frontier()
    made_one: list[tuple[int, int, bytes]] = []
    made_many: list[tuple[int, int, bytes]] = []
    for row in rows:
        one.append(merkle.record_leaf(*row), made_one)
    many.append_records(rows[:40], made_many)
    many.append_records(rows[40:], made_many)
    assert (one.size, one.stack, made_one) == (many.size, many.stack, made_many)
    assert one.root() == mth([merkle.record_leaf_data(*row) for row in rows])


@pytest.mark.parametrize("index, size, expected", INCLUSION)
def test_reference_inclusion_paths(index, size, expected):
    leaves = [merkle.leaf_hash(d) for d in LEAVES[:size]]
    assert _from_nodes(merkle.inclusion_ranges(index, size), leaves) == expected
    assert [p.hex() for p in path(index, LEAVES[:size])] == expected
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(index, size, leaves[index], [bytes.fromhex(p) for p in expected], root)
    # wrong index, size, leaf, root, a bit flipped, a node dropped or added: all rejected
    good = [bytes.fromhex(p) for p in expected]
    flipped = [bytes([good[0][0] ^ 8]) + good[0][1:], *good[1:]]
    for args in [(index ^ 1, size, leaves[index], good, root), (index, size * 2, leaves[index], good, root),
                 (index, size, leaves[(index + 1) % size], good, root), (index, size, leaves[index], good, H(b"x")),
                 (index, size, leaves[index], flipped, root), (index, size, leaves[index], good[:-1], root),
                 (index, size, leaves[index], [*good, root], root)]:
        assert not merkle.verify_inclusion(*args), args


@pytest.mark.parametrize("old, new, expected", CONSISTENCY)
def test_reference_consistency_proofs(old, new, expected):
    leaves = [merkle.leaf_hash(d) for d in LEAVES[:new]]
    assert _from_nodes(merkle.consistency_ranges(old, new), leaves) == expected
    assert [p.hex() for p in proof(old, LEAVES[:new])] == expected
    a, b = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    good = [bytes.fromhex(p) for p in expected]
    assert merkle.verify_consistency(old, new, a, b, good)
    flipped = [*good[:-1], bytes([good[-1][0] ^ 16]) + good[-1][1:]]
    for args in [(old - 1, new, a, b, good), (old + 1, new, a, b, good), (old, new * 2, a, b, good),
                 (old, new, b, a, good), (old, new, a, b, []), (old, new, a, b, good[:-1]),
                 (old, new, a, b, [*good, a]), (old, new, a, b, flipped), (new, old, b, a, good)]:
        assert not merkle.verify_consistency(*args), args


def test_every_shape_against_the_recursive_definition():
    data = [bytes([i, i * 7 % 256]) for i in range(45)]
    leaves = [merkle.leaf_hash(d) for d in data]
    for n in range(1, len(data) + 1):
        root = mth(data[:n])
        assert merkle.root_of(leaves[:n]) == root
        for m in range(n):
            got = [bytes.fromhex(h) for h in _from_nodes(merkle.inclusion_ranges(m, n), leaves)]
            assert got == path(m, data[:n])
            assert merkle.verify_inclusion(m, n, leaves[m], got, root)
        for m in range(n + 1):
            got = [bytes.fromhex(h) for h in _from_nodes(merkle.consistency_ranges(m, n), leaves)]
            assert got == proof(m, data[:n])
            assert merkle.verify_consistency(m, n, mth(data[:m]), root, got)


# --- the store's tree ----------------------------------------------------------------------------


def warnings(prefix, n, unit="jk-fgj", month=3):
    return [{"type": "warning", "unit": unit, "date": f"2021-{month:02d}-{d % 28 + 1:02d}", "id": f"{prefix}{d}",
             "issuer_level": "district"} for d in range(n)]


def build(url, tmp_path, writes=(5, 1, 8, 3, 16, 2)):
    setup_units(url, tmp_path)
    for i, n in enumerate(writes):
        file = write_jsonl(tmp_path / f"w{i}.jsonl", warnings(f"w{i}-", n, unit=("jk-fgj", "jk-czj")[i % 2]))
        assert cli(url, "import", file).code == 0


def log_data(url):
    """Every record's leaf data, read straight from the rows, in revision order."""
    with Ledger(url) as ledger:
        rows = list(ledger.store.scan())
    out = []
    for row in rows:
        state = bytes(row.state)
        out.append(f"{row.originator_id}\n{row.originator_version}\n{row.topic}\n".encode() + state)
    return out


def test_store_proofs_match_an_independent_recomputation(db_url, tmp_path):
    build(db_url, tmp_path)
    data = log_data(db_url)
    n = len(data)
    with Ledger(db_url) as ledger:
        head = ledger.store.tree_head()
        assert head.size == n and head.root == mth(data).hex()
        assert ledger.verify().tree.root == head.root
        for revision in range(1, n + 1):
            for size in {revision, n, (revision + n) // 2}:
                p = proofs.inclusion_proof(ledger.store, revision, size)
                assert p.root == mth(data[:size]) and p.path == path(revision - 1, data[:size])
                assert p.leaf == H(b"\x00" + data[revision - 1])
                assert merkle.verify_inclusion(revision - 1, size, p.leaf, p.path, p.root)
        for old in range(n + 1):
            for new in (old, n, min(n, old + 3)):
                _, got, a, b = proofs.consistency_proof(ledger.store, old, new)
                assert got == proof(old, data[:new]) and a == mth(data[:old]) and b == mth(data[:new])
        # stream heads: each stream's count and last revision, proven in the heads tree
        sp = proofs.stream_head_proof(ledger.store, "unit:jk-czj:2021")
        assert (sp.count, sp.last_revision) == (1 + 3 + 2, n)
        assert sp.heads_root.hex() == head.heads_root
        assert merkle.verify_inclusion(sp.index, sp.size, merkle.head_leaf(sp.stream, sp.count, sp.last_revision),
                                       sp.path, sp.heads_root)


# --- tampering ------------------------------------------------------------------------------------


def raw(url, statement, params=()):
    with Ledger(url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=True) as c:
            c.execute(b.sql(statement), params)


TREE_DAMAGE = [
    ("node altered", "UPDATE ledger_merkle SET hash = ? WHERE level = 4 AND idx = 1", (b"\x00" * 32,),
     "Merkle tree's stored node"),
    ("node removed", "DELETE FROM ledger_merkle WHERE level = 4 AND idx = 0", (), "Merkle tree's stored node"),
    ("node added", "INSERT INTO ledger_merkle (level, idx, hash) VALUES (9, 0, ?)", (b"\x01" * 32,), "nodes added"),
    ("root altered", "UPDATE ledger_head SET tree_root = ?", ("ab" * 32,), "Merkle root"),
    ("stream head: last revision", "UPDATE ledger_streams SET last_revision = 3 WHERE stream = 'unit:jk-fgj:2021'",
     (), "stream head altered"),
    ("stream head: count", "UPDATE ledger_streams SET version = 2 WHERE stream = 'unit:jk-fgj:2021'", (),
     "stream index"),
]


@pytest.mark.parametrize("what, statement, params, message", TREE_DAMAGE, ids=[d[0] for d in TREE_DAMAGE])
def test_tree_and_stream_head_tampering_is_detected(db_url, tmp_path, what, statement, params, message):
    build(db_url, tmp_path)
    raw(db_url, statement, params)
    run = cli(db_url, "verify")
    assert run.code == 1 and message in run.err, (what, run.err)
    if what == "root altered":
        # no write extends a tree whose right edge does not give the head's root (a write reads
        # only that edge: damage elsewhere is `verify`'s to find)
        run = cli(db_url, "import", write_jsonl(tmp_path / "more.jsonl", warnings("more", 1)))
        assert run.code == 3 and "Merkle tree's stored right edge" in run.err, run.err


@pytest.mark.parametrize("what", ["edited", "removed", "added", "reordered"])
def test_record_tampering_fails_verify_and_the_checkpoint(db_url, tmp_path, what):
    build(db_url, tmp_path)
    cp = tmp_path / "cp.json"
    assert cli(db_url, "checkpoint", "--output", str(cp)).code == 0
    nid = "rowid" if db_url.startswith("sqlite") else "notification_id"
    with Ledger(db_url) as ledger:
        rows = list(ledger.store.scan())
    if what == "edited":
        r = rows[4]
        raw(db_url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(r.state).replace(b'"district"', b'"county"'), r.originator_id, r.originator_version))
    elif what == "removed":
        raw(db_url, f"DELETE FROM ledger_events WHERE {nid} = ?", (rows[6].id,))
    elif what == "added":
        r = rows[-1]
        raw(db_url, "INSERT INTO ledger_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            (r.originator_id, r.originator_version + 1, r.topic, bytes(r.state)))
    else:
        a, b = rows[3], rows[4]
        raw(db_url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(b.state), a.originator_id, a.originator_version))
        raw(db_url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(a.state), b.originator_id, b.originator_version))
    run = cli(db_url, "verify", "--checkpoint", str(cp))
    assert run.code == 1 and "TAMPERED" in run.err


def _keys(tmp_path, monkeypatch, name="ledger-key.pem"):
    key = tmp_path / name
    monkeypatch.setenv("LEDGER_KEY", str(key))
    return key


def test_keys_checkpoints_and_signatures(db_url, tmp_path, monkeypatch):
    build(db_url, tmp_path)
    key = _keys(tmp_path, monkeypatch)
    # no key yet: the checkpoint is unsigned, and said so where it is checked
    unsigned = tmp_path / "u.txt"
    run = cli(db_url, "checkpoint", "--output", str(unsigned))
    assert run.code == 0 and "UNSIGNED" in run.out
    assert unsigned.read_text().startswith(checkpoints.UNSIGNED_ORIGIN + "\n") and "\n\n" not in unsigned.read_text()
    run = cli(db_url, "keys", "init", "--origin", "kb.example.gov.cn/ledger")
    assert run.code == 0 and key.exists() and key.with_suffix(".pub").exists()
    assert key.with_suffix(".vkey").read_text().startswith("kb.example.gov.cn/ledger+")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert cli(db_url, "keys", "init").code == 2  # never overwritten
    signed = tmp_path / "s.txt"
    assert cli(db_url, "checkpoint", "--output", str(signed)).code == 0
    body = checkpoints.Checkpoint.read(str(signed))
    with Ledger(db_url) as ledger:
        size = ledger.store.tree_head().size
    assert body.signatures and body.origin == "kb.example.gov.cn/ledger" and body.size == size
    run = cli(db_url, "verify", "--checkpoint", str(signed), "--checkpoint", str(unsigned))
    assert run.code == 0, run.err
    assert re.search(rf"s\.txt: matches the log at size {size} .*signed by key kb.example.gov.cn/ledger\+", run.out)
    assert re.search(r"u\.txt: matches .*UNSIGNED", run.out)
    # a key given means a signature required: the unsigned one fails then
    run = cli(db_url, "verify", "--checkpoint", str(unsigned), "--key", str(key.with_suffix(".vkey")))
    assert run.code == 1 and "UNSIGNED, but a key was given" in run.err
    # re-signed with another key: refused
    other = tmp_path / "other.pem"
    monkeypatch.setenv("LEDGER_KEY", str(other))
    checkpoints.init_keys(origin="kb.example.gov.cn/ledger")
    with Ledger(db_url) as ledger:
        forged = checkpoints.make(ledger.store.tree_head(), checkpoints.load_private(), ledger.store.clock())
    (tmp_path / "f.txt").write_text(forged.serialize())
    monkeypatch.setenv("LEDGER_KEY", str(key))
    run = cli(db_url, "verify", "--checkpoint", str(tmp_path / "f.txt"))
    assert run.code == 1 and "another key" in run.err
    # altered values under the office's signature: refused
    lines = signed.read_text().split("\n")
    lines[1] = str(size - 1)
    (tmp_path / "a.txt").write_text("\n".join(lines))
    run = cli(db_url, "verify", "--checkpoint", str(tmp_path / "a.txt"))
    assert run.code == 1 and "TAMPERED" in run.err
    # a key file others can read is not used
    os.chmod(key, 0o644)
    assert cli(db_url, "checkpoint", "--output", str(tmp_path / "x.txt")).code == 2


def test_stale_and_foreign_checkpoints(db_url, tmp_path, monkeypatch):
    build(db_url, tmp_path)
    _keys(tmp_path, monkeypatch)
    assert cli(db_url, "keys", "init").code == 0
    cp = tmp_path / "cp.txt"
    assert cli(db_url, "checkpoint", "--output", str(cp)).code == 0
    office = checkpoints.load_private()
    original = checkpoints.Checkpoint.read(str(cp))
    # back-dated (signed by the office, but dated before the records it covers were written)
    with Ledger(db_url) as ledger:
        stale = checkpoints.make(ledger.store.tree_head(), office, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    (tmp_path / "stale.txt").write_text(stale.serialize())
    run = cli(db_url, "verify", "--checkpoint", str(tmp_path / "stale.txt"))
    assert run.code == 1 and "stale or back-dated" in run.err
    # a checkpoint of more records than the log has (the log was cut since)
    beyond = dataclasses.replace(original, size=original.size + 5, signatures=())
    (tmp_path / "beyond.txt").write_text(beyond.serialize())
    run = cli(db_url, "verify", "--checkpoint", str(tmp_path / "beyond.txt"))
    assert run.code == 1 and "records removed" in run.err
    # the log rebuilt from scratch with other content: an old checkpoint no longer matches
    other = f"sqlite:///{tmp_path}/other.db"
    (tmp_path / "o").mkdir()
    monkeypatch.setenv("LEDGER_STATE", str(tmp_path / "other-state"))  # another log's own office state
    build(other, tmp_path / "o", writes=(5, 1, 8, 3, 16, 1))  # the same size, other content
    assert cli(other, "import", write_jsonl(tmp_path / "x.jsonl", warnings("x", 1, month=4))).code == 0
    run = cli(other, "verify", "--checkpoint", str(cp))
    assert run.code == 1 and "history rewritten" in run.err
    monkeypatch.delenv("LEDGER_STATE")
    # consistency: A then B in that order only
    assert cli(db_url, "import", write_jsonl(tmp_path / "y.jsonl", warnings("y", 2))).code == 0
    later = tmp_path / "later.txt"
    assert cli(db_url, "checkpoint", "--output", str(later)).code == 0
    assert cli(db_url, "prove", "consistency", str(cp), str(later)).code == 0
    run = cli(db_url, "prove", "consistency", str(later), str(cp))
    assert run.code == 1 and "older" in run.err
    run = cli(other, "prove", "consistency", str(cp), str(later))
    assert run.code == 1


def test_consistency_across_an_appeals_retraction(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no office key here: publication checkpoints are unsigned
    build(db_url, tmp_path)
    run = cli(db_url, "publish", "--policy", "jingkai-2021", "--as-of", "2021-06-30")
    assert run.code == 0 and "the checkpoint made now is UNSIGNED" in run.err, run.err  # publish warns: no key
    a = tmp_path / "a.json"
    assert cli(db_url, "checkpoint", "--output", str(a)).code == 0
    assert cli(db_url, "appeal", "file", "--unit", "jk-fgj", "--target", "w0-1", "--grounds", "wrong unit",
               "--id", "ap1", "--late-override", "test").code == 0
    run = cli(db_url, "appeal", "decide", "ap1", "--outcome", "upheld", "--reason", "ok", "--retract", "w0-1")
    assert run.code == 0, run.err
    b = tmp_path / "b.json"
    assert cli(db_url, "checkpoint", "--output", str(b)).code == 0
    run = cli(db_url, "prove", "consistency", str(a), str(b))
    assert run.code == 0, run.err
    shown = json.loads(run.out)
    data = log_data(db_url)
    assert [bytes.fromhex(h) for h in shown["proof"]] == proof(shown["old_size"], data[:shown["new_size"]])
    # the retracted record is still in the log, provably, at both checkpoints
    for cp in (a, b):
        run = cli(db_url, "prove", "inclusion", "w0-1", "--checkpoint", str(cp))
        assert run.code == 0, run.err
        p = json.loads(run.out)
        assert merkle.verify_inclusion(p["leaf_index"], p["tree_size"], bytes.fromhex(p["leaf_hash"]),
                                       [bytes.fromhex(h) for h in p["path"]], bytes.fromhex(p["root"]))
    # the publication recorded its checkpoint (unsigned: no key), and verify checks it and says so
    with Ledger(db_url) as ledger:
        recorded = ledger.store.recorded_checkpoints()
    assert len(recorded) == 1 and not checkpoints.Checkpoint.parse(recorded[0][2], "recorded").signed
    run = cli(db_url, "verify")
    assert run.code == 0 and "publication checkpoints: 1 match the log, 1 of them UNSIGNED" in run.out
