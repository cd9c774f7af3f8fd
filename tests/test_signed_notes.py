"""Checkpoints in the standard form (issue #25): C2SP tlog-checkpoint signed notes, checked here
with the signed-note rules written out from the C2SP text (c2sp.org/signed-note,
c2sp.org/tlog-checkpoint) — nothing of the ledger's own note code is used — and the JSON
checkpoints and ledger-packet/2 packets written before, which keep verifying."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from helpers import cli
from test_forgeries import ORIGIN, more, open_office, verify_packet

FIXTURES = Path(__file__).parent / "fixtures" / "packet-v2"  # tests/fixtures/README.md


@pytest.fixture
def office(db_url, tmp_path, monkeypatch):
    return open_office(db_url, tmp_path, monkeypatch)


def c2sp_checkpoint(note: bytes, vkey: str) -> tuple[str, int, bytes, list[str]]:
    """A tlog-checkpoint checked against a verifier key by the C2SP rules: (origin, tree size,
    root hash, extension lines). AssertionError on anything the specification refuses."""
    # The verifier key: <name>+<hex key id>+<base64(0x01 ‖ 32-byte Ed25519 key)>.
    name, key_hash, key_data = vkey.strip().split("+", 2)
    raw = base64.b64decode(key_data, validate=True)
    assert raw[0] == 0x01 and len(raw) == 33, "an Ed25519 verifier key"
    public = raw[1:]
    # key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4]
    key_id = hashlib.sha256(name.encode() + b"\x0a" + b"\x01" + public).digest()[:4]
    assert key_id.hex() == key_hash
    # A note: valid UTF-8, no control characters but newline; the text ends with a newline and
    # is separated from the signature lines by the last empty line.
    text = note.decode("utf-8")
    assert not [ch for ch in text if ord(ch) < 0x20 and ch != "\n"]
    cut = text.rindex("\n\n")
    body, signatures = text[:cut + 1], text[cut + 2:]
    assert signatures.endswith("\n")
    verified = 0
    for line in signatures[:-1].split("\n"):
        # — <key name> base64(32-bit key ID ‖ signature)
        assert line.startswith("\u2014 "), line
        signer, encoded = line[2:].split(" ")
        blob = base64.b64decode(encoded, validate=True)
        if signer == name and blob[:4] == key_id:  # a known key must verify
            Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], body.encode())
            verified += 1
    assert verified, "no signature of a known key"
    lines = body.split("\n")[:-1]
    assert len(lines) >= 3 and all(lines), "origin, size, root hash, then non-empty extension lines"
    origin, size, root = lines[0], lines[1], base64.b64decode(lines[2], validate=True)
    assert origin == name, "the log's key name matches the origin line"
    assert origin and not re.search(r"[\s+]", origin)
    assert re.fullmatch(r"0|[1-9][0-9]*", size) and len(root) == 32
    return origin, int(size), root, lines[3:]


def test_a_checkpoint_is_a_c2sp_signed_note(office, tmp_path):
    vkey = Path(office.vkey).read_text()
    pem = serialization.load_pem_public_key(Path(office.pub).read_bytes())
    assert base64.b64decode(vkey.split("+", 2)[2])[1:] == pem.public_bytes(serialization.Encoding.Raw,
                                                                             serialization.PublicFormat.Raw)
    run, path = office.checkpoint("cp.txt")
    assert run.code == 0
    origin, size, root, extensions = c2sp_checkpoint(path.read_bytes(), vkey)
    shown = office.run("verify")
    merkle = re.search(r"merkle: size (\d+) root ([0-9a-f]{64}); stream heads root ([0-9a-f]{64}) \((\d+) streams",
                       shown.out)
    assert origin == ORIGIN and size == int(merkle.group(1)) and root.hex() == merkle.group(2)
    assert extensions[0] == f"stream-heads {base64.b64encode(bytes.fromhex(merkle.group(3))).decode()}"
    assert extensions[1] == f"streams {merkle.group(4)}"
    head = re.search(r"head revision (\d+) ([0-9a-f]{64})", shown.out)
    assert extensions[2] == f"chain {head.group(2)}" and extensions[3].startswith("time 20")
    # a packet's checkpoint is one too, and names its manifest
    packet = office.packet("b.zip")
    files = {Path(n).name: d for n, d in _zip(packet).items()}
    *_, extensions = c2sp_checkpoint(files["checkpoint.txt"], vkey)
    assert f"manifest {hashlib.sha256(files['manifest.json']).hexdigest()}" in extensions
    # the same rules refuse the note once a byte of its text changed, or under another name
    with pytest.raises(Exception):  # noqa: B017 - the signature check (cryptography's InvalidSignature)
        c2sp_checkpoint(path.read_bytes().replace(b"\nstreams ", b"\nstreams 1"), vkey)
    other = vkey.replace(ORIGIN, "other.example/ledger", 1)
    with pytest.raises(AssertionError):
        c2sp_checkpoint(path.read_bytes(), other)


def _zip(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def json_checkpoint(office, path: Path) -> dict:
    """A checkpoint as the ledger wrote them before (ledger-checkpoint/1, docs/verification.md):
    JSON, signed with Ed25519 over its values one per line; key_id = 16 hex of SHA-256(key)."""
    from ledger.app import Ledger

    private = serialization.load_pem_private_key((office.keys / "ledger-key.pem").read_bytes(), None)
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with Ledger(office.url) as ledger:
        head = ledger.store.tree_head()
    body = {"checkpoint": "ledger-checkpoint/1", "size": head.size, "root": head.root,
            "stream_heads_root": head.heads_root, "streams": head.streams, "chain_hash": head.chain_hash,
            "time": "2099-01-01T00:00:00.000000Z", "key_id": hashlib.sha256(raw).hexdigest()[:16]}
    message = (f"ledger-checkpoint/1\nsize {body['size']}\nroot {body['root']}\nstream-heads "
               f"{body['stream_heads_root']}\nstreams {body['streams']}\nchain {body['chain_hash']}\ntime "
               f"{body['time']}\n")
    body["signature"] = base64.b64encode(private.sign(message.encode())).decode()
    path.write_text(json.dumps(body, indent=2))
    return body


def test_json_checkpoints_written_before_keep_verifying(office, tmp_path):
    old = tmp_path / "old.json"
    json_checkpoint(office, old)
    for key in (office.pub, office.vkey):
        run = office.run("verify", "--checkpoint", str(old), "--key", key)
        assert run.code == 0 and "old.json: matches the log" in run.out and "signed by key" in run.out, run.err
    more(office, "later", 2)
    run, new = office.checkpoint("new.txt")
    assert run.code == 0
    run = office.run("prove", "consistency", str(old), str(new), "--key", office.vkey)
    assert run.code == 0, run.err
    body = json.loads(old.read_text())
    body["signature"] = None
    old.write_text(json.dumps(body))
    run = office.run("verify", "--checkpoint", str(old), "--key", office.pub)
    assert run.code == 1 and "UNSIGNED, but a key was given" in run.err


def test_packets_written_before_keep_verifying(tmp_path):
    """ledger-packet/2: the records and explanation.json still proven; the human-readable files,
    which no signature covered then, only with --allow-unsigned (and said so)."""
    for name in ("signed-v2.zip", "unsigned-v2.zip", "ledger-key.pub"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    key = str(tmp_path / "ledger-key.pub")
    run = verify_packet(tmp_path / "signed-v2.zip", "--key", key)
    assert run.code == 1 and "not covered by the signature" in run.err and "--allow-unsigned" in run.err, run.err
    for name, args in (("signed-v2.zip", ("--key", key, "--allow-unsigned")),
                       ("unsigned-v2.zip", ("--allow-unsigned",))):
        run = verify_packet(tmp_path / name, *args)
        # made by explain/1: scored again, compared by values (the explanation renderer is explain/3 since #33)
        assert run.code == 0 and "the same values (total 10.00" in run.out and "explain/1" in run.out, run.err
        assert run.out.rstrip().endswith("PARTLY UNSIGNED (a ledger-packet/2 packet: only its records and "
                                         "explanation.json are proven)"), run.out
    run = verify_packet(tmp_path / "unsigned-v2.zip", "--key", key)
    assert run.code == 1 and "checkpoint.json: UNSIGNED, but a key was given" in run.err
    assert cli("sqlite:///" + str(tmp_path / "x.db"), "verify-packet", str(tmp_path / "signed-v2.zip")).code == 1


GOOD = ("o.example/ledger\n5\n" + base64.b64encode(bytes(32)).decode() + "\nstream-heads "
        + base64.b64encode(bytes(32)).decode() + "\nstreams 2\nchain " + "ab" * 32 + "\ntime 2026-01-01T00:00:00Z\n")


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace("o.example/ledger", "o example"), "the origin, the tree size and the root hash"),
    (GOOD.replace("\n5\n", "\n05\n"), "without leading zeros"),
    (GOOD.replace("\n5\n", "\n-5\n"), "without leading zeros"),
    (GOOD.replace("streams 2", "streams 2\nstreams 2"), "each once"),
    (GOOD.replace("streams 2", "streams 2\nsecret 1"), "extension lines among"),
    (GOOD.replace("streams 2\n", ""), "the line 'streams …'"),
    (GOOD.replace("streams 2", "streams 02"), "in the ledger's form"),
    (GOOD.replace("chain " + "ab" * 32 + "\ntime 2026-01-01T00:00:00Z",
                  "time 2026-01-01T00:00:00Z\nchain " + "ab" * 32), "in the ledger's form"),
    (GOOD.replace(base64.b64encode(bytes(32)).decode() + "\n", "AAAA\n", 1), "the base64 of a 32-byte hash"),
    (GOOD.replace("ab" * 32, "AB" * 32), "64 lower-case hex digits"),
    (GOOD + "\n\u2014 o.example/ledger !!!\n", "signature lines"),
    (GOOD + "\nnot a signature\n", "signature lines"),
    (GOOD.replace("time 2026", "time \x1b[31m2026"), "without control characters"),
    (GOOD.rstrip("\n"), "ending in a newline"),
])
def test_malformed_checkpoints_are_refused_by_name(tmp_path, text, expected):
    path = tmp_path / "cp.txt"
    path.write_text(text, encoding="utf-8")
    run = cli(f"sqlite:///{tmp_path}/x.db", "prove", "consistency", str(path), str(path))
    assert run.code == 2 and expected in run.err and "Traceback" not in run.err, run.err
    assert str(path) in run.err


@pytest.mark.parametrize("origin", ["a b", "a+b", "", "tab\tname", "全角\u3000空格"])
def test_an_origin_is_a_note_key_name(tmp_path, monkeypatch, origin):
    monkeypatch.setenv("LEDGER_KEY", str(tmp_path / "k.pem"))
    run = cli(f"sqlite:///{tmp_path}/x.db", "keys", "init", "--origin", origin)
    assert run.code == 2 and "--origin" in run.err and not (tmp_path / "k.pem").exists(), run.err


@pytest.mark.parametrize("text", ["not a key", "a+zz+AAAA",
                                  "a+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
                                  "a+00000000+" + base64.b64encode(b"\x02" + bytes(32)).decode()])
def test_a_bad_verifier_key_is_refused(tmp_path, text):
    (tmp_path / "k.vkey").write_text(text)
    (tmp_path / "cp.txt").write_text(GOOD)
    run = cli(f"sqlite:///{tmp_path}/x.db", "prove", "consistency", str(tmp_path / "cp.txt"), str(tmp_path / "cp.txt"),
              "--key", str(tmp_path / "k.vkey"))
    assert run.code == 2 and "k.vkey" in run.err and "Traceback" not in run.err, run.err
