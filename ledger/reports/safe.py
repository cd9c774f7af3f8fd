"""Output safety in one place: every renderer writes text through these helpers.

* CSV (OWASP "CSV injection"): a text cell starting with ``= + - @``, a tab or a carriage
  return would be read as a formula by a spreadsheet; it gets one leading ``'`` (and so does
  text that starts with ``'`` itself, so the marker is always the ledger's and ``import``
  can drop exactly one). Numbers are written as numbers, never marked: a negative number
  stays a number. ``import`` drops one leading ``'`` from every CSV cell (``unmark``).
* CSV files carry a UTF-8 byte order mark by default (``BOM``: Excel on Chinese Windows reads
  a CSV without one as GBK and garbles every Chinese cell); ``--no-bom`` leaves it out for
  machines. Renderers return CSV without it; the CLI (``show``), the web download and the
  reviewer packet add it (``with_bom``).
* Excel: text is written as string cells, never as formulas (``xlsx.write_workbook``).
* Markdown: ``< > &`` become entities, the specials ``\\ ` * _ [ ] | #`` are backslash-escaped
  (so ``|`` never splits a table cell) and line breaks become spaces.
* File names the ledger derives (packets and their zip entries) are made safe whatever the
  ids they are made of: no path separators, no ``..``, no leading dot, no control characters.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .text import number_text

MARK = "'"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> str:
    """A text cell for CSV: marked with one ``'`` when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith((*FORMULA_START, MARK)) and text != "-":  # a lone dash (no value) runs nothing
        return MARK + text
    return text


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def csv_cell(value: Any) -> str:
    """Any cell for CSV: numbers as numbers (``number_text``), everything else as text."""
    if value is None:
        return ""
    if is_number(value):
        return number_text(value)
    return csv_text(value)


def csv_row(values: Any) -> list[str]:
    return [csv_cell(v) for v in values]


BOM = "\ufeff"


def with_bom(text: str, bom: bool = True) -> str:
    """CSV text as the ledger writes it for a person: the UTF-8 byte order mark first (once)."""
    return BOM + text if bom and not text.startswith(BOM) else text


def unmark(cell: str) -> str:
    """An imported CSV cell without the one ``'`` a spreadsheet-safe export put before it."""
    return cell[1:] if cell.startswith(MARK) else cell


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md(value: Any) -> str:
    """Text for Markdown (headings, list items, table cells): shown as written, never as markup."""
    if value is None:
        return ""
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    text = re.sub(r"[&<>]", lambda m: _MD_ENTITIES[m.group()], text)
    return re.sub(r"[\r\n]+", " ", text)


_UNSAFE_NAME = re.compile(r"[^\w.\-@]+")


def file_name(text: Any, fallback: str = "unnamed") -> str:
    """A single path component derived from ids: letters, digits and ``_ . - @`` only (anything
    else, ``/`` and ``\\`` included, becomes ``_``), no leading dot (so never ``.`` or ``..``),
    at most 120 characters."""
    name = re.sub(r"\.{2,}", ".", _UNSAFE_NAME.sub("_", str(text))).lstrip(".")[:120]
    return name or fallback
