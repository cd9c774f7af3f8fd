"""The event store: unit-year streams in eventsourcing's recorder, plus the ledger's
global revision, hash chain and id index, all written in one transaction per write.

Stream ids: ``unit:<unit>:<year>`` for a unit's events of one assessment year, and
``ledger:units`` / ``ledger:policies`` / ``ledger:publications`` for the ledger's own records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import CheckFailed
from ..events import codec
from ..i18n import Msg
from . import digests, merkle
from .backends import EVENTS_TABLE, GENESIS, Backend, StoreDamaged


def unit_stream(unit: str, year: int) -> str:
    return f"unit:{unit}:{year}"


def stream_year(stream: str) -> int | None:
    head, _, tail = stream.rpartition(":")
    return int(tail) if head.startswith("unit:") and tail.isdigit() else None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def format_ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class IdEntry:
    event_id: str
    revision: int
    stream: str
    version: int
    digest: str
    type: str
    unit: str | None


@dataclass(frozen=True, slots=True)
class Record:
    """A stored event, decoded: ``data`` is its full stored JSON."""

    stream: str
    version: int
    data: dict[str, Any]

    @property
    def revision(self) -> int:
        return self.data["revision"]

    @property
    def type(self) -> str:
        return self.data["type"]

    @property
    def id(self) -> str:
        return self.data["id"]


class Pending(NamedTuple):
    """An event ready to append: validated, encoded, its stream resolved (the import passes
    plain tuples in this order: ``PendingRow``)."""

    event_id: str
    type: str
    stream: str
    content_json: str
    digest: str
    actor: str
    opens: str | None = None  # thread key this event opens
    key: int | None = None
    """Its digest-index key (``digests.record_key``) when the caller has it; else worked out here."""


PendingRow = tuple[str, str, str, str, str, str, str | None, int | None]
"""A ``Pending`` as a plain tuple (its fields in order)."""


class Writer:
    """One atomic write holding the ledger lock: what is appended becomes visible at commit,
    all of it or none."""

    def __init__(self, backend: Backend, cursor: Any, actor: str, clock: Callable[[], dt.datetime],
                 tree: bool = True):
        self.backend = backend
        self.c = cursor
        self.actor = actor  # the lock is already held: EventStore.write takes it first
        row = backend.query(cursor, "SELECT revision, hash, recorded_at, tree_root FROM ledger_head WHERE id = 1")[0]
        _check_head(backend, cursor, int(row["revision"]), row["hash"])
        # The Merkle tree's right edge, from the stored nodes (and the last few records' leaves):
        # appending costs O(log n). ``tree=False`` only for the benchmark's comparison.
        self.frontier = _load_frontier(backend, cursor, int(row["revision"]), row["tree_root"]) if tree else None
        self._last_revisions: dict[str, int] = {}
        self.checkpoint: tuple[str, Callable[[merkle.TreeHead], str]] | None = None
        self.first_revision = int(row["revision"]) + 1
        self.revision = int(row["revision"])
        self.hash = row["hash"]
        now = format_ts(clock())
        # The ledger's clock never runs backwards, even if the machine's does.
        self.recorded_at = max(now, row["recorded_at"] or now)
        self._versions: dict[str, int] = {}
        self._touched: set[str] = set()
        self._actors: set[str] = set()  # the actors of the records appended
        self._first_actor: str | None = None
        self.appended = 0

    def record_checkpoint(self, name: str, make: Callable[[merkle.TreeHead], str]) -> None:
        """At commit, store ``make(tree head after this write)`` (a checkpoint's JSON) under
        ``name`` in ``ledger_checkpoints``, in the same transaction."""
        self.checkpoint = (name, make)

    # --- lookups inside the lock -------------------------------------------------------
    def lookup_ids(self, ids: Iterable[str]) -> dict[str, IdEntry]:
        return lookup_ids(self.backend, self.c, ids)

    def lookup_threads(self, keys: Iterable[str]) -> dict[str, str]:
        return threads_of(self.backend, self.c, keys)

    def lookup_digests(self, keys: Iterable[int]) -> dict[int, list[tuple[str, int, bytes]]]:
        """Digest-index key → the records filed under it (stream, version, stored state), this
        write's earlier batches included."""
        return digests.lookup(self.backend, self.c, keys)

    def fetch(self, stream: str, version: int) -> dict[str, Any]:
        return decode_record(self.fetch_state(stream, version), stream, version)

    def fetch_state(self, stream: str, version: int) -> bytes:
        """A record's stored bytes."""
        rows = self.backend.query(
            self.c, f"SELECT state FROM {self.backend.recorder.events_table_name} "
                    "WHERE originator_id = ? AND originator_version = ?", (stream, version))
        return bytes(rows[0]["state"])

    def records(self, stream: str) -> list[Record]:
        return stream_records(self.backend, self.c, stream)

    def _stream_versions(self, streams: set[str]) -> None:
        missing = [s for s in streams if s not in self._versions]
        self._versions.update(versions_of(self.backend, self.c, missing))

    def stream_versions(self, streams: set[str]) -> dict[str, int]:
        """Each stream's version now (this write's appends counted); 0 for a stream with no record."""
        self._stream_versions(streams)
        return {s: self._versions[s] for s in streams}

    # --- append -------------------------------------------------------------------------
    def append(self, pending: Sequence[PendingRow]) -> list[int]:
        if not pending:
            return []
        streams = {p[2] for p in pending}
        self._stream_versions(streams)
        self._touched |= streams
        versions = self._versions
        actors: dict[str, str] = {}
        rows, id_rows, thread_rows, keys = [], [], [], []
        last_revisions = self._last_revisions
        revision = self.revision
        for event_id, kind, stream, content_json, _, actor, opens, key in pending:
            revision += 1
            last_revisions[stream] = revision
            if actor not in actors:
                self._actors.add(actor)
                self._first_actor = self._first_actor or actor
            version = versions[stream] + 1
            versions[stream] = version
            rows.append((stream, version, kind, content_json,
                         actors.get(actor) or actors.setdefault(actor, codec.actor_json(actor))))
            id_rows.append((event_id, stream, version))
            keys.append(digests.record_key(kind, codec.loads(content_json).get) if key is None else key)
            if opens:
                thread_rows.append((opens, stream))
        first = self.revision + 1
        stored, previous = codec.seal_chain(rows, self.hash, self.recorded_at, self.revision)
        revision = self.revision + len(rows)
        b, c = self.backend, self.c
        b.insert(c, stored)
        if self.frontier is not None:
            made: list[tuple[int, int, bytes]] = []
            self.frontier.append_records(stored, made)
            b.insert_nodes(c, made)
        b.insert_ids(c, id_rows)
        # The rows' notification ids run in step with their revisions (the lock keeps other
        # inserts out): the last one, then back.
        # Sorted: on a store whose index outgrows SQLite's page cache, keys in order cost a third less.
        last = b.max_notification_id(c)
        b.insert_digests(c, sorted(zip(keys, range(last - len(keys) + 1, last + 1), strict=True)))
        b.upsert(c, "ledger_threads", ("thread", "stream"), ("text", "text"), thread_rows)
        self.hash, self.revision = previous, revision
        self.appended += len(pending)
        return list(range(first, revision + 1))

    def _finish(self) -> None:
        if self.appended:
            b, c = self.backend, self.c
            # The stream index once per write, not per batch: a batch touches most streams.
            stream_rows = []
            for s in sorted(self._touched):
                year = stream_year(s)
                unit = s[5:].rpartition(":")[0] if year is not None else None
                stream_rows.append((s, unit, year, self._versions[s], self._last_revisions[s]))
            b.upsert(c, "ledger_streams", ("stream", "unit", "year", "version", "last_revision"),
                     ("text", "text", "int4", "int8", "int8"), stream_rows)
            c.execute(b.sql("UPDATE ledger_head SET revision = ?, hash = ?, recorded_at = ?, tree_root = ?"
                            " WHERE id = 1"),
                      (self.revision, self.hash, self.recorded_at,
                       self.frontier.root().hex() if self.frontier is not None else None))
            # Within one write the notification ids run in step with the revisions (the lock
            # keeps other inserts out); on PostgreSQL a rolled-back write leaves a gap in the
            # sequence, so record the offset to find revision K's row directly (hash_at).
            offset = b.max_notification_id(c) - self.revision
            # The commit's actor is one of its records' actors (hashed there, so `verify` checks
            # it): the writing actor, or the first record's when every line named its own.
            actor = self.actor if self.actor in self._actors else self._first_actor
            c.execute(b.sql("INSERT INTO ledger_commits (first_revision, last_revision, recorded_at, actor,"
                            " nid_offset) VALUES (?, ?, ?, ?, ?)"),
                      (self.first_revision, self.revision, self.recorded_at, actor, offset))


def _check_head(backend: Backend, c: Any, revision: int, digest: str) -> None:
    """A write extends the chain from the head: the head must be the last record (its revision
    and hash), else the store was cut, altered or damaged and nothing is written (exit 3)."""
    rows = backend.query(c, f"SELECT state FROM {backend.recorder.events_table_name} "
                            f"ORDER BY {backend.nid_column} DESC LIMIT 1")
    if not rows:
        last: tuple[int, str] | None = (0, GENESIS)
    else:
        try:
            body, last_hash = codec.split_state(bytes(rows[0]["state"]))
            last = (int(codec.loads(body + "}")["revision"]), last_hash)
        except (ValueError, KeyError, TypeError):
            last = None
    if last != (revision, digest):
        found = f"revision {last[0]} (hash {last[1][:12]}…)" if last else "not a sealed ledger record"
        raise StoreDamaged(f"the head says revision {revision} (hash {digest[:12]}…) but the last record is "
                           f"{found}: the store was cut, altered or damaged; nothing was written — run "
                           "`ledger verify` and restore the store from a backup")


def _load_frontier(backend: Backend, c: Any, size: int, root: str | None) -> merkle.Frontier:
    """The tree's right edge at ``size`` leaves: its stored complete subtrees, then the leaves
    of the last ``size mod 16`` records. It must give the head's root, else the tree table was
    altered and nothing is written (exit 3)."""
    rest = size % (1 << merkle.STORED_LEVEL)
    wanted = merkle.frontier_nodes(size - rest)
    stored = backend.tree_nodes(c, wanted)
    frontier = merkle.Frontier(size - rest, [stored[key] for key in wanted if key in stored])
    complete = len(frontier.stack) == len(wanted)
    if complete:
        for leaf in leaves_of(backend, c, size - rest + 1, size):
            frontier.append(leaf, None)
    if not complete or frontier.root().hex() != root:
        raise StoreDamaged(f"the Merkle tree's stored right edge does not give the head's root "
                           f"({(root or 'none')[:12]}…): the tree table or the head was altered; nothing was "
                           "written — run `ledger verify` and restore the store from a backup")
    return frontier


class EventStore:
    tree = True
    """Maintain the Merkle tree on every write (off only in the benchmark that measures its cost:
    a store written without it fails `verify` and refuses later writes)."""

    def __init__(self, backend: Backend, clock: Callable[[], dt.datetime] = utc_now):
        self.backend = backend
        self.clock = clock

    def create(self) -> None:
        self.backend.create()

    @contextmanager
    def write(self, actor: str, *, dry_run: bool = False) -> Iterator[Writer]:
        with self.backend.transaction(commit=not dry_run, begin=self.backend.lock) as c:
            writer = Writer(self.backend, c, actor, self.clock, self.tree)
            yield writer
            writer._finish()
            if writer.checkpoint is not None:
                name, make = writer.checkpoint
                body = make(tree_head(self.backend, c))
                c.execute(self.backend.sql("INSERT INTO ledger_checkpoints (id, size, body) VALUES (?, ?, ?)"),
                          (name, writer.revision, body))

    # --- reads (no lock; see a committed snapshot) -----------------------------------------
    def head(self) -> tuple[int, str]:
        with self.backend.transaction(commit=False) as c:
            row = self.backend.query(c, "SELECT revision, hash FROM ledger_head WHERE id = 1")[0]
        return int(row["revision"]), row["hash"]

    def lookup_ids(self, ids: Iterable[str]) -> dict[str, IdEntry]:
        with self.backend.transaction(commit=False) as c:
            return lookup_ids(self.backend, c, ids)

    def tree_head(self) -> merkle.TreeHead:
        """The log's current Merkle root, stream-heads root, chain hash (one snapshot)."""
        with self.backend.snapshot() as c:
            return tree_head(self.backend, c)

    def recorded_checkpoints(self) -> list[tuple[str, int, str]]:
        """Checkpoints the ledger recorded (one per publication): (id, size, JSON body)."""
        with self.backend.transaction(commit=False) as c:
            return [(r["id"], int(r["size"]), r["body"]) for r in self.backend.query(
                c, "SELECT id, size, body FROM ledger_checkpoints ORDER BY size, id")]

    def hash_at(self, revision: int) -> str:
        """The chain hash after ``revision``: what a result computed as known at that
        revision is pinned to. Its row is at notification id = revision + the offset its
        commit recorded."""
        if revision <= 0:
            return GENESIS
        with self.backend.transaction(commit=False) as c:
            rows = self.backend.query(c, "SELECT nid_offset FROM ledger_commits WHERE first_revision <= ? "
                                         "AND last_revision >= ?", (revision, revision))
        offset = int(rows[0]["nid_offset"]) if rows else 0
        for row in self.scan(start=revision + offset, page=64):
            try:
                body, digest = codec.split_state(row.state)
                found = int(codec.loads(body + "}")["revision"])
            except (ValueError, KeyError, TypeError) as exc:
                raise unreadable(bytes(row.state), row.originator_id, row.originator_version, exc) from None
            if found == revision:
                return digest
            if found > revision:
                break
        raise StoreDamaged(f"revision {revision} is not in the ledger, yet its commit says it is (records removed: "
                           "run `ledger verify`)")

    def read_stream(self, stream: str, *, upto: int | None = None, topics: Iterable[str] | None = None,
                    after_version: int = 0, to_version: int | None = None) -> list[Record]:
        """The stream's records up to revision ``upto`` (revisions grow with versions);
        with ``topics``, only records of those event types; with ``after_version``, only
        records appended after that stream version (incremental reads)."""
        with self.backend.transaction(commit=False) as c:
            return stream_records(self.backend, c, stream, upto=upto, topics=topics,
                                  after_version=after_version, to_version=to_version)

    def stream_versions(self, streams: Iterable[str]) -> dict[str, int]:
        """The current version (number of records) of each stream; 0 for unknown ones."""
        with self.backend.transaction(commit=False) as c:
            return versions_of(self.backend, c, streams)

    def stream_states(self, streams: Iterable[str], topics: frozenset[str] | None = None,
                      to_version: dict[str, int] | None = None) -> dict[str, StoredStates]:
        """Several streams' stored records (of ``topics`` only, and up to each stream's
        ``to_version``), undecoded, from one read transaction (measured on a cold score table:
        opening one per stream cost a sixth of its reading time; one ``IN`` query for all the
        streams was no faster than a query per stream)."""
        backend = self.backend
        statement = (f"SELECT originator_version, state FROM {backend.recorder.events_table_name} "
                     "WHERE originator_id = ?")
        wanted: list[str] = []
        if topics is not None:
            wanted = sorted(topics)
            statement += f" AND topic IN ({','.join('?' * len(wanted))})"
        capped = statement + " AND originator_version <= ? ORDER BY originator_version"
        statement += " ORDER BY originator_version"
        out = {}
        with backend.transaction(commit=False) as c:
            for stream in streams:
                if to_version is None:
                    rows = backend.query(c, statement, [stream, *wanted])
                else:
                    rows = backend.query(c, capped, [stream, *wanted, to_version[stream]])
                out[stream] = [(int(r["originator_version"]), bytes(r["state"])) for r in rows]
        return out

    def stream_heads(self, streams: Iterable[str]) -> dict[str, tuple[int, int | None]]:
        """(version, last revision) of each stream among ``streams`` the ledger has written
        (one indexed read for them all); a stream not written yet is absent."""
        with self.backend.transaction(commit=False) as c:
            rows = select_in(self.backend, c, "SELECT stream, version, last_revision FROM ledger_streams "
                                              "WHERE stream IN ({marks})", streams)
        return {r["stream"]: (int(r["version"]), None if r["last_revision"] is None else int(r["last_revision"]))
                for r in rows}

    def states_of_topics(self, topics: Sequence[str]) -> list[bytes]:
        """The stored state of every record of these event types, in no particular order (a
        read across all streams, e.g. the items falling due)."""
        with self.backend.transaction(commit=False) as c:
            rows = self.backend.query(c, f"SELECT state FROM {self.backend.recorder.events_table_name} "
                                         f"WHERE topic IN ({','.join('?' * len(topics))})", list(topics))
        return [bytes(r["state"]) for r in rows]

    def streams_of(self, unit: str) -> list[tuple[str, int]]:
        with self.backend.transaction(commit=False) as c:
            rows = self.backend.query(c, "SELECT stream, year FROM ledger_streams WHERE unit = ? ORDER BY year",
                                      (unit,))
        return [(r["stream"], int(r["year"])) for r in rows]

    def revision_at(self, moment: dt.datetime) -> int:
        """The last revision the ledger had recorded at ``moment`` (knowledge time)."""
        with self.backend.transaction(commit=False) as c:
            rows = self.backend.query(c, "SELECT MAX(last_revision) AS r FROM ledger_commits WHERE recorded_at <= ?",
                                      (format_ts(moment),))
        return int(rows[0]["r"] or 0)

    def scan(self, start: int = 1, page: int = 5000) -> Iterator[Any]:
        """Every stored row in notification (insertion) order, via eventsourcing's log."""
        recorder = self.backend.recorder
        position: int | None = start
        while True:
            batch = recorder.select_notifications(position, page)
            if not batch:
                return
            yield from batch
            position = batch[-1].id + 1

    def streams_with_appeals(self) -> list[str]:
        """Streams that hold an appeal filed or decided (partial index ledger_events_appeals)."""
        with self.backend.transaction(commit=False) as c:
            rows = self.backend.query(
                c, f"SELECT DISTINCT originator_id AS stream FROM {EVENTS_TABLE}"
                   " WHERE topic IN ('appeal_filed', 'appeal_decided')")
        return sorted(r["stream"] for r in rows)

    def commits(self) -> list[dict[str, Any]]:
        with self.backend.transaction(commit=False) as c:
            return [dict(r) for r in self.backend.query(
                c, "SELECT first_revision, last_revision, recorded_at, actor, nid_offset FROM ledger_commits"
                   " ORDER BY first_revision")]

    def close(self) -> None:
        self.backend.close()


def tree_head(backend: Backend, c: Any) -> merkle.TreeHead:
    """The log's current tree head (inside a transaction: the head row and the stream index)."""
    head = backend.query(c, "SELECT revision, hash, recorded_at, tree_root FROM ledger_head WHERE id = 1")[0]
    heads = heads_of(backend, c)
    return merkle.TreeHead(int(head["revision"]), head["tree_root"], merkle.heads_root(heads).hex(), head["hash"],
                           head["recorded_at"], len(heads))


def heads_of(backend: Backend, c: Any) -> list[tuple[str, int, int]]:
    return [(r["stream"], int(r["version"]), int(r["last_revision"]))
            for r in backend.query(c, "SELECT stream, version, last_revision FROM ledger_streams")]


def leaves_of(backend: Backend, c: Any, first: int, last: int) -> list[bytes]:
    """The Merkle leaf hashes of revisions ``first``…``last`` (a few), read from their rows
    (notification id = revision + its commit's offset); StoreDamaged if one is not there."""
    if last < first:
        return []
    commits = backend.query(c, "SELECT first_revision, last_revision, nid_offset FROM ledger_commits "
                               "WHERE last_revision >= ? AND first_revision <= ?", (first, last))
    nids = {}
    for revision in range(first, last + 1):
        offset = next((int(r["nid_offset"]) for r in commits
                       if int(r["first_revision"]) <= revision <= int(r["last_revision"])), 0)
        nids[revision] = revision + offset
    rows = {int(r["nid"]): r for r in select_in(
        backend, c, f"SELECT {backend.nid_column} AS nid, originator_id, originator_version, topic, state FROM "
                    f"{backend.recorder.events_table_name} WHERE {backend.nid_column} IN ({{marks}})",
        nids.values())}
    leaves = []
    for revision, nid in nids.items():
        row = rows.get(nid)
        state = bytes(row["state"]) if row is not None else b""
        if row is None or f',"revision":{revision},"hash":"'.encode() not in state[-200:]:
            raise StoreDamaged(f"revision {revision}'s record is not where the commit index puts it: run "
                               "`ledger verify`")
        leaves.append(merkle.record_leaf(str(row["originator_id"]), int(row["originator_version"]), row["topic"],
                                         state))
    return leaves


StoredStates = list[tuple[int, bytes]]
"""A stream's stored records as read: (version, stored state), in version order."""


def select_in(backend: Backend, c: Any, statement: str, keys: Iterable[Any]) -> list[Any]:
    """Rows of ``statement`` (with one ``IN ({marks})``) for all ``keys``, asked in chunks
    that stay under the databases' parameter limits."""
    rows: list[Any] = []
    wanted = list(dict.fromkeys(keys))
    size = backend.in_chunk
    for i in range(0, len(wanted), size):
        rows.extend(backend.query(c, *backend.in_list(statement, wanted[i:i + size])))
    return rows


def stream_records(backend: Backend, c: Any, stream: str, *, upto: int | None = None,
                   topics: Iterable[str] | None = None, after_version: int = 0,
                   to_version: int | None = None) -> list[Record]:
    """A stream's records, decoded, in version order (see ``EventStore.read_stream``)."""
    statement = f"SELECT originator_version, state FROM {backend.recorder.events_table_name} WHERE originator_id = ?"
    params: list[Any] = [stream]
    if after_version:
        statement += " AND originator_version > ?"
        params.append(after_version)
    if to_version is not None:
        statement += " AND originator_version <= ?"
        params.append(to_version)
    if topics is not None:
        wanted = sorted(set(topics))
        statement += f" AND topic IN ({','.join('?' * len(wanted))})"
        params += wanted
    records = []
    loads = codec.loads
    for row in backend.query(c, statement + " ORDER BY originator_version", params):
        state = bytes(row["state"])
        try:
            data = loads(state)
        except ValueError as exc:  # not UTF-8, not JSON: not as the ledger sealed it
            raise unreadable(state, stream, int(row["originator_version"]), exc) from None
        if upto is not None and data["revision"] > upto:
            break
        records.append(Record(stream, int(row["originator_version"]), data))
    return records


class RecordUnreadable(CheckFailed):
    """A stored record whose bytes are not the UTF-8 JSON the ledger sealed (altered or
    damaged on disk): exit 1 naming its revision, as ``ledger verify`` does — never a traceback."""


_REVISION_KEY = b'"revision":'


def unreadable(state: bytes, stream: str | None, version: int | None, exc: Exception) -> RecordUnreadable:
    """The error for ``state``: its revision read from the sealed keys at its end when they
    survived, else its stream and version."""
    at = state.rfind(_REVISION_KEY)
    digits = state[at + len(_REVISION_KEY):at + len(_REVISION_KEY) + 20] if at >= 0 else b""
    number = digits[:len(digits) - len(digits.lstrip(b"0123456789"))]
    reason = f"{type(exc).__name__}: {str(exc)[:120]}"
    if number:
        return RecordUnreadable(Msg("the record at revision {revision} (stream {stream}, version {version}) is not "
                                    "a sealed ledger record: its bytes do not read as UTF-8 JSON ({reason}); run "
                                    "`ledger verify` and restore the store from a backup", revision=int(number),
                                    stream=stream or "?", version=version or "?", reason=reason))
    return RecordUnreadable(Msg("the record of stream {stream}, version {version} is not a sealed ledger record: its "
                                "bytes do not read as UTF-8 JSON ({reason}); run `ledger verify` and restore the "
                                "store from a backup", stream=stream or "?", version=version or "?", reason=reason))


def decode_record(state: bytes, stream: str | None = None, version: int | None = None) -> dict[str, Any]:
    """A stored record decoded; bytes that are not UTF-8 JSON raise ``RecordUnreadable``."""
    try:
        return codec.loads(state)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise unreadable(state, stream, version, exc) from None


def lookup_ids(backend: Backend, c: Any, ids: Iterable[str]) -> dict[str, IdEntry]:
    """Where each known id is stored, and what its record says (revision, content digest,
    type, unit): the index holds only the location, the record holds the rest."""
    rows = select_in(backend, c, "SELECT i.event_id, i.stream, i.version, e.topic, e.state FROM ledger_ids i"
                                 f" JOIN {backend.recorder.events_table_name} e ON e.originator_id = i.stream"
                                 " AND e.originator_version = i.version WHERE i.event_id IN ({marks})", ids)
    found = {}
    for r in rows:
        state = bytes(r["state"])
        data = decode_record(state, r["stream"], int(r["version"]))
        found[r["event_id"]] = IdEntry(r["event_id"], int(data["revision"]), r["stream"], int(r["version"]),
                                       codec.content_digest(state), r["topic"], data.get("unit"))
    return found


def locate_ids(backend: Backend, c: Any, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Event id → (stream, version), straight from the index."""
    rows = select_in(backend, c, "SELECT event_id, stream, version FROM ledger_ids WHERE event_id IN ({marks})", ids)
    return {r["event_id"]: (r["stream"], int(r["version"])) for r in rows}


def threads_of(backend: Backend, c: Any, keys: Iterable[str]) -> dict[str, str]:
    """Ticket/item thread key → the stream its opening record lives in."""
    rows = select_in(backend, c, "SELECT thread, stream FROM ledger_threads WHERE thread IN ({marks})", keys)
    return {r["thread"]: r["stream"] for r in rows}


def versions_of(backend: Backend, c: Any, streams: Iterable[str]) -> dict[str, int]:
    """Each stream's current version; 0 for streams not written yet."""
    wanted = list(dict.fromkeys(streams))
    found = dict.fromkeys(wanted, 0)
    for r in select_in(backend, c, "SELECT stream, version FROM ledger_streams WHERE stream IN ({marks})", wanted):
        found[r["stream"]] = int(r["version"])
    return found


__all__ = ["EventStore", "Writer", "Pending", "PendingRow", "Record", "IdEntry", "unit_stream", "GENESIS"]
