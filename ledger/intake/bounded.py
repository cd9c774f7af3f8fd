"""Bounded spreadsheet reading (issue #24): an .xlsx sheet read within limits a hostile file
cannot push past, for ``ledger import`` and for uploads alike (``read_bounded``).

A 1.6 KB workbook with one cell at XFD1048576 makes python-calamine ask for 512 GiB and abort
inside native code; a lying shared-string count does the same; a small zip can inflate to
gigabytes. So a sheet is read in three steps (docs/intake.md, "Limits"):

1. **Before parsing**, from the zip's directory and the first bytes of two parts: the declared
   inflated size of the sheet's XML (``sheet_mb``) and of each part read with it — shared
   strings, styles, the workbook (``strings_mb``); the sheet's declared dimension (``cells``, and
   Excel's own 1,048,576 rows × 16,384 columns); the shared-string table's declared count. Both
   readers stop at a part's declared size (more bytes are an error), so declared sizes bound
   the real ones.
2. **The parse**, in a process that may die: the import's producer process, or a child started
   for the purpose (``python -m ledger.intake.bounded``), under an address-space limit
   (RLIMIT_AS) set so that its resident memory stays under ``memory_mb``. A dimension that lies
   makes the reader abort there, never in the process that writes or serves; the parent then
   names the farthest cell (a scan of the sheet's XML) and the limit.
3. **After the parse**: the real area, A1 to the farthest cell, against the same limits.

Over a limit is ``OverLimit`` (exit 2; the web answers 413), naming the file, the place (part
or sheet!cell) and the limit with the environment variable that sets it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import faulthandler
import functools
import itertools
import json
import operator
import os
import pickle
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InputError
from ..i18n import Msg

MB = 1 << 20
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
"""Excel's own sheet size: a reference beyond it is not a sheet Excel wrote."""
ENV = {"cells": "LEDGER_XLSX_MAX_CELLS", "sheet_mb": "LEDGER_XLSX_MAX_SHEET_MB",
       "strings_mb": "LEDGER_XLSX_MAX_STRINGS_MB", "memory_mb": "LEDGER_XLSX_MAX_MEMORY_MB"}
DIAGNOSIS_SECONDS = 3.0
"""How long the parent looks for the cell that made a reading fail (the refusal stays ≤ 5 s)."""


class OverLimit(InputError):
    """A file past a reading limit: exit 2, like any bad input; the web answers 413."""


@dataclass(frozen=True, slots=True)
class SheetLimits:
    """What one sheet may cost. Defaults: 5,000,000 cells (A1 to the farthest cell: 100,000
    rows × 50 columns), 256 MB of sheet XML, 64 MB of shared strings (and of each other part
    read with the sheet), 480 MB of memory for the reading process. Each is set by its
    environment variable (``ENV``: ``LEDGER_XLSX_MAX_CELLS`` …) or by the caller."""

    cells: int = 5_000_000
    sheet_mb: int = 256
    strings_mb: int = 64
    memory_mb: int = 480

    @classmethod
    def from_env(cls) -> SheetLimits:
        """The defaults, with each limit an environment variable sets (a whole number ≥ 1)."""
        chosen: dict[str, int] = {}
        for name, variable in ENV.items():
            text = os.environ.get(variable, "").strip()
            if not text:
                continue
            if not text.isdigit() or int(text) < 1:
                raise InputError("a whole number of at least 1", field=variable, got=repr(text))
            chosen[name] = int(text)
        return cls(**chosen)


# --------------------------------------------------------------------------------- the parts

@dataclass(frozen=True, slots=True)
class SheetPart:
    """The sheet chosen, found in the workbook's own parts (as calamine and openpyxl find it)."""

    name: str
    part: str
    """The zip member holding the sheet's XML."""
    strings: str | None
    """The shared-string table's member (None: the workbook has none)."""
    others: tuple[str, ...] = ()
    """Other members read with the sheet (styles, content types): within ``strings_mb``."""


_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"|([\w:]+)\s*=\s*\'([^\']*)\'')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_SST_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"']\s*(\d+)\s*[\"']")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,9})$")
HEAD_BYTES = 1 << 16
"""How much of a part is read to find its dimension or count (they come first)."""
SMALLEST_STRING = 5
"""Bytes of the smallest shared-string item (``<si/>``): a count above size / 5 is a lie."""


def _attributes(text: bytes) -> dict[str, str]:
    """A tag's attributes by local name (``r:id`` → ``rid``; namespace declarations left out)."""
    found = {}
    for match in _ATTR.finditer(text):
        key = (match[1] or match[3]).decode("utf-8", "replace")
        prefix, _, local = key.rpartition(":")
        if key == "xmlns" or prefix == "xmlns":
            continue
        found["rid" if prefix and local == "id" else local] = (match[2] if match[1] else match[4]).decode(
            "utf-8", "replace")
    return found


def _member(base: str, target: str) -> str:
    """A relationship's target as a zip member name (relative to ``base``'s folder, or absolute)."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in (os.path.dirname(base) + "/" + target).split("/") if p and p != "."]
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return "/".join(out)


def _relations(archive: zipfile.ZipFile, owner: str, limits: SheetLimits) -> dict[str, tuple[str, str]]:
    """Id → (type's last word, member) of a part's relationships (``owner``: '' for the package)."""
    folder, name = os.path.split(owner)
    rels = f"{folder}/_rels/{name}.rels" if owner else "_rels/.rels"
    data = _small_part(archive, rels, limits)
    out = {}
    for match in _RELATION.finditer(data or b""):
        attrs = _attributes(match[1])
        if "Id" in attrs and "Target" in attrs and attrs.get("TargetMode") != "External":
            out[attrs["Id"]] = (attrs.get("Type", "").rpartition("/")[2], _member(owner or "/", attrs["Target"]))
    return out


def _small_part(archive: zipfile.ZipFile, member: str, limits: SheetLimits) -> bytes | None:
    """A part read with the sheet (workbook, relationships), within ``strings_mb``."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    _check_size(info, limits.strings_mb, "strings_mb")
    return archive.read(info)


def _check_size(info: zipfile.ZipInfo, limit_mb: int, limit: str) -> None:
    if info.file_size > limit_mb * MB:
        raise OverLimit(Msg("a part of at most {limit} MB once inflated (the limit {variable})", limit=limit_mb,
                            variable=ENV[limit]), field=info.filename,
                        got=Msg("{size} MB declared", size=_mb(info.file_size)))


def _mb(size: int) -> str:
    return f"{size / MB:,.1f}"


def find_sheet(archive: zipfile.ZipFile, sheet: str | None, limits: SheetLimits) -> SheetPart:
    """The sheet asked for (its name, or its number from 1 among the worksheets; default the
    first worksheet), as calamine finds it; a name that is not there is exit 2 listing them."""
    package = _relations(archive, "", limits)
    book = next((member for kind, member in package.values() if kind == "officeDocument"), "xl/workbook.xml")
    data = _small_part(archive, book, limits)
    if data is None:
        raise InputError(Msg("an .xlsx workbook (no {part} in the archive)", part=book))
    relations = _relations(archive, book, limits)
    sheets: list[tuple[str, str | None, bool]] = []  # name, member, is a worksheet
    for match in _SHEET.finditer(data):
        attrs = _attributes(match[1])
        kind, member = relations.get(attrs.get("rid", ""), ("", None))
        sheets.append((attrs.get("name", ""), member, kind == "worksheet"))
    strings = next((member for kind, member in relations.values() if kind == "sharedStrings"), None)
    others = tuple(member for kind, member in relations.values() if kind == "styles") + ("[Content_Types].xml",)
    worksheets = [s for s in sheets if s[2]]
    chosen = None
    if sheet is None:
        chosen = worksheets[0] if worksheets else None
    elif any(s[0] == sheet for s in sheets):
        chosen = next(s for s in sheets if s[0] == sheet)
    elif sheet.isdigit() and 1 <= int(sheet) <= len(worksheets):
        chosen = worksheets[int(sheet) - 1]
    if chosen is None or chosen[1] is None or not chosen[2]:
        raise InputError(Msg("a sheet of the workbook: {sheets}", sheets=", ".join(s[0] for s in worksheets)),
                         field="--sheet", got=repr(sheet if sheet is not None else ""))
    return SheetPart(chosen[0], chosen[1], strings, others)


def inspect(path: str, sheet: str | None, limits: SheetLimits) -> SheetPart:
    """The checks before parsing (step 1): sizes, dimension and string count as declared."""
    try:
        archive = zipfile.ZipFile(path)
    except OSError as exc:
        raise InputError(Msg("a readable file ({strerror})", strerror=Msg(str(exc.strerror))), origin=path) from None
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise InputError(Msg("an .xlsx workbook ({name}: {exc})", name=type(exc).__name__, exc=exc),
                         origin=path) from None
    with archive:
        try:
            found = find_sheet(archive, sheet, limits)
            members = set(archive.namelist())
            if found.part not in members:
                raise InputError(Msg("an .xlsx workbook (no {part} in the archive)", part=found.part))
            _check_size(archive.getinfo(found.part), limits.sheet_mb, "sheet_mb")
            for member in (found.strings, *found.others):
                if member in members:
                    _check_size(archive.getinfo(member), limits.strings_mb, "strings_mb")
            _check_dimension(_head(archive, found.part), found.name, limits)
            if found.strings is not None and found.strings in members:
                _check_string_count(archive.getinfo(found.strings), _head(archive, found.strings), limits)
        except InputError as exc:
            raise _located(exc, path) from None
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
            raise InputError(Msg("an .xlsx workbook ({name}: {exc})", name=type(exc).__name__, exc=exc),
                             origin=path) from None
    return found


def _located(exc: InputError, path: str) -> InputError:
    """``exc`` naming the file (raised where only the archive was known)."""
    return type(exc)(exc.expected, origin=path, line=exc.line, field=exc.field, got=exc.got, problem=exc.problem)


def _head(archive: zipfile.ZipFile, member: str) -> bytes:
    with archive.open(member) as part:
        return part.read(HEAD_BYTES)


def cell_position(ref: str) -> tuple[int, int] | None:
    """(row, column) from 1 of a reference such as ``XFD1048576``; None when it is not one."""
    match = _REF.match(ref.strip())
    if match is None:
        return None
    column = 0
    for letter in match[1].upper():
        column = column * 26 + ord(letter) - 64
    row = int(match[2])
    return (row, column) if row else None


def column_name(column: int) -> str:
    """1 → A, 16384 → XFD."""
    name = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def _check_dimension(head: bytes, sheet: str, limits: SheetLimits) -> None:
    end = _SHEET_DATA.search(head)
    match = _DIMENSION.search(head, 0, end.start() if end else len(head))
    if match is None:
        return
    ref = match[1].decode("utf-8", "replace")
    corner = cell_position(ref.rpartition(":")[2])
    if corner is None:
        return  # a dimension no reader uses for sizes (calamine ignores it; openpyxl then counts)
    _check_area(corner[0], corner[1], f"{sheet}!{ref.rpartition(':')[2]}", limits,
                Msg("the dimension {ref} the sheet declares", ref=ref))


def _check_area(rows: int, columns: int, place: str, limits: SheetLimits, found: str,
                line: int | None = None) -> None:
    """A1 to (rows, columns): within Excel's sheet and ``cells``."""
    if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
        raise OverLimit(Msg("cells within Excel's {rows:,} rows and {columns:,} columns (A1:XFD1048576)",
                            rows=EXCEL_ROWS, columns=EXCEL_COLUMNS), field=place, line=line, got=found)
    if rows * columns > limits.cells:
        raise OverLimit(Msg("a sheet of at most {limit:,} cells from A1 to its farthest cell (the limit "
                            "{variable})", limit=limits.cells, variable=ENV["cells"]), field=place, line=line,
                        got=Msg("{found}: {rows:,} rows × {columns:,} columns", found=found, rows=rows,
                                columns=columns))


def _check_string_count(info: zipfile.ZipInfo, head: bytes, limits: SheetLimits) -> None:
    match = _SST_COUNT.search(head)
    if match is None:
        return
    count = int(match[1])
    most = min(limits.cells, info.file_size // SMALLEST_STRING + 1)
    if count > most:
        raise OverLimit(Msg("a shared-string table of at most {most:,} strings (no more than the cells of a sheet, "
                            "the limit {variable}, nor than its {size} bytes can hold)", most=most,
                            variable=ENV["cells"], size=info.file_size),
                        field=info.filename, got=Msg("uniqueCount {count}", count=count))


# --------------------------------------------------------------------------- the bound (step 2)

_here = False
"""This process may die reading (the import's producer, the reading child): read here."""
_signal: Callable[[bool], None] | None = None
"""Tells the parent the bound is on (True) or off: a death while it is on was the reading."""
_refuse: Callable[[InputError], None] | None = None
"""Ends this process with a refusal found while the parse runs (it cannot be interrupted)."""


def read_here(signal_bound: Callable[[bool], None] | None = None,
              refuse: Callable[[InputError], None] | None = None) -> None:
    """Make this process the one that reads (it is a child its parent watches): sheets are
    parsed here under the bound; ``signal_bound`` tells the parent when the bound is on;
    ``refuse(error)`` ends the process with ``error``, found by the scan beside a parse that
    would take long or abort (without it, the parse's own end or abort decides)."""
    global _here, _signal, _refuse
    _here, _signal, _refuse = True, signal_bound, refuse


def _memory() -> tuple[int, int]:
    """(address space, resident memory) of this process in bytes."""
    sizes = {}
    with open("/proc/self/status", encoding="ascii", errors="replace") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmSize", "VmRSS"):
                sizes[key] = int(value.split()[0]) * 1024
    return sizes.get("VmSize", 0), sizes.get("VmRSS", 0)


M_ARENA_MAX = -8


@contextlib.contextmanager
def bound(limits: SheetLimits, path: str | None = None) -> Iterator[None]:
    """Within the block this process cannot grow past ``memory_mb`` resident: RLIMIT_AS is set
    to its address space now plus what is left of the limit (address space grows at least as
    fast as resident memory). A native reader that asks for more aborts — quietly: no core
    file, standard error silenced meanwhile (calamine prints a Rust backtrace). Without
    RLIMIT_AS (not Linux) only the checks before and after the parse bound the reading."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    if not sys.platform.startswith("linux"):  # pragma: no cover
        yield
        return
    with contextlib.suppress(OSError, AttributeError):  # threads share one malloc arena: none reserves 64 MB
        import ctypes

        ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1)
    size, resident = _memory()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    allowed = size + max(limits.memory_mb * MB - resident, 16 * MB)
    if hard != resource.RLIM_INFINITY:
        allowed = min(allowed, hard)
    core = resource.getrlimit(resource.RLIMIT_CORE)
    dumping = faulthandler.is_enabled()  # its own copy of standard error would print the abort
    faulthandler.disable()
    saved_err = os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    sys.stderr.flush()
    os.dup2(quiet, 2)
    os.close(quiet)
    resource.setrlimit(resource.RLIMIT_CORE, (0, core[1]))
    resource.setrlimit(resource.RLIMIT_AS, (allowed, hard))
    if _signal is not None:
        _signal(True)
    try:
        yield
    except MemoryError:
        raise _memory_refusal(limits, path) from None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        resource.setrlimit(resource.RLIMIT_CORE, core)
        if _signal is not None:
            _signal(False)
        os.dup2(saved_err, 2)
        os.close(saved_err)
        if dumping:
            faulthandler.enable()


def _memory_refusal(limits: SheetLimits, path: str | None = None) -> OverLimit:
    return OverLimit(Msg("a sheet that can be read within {limit} MB of memory (the limit {variable})",
                         limit=limits.memory_mb, variable=ENV["memory_mb"]), origin=path,
                     got=Msg("reading it needed more"))


# ------------------------------------------------------------------------------ reading a sheet

def sheet_rows(path: str, sheet: str | None, limits: SheetLimits | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of an .xlsx sheet, blank rows skipped, read within
    ``limits`` (default: the environment's, ``SheetLimits.from_env``): in this process when
    it is one that may die reading (``read_here``), else in a child started for it."""
    limits = limits or SheetLimits.from_env()
    if _here:
        return _read_sheet(path, sheet, limits)
    return _read_in_child(path, sheet, limits)


def _read_sheet(path: str, sheet: str | None, limits: SheetLimits) -> Iterator[tuple[int, list[str]]]:
    with bound(limits, path):
        found = inspect(path, sheet, limits)
        try:
            grid = _calamine_grid(path, found, limits)
        except InputError as exc:
            raise (exc if exc.origin else _located(exc, path)) from None
    if grid is not None:
        yield from grid
        return
    with bound(limits, path):  # openpyxl parses as it goes: the bound stays on while it reads
        yield from _openpyxl_rows(path, found, limits)


def _calamine_grid(path: str, found: SheetPart, limits: SheetLimits) -> Iterator[tuple[int, list[str]]] | None:
    """The sheet's rows as text (python-calamine), or None: not installed, a workbook it cannot
    read where no cell is to blame (openpyxl then reads it or names the problem), or one with
    error cells (``#N/A``: calamine reads them as blank, openpyxl as their text, which the
    import then reports; looked for while calamine reads: it lets go of the GIL)."""
    try:
        import python_calamine
    except ImportError:
        return None
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        errors = pool.submit(_scan_beside_parse, path, found, limits)
        try:
            book = python_calamine.CalamineWorkbook.from_path(path)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - a cell to blame, else openpyxl reads it or names the problem
            _blame(path, found, limits)
            return None
        try:
            sheet = book.get_sheet_by_name(found.name)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001
            _blame(path, found, limits)
            return None
        finally:
            book.close()
        if errors.result():
            return None
    if sheet.start is None or sheet.end is None:
        return iter(())
    rows, columns = sheet.end[0] + 1, sheet.end[1] + 1
    _check_area(rows, columns, f"{found.name}!{column_name(columns)}{rows}", limits,
                Msg("the sheet's used area A1:{ref}", ref=f"{column_name(columns)}{rows}"), line=rows)
    top, left = sheet.start
    if left:  # data from a later column: padded from A, as openpyxl reads it
        pad = [None] * left
        values: Iterable[Sequence[Any]] = (pad + list(row) for row in sheet.iter_rows())
    else:
        values = sheet.iter_rows()  # rows made as they are read
    return text_rows(values, first=top + 1)


def _blame(path: str, found: SheetPart, limits: SheetLimits) -> None:
    """calamine refused the workbook: the cell to blame, if a scan finds one, is the error."""
    problem = diagnose(path, found, limits)
    if problem is not None:
        raise problem


def _openpyxl_rows(path: str, found: SheetPart, limits: SheetLimits) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)  # data_only: formulas' cached values
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise InputError(Msg("an .xlsx workbook ({name}: {exc})", name=type(exc).__name__, exc=exc),
                         origin=path) from None
    number = 0
    try:
        worksheet = book[found.name]
        widest = 0
        for number, cells in text_rows(worksheet.iter_rows(values_only=True)):
            widest = max(widest, len(cells))
            if number > EXCEL_ROWS or widest > EXCEL_COLUMNS or number * widest > limits.cells:
                try:
                    _check_area(number, widest, f"{found.name}!{column_name(widest)}{number}", limits,
                                Msg("row {number}", number=number), line=number)
                except OverLimit as exc:
                    raise _located(exc, path) from None
            yield number, cells
    except (InputError, MemoryError, GeneratorExit):
        raise
    except Exception as exc:  # noqa: BLE001 - a cell openpyxl cannot read: named by a scan, else the row after
        problem = diagnose(path, found, limits)
        if problem is not None:
            raise problem from None
        raise InputError(Msg("an .xlsx sheet openpyxl can read ({name}: {exc})", name=type(exc).__name__, exc=exc),
                         origin=path, line=number + 1, field=found.name) from None
    finally:
        book.close()


def text_rows(values: Iterable[Sequence[Any]], first: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) from ``first``; trailing blank cells dropped, blank rows skipped."""
    for number, row in enumerate(values, start=first):
        cells = row if type(row) is list else list(row)
        # the few cells that are not text (dates, numbers), found at C speed, as text
        for i in itertools.compress(itertools.count(), map(operator.is_not, map(type, cells), _STR)):
            value = cells[i]
            cells[i] = value.isoformat() if type(value) is dt.date else cell_text(value)
        # trailing blank cells dropped: the empty ones counted at C speed, then cells of spaces
        end = len(cells) - next(itertools.compress(itertools.count(), map(bool, reversed(cells))), len(cells))
        while end and (not cells[end - 1] or cells[end - 1].isspace()):
            end -= 1
        if end:
            del cells[end:]
            yield number, cells


_STR = itertools.repeat(str)


def cell_text(value: Any) -> str:
    """An Excel cell as text: dates as YYYY-MM-DD (a date-time at midnight too), whole numbers
    without ``.0``, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


ERROR_CELL = (b't="e"', b"t='e'")
"""How a worksheet's XML marks a cell holding an error value (``#N/A``, ``#DIV/0!``)."""


def _scan_beside_parse(path: str, found: SheetPart, limits: SheetLimits) -> bool:
    """While calamine parses (it lets go of the GIL), one pass over the sheet's XML in blocks
    (~0.3 s per 100k rows): whether it holds an error cell, and its used area. An area past
    the limits ends the process with the refusal (``read_here``'s ``refuse``) instead of
    waiting for a parse of millions of rows to finish or abort."""
    with zipfile.ZipFile(path) as archive, archive.open(found.part) as xml:
        errors, problem = _scan(xml, found.name, limits, time.monotonic() + 3600)
    if problem is not None and _refuse is not None:
        _refuse(_located(problem, path))
    return errors


# --------------------------------------------------------------- the place to blame (the parent)

_CELL_OR_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+)?Z?$")
CELL_TYPES = ("n", "s", "str", "inlineStr", "b", "e", "d")


def diagnose(path: str, found: SheetPart, limits: SheetLimits, *, cells: bool = True,
             seconds: float = DIAGNOSIS_SECONDS) -> InputError | None:
    """The place no reader can take, as an error naming it: the sheet's used area past Excel's
    sheet or past ``cells`` (a fast scan of the XML: row tags and ``r="…"`` references), then
    (``cells``) the first cell a reader refuses — a shared-string index outside the table, text
    in a number, date or true/false cell, an unknown cell type. None when nothing is found
    within ``seconds``. The XML is read in blocks: memory stays small."""
    deadline = time.monotonic() + seconds
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open(found.part) as xml:
                problem = _scan(xml, found.name, limits, deadline)[1]
            if problem is not None or not cells:
                return _located(problem, path) if problem is not None else None
            strings = _count_strings(archive, found.strings, deadline)
            with archive.open(found.part) as xml:
                return _first_bad_cell(xml, found.name, strings, limits, deadline, path)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return None


_PREFIX = re.compile(rb"<(\w+:)?worksheet\b")


@functools.lru_cache(maxsize=8)
def _area_patterns(prefix: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """Row tags, row numbers and cell references, with the document's own namespace prefix
    written out (an optional prefix group would cost the regex engine its literal search: 4–8×)."""
    tag = b"<" + re.escape(prefix)
    return (re.compile(tag + rb"row[\s>/]"), re.compile(tag + rb"row r=[\"']([0-9]{1,12})[\"']"),
            re.compile(tag + rb"c r=[\"']([A-Z]{1,4})([0-9]{1,12})[\"']"))


def _scan(xml: Any, sheet: str, limits: SheetLimits, deadline: float) -> tuple[bool, OverLimit | None]:
    """(whether an error cell was seen, the used area past a limit) of a sheet's XML, block by
    block at C speed: rows are the row tags counted and the largest row number, columns the
    largest column of a reference. Past a limit, one more block is read so that the place
    named is as far as the scan saw."""
    counted = deepest = widest = 0
    errors = over = False
    patterns = None
    for text in _segments(xml, _CELL_OR_ROW_START):
        if patterns is None:
            found = _PREFIX.search(text)
            patterns = _area_patterns(found[1] or b"" if found else b"")
        row_tag, row_number, cell_ref = patterns
        errors = errors or any(mark in text for mark in ERROR_CELL)
        counted += len(row_tag.findall(text))
        numbers = row_number.findall(text)
        refs = cell_ref.findall(text)
        deepest = max(deepest, counted, max(map(int, numbers), default=0))
        if refs:
            columns, rows = zip(*refs, strict=True)
            longest = max(map(len, columns))
            column = cell_position(max(c for c in columns if len(c) == longest).decode() + "1")
            widest = max(widest, column[1] if column else 0)
            deepest = max(deepest, max(map(int, rows)))
        if over:
            break
        over = deepest > EXCEL_ROWS or widest > EXCEL_COLUMNS or deepest * max(widest, 1) > limits.cells
        if time.monotonic() > deadline:
            break
    if over:
        ref = f"{column_name(max(widest, 1))}{deepest}"
        try:
            _check_area(deepest, max(widest, 1), f"{sheet}!{ref}", limits, Msg("cells as far as {ref}", ref=ref),
                        line=deepest)
        except OverLimit as exc:
            return errors, exc
    return errors, None


def _count_strings(archive: zipfile.ZipFile, member: str | None, deadline: float) -> int | None:
    """Items in the shared-string table (None: not counted in time)."""
    if member is None or member not in archive.namelist():
        return 0
    count = 0
    with archive.open(member) as xml:
        for text in _segments(xml, _STRING_ITEM):
            count += len(_STRING_ITEM.findall(text))
            if time.monotonic() > deadline:
                return None
    return count


_STRING_ITEM = re.compile(rb"<(?:\w+:)?si[\s>/]")
_CELL_OR_ROW_START = re.compile(rb"<(?:\w+:)?(?:c|row)[\s>/]")
SEGMENT_MOST = 64 * MB
"""A tag running on longer than this is no sheet's: the scan stops."""


def _segments(xml: Any, start: re.Pattern[bytes]) -> Iterator[bytes]:
    """An XML part in pieces of about 1 MB, each cut where a ``start`` tag begins (a tag is
    never split between two pieces)."""
    tail = b""
    while block := xml.read(1 << 20):
        text = tail + block
        cut = len(text)
        while (cut := text.rfind(b"<", 0, cut)) > 0 and not start.match(text, cut):
            pass
        if cut <= 0:
            if len(text) > SEGMENT_MOST:
                return
            tail = text
            continue
        yield text[:cut]
        tail = text[cut:]
    if tail:
        yield tail


def _first_bad_cell(xml: Any, sheet: str, strings: int | None, limits: SheetLimits, deadline: float,
                    path: str) -> InputError | None:
    row = column = 0
    for text in _segments(xml, _CELL_OR_ROW_START):
        for match in _CELL_OR_ROW.finditer(text):
            if match[1] is not None:
                number = _attributes(match[1]).get("r", "")
                row = int(number) if number.isdigit() else row + 1
                column = 0
                continue
            attrs = _attributes(match[2])
            position = cell_position(attrs["r"]) if "r" in attrs else (row, column + 1)
            if position is None:
                return InputError("a cell reference such as B7", origin=path, line=row or None,
                                  field=sheet, got=repr(attrs.get("r", ""))[:40])
            row, column = position
            problem = _cell_problem(attrs.get("t", "n"), match[3] or b"", strings)
            if problem is not None:
                expected, got = problem
                return InputError(expected, origin=path, line=row, field=f"{sheet}!{column_name(column)}{row}",
                                  got=got)
        if time.monotonic() > deadline:
            return None
    return None


def _cell_problem(kind: str, inner: bytes, strings: int | None) -> tuple[str, str] | None:
    """(expected, got) when a cell's value does not fit its type."""
    if kind not in CELL_TYPES:
        return Msg("a cell type among {types}", types=", ".join(CELL_TYPES)), repr(kind)[:40]
    value = _VALUE.search(inner)
    if value is None or kind in ("str", "inlineStr", "e"):
        return None
    text = value[1].decode("utf-8", "replace").strip()
    if kind == "s":
        if not text.isdigit() or (strings is not None and int(text) >= strings):
            return (Msg("a shared-string index from 0 to {last} (the table holds {n} strings)",
                        last=max((strings or 0) - 1, 0), n=strings or 0), repr(text)[:40])
    elif kind == "b":
        if text not in ("0", "1"):
            return "a true/false cell holding 0 or 1", repr(text)[:40]
    elif kind == "d":
        if not _ISO_DATE.match(text):
            return "a date cell holding an ISO 8601 date", repr(text)[:40]
    elif not _NUMBER.match(text):
        return "a number in a number cell (t=\"n\")", repr(text)[:40]
    return None


# ---------------------------------------------------------------------- the reading child

FRAME = 8
"""Bytes of a frame's length (little-endian) before its pickle."""
BATCH_ROWS = 2000


def _read_in_child(path: str, sheet: str | None, limits: SheetLimits) -> Iterator[tuple[int, list[str]]]:
    """The sheet read by a child process (``python -m ledger.intake.bounded``): its rows come
    back in pickled batches; a child that dies while its bound is on ran out of memory."""
    spec = json.dumps({"path": os.path.abspath(path), "sheet": sheet, "limits": asdict(limits)})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    child = subprocess.Popen([sys.executable, "-m", "ledger.intake.bounded", spec], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert child.stdout is not None
    bound_on = finished = False
    try:
        while head := child.stdout.read(FRAME):
            size = int.from_bytes(head, "little")
            try:
                kind, payload = pickle.loads(child.stdout.read(size))
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
                raise InputError(Msg("a workbook the reading process can read (its answer was cut: {exc})", exc=exc),
                                 origin=path) from None
            if kind == "rows":
                yield from payload
            elif kind == "bound":
                bound_on = payload
            elif kind == "error":
                finished = True
                raise _error_from(payload, path)
            elif kind == "done":
                finished = True
                return
            else:
                finished = True
                raise RuntimeError(f"the reading process failed: {payload}")
    finally:
        if not finished:
            child.kill()
        code = child.wait()
    if not finished:
        raise died_reading(path, sheet, limits, bound_on or code == -signal.SIGABRT, code)


def died_reading(path: str, sheet: str | None, limits: SheetLimits | None, bounded: bool = True,
                 code: int | None = None) -> InputError:
    """The error for a reading process that died: within its bound, the memory limit — naming
    the cell to blame when a scan finds one in time (the parent's own memory stays small)."""
    limits = limits or SheetLimits.from_env()
    if not bounded:
        return InputError(Msg("a workbook the reading process can read (it stopped: exit code {code})", code=code),
                          origin=path)
    found = None
    with contextlib.suppress(InputError):
        with zipfile.ZipFile(path) as archive:
            found = find_sheet(archive, sheet, limits)
    problem = diagnose(path, found, limits, cells=False) if found is not None else None
    return problem if problem is not None else _memory_refusal(limits, path)


def _error_payload(exc: InputError) -> tuple[Any, ...]:
    return (isinstance(exc, OverLimit), exc.expected, exc.origin, exc.line, exc.field, exc.got, exc.problem)


def _error_from(payload: tuple[Any, ...], path: str) -> InputError:
    over, expected, origin, line, field, got, problem = payload
    kind = OverLimit if over else InputError
    return kind(expected, origin=path if origin is not None else None, line=line, field=field, got=got,
                problem=problem)


def _child(spec_text: str) -> int:
    """The reading child: frames of (kind, payload) on standard output."""
    spec = json.loads(spec_text)
    out = os.fdopen(os.dup(1), "wb")  # the frames' own descriptor: a library's print goes to standard error
    os.dup2(2, 1)

    def send(kind: str, payload: Any = None) -> None:
        data = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(data).to_bytes(FRAME, "little") + data)
        out.flush()

    def refuse(error: InputError) -> None:
        send("error", _error_payload(error))
        os._exit(0)

    _die_with_parent()
    read_here(lambda on: send("bound", on), refuse)
    try:
        batch: list[tuple[int, list[str]]] = []
        for row in _read_sheet(spec["path"], spec["sheet"], SheetLimits(**spec["limits"])):
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                send("rows", batch)
                batch = []
        send("rows", batch)
        send("done")
    except InputError as exc:
        send("error", _error_payload(exc))
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - named to the parent, which raises
        send("crash", f"{type(exc).__name__}: {exc}")
    return 0


def _die_with_parent() -> None:
    """The child goes when its parent does (Linux: the kernel sends SIGKILL)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def read_bounded(path: str, limits: SheetLimits | None = None, *, sheet: str | None = None,
                 header_row: int | None = None, encoding: str | None = None) -> Iterator[Any]:
    """An uploaded or named import file's event lines (``sources.SourceLine``), read within
    ``limits``: the library call a web upload makes. Raises ``OverLimit`` (413) past a limit,
    ``InputError`` (400) for any other problem of the file; never lets a reader crash the caller."""
    from .sources import ReadOptions, read_lines

    options = ReadOptions(encoding=encoding, sheet=sheet, header_row=header_row,
                          limits=limits or SheetLimits.from_env())
    from .batches import csv_kinds

    return read_lines(path, None, csv_kinds, options)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
