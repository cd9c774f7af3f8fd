"""The fact view (事实视图): what counted, for an as-of date and a known-at revision.

``effective_facts`` is pure: given a stream's records it applies, as they were known at
revision K, retractions (the target stops counting for every as-of date) and corrections
(the target counts with its corrected values), then leaves out facts dated after the as-of
date. It is the only input scoring uses.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import typing
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Protocol

from ..events.catalog import CATALOG, FACT_TYPES
from ..events.fact import Fact
from ..store.backends import StoreDamaged
from ..store.eventstore import EventStore, Record, StoredStates, decode_record, unit_stream
from ..units import Unit

if typing.TYPE_CHECKING:
    from .evidence import EvidenceFile

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


READ_BATCH = 250
"""Unit streams read in one read transaction (``EventStore.stream_states``)."""

BATCH_RECORDS = 20_000
"""Stored records a scoring batch reads at most (``FactView.unit_batches``): what bounds the facts
held at once however many events a unit's year holds (a unit whose stream alone holds more is a
batch of its own). About 10 MB of facts; a batch costs one read transaction, so much smaller
batches cost reading time (measured: ~5 % at 2,000 records)."""

_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(parse_float=Decimal).scan_once  # type: ignore[attr-defined]
"""``codec.loads``'s decoder without its wrapper (a third of its time): a stored record is one
JSON object with nothing around it, so a record that is not that is read again by
``codec.loads``, which raises as it always did."""

def facts_of_rows(stream: str, rows: StoredStates, as_of: dt.date | None, known_at: int | None) -> list[Fact]:
    """``effective_facts`` of a stream's stored records, decoded here. With no retraction or
    correction among them (the common case) the facts are built straight from the decoded
    records, without a ``Record`` each or a copy of its fields: a cold score table decodes
    120k records, and those objects were a fifth of its reading time."""
    scan = _SCAN
    decoded: list[dict[str, Any]] = []
    try:
        for _version, state in rows:
            text = state.decode()
            data, end = scan(text, 0)
            if end != len(text):
                raise ValueError("extra data after the record")
            if known_at is not None and data["revision"] > known_at:
                break  # revisions grow with versions: the rest are later too
            kind = data["type"]
            if kind == "retraction" or kind == "correction":
                break
            decoded.append(data)
        else:
            return _plain_facts(decoded, as_of)
    except (*READ_ERRORS, StopIteration):
        pass  # read again below, as Records: effective_facts names the record at fault
    records = []
    for version, state in rows:  # as EventStore.read_stream reads them
        data = decode_record(state, stream, version)
        if known_at is not None and data["revision"] > known_at:
            break
        records.append(Record(stream, version, data))
    return effective_facts(records, as_of, known_at)


def _plain_facts(decoded: list[dict[str, Any]], as_of: dt.date | None) -> list[Fact]:
    """``_effective_facts`` of records none of which is a retraction or a correction (each
    decoded dict is this function's own: its envelope is popped off to leave the fields)."""
    facts: list[Fact] = []
    append = facts.append
    fromiso = dt.date.fromisoformat
    for data in decoded:
        kind = data["type"]
        if kind not in FACT_TYPES:
            continue
        event_id = data["id"]
        day = fromiso(data["date"])
        if as_of is not None and day > as_of:
            continue
        unit, revision, recorded_at = data["unit"], data["revision"], data["recorded_at"]
        source, note = data.get("source"), data.get("note")
        pop = data.pop
        for key in NOT_FIELDS:
            pop(key, None)
        for key in DATE_FIELDS[kind]:
            if key in data:
                data[key] = _as_date(data[key])
        for key in NUMBER_FIELDS[kind]:
            if key in data and not isinstance(data[key], Decimal):
                data[key] = Decimal(data[key])
        append(Fact(event_id, kind, unit, day, data, revision, recorded_at, source, note, ()))
    return facts


AMENDMENTS = frozenset({"retraction", "correction"})
"""The record types that may change a fact of any type: read with whatever types are asked."""


def topics_for(types: Iterable[str] | None) -> frozenset[str] | None:
    """The stored topics to read for facts of ``types`` (None: all)."""
    return None if types is None else frozenset(types) | AMENDMENTS


class KeptFacts(Protocol):
    """A thread-safe bounded map (``ledger.web.cache.Bounded``): ``get(key, make)``."""

    def get(self, key: Hashable, make: Callable[[], list[Fact]]) -> list[Fact]: ...

    def __contains__(self, key: Hashable) -> bool: ...


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
        return self.facts_uncached(unit, year, as_of, known_at, types)

    def facts_for(self, units: Iterable[str], year: int, as_of: dt.date | None, known_at: int | None,
                  types: Iterable[str] | None = None,
                  on_unit: Callable[[int], None] | None = None) -> dict[str, list[Fact]]:
        """Every unit's facts, their streams read ``READ_BATCH`` at a time in one transaction."""
        units = list(units)
        topics = topics_for(types)
        whole = self._whole(units, year, known_at) if self.kept is not None else {}
        out = {}
        for i in range(0, len(units), READ_BATCH):
            batch = units[i:i + READ_BATCH]
            if self.kept is None:
                read = self.store.stream_states([unit_stream(u, year) for u in batch], topics)
                for u in batch:
                    stream = unit_stream(u, year)
                    out[u] = facts_of_rows(stream, read[stream], as_of, known_at)
                    if on_unit:
                        on_unit(1)
                continue
            wanted = {unit_stream(u, year): whole[u] for u in batch if whole.get(u) and
                      ("facts", unit_stream(u, year), topics, whole[u]) not in self.kept}
            read = self.store.stream_states(wanted, topics, wanted)
            for u in batch:
                version = whole.get(u)
                out[u] = self.facts_of_whole(u, year, as_of, version, types, read.get(unit_stream(u, year))) \
                    if version is not None else self.facts_uncached(u, year, as_of, known_at, types)
                if on_unit:
                    on_unit(1)
        return out

    def unit_batches(self, units: Iterable[str], year: int, budget: int | None = None) -> Iterator[list[str]]:
        """``units`` in order, in batches whose year streams hold at most ``budget`` records
        (default ``BATCH_RECORDS``) and ``READ_BATCH`` streams together, by the stream index (one
        indexed read: a stream's length now bounds it at any known-at)."""
        budget = BATCH_RECORDS if budget is None else budget
        units = list(units)
        heads = self.store.stream_heads(unit_stream(u, year) for u in units)
        batch: list[str] = []
        held = 0
        for u in units:
            size = heads.get(unit_stream(u, year), (0, None))[0]
            if batch and (held + size > budget or len(batch) >= READ_BATCH):
                yield batch
                batch, held = [], 0
            batch.append(u)
            held += size
        if batch:
            yield batch

    def facts_uncached(self, unit: str, year: int, as_of: dt.date | None, known_at: int | None,
                       types: Iterable[str] | None = None) -> list[Fact]:
        topics = topics_for(types)
        stream = unit_stream(unit, year)
        return facts_of_rows(stream, self.store.stream_states([stream], topics)[stream], as_of, known_at)

    def _whole(self, units: list[str], year: int, known_at: int | None) -> dict[str, int]:
        """Units whose year stream is known whole at ``known_at`` (its last record's revision
        is at or before it), with the stream's version then: one indexed read for them all.
        A stream not written yet is whole at version 0."""
        streams = {unit_stream(u, year): u for u in units}
        found = dict.fromkeys(units, 0)
        for stream, (version, last) in self.store.stream_heads(streams).items():
            unit = streams[stream]
            if last is None or (known_at is not None and last > known_at):
                del found[unit]  # read as known at the revision, not kept
            else:
                found[unit] = version
        return found

    def facts_of_whole(self, unit: str, year: int, as_of: dt.date | None, version: int,
                       types: Iterable[str] | None, rows: StoredStates | None = None) -> list[Fact]:
        """The facts of a stream's first ``version`` records (all it held at the known-at),
        kept in ``kept`` (one map per store) by (stream, types, version): the records of a stream up to a version
        never change (the ledger only grows), so a later known-at that added nothing to this
        stream — or another as-of date — reuses them. Kept without the as-of cut (a filter on
        each fact's effective date, as ``effective_facts`` applies it). ``rows``: the stream's
        stored records up to ``version`` of those types, when the caller read them already."""
        assert self.kept is not None
        stream = unit_stream(unit, year)
        topics = topics_for(types)

        def make() -> list[Fact]:
            if version == 0:
                return []
            read = self.store.stream_states([stream], topics, {stream: version})[stream] if rows is None else rows
            return facts_of_rows(stream, read, None, None)

        facts = self.kept.get(("facts", stream, topics, version), make)
        return facts if as_of is None else [f for f in facts if f.date <= as_of]

    def peer_facts(self, units: Iterable[str], year: int, as_of: dt.date | None, known_at: int | None,
                   types: Iterable[str]) -> dict[str, list[Fact]]:
        """Like ``facts_for`` with types, from the in-memory slices (for rank inputs)."""
        topics = frozenset(types) | AMENDMENTS
        units = list(units)
        slices = self._slice([unit_stream(u, year) for u in units], topics)
        return {u: effective_facts(slices[unit_stream(u, year)], as_of, known_at) for u in units}

    def evidence(self, unit: str, year: int, known_at: int | None) -> dict[str, list[EvidenceFile]]:
        """Event id → the evidence files on it, of the unit's year stream as known at ``known_at``
        (its evidence records only: ``projections.evidence``)."""
        from .evidence import TYPES, files_by_event

        records = self.store.read_stream(unit_stream(unit, year), upto=known_at, topics=TYPES)
        return files_by_event((r.data for r in records), known_at)

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
