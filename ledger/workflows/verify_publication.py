"""``ledger verify-publication FILE``: check a received xlsx, HTML or PDF of a publication
against the ledger (docs/verification.md).

The file's verification code names the publication and the first 16 hex of its content
hash. The ledger regenerates that publication (its content must still hash to the recorded
value), renders the same document again in the file's language and compares: byte for byte
when the file was made by this renderer version (and, for PDF, this PDF engine); otherwise —
or with ``values_only`` — the values a reader sees (every cell of every sheet; every line of
text of the page or of the PDF, read with poppler's ``pdftotext``). Exit 1 names the first
differences; unreadable input or a file without a code is exit 2.
"""

from __future__ import annotations

import difflib
import html.parser
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import i18n
from ..app import Ledger
from ..errors import CheckFailed, InputError
from ..i18n import _

ZH_MARK = "验证码"
"""The zh code line starts with this word: the file's language, to render it again alike."""
SHOWN = 5
"""Differences named at most (the first ones)."""


@dataclass
class Received:
    path: str
    kind: str  # xlsx | html | pdf
    data: bytes
    pub_id: str
    short_hash: str
    version: str
    lang: str
    engine: str = ""
    """A PDF's /Creator (the browser that printed it)."""
    text: list[str] = field(default_factory=list)
    """A PDF's or page's lines of text."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(f"ok  {text}")


def _kind(data: bytes, path: str) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    raise InputError("an xlsx, PDF or HTML document of a publication (`ledger published ID --format …`)",
                     origin=path, got="a file of another kind")


def _pdf_engine(data: bytes) -> str:
    match = re.search(rb"/Creator \((.{0,300}?)(?<!\\)\)", data)
    return match.group(1).decode("latin-1").replace("\\(", "(").replace("\\)", ")") if match else ""


def pdf_text(data: bytes, origin: str) -> list[str]:
    """The PDF's text lines (poppler's ``pdftotext``, reading order), blank lines left out."""
    program = shutil.which("pdftotext")
    if program is None:
        raise InputError("poppler's pdftotext to read a PDF (Debian/Ubuntu: apt-get install poppler-utils)",
                         origin=origin, problem=True)
    with tempfile.TemporaryDirectory(prefix="ledger-verify-") as folder:
        source = Path(folder) / "file.pdf"
        source.write_bytes(data)
        run = subprocess.run([program, "-enc", "UTF-8", str(source), "-"], capture_output=True, timeout=120,
                             stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        raise InputError("a PDF that pdftotext can read", origin=origin,
                         got=run.stderr.decode("utf-8", "replace").strip()[:200] or f"exit {run.returncode}")
    return [line.strip() for line in run.stdout.decode("utf-8", "replace").splitlines() if line.strip()]


class _Text(html.parser.HTMLParser):
    """A page's text as a reader sees it: one line per block; a table row as its cells."""

    BLOCKS = {"p", "h1", "h2", "h3", "div", "section", "header", "footer", "li", "caption", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cells: list[str] | None = None
        self.skip = 0
        self.attrs: dict[str, str] = {}

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self.skip += 1
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th") and self.cells is not None:
            self._flush_cell()
        elif tag in self.BLOCKS:
            self._flush()
        if tag == "p" and ("id", "verification") in attrs:
            self.attrs = {**self.attrs, **{k: v or "" for k, v in attrs}}
        if tag == "html":
            self.attrs["lang"] = dict(attrs).get("lang") or ""

    def _flush_cell(self) -> None:
        if self.cells is not None and self.current:
            self.cells.append(" ".join("".join(self.current).split()))
        self.current = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.skip -= 1
        elif tag in ("td", "th") and self.cells is not None:
            self.cells.append(" ".join("".join(self.current).split()))
            self.current = []
        elif tag == "tr" and self.cells is not None:
            self.lines.append(" | ".join(self.cells))
            self.cells = None
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)


def html_text(data: bytes, origin: str) -> tuple[list[str], dict[str, str]]:
    """The page's lines of text and the code line's attributes (with the page's ``lang``)."""
    try:
        page = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("an HTML page in UTF-8", origin=origin, got=str(exc)) from None
    parser = _Text()
    parser.feed(page)
    parser.close()
    parser._flush()
    return parser.lines, parser.attrs


def _xlsx_properties(data: bytes, origin: str) -> dict[str, str]:
    """The workbook's core properties (docProps/core.xml), read without running anything."""
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            core = archive.read("docProps/core.xml")
        root = ElementTree.fromstring(core)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise InputError("an Excel workbook (xlsx) with its document properties", origin=origin,
                         got=str(exc)) from None
    return {child.tag.rpartition("}")[2]: (child.text or "") for child in root}


def read(path: str) -> Received:
    """The received file, its kind and its code (InputError, exit 2: unreadable, or no code)."""
    from ..reports.published import CODE, LINE

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError("a readable file", origin=path, got=exc.strerror or str(exc)) from None
    kind = _kind(data, path)
    text: list[str] = []
    engine = ""
    if kind == "xlsx":
        props = _xlsx_properties(data, path)
        found = CODE.fullmatch(props.get("identifier", ""))
        line = props.get("description", "")
        version = props.get("version", "")
        lang = "zh" if props.get("language", "").startswith("zh") else "en"
    else:
        if kind == "html":
            text, attrs = html_text(data, path)
            found = CODE.fullmatch(attrs.get("data-code", ""))
            version = attrs.get("data-version", "")
        else:
            text = pdf_text(data, path)
            engine = _pdf_engine(data)
            joined = " ".join(text)
            matched = LINE.search(joined)
            found = CODE.fullmatch(f"{matched.group(1)}:{matched.group(2)}") if matched else None
            version = matched.group(3) if matched else ""
        line = next((t for t in text if found and found.group(0) in t), "")
        lang = "zh" if ZH_MARK in line else "en"
        if kind == "html":
            lang = "zh" if attrs.get("lang", "").startswith("zh") else "en"
    if found is None:
        raise InputError("a verification code (pub-…:…, made by `ledger published ID --format xlsx|html|pdf`) "
                         "in the file", origin=path, got="-")
    return Received(path, kind, data, found.group(1), found.group(2), version, lang if line else i18n.lang(),
                    engine, text)


def xlsx_values(data: bytes, origin: str) -> dict[tuple[str, str], Any]:
    """Every non-empty cell: (sheet, cell) → value (formulas as their text: nothing is run)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is bad input
        raise InputError("an Excel workbook (xlsx) openpyxl can read", origin=origin, got=str(exc)) from None
    out: dict[tuple[str, str], Any] = {}
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and hasattr(cell, "coordinate"):
                        out[(ws.title, cell.coordinate)] = cell.value
    finally:
        book.close()
    return out


def _xlsx_differences(got: bytes, want: bytes, origin: str) -> list[str]:
    have, expected = xlsx_values(got, origin), xlsx_values(want, "the publication")
    out = []
    for key in sorted(set(have) | set(expected), key=lambda k: (k[0], len(k[1]), k[1])):
        a, b = have.get(key), expected.get(key)
        if a != b:
            sheet, cell = key
            out.append(i18n.f("sheet '{sheet}' cell {cell}: {got} in the file, {want} in the publication",
                              sheet=sheet, cell=cell, got=repr(a), want=repr(b)))
    return out


def _line_differences(got: list[str], want: list[str]) -> list[str]:
    out = []
    matcher = difflib.SequenceMatcher(a=got, b=want, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        file_side = repr(" / ".join(got[i1:i2])) if i2 > i1 else _("nothing")
        pub_side = repr(" / ".join(want[j1:j2])) if j2 > j1 else _("nothing")
        out.append(i18n.f("line {n}: {got} in the file, {want} in the publication", n=i1 + 1, got=file_side,
                          want=pub_side))
    return out


def _differences(received: Received, expected: bytes) -> list[str]:
    if received.kind == "xlsx":
        return _xlsx_differences(received.data, expected, received.path)
    if received.kind == "html":
        return _line_differences(received.text, html_text(expected, "the publication")[0])
    return _line_differences(received.text, pdf_text(expected, "the publication"))


def verify_publication(ledger: Ledger, path: str, *, values_only: bool = False) -> Report:
    """Check ``path`` against the publication its code names (CheckFailed naming the first
    differences; InputError for unreadable input or no code)."""
    from ..reports import formats
    from ..reports.published import PublishedDocument, version
    from . import publishing

    received = read(path)
    report = Report()
    pubs = {p.id: p for p in publishing.publications(ledger)}
    pub = pubs.get(received.pub_id)
    if pub is None:
        raise CheckFailed(i18n.f("{file}: its code names publication {id}, which this ledger has not recorded",
                                 file=path, id=received.pub_id))
    if not pub.content_sha256.startswith(received.short_hash):
        raise CheckFailed(i18n.f("{file}: its code carries content hash {code}, but publication {id} hashes to "
                                 "{hash}", file=path, code=received.short_hash, id=pub.id,
                                 hash=pub.content_sha256[:16]))
    what = f"{pub.kind} {pub.policy} {pub.as_of}" + (f" {pub.period}" if pub.period else "")
    report.ok(i18n.f("code {code}: publication {id} ({what}, known at revision {known_at})",
                     code=f"{received.pub_id}:{received.short_hash}", id=pub.id, what=what, known_at=pub.known_at))
    result, _content, same = publishing.regenerate(ledger, pub)
    if not same:
        raise CheckFailed(i18n.f("publication {id}: the ledger no longer reproduces its content (sha256 differs): "
                                 "see `ledger published {id}`", id=pub.id))
    report.ok(i18n.f("the publication's content regenerated byte for byte (sha256 {hash})",
                     hash=pub.content_sha256[:16]))
    before = i18n.lang()
    i18n.set_lang(received.lang)
    try:
        expected = formats.render("publication", received.kind, PublishedDocument(pub, result))
    finally:
        i18n.set_lang(before)
    assert isinstance(expected, bytes | str)
    want = expected.encode() if isinstance(expected, str) else expected
    mine = version()
    engine = _pdf_engine(want) if received.kind == "pdf" else ""
    if received.data == want:
        report.ok(i18n.f("{kind}: the same bytes as the publication rendered again (renderer {version})",
                         kind=received.kind, version=mine))
        return report
    differences = _differences(received, want)
    if differences:
        more = i18n.f(" (and {n} more)", n=len(differences) - SHOWN) if len(differences) > SHOWN else ""
        raise CheckFailed(i18n.f("{file}: differs from publication {id}: {what}", file=path, id=pub.id,
                                 what="; ".join(differences[:SHOWN]) + more))
    same_maker = received.version == mine and received.engine == engine
    if same_maker and not values_only:
        raise CheckFailed(i18n.f("{file}: every value is the publication's, but the bytes differ though the file "
                                 "names this renderer ({version}): changed formatting or properties, or saved "
                                 "again by another program (--values-only accepts that)", file=path,
                                 version=mine + (f", {engine}" if engine else "")))
    report.ok(i18n.f("{kind}: every value is the publication's (cells compared)", kind=received.kind)
              if received.kind == "xlsx" else
              i18n.f("{kind}: every value is the publication's (lines of text compared)", kind=received.kind))
    if received.version != mine:
        report.lines.append(i18n.f("note  renderer versions differ: the file names {theirs}, this ledger is "
                                   "{mine}: values compared, not bytes", theirs=received.version or "-", mine=mine))
    elif received.engine != engine:
        report.lines.append(i18n.f("note  PDF engines differ: the file was printed by {theirs}, this ledger prints "
                                   "with {mine}: text compared, not bytes", theirs=received.engine or "-",
                                   mine=engine))
    return report
