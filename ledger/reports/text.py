"""Rendering helpers shared by commands: tables that line up Chinese text, JSON numbers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    import tabulate as _tabulate  # lazy: ~15 ms with wcwidth, only for table output

    _tabulate.WIDE_CHARS_MODE = True  # measure CJK as two columns (uses wcwidth)
    return _tabulate.tabulate(list(rows), headers=list(headers), tablefmt="simple",
                              disable_numparse=True)


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


def number_text(value: Any) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)
