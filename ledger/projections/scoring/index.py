"""Per-unit fact index: facts grouped by type once, with lazy secondary indexes."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from ledger.events.fact import Fact


def fact_key(f: Fact) -> tuple[dt.date, int, str]:
    return (f.date, f.revision, f.id)


def _date(f: Fact) -> dt.date:
    return f.date


class UnitFacts:
    """One unit's facts (date ≤ as_of), grouped by type and sorted by (date, revision, id)."""

    __slots__ = ("by_type", "_idx", "cache")

    def __init__(self, facts: Iterable[Fact], as_of: dt.date, types: Collection[str] | None = None):
        """``types``: index only facts of those types (None: all)."""
        by_type: dict[str, list[Fact]] = {}
        for f in facts:
            if f.date > as_of or (types is not None and f.type not in types):
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

    def until(self, as_of: dt.date) -> UnitFacts:
        """The same unit's facts dated by ``as_of`` (an earlier date): each type's list is sorted
        by date first, so they are its prefix — cut, not sorted again."""
        cut = UnitFacts.__new__(UnitFacts)
        by_type = {}
        for type_, lst in self.by_type.items():
            end = bisect.bisect_right(lst, as_of, key=_date)
            if end:
                by_type[type_] = lst if end == len(lst) else lst[:end]
        cut.by_type = by_type
        cut._idx = {}
        cut.cache = {}
        return cut

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
