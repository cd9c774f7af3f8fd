"""The fact view (事实视图): what counted, for an as-of date and a known-at revision.

``effective_facts`` is pure: given a stream's records it applies, as they were known at
revision K, retractions (the target stops counting for every as-of date) and corrections
(the target counts with its corrected values), then leaves out facts dated after the as-of
date. It is the only input scoring uses.
"""

from __future__ import annotations

import bisect
import datetime as dt
import typing
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from ..events.catalog import CATALOG, FACT_TYPES
from ..events.fact import Fact
from ..store.backends import StoreDamaged
from ..store.eventstore import EventStore, Record, select_in, unit_stream
from ..units import Unit

NOT_FIELDS = frozenset({"type", "unit", "date", "id", "source", "note", "actor", "evidence",
                        "recorded_at", "revision", "hash"})


def _is_date(annotation: Any) -> bool:
    """``date``, an annotated ``date`` (the catalog's ``Date``), or an optional one."""
    if annotation is dt.date:
        return True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return bool(args) and args[0] is dt.date
    return bool(args) and all(a is type(None) or _is_date(a) for a in args) and type(None) in args


def _date_fields() -> dict[str, frozenset[str]]:
    out = {}
    for name, model in CATALOG.items():
        # facts: every date field; ledger records keep their plain dates only (their readers
        # take the optional ones as text)
        out[name] = frozenset(f for f, info in model.model_fields.items() if f != "date" and (
            _is_date(info.annotation) if name in FACT_TYPES else info.annotation in (dt.date, dt.date | None)))
    return out


DATE_FIELDS = _date_fields()
NUMBER_FIELDS = {
    name: frozenset(f for f, info in model.model_fields.items() if "Decimal" in repr(info.annotation))
    for name, model in CATALOG.items()
}


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


class Amendments:
    """Which retractions and corrections are in force among a set of records."""

    def __init__(self, records: Iterable[Record]):
        self.retractions: dict[str, list[Record]] = defaultdict(list)
        self.corrections: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            if r.type == "retraction":
                self.retractions[r.data["target"]].append(r)
            elif r.type == "correction":
                self.corrections[r.data["target"]].append(r)
        self._memo: dict[str, Record | None] = {}

    def retracted_by(self, event_id: str) -> Record | None:
        """The retraction in force against ``event_id`` (a retraction can itself be
        retracted, which restores its target)."""
        if event_id in self._memo:
            return self._memo[event_id]
        self._memo[event_id] = None
        found = None
        for r in self.retractions.get(event_id, ()):
            if self.retracted_by(r.id) is None:
                found = r
                break
        self._memo[event_id] = found
        return found

    def corrections_of(self, event_id: str) -> list[Record]:
        return [r for r in self.corrections.get(event_id, ()) if self.retracted_by(r.id) is None]


READ_ERRORS = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)
"""What reading a record that is not as the ledger wrote it raises (a damaged store)."""


def effective_facts(records: Sequence[Record], as_of: dt.date | None, known_at: int | None) -> list[Fact]:
    try:
        return _effective_facts(records, as_of, known_at)
    except READ_ERRORS as exc:
        # Every record was validated when it was written: one that does not read is damaged.
        raise damaged_record(_record_at_fault(exc, _effective_facts), exc) from exc


def _record_at_fault(exc: BaseException, function: Callable[..., Any]) -> Record | None:
    """The record ``function``'s loop was reading when ``exc`` was raised (error path only:
    the hot loop stays free of bookkeeping)."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is function.__code__:
            found = tb.tb_frame.f_locals.get("r")
        tb = tb.tb_next
    return found if isinstance(found, Record) else None


def damaged_record(record: Record | None, exc: Exception) -> StoreDamaged:
    """Exit 3, naming the revision of a stored record that cannot be read as what it says it is."""
    if record is None:
        return StoreDamaged(f"a stored record cannot be read ({type(exc).__name__}: {exc}): run `ledger verify`")
    data = record.data if isinstance(record.data, dict) else {}
    return StoreDamaged(f"the record at revision {data.get('revision', '?')} (stream {record.stream}, id "
                        f"{data.get('id', '?')}) is damaged ({type(exc).__name__}: {exc}): run `ledger verify` "
                        "and restore the store from a backup")


def _effective_facts(records: Sequence[Record], as_of: dt.date | None, known_at: int | None) -> list[Fact]:
    if known_at is not None:
        records = [r for r in records if r.data["revision"] <= known_at]
    amendments = Amendments(records)
    amended = bool(amendments.retractions or amendments.corrections)
    facts: list[Fact] = []
    append = facts.append
    fromiso = dt.date.fromisoformat
    for r in records:
        data = r.data
        kind = data["type"]
        if kind not in FACT_TYPES:
            continue
        event_id = data["id"]
        if amended and amendments.retracted_by(event_id) is not None:
            continue
        # The decoded record is ours alone: strip the envelope to get the fields.
        values = dict(data)
        for key in NOT_FIELDS:
            values.pop(key, None)
        date, source, note = data["date"], data.get("source"), data.get("note")
        applied: tuple[str, ...] = ()
        if amended:
            corrections = amendments.corrections_of(event_id)
            for c in corrections:
                for key, value in c.data["changes"].items():
                    if key == "date":
                        date = value
                    elif key == "source":
                        source = value
                    elif key == "note":
                        note = value
                    elif key == "evidence":
                        continue
                    elif value is None:
                        values.pop(key, None)
                    else:
                        values[key] = value
            applied = tuple(c.id for c in corrections)
        day = fromiso(date)
        if as_of is not None and day > as_of:
            continue
        for key in DATE_FIELDS[kind]:
            if key in values:
                values[key] = _as_date(values[key])
        for key in NUMBER_FIELDS[kind]:
            if key in values and not isinstance(values[key], Decimal):
                values[key] = Decimal(values[key])
        append(Fact(event_id, kind, data["unit"], day, values, data["revision"], data["recorded_at"], source,
                    note, applied))
    return facts


def roster_from(records: Iterable[Record]) -> dict[str, Unit]:
    try:
        return _roster_from(records)
    except READ_ERRORS as exc:
        raise damaged_record(_record_at_fault(exc, _roster_from), exc) from exc


def _roster_from(records: Iterable[Record]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for r in records:
        if r.type == "unit_registered":
            d = r.data
            units[d["unit"]] = Unit(d["unit"], d["name"], tuple(d.get("groups", ())),
                                    tuple(d.get("divisions", ())))
    return units


class KeptFacts(Protocol):
    """A thread-safe bounded map (``ledger.web.cache.Bounded``): ``get(key, make)``."""

    def get(self, key: Hashable, make: Callable[[], list[Fact]]) -> list[Fact]: ...


class FactView:
    """Facts of units for one assessment year, as of a date and as known at a revision.

    Small, often-read slices — the roster, and peers' rank inputs read by type — are kept in
    memory and brought up to date incrementally (only records appended since are read), like
    an eventsourcing projection with its tracking position. Full unit streams are not kept,
    unless ``kept`` is given (a long-running server's shared map, see ``facts``).
    """

    def __init__(self, store: EventStore, kept: KeptFacts | None = None):
        self.store = store
        self.kept = kept
        self._slices: dict[tuple[str, frozenset[str] | None], tuple[int, list[Record]]] = {}
        self._rosters: dict[int, dict[str, Unit]] = {}

    def _slice(self, streams: list[str], topics: frozenset[str] | None) -> dict[str, list[Record]]:
        versions = self.store.stream_versions(streams)
        out = {}
        for stream in streams:
            version, records = self._slices.get((stream, topics), (0, []))
            if versions[stream] > version:
                # Bounded by the version just read, so a concurrent append is read once, later.
                records = records + self.store.read_stream(stream, topics=topics, after_version=version,
                                                           to_version=versions[stream])
                self._slices[(stream, topics)] = (versions[stream], records)
            out[stream] = records
        return out

    def facts(self, unit: str, year: int, as_of: dt.date | None, known_at: int | None,
              types: Iterable[str] | None = None) -> list[Fact]:
        """With ``types``, only facts of those types (and the amendments that may touch them)
        are read."""
        if self.kept is not None:
            return self.facts_for([unit], year, as_of, known_at, types)[unit]
        topics = None if types is None else set(types) | {"retraction", "correction"}
        records = self.store.read_stream(unit_stream(unit, year), upto=known_at, topics=topics)
        return effective_facts(records, as_of, known_at)

    def facts_for(self, units: Iterable[str], year: int, as_of: dt.date | None, known_at: int | None,
                  types: Iterable[str] | None = None,
                  on_unit: Callable[[int], None] | None = None) -> dict[str, list[Fact]]:
        units = list(units)
        whole = self._whole(units, year, known_at) if self.kept is not None else {}
        out = {}
        for u in units:
            version = whole.get(u)
            out[u] = self.facts_of_whole(u, year, as_of, version, types) if version is not None else \
                self.facts_uncached(u, year, as_of, known_at, types)
            if on_unit:
                on_unit(1)
        return out

    def facts_uncached(self, unit: str, year: int, as_of: dt.date | None, known_at: int | None,
                       types: Iterable[str] | None = None) -> list[Fact]:
        topics = None if types is None else set(types) | {"retraction", "correction"}
        records = self.store.read_stream(unit_stream(unit, year), upto=known_at, topics=topics)
        return effective_facts(records, as_of, known_at)

    def _whole(self, units: list[str], year: int, known_at: int | None) -> dict[str, int]:
        """Units whose year stream is known whole at ``known_at`` (its last record's revision
        is at or before it), with the stream's version then: one indexed read for them all.
        A stream not written yet is whole at version 0."""
        streams = {unit_stream(u, year): u for u in units}
        found = dict.fromkeys(units, 0)
        backend = self.store.backend
        with backend.transaction(commit=False) as c:
            rows = select_in(backend, c, "SELECT stream, version, last_revision FROM ledger_streams "
                                         "WHERE stream IN ({marks})", streams)
        for r in rows:
            unit, last = streams[r["stream"]], r["last_revision"]
            if last is None or (known_at is not None and int(last) > known_at):
                del found[unit]  # read as known at the revision, not kept
            else:
                found[unit] = int(r["version"])
        return found

    def facts_of_whole(self, unit: str, year: int, as_of: dt.date | None, version: int,
                       types: Iterable[str] | None) -> list[Fact]:
        """The facts of a stream's first ``version`` records (all it held at the known-at),
        kept in ``kept`` (one map per store) by (stream, types, version): the records of a stream up to a version
        never change (the ledger only grows), so a later known-at that added nothing to this
        stream — or another as-of date — reuses them. Kept without the as-of cut (a filter on
        each fact's effective date, as ``effective_facts`` applies it)."""
        assert self.kept is not None
        stream = unit_stream(unit, year)
        topics = None if types is None else frozenset(types) | {"retraction", "correction"}

        def make() -> list[Fact]:
            if version == 0:
                return []
            return effective_facts(self.store.read_stream(stream, topics=topics, to_version=version), None, None)

        facts = self.kept.get(("facts", stream, topics, version), make)
        return facts if as_of is None else [f for f in facts if f.date <= as_of]

    def peer_facts(self, units: Iterable[str], year: int, as_of: dt.date | None, known_at: int | None,
                   types: Iterable[str]) -> dict[str, list[Fact]]:
        """Like ``facts_for`` with types, from the in-memory slices (for rank inputs)."""
        topics = frozenset(types) | {"retraction", "correction"}
        units = list(units)
        slices = self._slice([unit_stream(u, year) for u in units], topics)
        return {u: effective_facts(slices[unit_stream(u, year)], as_of, known_at) for u in units}

    def roster(self, known_at: int | None = None) -> dict[str, Unit]:
        """The registered units as known at ``known_at``. Built once per prefix of the
        ``ledger:units`` slice (its records' revisions grow with the stream's versions, so the
        records known at a revision are a prefix, named by its length); a copy is returned."""
        records = self._slice(["ledger:units"], None)["ledger:units"]
        cut = len(records) if known_at is None else \
            bisect.bisect_right(records, known_at, key=lambda r: r.data["revision"])
        found = self._rosters.get(cut)
        if found is None:
            found = roster_from(records[:cut])
            if len(self._rosters) >= 8:
                self._rosters.pop(next(iter(self._rosters)))
            self._rosters[cut] = found
        return dict(found)
