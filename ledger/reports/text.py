"""Rendering helpers shared by commands: tables that line up Chinese text, JSON numbers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], *, width: int | None = None,
          wrap: Sequence[int] = (), keep: int = 0, below: Sequence[int] = ()) -> str:
    """A plain text table. With ``width`` (a terminal's columns) it fits them, measured in
    display cells (CJK characters take two): the ``below`` columns (long text: an event's
    fields) leave the table and are printed under each row, headers break at their spaces,
    the ``wrap`` columns (by index: a clause, what happened) fold, then headers and other long
    text; when even that does not fit, the columns go into blocks one under the other, each
    repeating the first ``keep`` columns (who a row is about). Without ``width`` (piped
    output, ``--wide``) nothing is folded: one line per row."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    heads = [str(h) for h in headers]
    if not width or not cells or _natural_width(cells, heads) <= width:
        return _tabulate(cells, heads)
    under = [[r[i] for i in below if r[i]] for r in cells]
    if below:
        shown = [i for i in range(len(heads)) if i not in below]
        cells, heads = [[r[i] for i in shown] for r in cells], [heads[i] for i in shown]
        wrap, keep = [shown.index(i) for i in wrap if i in shown], min(keep, len(shown))
    blocks = _blocks(cells, heads, width, list(wrap), keep)
    return "\n\n".join(_fitted(cells, heads, columns, width, list(wrap), under if n == 0 else [])
                        for n, columns in enumerate(blocks))


MIN_PADDING = 2
"""tabulate's room beside a header (its ``MIN_PADDING``) in unbounded tables; fitted tables leave none."""


def _tabulate(cells: list[list[str]], headers: list[str]) -> str:
    import tabulate as _tabulate  # lazy: ~15 ms with wcwidth, only for table output

    _tabulate.WIDE_CHARS_MODE = True  # measure CJK as two columns (uses wcwidth)
    return _tabulate.tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True)


def fits(rows: Iterable[Sequence[Any]], headers: Sequence[str], width: int | None) -> bool:
    """Whether the table is no wider than ``width`` unfolded (always, without a width)."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    return not width or _natural_width(cells, [str(h) for h in headers]) <= width


def _widest(texts: Iterable[str]) -> int:
    return max((display_width(line) for text in texts for line in text.split("\n")), default=0)


def _natural_width(cells: list[list[str]], headers: list[str]) -> int:
    return sum(max(_widest([h]) + MIN_PADDING, _widest(r[i] for r in cells)) for i, h in enumerate(headers)) \
        + 2 * (len(headers) - 1)


_TOKEN = re.compile(r"[\x21-\x7e]+")
"""A run of printable ASCII: an id, a number, a code — never cut inside."""


def _longest_token(texts: Iterable[str]) -> int:
    return max((len(t) for text in texts for t in _TOKEN.findall(text)), default=0)


@dataclass
class _Column:
    head: int  # the header, its words on lines of their own
    head_floor: int  # the header folded as far as it goes (two CJK characters, or its longest token)
    data: int
    floor: int  # the narrowest the values may be folded to

    @property
    def want(self) -> int:
        return max(self.head, self.data)


def _columns(cells: list[list[str]], headers: list[str], wrap: list[int]) -> list[_Column]:
    out = []
    for i, header in enumerate(headers):
        values = [r[i] for r in cells]
        data = _widest(values)
        head = _widest(header.split())
        head_floor = min(head, max(4, _longest_token([header])))
        if i in wrap:  # folds anywhere, but an id stays whole
            floor = min(data, max(10, _longest_token(values)))
        else:  # other text folds too, down to 16 cells, but ids and numbers stay whole
            floor = min(data, max(16, _longest_token(values)))
        out.append(_Column(head, head_floor, data, floor))
    return out


COMFORT = 24
"""How narrow a folding column (what happened, a reason) gets before other text gives room."""


def _widths(cols: list[_Column], width: int, wrap: list[int]) -> list[int]:
    """Column widths within ``width``, each step taken only while the table is still too
    wide, each column giving in proportion to what it can: the folding columns down to
    ``COMFORT`` cells, other long text down to its floor, headers fold further, then the
    folding columns down to their floor; the floors when even they do not fit (the caller
    then splits the table into blocks)."""
    widths = [c.want for c in cols]
    room = width - 2 * (len(cols) - 1)
    folding = [i for i in wrap if i < len(cols)]
    others = [i for i in range(len(cols)) if i not in folding]
    comfort = {i: min(cols[i].data, max(COMFORT, cols[i].floor)) for i in folding}
    phases = [
        [(i, max(comfort[i], cols[i].head)) for i in folding],
        [(i, max(cols[i].floor, cols[i].head)) for i in others],
        [(i, max(cols[i].head_floor, comfort.get(i, cols[i].floor))) for i in range(len(cols))],
        [(i, max(c.head_floor, c.floor)) for i, c in enumerate(cols)],
    ]
    for phase in phases:
        excess = sum(widths) - room
        if excess <= 0:
            break
        give = {i: widths[i] - floor for i, floor in phase if widths[i] > floor}
        total = sum(give.values())
        for i, can in give.items():
            widths[i] -= min(can, -(-excess * can // total))  # rounded up: the excess is gone
    return widths


def _blocks(cells: list[list[str]], headers: list[str], width: int, wrap: list[int], keep: int) -> list[list[int]]:
    """The columns of each block: all in one when their floors fit, else the first ``keep``
    columns and as many of the others as fit, block after block."""
    cols = _columns(cells, headers, wrap)
    floors = [max(c.head_floor, c.floor) + 2 for c in cols]
    if sum(floors) - 2 <= width or len(cols) <= keep + 1:
        return [list(range(len(cols)))]
    kept = list(range(keep))
    blocks: list[list[int]] = []
    current: list[int] = []
    used = sum(floors[i] for i in kept)
    for i in range(keep, len(cols)):
        if current and used + floors[i] - 2 > width:
            blocks.append(kept + current)
            current, used = [], sum(floors[k] for k in kept)
        current.append(i)
        used += floors[i]
    blocks.append(kept + current)
    return blocks


BELOW_INDENT = 4
"""How far the text printed under a row (``below``) is indented."""


def _fitted(cells: list[list[str]], headers: list[str], columns: list[int], width: int, wrap: list[int],
            under: list[list[str]]) -> str:
    """The table of these ``columns``, each folded to its width, in tabulate's plain layout
    (headers, dashes, rows; two spaces between columns, none left at the ends of lines), with
    each row's ``under`` texts below it."""
    sub_wrap = [j for j, i in enumerate(columns) if i in wrap]
    sub_cells = [[r[i] for i in columns] for r in cells]
    sub_heads = [headers[i] for i in columns]
    widths = _widths(_columns(sub_cells, sub_heads, sub_wrap), width, sub_wrap)
    lines = _lines([_fold(h, widths[j]) for j, h in enumerate(sub_heads)], widths)
    lines.append("  ".join("-" * w for w in widths))
    for n, row in enumerate(sub_cells):
        lines += _lines([_fold(v, widths[j]) for j, v in enumerate(row)], widths)
        for text in under[n] if under else []:
            lines += [" " * BELOW_INDENT + piece for piece in wrap_text(text, width - BELOW_INDENT)]
    return "\n".join(lines)


def _lines(cells: list[str], widths: list[int]) -> list[str]:
    """One row of folded cells: as many lines as its tallest cell."""
    parts = [c.split("\n") for c in cells]
    out = []
    for k in range(max(len(p) for p in parts)):
        texts = [p[k] if k < len(p) else "" for p in parts]
        out.append("  ".join(t + " " * (w - display_width(t)) for t, w in zip(texts, widths, strict=True)).rstrip())
    return out


def _fold(text: str, width: int) -> str:
    if _widest([text]) <= width:
        return text
    return "\n".join(piece for line in text.split("\n") for piece in wrap_text(line, max(width, 1)))


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (CJK characters take two)."""
    from wcwidth import wcswidth

    n = wcswidth(text)
    return n if n >= 0 else len(text)


_SEGMENT = re.compile(r"[\x21-\x7e]+| +|.", re.S)
"""What a line is cut between: runs of printable ASCII (a word, an id, a number), spaces, and
any other single character (Chinese has no spaces: a line may end after any character)."""
_NO_START = frozenset("，。、；：？！）》」』〕】”’…%,.;:?!)]}")
"""Punctuation a line does not start with: it goes with what comes before it."""
_NO_END = frozenset("（《「『〔【“‘([{")
"""Punctuation a line does not end with: it goes with what comes after it."""


def wrap_text(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` terminal columns (CJK-aware): at spaces
    and between Chinese characters, never inside an ASCII word, number or id that fits a line
    of its own, no line starting with a closing punctuation mark or ending with an opening one."""
    width = max(width, 2)
    out: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []  # the segments of the line being filled
        used: int = 0
        for seg in _SEGMENT.findall(para):
            w = display_width(seg)
            if used + w <= width:
                line.append(seg)
                used += w
                continue
            if seg.isspace():  # a space where a line ends: the next starts without it
                out.append("".join(line).rstrip())
                line, used = [], 0
                continue
            carry: list[str] = []
            while len(line) > 1 and (line[-1] in _NO_END
                                     or (seg[0] in _NO_START and (not carry or carry[0][0] in _NO_START))):
                carry.insert(0, line.pop())  # an opening mark, or what closing marks belong to, moves down
            if line:
                out.append("".join(line).rstrip())
            line, used = carry, sum(display_width(c) for c in carry)
            if used + w <= width:
                line.append(seg)
                used += w
                continue
            for ch in seg:  # longer than a line: cut anywhere
                cw = display_width(ch)
                if used + cw > width and line:
                    out.append("".join(line).rstrip())
                    line, used = [], 0
                line.append(ch)
                used += cw
        out.append("".join(line).rstrip())
    return out


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


def china_time(stamp: str) -> str:
    """A recorded moment (UTC, ``2026-12-07T23:25:16.469612Z``) as China time (UTC+8) to the
    second, as a person reads it: ``2026-12-08 07:25:16``. Text that is no moment is shown as it is."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")


def fit_lines(text: str, width: int | None) -> str:
    """Every line of ``text`` within ``width`` display cells: longer ones (a title, where a
    result comes from, a note) fold, their continuations indented as the line was; tables
    made to fit are left as they are. Without a width, ``text`` as it is."""
    if not width:
        return text
    out = []
    for line in text.split("\n"):
        if display_width(line) <= width:
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip(" "))
        room = max(width - indent, width // 2)
        out.extend(" " * min(indent, width - room) + piece for piece in wrap_text(line.strip(), room))
    return "\n".join(out)
