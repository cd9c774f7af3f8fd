"""Intake: validate incoming events, resolve their streams, deduplicate, append atomically.

The whole input is checked inside one write transaction; the first bad line aborts it and
nothing is written. Events are appended in batches, so memory stays flat on large files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from .events import codec
from .events.base import Event
from .events.catalog import CATALOG, EventValidationError, field_kinds, validate
from .errors import ConflictError, InputError
from .sources import SourceLine
from .store.eventstore import IdEntry, Pending, Writer, unit_stream

BATCH = 5000
META_TYPES = {"retraction", "correction", "appeal_filed", "appeal_decided"}
UNCORRECTABLE = {"type", "unit", "id", "actor"}


@dataclass
class IntakeResult:
    new: int = 0
    present: int = 0
    ids: list[str] = field(default_factory=list)
    revisions: list[int] = field(default_factory=list)
    keep_ids: bool = False


def csv_kinds(row: dict[str, Any]) -> dict[str, str]:
    model = CATALOG.get(row.get("type", ""))
    return field_kinds(model.type_name) if model else {}


def thread_key(unit: str, kind: str, key: str) -> str:
    return f"{unit}\x1f{kind}\x1f{key}"


@dataclass(slots=True)
class _Item:
    src: SourceLine
    event: Event
    event_id: str
    content: dict[str, Any]
    content_json: str
    digest: str


class Intake:
    """Feeds one write: ``run(lines)`` validates and appends, raising ``InputError`` on the
    first problem (the caller's transaction then rolls back)."""

    def __init__(self, writer: Writer, roster: set[str], default_actor: str, *, keep_ids: bool = False,
                 on_event: Any = None):
        self.w = writer
        self.roster = roster
        self.actor = default_actor
        self.result = IntakeResult(keep_ids=keep_ids)
        self.on_event = on_event

    def run(self, lines: Iterable[SourceLine]) -> IntakeResult:
        batch: list[SourceLine] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= BATCH:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)
        return self.result

    # ------------------------------------------------------------------------------------
    def _validate(self, src: SourceLine) -> _Item:
        data = src.data
        if "recorded_at" in data or "revision" in data:
            key = "recorded_at" if "recorded_at" in data else "revision"
            raise InputError("no such key: the ledger assigns recorded_at and revision itself",
                             origin=src.origin, line=src.line, field=key)
        try:
            event = validate(data)
        except EventValidationError as exc:
            raise InputError(exc.expected, origin=src.origin, line=src.line, field=exc.field,
                             got=_show(exc.got)) from None
        if event.unit not in self.roster:
            raise InputError("a registered unit id (see `ledger units list`; register with "
                             "`ledger units import`)", origin=src.origin, line=src.line,
                             field="unit", got=_show(event.unit))
        event_id = event.id or str(uuid.uuid4())
        content = codec.content_of(event)
        content["id"] = event_id
        content_json, digest = codec.encode(content)
        return _Item(src, event, event_id, content, content_json, digest)

    def _batch(self, lines: list[SourceLine]) -> None:
        items = [self._validate(src) for src in lines]
        wanted: set[str] = set()
        threads: set[str] = set()
        for it in items:
            wanted.add(it.event_id)
            e = it.event
            if e.type in ("retraction", "correction"):
                wanted.add(e.target)  # type: ignore[attr-defined]
            elif e.type == "appeal_filed":
                wanted.update(e.targets)  # type: ignore[attr-defined]
            elif e.type == "appeal_decided":
                wanted.add(e.appeal)  # type: ignore[attr-defined]
            if e.thread:
                threads.add(thread_key(e.unit, e.thread, getattr(e, e.thread)))
        known = self.w.lookup_ids(wanted)
        thread_streams = self.w.lookup_threads(threads)
        local: dict[str, tuple[_Item, str]] = {}  # id -> (item, stream) for this batch
        pending: list[Pending] = []
        for it in items:
            if it.event.type == "correction":
                self._normalise_correction(it, known, local)
            previous = local.get(it.event_id)
            if previous is not None:
                if previous[0].digest != it.digest:
                    raise ConflictError(
                        f"id '{it.event_id}' is used twice with different content: line "
                        f"{previous[0].src.line} has {previous[0].content_json}, this line has "
                        f"{it.content_json}", origin=it.src.origin, line=it.src.line, field="id")
                self.result.present += 1
                continue
            entry = known.get(it.event_id)
            if entry is not None:
                if entry.digest != it.digest:
                    stored = self.w.fetch(entry.stream, entry.version)
                    for key in ("actor", "recorded_at", "revision", "hash"):
                        stored.pop(key, None)
                    raise ConflictError(
                        f"id '{it.event_id}' is already stored (revision {entry.revision}) with "
                        f"different content: stored {codec.dumps(stored)}, this line has "
                        f"{it.content_json}", origin=it.src.origin, line=it.src.line, field="id")
                self.result.present += 1
                continue
            stream, opens = self._resolve(it, known, local, thread_streams)
            actor = it.event.actor or self.actor
            pending.append(Pending(it.event_id, it.event.type, it.event.unit, stream,
                                   it.content_json, it.digest, actor, opens))
            local[it.event_id] = (it, stream)
            if opens:
                thread_streams[opens] = stream
        revisions = self.w.append(pending)
        self.result.new += len(pending)
        if self.result.keep_ids:
            self.result.ids.extend(p.event_id for p in pending)
            self.result.revisions.extend(revisions)
        if self.on_event:
            self.on_event(len(lines))

    def _target(self, it: _Item, target: str, fieldname: str, known: dict[str, IdEntry],
                local: dict[str, tuple[_Item, str]]) -> tuple[str, str, str, dict[str, Any] | None]:
        """(stream, type, unit, local content or None) of a referenced event."""
        if target in local:
            item, stream = local[target]
            return stream, item.event.type, item.event.unit, item.content
        entry = known.get(target)
        if entry is None:
            raise InputError("the id of an event already in the ledger (or earlier in this file)",
                             origin=it.src.origin, line=it.src.line, field=fieldname, got=_show(target))
        return entry.stream, entry.type, entry.unit or "", None

    def _resolve(self, it: _Item, known: dict[str, IdEntry], local: dict[str, tuple[_Item, str]],
                 thread_streams: dict[str, str]) -> tuple[str, str | None]:
        e, src = it.event, it.src
        where = {"origin": src.origin, "line": src.line}
        if e.type in ("retraction", "correction", "appeal_decided"):
            fieldname = "appeal" if e.type == "appeal_decided" else "target"
            target = getattr(e, fieldname)
            stream, ttype, tunit, tcontent = self._target(it, target, fieldname, known, local)
            if tunit != e.unit:
                raise InputError(f"an event of unit '{e.unit}' (event '{target}' belongs to '{tunit}')",
                                 field=fieldname, **where)
            if e.type == "appeal_decided" and ttype != "appeal_filed":
                raise InputError("the id of an appeal_filed event", field="appeal", got=_show(target), **where)
            if e.type == "retraction" and ttype in ("appeal_filed", "appeal_decided"):
                raise InputError("a fact, correction or retraction (appeals are not retracted; decide them)",
                                 field="target", **where)
            return stream, None
        if e.type == "appeal_filed":
            streams = []
            for target in e.targets:  # type: ignore[attr-defined]
                stream, ttype, tunit, _ = self._target(it, target, "targets", known, local)
                if tunit != e.unit:
                    raise InputError(f"events of unit '{e.unit}' (event '{target}' belongs to '{tunit}')",
                                     field="targets", **where)
                if ttype in META_TYPES:
                    raise InputError("ids of facts (an appeal targets facts, not " + ttype + ")",
                                     field="targets", **where)
                streams.append(stream)
            return streams[0], None
        if e.thread:
            key = thread_key(e.unit, e.thread, getattr(e, e.thread))
            if e.opens_thread:
                if key in thread_streams:
                    raise InputError(f"a new {e.thread} id ({e.thread} {getattr(e, e.thread)!r} of unit "
                                     f"'{e.unit}' was already opened)", field=e.thread, **where)
                return unit_stream(e.unit, e.ledger_year()), key
            stream = thread_streams.get(key)
            if stream is None:
                opener = "hotline_ticket" if e.thread == "ticket" else "supervised_item_assigned"
                raise InputError(f"the {e.thread} id of a {opener} of unit '{e.unit}' already in the "
                                 "ledger or earlier in this file", field=e.thread,
                                 got=_show(getattr(e, e.thread)), **where)
            return stream, None
        return unit_stream(e.unit, e.ledger_year()), None

    def _normalise_correction(self, it: _Item, known: dict[str, IdEntry],
                              local: dict[str, tuple[_Item, str]]) -> None:
        """Check a correction against its target and store its changes normalised (so
        "96" from a CSV cell and 96 from JSON are the same content)."""
        target = it.event.target  # type: ignore[attr-defined]
        stream, ttype, _, tcontent = self._target(it, target, "target", known, local)
        if ttype in META_TYPES or CATALOG.get(ttype) is None or not CATALOG[ttype].importable:
            raise InputError(f"the id of a fact (corrections cannot target {ttype} events)",
                             origin=it.src.origin, line=it.src.line, field="target")
        if tcontent is None:
            entry = known[target]
            tcontent = self.w.fetch(entry.stream, entry.version)
        corrected = self._check_correction(it, tcontent, stream)
        normalised = codec.content_of(corrected)
        it.content["changes"] = {k: normalised.get(k) for k in it.event.changes}  # type: ignore[attr-defined]
        it.content_json, it.digest = codec.encode(it.content)

    def _check_correction(self, it: _Item, tcontent: dict[str, Any], stream: str) -> Event:
        changes: dict[str, Any] = it.event.changes  # type: ignore[attr-defined]
        where = {"origin": it.src.origin, "line": it.src.line}
        for name in changes:
            if name in UNCORRECTABLE:
                raise InputError(f"fields other than {', '.join(sorted(UNCORRECTABLE))} "
                                 "(retract and record anew instead)", field=f"changes.{name}", **where)
        merged = {k: v for k, v in tcontent.items() if k not in ("actor", "recorded_at", "revision", "hash")}
        merged.update(changes)
        merged = {k: v for k, v in merged.items() if v is not None}
        try:
            corrected = validate(merged)
        except EventValidationError as exc:
            raise InputError(exc.expected, field=f"changes.{exc.field}", got=_show(exc.got), **where) from None
        if unit_stream(corrected.unit, corrected.ledger_year()) != stream:
            raise InputError("a change that keeps the event in its assessment year "
                             f"({stream.rpartition(':')[2]})", field="changes.date", **where)
        return corrected


def _show(value: Any) -> str | None:
    if value is None:
        return None
    text = codec.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def single(data: dict[str, Any], origin: str = "command line") -> Iterator[SourceLine]:
    yield SourceLine(origin, 1, data)
