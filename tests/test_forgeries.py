"""Proofs that hold against a forger (issue #25): every forgery the issue lists, on SQLite and
PostgreSQL — a packet made in a store with no key, a signature stripped, another key, a
signature over other bytes, edited human-readable files, a store restored from an older copy,
truncated and rewritten tails, checkpoint rows deleted inside the store, and the honest restore
accepted with a recorded reason.

The world is tests/policies/cli.yaml's (units a, b, c; hand-worked totals in
tests/test_cli_scoring.py: b scores 10 — daily 10 − 2 for its criticism b-c1, media place 2 → 2).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import cli, write_jsonl
from test_cli_scoring import UNITS, events, setup
from test_packet import read_zip

from ledger import checkpoints, notes

ORIGIN = "bgs.example.gov.cn/ledger"


@dataclass
class Office:
    url: str
    tmp: Path
    keys: Path

    @property
    def vkey(self) -> str:
        return str(self.keys / "ledger-key.vkey")

    @property
    def pub(self) -> str:
        return str(self.keys / "ledger-key.pub")

    @property
    def state(self) -> Path:
        return self.keys / "ledger-key.state"

    def run(self, *args: str):
        return cli(self.url, *args)

    def packet(self, name: str, unit: str = "b", *extra: str) -> Path:
        out = self.tmp / name
        run = self.run("packet", unit, "--policy", "cli-test", "--no-pdf", "--output", str(out), *extra)
        assert run.code == 0, run.err
        return out

    def checkpoint(self, name: str):
        path = self.tmp / name
        run = self.run("checkpoint", "--output", str(path))
        return run, path


def verify_packet(path: Path, *args: str):
    return cli("sqlite:///" + str(path.parent / "no-store-here.db"), "verify-packet", str(path), *args)


@pytest.fixture
def office(db_url, tmp_path, monkeypatch):
    return open_office(db_url, tmp_path, monkeypatch)


def open_office(db_url, tmp_path, monkeypatch) -> Office:
    """The office: the cli-test world, an Ed25519 key with its origin, its state beside it."""
    keys = tmp_path / "keys"
    keys.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEDGER_KEY", str(keys / "ledger-key.pem"))
    monkeypatch.delenv("LEDGER_STATE", raising=False)
    setup(db_url, tmp_path)
    assert cli(db_url, "keys", "init", "--origin", ORIGIN).code == 0
    return Office(db_url, tmp_path, keys)


def total(path: Path) -> float:
    return json.loads(read_zip(path)[1]["explanation.json"])["total"]


def rezip(path: Path, out: Path, change) -> Path:
    folder, files = read_zip(path)
    change(files)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in sorted(files.items()):
            archive.writestr(f"{folder}/{name}", data)
    return out


# --- a key given means a signature required -------------------------------------------------------


def test_a_packet_forged_in_a_store_with_no_key(office, tmp_path, monkeypatch):
    """The roster copied, one unit's criticism left out: its own checkpoint, unsigned."""
    assert total(office.packet("office.zip")) == 10
    forger = f"sqlite:///{tmp_path}/forged.db"
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "u.csv").write_text(UNITS, encoding="utf-8")
    assert cli(forger, "init").code == 0 and cli(forger, "units", "import", str(tmp_path / "f" / "u.csv")).code == 0
    kept = [e for e in events() if e["id"] != "b-c1"]
    assert cli(forger, "import", write_jsonl(tmp_path / "f" / "e.jsonl", kept)).code == 0
    assert cli(forger, "policy", "load", str(Path(__file__).parent / "policies" / "cli.yaml")).code == 0
    monkeypatch.setenv("LEDGER_KEY", str(tmp_path / "f" / "no-key.pem"))  # the forger has no key
    forged = tmp_path / "forged.zip"
    run = cli(forger, "packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(forged))
    assert run.code == 0 and "UNSIGNED" in run.err  # packet warns when no key is set up
    assert total(forged) == 12
    run = verify_packet(forged, "--key", office.vkey)
    assert run.code == 1 and "checkpoint.txt: UNSIGNED, but a key was given" in run.err, run.err
    run = verify_packet(forged, "--key", office.pub)
    assert run.code == 1 and "UNSIGNED, but a key was given" in run.err
    run = verify_packet(forged)
    assert run.code == 1 and "nothing vouches for this packet" in run.err
    run = verify_packet(forged, "--allow-unsigned")  # it holds together; nothing vouches for it
    assert run.code == 0 and run.out.rstrip().endswith("UNSIGNED (no key given: its signature, if any, was not "
                                                       "checked)"), run.out


def resigned_by(cp, key):
    """The checkpoint's values signed with ``key`` (and under its name)."""
    cp = dataclasses.replace(cp, origin=key.origin, signatures=())
    return dataclasses.replace(cp, signatures=(notes.sign(cp.text(), key.origin, key.private),))


def _strip(text: str) -> str:
    return text[:text.rindex("\n\n") + 1]


def test_stripped_signature_another_key_and_other_bytes(office, tmp_path, monkeypatch):
    packet = office.packet("office.zip")
    run = verify_packet(packet, "--key", office.vkey)
    assert run.code == 0 and f"signed by key {ORIGIN}+" in run.out, run.err
    run_, signed = office.checkpoint("cp.txt")
    assert run_.code == 0
    # the signature deleted: the checkpoint file, and the packet's
    (tmp_path / "stripped.txt").write_text(_strip(signed.read_text()))
    for args in (("verify", "--checkpoint", str(tmp_path / "stripped.txt"), "--key", office.vkey),
                 ("prove", "consistency", str(tmp_path / "stripped.txt"), str(signed), "--key", office.pub),
                 ("prove", "inclusion", "b-c1", "--checkpoint", str(tmp_path / "stripped.txt"), "--key", office.vkey)):
        run = office.run(*args)
        assert run.code == 1 and "UNSIGNED, but a key was given" in run.err, (args, run.err)
    stripped = rezip(packet, tmp_path / "stripped.zip",
                     lambda f: f.update({"checkpoint.txt": _strip(f["checkpoint.txt"].decode()).encode()}))
    run = verify_packet(stripped, "--key", office.vkey)
    assert run.code == 1 and "UNSIGNED, but a key was given" in run.err
    # signed by another key under the same name
    monkeypatch.setenv("LEDGER_KEY", str(tmp_path / "other.pem"))
    monkeypatch.setenv("LEDGER_STATE", str(tmp_path / "other-state"))
    checkpoints.init_keys(origin=ORIGIN)
    other = checkpoints.load_private()

    def resign(files):
        cp = checkpoints.Checkpoint.parse(files["checkpoint.txt"].decode(), "cp")
        files["checkpoint.txt"] = resigned_by(cp, other).serialize().encode()
    resigned = rezip(packet, tmp_path / "resigned.zip", resign)
    for key in (office.vkey, office.pub):
        run = verify_packet(resigned, "--key", key)
        assert run.code == 1 and "not by the office's key" in run.err and "another key" in run.err, run.err
    cp = checkpoints.Checkpoint.read(str(signed))
    (tmp_path / "other.txt").write_text(resigned_by(cp, other).serialize())
    run = office.run("verify", "--checkpoint", str(tmp_path / "other.txt"), "--key", office.vkey)
    assert run.code == 1 and "another key" in run.err
    # a signature over other bytes: the time line changed under the office's signature
    text = signed.read_text().replace("\ntime 2", "\ntime 3")
    (tmp_path / "moved.txt").write_text(text)
    run = office.run("prove", "consistency", str(signed), str(tmp_path / "moved.txt"), "--key", office.vkey)
    assert run.code == 1 and "does not verify" in run.err and "other bytes" in run.err, run.err
    later = rezip(packet, tmp_path / "later.zip", lambda f: f.update(
        {"checkpoint.txt": f["checkpoint.txt"].replace(b"\ntime 2", b"\ntime 3")}))
    run = verify_packet(later, "--key", office.vkey)
    assert run.code == 1 and "other bytes" in run.err


# --- every byte of a packet covered --------------------------------------------------------------


@pytest.mark.parametrize("name, edit", [
    ("explanation.html", lambda d: d.replace(b">10<", b">12<")),
    ("explanation.csv", lambda d: d.replace(b",10", b",12")),
    ("explanation.pdf", lambda d: b"%PDF-1.7 a page that says 12"),
    ("README.txt", lambda d: d.replace(b"Total 10", b"Total 12")),
])
def test_edited_human_files_fail(office, tmp_path, name, edit):
    packet = office.packet("office.zip")
    folder, files = read_zip(packet)
    assert name == "explanation.pdf" or edit(files[name]) != files[name]  # the edit changes something
    edited = rezip(packet, tmp_path / "edited.zip", lambda f: f.update({name: edit(f.get(name, b""))}))
    run = verify_packet(edited, "--key", office.vkey)
    expected = "not listed in the manifest" if name == "explanation.pdf" else "not the file the manifest lists"
    assert run.code == 1 and f"{name}: {expected}" in run.err, run.err

    # the manifest made to match: not the one the checkpoint signs
    def rematched(f):
        f[name] = edit(f.get(name, b""))
        manifest = json.loads(f["manifest.json"])
        manifest["files"][name] = hashlib.sha256(f[name]).hexdigest()
        f["manifest.json"] = json.dumps(manifest).encode()
    run = verify_packet(rezip(packet, tmp_path / "rematched.zip", rematched), "--key", office.vkey)
    assert run.code == 1 and "manifest.json: not the manifest the checkpoint names" in run.err, run.err


def test_a_second_copy_of_a_file_in_the_zip_is_refused(office, tmp_path):
    packet = office.packet("office.zip")
    folder, files = read_zip(packet)
    out = tmp_path / "two.zip"
    shutil.copy(packet, out)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(f"{folder}-copy/explanation.html", b"<p>12</p>")
    run = verify_packet(out, "--key", office.vkey)
    assert run.code == 1 and "one folder of files, each name once" in run.err, run.err


# --- never sign a rewritten past ---------------------------------------------------------------


class Copies:
    """Backups of a store and restoring them, as an office does: a file copy (SQLite), a database
    made from the store as a template (PostgreSQL, ``CREATE DATABASE … TEMPLATE``)."""

    def __init__(self, url: str, tmp: Path):
        self.url, self.tmp, self.made = url, tmp, []

    def _pg(self):
        from conftest import _pg_admin
        from sqlalchemy.engine import make_url

        return make_url(self.url).database, _pg_admin()[1]

    def backup(self, name: str) -> str:
        if self.url.startswith("sqlite"):
            copy = self.tmp / f"{name}.db"
            shutil.copy(self.url[len("sqlite:///"):], copy)
            return str(copy)
        database, admin = self._pg()
        copy = f"{database}_{name}"
        with admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"')
        self.made.append(copy)
        return copy

    def restore(self, copy: str) -> None:
        if self.url.startswith("sqlite"):
            shutil.copy(copy, self.url[len("sqlite:///"):])
            return
        database, admin = self._pg()
        with admin:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (copy,))
            admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{copy}"')

    def drop(self) -> None:
        if self.made:
            _, admin = self._pg()
            with admin:
                for copy in self.made:
                    admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


@pytest.fixture
def copies(office):
    made = Copies(office.url, office.tmp)
    yield made
    made.drop()


def more(office: Office, name: str, n: int, month: int = 7) -> None:
    rows = [{"type": "warning", "unit": "c", "date": f"2021-{month:02d}-{i + 1:02d}", "id": f"{name}-{i}",
             "issuer_level": "county"} for i in range(n)]
    run = office.run("import", write_jsonl(office.tmp / f"{name}.jsonl", rows))
    assert run.code == 0, run.err


def size_of(office: Office) -> int:
    from ledger.app import Ledger

    with Ledger(office.url) as ledger:
        return ledger.store.tree_head().size


def refused_everywhere(office: Office, *words: str) -> None:
    """Every signing path refuses, ``verify`` fails and ``serve`` does not start, each saying why."""
    for args in (("checkpoint", "--output", str(office.tmp / "refused.txt")),
                 ("packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(office.tmp / "refused.zip")),
                 ("publish", "--policy", "cli-test", "--as-of", "2021-11-30"),
                 ("verify",),
                 ("serve", "--port", "1")):
        run = office.run(*args)
        assert run.code == 1 and all(w in run.err for w in words), (args, run.err)
    assert not (office.tmp / "refused.txt").exists() and not (office.tmp / "refused.zip").exists()


@pytest.mark.slow
def test_a_store_restored_from_an_older_copy(office, copies):
    from ledger import accounts
    from ledger.app import Ledger

    with Ledger(office.url) as ledger:
        accounts.add(ledger, "off", "office", "office-secret-1")
    more(office, "w1", 3)
    old = copies.backup("old")
    older_size = size_of(office)
    more(office, "w2", 4)
    run, _ = office.checkpoint("signed.txt")
    assert run.code == 0
    signed_size = size_of(office)
    assert signed_size == older_size + 4
    copies.restore(old)
    assert office.run("verify", "--checkpoint", str(office.tmp / "signed.txt")).code == 1
    refused_everywhere(office, f"the store is behind the office's last signed checkpoint ({office.state}",
                       f"{signed_size} records", f"it has {older_size} records",
                       f"revisions 1–{signed_size} are not provably in it")
    # the workbench's packet is a signing path too
    from webkit import World, sign_in

    client = World(office.url, "", 0, 0, "", "").client()
    sign_in(client, "off", "office-secret-1")
    response = client.get("/units/b/packet?policy=cli-test&lang=en")
    assert response.status_code == 409 and "refusing to sign: the store is behind" in response.text, response.text


def test_a_truncated_tail(office, copies):
    """Rows deleted from the end: `verify` finds the chain cut; the signing paths find the head
    without its record before anything is signed."""
    more(office, "w1", 3)
    run, _ = office.checkpoint("signed.txt")
    assert run.code == 0
    from test_merkle import raw

    nid = "rowid" if office.url.startswith("sqlite") else "notification_id"
    raw(office.url, f"DELETE FROM ledger_events WHERE {nid} = (SELECT MAX({nid}) FROM ledger_events)")
    run = office.run("verify")
    assert run.code == 1 and "records removed from the end" in run.err
    for args in (("checkpoint", "--output", str(office.tmp / "x.txt")), ("serve", "--port", "1")):
        run = office.run(*args)
        assert run.code == 1 and "its last record is not there" in run.err, (args, run.err)
    # a packet reads the result as known now: the store is found damaged before anything is signed
    run = office.run("packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(office.tmp / "x.zip"))
    assert run.code == 3 and "records removed" in run.err and not (office.tmp / "x.zip").exists(), run.err


@pytest.mark.slow
def test_a_rewritten_tail_and_deleted_checkpoint_rows(office, copies):
    """Back to a copy of 3 records ago, then other records written: as long as the signed log, and
    the publication's checkpoint rows deleted — the office's state outside the store still says."""
    more(office, "w1", 2)
    run, _ = office.checkpoint("first.txt")
    assert run.code == 0
    agreed = size_of(office)
    old = copies.backup("old")
    run = office.run("publish", "--policy", "cli-test", "--as-of", "2021-11-30")
    assert run.code == 0 and "warning" not in run.err, run.err
    pub = run.out.split(":")[0]
    more(office, "w2", 3)
    run, _ = office.checkpoint("second.txt")
    assert run.code == 0
    signed_size = size_of(office)
    # checkpoint rows deleted, and a signature stripped, inside the store: verify names each
    from test_merkle import raw

    assert office.run("verify").code == 0
    body = cli_recorded(office.url)[pub]
    raw(office.url, "UPDATE ledger_checkpoints SET body = ? WHERE id = ?", (_strip(body), pub))
    run = office.run("verify")
    assert run.code == 1 and f"publication {pub}'s checkpoint, signed by the office" in run.err
    assert "is UNSIGNED in the store (its signature was removed)" in run.err
    raw(office.url, "DELETE FROM ledger_checkpoints")
    run = office.run("verify")
    assert run.code == 1 and "its row in ledger_checkpoints was deleted" in run.err, run.err
    # the tail rewritten: the copy, then other records up to beyond the signed size
    copies.restore(old)
    more(office, "x", signed_size - agreed + 1, month=8)
    assert size_of(office) > signed_size
    refused_everywhere(office, "diverges from the office's last signed checkpoint",
                       f"it agrees with the signed log up to revision {agreed}",
                       f"differs from it by revision {agreed + 1}")  # the publication's checkpoint: signed there


def cli_recorded(url: str) -> dict[str, str]:
    from ledger.app import Ledger

    with Ledger(url) as ledger:
        return {name: body for name, _, body in ledger.store.recorded_checkpoints()}


@pytest.mark.slow
def test_an_honest_restore_accepted_with_its_reason(office, copies):
    more(office, "w1", 2)
    run, first = office.checkpoint("first.txt")
    assert run.code == 0
    agreed = size_of(office)
    old = copies.backup("old")
    more(office, "w2", 3)
    run, lost = office.checkpoint("lost.txt")
    signed_size = size_of(office)
    assert run.code == 0
    copies.restore(old)
    assert office.run("checkpoint", "--reason", "备份恢复").code == 2  # --reason only with --accept-rollback
    assert office.run("checkpoint", "--accept-rollback").code == 2  # a reason is required
    reason = "磁盘损坏，从12月1日的备份恢复"
    out = office.tmp / "after.txt"
    run = office.run("checkpoint", "--accept-rollback", "--reason", reason, "--output", str(out))
    assert run.code == 0 and f"revisions {agreed + 1}–{signed_size} of the log the office had signed" in run.out, \
        run.err
    after = checkpoints.Checkpoint.read(str(out))
    assert after.rollback == checkpoints.Rollback(signed_size, checkpoints.Checkpoint.read(str(lost)).root, agreed)
    assert after.size == agreed + 1 and after.signed  # the log with the rollback record, signed
    assert f"\nrollback {signed_size} " in out.read_text()
    run = office.run("verify", "--checkpoint", str(out), "--key", office.vkey)
    assert run.code == 0, run.err
    assert f"revisions {agreed + 1}–{signed_size} were lost — reason: {reason}" in run.out
    assert f"the office had signed {signed_size} records" in run.out
    # the log goes on from there: later checkpoints extend the accepted one, not the lost one
    assert office.run("checkpoint", "--accept-rollback", "--reason", "again").code == 2  # nothing to accept
    more(office, "w3", 1, month=9)
    run, later = office.checkpoint("later.txt")
    assert run.code == 0
    assert office.run("prove", "consistency", str(first), str(later), "--key", office.vkey).code == 0
    assert office.run("prove", "consistency", str(out), str(later), "--key", office.vkey).code == 0
    assert office.run("prove", "consistency", str(lost), str(later)).code == 1
    log = (office.state / "signed.log").read_text().splitlines()
    assert log[-3].startswith(f"rollback {agreed} {signed_size} ") and log[-1].endswith(" checkpoint")


@pytest.mark.slow
def test_signers_racing_each_other_and_a_writer(office):
    """Checkpoints, packets and imports at once, in separate processes: each signer checks and
    records under the state's lock, so every checkpoint signed extends the ones before it."""
    import os
    import subprocess

    from helpers import ledger_command

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen(ledger_command(office.url, *args), env={**os.environ}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

    procs = []
    for i in range(3):
        rows = [{"type": "warning", "unit": "a", "date": f"2021-08-{d + 1:02d}", "id": f"race{i}-{d}",
                 "issuer_level": "county"} for d in range(5)]
        procs += [start("checkpoint", "--output", str(office.tmp / f"c{i}.txt")),
                  start("import", write_jsonl(office.tmp / f"r{i}.jsonl", rows)),
                  start("packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(office.tmp / f"p{i}.zip"))]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    log = [line.split(" ") for line in (office.state / "signed.log").read_text().splitlines()]
    assert len(log) == 6 and all(len(parts) == 4 for parts in log)
    made = sorted((checkpoints.Checkpoint.read(str(office.tmp / f"c{i}.txt")) for i in range(3)), key=lambda c: c.size)
    made += [checkpoints.Checkpoint.parse(read_zip(office.tmp / f"p{i}.zip")[1]["checkpoint.txt"].decode(), "p")
             for i in range(3)]
    last = checkpoints.Checkpoint.read(str(office.state / "last-checkpoint"))
    assert last.size == max(cp.size for cp in made)
    for i, cp in enumerate(made):
        (office.tmp / f"all{i}.txt").write_text(cp.serialize())
        run = office.run("verify", "--checkpoint", str(office.tmp / f"all{i}.txt"), "--key", office.vkey)
        assert run.code == 0 and "the log extends it" in run.out, run.err
