"""Excel workbooks (openpyxl) that look official: a summary sheet first (whose result, which
policy, as of, known at, chain hash), then one sheet per table with a title row, bordered
cells, wrapped headers, frozen panes, an autofilter and A4 landscape fit-to-width printing
with page numbers; sheet names in the chosen language; numbers as numbers, rates ('66.67%')
as percentages and ISO dates as dates.

Text is always written as a string cell, never a formula (see ``safe``): a unit name or note
starting with ``=`` shows as written and runs nothing. See docs/documents.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from ..i18n import _

Sheet = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""(sheet name, headers, rows): a table without a title row of its own."""

RATE = re.compile(r"^-?\d+(\.\d+)?%$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WIDEST = 60
"""Columns wider than this many characters are capped and their text wrapped."""


@dataclass
class Table:
    name: str
    """The sheet's name (≤ 31 characters, made unique)."""
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    title: str = ""
    """The title row above the headers (the sheet's name when empty)."""
    notes: Sequence[str] = field(default_factory=list)
    """Lines under the table (a bulletin's footnotes)."""


def cell_value(value: Any) -> tuple[Any, str | None]:
    """(value, number format): numbers as numbers, rates as percentages, ISO dates as dates,
    lists joined; everything else as it is (text stays text)."""
    if isinstance(value, bool):
        return value, None
    if isinstance(value, Decimal):
        return float(value), None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value), None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None), "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, dt.date):
        return value, "yyyy-mm-dd"
    if isinstance(value, str):
        if RATE.match(value):
            return float(Decimal(value[:-1]) / 100), "0.00%"
        if DATE.match(value):
            try:
                return dt.date.fromisoformat(value), "yyyy-mm-dd"
            except ValueError:
                return value, None
    return value, None


def _width(value: Any) -> int:
    from wcwidth import wcswidth

    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, dt.date):
        text = "2021-06-30"
    else:
        text = "" if value is None else str(value)
    width = max((wcswidth(line) for line in text.splitlines()), default=0)
    return max(width, 0)


def _sheet_name(name: str, taken: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "Sheet"
    candidate, n = clean[:31], 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = clean[:31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


class _Style:
    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.title = Font(bold=True, size=14)
        self.bold = Font(bold=True)
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.header = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.centre = Alignment(horizontal="center", vertical="center")
        self.wrap = Alignment(vertical="top", wrap_text=True)
        self.top = Alignment(vertical="top")


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """One cell; text is a string cell whatever it starts with (openpyxl would make ``=…`` a formula)."""
    written, number_format = cell_value(value)
    cell = ws.cell(row=row, column=column, value=written)
    if isinstance(written, str) and cell.data_type != "s":
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def _print_setup(ws: Any, title_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = _("Page &P of &N")


def _table_sheet(book: Any, style: _Style, table: Table, taken: set[str]) -> None:
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(_sheet_name(table.name, taken))
    columns = max(len(table.headers), 1)
    title = _put(ws, 1, 1, table.title or table.name)
    title.font, title.alignment = style.title, style.centre
    if columns > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    ws.row_dimensions[1].height = 24
    for c, header in enumerate(table.headers, start=1):
        cell = _put(ws, 2, c, header)
        cell.font, cell.fill, cell.alignment, cell.border = style.bold, style.fill, style.header, style.border
    widths = [_width(h) for h in table.headers]
    for r, row in enumerate(table.rows, start=3):
        for c, value in enumerate(row[:columns], start=1):
            cell = _put(ws, r, c, value)
            cell.border = style.border
            if c - 1 < len(widths):
                widths[c - 1] = max(widths[c - 1], _width(cell.value))
    for c, widest in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(widest + 2, 6), WIDEST)
        if widest + 2 > WIDEST:  # capped: the column's text wraps
            for r in range(3, len(table.rows) + 3):
                ws.cell(r, c).alignment = style.wrap
    last_row = len(table.rows) + 2
    ws.freeze_panes = "A3"
    if table.headers:
        ws.auto_filter.ref = f"A2:{get_column_letter(columns)}{last_row}"
    for i, note in enumerate(table.notes, start=last_row + 2):
        _put(ws, i, 1, note)
    _print_setup(ws, "1:2")


def _summary_sheet(book: Any, style: _Style, title: str, summary: Sequence[tuple[str, Any]],
                   notes: Sequence[str], taken: set[str]) -> None:
    ws = book.create_sheet(_sheet_name(_("Summary"), taken))
    cell = _put(ws, 1, 1, title or _("Summary"))
    cell.font = style.title
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    ws.row_dimensions[1].height = 24
    row = 3
    for label, value in summary:
        key = _put(ws, row, 1, label)
        key.font, key.fill, key.border, key.alignment = style.bold, style.fill, style.border, style.top
        val = _put(ws, row, 2, value)
        val.border, val.alignment = style.border, style.wrap
        if isinstance(val.value, dt.date):
            val.alignment = style.top
        row += 1
    row += 1
    for note in notes:
        cell = _put(ws, row, 1, note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell.alignment = style.wrap
        row += 1
    ws.column_dimensions["A"].width = max([_width(label) for label, _v in summary] + [10]) + 4
    ws.column_dimensions["B"].width = min(max([_width(cell_value(v)[0]) for _l, v in summary] + [20]) + 4, 90)
    _print_setup(ws, None)
    ws.page_setup.orientation = "portrait"


@dataclass(frozen=True)
class Stamp:
    """What makes a workbook reproducible byte for byte and checkable (a publication's
    documents): fixed dates (the document properties and every zip member's time) instead of
    now, and a code in the properties and in every sheet's footer."""
    code: str
    when: dt.datetime
    """Naive UTC; the properties' created and modified dates and the members' times."""
    footer: str
    """The footer line (left) of every printed page."""
    language: str = ""
    version: str = ""


def _stamped(book: Any, stamp: Stamp, title: str) -> bytes:
    """Saved without openpyxl's "modified = now", then re-packed with fixed member times."""
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    props = book.properties
    props.creator, props.lastModifiedBy, props.title = "ledger", "ledger", title or None
    props.identifier, props.keywords, props.description = stamp.code, stamp.code, stamp.footer
    props.language, props.version = stamp.language or None, stamp.version or None
    props.created = props.modified = stamp.when
    for ws in book.worksheets:
        ws.oddFooter.left.text = stamp.footer
        ws.oddFooter.left.size = 7
    first = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    out = io.BytesIO()
    moment = stamp.when.timetuple()[:6]
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=moment)
            member.compress_type, member.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def write_workbook(path: str | BinaryIO, sheets: Sequence[Sheet | Table], notes: Sequence[str] = (), *,
                   summary: Sequence[tuple[str, Any]] = (), title: str = "", stamp: Stamp | None = None) -> None:
    """A summary sheet first (``title``, the ``summary`` pairs — label, value — then ``notes``),
    then one sheet per table (``Table``, or a (name, headers, rows) tuple)."""
    from openpyxl import Workbook  # lazy: ~70 ms, only for --format xlsx

    book = Workbook()
    book.remove(book.active)
    style = _Style()
    taken: set[str] = set()
    if summary or notes or title:
        _summary_sheet(book, style, title, summary, notes, taken)
    for sheet in sheets:
        table = sheet if isinstance(sheet, Table) else Table(sheet[0], sheet[1], sheet[2])
        _table_sheet(book, style, table, taken)
    book.active = 0
    if stamp is None:
        book.save(path)
        return
    data = _stamped(book, stamp, title)
    if isinstance(path, str):
        with open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write(data)


def workbook_bytes(sheets: Sequence[Sheet | Table], notes: Sequence[str] = (), *,
                   summary: Sequence[tuple[str, Any]] = (), title: str = "", stamp: Stamp | None = None) -> bytes:
    """The workbook as bytes (what an xlsx format renders)."""
    import io

    buffer = io.BytesIO()
    write_workbook(buffer, sheets, notes, summary=summary, title=title, stamp=stamp)
    return buffer.getvalue()
