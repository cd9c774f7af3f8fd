"""The ledger application: the library API the CLI (and tests) call.

Like an eventsourcing ``Application`` it owns the store and offers the domain's commands;
unlike one, its aggregates are plain unit-year streams of validated facts, and every write
goes through one locked transaction that assigns revisions and extends the hash chain.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from .errors import InputError, NotFound, UnknownId
from .events import codec
from .events.base import CALLER_ID_EXPECTED, caller_id_problem
from .events.catalog import EventValidationError, validate
from .events.ledger_records import UnitRegistered
from .gc_pause import gc_paused
from .i18n import Msg
from .intake.sources import ReadOptions, SourceLine, read_lines
from .projections.fact_view import Amendments, FactView, roster_from
from .projections.record_views import HistoryRow
from .store.backends import open_backend
from .store.eventstore import EventStore, Pending, Record, utc_now
from .store.url import StoreUrl, parse_store_url
from .units import Unit

if TYPE_CHECKING:
    from .checkpoints import Checkpoint
    from .intake.batches import IntakeResult, PreparedRow
    from .intake.problems import Problems
    from .policies.model import Policy
    from .policies.registry import Entry, PolicyRegistry
    from .projections.scoreboard import Scoreboard, Series
    from .projections.snapshot import Snapshot
    from .store.verify import VerifyResult

# Start-up: the write side (intake.batches), the policies (yaml, their pydantic models), the
# scoring engine and verify are imported by the methods that use them, so a command loads
# only what it needs (score and explain: no intake; record and history: no policies).

CHINA = dt.timezone(dt.timedelta(hours=8))
PARALLEL_FROM_BYTES = 4 << 20  # below this, starting a second process costs more than it saves


def default_actor() -> str:
    try:
        return os.environ.get("LEDGER_ACTOR") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return "unknown"




class Ledger:
    def __init__(self, url: str | StoreUrl | None = None, *, actor: str | None = None,
                 clock: Callable[[], dt.datetime] = utc_now, create: bool = True):
        self.url = url if isinstance(url, StoreUrl) else parse_store_url(url)
        self.actor = actor or default_actor()
        self.store = EventStore(open_backend(self.url, create=create), clock)
        self.facts = FactView(self.store)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def init(self) -> None:
        self.store.create()

    def today(self) -> dt.date:
        return self.store.clock().astimezone(CHINA).date()

    # --- writing -----------------------------------------------------------------------
    def _intake(self, lines: Iterable[SourceLine], *, dry_run: bool = False,
                keep_ids: bool = False, problems: Problems | None = None,
                values: dict[str, dict[str, str]] | None = None, **vocabulary: Any) -> IntakeResult:
        from .intake.batches import prepared_batches

        lines = list(lines) if keep_ids else lines  # a command's few lines: read again to name identical rows
        reread = (lambda: lines) if isinstance(lines, list) else None
        return self._write(lambda roster: prepared_batches(lines, roster, problems), dry_run=dry_run,
                           keep_ids=keep_ids, problems=problems, values=values, reread=reread, **vocabulary)

    def _write(self, batches: Callable[[frozenset[str]], Iterable[Sequence[PreparedRow]]], *, dry_run: bool = False,
               keep_ids: bool = False, problems: Problems | None = None,
               values: dict[str, dict[str, str]] | None = None, check_origin: str | None = None,
               strict: bool = False, allow_duplicates: bool = False, skip_bad: bool = False,
               reread: Callable[[], Iterable[SourceLine]] | None = None) -> IntakeResult:
        """One atomic write of prepared batches, validated against the roster as it stands
        under the lock. With ``problems``, every problem is gathered and raised at the end
        (nothing is written then) — or, with ``skip_bad``, the rows without problems are
        written and the others come back in ``result.refused``. ``check_origin``: run the
        vocabulary check for that file (``strict``: its findings are problems)."""
        from .intake.batches import Intake, Roster

        with gc_paused(), self.store.write(self.actor, dry_run=dry_run) as writer:
            units = roster_from(writer.records("ledger:units"))
            roster = Roster.of(units, values)
            check = None
            if check_origin is not None:
                def check(observed: Any) -> Any:
                    return self._vocabulary(observed, units, writer, check_origin)
            return Intake(writer, roster, self.actor, keep_ids=keep_ids, problems=problems,
                          vocabulary=check, strict=strict, allow_duplicates=allow_duplicates, skip_bad=skip_bad,
                          reread=reread).run_prepared(batches(roster))

    def _vocabulary(self, observed: Any, units: dict[str, Any], writer: Any, origin: str) -> Any:
        """The vocabulary check of one import: the policies (bundled and published, every
        version) of the years its events belong to, read inside the write."""
        from .intake.vocabulary import check
        from .policies.registry import bundled_entries

        years = {year for _, _, year, _ in observed.seen}
        merged = {e.ref: e for e in bundled_entries()}
        merged.update((e.ref, e) for e in self.policy_entries(writer.records("ledger:policies")))
        policies = [e.policy() for e in merged.values() if e.year in years]
        groups = {u: tuple(getattr(unit, "groups", ()) or ()) for u, unit in units.items()}
        return check(observed, policies, groups, origin)

    def import_file(self, path: str, *, dry_run: bool = False, on_bytes: Callable[[int], None] | None = None,
                    parallel: bool | None = None, options: ReadOptions | None = None, strict: bool = False,
                    allow_duplicates: bool = False, skip_bad: bool = False) -> IntakeResult:
        """Import a JSONL/CSV/xlsx file atomically and idempotently — what ``ledger import``
        and the workbench's import run. Large files are prepared (read, validated, encoded) by
        a second process while this one writes (``parallel=None`` decides by file size and
        cores). Every problem of every row is found in one pass: raised together (nothing
        written), or with ``skip_bad`` the good rows are written in the one write and the
        problems come back in ``result.refused``. Rows already present (by id, or by content
        when they have none: docs/intake.md) add nothing; probable duplicates of stored events
        are problems unless ``allow_duplicates``. Items, report kinds, metrics, panels and
        channels no policy of the year names are ``result.warnings`` (``strict``: problems)."""
        from .intake.batches import HeldBackEarlier, csv_kinds, without
        from .intake.problems import Problems

        if parallel is None:
            workbook = path.lower().endswith((".xlsx", ".xlsm"))  # zipped XML: ~3× smaller than its rows as CSV
            parallel = (os.cpu_count() or 1) >= 2 and os.path.isfile(path) and \
                os.path.getsize(path) * (3 if workbook else 1) >= PARALLEL_FROM_BYTES
        values = options.mapping.value_words if options is not None and options.mapping is not None else None
        held: set[tuple[str, int]] = set()  # rows found bad after they were written: the write runs again without
        seeded: list[tuple[Any, tuple[str, ...]]] = []

        def lines() -> Iterable[SourceLine]:
            return without(read_lines(path, None, csv_kinds, options), held)

        while True:
            problems = Problems()
            for error, refs in seeded:
                problems.add(error, refs)
            try:
                return self._write(_prepared(path, parallel, on_bytes, problems, options, frozenset(held)),
                                   dry_run=dry_run, problems=problems, values=values, check_origin=path,
                                   strict=strict, allow_duplicates=allow_duplicates, skip_bad=skip_bad,
                                   reread=lines)
            except HeldBackEarlier as again:
                held |= again.rows
                seeded += again.problems

    def import_lines(self, lines: Iterable[SourceLine], *, dry_run: bool = False) -> IntakeResult:
        return self._intake(lines, dry_run=dry_run, keep_ids=True)

    def record(self, data: dict[str, Any], origin: str = "command line") -> tuple[str, int]:
        from .intake.batches import single

        data = {k: v for k, v in data.items() if v is not None}
        result = self._intake(single(data, origin), keep_ids=True)
        if result.new:
            return result.ids[0], result.revisions[0]
        event_id = result.present_ids[0]  # already present: an idempotent no-op
        return event_id, self.store.lookup_ids([event_id])[event_id].revision

    def _target_unit(self, event_id: str) -> str:
        entry = self.store.lookup_ids([event_id]).get(event_id)
        if entry is None:
            raise UnknownId("the id of an event in the ledger", field="event", got=repr(event_id))
        if not entry.unit:
            raise InputError(Msg("the id of a fact ({event_id} is a {type} record, the ledger's own)",
                                 event_id=event_id, type=entry.type),
                             field="event")
        return entry.unit

    def retract(self, event_id: str, reason: str, decision: str | None = None,
                date: dt.date | None = None, event_id_new: str | None = None) -> tuple[str, int]:
        return self.record({"type": "retraction", "unit": self._target_unit(event_id),
                            "date": (date or self.today()).isoformat(), "target": event_id,
                            "reason": reason, "decision": decision, "id": event_id_new})

    def correct(self, event_id: str, changes: dict[str, Any], reason: str,
                date: dt.date | None = None, event_id_new: str | None = None) -> tuple[str, int]:
        return self.record({"type": "correction", "unit": self._target_unit(event_id),
                            "date": (date or self.today()).isoformat(), "target": event_id,
                            "changes": changes, "reason": reason, "id": event_id_new})

    # --- units -------------------------------------------------------------------------
    def import_units(self, path: str) -> tuple[int, int]:
        """Register or update units; a row equal to the current registration is a no-op."""
        changed = same = 0
        today = self.today().isoformat()

        def kinds(_: dict[str, Any]) -> dict[str, str]:
            return {"groups": "list", "divisions": "list"}

        with self.store.write(self.actor) as writer:
            roster = roster_from(writer.records("ledger:units"))
            pending = []
            for src in read_lines(path, list_fields=kinds, headers=False):
                raw = _as_object(src)
                for key in ("groups", "divisions"):
                    if isinstance(raw.get(key), str):
                        raw[key] = [g.strip() for g in raw[key].split(";") if g.strip()]
                unknown = set(raw) - {"id", "name", "groups", "divisions", "date"}
                if unknown:
                    raise InputError("only the columns id, name, groups, divisions (and date)",
                                     origin=src.origin, line=src.line, field=sorted(unknown)[0])
                if not raw.get("groups"):
                    # A row is the unit's whole registration: without groups it would silently
                    # leave every track (a missing column or an empty cell is a mistake).
                    raise InputError("the unit's groups (separated by ;) — every track scores the units of "
                                     "its group", origin=src.origin, line=src.line, field="groups")
                data = {"type": "unit_registered", "unit": raw.get("id"), "name": raw.get("name"),
                        "groups": raw.get("groups", []), "divisions": raw.get("divisions", []),
                        "date": raw.get("date", today)}
                try:
                    event = cast(UnitRegistered, validate(data, internal=True))  # its type is unit_registered
                except EventValidationError as exc:
                    field = {"unit": "id"}.get(exc.field or "", exc.field)
                    expected = CALLER_ID_EXPECTED if field == "id" and isinstance(data["unit"], str) else exc.expected
                    raise InputError(expected, origin=src.origin, line=src.line, field=field) from None
                if event.unit not in roster and caller_id_problem(event.unit):  # a stored id stays valid
                    raise InputError(CALLER_ID_EXPECTED, origin=src.origin, line=src.line, field="id",
                                     got=repr(event.unit))
                unit = Unit(event.unit, event.name, tuple(event.groups), tuple(event.divisions))
                if roster.get(unit.id) == unit:
                    same += 1
                    continue
                roster[unit.id] = unit
                event_id = str(uuid.uuid4())
                text, digest = codec.encode_event(event.model_copy(update={"id": event_id}))
                pending.append(Pending(event_id, "unit_registered", "ledger:units",
                                       text, digest, self.actor))
                changed += 1
            writer.append(pending)
        return changed, same

    def units(self, known_at: int | None = None) -> list[Unit]:
        return sorted(self.facts.roster(known_at).values(), key=lambda u: u.id)

    # --- policies ----------------------------------------------------------------------
    @staticmethod
    def policy_entries(records: Iterable[Record]) -> list[Entry]:
        """The policy versions stored in ``ledger:policies`` records."""
        from .policies.registry import Entry

        entries = []
        for r in records:
            d = r.data
            if r.type != "policy_published":
                continue
            entries.append(Entry.stored(d["policy"], int(d["version"]), d["sha256"], f"revision {r.revision}",
                                        d["content"], d.get("effective_from"), d.get("change_note")))
        return entries

    @property
    def policies(self) -> PolicyRegistry:
        from .policies.registry import PolicyRegistry

        return PolicyRegistry(lambda: self.policy_entries(self.store.read_stream("ledger:policies")))

    def load_policy(self, path: str, *, pin_bundled: bool = False) -> tuple[str, bool]:
        """Publish a policy version; identical content again is a no-op. Returns (ref, new).
        ``pin_bundled`` stores a bundled policy's text in the ledger too (done before a result
        is published, so the exact rules stay with it whatever later releases bundle)."""
        from .policies.registry import PolicyRegistry

        with self.store.write(self.actor) as writer:
            stored = self.policy_entries(writer.records("ledger:policies"))
            registry = PolicyRegistry(lambda: stored)
            policy, text, digest, existing = registry.check_new(path)
            if existing is not None and not (pin_bundled and existing.origin == "bundled"
                                             and not any(e.sha256 == digest for e in stored)):
                return policy.ref, False
            event = validate({"type": "policy_published", "date": self.today().isoformat(),
                              "policy": policy.id, "version": policy.version, "sha256": digest,
                              "content": text, "effective_from": policy.effective_from,
                              "change_note": policy.change_note}, internal=True)
            event_id = f"policy:{policy.ref}"
            content, content_digest = codec.encode_event(event.model_copy(update={"id": event_id}))
            writer.append([Pending(event_id, "policy_published", "ledger:policies", content,
                                   content_digest, self.actor)])
        return policy.ref, True

    def policy(self, ref: str | None = None, file: str | None = None, option: str = "--policy",
               as_of: dt.date | None = None) -> Policy:
        """``ID@N``, ``ID`` (the version in force at ``as_of``) or a what-if file (marked draft)."""
        return self.policies.resolve(ref, file, option, as_of)

    def scoreboard(self, policy: Policy, *, as_of: dt.date | None = None, known_at: str | int | None = None,
                   tracks: Iterable[str] | None = None, units: Iterable[str] | None = None,
                   focus: str | None = None, on_unit: Callable[[int], None] | None = None,
                   lines: bool = True) -> Scoreboard:
        from .projections.scoreboard import build_scoreboard

        return build_scoreboard(self.view(known_at), policy, as_of=as_of,
                                tracks=tracks, units=units, focus=focus, on_unit=on_unit, lines=lines)

    def series(self, ref: str | None, file: str | None, *, last: dt.date | None = None,
               known_at: str | int | None = None, tracks: Iterable[str] | None = None,
               units: Iterable[str] | None = None, on_unit: Callable[[int], None] | None = None) -> Series:
        """The month-end results of the policy year (those ending by ``last``), in one pass over
        one snapshot; each month under the version `score --as-of` its last day would use."""
        from .projections.scoreboard import Series, build_series, month_ends

        year = self.policy(ref, file, as_of=last).year
        by_version: dict[str, tuple[Policy, list[dt.date]]] = {}
        for day in month_ends(year, last):
            policy = self.policy(ref, file, as_of=day)
            by_version.setdefault(policy.ref, (policy, []))[1].append(day)
        view = self.view(known_at)
        boards = [board for policy, days in by_version.values()
                  for board in build_series(view, policy, days, tracks=tracks, units=units, on_unit=on_unit)]
        return Series(sorted(boards, key=lambda b: b.as_of))

    # --- reading -----------------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        return self.store.head()

    def view(self, known_at: str | int | None = None) -> Snapshot:
        """The ledger as known at a revision or moment (the head when None): what every read
        model takes. The revision and its chain hash are pinned here, once."""
        from .projections.snapshot import Snapshot

        known = self.resolve_known_at(known_at)
        return Snapshot(known, self.store.hash_at(known), self.facts)

    def resolve_known_at(self, known_at: str | int | None) -> int:
        """A revision number, or an ISO timestamp meaning 'what the ledger knew then'."""
        head, _ = self.store.head()
        if known_at is None or known_at == "":
            return head
        text = str(known_at).strip()
        if text.isdigit():
            revision = int(text)
            if revision > head:
                raise InputError(Msg("a revision between 0 and the head ({head})", head=head), field="known_at",
                                 got=text)
            return revision
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError("a revision number or an ISO timestamp like 2021-07-05T10:00:00+08:00",
                             field="known_at", got=repr(text)) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CHINA)
        return self.store.revision_at(moment)

    def history(self, unit: str) -> list[HistoryRow]:
        if unit not in self.facts.roster():
            raise NotFound(Msg("unit '{unit}' is not registered (see `ledger units list`)", unit=unit))
        from .projections.evidence import files_by_event

        rows: list[HistoryRow] = []
        for stream, _ in self.store.streams_of(unit):
            records = self.store.read_stream(stream)
            amendments = Amendments(records)
            files = files_by_event(r.data for r in records)
            for r in records:
                retraction = amendments.retracted_by(r.id)
                withdrawn = next((f.withdrawn.record_id for f in files.get(r.data.get("target", ""), ())
                                  if f.withdrawn and f.record_id == r.id), None) if r.type == "evidence_attached" \
                    else None
                rows.append(HistoryRow(r, retraction.id if retraction else None,
                                       [c.id for c in amendments.corrections_of(r.id)], files.get(r.id, []),
                                       withdrawn))
        rows.sort(key=lambda h: h.record.revision)
        return rows

    verify_at: set[int] = set()  # noqa: RUF012 - replaced, never mutated
    """Sizes whose tree heads ``verify`` also recomputes (checkpoints' sizes)."""
    last_verify: VerifyResult | None = None

    def verify(self, on_progress: Callable[[int], None] | None = None) -> VerifyResult:
        """Verify the whole store; the tree heads at ``verify_at`` and at the sizes of the
        checkpoints recorded with publications come back in ``result.at``."""
        from .store.verify import verify

        sizes = {*self.verify_at, *(size for _, size, _ in self.store.recorded_checkpoints())}
        self.last_verify = verify(self.store, on_progress, sizes)
        return self.last_verify

    def verify_since(self, checkpoint: Checkpoint, on_progress: Callable[[int], None] | None = None) -> VerifyResult:
        """Only the records appended after ``checkpoint`` re-hashed, and the log proven to extend
        it (``ledger.store.verify.verify_since``)."""
        from .store.verify import verify_since

        cp = checkpoint
        self.last_verify = verify_since(self.store, cp.size, cp.root, cp.stream_heads_root, cp.streams, cp.chain_hash,
                                        on_progress)
        return self.last_verify


def _prepared(path: str, parallel: bool, on_bytes: Callable[[int], None] | None, problems: Problems,
              options: ReadOptions | None, held: frozenset[tuple[str, int]]
              ) -> Callable[[frozenset[str]], Iterable[Sequence[PreparedRow]]]:
    """The batches of an import file for a roster: prepared by a second process (``parallel``)
    or in this one; ``held``: rows (origin, line) left out."""
    if parallel:
        from .intake.preparer import prepared_by_producer

        return lambda roster: prepared_by_producer(path, roster, on_bytes, problems, options, held)
    from .intake.batches import csv_kinds, prepared_batches, without

    return lambda roster: prepared_batches(without(read_lines(path, on_bytes, csv_kinds, options), held), roster,
                                           problems)


def _as_object(src: SourceLine) -> dict[str, Any]:
    if isinstance(src.data, dict):
        return dict(src.data)
    try:
        data = json.loads(src.data)
    except json.JSONDecodeError as exc:
        raise InputError(Msg("a JSON object ({msg})", msg=exc.msg), origin=src.origin, line=src.line) from None
    if not isinstance(data, dict):
        raise InputError("a JSON object per line", origin=src.origin, line=src.line)
    return data
