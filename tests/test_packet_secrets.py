"""Packets without secrets (issue #25): no packet, export, page or API response carries an
account's password hash, for any role; a packet for a unit carries its own records in full, its
peers only as stream heads, its places in rank tables as the office states them — and still
verifies under the office's key. On SQLite and PostgreSQL.

The world is tests/webkit.py's (cli-test: units a, b, c; accounts of every role; one publication,
two appeals) with, last, one more account and a new password: the log's last records are account
records, which every packet's proofs need (the record at the checkpoint's size)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from helpers import cli
from test_forgeries import verify_packet
from webkit import PASSWORDS, make_world

from ledger import accounts
from ledger.app import Ledger

SECRET_MARKS = ("scrypt$",)


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    keys = tmp_path / "keys"
    keys.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEDGER_KEY", str(keys / "ledger-key.pem"))
    monkeypatch.delenv("LEDGER_STATE", raising=False)
    assert cli(db_url, "keys", "init", "--origin", "kh.example.gov.cn/ledger").code == 0
    made = make_world(db_url, tmp_path)
    with Ledger(db_url, actor="admin") as ledger:
        accounts.add(ledger, "uc", "unit", "unit-c-secret-1", unit="c")
        accounts.set_password(ledger, "ua", "unit-a-secret-2")
        _, hashes = accounts.replay(ledger.store.read_stream(accounts.STREAM))
    made.hashes = sorted(hashes.values())  # type: ignore[attr-defined]
    made.vkey = str(keys / "ledger-key.vkey")  # type: ignore[attr-defined]
    return made


def clean(world, text: str, where: str) -> None:
    for secret in [*world.hashes, *SECRET_MARKS, *PASSWORDS.values()]:
        assert secret not in text, (where, secret[:12])


def unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {Path(n).name: archive.read(n) for n in archive.namelist()}


def test_no_packet_of_any_kind_carries_a_password_hash(world, tmp_path):
    made = {}
    for name, extra in (("full", ()), ("unit", ("--for-unit",))):
        out = tmp_path / f"{name}.zip"
        run = cli(world.url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(out), *extra)
        assert run.code == 0, run.err
        made[name] = out
    for role in ("office", "inspector", "unit"):
        response = world.client(role).get("/units/b/packet?policy=cli-test")
        assert response.status_code == 200, (role, response.text[:300])
        (tmp_path / f"web-{role}.zip").write_bytes(response.content)
        made[f"web-{role}"] = tmp_path / f"web-{role}.zip"
    for name, path in made.items():
        files = unzipped(path.read_bytes())
        for file, data in files.items():
            clean(world, data.decode("utf-8", "replace"), f"{name}/{file}")
        records = [json.loads(line) for line in files["records.jsonl"].decode().splitlines()]
        last = records[-1]
        assert last["withheld"] == "account" and set(last) == {"revision", "leaf", "withheld"}, (name, last)
        run = verify_packet(path, "--key", world.vkey)
        assert run.code == 0, (name, run.err)
        assert f"the record at revision {last['revision']} is withheld (account: a web account's record)" in run.out
        assert "byte for byte (total 10.00)" in run.out


def test_a_units_packet_carries_no_peers_records(world, tmp_path):
    """b's card ranks b among a, b, c by provincial media reports (a 3, b 2, c 2: b shares place 2 of
    3 and earns 2). b's own packet: b's records in full; a's and c's streams as their heads only;
    the place as the office states it."""
    unit_zip = world.client("unit").get("/units/b/packet?policy=cli-test").content
    office_zip = world.client("office").get("/units/b/packet?policy=cli-test").content
    unit, office = unzipped(unit_zip), unzipped(office_zip)
    records = [json.loads(line) for line in unit["records.jsonl"].decode().splitlines()]
    full = [r for r in records if "state" in r]
    assert {r["stream"] for r in full} <= {"unit:b:2021", "ledger:units", "ledger:policies"}
    assert {json.loads(r["state"]).get("id") for r in full} >= {"b-c1", "b-m0", "b-m1"}
    for peer_id in ("a-w1", "a-m0", "c-c1", "c-m1"):
        assert peer_id not in unit["records.jsonl"].decode() and peer_id not in unit["events.jsonl"].decode()
        assert peer_id in office["records.jsonl"].decode()  # the office's packet has them
    heads = json.loads(unit["stream_heads.json"])
    assert {h["stream"]: h["count"] for h in heads["withheld"]} == {"unit:a:2021": 5, "unit:c:2021": 8}
    assert {h["stream"] for h in heads["present"]} == {"unit:b:2021", "ledger:units"}
    assert json.loads(unit["ranks.json"])["places"] == [{"key": 0, "place": 2, "of": 3}]
    assert json.loads(unit["packet.json"])["scope"] == "unit" and json.loads(office["packet.json"])["scope"] == "full"
    assert unit["explanation.json"] == office["explanation.json"]  # the same card either way
    path = tmp_path / "unit.zip"
    path.write_bytes(unit_zip)
    run = verify_packet(path, "--key", world.vkey)
    assert run.code == 0, run.err
    assert "ranks.json: the unit's place in 1 rank table(s), as the office states it" in run.out
    assert "(2 peers' as their stream heads only: a unit's packet)" in run.out
    # the place is the office's word, under its signature: changed, the manifest says so
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in unzipped(unit_zip).items():
            if name == "ranks.json":
                data = data.replace(b'"place": 2', b'"place": 1')
            archive.writestr(f"b/{name}", data)
    run = verify_packet(forged, "--key", world.vkey)
    assert run.code == 1 and "ranks.json: not the file the manifest lists" in run.err


@pytest.mark.slow
def test_no_page_or_api_response_shows_a_password_hash(world):
    user_ids = [r.id for r in Ledger(world.url).store.read_stream(accounts.STREAM)]
    paths = ["/", "/policies/cli-test", "/scores/cli-test", "/scores/cli-test/download.json", "/units/b",
             "/units/b/download.json", "/units/b/download.csv", "/events/b-c1", "/publications",
             f"/publications/{world.pub}", "/appeals", f"/appeals/{world.appeal_b}", "/log?since=1", "/users",
             "/api/score?policy=cli-test", "/api/explain/b?policy=cli-test", "/api/events/b-c1", "/api/history/b",
             "/api/log?since=1", *[f"/events/{i}" for i in user_ids], *[f"/api/events/{i}" for i in user_ids]]
    for role in ("office", "inspector", "unit"):
        client = world.client(role)
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 403, 404), (role, path, response.status_code)
            clean(world, response.content.decode("utf-8", "replace"), f"{role} {path}")
    for args in (("users", "list", "--format", "json"), ("history", "b"), ("verify",), ("published",),
                 ("explain", "b", "--policy", "cli-test", "--format", "json"), ("appeal", "list")):
        run = cli(world.url, *args)
        assert run.code == 0, (args, run.err)
        clean(world, run.out + run.err, " ".join(args))
