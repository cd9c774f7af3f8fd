"""`ledger packet`: one zip with everything a reviewer needs, re-derivable byte for byte."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from helpers import cli
from test_cli_scoring import POLICY, setup


def test_packet_contents_and_rederivation(db_url, tmp_path):
    setup(db_url, tmp_path)
    known = json.loads(cli(db_url, "score", "--policy", "cli-test", "--format", "json").out)["known_at"]
    correction = cli(db_url, "correct", "b-c1", "--set", "source=某办〔2021〕7号", "--reason", "文号").out.split()[0]
    out = tmp_path / "b.zip"
    run = cli(db_url, "packet", "b", "--policy", "cli-test", "--known-at", str(known), "--output", str(out))
    assert run.code == 0, run.err
    with zipfile.ZipFile(out) as archive:
        files = {Path(n).name: archive.read(n) for n in archive.namelist()}
    assert set(files) == {"explanation.html", "explanation.json", "explanation.csv", "events.json",
                          "policy.yaml", "README.txt", "manifest.json"}
    manifest = json.loads(files["manifest.json"])
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in manifest.items())
    assert files["policy.yaml"] == Path(POLICY).read_bytes()
    # The CSV opens in Excel (UTF-8 BOM) and is the explain command's CSV byte for byte.
    same_csv = tmp_path / "b.csv"
    assert cli(db_url, "explain", "b", "--policy", "cli-test@1", "--track", "main", "--as-of", "2021-12-31",
               "--known-at", str(known), "--format", "csv", "--output", str(same_csv)).code == 0
    assert files["explanation.csv"].startswith(b"\xef\xbb\xbfunit,")
    assert files["explanation.csv"] == same_csv.read_bytes()
    # Re-derivable: the same explain command prints explanation.json byte for byte.
    again = cli(db_url, "explain", "b", "--policy", "cli-test@1", "--track", "main", "--as-of", "2021-12-31",
                "--known-at", str(known), "--format", "json")
    assert (again.out if again.out.endswith("\n") else again.out + "\n").encode() == files["explanation.json"]
    explanation = json.loads(files["explanation.json"])
    assert explanation["total"] == 10 and explanation["known_at"] == known
    events = {e["event"]["id"]: e for e in json.loads(files["events.json"])}
    # Cited: b's criticism and the media reports behind b's rank line.
    assert {"b-c1", "b-m0", "b-m1"} <= set(events)
    (amendment,) = events["b-c1"]["amendments"]
    assert amendment["id"] == correction and amendment["known_at_result"] is False
    readme = files["README.txt"].decode()
    assert f"--known-at {known}" in readme and explanation["head"]["hash"] in readme
    assert "ledger verify" in readme
