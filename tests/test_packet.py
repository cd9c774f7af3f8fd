"""`ledger packet`: one zip a reviewer checks and re-derives with no store (`verify-packet`),
and every tampering caught by name."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from helpers import cli
from test_cli_scoring import POLICY, setup


def read_zip(path: Path) -> tuple[str, dict[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        return names[0].rpartition("/")[0], {Path(n).name: archive.read(n) for n in names}


def write_zip(path: Path, folder: str, files: dict[str, bytes], manifest: bool = True) -> Path:
    """The packet as someone without the office's key who tampered with it would send it: the
    manifest made to match, and the (unsigned) checkpoint made to name it."""
    if manifest:
        sums = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())
                if name not in ("manifest.json", "checkpoint.txt")}
        files = {**files, "manifest.json": (json.dumps({"packet": "ledger-packet/3", "files": sums}, indent=2)
                                            + "\n").encode()}
        lines = files["checkpoint.txt"].decode().split("\n")
        lines = [f"manifest {hashlib.sha256(files['manifest.json']).hexdigest()}" if ln.startswith("manifest ")
                 else ln for ln in lines]
        files["checkpoint.txt"] = "\n".join(lines).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in sorted(files.items()):
            archive.writestr(f"{folder}/{name}", data)
    return path


def verify(path: Path, *extra: str):
    """verify-packet with no store (the ledger URL points at nothing) and no key: UNSIGNED."""
    return cli("sqlite:///" + str(path.parent / "no-store-here.db"), "verify-packet", str(path),
               *(extra or ("--allow-unsigned",)))


@pytest.fixture
def packet(db_url, tmp_path):
    setup(db_url, tmp_path)
    known = json.loads(cli(db_url, "score", "--policy", "cli-test", "--format", "json").out)["known_at"]
    correction = cli(db_url, "correct", "b-c1", "--set", "source=某办〔2021〕7号", "--reason", "文号").out.split()[0]
    out = tmp_path / "b.zip"
    run = cli(db_url, "packet", "b", "--policy", "cli-test", "--known-at", str(known), "--output", str(out),
              "--no-pdf")
    assert run.code == 0, run.err
    return out, known, correction


def test_packet_contents_and_rederivation(db_url, tmp_path, packet):
    out, known, correction = packet
    _, files = read_zip(out)
    assert set(files) == {"explanation.html", "explanation.json", "explanation.csv", "events.jsonl",
                          "records.jsonl", "tree.json", "stream_heads.json", "checkpoint.txt", "packet.json",
                          "policy.yaml", "README.txt", "manifest.json"}
    manifest = json.loads(files["manifest.json"])["files"]
    assert set(manifest) == set(files) - {"manifest.json", "checkpoint.txt"}
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in manifest.items())
    assert f"manifest {hashlib.sha256(files['manifest.json']).hexdigest()}\n" in files["checkpoint.txt"].decode()
    assert files["policy.yaml"] == Path(POLICY).read_bytes()
    # The CSV opens in Excel (UTF-8 BOM) and is the explain command's CSV byte for byte.
    same_csv = tmp_path / "b.csv"
    assert cli(db_url, "explain", "b", "--policy", "cli-test@1", "--track", "main", "--as-of", "2021-12-31",
               "--known-at", str(known), "--format", "csv", "--output", str(same_csv)).code == 0
    assert files["explanation.csv"].startswith(b"\xef\xbb\xbfunit,")
    assert files["explanation.csv"] == same_csv.read_bytes()
    # Re-derivable on the ledger too: the same explain command prints explanation.json byte for byte.
    again = cli(db_url, "explain", "b", "--policy", "cli-test@1", "--track", "main", "--as-of", "2021-12-31",
                "--known-at", str(known), "--format", "json")
    assert (again.out if again.out.endswith("\n") else again.out + "\n").encode() == files["explanation.json"]
    explanation = json.loads(files["explanation.json"])
    assert explanation["total"] == 10 and explanation["known_at"] == known
    # Every record of the unit's stream, the peers' (the rank line) and the roster, the later
    # correction included (after known-at: the re-derivation leaves it out).
    records = [json.loads(line) for line in files["records.jsonl"].decode().splitlines()]
    streams = {r["stream"] for r in records}
    assert {"unit:b:2021", "unit:a:2021", "ledger:units", "ledger:policies"} <= streams
    ids = {json.loads(r["state"]).get("id") for r in records}
    assert {"b-c1", "b-m0", "b-m1", correction} <= ids
    meta = json.loads(files["packet.json"])
    assert meta["policy"]["origin"].startswith("revision ") and meta["versions"]["ledger"]
    readme = files["README.txt"].decode()
    assert f"--known-at {known}" in readme and explanation["head"]["hash"] in readme
    assert "ledger verify-packet" in readme


def test_events_jsonl_imports(db_url, tmp_path, packet):
    out, _, _ = packet
    _, files = read_zip(out)
    (tmp_path / "events.jsonl").write_bytes(files["events.jsonl"])
    other = "sqlite:///" + str(tmp_path / "other.db")
    (tmp_path / "u2.csv").write_text((tmp_path / "u.csv").read_text(encoding="utf-8"), encoding="utf-8")
    assert cli(other, "init").code == 0
    assert cli(other, "units", "import", str(tmp_path / "u2.csv")).code == 0
    run = cli(other, "import", str(tmp_path / "events.jsonl"))
    assert run.code == 0, run.err


def test_verify_packet_offline(tmp_path, packet, monkeypatch):
    out, _, _ = packet
    monkeypatch.chdir(tmp_path)
    run = verify(out)
    assert run.code == 0, run.err
    assert "byte for byte" in run.out and "UNSIGNED" in run.out


def tampered(tmp_path: Path, out: Path, change) -> Path:
    folder, files = read_zip(out)
    change(files)
    return write_zip(tmp_path / "tampered.zip", folder, files)


def edit_records(edit):
    def change(files):
        lines = files["records.jsonl"].decode().splitlines()
        files["records.jsonl"] = ("\n".join(edit(lines)) + "\n").encode()
    return change


def _line_of(lines, event_id):
    return next(i for i, line in enumerate(lines) if json.loads(json.loads(line)["state"]).get("id") == event_id)


def _edit_event(lines, event_id, old, new):
    i = _line_of(lines, event_id)
    row = json.loads(lines[i])
    assert old in row["state"]
    row["state"] = row["state"].replace(old, new)
    lines[i] = json.dumps(row, ensure_ascii=False)
    return lines


def _remove(lines, event_id):
    del lines[_line_of(lines, event_id)]
    return lines


def _add(lines, event_id):
    i = _line_of(lines, event_id)
    row = json.loads(lines[i])
    row["state"] = row["state"].replace(f'"id":"{event_id}"', f'"id":"{event_id}-copy"')
    row["version"] += 100
    lines.append(json.dumps(row, ensure_ascii=False))
    return lines


@pytest.mark.parametrize(("change", "named"), [
    (edit_records(lambda ls: _edit_event(ls, "b-c1", '"date":"2021-', '"date":"2020-')), "not in the checkpointed log"),
    (edit_records(lambda ls: _remove(ls, "b-c1")), "unit:b:2021"),
    (edit_records(lambda ls: _add(ls, "b-c1")), "given twice"),
    (edit_records(lambda ls: _edit_event(ls, "a-m0", '"date":"2021-', '"date":"2020-')), "not in the checkpointed log"),
    (edit_records(lambda ls: _remove(ls, "a-m0")), "unit:a:2021"),
])
def test_tampered_records_fail(tmp_path, packet, change, named):
    out, _, _ = packet
    run = verify(tampered(tmp_path, out, change))
    assert run.code == 1 and named in run.err, run.err


def test_a_packet_that_would_unpack_beyond_the_bound_is_refused_unread(tmp_path, packet, monkeypatch):
    """A zip bomb must not fill the reviewer's memory: the members' declared sizes are checked
    before anything is inflated (the bound lowered to below this packet's size to show it)."""
    from ledger.workflows import verify_packet

    out, _, _ = packet
    declared = sum(m.file_size for m in zipfile.ZipFile(out).infolist())
    monkeypatch.setattr(verify_packet, "MAX_UNPACKED", declared - 1)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: pytest.fail("inflated a member"))
    run = verify(out)
    assert run.code == 1 and f"this one declares {declared} bytes in" in run.err, run.err


def test_peer_stream_dropped_fails(tmp_path, packet):
    out, _, _ = packet

    def change(files):
        heads = json.loads(files["stream_heads.json"])
        heads["present"] = [h for h in heads["present"] if h["stream"] != "unit:a:2021"]
        files["stream_heads.json"] = json.dumps(heads).encode()
        lines = [ln for ln in files["records.jsonl"].decode().splitlines() if json.loads(ln)["stream"] != "unit:a:2021"]
        files["records.jsonl"] = ("\n".join(lines) + "\n").encode()
    run = verify(tampered(tmp_path, out, change))
    assert run.code == 1 and "stream unit:a:2021" in run.err and "peer" in run.err, run.err


def test_policy_edited_fails(tmp_path, packet):
    out, _, _ = packet

    def change(files):
        files["policy.yaml"] = files["policy.yaml"].replace(b"amount: -1}", b"amount: -2}")
    run = verify(tampered(tmp_path, out, change))
    assert run.code == 1 and "policy.yaml" in run.err and "edited" in run.err, run.err


def test_explanation_edited_fails(tmp_path, packet):
    out, _, _ = packet

    def change(files):
        doc = json.loads(files["explanation.json"])
        doc["total"] = doc["total"] + 5
        files["explanation.json"] = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
    run = verify(tampered(tmp_path, out, change))
    assert run.code == 1 and "explanation.json" in run.err and "total" in run.err, run.err


def test_demo_cards_rederive_offline(db_url, tmp_path, monkeypatch):
    """The demo's years: a daan township card (its media line ranks the track: every peer's
    stream is in the packet) as known before the late write, and a jiangxian supervision card
    (quotas and metric targets); both verify and re-derive with no store, and the events
    import into another ledger."""
    monkeypatch.chdir(tmp_path)
    assert cli(db_url, "demo").code == 0
    made = {}
    for unit, args in (("da-chjd", ("--policy", "daan-2021", "--as-of", "2022-01-31", "--known-at", "6918")),
                       ("jx-scj", ("--policy", "jiangxian-2021", "--track", "supervision", "--as-of", "2022-01-31"))):
        out = tmp_path / f"{unit}.zip"
        run = cli(db_url, "packet", unit, *args, "--output", str(out), "--no-pdf")
        assert run.code == 0, run.err
        made[unit] = out
        run = verify(out)
        assert run.code == 0 and "byte for byte" in run.out, run.err
    _, files = read_zip(made["da-chjd"])
    streams = {h["stream"] for h in json.loads(files["stream_heads.json"])["present"]}
    assert len({s for s in streams if s.startswith("unit:da-") and s.endswith("jd:2021")}) > 1  # peers (街道)
    # A peer's media report removed: the rank line would change, and the packet says so.
    folder, files = read_zip(made["da-chjd"])
    peer = next(s for s in streams if s.startswith("unit:da-") and s != "unit:da-chjd:2021")
    lines = files["records.jsonl"].decode().splitlines()
    dropped = [ln for ln in lines if json.loads(ln)["stream"] == peer][-1]
    files["records.jsonl"] = "".join(ln + "\n" for ln in lines if ln != dropped).encode()
    run = verify(write_zip(tmp_path / "t.zip", folder, files))
    assert run.code == 1 and f"stream {peer}" in run.err, run.err


@pytest.mark.parametrize(("name", "data", "named"), [
    ("records.jsonl", b'{"revision": 1}\n', "not what a packet holds (KeyError"),
    ("records.jsonl", b"not json\n", "not what a packet holds (JSONDecodeError"),
    ("stream_heads.json", b"[]", "not what a packet holds (TypeError"),
    ("packet.json", b"[]", "packet.json: not a packet's description"),
    ("tree.json", b'{"size": "x", "nodes": 5}', "a record is not in the checkpointed log"),
])
def test_malformed_files_of_an_unsigned_packet_fail_by_name(tmp_path, packet, name, data, named):
    """Anyone can make an unsigned packet: its files are read without trusting their shape."""
    out, _, _ = packet
    run = verify(tampered(tmp_path, out, lambda files: files.update({name: data})))
    assert run.code == 1 and named in run.err and "Traceback" not in run.err, run.err
