"""What a person typed, read into values: dates and ``field=value`` pairs, for the command
line and the workbench's forms alike (neither imports the other to do it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .errors import InputError


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("an ISO date YYYY-MM-DD", field=option, got=repr(value)) from None


def parse_sets(pairs: tuple[str, ...], option: str = "--set") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError("field=value", field=option, got=repr(pair))
        key, value = pair.split("=", 1)
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                out[key.strip()] = json.loads(text)
                continue
            except json.JSONDecodeError:
                pass
        out[key.strip()] = value
    return out
