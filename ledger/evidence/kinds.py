"""What a file is, by its content (magic bytes and structure), never by its name.

Kept: PDF, JPEG, PNG, OFD (the Chinese fixed-layout format, a zip with ``OFD.xml``), Word
(.docx) and Excel (.xlsx). Zip containers are checked against the zip-bomb bound on their
declared sizes before anything is inflated (``workflows.archives.oversized``), and only their
small index parts are read. Anything else is refused (exit 2) naming what was found — a program
renamed ``.pdf``, an HTML page, an SVG image (with or without a script), a macro-enabled or
old-format Office file, a zip bomb dressed as a .docx — so nothing a browser would run is ever
kept, and downloads (always ``Content-Disposition: attachment``, ``nosniff``) carry only these
six media types.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from decimal import Decimal, InvalidOperation

from ..errors import InputError
from ..i18n import Msg

MB = 1000 * 1000
DEFAULT_MAX_BYTES = 20 * MB
LIMIT_ENV = "LEDGER_EVIDENCE_MAX_MB"
"""The most one file may hold, in MB (default 20; EVENTS.md: "limit 20 MB each")."""
ZIP_RATIO = 10
"""A zip container may declare at most this many times the file limit unpacked (200 MB by
default): a .docx of 20 MB that unpacks to more is a zip bomb, not a document."""
ZIP_MEMBERS = 10_000
INDEX_PART_BYTES = 4 * MB
"""The parts of a container read to tell what it is (``[Content_Types].xml``, ``OFD.xml``)."""

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
OFD = "application/ofd"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", OFD: ".ofd", DOCX: ".docx", XLSX: ".xlsx"}
"""The kinds kept and the extension each is saved with."""

KEPT = "a PDF, JPEG, PNG, OFD, Word (.docx) or Excel (.xlsx) file, recognised by its content"


def max_bytes() -> int:
    """The per-file limit: ``LEDGER_EVIDENCE_MAX_MB`` (a number of MB, e.g. 20 or 2.5) or 20 MB."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 0 or value > 1000:
        raise InputError("a number of MB above 0 and at most 1000", field=LIMIT_ENV, got=repr(text))
    return int(value * MB)


class NotKept(InputError):
    """A file refused for what it is (exit 2), naming what was found."""

    def __init__(self, origin: str, found: str):
        self.found = found
        super().__init__(KEPT, origin=origin, got=found)


def recognise(data: bytes, origin: str, limit: int | None = None) -> str:
    """The media type of ``data`` (one of ``EXTENSIONS``), or ``NotKept`` naming what it is.
    ``origin`` names the file in the error; ``limit`` in bytes (default ``max_bytes()``)."""
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise InputError(Msg("a file of at most {mb} MB ({limit} bytes; {env})", mb=_mb(limit), limit=limit,
                             env=LIMIT_ENV), origin=origin, got=Msg("{size} bytes", size=len(data)))
    if not data:
        raise NotKept(origin, Msg("an empty file"))
    if data.startswith(b"%PDF-"):
        _pdf(data, origin)
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        _jpeg(data, origin)
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        _png(data, origin)
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _container(data, origin, limit)
    raise NotKept(origin, what_it_is(data))


def _mb(limit: int) -> str:
    return f"{Decimal(limit) / MB:f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- PDF

_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
_PDF_ESCAPED_NAME = re.compile(rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}[A-Za-z0-9#]*")


def _pdf(data: bytes, origin: str) -> None:
    if not _PDF_HEADER.match(data):
        raise NotKept(origin, Msg("a damaged PDF (no version in its header)"))
    if b"%%EOF" not in data[-2048:]:
        raise NotKept(origin, Msg("a damaged or cut PDF (no %%EOF at its end)"))
    found = _PDF_ACTIVE.search(data)
    if found is None:  # a name written with #xx escapes (/J#61vaScript) is the same name
        for m in _PDF_ESCAPED_NAME.finditer(data):
            plain = re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h[1], 16)]), m[0])
            if (found := _PDF_ACTIVE.fullmatch(plain)) is not None:
                break
    if found is not None:
        raise NotKept(origin, Msg("a PDF with active content ({name}: scripts, launched programs or embedded files)",
                                  name="/" + found[1].decode()))


# ---------------------------------------------------------------- JPEG

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg(data: bytes, origin: str) -> None:
    """Its segments walked from SOI to the start of the scan (a frame header among them), and
    an end-of-image marker after the scan."""
    at, frame = 2, False
    while True:
        if at + 4 > len(data) or data[at] != 0xFF:
            raise NotKept(origin, Msg("a damaged JPEG image (its segments do not follow one another)"))
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if length < 2 or at + 2 + length > len(data):
            raise NotKept(origin, Msg("a damaged JPEG image (a segment runs past the file's end)"))
        frame = frame or marker in _SOF
        if marker == 0xDA:  # start of scan: compressed data follows
            break
        at += 2 + length
    if not frame:
        raise NotKept(origin, Msg("a damaged JPEG image (no frame header before its data)"))
    if data.rfind(b"\xff\xd9") <= at:
        raise NotKept(origin, Msg("a damaged or cut JPEG image (no end-of-image marker)"))


# ---------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(data: bytes, origin: str) -> None:
    """Every chunk's length and CRC, IHDR first, IDAT present, nothing after IEND."""
    at, first, seen_data = 8, True, False
    while True:
        if at + 12 > len(data):
            raise NotKept(origin, Msg("a damaged or cut PNG image (it ends inside a chunk, before IEND)"))
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        end = at + 12 + length
        if end > len(data):
            raise NotKept(origin, Msg("a damaged or cut PNG image (a chunk runs past the file's end)"))
        if zlib.crc32(data[at + 4:at + 8 + length]) != struct.unpack(">I", data[end - 4:end])[0]:
            raise NotKept(origin, Msg("a damaged PNG image (chunk {kind}: its CRC does not match)",
                                      kind=kind.decode("latin-1")))
        if first and (kind != b"IHDR" or length != 13):
            raise NotKept(origin, Msg("a damaged PNG image (no IHDR header chunk first)"))
        first = False
        seen_data = seen_data or kind == b"IDAT"
        at = end
        if kind == b"IEND":
            break
    if not seen_data:
        raise NotKept(origin, Msg("a PNG with no image data (no IDAT chunk)"))
    if at != len(data):
        raise NotKept(origin, Msg("a PNG image with {n} more bytes after its end (IEND): something else appended",
                                  n=len(data) - at))


# ---------------------------------------------------------------- zip containers: OFD, .docx, .xlsx

_MAIN_PARTS = {
    "word/document.xml": (DOCX, b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xl/workbook.xml": (XLSX, b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}


def _container(data: bytes, origin: str, limit: int) -> str:
    from ..workflows.archives import oversized

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise NotKept(origin, Msg("a damaged zip archive")) from None
    with archive:
        too_big = oversized(archive, ZIP_RATIO * limit, ZIP_MEMBERS)
        if too_big is not None:
            raise NotKept(origin, Msg("a zip bomb: it declares {size} bytes unpacked in {count} parts (at most {bound} "
                                      "bytes in {members} parts are read)", size=too_big[0], count=too_big[1],
                                      bound=ZIP_RATIO * limit, members=ZIP_MEMBERS))
        names = {info.filename for info in archive.infolist()}
        lowered = {n.lower() for n in names}
        if any(n.endswith("vbaproject.bin") for n in lowered):
            raise NotKept(origin, Msg("a macro-enabled Office document (it holds a VBA project)"))
        if any("/activex/" in f"/{n}" or n.rsplit("/", 1)[-1].startswith("oleobject") for n in lowered):
            raise NotKept(origin, Msg("an Office document with embedded programs or objects (ActiveX, OLE)"))
        if "OFD.xml" in names:
            if b"OFD" not in _part(archive, "OFD.xml", origin):
                raise NotKept(origin, Msg("a damaged OFD document (OFD.xml is not an OFD entry file)"))
            return OFD
        if "[Content_Types].xml" in names:
            types = _part(archive, "[Content_Types].xml", origin)
            if b"macroEnabled" in types:
                raise NotKept(origin, Msg("a macro-enabled Office document (.docm, .xlsm)"))
            for part, (media, main) in _MAIN_PARTS.items():
                if part in names and main in types:
                    return media
            if "ppt/presentation.xml" in names:
                raise NotKept(origin, Msg("a PowerPoint presentation (.pptx): save it as PDF"))
            raise NotKept(origin, Msg("an Office package that is not a Word document or Excel workbook (a template,"
                                      " or another kind)"))
        raise NotKept(origin, Msg("a zip archive (not a .docx, .xlsx or OFD document)"))


def _part(archive: zipfile.ZipFile, name: str, origin: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > INDEX_PART_BYTES:
        raise NotKept(origin, Msg("a zip bomb: its part {name} declares {size} bytes", name=name,
                                  size=info.file_size))
    try:
        with archive.open(info) as handle:
            return handle.read(INDEX_PART_BYTES + 1)[:INDEX_PART_BYTES]
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, RuntimeError):
        # RuntimeError: an encrypted part; BadZipFile: a CRC that does not match.
        raise NotKept(origin, Msg("a damaged zip archive (its part {name} does not unpack)", name=name)) from None


# ---------------------------------------------------------------- what it is, when it is not kept

_BINARY = [
    (b"MZ", "a Windows program (an MZ/PE executable)"),
    (b"\x7fELF", "a Linux program (an ELF executable)"),
    (b"\xfe\xed\xfa\xce", "a macOS program (Mach-O)"), (b"\xfe\xed\xfa\xcf", "a macOS program (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "a macOS program (Mach-O)"), (b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "a program (a Java class or a macOS universal binary)"),
    (b"#!", "a script (#!)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Office document (.doc, .xls, .ppt: may hold macros; "
                                          "save it as .docx, .xlsx or PDF)"),
    (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
    (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"\x1f\x8b", "a gzip archive"),
    (b"PK\x05\x06", "an empty zip archive"), (b"{\\rtf", "an RTF document (may hold embedded objects)"),
    (b"\x00asm", "a WebAssembly program"), (b"dex\n", "an Android program (DEX)"),
]


def what_it_is(data: bytes) -> str:
    """What a refused file is, in words: a program, an archive, a web page, an image of a kind
    not kept, text … or its first bytes."""
    for magic, words in _BINARY:
        if data.startswith(magic):
            return Msg(words)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Msg("a WebP image")
    if data[:2] == b"BM" and len(data) > 14 and struct.unpack("<I", data[2:6])[0] == len(data):
        return Msg("a BMP image")
    head = _text_head(data)
    if head is not None:
        lowered = head.lower()
        if "<svg" in lowered:
            active = re.search(rb"<script|\son[a-z]+\s*=|javascript:|<foreignobject", data.lower()) is not None
            return Msg("an SVG image with a script (a browser would run it)") if active else \
                Msg("an SVG image (a browser may run scripts in it: save it as PNG)")
        if lowered.startswith(("<!doctype html", "<html", "<head", "<body", "<script", "<iframe")) or \
                re.search(r"<(html|script|iframe|body)[\s>]", lowered):
            return Msg("an HTML page (a browser would open and run it)")
        if lowered.startswith("<?xml"):
            return Msg("an XML document")
        if lowered.startswith(("{", "[")):
            return Msg("JSON or other text data")
        return Msg("plain text")
    return Msg("unrecognised content (its first bytes: {hex})", hex=data[:8].hex(" "))


def _text_head(data: bytes) -> str | None:
    """The first 4 KB as text, without a byte order mark and leading blanks, when the file starts
    as text (UTF-8, UTF-16); None for binary content."""
    head = data[:4096]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head, encoding = head[len(bom):], codec
            break
    else:
        encoding = "utf-8"
    text = head.decode(encoding, "replace")
    if not text or sum(ch == "\ufffd" or (ch < " " and ch not in "\t\r\n\f") for ch in text) > len(text) // 20:
        return None
    return text.lstrip()


def extension(media_type: str) -> str:
    return EXTENSIONS.get(media_type, ".bin")
