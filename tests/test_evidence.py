"""Evidence files (佐证材料, issue #33) on both stores: attached by content and hash, kept once,
shown on the explanation's lines and in history, carried in packets, withdrawn with the records
kept, and every change of a stored byte caught by `ledger verify`."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import evidence_files as files
import pytest
from helpers import cli, write_jsonl
from test_cli_scoring import setup
from test_documents import check_pdf, printer  # noqa: F401 - the printer fixture

from ledger.app import Ledger


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def head(url: str) -> tuple[int, str]:
    with Ledger(url) as ledger:
        return ledger.head()


def stored(url: str) -> dict[str, int]:
    """The evidence table as SQL sees it: hash → size."""
    with Ledger(url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=False) as c:
            return {r["sha256"]: int(r["size"]) for r in b.query(c, "SELECT sha256, size FROM ledger_evidence")}


def raw(url: str, statement: str, params: tuple = ()) -> None:
    with Ledger(url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=True) as c:
            c.execute(b.sql(statement), params)


RECEIPT = files.pdf(text="qianshoudan")
SCREENSHOT = files.png(3, 2)


@pytest.fixture
def world(db_url, tmp_path):
    """The command-line tests' world (units a, b, c; policy cli-test: b-c1 is a criticism of b, −2)
    with a receipt and a screenshot attached to b-c1."""
    setup(db_url, tmp_path)
    run = cli(db_url, "attach", "b-c1", put(tmp_path, "签收单.pdf", RECEIPT), put(tmp_path, "截图.png", SCREENSHOT),
              "--note", "整改材料")
    assert run.code == 0, run.err
    return db_url


def test_attach_keeps_each_file_once_under_its_hash_and_records_it(world, tmp_path):
    url = world
    revision, _ = head(url)
    assert stored(url) == {sha(RECEIPT): len(RECEIPT), sha(SCREENSHOT): len(SCREENSHOT)}
    # the records: two evidence_attached events in b's stream, their hashes in the log
    history = json.loads(cli(url, "history", "b", "--format", "json").out)
    attached = [h for h in history if h["type"] == "evidence_attached"]
    assert [(h["target"], h["sha256"], h["name"], h["size"], h["media_type"], h["note"]) for h in attached] == [
        ("b-c1", sha(RECEIPT), "签收单.pdf", len(RECEIPT), "application/pdf", "整改材料"),
        ("b-c1", sha(SCREENSHOT), "截图.png", len(SCREENSHOT), "image/png", "整改材料")]
    assert [h["revision"] for h in attached] == [revision - 1, revision]
    criticism = next(h for h in history if h["id"] == "b-c1")
    assert criticism["evidence"] == [{"sha256": sha(RECEIPT), "name": "签收单.pdf", "size": len(RECEIPT)},
                                     {"sha256": sha(SCREENSHOT), "name": "截图.png", "size": len(SCREENSHOT)}]
    # the same file again: on b-c1 nothing is written; on another event one record, no second copy
    run = cli(url, "attach", "b-c1", put(tmp_path, "again.pdf", RECEIPT))
    assert run.code == 0 and "already attached" in run.out and head(url)[0] == revision
    run = cli(url, "attach", "a-w1", put(tmp_path, "again.pdf", RECEIPT), put(tmp_path, "twice.pdf", RECEIPT))
    assert run.code == 0 and f"revision {revision + 1}" in run.out and head(url)[0] == revision + 1
    assert stored(url) == {sha(RECEIPT): len(RECEIPT), sha(SCREENSHOT): len(SCREENSHOT)}
    # the bytes come back as they went in
    out = tmp_path / "out.pdf"
    run = cli(url, "evidence", "get", sha(RECEIPT), "--output", str(out))
    assert run.code == 0 and out.read_bytes() == RECEIPT
    run = cli(url, "verify")
    assert run.code == 0 and f"evidence: 2 files, {len(RECEIPT) + len(SCREENSHOT)} bytes, each re-hashed" in run.out


def test_every_kind_kept_is_recognised_by_content_whatever_its_name(db_url, tmp_path):
    setup(db_url, tmp_path)
    kinds = {"a.bin": (files.jpeg(), "image/jpeg"), "b": (files.docx(), "application/vnd.openxmlformats-"
                                                                         "officedocument.wordprocessingml.document"),
             "c.pdf": (files.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             "d.zip": (files.ofd(), "application/ofd")}
    run = cli(db_url, "attach", "a-w1", *(put(tmp_path, n, data) for n, (data, _) in kinds.items()))
    assert run.code == 0, run.err
    media = {h["name"]: h["media_type"] for h in json.loads(cli(db_url, "history", "a", "--format", "json").out)
             if h["type"] == "evidence_attached"}
    assert media == {name: kind for name, (_, kind) in kinds.items()}


@pytest.mark.parametrize("name, data, found", [
    ("申报表.pdf", files.windows_program(), "a Windows program (an MZ/PE executable)"),
    ("通知.pdf", files.HTML, "an HTML page"),
    ("截图.png", files.SVG_SCRIPT, "an SVG image with a script"),
    ("旧表.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "an old-format Office document"),
    ("图.png", files.png() + b"<html><script>alert(1)</script></html>", "more bytes after its end (IEND)"),
])
def test_hostile_files_are_refused_naming_what_they_are_and_nothing_is_written(db_url, tmp_path, name, data, found):
    setup(db_url, tmp_path)
    before = head(db_url)
    # a good file beside the hostile one: all or nothing
    run = cli(db_url, "attach", "b-c1", put(tmp_path, "ok.pdf", RECEIPT), put(tmp_path, name, data))
    assert run.code == 2 and name in run.err and found in run.err, run.err
    assert "Traceback" not in run.err
    assert head(db_url) == before and stored(db_url) == {}


@pytest.mark.slow
def test_a_zip_bomb_dressed_as_docx_is_refused_before_it_is_inflated(db_url, tmp_path):
    setup(db_url, tmp_path)
    before = head(db_url)
    bomb = files.zip_bomb_docx()
    assert len(bomb) < 1_000_000
    run = cli(db_url, "attach", "b-c1", put(tmp_path, "报告.docx", bomb))
    assert run.code == 2 and "报告.docx" in run.err and "a zip bomb: it declares 260000" in run.err, run.err
    assert head(db_url) == before and stored(db_url) == {}


def test_the_size_limit_is_settable_and_checked_before_reading(db_url, tmp_path, monkeypatch):
    setup(db_url, tmp_path)
    big = files.big_pdf(30_000, seed=7)
    monkeypatch.setenv("LEDGER_EVIDENCE_MAX_MB", "0.02")
    run = cli(db_url, "attach", "b-c1", put(tmp_path, "大.pdf", big))
    assert run.code == 2 and "a file of at most 20000 bytes (LEDGER_EVIDENCE_MAX_MB)" in run.err
    assert f"got {len(big)} bytes" in run.err
    monkeypatch.setenv("LEDGER_EVIDENCE_MAX_MB", "lots")
    run = cli(db_url, "attach", "b-c1", put(tmp_path, "大.pdf", big))
    assert run.code == 2 and "LEDGER_EVIDENCE_MAX_MB" in run.err and "'lots'" in run.err
    monkeypatch.setenv("LEDGER_EVIDENCE_MAX_MB", "0.04")
    assert cli(db_url, "attach", "b-c1", put(tmp_path, "大.pdf", big)).code == 0
    assert stored(db_url) == {sha(big): len(big)}


def test_attach_refuses_what_is_not_an_event_of_a_unit(world, tmp_path):
    url = world
    before = head(url)
    receipt = put(tmp_path, "r.pdf", files.pdf(text="other"))
    run = cli(url, "attach", "no-such-event", receipt)
    assert run.code == 2 and "EVENT" in run.err and "no-such-event" in run.err
    record = next(h for h in json.loads(cli(url, "history", "b", "--format", "json").out)
                  if h["type"] == "evidence_attached")
    run = cli(url, "attach", record["id"], receipt)
    assert run.code == 2 and "is a evidence_attached record" in run.err
    run = cli(url, "attach", "policy:cli-test@1", receipt)
    assert run.code == 2 and "policy_published record" in run.err
    run = cli(url, "attach", "b-c1", str(tmp_path / "missing.pdf"))
    assert run.code == 2 and "missing.pdf" in run.err
    assert head(url) == before
    # evidence records are the ledger's: never imported, retracted or corrected
    line = {k: v for k, v in record.items() if k not in ("revision", "recorded_at", "actor", "stream", "id")}
    run = cli(url, "import", write_jsonl(tmp_path / "e.jsonl", [line]))
    assert run.code == 2 and "(got 'evidence_attached')" in run.err
    assert "evidence_attached" not in run.err.split("one of:")[-1].split("(got")[0]
    assert cli(url, "retract", record["id"], "--reason", "x").code == 2
    assert cli(url, "correct", record["id"], "--set", "name=x.pdf", "--reason", "x").code == 2
    assert head(url) == before


def test_the_explanation_names_the_files_on_each_line_in_every_format(world, tmp_path):
    url = world
    args = ("explain", "b", "--policy", "cli-test")
    doc = json.loads(cli(url, *args, "--format", "json").out)
    line = next(ln for ln in doc["lines"] if ln.get("event") == "b-c1")
    assert line["delta"] == -2 and line["evidence"] == [
        {"sha256": sha(RECEIPT), "name": "签收单.pdf", "size": len(RECEIPT)},
        {"sha256": sha(SCREENSHOT), "name": "截图.png", "size": len(SCREENSHOT)}]
    assert all("evidence" not in ln for ln in doc["lines"] if ln.get("event") != "b-c1")
    table = cli(url, *args).out
    assert f"evidence: 签收单.pdf ({len(RECEIPT)} B, SHA-256 {sha(RECEIPT)[:12]})" in table
    assert f"截图.png ({len(SCREENSHOT)} B, SHA-256 {sha(SCREENSHOT)[:12]})" in table
    assert f"签收单.pdf ({len(RECEIPT)} B, SHA-256 {sha(RECEIPT)[:12]})" in cli(url, *args, "--format", "md").out
    assert f"签收单.pdf ({len(RECEIPT)} B, SHA-256 {sha(RECEIPT)})" in cli(url, *args, "--format", "html").out
    csv_text = cli(url, *args, "--format", "csv").out
    assert csv_text.splitlines()[0].endswith(",what,evidence")
    assert f"签收单.pdf ({len(RECEIPT)} B, SHA-256 {sha(RECEIPT)})" in csv_text
    out = tmp_path / "e.xlsx"
    assert cli(url, *args, "--format", "xlsx", "--output", str(out)).code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(out).worksheets[1]
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "佐证材料 evidence" in cells and any(sha(SCREENSHOT) in c for c in cells)
    zh = cli(url, "--lang", "zh", *args).out
    assert f"佐证材料：签收单.pdf（{len(RECEIPT)} B，SHA-256 {sha(RECEIPT)[:12]}）、截图.png" in zh
    # as known before the files were attached: no evidence on the line
    before = json.loads(cli(url, *args, "--known-at", str(head(url)[0] - 2), "--format", "json").out)
    assert all("evidence" not in ln for ln in before["lines"])


def test_a_hostile_file_name_is_shown_escaped_never_run(db_url, tmp_path):
    setup(db_url, tmp_path)
    name = "=HYPERLINK(\"http:x\")<img src=x onerror=alert(1)>|*.pdf"
    assert cli(db_url, "attach", "b-c1", put(tmp_path, "x.pdf", RECEIPT)).code == 0
    # the name is the uploaded one (a browser's file name may hold anything but a path separator)
    from ledger.workflows.evidence import Upload, attach

    with Ledger(db_url) as ledger:
        attach(ledger, "a-w1", [Upload(name, SCREENSHOT)])
    args = ("explain", "a", "--policy", "cli-test")
    html_page = cli(db_url, *args, "--format", "html").out
    assert "<img" not in html_page and "&lt;img src=x onerror=alert(1)&gt;|*.pdf" in html_page
    md_text = cli(db_url, *args, "--format", "md").out
    assert "<img" not in md_text and "&lt;img src=x onerror=alert(1)&gt;\\|\\*.pdf" in md_text
    import csv

    rows = list(csv.reader(cli(db_url, *args, "--format", "csv").out.splitlines()))
    cell = next(r[-1] for r in rows if r[9] == "a-w1")
    assert cell.startswith("evidence: =HYPERLINK") and name in cell  # a sentence, never a formula


def test_a_changed_stored_byte_is_caught_by_verify(world):
    url = world
    stored_now = stored(url)
    assert len(stored_now) == 2
    # one byte of the screenshot changed, in place, by someone with write access to the database
    changed = SCREENSHOT[:20] + bytes([SCREENSHOT[20] ^ 1]) + SCREENSHOT[21:]
    raw(url, "UPDATE ledger_evidence SET content = ? WHERE sha256 = ?", (changed, sha(SCREENSHOT)))
    run = cli(url, "verify")
    assert run.code == 1 and f"evidence file {sha(SCREENSHOT)} ('截图.png'" in run.err
    assert "stored bytes do not match its hash (altered)" in run.err
    assert f"first bad evidence file: {sha(SCREENSHOT)}" in run.out
    # reading it refuses too (exit 3), never serving altered bytes
    run = cli(url, "evidence", "get", sha(SCREENSHOT), "--output", "/dev/null")
    assert run.code == 3 and "run `ledger verify`" in run.err
    raw(url, "UPDATE ledger_evidence SET content = ? WHERE sha256 = ?", (SCREENSHOT, sha(SCREENSHOT)))
    assert cli(url, "verify").code == 0


@pytest.mark.parametrize("statement, params, said", [
    ("DELETE FROM ledger_evidence WHERE sha256 = ?", "receipt", "its bytes are missing from the store"),
    ("INSERT INTO ledger_evidence (sha256, size, content) VALUES (?, 3, ?)", "extra",
     "the evidence table holds a file no record attaches"),
    ("UPDATE ledger_evidence SET size = size + 1 WHERE sha256 = ?", "receipt", "do not match its hash"),
])
def test_removed_added_or_resized_files_are_caught(world, statement, params, said):
    url = world
    values = (sha(RECEIPT),) if params == "receipt" else (sha(b"abc"), b"abc")
    raw(url, statement, values)
    run = cli(url, "verify")
    assert run.code == 1 and said in run.err, run.err


def test_withdrawal_removes_the_bytes_and_keeps_hash_and_records(world, tmp_path):
    url = world
    revision, _ = head(url)
    # the receipt also on a's warning: one withdrawal record in each stream holding it
    assert cli(url, "attach", "a-w1", put(tmp_path, "r.pdf", RECEIPT)).code == 0
    run = cli(url, "evidence", "withdraw", sha(RECEIPT).upper(), "--reason", "含身份证号，误传")
    assert run.code == 0 and f"revision {revision + 2}" in run.out and f"revision {revision + 3}" in run.out
    assert stored(url) == {sha(SCREENSHOT): len(SCREENSHOT)}
    history = json.loads(cli(url, "history", "b", "--format", "json").out)
    withdrawal = next(h for h in history if h["type"] == "evidence_withdrawn")
    assert (withdrawal["sha256"], withdrawal["reason"]) == (sha(RECEIPT), "含身份证号，误传")
    attached = next(h for h in history if h["type"] == "evidence_attached" and h["sha256"] == sha(RECEIPT))
    assert attached["withdrawn_by"] == withdrawal["id"] and attached["size"] == len(RECEIPT)
    assert "withdrawn by" in cli(url, "history", "b").out
    # verify: the withdrawn file's bytes are legitimately absent
    run = cli(url, "verify")
    assert run.code == 0 and f"evidence: 1 files, {len(SCREENSHOT)} bytes" in run.out and "1 withdrawn" in run.out
    # its bytes are gone for good: get, attach again, withdraw again all refused
    run = cli(url, "evidence", "get", sha(RECEIPT), "--output", str(tmp_path / "x.pdf"))
    assert run.code == 2 and "was withdrawn at revision" in run.err and "含身份证号" in run.err
    assert not (tmp_path / "x.pdf").exists()
    run = cli(url, "attach", "c-c1", put(tmp_path, "r.pdf", RECEIPT))
    assert run.code == 2 and "its bytes are not kept again" in run.err
    assert cli(url, "evidence", "withdraw", sha(RECEIPT), "--reason", "again").code == 2
    # explanations say so: the JSON entry marked, the table 已撤回 / withdrawn
    doc = json.loads(cli(url, "explain", "b", "--policy", "cli-test", "--format", "json").out)
    line = next(ln for ln in doc["lines"] if ln.get("event") == "b-c1")
    assert line["evidence"][0] == {"sha256": sha(RECEIPT), "name": "签收单.pdf", "size": len(RECEIPT),
                                   "withdrawn": True}
    assert "签收单.pdf（已撤回）" in cli(url, "--lang", "zh", "explain", "b", "--policy", "cli-test").out
    # as known before the withdrawal, the file was there
    before = json.loads(cli(url, "explain", "b", "--policy", "cli-test", "--known-at", str(revision),
                            "--format", "json").out)
    assert "withdrawn" not in next(ln for ln in before["lines"] if ln.get("event") == "b-c1")["evidence"][0]
    # and bytes of a withdrawn file put back by hand are found
    raw(url, "INSERT INTO ledger_evidence (sha256, size, content) VALUES (?, ?, ?)",
        (sha(RECEIPT), len(RECEIPT), RECEIPT))
    run = cli(url, "verify")
    assert run.code == 1 and "was withdrawn at revision" in run.err and "still stored" in run.err


def test_get_and_withdraw_name_bad_hashes(world, tmp_path):
    url = world
    assert cli(url, "evidence", "get", "abc").code == 2
    run = cli(url, "evidence", "get", "0" * 64, "--output", str(tmp_path / "x"))
    assert run.code == 2 and "the SHA-256 of an evidence file in the ledger" in run.err
    assert cli(url, "evidence", "withdraw", "0" * 64, "--reason", "x").code == 2


def test_packets_carry_the_hashes_and_with_evidence_the_files(world, tmp_path):
    url = world
    plain, full = tmp_path / "plain.zip", tmp_path / "full.zip"
    assert cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(plain)).code == 0
    run = cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--with-evidence", "--output", str(full))
    assert run.code == 0, run.err
    names = {Path(n).name: n for n in zipfile.ZipFile(full).namelist()}
    receipt_name, shot_name = f"evidence-{sha(RECEIPT)}.pdf", f"evidence-{sha(SCREENSHOT)}.png"
    assert receipt_name in names and shot_name in names
    assert zipfile.ZipFile(full).read(names[receipt_name]) == RECEIPT
    assert not any(n.startswith("evidence-") for n in (Path(x).name for x in zipfile.ZipFile(plain).namelist()))
    explanation = json.loads(zipfile.ZipFile(plain).read(next(n for n in zipfile.ZipFile(plain).namelist()
                                                              if n.endswith("explanation.json"))))
    assert any(ln.get("evidence") for ln in explanation["lines"])  # the hashes, even without the bytes
    for packet in (plain, full):
        run = cli(f"sqlite:///{tmp_path}/none.db", "verify-packet", str(packet), "--allow-unsigned")
        assert run.code == 0, run.out + run.err
        assert "evidence: 2 file(s) attached in the proven records, " in run.out
    assert "2 carried here" in cli(f"sqlite:///{tmp_path}/none.db", "verify-packet", str(full),
                                   "--allow-unsigned").out


def test_verify_packet_checks_each_evidence_file_it_finds(world, tmp_path, monkeypatch):
    """A packet the office signed with a wrong file in it (or one missing) is refused by name —
    the check that stands when the manifest is honest about what it lists."""
    from ledger.workflows import packets

    url = world
    real = packets._evidence

    def swapped(ledger, files_, streams, size):
        real(ledger, files_, streams, size)
        files_[f"evidence-{sha(SCREENSHOT)}.png"] = files.png(4, 4)

    def dropped(ledger, files_, streams, size):
        real(ledger, files_, streams, size)
        del files_[f"evidence-{sha(SCREENSHOT)}.png"]

    for change, said in ((swapped, "not an evidence file a proven record attaches"),
                         (dropped, "is missing from a packet made with its evidence")):
        monkeypatch.setattr(packets, "_evidence", change)
        out = tmp_path / f"{change.__name__}.zip"
        assert cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--with-evidence", "--output",
                   str(out)).code == 0
        run = cli(f"sqlite:///{tmp_path}/none.db", "verify-packet", str(out), "--allow-unsigned")
        assert run.code == 1 and said in run.err, run.out + run.err
    monkeypatch.setattr(packets, "_evidence", real)
    # beyond what verify-packet reads: refused at the office, not at the reviewer's
    from ledger.workflows import verify_packet

    plain = tmp_path / "plain.zip"
    assert cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(plain)).code == 0
    unpacked = sum(info.file_size for info in zipfile.ZipFile(plain).infolist())
    monkeypatch.setattr(verify_packet, "MAX_UNPACKED", unpacked + 100)  # less than the two files' bytes
    run = cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--with-evidence", "--output",
              str(tmp_path / "big.zip"))
    assert run.code == 2 and "--with-evidence" in run.err and not (tmp_path / "big.zip").exists()


def test_a_unit_packet_carries_only_its_own_evidence(world, tmp_path):
    url = world
    assert cli(url, "attach", "a-w1", put(tmp_path, "a.png", files.png(5, 5))).code == 0
    out = tmp_path / "b-unit.zip"
    assert cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--for-unit", "--with-evidence",
               "--output", str(out)).code == 0
    names = {Path(n).name for n in zipfile.ZipFile(out).namelist() if Path(n).name.startswith("evidence-")}
    assert names == {f"evidence-{sha(RECEIPT)}.pdf", f"evidence-{sha(SCREENSHOT)}.png"}
    assert cli(f"sqlite:///{tmp_path}/none.db", "verify-packet", str(out), "--allow-unsigned").code == 0


def test_attaching_from_two_processes_keeps_one_copy(db_url, tmp_path):
    """Two writers attaching the same bytes to two events at once: the lock orders them, the
    second finds the bytes kept and adds only its record."""
    import threading

    setup(db_url, tmp_path)
    from ledger.workflows.evidence import Upload, attach

    errors: list[BaseException] = []

    def one(target: str) -> None:
        try:
            with Ledger(db_url, actor=target) as ledger:
                attach(ledger, target, [Upload("r.pdf", RECEIPT)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(t,)) for t in ("a-w1", "b-c1")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and stored(db_url) == {sha(RECEIPT): len(RECEIPT)}
    assert cli(db_url, "verify").code == 0


def test_evidence_bytes_are_not_in_records_nor_in_the_import_file(world, tmp_path):
    """The log holds the hash, never the bytes: a record stays small whatever the file."""
    url = world
    for h in json.loads(cli(url, "history", "b", "--format", "json").out):
        assert "content" not in h
    out = tmp_path / "p.zip"
    assert cli(url, "packet", "b", "--policy", "cli-test", "--no-pdf", "--output", str(out)).code == 0
    with zipfile.ZipFile(out) as archive:
        events = archive.read(next(n for n in archive.namelist() if n.endswith("events.jsonl"))).decode()
    assert "evidence_attached" not in events and "b-c1" in events


@pytest.mark.slow
def test_the_printed_explanation_names_the_files(printer, tmp_path):  # noqa: F811
    """The PDF (the printable page, printed by Chromium) carries the files' names and hashes."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup(url, tmp_path)
    assert cli(url, "attach", "b-c1", put(tmp_path, "签收单.pdf", RECEIPT)).code == 0
    out = tmp_path / "b.pdf"
    assert cli(url, "--lang", "zh", "explain", "b", "--policy", "cli-test", "--format", "pdf", "--output",
               str(out)).code == 0
    text = check_pdf(out, "佐证材料", "签收单.pdf")
    assert sha(RECEIPT)[:16] in "".join(text.split())
