"""Reading import files line by line (JSON Lines, CSV with or without Excel's BOM).

CSV cells are text (converted by each field's type when validated); a cell may start with one
``'``, the marker spreadsheet-safe exports put before text that starts with ``= + - @``: it is
dropped (``reports.safe.unmark``). JSON lines keep JSON's types.

Files are streamed: nothing holds a whole file in memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..reports.safe import unmark


@dataclass(slots=True)
class SourceLine:
    origin: str
    line: int
    """1-based line of a file; 0 when the origin is not a file (named without a line number)."""
    data: dict[str, Any] | bytes


class ByteCounter(io.RawIOBase):
    """Wraps a binary file to report bytes read (for progress on a terminal)."""

    def __init__(self, raw: io.BufferedReader, on_read: Callable[[int], None] | None):
        self.raw, self.on_read = raw, on_read

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.raw.readinto(b)
        if self.on_read and n:
            self.on_read(n)
        return n


def _open_text(path: str, on_read: Callable[[int], None] | None) -> io.TextIOWrapper:
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"a readable file ({exc.strerror})", origin=path) from None
    return io.TextIOWrapper(io.BufferedReader(ByteCounter(raw, on_read), 1 << 16),
                            encoding="utf-8-sig", newline="")


def read_lines(path: str, on_read: Callable[[int], None] | None = None,
               list_fields: Callable[[dict[str, Any]], dict[str, str]] | None = None) -> Iterator[SourceLine]:
    """Yield one dict per event line. ``list_fields(row)`` tells CSV which cells hold lists
    or objects (JSON text, or ``;``-separated for lists)."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".jsonl" or ext == ".ndjson":
        yield from _read_jsonl(path, on_read)
    elif ext == ".csv":
        yield from _read_csv(path, on_read, list_fields)
    else:
        raise InputError("a .jsonl or .csv file", origin=path, got=repr(ext or "no extension"))


def _read_jsonl(path: str, on_read: Callable[[int], None] | None) -> Iterator[SourceLine]:
    """Lines stay bytes: pydantic-core parses and validates them in one step."""
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"a readable file ({exc.strerror})", origin=path) from None
    with raw:
        for number, line in enumerate(raw, start=1):
            if on_read:
                on_read(len(line))
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            yield SourceLine(path, number, line)


def _read_csv(path: str, on_read: Callable[[int], None] | None,
              list_fields: Callable[[dict[str, Any]], dict[str, str]] | None) -> Iterator[SourceLine]:
    with _open_text(path, on_read) as handle:
        start = 1
        try:
            # strict: a quote left open (or text after a closing quote) is an error, not a cell
            # that swallows every following row.
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if not header:
                return
            header = [h.strip() for h in header]
            if len(set(header)) != len(header):
                raise InputError("distinct column names in the header row", origin=path, line=1)
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    raise InputError(f"at most {len(header)} cells (one per header column)",
                                     origin=path, line=line, got=str(len(cells)))
                # One leading ' is the marker spreadsheet-safe exports put before text (dropped);
                # blank cells are absent.
                data = {k: v for k, v in zip(header, map(unmark, cells), strict=False) if v.strip()}
                if list_fields:
                    kinds = list_fields(data)
                    for key, value in list(data.items()):
                        kind = kinds.get(key)
                        if kind in ("list", "dict"):
                            data[key] = _structured(value, kind, path, line, key)
                yield SourceLine(path, line, data)
        except UnicodeDecodeError as exc:
            raise InputError(f"UTF-8 text ({exc.reason}; from Excel save as “CSV UTF-8”)",
                             origin=path, line=_first_non_utf8_line(path)) from None
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError("a closing quote (\") for the quote opened on this line: the file ended "
                                 "inside a quoted cell", origin=path, line=_open_quote_line(path, start)) from None
            raise InputError(f"well-formed CSV ({exc})", origin=path, line=reader.line_num) from None


def _open_quote_line(path: str, start: int) -> int:
    """The line where the quote left open (the file ended inside it) was opened: the record
    began on line ``start``; its quoted cells may span lines before the open one."""
    opened, inside, cell_start, closed = start, False, True, False
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for number, text in enumerate(handle, start=1):
            if number < start:
                continue
            for ch in text:
                if inside:
                    if ch == '"':
                        inside, closed = False, True
                    continue
                if closed and ch == '"':  # "" inside a quoted cell: still the same cell
                    inside, closed = True, False
                    continue
                closed = False
                if ch == '"' and cell_start:
                    inside, opened = True, number
                cell_start = ch in ",\r\n"
    return opened


def _first_non_utf8_line(path: str) -> int | None:
    """Text is decoded in blocks, ahead of the CSV reader; the failing line is found by
    decoding line by line (exact: no UTF-8 sequence contains a newline byte)."""
    with open(path, "rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _structured(value: str, kind: str, path: str, line: int, key: str) -> Any:
    text = value.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise InputError(f"JSON text for a {'list' if kind == 'list' else 'object'}",
                             origin=path, line=line, field=key, got=repr(value[:60])) from None
    if kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    raise InputError("a JSON object, e.g. {\"field\": \"value\"}", origin=path, line=line,
                     field=key, got=repr(value[:60]))
