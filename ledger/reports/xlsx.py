"""Excel workbooks (openpyxl): Chinese headers, one row per item, frozen header, widths that fit.

Text is always written as a string cell, never a formula (see ``safe``): a unit name or note
starting with ``=`` shows as written and runs nothing."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, BinaryIO

Sheet = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def _append(ws: Any, values: list[Any]) -> None:
    """Append a row; openpyxl makes text starting with ``=`` a formula cell: make it text again."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.data_type != "s":
            cell.data_type = "s"


def _width(value: Any) -> int:
    from wcwidth import wcswidth

    text = "" if value is None else str(value)
    width = max((wcswidth(line) for line in text.splitlines()), default=0)
    return max(width, 0)


def write_workbook(path: str | BinaryIO, sheets: Sequence[Sheet], notes: Sequence[str] = ()) -> None:
    """``sheets``: (title, headers, rows). ``notes`` go to a last sheet 说明 (provenance)."""
    from openpyxl import Workbook  # lazy: ~70 ms, only for --format xlsx
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for title, headers, rows in sheets:
        ws = book.create_sheet(title[:31])
        _append(ws, list(headers))
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center")
        for row in rows:
            _append(ws, [_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            widest = max([_width(header)] + [_width(_cell(r[index - 1])) for r in rows if index - 1 < len(r)])
            ws.column_dimensions[ws.cell(1, index).column_letter].width = min(max(widest + 2, 6), 80)
    if notes:
        ws = book.create_sheet("说明")
        for note in notes:
            _append(ws, [note])
        ws.column_dimensions["A"].width = min(max((_width(n) for n in notes), default=10) + 2, 120)
    book.save(path)


def workbook_bytes(sheets: Sequence[Sheet], notes: Sequence[str] = ()) -> bytes:
    """The workbook as bytes (what an xlsx format renders)."""
    import io

    buffer = io.BytesIO()
    write_workbook(buffer, sheets, notes)
    return buffer.getvalue()
