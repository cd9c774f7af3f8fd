"""``ledger import --errors OUT.csv|xlsx``: the refused rows as the clerk wrote them, with a
问题 column listing every problem of each (issues #15, #26). Import reads past that column (with
a notice), so the clerk fixes the rows in that sheet and imports it; the rows already in
the ledger are never in it (with ``--skip-bad`` they went in, and importing the original again
adds nothing)."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from ..errors import InputError
from ..reports.safe import FORMULA_START, MARK
from .sources import (
    HEADER_SEARCH_ROWS,
    IGNORED_COLUMNS,
    ReadOptions,
    _is_header,
    detect_delimiter,
    detect_encoding,
    sheet_rows,
)

PROBLEM_COLUMN = "问题"


def _csv_rows(path: str, options: ReadOptions) -> Iterator[tuple[int, list[str]]]:
    encoding = options.encoding or detect_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        first = handle.readline()
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=detect_delimiter(first, encoding))
        start = 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            yield line, cells


def _rows(path: str, options: ReadOptions) -> tuple[list[str], dict[int, list[str]], int]:
    """(header cells, line → cells, header line) of a CSV or xlsx file."""
    ext = os.path.splitext(path)[1].lower()
    rows = sheet_rows(path, options.sheet) if ext in (".xlsx", ".xlsm") else _csv_rows(path, options)
    header: list[str] | None = None
    header_line = 0
    looked: list[tuple[int, list[str]]] = []
    out: dict[int, list[str]] = {}
    for line, cells in rows:
        if header is None:
            if options.header_row is not None:
                if line >= options.header_row:
                    header, header_line = cells, line
                continue
            if not any(c.strip() for c in cells):
                continue
            looked.append((line, cells))
            is_header = options.mapping.is_header if options.mapping is not None and options.mapping.events \
                else _is_header
            if is_header(cells) or len(looked) >= HEADER_SEARCH_ROWS:
                header_line, header = (line, cells) if is_header(cells) else looked[0]
                out.update(looked[1:] if header is looked[0][1] else [])
            continue
        out[line] = cells
    if header is None and looked:
        header_line, header = looked[0]
        out.update(looked[1:])
    return header or [], out, header_line


def write_errors(source: str, options: ReadOptions, errors: list[InputError], target: str) -> int:
    """Write the refused rows of ``source`` with their problems to ``target`` (xlsx or CSV by its
    extension); the rows written. A problem of the file itself (a column) names no row."""
    from ..wording import problem_text

    by_line: dict[int, list[InputError]] = {}
    for error in errors:
        if error.line:
            by_line.setdefault(error.line, []).append(error)
    if source.lower().endswith((".jsonl", ".ndjson")):
        header, rows, header_line = _jsonl_rows(source, set(by_line))
    else:
        header, rows, header_line = _rows(source, options)
    keep = [i for i, h in enumerate(header) if h.strip() not in IGNORED_COLUMNS]
    out_header = [header[i] for i in keep] + [PROBLEM_COLUMN]
    table: list[list[Any]] = []
    for line in sorted(by_line):
        if line == header_line or line not in rows:
            continue
        cells = rows[line]
        text = "\n".join(dict.fromkeys(problem_text(e) for e in by_line[line]))  # one problem a line
        table.append([cells[i] if i < len(cells) else "" for i in keep] + [text])
    if target.lower().endswith(".xlsx"):
        import openpyxl
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "错误"
        for number, row in enumerate([out_header, *table], start=1):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=number, column=column, value=_xlsx_text(value))
                cell.data_type = "s"  # text, whatever it starts with (openpyxl makes ``=…`` a formula)
                if column == len(row) and number > 1:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")  # the 问题 cell: a problem a line
        sheet.column_dimensions[get_column_letter(len(out_header))].width = 60
        book.save(target)
    else:
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(out_header)
            writer.writerows([_csv_text(v) for v in row] for row in table)
    return len(table)


def _csv_text(cell: str) -> str:
    """A cell a spreadsheet would run (``= + - @``…) gets the one ``'`` import drops; a cell
    already starting with ``'`` is written as it was (import drops that one, as it did)."""
    return MARK + cell if cell.startswith(FORMULA_START) and cell != "-" else cell


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(cell: str) -> str:
    """A control character (which an .xlsx cannot hold) as its escape, visible to the clerk."""
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}", cell)


def _jsonl_rows(path: str, wanted: set[int]) -> tuple[list[str], dict[int, list[str]], int]:
    parsed: dict[int, dict[str, Any]] = {}
    with open(path, "rb") as raw:
        for number, line in enumerate(raw, start=1):
            if number in wanted:
                try:
                    data = json.loads(line.decode("utf-8-sig"))
                except ValueError:
                    data = {"json": line.decode("utf-8", "replace").rstrip("\r\n")}
                parsed[number] = data if isinstance(data, dict) else {"json": json.dumps(data)}
    header = list(dict.fromkeys(k for d in parsed.values() for k in d))
    rows = {n: [_cell(d.get(k)) for k in header] for n, d in parsed.items()}
    return header, rows, 0


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
