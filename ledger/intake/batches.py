"""Intake: validate incoming events, resolve their streams, deduplicate, append atomically.

The whole input is checked inside one write transaction; the first bad line aborts it and
nothing is written. Lines are handled in batches, so memory stays flat on large files.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from operator import attrgetter, itemgetter
from typing import Any, Final, NamedTuple, TypedDict

from ..errors import ConflictError, InputError, UnknownId
from ..events import codec
from ..events import names as names_module
from ..events.base import CALLER_ID_EXPECTED, Event, caller_id_problem
from ..events.catalog import AMENDMENTS, CATALOG, NUMBER_FIELDS, EventValidationError, field_kinds, validate
from ..i18n import Msg
from ..projections.fact_view import Amendments
from ..store import digests
from ..store.eventstore import IdEntry, Pending, PendingRow, Record, Writer, unit_stream
from . import checks, sameness, words
from . import vocabulary as vocabulary_module
from .problems import ExampleRow, Notice, ProbableDuplicate, Problems
from .sources import SourceLine, read_lines

BATCH = 5000
UNCORRECTABLE = {"type", "unit", "id", "actor", "evidence"}
"""Identity and evidence are not corrected (nor a ticket/item key): retract and record anew."""


@dataclass
class IntakeResult:
    new: int = 0
    present: int = 0
    ids: list[str] = field(default_factory=list)
    revisions: list[int] = field(default_factory=list)
    present_ids: list[str] = field(default_factory=list)
    keep_ids: bool = False
    warnings: list[str] = field(default_factory=list)
    """The vocabulary check's warnings (values no policy of the year names; years without a policy)."""
    present_rows: list[tuple[str, int, str]] = field(default_factory=list)
    """(origin, line, stored id) of the first rows already present (``sameness.PRESENT_SHOWN``)."""
    refused: list[InputError] = field(default_factory=list)
    """With ``skip_bad``: every problem of the rows held back (probable duplicates among them)."""
    notices: list[InputError] = field(default_factory=list)
    """Columns ignored, template example rows skipped."""

    @property
    def skipped(self) -> int:
        """Template example rows skipped."""
        return sum(isinstance(n, ExampleRow) for n in self.notices)

    @property
    def duplicates(self) -> list[InputError]:
        """The probable duplicates held back (``skip_bad``)."""
        return [e for e in self.refused if isinstance(e, ProbableDuplicate)]

    @property
    def held_back(self) -> int:
        """Rows held back (``skip_bad``): the lines with a problem."""
        return len({(e.origin, e.line) for e in self.refused})


class HeldBackEarlier(Exception):  # noqa: N818 - a signal, not an error
    """With ``skip_bad``, rows already appended in this write turned out to be refused (the
    first of identical rows without ids): the write is rolled back and run again without
    ``rows``, whose ``problems`` are then given from the start."""

    def __init__(self, rows: set[tuple[str, int]], problems: list[tuple[InputError, tuple[str, ...]]]):
        super().__init__(f"{len(rows)} rows held back after they were appended")
        self.rows, self.problems = rows, problems


def csv_kinds(row: dict[str, Any]) -> dict[str, str]:
    """The fields of the row's type whose CSV cells carry a list or an object (JSON text or
    ``a;b``); one look-up per row, the kinds worked out once per type."""
    kind = row.get("type", "")
    found = _STRUCTURED.get(kind) if type(kind) is str else None
    if found is None:
        model = CATALOG.get(kind)
        if model is None:
            return {}
        found = _STRUCTURED[kind] = {k: v for k, v in field_kinds(model.type_name).items() if v != "scalar"}
    return found


_STRUCTURED: dict[str, dict[str, str]] = {}


def thread_key(unit: str, kind: str, key: str) -> str:
    return f"{unit}\x1f{kind}\x1f{key}"


class Prepared(NamedTuple):
    """A validated, encoded event, its references and thread extracted (plain values: a
    batch crosses from the producer process as a list of plain tuples in this order)."""

    origin: str
    line: int
    event_id: str
    type: str
    unit: str
    home: str  # the unit-year stream the event belongs to unless it follows up a ticket/item
    thread: str | None
    opens: bool
    refs: tuple[str, ...]
    actor: str | None
    content_json: str
    digest: str
    key: int
    """Its digest-index key (``store.digests.record_key``)."""
    alike: bool
    """A likeness rule applies: a stored event under its key with other content is probably this fact."""
    derived: bool
    """The id was derived from the content (the event came without one)."""

    @property
    def content(self) -> dict[str, Any]:
        return codec.loads(self.content_json)

    def event(self) -> Event:
        return validate(self.content_json.encode())


PreparedRow = tuple[str, int, str, str, str, str, str | None, bool, tuple[str, ...], str | None, str, str,
                    int, bool, bool]
"""A ``Prepared`` as a plain tuple (its fields in order), as batches cross processes."""

_ID: Final = 2
_THREAD: Final = 6
_REFS: Final = 8
_KEY: Final = 12
_ALIKE: Final = 13
_DERIVED: Final = 14
assert (Prepared._fields[_ID], Prepared._fields[_THREAD], Prepared._fields[_REFS], Prepared._fields[_KEY],
        Prepared._fields[_ALIKE], Prepared._fields[_DERIVED]) == ("event_id", "thread", "refs", "key", "alike",
                                                                  "derived")

EXAMPLE_ID = "示例"
"""The id ``ledger template`` gives its example row: import skips a row with it (EVENTS.md,
template rows)."""
_EXAMPLE_JSON = (json.dumps(EXAMPLE_ID, ensure_ascii=False).encode(), json.dumps(EXAMPLE_ID).encode())


class Where(TypedDict):
    """The location an ``InputError`` names."""

    origin: str
    line: int


def content_id(kind: str, date: Any, key: int) -> str:
    """The id of an event given without one: its type, date and content key (16 hex digits),
    e.g. ``warning-2021-03-01-3f9a1c2b7e4d5a6b`` — the same content gives the same id in any
    file, on import, ``record`` or the web."""
    return f"{kind}-{date}-{digests.key_hex(key)}"


def identified(event: Event) -> tuple[str, str, str, int, bool, bool]:
    """(id, content JSON, its digest, digest-index key, alike, derived): the event's id — its
    own, or one derived from its canonical content (``content_id``) — its canonical encoding,
    and what the digest index files it under (``store.digests``)."""
    content_json, digest = codec.encode_event(event)
    kind, event_id = event.type, event.id
    if event_id is None:
        event_id = content_id(kind, event.date, digests.content_hash(content_json))
        content_json = digests.with_id(content_json, event_id)
        digest = hashlib.sha256(content_json.encode()).hexdigest()
    tail = _KEY_TAILS.get(kind) or _key_tail(kind)
    unit = event.unit
    key = digests.text_key(unit, f"{kind}\x1f{unit}\x1f{event.date.isoformat()}{tail(event)}")
    alike = kind in digests.THREAD_KEYS or (kind in digests.SUBJECTS and event.source is not None)
    return event_id, content_json, digest, key, alike, event.id is None


_KEY_TAILS: dict[str, Callable[[Event], str]] = {}


def _key_tail(kind: str) -> Callable[[Event], str]:
    """What a type's key fields add to its key text (``digests.record_key``), as a function made
    once per type: U+001F and each field's text ('' when absent)."""
    fields = digests.KEY_FIELDS.get(kind, ())
    if not fields:
        tail: Callable[[Event], str] = lambda event: ""  # noqa: E731
    elif len(fields) == 1:
        one = attrgetter(fields[0])
        tail = lambda event: "\x1f" + (one(event) or "")  # noqa: E731
    else:
        many = attrgetter(*fields)
        tail = lambda event: "".join(["\x1f" + (v or "") for v in many(event)])  # noqa: E731
    _KEY_TAILS[kind] = tail
    return tail


def prepare(src: SourceLine, roster: frozenset[str] | set[str]) -> Prepared:
    """Validate and encode one line (pure: no store access)."""
    return Prepared._make(prepare_row(src, roster))


def prepare_row(src: SourceLine, roster: frozenset[str] | set[str]) -> PreparedRow:
    """``prepare``, as the plain tuple batches are made of (the import's hot path)."""
    raw = src.data
    event = _read_row(raw, roster) if type(raw) is dict else None
    if event is None:
        event = _validated(src, roster)  # (a template's example row that fails: ``_prepare_each``)
    if event.id == EXAMPLE_ID:
        raise ExampleRow(origin=src.origin, line=src.line)
    if type(raw) is bytes:
        if raw.count(b":") > len(event.model_fields_set):
            _check_unique_keys(src, raw)  # more colons than keys: nested objects, or a key given twice
        for name in NUMBER_FIELDS.get(event.type, ()):
            value = getattr(event, name)
            if value is not None and len(value.as_tuple().digits) > 15:
                _check_exact_number(src, raw, name, value)
    if event.unit not in roster and type(raw) is dict and isinstance(roster, Roster):
        try:
            event = event.model_copy(update={"unit": words.unit_for(event.unit, roster.names)})
        except words.Refused as refused:
            raise InputError(refused.expected, origin=src.origin, line=src.line, field="unit",
                             got=refused.got) from None
    if event.unit not in roster:
        raise InputError(UNIT_EXPECTED, origin=src.origin, line=src.line, field="unit", got=_show(event.unit))
    kind, unit = event.type, event.unit
    if kind in AMENDMENTS or (event.id and event.id.endswith("/decision")):
        event = _check_amendment_ids(event, src)
    # A decision's id is the ledger's own (<appeal>/decision); every other id given is the caller's.
    if event.id is not None and kind != "appeal_decided" and caller_id_problem(event.id):
        raise InputError(CALLER_ID_EXPECTED, origin=src.origin, line=src.line, field="id", got=_show(event.id))
    event_id, content_json, digest, key, alike, derived = identified(event)
    if kind not in AMENDMENTS:
        refs: tuple[str, ...] = (event.of,) if kind == "rectification_failed" and event.of else ()  # type: ignore[attr-defined]
    elif kind == "appeal_filed":
        refs = tuple(event.targets)  # type: ignore[attr-defined]
    elif kind == "appeal_decided":
        refs = (event.appeal,)  # type: ignore[attr-defined]
    else:  # retraction, correction: the target, and the appeal whose decision orders it
        refs = (event.target, event.appeal) if event.appeal else (event.target,)  # type: ignore[attr-defined]
    thread = thread_key(unit, event.thread, getattr(event, event.thread)) if event.thread else None
    return (src.origin, src.line, event_id, kind, unit, unit_stream(unit, event.ledger_year()), thread,
            event.opens_thread, refs, event.actor, content_json, digest, key, alike, derived)


UNIT_EXPECTED = ("a registered unit id (see `ledger units list`; register with "
                 "`ledger units import`)")


def _is_example(raw: Any) -> bool:
    """A row ``ledger template`` wrote as its example (its id is ``EXAMPLE_ID``)."""
    if type(raw) is dict:
        value = raw.get("id")
        return isinstance(value, str) and value.strip() == EXAMPLE_ID
    if type(raw) is bytes and (_EXAMPLE_JSON[0] in raw or _EXAMPLE_JSON[1] in raw):
        try:
            found = json.loads(raw)
        except ValueError:
            return False
        return isinstance(found, dict) and found.get("id") == EXAMPLE_ID
    return False


def _read_row(data: dict[str, Any], roster: Set[str]) -> Event | None:
    """A row (a spreadsheet's, the command line's) read in its words and validated once: the
    event, or None when the careful path must decide (a row that fails, or one the fast
    reading cannot be sure of: ``words.Reading``)."""
    reading = roster.reading if isinstance(roster, Roster) else _PLAIN_READING
    try:
        row = reading.convert(data)
        return validate(row) if row is not None else None
    except (words.Refused, EventValidationError):
        return None


def _validated(src: SourceLine, roster: Set[str]) -> Event:
    """A line validated as written, then (a row) in the words a spreadsheet uses: the careful
    path, whose errors are the ones the import reports."""
    try:
        return validate(src.data)
    except EventValidationError as exc:
        if exc.field in ("recorded_at", "revision"):
            raise InputError("no such key: the ledger assigns recorded_at and revision itself",
                             origin=src.origin, line=src.line, field=exc.field, problem=True) from None
        if isinstance(src.data, InputError):  # a problem of the file's header, reported with the rest
            raise src.data from None
        if type(src.data) is not dict:
            raise InputError(exc.expected, origin=src.origin, line=src.line, field=exc.field,
                             got=_show(exc.got)) from None
        return _in_other_words(src, roster)  # a spreadsheet row: Chinese words, Excel's dates …


class Roster(frozenset[str]):
    """The registered unit ids, with ``names`` (registered name → id, for spreadsheet rows)
    and ``values`` (a mapping file's field → word → value); ``reading`` reads rows in those
    words (``words.Reading``)."""

    names: dict[str, str]
    values: dict[str, dict[str, str]]
    reading: words.Reading

    @classmethod
    def of(cls, units: dict[str, Any], values: dict[str, dict[str, str]] | None = None) -> Roster:
        roster = cls(units)
        roster.names = words.unit_names(units)
        roster.values = values or {}
        roster.reading = words.Reading(roster.names, roster.values)
        return roster


_PLAIN_READING = words.Reading()


def _in_other_words(src: SourceLine, roster: Set[str]) -> Event:
    """A row that failed as written, read again in the words a spreadsheet uses (only then:
    canonical files pay nothing); the error, if any, is the canonical row's."""
    assert isinstance(src.data, dict)
    names = roster.names if isinstance(roster, Roster) else None
    values = roster.values if isinstance(roster, Roster) else None
    try:
        data = words.canonical(src.data, names, values)
        return validate(data)
    except words.Refused as refused:
        raise InputError(refused.expected, origin=src.origin, line=src.line, field=refused.field,
                         got=refused.got) from None
    except EventValidationError as exc:
        if exc.field in ("recorded_at", "revision"):
            raise InputError("no such key: the ledger assigns recorded_at and revision itself",
                             origin=src.origin, line=src.line, field=exc.field, problem=True) from None
        expected = checks.explained(data.get("type"), exc.field, exc.expected, exc.got,
                                    exc.expected == "a value (required field)")
        raise InputError(expected, origin=src.origin, line=src.line, field=exc.field,
                         got=_show(exc.got)) from None


def _earlier_line(origin: str, event_id: str, before: int) -> int | None:
    """The line of ``origin`` that first gave ``event_id``. The writer keeps earlier batches
    only as stored records, whose revisions the failed import rolls back, so an error names
    the line instead (read again: this is the error path)."""
    if not os.path.isfile(origin):
        return None
    needle = event_id.encode()
    for src in read_lines(origin, None, csv_kinds):
        if src.line >= before:
            break
        data = src.data
        if isinstance(data, bytes):
            if needle not in data:
                continue
            try:
                data = json.loads(data)
            except ValueError:
                continue
        if isinstance(data, dict) and data.get("id") == event_id:
            return src.line
    return None


def _check_unique_keys(src: SourceLine, raw: bytes) -> None:
    """A JSON object naming a key twice: JSON readers keep the last value silently, so the
    line is refused instead of losing the other."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                raise InputError(Msg("each key once (this line gives '{key}' twice)", key=key), origin=src.origin,
                                 line=src.line, field=key)
            seen.add(key)
        return dict(items)

    json.loads(raw, object_pairs_hook=pairs)


def _check_exact_number(src: SourceLine, raw: bytes, name: str, value: Decimal) -> None:
    """JSON numbers reach the validator as doubles; past 15 significant digits a double may
    not be the number written, so the line is read again exactly and must agree."""
    written = json.loads(raw, parse_float=Decimal, parse_int=Decimal).get(name)
    if Decimal(written) != value:
        raise InputError(Msg("a number a double holds exactly ({written} would be stored as {value}); at most 15"
                             " significant digits are always safe",
                             written=written, value=value), origin=src.origin, line=src.line, field=name)


def _check_amendment_ids(event: Event, src: SourceLine) -> Event:
    """Ids ending in /decision belong to appeal decisions: ``<appeal>/decision``, so the id
    index lets an appeal be decided only once."""
    if event.type != "appeal_decided":
        if event.id and event.id.endswith("/decision"):
            raise InputError("an id not ending in /decision (reserved for appeal decisions)", origin=src.origin,
                             line=src.line, field="id", got=_show(event.id))
        if event.type == "appeal_filed" and event.id and len(event.id) > 119:
            raise InputError("an appeal id of at most 119 characters (its decision is '<id>/decision')",
                             origin=src.origin, line=src.line, field="id")
        return event
    decision_id = f"{event.appeal}/decision"  # type: ignore[attr-defined]
    if event.id not in (None, decision_id):
        raise InputError(Msg("no id, or the id '{decision_id}' (an appeal is decided once)", decision_id=decision_id),
                         origin=src.origin, line=src.line, field="id", got=_show(event.id))
    return event.model_copy(update={"id": decision_id})


def prepared_batches(lines: Iterable[SourceLine], roster: frozenset[str],
                     problems: Problems | None = None) -> Iterator[list[PreparedRow]]:
    """Lines prepared in this process, in batches. With ``problems``, a line that fails is
    noted there and left out (every problem in one pass); without, the first one raises."""
    if problems is None:
        for chunk in _chunks(lines):
            yield [prepare_row(src, roster) for src in chunk]
        return
    try:
        for chunk in _chunks(lines):
            yield prepare_chunk(chunk, roster, problems)
    except InputError as exc:  # the file itself (unreadable, a quote left open): reading stops here
        problems.add(exc)
        problems.fatal = True


def prepare_chunk(chunk: list[SourceLine], roster: frozenset[str], problems: Problems) -> list[PreparedRow]:
    """A chunk prepared at full speed; one with a bad line again line by line (pure: no store)."""
    try:
        return [prepare_row(src, roster) for src in chunk]
    except InputError:
        return list(_prepare_each(chunk, roster, problems))


def _prepare_each(chunk: list[SourceLine], roster: frozenset[str], problems: Problems) -> Iterator[PreparedRow]:
    for src in chunk:
        try:
            yield prepare_row(src, roster)
        except InputError as exc:
            if not isinstance(exc, ExampleRow) and _is_example(src.data):  # an example whose unit is not ours
                exc = ExampleRow(origin=src.origin, line=src.line)
            problems.failed_line(exc, src.data)
            for other in _other_problems(src, exc, roster):
                problems.add(other)


def _other_problems(src: SourceLine, first: InputError, roster: frozenset[str]) -> list[InputError]:
    """The row's problems besides ``first`` (each field once): every problem of a row in one
    pass. Only rows that failed come here."""
    if isinstance(first, Notice) or not first.field or first.field in ("recorded_at", "revision"):
        return []
    data = src.data
    if type(data) is bytes:
        try:
            data = json.loads(data)
        except ValueError:
            return []
        found = checks.every_problem(data, roster, src.origin, src.line, _show, in_words=False) \
            if isinstance(data, dict) else []
    elif type(data) is dict:
        found = checks.every_problem(data, roster, src.origin, src.line, _show)
    else:
        return []
    return [p for p in found if p.field != first.field]


def _chunks(lines: Iterable[SourceLine], first: int | None = None) -> Iterator[list[SourceLine]]:
    iterator = iter(lines)
    size = first or BATCH
    while chunk := list(islice(iterator, size)):
        yield chunk
        size = BATCH


class Intake:
    """Feeds one write: ``run_prepared(batches)`` resolves and appends, raising ``InputError``
    on the first problem (the caller's transaction then rolls back)."""

    def __init__(self, writer: Writer, roster: Set[str], default_actor: str, *, keep_ids: bool = False,
                 problems: Problems | None = None,
                 vocabulary: Callable[[vocabulary_module.Observed], tuple[list[InputError], list[str]]] | None = None,
                 strict: bool = False, allow_duplicates: bool = False, skip_bad: bool = False,
                 reread: Callable[[], Iterable[SourceLine]] | None = None):
        self.w = writer
        self.allow_duplicates, self.skip_bad = allow_duplicates, skip_bad
        """``allow_duplicates``: record probable duplicates; ``skip_bad`` (with ``problems``): the
        rows without problems are written, the others come back in ``result.refused``."""
        self.reread = reread
        """The input again (to name the first of identical rows whose batch is written already)."""
        self.identical = sameness.IdenticalRows()
        self.hits: dict[int, list[tuple[str, int, bytes]]] = {}  # this batch's keys found in the digest index
        self.local_keys: dict[int, list[PreparedRow]] = {}  # this batch's appended rows by their digest-index key
        self.vocabulary, self.strict = vocabulary, strict
        """The vocabulary check (import only): values no policy names are warnings, errors when strict."""
        self.observed = vocabulary_module.Observed()
        self.problems = problems
        """Where problems go (every problem in one pass; raised at the end); None: the first raises."""
        self.roster = frozenset(roster)
        self.reading_roster: frozenset[str] = roster if isinstance(roster, frozenset) else self.roster
        """With the units' names and the mapping's words (a ``Roster``), to read rows again."""
        self.actor = default_actor
        self.result = IntakeResult(keep_ids=keep_ids)
        self.decisions: dict[str, tuple[str, str, set[str]]] = {}  # appeal -> (outcome, unit, targets), this write
        # This batch's openers and retractions, not yet in the store (earlier batches' are
        # read back from it): kept per batch so memory stays flat on large imports.
        self.opened: dict[str, str] = {}  # thread key -> the record that opened it
        self.retracted: set[str] = set()
        self.pending: list[PendingRow] = []  # this batch's appends so far
        self.stored: dict[str, list[Record]] = {}  # stream -> its stored records, read once a batch

    def run_prepared(self, batches: Iterable[Sequence[PreparedRow]]) -> IntakeResult:
        watched = vocabulary_module.WATCHED if self.vocabulary is not None else {}
        for batch in batches:
            if watched:
                self._observe(batch, watched)
            self._batch(batch)
        if self.vocabulary is not None and self.observed.seen:
            found, notes = self.vocabulary(self.observed)
            self.result.warnings.extend(notes)
            if self.strict and self.problems is not None:
                for problem in found:
                    self.problems.add(problem)
            else:
                self.result.warnings.extend(str(p) for p in found)
        self._identical_problems()
        if self.problems is not None:
            self.result.notices = self.problems.notices
            if self.skip_bad:
                # A problem of the whole file, or more refused rows than are kept whole (``KEPT``:
                # the errors file could not hold them all): nothing is written.
                if self.problems.whole_file or self.problems.left_out:
                    self.problems.raise_all()
                self.result.refused = self.problems.errors()
            else:
                self.problems.raise_all()
        return self.result

    def _identical_problems(self) -> None:
        """Identical rows without ids: a problem on each (the first row too). With
        ``skip_bad`` the first rows were written already: the write starts again without them."""
        groups = self.identical
        if not groups.groups or self.problems is None:
            return
        if self.reread is not None:
            roster = self.reading_roster

            def derived_ids() -> Iterator[tuple[str, int, str]]:
                for src in self.reread():  # type: ignore[misc]
                    try:
                        it = prepare(src, roster)
                    except InputError:
                        continue
                    if it.derived:
                        yield it.origin, it.line, it.event_id

            groups.resolve(derived_ids)
        found: list[tuple[InputError, tuple[str, ...]]] = [(e, (event_id,)) for e, event_id in groups.problems()]
        if self.skip_bad:
            raise HeldBackEarlier(groups.lines(), found)
        for error, refs in found:
            self.problems.add(error, refs)

    def _observe(self, batch: Sequence[PreparedRow], watched: dict[str, tuple[str, str]]) -> None:
        """Note the checked values (an item, report kind, metric, panel, channel) of a batch."""
        for row in batch:
            kind = row[3]
            if kind in watched:
                value = codec.loads(row[10]).get(watched[kind][0])
                if isinstance(value, str):
                    self.observed.add(kind, row[4], int(row[5].rpartition(":")[2]), value, row[0], row[1])

    def _try_item(self, it: Prepared, known: dict[str, IdEntry], local: dict[str, tuple[PreparedRow, str]],
                  thread_streams: dict[str, str], pending: list[PendingRow]) -> None:
        try:
            self._item(it, known, local, thread_streams, pending)
        except InputError as exc:
            if self.problems is None:
                raise
            refs = it.refs + ((it.thread.split("\x1f", 2)[2],) if it.thread else ())
            self.problems.add(exc, refs)

    # ------------------------------------------------------------------------------------
    def _batch(self, items: Sequence[PreparedRow]) -> None:
        # Rows are Prepared or plain tuples in its field order.
        wanted = {row[_ID] for row in items}
        threads = {row[_THREAD] for row in items if row[_THREAD]}
        for row in items:
            if row[_REFS]:
                wanted.update(row[_REFS])
        known = self.w.lookup_ids(wanted)
        thread_streams = self.w.lookup_threads(threads) if threads else {}
        # The digest index, for the rows it can tell something: id-less ones (already present under
        # another id?) and those a likeness rule applies to (probable duplicates?) — where their
        # stream already holds records (an empty stream holds no duplicate: a new year costs nothing).
        hits = self.hits = self._lookup_keys(items, known, thread_streams)
        # A key given by more than one row of the batch: those rows take the full path, which
        # compares each with the earlier ones (``local_keys``); a key given once needs nothing.
        counted = Counter(map(itemgetter(_KEY), items))
        twice = {key for key, n in counted.items() if n > 1} if len(counted) < len(items) else set()
        local: dict[str, tuple[PreparedRow, str]] = {}  # id -> (prepared row, stream) for this batch
        self.local_keys = {}
        pending: list[PendingRow] = []  # Pending fields, as plain tuples
        self.pending, self.stored = pending, {}
        self.opened, self.retracted = {}, set()
        default_actor, opened = self.actor, self.opened
        for row in items:
            # The common case inline (the import's hot loop): a new fact, ticket or item, or a
            # follow-up of a known one. Everything else takes the full path (``_item``).
            _, _, event_id, kind, _, home, thread, opens, refs, actor, content_json, digest, key, alike, derived = row
            if refs or event_id in local or event_id in known or key in twice or (
                    (derived or alike) and key in hits):
                self._try_item(Prepared._make(row), known, local, thread_streams, pending)
                continue
            if thread is None:
                stream = home
            elif opens:
                if thread in thread_streams:  # opened before: only if retracted since
                    self._try_item(Prepared._make(row), known, local, thread_streams, pending)
                    continue
                stream = thread_streams[thread] = home
                opened[thread] = event_id
            else:
                followed = thread_streams.get(thread)
                if followed is None:  # an unknown ticket/item: the full path explains
                    self._try_item(Prepared._make(row), known, local, thread_streams, pending)
                    continue
                stream = followed
            pending.append((event_id, kind, stream, content_json, digest, actor or default_actor,
                            thread if opens else None, key))
            local[event_id] = (row, stream)
        revisions = self.w.append(pending)
        self.result.new += len(pending)
        if self.result.keep_ids:
            self.result.ids.extend(p[0] for p in pending)
            self.result.revisions.extend(revisions)

    def _item(self, it: Prepared, known: dict[str, IdEntry], local: dict[str, tuple[PreparedRow, str]],
              thread_streams: dict[str, str], pending: list[PendingRow]) -> None:
        """One event by the full rules: duplicates, references, appeals, reopened threads."""
        if it.type == "correction":
            it = self._normalise_correction(it, known, local)
            if it.derived and it.event_id not in known:  # its id, derived from the normalised changes
                known.update(self.w.lookup_ids([it.event_id]))
        if it.event_id in local:
            previous = Prepared._make(local[it.event_id][0])
            if previous.digest != it.digest and not (it.derived and digests.canonical_text(
                    previous.content_json) == digests.canonical_text(it.content_json)):
                raise ConflictError(
                    Msg("id '{event_id}' is used twice with different content: line {line} has {content_json}, this"
                        " line has {content_json_2}",
                        event_id=it.event_id, line=previous.line, content_json=previous.content_json,
                        content_json_2=it.content_json), origin=it.origin, line=it.line, field="id")
            if it.derived:
                self._identical_row(it, (previous.origin, previous.line))
                return
            self._present(it, it.event_id)
            return
        entry = known.get(it.event_id)
        if entry is not None:
            self._known(it, entry)
            return
        if it.derived:
            same = self._same_content(it)
            if same is not None:
                self._present(it, same.event_id)
                return
        if it.alike and not self.allow_duplicates:
            self._check_likeness(it)
        stream, opens = self._resolve(it, known, local, thread_streams)
        pending.append(Pending(it.event_id, it.type, stream, it.content_json, it.digest, it.actor or self.actor,
                               opens, it.key))
        local[it.event_id] = (it, stream)
        self.local_keys.setdefault(it.key, []).append(it)
        if opens:
            thread_streams[opens] = stream
            self.opened[opens] = it.event_id
        if it.type == "retraction":
            self.retracted.add(it.refs[0])

    def _known(self, it: Prepared, entry: IdEntry) -> None:
        """A row whose id is stored: already present (same content), the second of identical
        rows without ids (stored earlier in this write), or a conflict naming both versions."""
        if entry.digest == it.digest or (it.derived and digests.canonical_text(digests.stored_content(
                self.w.fetch_state(entry.stream, entry.version))) == digests.canonical_text(it.content_json)):
            # (a derived id: the same content, perhaps in another Unicode form)
            if it.derived and entry.revision >= self.w.first_revision:
                self._identical_row(it, None)
                return
            self._present(it, it.event_id)
            return
        stored = self.w.fetch(entry.stream, entry.version)
        for key in ("actor", "recorded_at", "revision", "hash"):
            stored.pop(key, None)
        if it.type == "appeal_decided" and entry.type == "appeal_decided":
            raise InputError(Msg("an open appeal ({refs} was already decided at revision {revision})",
                                 refs=it.refs[0], revision=entry.revision), origin=it.origin, line=it.line,
                             field="appeal")
        if entry.revision >= self.w.first_revision:  # an earlier batch of this import
            line = _earlier_line(it.origin, it.event_id, it.line)
            where = f"line {line}" if line else "earlier in this import"
            raise ConflictError(
                Msg("id '{event_id}' is used twice with different content: {where} has {stored}, this line"
                    " has {content_json}",
                    event_id=it.event_id, where=where, stored=codec.dumps(stored),
                    content_json=it.content_json), origin=it.origin,
                line=it.line, field="id")
        raise ConflictError(
            Msg("id '{event_id}' is already stored (revision {revision}) with different content: {event_id_2}",
                event_id=it.event_id, revision=entry.revision, event_id_2=_differences(it.event_id, stored,
                                                                                       it.content)),
            origin=it.origin, line=it.line, field="id")

    def _present(self, it: Prepared, stored_id: str) -> None:
        result = self.result
        result.present += 1
        if result.keep_ids:
            result.present_ids.append(stored_id)
        if len(result.present_rows) < sameness.PRESENT_SHOWN and it.line:
            result.present_rows.append((it.origin, it.line, stored_id))

    def _identical_row(self, it: Prepared, first: tuple[str, int] | None) -> None:
        """An id-less row identical to an earlier one of this write (``first``: its place,
        when it is in this batch): both are refused (at the end, with every such row)."""
        if self.problems is None:
            raise InputError("identical to an earlier one and without an id: give each an id, or tell them apart"
                             " (e.g. in the note)", origin=it.origin, line=it.line, problem=True)
        self.identical.add(it.event_id, first, (it.origin, it.line))

    def _lookup_keys(self, items: Sequence[PreparedRow], known: dict[str, IdEntry],
                     thread_streams: dict[str, str]) -> dict[int, list[tuple[str, int, bytes]]]:
        """The stored records under the keys of this batch's rows that need them: id-less rows
        not known by their id, rows a likeness rule applies to (unless duplicates are allowed),
        events about events (their stream is their target's) — unless the stream the row goes
        to holds no record yet (a record equal or alike lives in the same stream)."""
        keys = [row[_KEY] for row in items if row[_REFS]]
        versions = self.w.stream_versions({row[5] for row in items} | set(thread_streams.values()))
        held = {stream for stream, version in versions.items() if version}
        if held:
            alike = not self.allow_duplicates
            keys += [row[_KEY] for row in items
                     if ((row[_ALIKE] and alike) or (row[_DERIVED] and row[_ID] not in known))
                     and (thread_streams.get(row[_THREAD], row[5]) if row[_THREAD] else row[5]) in held]
        return self.w.lookup_digests(keys) if keys else {}

    def _candidates(self, key: int) -> list[sameness.Candidate]:
        """The records under ``key``: stored ones (this write's earlier batches too), then this
        batch's."""
        found = sameness.stored_candidates(self.hits.get(key, ()))
        for row in self.local_keys.get(key, ()):
            mine = Prepared._make(row)
            found.append(sameness.Candidate(mine.event_id, mine.content, mine.content_json, mine.home, None,
                                            mine.line))
        return found

    def _same_content(self, it: Prepared) -> sameness.Candidate | None:
        return sameness.same_content(it.content_json, self._candidates(it.key))

    def _check_likeness(self, it: Prepared) -> None:
        candidates = self._candidates(it.key)
        if not candidates:
            return

        def retracted(candidate: sameness.Candidate) -> bool:
            if candidate.revision is None:
                return candidate.event_id in self.retracted
            if candidate.event_id in self.retracted:
                return True
            return Amendments(self._stored_records(candidate.stream)).retracted_by(candidate.event_id) is not None

        found = sameness.probable_duplicate(it.type, it.content_json, candidates, retracted)
        if found is not None:
            raise sameness.duplicate_error(found, it.content, _differences, origin=it.origin, line=it.line)

    def _target(self, it: Prepared, target: str, fieldname: str, known: dict[str, IdEntry],
                local: dict[str, tuple[PreparedRow, str]]) -> tuple[str, str, str, dict[str, Any] | None]:
        """(stream, type, unit, content if it is in this batch) of a referenced event."""
        if target in local:
            row, stream = local[target]
            item = Prepared._make(row)
            return stream, item.type, item.unit, item.content
        entry = known.get(target)
        if entry is None:
            raise UnknownId("the id of an event already in the ledger (or earlier in this file)",
                             origin=it.origin, line=it.line, field=fieldname, got=_show(target))
        return entry.stream, entry.type, entry.unit or "", None

    def _resolve(self, it: Prepared, known: dict[str, IdEntry], local: dict[str, tuple[PreparedRow, str]],
                 thread_streams: dict[str, str]) -> tuple[str, str | None]:
        """The stream an event belongs to (see docs/store.md), and the thread it opens."""
        where: Where = {"origin": it.origin, "line": it.line}
        kind = it.type
        if kind in ("retraction", "correction", "appeal_decided"):
            return self._resolve_amendment(it, known, local, where), None
        if kind == "appeal_filed":
            return self._resolve_appeal_filed(it, known, local, where), None
        if kind == "rectification_failed":  # `of`: the sanction whose rectification failed
            _, ttype, tunit, _ = self._target(it, it.refs[0], "of", known, local)
            if tunit != it.unit or CATALOG[ttype].family != "sanctions" or ttype == kind:
                raise InputError(Msg("the id of a sanction (warning, criticism, admonition…) of unit '{unit}' (event"
                                     " '{refs}' is a {ttype} of unit '{tunit}')",
                                     unit=it.unit, refs=it.refs[0], ttype=ttype, tunit=tunit), field="of",
                                 got=_show(it.refs[0]), **where)
            return it.home, None
        if it.thread:
            return self._resolve_thread(it, it.thread, thread_streams, where)
        return it.home, None

    def _resolve_amendment(self, it: Prepared, known: dict[str, IdEntry],
                           local: dict[str, tuple[PreparedRow, str]], where: Where) -> str:
        """The stream of a retraction, correction or appeal decision: its target's (the
        appeal's, for a decision), once the target is checked."""
        kind, unit = it.type, it.unit
        fieldname = "appeal" if kind == "appeal_decided" else "target"
        target = it.refs[0]
        stream, ttype, tunit, _ = self._target(it, target, fieldname, known, local)
        if tunit != unit:
            raise InputError(Msg("an event of unit '{unit}' (event '{target}' belongs to '{tunit}')",
                                 unit=unit, target=target, tunit=tunit),
                             field=fieldname, **where)
        if kind == "appeal_decided":
            if ttype != "appeal_filed":
                raise UnknownId("the id of an appeal_filed event", field="appeal", got=_show(target), **where)
            filed = self._content(target, known, local)
            self.decisions[target] = (it.content["outcome"], tunit, set(filed["targets"]))
            return stream
        if ttype in ("appeal_filed", "appeal_decided") or not _amendable(ttype):
            what = "appeals are decided, not retracted" if ttype.startswith("appeal") else \
                f"{ttype} records are the ledger's own"
            raise InputError(Msg("the id of a fact, correction or retraction ({what})", what=what), field="target",
                             got=_show(target), **where)
        appeal = it.refs[1] if len(it.refs) > 1 else None
        if appeal is not None:
            self._check_appeal_order(appeal, target, where)
        if ttype in ("retraction", "correction"):
            amended = self._content(target, known, local)
            if amended.get("appeal") and appeal is None:
                raise InputError(Msg("an order of appeal {appeal} is undone only by another appeal's decision",
                                     appeal=amended['appeal']), field="target", got=_show(target), **where)
            if kind == "retraction" and ttype == "retraction":
                self._check_restore(it, amended, known, local, where)
        if kind == "retraction":
            self._check_in_force(it, target, stream, where)
        return stream

    def _check_appeal_order(self, appeal: str, target: str, where: Where) -> None:
        """A retraction or correction naming ``appeal`` is one of the orders of that appeal's
        decision, written in this same write."""
        decision = self.decisions.get(appeal)
        if decision is None:
            raise InputError(Msg("an order written together with appeal {appeal}'s decision (appeal orders are"
                                 " recorded only by `ledger appeal decide`, in one write)",
                                 appeal=appeal),
                             field="appeal", got=_show(appeal), **where)
        if decision[0] == "rejected":
            raise InputError(Msg("no orders for appeal {appeal}: it was rejected", appeal=appeal), field="appeal",
                             **where)
        if target not in decision[2]:
            raise InputError(Msg("one of appeal {appeal}'s targets ({decision})",
                                 appeal=appeal, decision=', '.join(sorted(decision[2]))),
                             field="target", got=_show(target), **where)

    def _resolve_appeal_filed(self, it: Prepared, known: dict[str, IdEntry],
                              local: dict[str, tuple[PreparedRow, str]], where: Where) -> str:
        """An appeal lives in its first target's stream; its targets are facts of its unit,
        and the publication it names (if any) is a published result."""
        unit = it.unit
        streams = []
        for target in it.refs:
            stream, ttype, tunit, _ = self._target(it, target, "targets", known, local)
            if tunit != unit:
                raise InputError(Msg("events of unit '{unit}' (event '{target}' belongs to '{tunit}')",
                                     unit=unit, target=target, tunit=tunit),
                                 field="targets", **where)
            if ttype in AMENDMENTS or not _amendable(ttype):
                raise InputError(Msg("ids of facts (an appeal targets facts, not {ttype})", ttype=ttype),
                                 field="targets", **where)
            streams.append(stream)
        publication = it.content.get("publication")
        if publication is not None:
            entry = self.w.lookup_ids([publication]).get(publication)
            if entry is None or entry.type != "result_published":
                raise UnknownId("the id of a published result (see `ledger published`)", field="publication",
                                 got=_show(publication), **where)
        return streams[0]

    def _resolve_thread(self, it: Prepared, thread_key: str, thread_streams: dict[str, str],
                        where: Where) -> tuple[str, str | None]:
        """A ticket/item event: an opener starts its thread in its home stream (unless that
        thread is open and in force); a follow-up goes to its thread's stream."""
        _, thread, key = thread_key.split("\x1f", 2)
        if it.opens:
            if thread_key in thread_streams and not self._reopenable(thread_key, thread_streams[thread_key]):
                raise InputError(Msg("a new {thread} id ({thread} {key!r} of unit '{unit}' was already opened and"
                                     " that record is in force)",
                                     thread=thread, key=key, unit=it.unit), field=thread, **where)
            return it.home, thread_key
        stream = thread_streams.get(thread_key)
        if stream is None:
            opener = "hotline_ticket" if thread == "ticket" else "supervised_item_assigned"
            raise InputError(Msg("the {thread} id of a {opener} of unit '{unit}' already in the ledger or earlier in"
                                 " this file",
                                 thread=thread, opener=opener, unit=it.unit), field=thread, got=_show(key), **where)
        return stream, None

    def _content(self, event_id: str, known: dict[str, IdEntry],
                 local: dict[str, tuple[PreparedRow, str]]) -> dict[str, Any]:
        if event_id in local:
            return Prepared._make(local[event_id][0]).content
        entry = known.get(event_id) or self.w.lookup_ids([event_id])[event_id]
        return self.w.fetch(entry.stream, entry.version)

    def _check_restore(self, it: Prepared, retraction: dict[str, Any], known: dict[str, IdEntry],
                       local: dict[str, tuple[PreparedRow, str]], where: Where) -> None:
        """Retracting a retraction restores its target; a ticket/item opened anew since must
        not end up opened twice."""
        fact_id = retraction["target"]
        if fact_id in local or fact_id in known:
            fact = self._content(fact_id, known, local)
        else:
            found = self.w.lookup_ids([fact_id])
            if fact_id not in found:
                return
            fact = self.w.fetch(found[fact_id].stream, found[fact_id].version)
        model = CATALOG.get(fact.get("type", ""))
        thread = model.thread if model is not None and model.opens_thread else None
        if thread is None:
            return
        key = thread_key(fact["unit"], thread, fact[thread])
        stream = self.w.lookup_threads([key]).get(key)
        others = [r for r in (self._openers_in_force(key, stream) if stream else []) if r != fact_id]
        if others:
            raise InputError(Msg("a retraction that leaves one record per {thread}: {fact_id} would count again"
                                 " beside {others}, which opened {thread} {fact!r} anew (retract {others} first)",
                                 thread=thread, fact_id=fact_id, others=others[0], fact=fact[thread]), field="target",
                             **where)

    def _stored_records(self, stream: str) -> list[Record]:
        """A stream's stored records (this batch's own are still pending: they are appended
        when the batch ends, so the stored part stays valid for the whole batch)."""
        if stream not in self.stored:
            self.stored[stream] = self.w.records(stream)
        return self.stored[stream]

    def _check_in_force(self, it: Prepared, target: str, stream: str, where: Where) -> None:
        """Retracting what a retraction in force already took out would record nothing new
        (and a later restore would then need two): refused, naming that retraction."""
        records = self._stored_records(stream) + [
            Record(stream, 0, codec.loads(p[3])) for p in self.pending if p[2] == stream and p[1] == "retraction"]
        earlier = Amendments(records).retracted_by(target)
        if earlier is not None:
            when = f"at revision {earlier.data['revision']}" if "revision" in earlier.data else "earlier in this write"
            raise InputError(Msg("an event that counts ({target} is already retracted by {id} {when}; retract {id} to"
                                 " restore it)",
                                 target=target, id=earlier.id, when=when), field="target", got=_show(target), **where)

    def _reopenable(self, thread: str, stream: str) -> bool:
        """A ticket/item (``thread``, its key) may be opened again once every record that
        opened it is retracted (a wrong ticket is retracted and recorded anew)."""
        opener = self.opened.get(thread)
        if opener is not None and opener not in self.retracted:
            return False
        return not self._openers_in_force(thread, stream)

    def _openers_in_force(self, thread_key: str, stream: str) -> list[str]:
        """Stored records opening ``thread_key`` that count (not retracted, here or before)."""
        unit, thread, key = thread_key.split("\x1f", 2)
        opener_type = "hotline_ticket" if thread == "ticket" else "supervised_item_assigned"
        records = self._stored_records(stream)
        amendments = Amendments(records)
        return [r.id for r in records if r.type == opener_type and r.data.get(thread) == key
                and r.data.get("unit") == unit and r.id not in self.retracted
                and amendments.retracted_by(r.id) is None]

    def _normalise_correction(self, it: Prepared, known: dict[str, IdEntry],
                              local: dict[str, tuple[PreparedRow, str]]) -> Prepared:
        """Check a correction against its target; the correction with its changes normalised
        (so "96" from a CSV cell and 96 from JSON are the same content)."""
        target = it.refs[0]
        stream, ttype, _, tcontent = self._target(it, target, "target", known, local)
        if ttype in AMENDMENTS or CATALOG.get(ttype) is None or not CATALOG[ttype].importable:
            raise InputError(Msg("the id of a fact (corrections cannot target {ttype} events)", ttype=ttype),
                             origin=it.origin, line=it.line, field="target")
        if tcontent is None:
            entry = known[target]
            tcontent = self.w.fetch(entry.stream, entry.version)
        event = it.event()
        corrected = self._check_correction(it, event.changes, tcontent, stream)  # type: ignore[attr-defined]
        normalised = corrected.model_dump(mode="json")
        changes = {k: normalised.get(k) for k in event.changes}  # type: ignore[attr-defined]
        update: dict[str, Any] = {"changes": changes, **({"id": None} if it.derived else {})}
        event_id, content_json, digest, key, alike, _ = identified(event.model_copy(update=update))
        return it._replace(event_id=event_id, content_json=content_json, digest=digest, key=key, alike=alike)

    def _check_correction(self, it: Prepared, changes: dict[str, Any], tcontent: dict[str, Any],
                          stream: str) -> Event:
        where: Where = {"origin": it.origin, "line": it.line}
        thread = CATALOG[tcontent["type"]].thread
        fixed = UNCORRECTABLE | ({thread} if thread else set())
        for name in changes:
            if name in fixed:
                raise InputError(Msg("fields other than {fixed} (retract and record anew instead)",
                                     fixed=', '.join(sorted(fixed))), field=f"changes.{name}", **where)
        merged = {k: v for k, v in tcontent.items() if k not in ("actor", "recorded_at", "revision", "hash")}
        merged.update(changes)
        merged = {k: v for k, v in merged.items() if v is not None}
        try:
            corrected = validate(merged)
        except EventValidationError as exc:
            raise InputError(exc.expected, field=f"changes.{exc.field}", got=_show(exc.got), **where) from None
        follow_up = corrected.thread is not None and not corrected.opens_thread  # lives in its thread's stream
        if not follow_up and unit_stream(corrected.unit, corrected.ledger_year()) != stream:
            raise InputError(Msg("a change that keeps the event in its assessment year ({stream})",
                                 stream=stream.rpartition(':')[2]), field="changes.date", **where)
        return corrected


def _differences(event_id: str, stored: dict[str, Any], given: dict[str, Any]) -> str:
    """The fields that differ (stored → this line; — for none), and the command that changes them."""
    keys = [k for k in dict.fromkeys([*stored, *given]) if stored.get(k) != given.get(k)]
    changes = "; ".join(f"{_field_name(k)}: {_show(stored.get(k)) or '—'} → {_show(given.get(k)) or '—'}"
                        for k in keys)
    fixed = UNCORRECTABLE | ({CATALOG[stored["type"]].thread} if stored.get("type") in CATALOG else set())
    if any(k in fixed or given.get(k) is None for k in keys):
        return Msg("{changes} (to change it: `ledger retract {id} --reason …` and record it anew)", changes=changes,
                   id=event_id)
    sets = " ".join(f"--set {k}={_plain(given[k])}" for k in keys)
    return Msg("{changes} (to change it: `ledger correct {id} {sets} --reason …`)", changes=changes, id=event_id,
               sets=sets)


def _field_name(field: str) -> str:
    """A field as a difference names it: in Chinese by its catalogue name and its key (the
    sentence is made where it is said: the writing process, in the language spoken there)."""
    from ..i18n import is_zh

    zh = names_module.field_zh(field) if is_zh() else None
    return f"{zh} ({field})" if zh else field


def _plain(value: Any) -> str:
    text = value if isinstance(value, str) else codec.dumps(value)
    return text if text and " " not in text else repr(text)


def _amendable(event_type: str) -> bool:
    """Facts, retractions and corrections can be retracted; the ledger's own records
    (roster, policies, publications) cannot."""
    model = CATALOG.get(event_type)
    return model is not None and model.importable


def _show(value: Any) -> str | None:
    if value is None:
        return None
    text = codec.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def without(lines: Iterable[SourceLine], rows: Set[tuple[str, int]]) -> Iterator[SourceLine]:
    """``lines`` less ``rows`` ((origin, line) of rows held back)."""
    if not rows:
        yield from lines
        return
    for src in lines:
        if (src.origin, src.line) not in rows:
            yield src


def single(data: dict[str, Any], origin: str = "command line") -> Iterator[SourceLine]:
    yield SourceLine(origin, 0, data)
