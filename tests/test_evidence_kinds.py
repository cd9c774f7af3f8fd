"""What a file is, by its content (ledger.evidence.kinds): the six kinds kept, whatever their
names, and everything else refused naming what it is — no store needed."""

from __future__ import annotations

import io
import zipfile

import evidence_files as files
import pytest

from ledger.errors import InputError
from ledger.evidence import kinds
from ledger.workflows.evidence import file_name

PDF, JPEG, PNG, OFD, DOCX, XLSX = kinds.PDF, kinds.JPEG, kinds.PNG, kinds.OFD, kinds.DOCX, kinds.XLSX


@pytest.mark.parametrize("data, media", [
    (files.pdf(), PDF), (files.jpeg(), JPEG), (files.png(), PNG), (files.ofd(), OFD), (files.docx(), DOCX),
    (files.xlsx(), XLSX),
])
def test_the_kinds_kept(data, media):
    assert kinds.recognise(data, "f") == media


def refused(data: bytes, limit: int | None = None) -> str:
    with pytest.raises(InputError) as caught:
        kinds.recognise(data, "上传.pdf", limit)
    assert caught.value.origin == "上传.pdf"
    return str(caught.value)


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


PPTX_TYPES = files.DOCX_TYPES.replace(b"/word/document.xml", b"/ppt/presentation.xml").replace(
    b"wordprocessingml.document.main", b"presentationml.presentation.main")


@pytest.mark.parametrize("data, found", [
    (b"", "an empty file"),
    (files.windows_program(), "a Windows program (an MZ/PE executable)"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "a Linux program (an ELF executable)"),
    (b"#!/bin/sh\nrm -rf /\n", "a script (#!)"),
    (files.HTML, "an HTML page"),
    (b"\xef\xbb\xbf  <html><body>hi</body></html>", "an HTML page"),
    ("<html>".encode("utf-16"), "an HTML page"),
    (files.SVG_SCRIPT, "an SVG image with a script"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>', "an SVG image with a script"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "an SVG image (a browser may run scripts"),
    (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "an old-format Office document"),
    (b"Rar!\x1a\x07\x00", "a RAR archive"),
    (b"just some notes\n", "plain text"),
    (bytes(range(200, 256)) * 3, "unrecognised content (its first bytes: c8 c9 ca cb cc cd ce cf)"),
    (files.pdf()[:-10], "no %%EOF at its end"),
    (b"%PDF-x\n%%EOF", "no version in its header"),
    (files.pdf(b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"), "active content (/JavaScript"),
    (files.pdf(b"<< /S /Launch /F (cmd.exe) >>"), "active content (/Launch"),
    (files.pdf(b"<< /S /J#61vaScript >>"), "active content (/JavaScript"),
    (files.png()[:-6], "a damaged or cut PNG image"),
    (files.png()[:30] + bytes([files.png()[30] ^ 1]) + files.png()[31:], "its CRC does not match"),
    (files.png() + b"PK\x03\x04 a zip appended", "more bytes after its end (IEND)"),
    (files.jpeg()[:-2], "no end-of-image marker"),
    (files.jpeg()[:8], "a damaged JPEG image"),
    (zipped({"[Content_Types].xml": files.DOCX_TYPES.replace(b"document.main", b"document.macroEnabled.main"),
             "word/document.xml": b"<w/>"}), "a macro-enabled Office document"),
    (zipped({"[Content_Types].xml": files.DOCX_TYPES, "word/document.xml": b"<w/>", "word/vbaProject.bin": b"x"}),
     "it holds a VBA project"),
    (zipped({"[Content_Types].xml": files.DOCX_TYPES, "word/document.xml": b"<w/>",
             "word/embeddings/oleObject1.bin": b"MZ"}), "embedded programs or objects"),
    (zipped({"[Content_Types].xml": PPTX_TYPES, "ppt/presentation.xml": b"<p/>"}), "a PowerPoint presentation"),
    (zipped({"readme.txt": b"hello"}), "a zip archive (not a .docx, .xlsx or OFD document)"),
    (zipped({"OFD.xml": b"<html/>"}), "a damaged OFD document"),
    (b"PK\x03\x04" + b"\x00" * 60, "a damaged zip archive"),
])
def test_everything_else_is_refused_naming_what_it_is(data, found):
    assert found in refused(data)


def test_a_zip_bomb_is_refused_on_its_declared_sizes():
    bomb = files.zip_bomb_docx()
    text = refused(bomb)
    assert "a zip bomb: it declares 260000" in text and "at most 200000000 bytes" in text
    # its index part alone declared huge: refused before it is read
    small_bound = refused(zipped({"[Content_Types].xml": files.DOCX_TYPES + b" " * (kinds.INDEX_PART_BYTES + 1),
                                  "word/document.xml": b"<w/>"}))
    assert "its part [Content_Types].xml declares" in small_bound


def test_the_size_limit(monkeypatch):
    data = files.big_pdf(5000, seed=1)
    assert "a file of at most 0.004 MB (4000 bytes; LEDGER_EVIDENCE_MAX_MB)" in refused(data, 4000)
    assert kinds.recognise(data, "f", len(data)) == PDF
    assert kinds.max_bytes() == 20_000_000
    monkeypatch.setenv("LEDGER_EVIDENCE_MAX_MB", "2.5")
    assert kinds.max_bytes() == 2_500_000
    for bad in ("0", "-1", "nan", "1e9", "lots"):
        monkeypatch.setenv("LEDGER_EVIDENCE_MAX_MB", bad)
        with pytest.raises(InputError) as caught:
            kinds.max_bytes()
        assert caught.value.field == "LEDGER_EVIDENCE_MAX_MB"


@pytest.mark.parametrize("given, kept", [
    ("签收单.pdf", "签收单.pdf"),
    ("C:\\Users\\张三\\桌面\\截图.png", "截图.png"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("a\nb\tc\x00.pdf", "a b c .pdf"),
    ("", "佐证材料.pdf"),
    ("..", "佐证材料.pdf"),
    ("x" * 300 + ".docx", "x" * 250 + ".docx"),
])
def test_file_names_kept(given, kept):
    assert file_name(given, PDF if not given.endswith(".docx") else DOCX) == kept
