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
from ..i18n import Msg, _

ZH_MARK = "验证码"
"""The zh code line starts with this word: the file's language, to render it again alike."""
SHOWN = 5
"""Differences named at most (the first ones)."""
MAX_BYTES = 64 * 2**20
"""A received file larger than this is refused unread (exit 2): a publication's xlsx, HTML or
PDF is a few MB at most, and a huge file (or a device like /dev/zero) must not fill memory."""
MAX_UNPACKED = 64 * 2**20
"""The most an xlsx may unpack to (the sum of its members' declared sizes, which bound what
``zipfile`` inflates): a zip bomb is refused before anything is inflated."""
MAX_MEMBERS = 1000


def shown(path: str) -> str:
    """A file name as messages print it: control characters (a line break, a terminal escape)
    written as escapes, so a hostile name cannot forge a line or colour the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


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
                     origin=path, got=Msg("a file of another kind"))


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


def _zip_guard(data: bytes, origin: str) -> None:
    """Refuse a workbook that would unpack to more than ``MAX_UNPACKED`` (a zip bomb) before
    anything is inflated: ``zipfile`` inflates a member only up to its declared size."""
    from .archives import oversized

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            too_big = oversized(archive, MAX_UNPACKED, MAX_MEMBERS)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError("an Excel workbook (xlsx) with its document properties", origin=origin,
                         got=str(exc)) from None
    if too_big is not None:
        unpacked, count = too_big
        raise InputError(Msg("an Excel workbook that unpacks to at most {mb} MiB in at most {n} parts",
                             mb=MAX_UNPACKED // 2**20, n=MAX_MEMBERS), origin=origin,
                         got=Msg("{size} bytes in {count} parts", size=unpacked, count=count))


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
    origin = shown(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # never more: a huge file or a device is refused unread
    except OSError as exc:
        raise InputError("a readable file", origin=origin, got=exc.strerror or str(exc)) from None
    return receive(data, origin)


def receive(data: bytes, name: str) -> Received:
    """A received document's bytes (a file read, or an upload on the workbench), its kind and
    its code; ``name`` names it in messages (already made printable)."""
    from ..reports.published import CODE, LINE

    path = name
    if len(data) > MAX_BYTES:
        raise InputError(Msg("a document of at most {mb} MiB (a publication's xlsx, HTML or PDF is far smaller)",
                             mb=MAX_BYTES // 2**20), origin=path, got=Msg("a larger file"))
    kind = _kind(data, path)
    text: list[str] = []
    engine = ""
    if kind == "xlsx":
        _zip_guard(data, path)
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


def _unversioned(lines: list[str]) -> list[str]:
    """The lines with the renderer's version on the code line left out: a file made by another
    renderer version says so there, and is compared by its values (the version is reported
    apart)."""
    from ..reports.published import LINE

    return [LINE.sub(lambda m: m.group(0)[:m.start(3) - m.start(0)] + "…", line) for line in lines]


def _differences(received: Received, expected: bytes) -> list[str]:
    if received.kind == "xlsx":
        return _xlsx_differences(received.data, expected, received.path)
    if received.kind == "html":
        return _line_differences(_unversioned(received.text), _unversioned(html_text(expected, "the publication")[0]))
    return _line_differences(_unversioned(received.text), _unversioned(pdf_text(expected, "the publication")))


# --- what a reader is shown besides the values -------------------------------------------------
ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link", "form",
               "input", "button", "img", "video", "audio", "source", "svg", "math", "template", "noscript",
               "portal"}
"""Tags a publication's page never has: what runs, loads, sends or draws something (not text)."""
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "ping"}
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "footer", "section", "div", "p", "h1",
             "hr", "table", "thead", "tbody", "tr", "th", "td"}
PAGE_ATTRS = {"lang", "charset", "class", "id", "colspan", "data-code", "data-version", "data-track"}
"""Every element and attribute a released renderer writes into a publication's page: any other
(``<details>``, ``<font>``, ``style=``, ``hidden``, ``aria-hidden`` …) can hide, overlay or
restyle what is shown, whatever renderer version the page names."""
HIDING_CSS = {"display", "visibility", "opacity", "position", "z-index", "transform", "translate", "scale",
              "rotate", "clip", "clip-path", "mask", "filter", "mix-blend-mode", "color", "background",
              "background-color", "font-size", "line-height", "height", "max-height", "width", "max-width",
              "overflow", "text-indent", "margin", "margin-top", "margin-left", "top", "left", "right", "bottom",
              "inset", "letter-spacing", "font-family", "content-visibility", "text-shadow", "direction",
              "unicode-bidi", "writing-mode", "float", "columns", "order", "flex", "grid"}
"""CSS properties that can hide a page's text, lay something over it or make one text look
like another (white on white, zero size, moved out of sight, another font)."""


def _declarations(styles: list[str]) -> set[tuple[str, str]]:
    """A stylesheet's (property, value) declarations, whitespace folded, comments left out."""
    css = re.sub(r"/\*.*?\*/", "", " ".join(styles), flags=re.S).lower()
    found = set()
    for block in re.findall(r"\{([^{}]*)\}", css):
        for part in block.split(";"):
            name, colon, value = part.partition(":")
            if colon:
                found.add(("".join(name.split()), " ".join(value.split())))
    return found


def _css_findings(got: list[str], released: list[str], version: str) -> list[str]:
    """What a page's stylesheet does that the released renderer's does not: generated text
    (``::before``/``::after`` ``content``), hiding or overlaying, or any other change (a page
    passes only with its renderer's stylesheet, byte for byte)."""
    if [" ".join(x.split()) for x in got] == [" ".join(x.split()) for x in released]:
        return []
    joined = re.sub(r"/\*.*?\*/", "", " ".join(got), flags=re.S).lower()
    extra = _declarations(got) - _declarations(released)
    out = []
    if re.search(r"::?\s*(before|after|marker|first-letter|first-line|placeholder)\b", joined) or \
            any(name == "content" for name, _v in extra):
        out.append(_("content-generating CSS (::before/::after content): a page can show text that is not in it"))
    hiding = sorted({name for name, _v in extra if name in HIDING_CSS or name.startswith(("-webkit-", "-moz-"))})
    if hiding:
        out.append(i18n.f("CSS that can hide or overlay what is shown ({properties})", properties=", ".join(hiding)))
    out.append(i18n.f("a stylesheet other than renderer {version}'s (a publication's page passes only with the "
                      "stylesheet of the released renderer it names)", version=version))
    return out


class _Markup(html.parser.HTMLParser):
    """A page's active content (scripts, handlers, loads), its styling and any markup a
    released renderer never writes, as the page's text parser does not see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []
        self.foreign: list[str] = []
        self.styles: list[str] = []
        self.shape: list[tuple[str, str, str, str]] = []
        self._in_style = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in PAGE_TAGS and tag not in ACTIVE_TAGS:
            self.foreign.append(f"<{tag}>")
        for name, _value in attrs:
            if name not in PAGE_ATTRS and not name.startswith("on"):
                self.foreign.append(f"{name}=" if name != "hidden" else "hidden")
        if tag in ACTIVE_TAGS:
            self.active.append(f"<{tag}>")
        if tag == "meta" and any(k == "http-equiv" for k, _v in attrs):
            self.active.append("<meta http-equiv>")
        for name, value in attrs:
            text = "".join((value or "").split()).lower()
            if name.startswith("on") or name in ("srcdoc", "formaction"):
                self.active.append(f"{name}=")
            elif name in URL_ATTRS and not text.startswith("#"):
                self.active.append(f"{name}={(value or '')[:40]!r}")
            elif name == "style" and ("url(" in text or "expression(" in text):
                self.active.append(f"style={(value or '')[:40]!r}")
        if tag == "style":
            self._in_style += 1
        if tag not in ("tbody", "meta"):  # what a browser's saving may add
            found = dict(attrs)
            self.shape.append((tag, found.get("class") or "", " ".join((found.get("style") or "").split()),
                               "hidden" if "hidden" in found else ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = max(0, self._in_style - 1)

    def handle_data(self, data: str) -> None:
        if self._in_style:
            text = " ".join(data.split())
            self.styles.append(text)
            low = "".join(text.split()).lower()
            if "url(" in low or "@import" in low or "expression(" in low:
                self.active.append("<style> url()/@import")


def _markup(data: bytes) -> _Markup:
    parser = _Markup()
    parser.feed(data.decode("utf-8-sig", "replace"))
    parser.close()
    return parser


PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData|"
                        rb"GoToR|URI|ObjStm|XFA|XObject|Annots)(?![A-Za-z0-9#+._-])")
"""PDF names of actions, attachments, packed objects, drawn objects (an image laid over a
figure) and annotations (a text box laid over the page): Chromium's print of a publication
has none."""


def _pdf_active(data: bytes) -> list[str]:
    names = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)  # /J#61vaScript
    found = sorted({"/" + m.group(1).decode() for m in PDF_ACTIVE.finditer(names)})
    if len(re.findall(rb"startxref", data)) > 1 and b"/Linearized" not in data[:2048]:
        found.insert(0, _("an incremental update appended after printing"))
    return found


HIDING = re.compile(rb'<(?:\w+:)?(row|col|sheet)\b[^>]*?\b(?:hidden="(?:1|true)"|state="(?:hidden|veryHidden)"|'
                    rb'ht="0(?:\.0*)?"|width="0(?:\.0*)?")[^>]*>')
XLSX_EXTRAS = ("xl/drawings/", "xl/comments", "xl/vbaProject", "xl/externalLinks/", "xl/embeddings/",
               "xl/activeX/", "xl/ctrlProps/", "xl/media/")
"""Parts a publication's workbook never has: shapes and text boxes drawn over cells, notes,
macros, links to other files, embedded objects."""
MASKING = set('"\\;[@*_')
"""A number format with any of these can show something else than the cell's value
(quoted text, conditions, colours, sections)."""


def _xlsx_shown(data: bytes) -> tuple[set[str], dict[tuple[str, str], str]]:
    """What a workbook hides or draws besides its cells' values: hidden or zero-size sheets,
    rows and columns, conditional formats, extra parts; and each cell's number format."""
    from openpyxl import load_workbook

    features: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = {}
        for info in archive.infolist():
            name = info.filename
            if name.startswith(XLSX_EXTRAS):
                features.add(name.rpartition("/")[0] + "/" if name.endswith(".xml") and "/" in name else name)
            if name.startswith("xl/worksheets/sheet") or name == "xl/workbook.xml":
                sheets[name] = archive.read(info)
    for name, xml in sorted(sheets.items()):
        for match in HIDING.finditer(xml):
            features.add(f"{name}: {match.group(0)[:120].decode('utf-8', 'replace')}")
        for tag in (b"conditionalFormatting", b"dataValidations"):
            if tag in xml:
                features.add(f"{name}: <{tag.decode()}>")
    formats: dict[tuple[str, str], str] = {}
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and hasattr(cell, "coordinate"):
                        formats[(ws.title, cell.coordinate)] = str(cell.number_format)
    finally:
        book.close()
    return features, formats


def _page_differences(received: Received, want: bytes, version: str) -> list[str]:
    """What a page does besides its text that the released renderer's page does not, whatever
    renderer version it names: active content, markup a renderer never writes (inline styles,
    ``hidden``, other elements), a stylesheet other than the renderer's (generated text,
    hiding, overlaying), other classes or structure."""
    got, pub = _markup(received.data), _markup(want)
    out = []
    if set(got.active) - set(pub.active):
        out.append(i18n.f("the page carries {what}, which a publication never has",
                          what=", ".join(sorted(set(got.active) - set(pub.active)))))
    foreign = sorted(set(got.foreign) - set(pub.foreign))
    if foreign:
        out.append(i18n.f("the page has {what}, which no released renderer writes (it can hide, overlay or "
                          "restyle what is shown)", what=", ".join(foreign)))
    out += _css_findings(got.styles, pub.styles, version)
    if got.shape != pub.shape and not out:
        out.append(_("the page's styles, classes or hidden parts differ from the publication's (they can "
                     "hide or change what is shown)"))
    return out


def _shown_differences(received: Received, want: bytes, same_version: bool) -> list[str]:
    """What the file shows a reader besides its values that the publication does not: active
    content, drawn objects and annotations in a PDF (always), hidden parts and masking number
    formats in a workbook (always; any other format when the file names this renderer)."""
    if received.kind == "pdf":
        extra = sorted(set(_pdf_active(received.data)) - set(_pdf_active(want)))
        return [i18n.f("the PDF carries {what}, which a publication never has", what=", ".join(extra))] if extra \
            else []
    (got_features, got_formats), (pub_features, pub_formats) = _xlsx_shown(received.data), _xlsx_shown(want)
    out = [i18n.f("the workbook has {what}, which the publication does not", what=what)
           for what in sorted(got_features - pub_features)]
    for key in sorted(got_formats, key=lambda k: (k[0], len(k[1]), k[1])):
        fmt = got_formats[key]
        if fmt != pub_formats.get(key, "General") and (same_version or MASKING & set(fmt)):
            out.append(i18n.f("sheet '{sheet}' cell {cell}: number format {got} in the file, {want} in the "
                              "publication (a format can show another value)", sheet=key[0], cell=key[1],
                              got=repr(fmt), want=repr(pub_formats.get(key, "General"))))
    return out


def verify_publication(ledger: Ledger, path: str, *, values_only: bool = False) -> Report:
    """Check the file at ``path`` against the publication its code names (CheckFailed naming
    the first differences; InputError for unreadable input or no code)."""
    return verify_received(ledger, read(path), values_only=values_only)


def _expected(ledger: Ledger, received: Received) -> tuple[Any, bytes, str]:
    """(the publication, its document rendered again as the file's renderer made it, the
    renderer version): a file naming a released renderer is rendered by that one (a document
    sent before renderer 2 by version 1), any other by the publication's own. A page naming no
    released renderer is refused: its stylesheet cannot be checked."""
    from ..reports import formats
    from ..reports.published import PublishedDocument, renderer_of, version
    from . import publishing

    pubs = {p.id: p for p in publishing.publications(ledger)}
    pub = pubs.get(received.pub_id)
    if pub is None:
        raise CheckFailed(i18n.f("{file}: its code names publication {id}, which this ledger has not recorded",
                                 file=received.path, id=received.pub_id))
    if not pub.content_sha256.startswith(received.short_hash):
        raise CheckFailed(i18n.f("{file}: its code carries content hash {code}, but publication {id} hashes to "
                                 "{hash}", file=received.path, code=received.short_hash, id=pub.id,
                                 hash=pub.content_sha256[:16]))
    renderer = renderer_of(received.version)
    if renderer is None and received.kind == "html":
        raise CheckFailed(i18n.f("{file}: the page names renderer {version}, which no released ledger has: a "
                                 "publication's page passes only with the stylesheet of a released renderer "
                                 "version", file=received.path, version=received.version or "-"))
    result, _content, same = publishing.regenerate(ledger, pub)
    if not same:
        raise CheckFailed(i18n.f("publication {id}: the ledger no longer reproduces its content (sha256 differs): "
                                 "see `ledger published {id}`", id=pub.id))
    renderer = renderer or pub.renderer
    with i18n.speaking(received.lang):
        expected = formats.render("publication", received.kind, PublishedDocument(pub, result, renderer))
    assert isinstance(expected, bytes | str)
    return pub, expected.encode() if isinstance(expected, str) else expected, version(renderer)


def verify_received(ledger: Ledger, received: Received, *, values_only: bool = False) -> Report:
    """Check a received document (``read`` or ``receive``) against its publication."""
    report = Report()
    pub, want, mine = _expected(ledger, received)
    from ..reports.words import value

    what = f"{value('kind', pub.kind)} {pub.policy} {pub.as_of}" + (f" {pub.period}" if pub.period else "")
    kind = received.kind.upper() if i18n.is_zh() else received.kind  # a format's name: HTML, PDF
    report.ok(i18n.f("code {code}: publication {id} ({what}, known at revision {known_at})",
                     code=f"{received.pub_id}:{received.short_hash}", id=pub.id, what=what, known_at=pub.known_at))
    report.ok(i18n.f("the publication's content regenerated byte for byte (sha256 {hash})",
                     hash=pub.content_sha256[:16]))
    engine = _pdf_engine(want) if received.kind == "pdf" else ""
    if received.data == want:
        report.ok(i18n.f("{kind}: the same bytes as the publication rendered again (renderer {version})",
                         kind=kind, version=mine))
        return report
    same_maker = received.version == mine and received.engine == engine
    differences = _page_differences(received, want, mine) if received.kind == "html" else []
    differences = differences or _differences(received, want) or (
        _shown_differences(received, want, same_maker) if received.kind != "html" else [])
    if differences:
        more = i18n.f(" (and {n} more)", n=len(differences) - SHOWN) if len(differences) > SHOWN else ""
        raise CheckFailed(i18n.f("{file}: differs from publication {id}: {what}", file=received.path, id=pub.id,
                                 what="; ".join(differences[:SHOWN]) + more))
    if same_maker and not values_only:
        raise CheckFailed(i18n.f("{file}: every value is the publication's, but the bytes differ though the file "
                                 "names this renderer ({version}): changed formatting or properties, or saved "
                                 "again by another program (--values-only accepts that)", file=received.path,
                                 version=mine + (f", {engine}" if engine else "")))
    report.ok(i18n.f("{kind}: every value is the publication's (cells compared)", kind=kind)
              if received.kind == "xlsx" else
              i18n.f("{kind}: every value is the publication's (lines of text compared)", kind=kind))
    if received.version != mine:
        report.lines.append(i18n.f("note  renderer versions differ: the file names {theirs}, this ledger is "
                                   "{mine}: values compared, not bytes", theirs=received.version or "-", mine=mine))
    elif received.engine != engine:
        report.lines.append(i18n.f("note  PDF engines differ: the file was printed by {theirs}, this ledger prints "
                                   "with {mine}: text compared, not bytes", theirs=received.engine or "-",
                                   mine=engine))
    return report
