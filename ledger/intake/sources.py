"""Reading import files line by line (JSON Lines, CSV with or without Excel's BOM).

CSV cells are text (converted by each field's type when validated); a cell may start with one
``'``, the marker spreadsheet-safe exports put before text that starts with ``= + - @``: it is
dropped (``reports.safe.unmark``). JSON lines keep JSON's types.

Files are streamed: nothing holds a whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import operator
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..i18n import Msg
from ..reports.safe import MARK, unmark

if TYPE_CHECKING:
    from .bounded import SheetLimits


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


class MixedEncoding(Exception):
    """A line of a Chinese double-byte file (GBK, GB18030, Big5) that is UTF-8 Chinese text."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


DOUBLE_BYTE = frozenset({"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950"})
"""Codecs that decode UTF-8 bytes without complaint (as mojibake): their files are guarded."""
_UTF8_HANZI = re.compile(rb"[\xe4-\xe9][\x80-\xbf][\x80-\xbf]")
"""The bytes of a common Chinese character in UTF-8 (U+4E00–U+9FFF); rare in GBK text."""
_NOT_CHINESE_TEXT = re.compile("[^\x00-\x7f\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def utf8_chinese(line: bytes) -> bool:
    """Whether a line is UTF-8 Chinese text: it decodes as UTF-8, into Chinese characters,
    their punctuation and ASCII only (GBK bytes that happen to decode give Latin letters and
    combining marks: ``平台`` → ``ƽ̨``)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _NOT_CHINESE_TEXT.search(text) is None and re.search("[\u4e00-\u9fff]", text) is not None


class EncodingGuard(ByteCounter):
    """Raises ``MixedEncoding`` at the first line of a GBK (GB18030, Big5) file that is UTF-8
    Chinese text: such a line would decode without error, as mojibake. Blocks without the
    bytes of a UTF-8 Chinese character (nearly all of a GBK file) are passed at C speed."""

    def __init__(self, raw: io.BufferedReader, on_read: Callable[[int], None] | None):
        super().__init__(raw, on_read)
        self.tail, self.lines = b"", 0

    def readinto(self, b: Any) -> int:
        n = super().readinto(b)
        text = self.tail + bytes(memoryview(b)[:n])
        cut = text.rfind(b"\n") + 1 if n else len(text)  # whole lines (at the end: the last one too)
        whole, self.tail = text[:cut], text[cut:]
        if _UTF8_HANZI.search(whole):
            for offset, line in enumerate(whole.split(b"\n")):
                if _UTF8_HANZI.search(line) and utf8_chinese(line.rstrip(b"\r")):
                    raise MixedEncoding(self.lines + offset + 1)
        self.lines += whole.count(b"\n")
        return n


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a spreadsheet file (``ledger import`` options)."""

    encoding: str | None = None
    """A CSV file's encoding, forced (``--encoding``); otherwise detected (``detect_encoding``)."""
    sheet: str | None = None
    """An .xlsx file's sheet: its name, or its number from 1 (default: the first)."""
    header_row: int | None = None
    """The header row (from 1); default: found (the first of the first 20 rows naming two fields)."""
    mapping: Any = None
    """A platform export's mapping (``intake.mapping.Mapping``, ``--mapping``): with events, each
    row of the export becomes the events it names."""
    limits: SheetLimits | None = None
    """What an .xlsx sheet may cost (``bounded.SheetLimits``); default: the environment's."""
    ignore_columns: frozenset[str] = frozenset()
    """Columns the clerk named to be left out (``--ignore-column``); others unknown are refused."""


IGNORED_COLUMNS = frozenset({"问题", "错误字段", "错误说明"})
"""The columns ``--errors`` adds to a refused row (错误字段/错误说明: before issue #26): import reads
past them, with a notice."""
DECORATION_COLUMNS = IGNORED_COLUMNS | {"序号", "编号序号"}
"""Columns a clerk's sheet carries that are no event field: left out with a notice."""
HEADER_SEARCH_ROWS = 20


def detect_encoding(path: str) -> str:
    """A CSV file's encoding, in a strict order (docs/intake.md): a byte-order mark (UTF-8,
    UTF-16 — Excel's "Unicode text"); UTF-16 without a mark (NUL bytes in the first 4 KiB);
    then the first line (of the first 64 KiB) that is not plain ASCII decides: UTF-8 when it
    decodes as UTF-8, else GB18030 (which contains GBK and GB2312, Chinese Excel's "CSV (逗号分隔)")
    when it decodes as that; UTF-8 otherwise, and when every line is ASCII (a later line that
    does not decode is reported, naming --encoding). One exception: a first line whose bytes
    decode as UTF-8 only into stray letters (GBK ``平台`` reads as UTF-8 ``ƽ̨``) does not decide
    when later lines are GBK and none is UTF-8 Chinese text. A UTF-8 line in a GB18030 file is
    refused (``EncodingGuard``)."""
    try:
        with open(path, "rb") as raw:
            head = raw.read(1 << 16)
    except OSError as exc:
        raise InputError(Msg("a readable file ({strerror})", strerror=Msg(str(exc.strerror))), origin=path) from None
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    parts = head.split(b"\n")
    if len(head) == 1 << 16 and len(parts) > 1:
        parts.pop()  # cut at 64 KiB: whole lines only
    lines = [line for line in parts if not line.isascii()]
    decided = None
    for line in lines:
        if decided is None:  # the first line that is not ASCII decides …
            decided = _line_encoding(line)
            if decided != "utf-8-sig" or utf8_chinese(line.rstrip(b"\r")):
                return decided
        elif utf8_chinese(line.rstrip(b"\r")):  # … unless it read as stray letters and later lines are GBK
            return decided
        elif _line_encoding(line) == "gb18030":
            return "gb18030"
    return "utf-8-sig"


def _line_encoding(line: bytes) -> str:
    for encoding, name in (("utf-8", "utf-8-sig"), ("gb18030", "gb18030")):
        try:
            line.decode(encoding)
            return name
        except UnicodeDecodeError:
            pass
    return "utf-8-sig"


def detect_delimiter(first_line: str, encoding: str) -> str:
    """The delimiter: of tab, comma and semicolon, the one the header line has most of (ties:
    comma; UTF-16 files, Excel's "Unicode text", are tab-separated unless the header says otherwise)."""
    counts = {d: first_line.count(d) for d in ("\t", ",", ";")}
    best = max(counts.values())
    if best == 0:
        return "\t" if encoding.startswith("utf-16") else ","
    if encoding.startswith("utf-16") and counts["\t"] == best:
        return "\t"
    return "," if counts[","] == best else "\t" if counts["\t"] == best else ";"


def _open_text(path: str, on_read: Callable[[int], None] | None, encoding: str = "utf-8-sig") -> io.TextIOWrapper:
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(Msg("a readable file ({strerror})", strerror=Msg(str(exc.strerror))), origin=path) from None
    counter = EncodingGuard if codecs.lookup(encoding).name in DOUBLE_BYTE else ByteCounter
    return io.TextIOWrapper(io.BufferedReader(counter(raw, on_read), 1 << 16), encoding=encoding, newline="")


def read_lines(path: str, on_read: Callable[[int], None] | None = None,
               list_fields: Callable[[dict[str, Any]], dict[str, str]] | None = None,
               options: ReadOptions | None = None, *, headers: bool = True) -> Iterator[SourceLine]:
    """Yield one dict per event line. ``list_fields(row)`` tells CSV which cells hold lists
    or objects (JSON text, or ``;``-separated for lists). ``headers``: read column names in
    the catalogue's words (Chinese names and aliases; events, not the unit roster).

    A problem with the header (an unknown column) is yielded as a line whose data is the
    ``InputError`` (reported with the rest; the column is left out of every row)."""
    ext = os.path.splitext(path)[1].lower()
    options = options or ReadOptions()
    if options.mapping is not None and options.mapping.events:
        if ext in (".csv", ".txt", ".tsv"):
            yield from options.mapping.lines(csv_rows(path, on_read, options), path, options.header_row)
        elif ext in (".xlsx", ".xlsm"):
            yield from options.mapping.lines(sheet_rows(path, options.sheet, options.limits), path, options.header_row)
        else:
            raise InputError("a .csv or .xlsx export (with --mapping)", origin=path, got=repr(ext or "no extension"))
    elif ext == ".jsonl" or ext == ".ndjson":
        yield from _read_jsonl(path, on_read)
    elif ext in (".csv", ".txt", ".tsv"):
        yield from _read_csv(path, on_read, list_fields, options, headers)
    elif ext in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path, on_read, list_fields, options)
    else:
        raise InputError("a .jsonl, .csv or .xlsx file", origin=path, got=repr(ext or "no extension"))


def _read_jsonl(path: str, on_read: Callable[[int], None] | None) -> Iterator[SourceLine]:
    """Lines stay bytes: pydantic-core parses and validates them in one step."""
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(Msg("a readable file ({strerror})", strerror=Msg(str(exc.strerror))), origin=path) from None
    with raw:
        for number, line in enumerate(raw, start=1):
            if on_read:
                on_read(len(line))
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            yield SourceLine(path, number, line)


def _is_header(cells: list[Any]) -> bool:
    from .words import field_by_word

    known = field_by_word()
    found = {known.get(str(c).strip()) for c in cells if c is not None and str(c).strip()}
    return len(found - {None}) >= 2 and bool(found & {"type", "unit", "date"})


class Header:
    """A header row read: column → field name (None: left out)."""

    def __init__(self, cells: list[str], path: str, line: int, words: bool, ignore: frozenset[str] = frozenset()):
        from .problems import ColumnProblem, Notice
        from .words import field_by_word

        self.problems: list[InputError] = []
        self.fields: list[str | None] = []
        known = field_by_word() if words else {}
        last = max((i for i, c in enumerate(cells) if c.strip()), default=-1)
        for number, cell in enumerate(cells, start=1):
            text = cell.strip()
            if (not text and number <= last + 1) or text in DECORATION_COLUMNS or text in ignore:
                self.fields.append(None)
                if words and number <= last + 1:
                    self.problems.append(Notice(Msg("column {column} ({name}) is left out", column=number,
                                                    name=text or Msg("no header")),
                                                origin=path, line=line, problem=True))
                continue
            if not text:
                self.fields.append(None)
                continue
            name = known.get(text, text) if words else text
            if words and name not in known:
                self.problems.append(ColumnProblem(
                    "a column named by an event field (its name or its Chinese name: see `ledger types`), "
                    "or --ignore-column to leave it out", origin=path, line=line, field=text, problem=False,
                    got=repr(text)))
                self.fields.append(None)
                continue
            if name in self.fields:
                raise InputError("distinct column names in the header row", origin=path, line=line,
                                 field=text)
            self.fields.append(name)
        self.plain = all(f is not None for f in self.fields)


def _blank(cells: list[str]) -> bool:
    """No cell with a visible character (one C-level join instead of a strip per cell)."""
    return not "".join(cells).strip()


def _row(header: Header, cells: list[str], path: str, line: int,
         list_fields: Callable[[dict[str, Any]], dict[str, str]] | None) -> SourceLine:
    fields = header.fields
    if len(cells) > len(fields) and not _blank(cells[len(fields):]):
        return SourceLine(path, line, InputError(  # type: ignore[arg-type] # reported with the rest
            Msg("at most {n_fields} cells (one per header column)", n_fields=len(fields)), origin=path, line=line,
                                                 got=str(len(cells))))
    # Blank cells are absent; one leading ' is the marker spreadsheet-safe exports put before
    # text (dropped). The cells are paired and filtered at C speed; a row with a ' or a cell
    # of spaces is then looked at cell by cell.
    data: dict[Any, Any] = dict(filter(_second, zip(fields, cells, strict=False)))
    if not header.plain:
        data.pop(None, None)
    values = data.values()
    if MARK in "".join(values) or any(map(str.isspace, values)):
        for key in [k for k, v in data.items() if v[0] == MARK or v.isspace()]:
            value = unmark(data[key])
            if value.strip():
                data[key] = value
            else:
                del data[key]
    if list_fields:
        kinds = list_fields(data)
        if kinds and not kinds.keys().isdisjoint(data):
            for key in [k for k in data if k in kinds]:
                kind = kinds[key]
                value = data[key]
                if kind in ("list", "dict") and isinstance(value, str):
                    data[key] = _structured(value, kind, path, line, key)
    return SourceLine(path, line, data)


_second = operator.itemgetter(1)


def _read_csv(path: str, on_read: Callable[[int], None] | None,
              list_fields: Callable[[dict[str, Any]], dict[str, str]] | None,
              options: ReadOptions, words: bool) -> Iterator[SourceLine]:
    yield from _table_lines(csv_rows(path, on_read, options), path, list_fields, options, words)


def csv_rows(path: str, on_read: Callable[[int], None] | None,
             options: ReadOptions) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) of a CSV file, blank rows included; the encoding
    detected (or ``--encoding``), the delimiter detected."""
    encoding = options.encoding or detect_encoding(path)
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError("an encoding Python knows (utf-8, gb18030, gbk, utf-16 …)", field="--encoding",
                         got=repr(encoding)) from None
    with _open_text(path, on_read, encoding) as handle:
        start = 1
        try:
            first = handle.readline()
            delimiter = detect_delimiter(first, encoding)
            # strict: a quote left open (or text after a closing quote) is an error, not a cell
            # that swallows every following row.
            reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter, strict=True)
            for cells in reader:
                line, start = start, reader.line_num + 1
                yield line, cells
        except MixedEncoding as exc:
            raise InputError(Msg("text in one encoding: the file reads as {encoding}, but this line is UTF-8 Chinese "
                                 "text (save the whole file in one encoding, e.g. Excel's “CSV UTF-8”)",
                                 encoding=encoding),
                             origin=path, line=exc.line) from None
        except UnicodeDecodeError as exc:
            what = Msg("{encoding} text ({reason}; or name the file's encoding with --encoding)", encoding=encoding,
                       reason=exc.reason)
            if encoding.startswith("utf-8"):
                what = Msg("UTF-8 text ({reason}; from Excel save as “CSV UTF-8”, or give --encoding gb18030 "
                           "for a GBK file)", reason=exc.reason)
            raise InputError(what,
                             origin=path, line=_first_undecodable_line(path, encoding)) from None
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError("a closing quote (\") for the quote opened on this line: the file ended "
                                 "inside a quoted cell", origin=path,
                                 line=_open_quote_line(path, start, encoding)) from None
            raise InputError(Msg("well-formed CSV ({exc})", exc=exc), origin=path, line=reader.line_num) from None


def _table_lines(rows: Iterator[tuple[int, list[str]]], path: str,
                 list_fields: Callable[[dict[str, Any]], dict[str, str]] | None,
                 options: ReadOptions, words: bool) -> Iterator[SourceLine]:
    """A CSV file's or a sheet's rows as event lines: the header row found (or named), then
    one line per non-blank row."""
    looked: list[tuple[int, list[str]]] = []  # rows read while looking for the header
    header: Header | None = None
    last = 0
    for line, cells in rows:
        last = line
        if header is not None:
            if not _blank(cells):
                yield _row(header, cells, path, line, list_fields)
            continue
        if options.header_row is not None and line < options.header_row:
            continue
        if not any(c.strip() for c in cells) and (words or line > 1):
            continue
        looked.append((line, cells))
        if options.header_row is not None or not words or _is_header(cells):
            header = Header(cells, path, line, words, options.ignore_columns)
            looked = []
            yield from _header_problems(header, path, line)
        elif len(looked) >= HEADER_SEARCH_ROWS:  # no row names two fields: the first is the header
            header = Header(looked[0][1], path, looked[0][0], words, options.ignore_columns)
            yield from _header_problems(header, path, looked[0][0])
            for n, c in looked[1:]:
                yield _row(header, c, path, n, list_fields)
    if header is None and options.header_row is not None:
        raise header_row_past_end(path, options.header_row, last)
    if header is None and looked:
        header = Header(looked[0][1], path, looked[0][0], words, options.ignore_columns)
        yield from _header_problems(header, path, looked[0][0])
        for n, c in looked[1:]:
            yield _row(header, c, path, n, list_fields)


def header_row_past_end(path: str, header_row: int, last: int) -> InputError:
    """``--header-row N`` on a file whose rows end before N (nothing would be imported)."""
    return InputError(Msg("a header row within the file (its last row with a value is row {last})", last=last),
                      origin=path, field="--header-row", got=str(header_row))


def _header_problems(header: Header, path: str, line: int) -> Iterator[SourceLine]:
    for problem in header.problems:
        yield SourceLine(path, line, problem)  # type: ignore[arg-type]


def sheet_rows(path: str, sheet: str | None, limits: SheetLimits | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of an .xlsx sheet; blank rows skipped. Read within limits
    (``bounded.sheet_rows``: checked before, during and after the parse, in a process that may
    die): python-calamine (Rust: ~20× openpyxl's read-only XML parsing) when it is installed and
    the sheet has no error cells (``#N/A``: calamine reads them as blank, openpyxl as their
    text, which the import then reports); openpyxl otherwise."""
    from . import bounded

    return bounded.sheet_rows(path, sheet, limits)


def _read_xlsx(path: str, on_read: Callable[[int], None] | None,
               list_fields: Callable[[dict[str, Any]], dict[str, str]] | None,
               options: ReadOptions) -> Iterator[SourceLine]:
    yield from _table_lines(sheet_rows(path, options.sheet, options.limits), path, list_fields, options, True)


def _open_quote_line(path: str, start: int, encoding: str = "utf-8-sig") -> int:
    """The line where the quote left open (the file ended inside it) was opened: the record
    began on line ``start``; its quoted cells may span lines before the open one."""
    opened, inside, cell_start, closed = start, False, True, False
    with open(path, encoding=encoding, newline="") as handle:
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


def _first_undecodable_line(path: str, encoding: str) -> int | None:
    """Text is decoded in blocks, ahead of the CSV reader; the failing line is found by
    decoding line by line (exact for UTF-8 and GB18030: no sequence contains a newline byte;
    UTF-16: not found)."""
    if encoding.startswith("utf-16"):
        return None
    plain = "utf-8" if encoding == "utf-8-sig" else encoding
    with open(path, "rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode(encoding if number == 1 else plain)
            except UnicodeDecodeError:
                return number
    return None


def _structured(value: str, kind: str, path: str, line: int, key: str) -> Any:
    text = value.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise InputError(Msg("JSON text for a {value}", value='list' if kind == 'list' else 'object'),
                             origin=path, line=line, field=key, got=repr(value[:60])) from None
    if kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    raise InputError("a JSON object, e.g. {\"field\": \"value\"}", origin=path, line=line,
                     field=key, got=repr(value[:60]))
