"""Rendering helpers shared by commands: tables that line up Chinese text, JSON numbers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], *, width: int | None = None,
          wrap: Sequence[int] = ()) -> str:
    """A plain text table. With ``width`` (a terminal's columns), the columns ``wrap`` (by
    index; the clause, what happened) are wrapped so that the table fits; without it (piped
    output) nothing is wrapped."""
    import tabulate as _tabulate  # lazy: ~15 ms with wcwidth, only for table output

    _tabulate.WIDE_CHARS_MODE = True  # measure CJK as two columns (uses wcwidth)
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if width and wrap and cells:
        cells = _fit(cells, list(headers), width, list(wrap))
    return _tabulate.tabulate(cells, headers=list(headers), tablefmt="simple", disable_numparse=True)


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (CJK characters take two)."""
    from wcwidth import wcswidth

    n = wcswidth(text)
    return n if n >= 0 else len(text)


def wrap_text(text: str, width: int) -> list[str]:
    """``text`` cut into pieces of at most ``width`` terminal columns (CJK-aware; breaks at
    spaces when a word fits, anywhere otherwise: Chinese has no spaces)."""
    from wcwidth import wcwidth

    out: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0
        for ch in para:
            w = max(wcwidth(ch), 0)
            if used + w > width and line:
                cut = line.rfind(" ")
                if ch != " " and cut > len(line) // 2:
                    out.append(line[:cut])
                    line = line[cut + 1:]
                else:
                    out.append(line.rstrip())
                    line = ""
                line = line.lstrip() if not line.strip() else line
                used = display_width(line)
                if ch == " " and not line:
                    continue
            line += ch
            used += w
        out.append(line)
    return out


def _fit(rows: list[list[str]], headers: list[str], width: int, wrap: list[int]) -> list[list[str]]:
    ncols = len(headers)
    # tabulate pads a column to at least its header + 2 (its MIN_PADDING)
    widths = [max([display_width(headers[i]) + 2] + [max((display_width(p) for p in r[i].split("\n")), default=0)
                                                 for r in rows]) for i in range(ncols)]
    fixed = sum(w for i, w in enumerate(widths) if i not in wrap) + 2 * (ncols - 1)
    room = width - 1 - fixed
    want = sum(widths[i] for i in wrap)
    if want <= room:
        return rows
    # share the room among the wrapped columns in proportion to what they want (at least 10 each)
    shares = {i: max(10, room * widths[i] // max(want, 1)) for i in wrap}
    return [[("\n".join(wrap_text(v, shares[i])) if i in shares and display_width(v) > shares[i] else v)
             for i, v in enumerate(row)] for row in rows]


def to_json(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, indent=indent)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # JSON numbers: 28.13 stays 28.13, 37.00 renders as 37.0, whole points as ints.
        # (A finite Decimal's exponent is an int; NaN/Infinity never reach a renderer.)
        exponent = value.as_tuple().exponent
        return float(value) if isinstance(exponent, int) and exponent < 0 else int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def number_text(value: Any, places: int | None = None) -> str:
    """A number as a person reads it: with ``places`` decimals when the policy declares them
    (99.0), else without trailing zeros (99, 28.13)."""
    if isinstance(value, Decimal):
        if places is not None:
            return f"{value:.{places}f}"
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)
