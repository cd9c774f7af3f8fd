"""Per-unit fact index: facts grouped by type once, with lazy secondary indexes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ledger.events.fact import Fact


def fact_key(f: Fact) -> tuple[dt.date, int, str]:
    return (f.date, f.revision, f.id)


class UnitFacts:
    """One unit's facts (date ≤ as_of), grouped by type and sorted by (date, revision, id)."""

    __slots__ = ("by_type", "_idx", "cache")

    def __init__(self, facts: Iterable[Fact], as_of: dt.date):
        by_type: dict[str, list[Fact]] = {}
        for f in facts:
            if f.date > as_of:
                continue
            lst = by_type.get(f.type)
            if lst is None:
                by_type[f.type] = [f]
            else:
                lst.append(f)
        for lst in by_type.values():
            if len(lst) > 1:
                lst.sort(key=fact_key)
        self.by_type = by_type
        self._idx: dict[tuple[str, str], dict[Any, list[Fact]]] = {}
        self.cache: dict[Any, Any] = {}

    def of(self, type_: str) -> list[Fact]:
        return self.by_type.get(type_, _EMPTY)

    def index(self, type_: str, field: str) -> dict[Any, list[Fact]]:
        key = (type_, field)
        d = self._idx.get(key)
        if d is None:
            d = {}
            for f in self.by_type.get(type_, _EMPTY):
                v = f.fields.get(field)
                if v is None:
                    continue
                try:
                    lst = d.get(v)
                except TypeError:  # unhashable value
                    continue
                if lst is None:
                    d[v] = [f]
                else:
                    lst.append(f)
            self._idx[key] = d
        return d

    def latest(self, type_: str, field: str, value: Any) -> Fact | None:
        lst = self.index(type_, field).get(value)
        return lst[-1] if lst else None


_EMPTY: list[Fact] = []
