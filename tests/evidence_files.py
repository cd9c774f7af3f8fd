"""Evidence files for tests and the benchmark: small, structurally valid files of every kind
kept (PDF, JPEG, PNG, OFD, .docx, .xlsx) and the hostile ones refused, made here from bytes."""

from __future__ import annotations

import functools
import io
import os
import struct
import zipfile
import zlib


def pdf(body: bytes = b"", text: str = "receipt") -> bytes:
    """A one-page PDF (``body`` goes into a comment stream: any bytes without ``/`` names)."""
    content = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    if body:
        out.write(b"% " + body.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def big_pdf(size: int, seed: int = 0) -> bytes:
    """A PDF of about ``size`` bytes whose comment holds pseudo-random bytes without ``/``."""
    noise = os.urandom(size) if seed == 0 else _noise(size, seed)
    return pdf(noise.replace(b"/", b"_").replace(b"%", b"_"))


def _noise(size: int, seed: int) -> bytes:
    import random

    return random.Random(seed).randbytes(size)


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    """SOI, JFIF, a quantisation table, a baseline frame header, a Huffman table, a scan, EOI."""
    def segment(marker: int, data: bytes) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data

    return (b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + bytes(range(1, 65)))
            + segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
            + segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x00\x00" + b"\xff\xd9")


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
              b'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
              b'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
              b'main+xml"/></Types>')


def docx(text: str = "签收单") -> bytes:
    document = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return _zip({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": document.encode()})


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["单位", "日期"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ofd() -> bytes:
    return _zip({"OFD.xml": b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
                            b'Version="1.0"><ofd:DocBody/></ofd:OFD>', "Doc_0/Document.xml": b"<ofd:Document/>"})


# ---------------------------------------------------------------- hostile

def windows_program() -> bytes:
    """What a renamed ``.exe`` starts with: MZ, the DOS stub, the PE header."""
    return b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x00" * 200


HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/log').then(r=>r.text()).then(alert)</script></body></html>"
SVG_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')


@functools.cache
def zip_bomb_docx(unpacked: int = 260 * 1000 * 1000) -> bytes:
    """A .docx by its parts' names whose one part inflates to ``unpacked`` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\x00" * (1 << 20)
            left = unpacked
            while left > 0:
                part.write(block[:min(left, len(block))])
                left -= len(block)
    return out.getvalue()
