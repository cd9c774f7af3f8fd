"""Hostile import files (issue #24), written byte by byte: an .xlsx is a zip of XML parts, so a
file can declare anything — a cell at XFD1048576, six million rows in 0.9 MB, a 2 GiB shared
string, a string count of two billion. Shared by tests/test_limits.py and
benchmarks/limits_bench.py (which builds the full-size cases the tests shrink with smaller limits).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
PACKAGE_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}">'
                f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
            '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}">'
                 f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET = "台账"
HEADER = ('<row r="1"><c r="A1" t="inlineStr"><is><t>类型</t></is></c><c r="B1" t="inlineStr"><is><t>单位</t></is></c>'
          '<c r="C1" t="inlineStr"><is><t>日期</t></is></c><c r="D1" t="inlineStr"><is><t>编号</t></is></c>'
          '<c r="E1" t="inlineStr"><is><t>发文层级</t></is></c></row>')
"""The header of a warning sheet: 类型, 单位, 日期, 编号, 发文层级."""


def warning_row(number: int, event_id: str, *, unit: str = "jk-fgj", date: str = "2021-03-01") -> str:
    cells = ["警示", unit, date, event_id, "区级"]
    return f'<row r="{number}">' + "".join(f'<c r="{col}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
                                             for col, value in zip("ABCDE", cells, strict=True)) + "</row>"


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">{head}'
            f"<sheetData>{rows}</sheetData></worksheet>")


def strings_xml(strings: Iterable[str], count: int | None = None) -> str:
    items = list(strings)
    declared = len(items) if count is None else count
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" count="{declared}" '
            f'uniqueCount="{declared}">' + "".join(f"<si><t>{s}</t></si>" for s in items) + "</sst>")


def workbook(path: Path | str, sheet: str, strings: str | None = None) -> str:
    """An .xlsx of one sheet (``台账``) from its XML, and a shared-string table."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings if strings is not None else strings_xml([]))
    return str(path)


def declare_size(path: Path | str, member: str, size: int) -> None:
    """Rewrite the inflated size ``member`` declares (local header and central directory):
    a part that lies about what it inflates to."""
    data = bytearray(Path(path).read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    struct.pack_into("<I", data, offset + 22, size)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + length]).decode() == member:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    Path(path).write_bytes(bytes(data))


def streamed_member(path: Path | str, member: str, pieces: Callable[[], Iterable[bytes]]) -> None:
    """Add ``member`` to the zip at ``path``, deflated as it is made (a part of gigabytes in a
    file of megabytes, without holding it)."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open(member, "w", force_zip64=True) as out:
        for piece in pieces():
            out.write(piece)


# ----------------------------------------------------------------------------- the cases

def far_cell(path: Path | str) -> str:
    """1.6 KB: the header and one cell at XFD1048576 (calamine asked for 512 GiB and aborted)."""
    return workbook(path, sheet_xml(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def far_cell_small_dimension(path: Path | str) -> str:
    """The same cell, under a dimension that says A1:E1 (a lying dimension)."""
    return workbook(path, sheet_xml(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:E1"))


def declared_dimension(path: Path | str) -> str:
    """A dimension of the whole sheet, A1:XFD1048576, over one row of data."""
    return workbook(path, sheet_xml(HEADER, "A1:XFD1048576"))


def rows_without_numbers(path: Path | str, rows: int = 6_000_000) -> str:
    """``rows`` rows of one cell without row or cell references (6 million: 0.9 MB zipped)."""
    workbook(path, sheet_xml(HEADER + "<!--rows-->"))
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    head, tail = parts["xl/worksheets/sheet1.xml"].split(b"<!--rows-->")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
    block = b"<row><c><v>1</v></c></row>" * 10_000

    def pieces() -> Iterable[bytes]:
        yield head
        for _ in range(rows // 10_000):
            yield block
        yield b"<row><c><v>1</v></c></row>" * (rows % 10_000)
        yield tail

    streamed_member(path, "xl/worksheets/sheet1.xml", pieces)
    return str(path)


def huge_shared_string(path: Path | str, size: int = 2 << 30) -> str:
    """A shared string of ``size`` bytes (2 GiB: a file of ~2 MB)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    tail = b"</t></si></sst>"
    workbook(path, sheet_xml(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'), strings="")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist() if name != "xl/sharedStrings.xml"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    block = b"x" * (1 << 24)

    def pieces() -> Iterable[bytes]:
        yield head
        for _ in range(size // len(block)):
            yield block
        yield b"x" * (size % len(block))
        yield tail

    streamed_member(path, "xl/sharedStrings.xml", pieces)
    return str(path)


def string_index_out_of_range(path: Path | str) -> str:
    """A cell naming shared string 99 of a table of one."""
    return workbook(path, sheet_xml(HEADER + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'), strings_xml(["警示"]))


def text_in_number_cell(path: Path | str) -> str:
    """A ``t="n"`` cell holding text."""
    return workbook(path, sheet_xml(HEADER + '<row r="2"><c r="B2" t="n"><v>发改局</v></c></row>'))


def lying_string_count(path: Path | str) -> str:
    """A table of one string declaring two billion (calamine reserved room for them all)."""
    return workbook(path, sheet_xml(HEADER), strings_xml(["警示"], count=2_000_000_000))


def lying_inflated_size(path: Path | str) -> str:
    """A sheet that inflates to more than the size it declares (10 KB declared)."""
    rows = "".join(warning_row(n, f"w{n}") for n in range(2, 2002))
    workbook(path, sheet_xml(HEADER + rows))
    declare_size(path, "xl/worksheets/sheet1.xml", 10_000)
    return str(path)


XLSX_CASES: dict[str, Callable[[Path | str], str]] = {
    "far_cell": far_cell, "far_cell_small_dimension": far_cell_small_dimension,
    "declared_dimension": declared_dimension, "rows_without_numbers": rows_without_numbers,
    "huge_shared_string": huge_shared_string, "string_index_out_of_range": string_index_out_of_range,
    "text_in_number_cell": text_in_number_cell, "lying_string_count": lying_string_count,
    "lying_inflated_size": lying_inflated_size,
}
"""The issue's hostile workbooks, full size."""


def deep_mapping(path: Path | str, depth: int = 50_000) -> str:
    """A ``--mapping`` YAML nested ``depth`` deep (PyYAML's composer recursed until it overflowed)."""
    Path(path).write_text("events: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return str(path)


def gbk_mapping(path: Path | str) -> str:
    """A ``--mapping`` file saved as GBK (Notepad's "ANSI" on Chinese Windows)."""
    Path(path).write_bytes("values:\n  satisfied: {基本满意: true}\n".encode("gbk"))
    return str(path)


def mixed_encoding_csv(path: Path | str, gbk_lines: int = 3) -> str:
    """A CSV of GBK lines, then one UTF-8 line (line ``gbk_lines`` + 2), then GBK again."""
    header = "类型,单位,日期,编号,发文层级,备注\n"
    gbk = [f"警示,jk-fgj,2021-03-{n:02d},g{n},区级,发改局通报\n" for n in range(1, gbk_lines + 1)]
    data = header.encode("gbk") + "".join(gbk).encode("gbk")
    data += "警示,jk-fgj,2021-04-01,u1,区级,发改局通报\n".encode()
    data += "警示,jk-fgj,2021-04-02,g99,区级,发改局通报\n".encode("gbk")
    Path(path).write_bytes(data)
    return str(path)
