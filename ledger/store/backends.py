"""The two persistence back ends, behind one small seam.

Both use eventsourcing's own recorders (``eventsourcing.sqlite`` / ``eventsourcing.postgres``)
for the event table: streams keyed by text ids, ``originator_version`` per stream, a
notification log in insertion order. The ledger adds five index tables written in the same
transaction (head, ids, threads, streams, commits); see docs/store.md. Everything above this module
is one code path: only SQL placeholders, the write lock, snapshots and the bulk insert differ.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import InputError
from ..i18n import Msg
from .url import StoreUrl

EVENTS_TABLE = "ledger_events"

STORE_FORMAT = "5"
"""The layout of the ledger's tables. 5: the evidence files (``ledger_evidence``: each file's
bytes once, under its SHA-256, ``ledger.store.evidence``); 4: the digest index (``ledger_digests``: each record under
its key, ``ledger.store.digests``); 3: the Merkle tree (``ledger_merkle``, the head's
``tree_root``), each stream's last revision, checkpoints; 2: the id index holds only (stream,
version); 1 (no ``ledger_meta`` table): it also copied revision, digest, type and unit. A store
of another format is refused with a clear message, never half-read; ``ledger migrate``
upgrades formats 2, 3 and 4 (``ledger.store.migrate``)."""

FORMAT2_TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_head ("
    " id INTEGER PRIMARY KEY, revision BIGINT NOT NULL, hash TEXT NOT NULL,"
    " recorded_at TEXT NOT NULL)",
    # event id → where its record is; everything else about it is read from the record.
    "CREATE TABLE IF NOT EXISTS ledger_ids ("
    " event_id TEXT PRIMARY KEY, stream TEXT NOT NULL, version BIGINT NOT NULL){clustered}",
    "CREATE TABLE IF NOT EXISTS ledger_threads ("
    " thread TEXT PRIMARY KEY, stream TEXT NOT NULL){clustered}",
    "CREATE TABLE IF NOT EXISTS ledger_streams ("
    " stream TEXT PRIMARY KEY, unit TEXT, year INTEGER, version BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_commits ("
    " first_revision BIGINT PRIMARY KEY, last_revision BIGINT NOT NULL,"
    " recorded_at TEXT NOT NULL, actor TEXT NOT NULL, nid_offset BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_streams_unit ON ledger_streams (unit, year)",
    # `appeal list` finds the few streams holding appeals without reading the whole log.
    f"CREATE INDEX IF NOT EXISTS ledger_events_appeals ON {EVENTS_TABLE} (originator_id)"
    " WHERE topic IN ('appeal_filed', 'appeal_decided')",
    "CREATE INDEX IF NOT EXISTS ledger_commits_time ON ledger_commits (recorded_at)",
]
"""The tables of format 2, as its ``init`` made them (kept: a new store is made as format 2,
then upgraded by the same steps as ``ledger migrate`` runs, so both layouts are one)."""

FORMAT3_STEP = [
    # The root of the Merkle tree over the whole log (hex), updated with the head.
    "ALTER TABLE ledger_head ADD COLUMN tree_root TEXT",
    # The revision of each stream's last record: with `version` (its record count), the
    # stream's head in the stream-heads tree.
    "ALTER TABLE ledger_streams ADD COLUMN last_revision BIGINT",
    # Every complete subtree of ≥ 16 leaves (merkle.STORED_LEVEL): level L, index i covers leaves [i·2^L, (i+1)·2^L).
    "CREATE TABLE ledger_merkle (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash {blob} NOT NULL,"
    " PRIMARY KEY (level, idx)){clustered}",
    # Checkpoints the ledger recorded itself (one per publication): the JSON as written to files.
    "CREATE TABLE ledger_checkpoints (id TEXT PRIMARY KEY, size BIGINT NOT NULL, body TEXT NOT NULL)",
]
"""Format 2 → 3: the statements; ``ledger.store.migrate`` fills what they add."""

FORMAT4_STEP = [
    # Key (a 64-bit checksum of a record's type, unit, date and the fields that tell such events
    # apart: ledger.store.digests) → the records under it. Not unique: events alike, or equal
    # (caller ids, stores written before format 4), share one.
    # The record is named by its notification id (the event table's own key), which never changes.
    "CREATE TABLE ledger_digests (digest BIGINT NOT NULL, nid BIGINT NOT NULL, PRIMARY KEY (digest, nid)){clustered}",
]
"""Format 3 → 4: the statement; ``ledger.store.migrate`` fills the table from the log."""

POSTGRES_ONLY = "-- PostgreSQL only\n"
"""A statement of a step that only PostgreSQL runs (``Backend.ddl`` leaves it out on SQLite)."""

FORMAT5_STEP = [
    # Evidence files (佐证材料): each file's bytes once, under its SHA-256 (lower-case hex); `size`
    # beside them so counting and summing never reads the bytes. A row per file not withdrawn:
    # the records (evidence_attached / evidence_withdrawn, in the log) say which must be here.
    # An ordinary rowid table: its rows are large (SQLite keeps WITHOUT ROWID for small rows).
    "CREATE TABLE ledger_evidence (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, content {blob} NOT NULL)",
    # PostgreSQL: the bytes out of line, never compressed (PDFs and images are compressed already:
    # trying cost half of an attachment's time, docs/evidence.md).
    POSTGRES_ONLY + "ALTER TABLE ledger_evidence ALTER COLUMN content SET STORAGE EXTERNAL",
    # The evidence records of every stream without a scan of the log (a hash's attachments, verify).
    f"CREATE INDEX ledger_events_evidence ON {EVENTS_TABLE} (originator_id)"
    " WHERE topic IN ('evidence_attached', 'evidence_withdrawn')",
]
"""Format 4 → 5: the statements (a format-4 store holds no evidence: nothing to fill)."""

LEDGER_OWN_TABLES = frozenset({EVENTS_TABLE, "ledger_meta", "ledger_head", "ledger_ids", "ledger_threads",
                               "ledger_streams", "ledger_commits", "ledger_merkle", "ledger_checkpoints",
                               "ledger_digests", "ledger_evidence"})
GENESIS = "0" * 64
LOCK_TIMEOUT = 300
"""Seconds a write waits for another write's lock before giving up with exit 3 (both stores;
``LEDGER_LOCK_TIMEOUT`` overrides)."""


def _on_conflict_update(columns: Sequence[str]) -> str:
    """An upsert's tail: the first column is the key, the others take the new row's values."""
    return f" ON CONFLICT ({columns[0]}) DO UPDATE SET " + ", ".join(f"{col} = excluded.{col}" for col in columns[1:])


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or stayed locked (exit code 3)."""


class LockTimeout(StoreUnavailable):
    """A write waited longer than its lock timeout for another write's lock (exit code 3;
    the workbench answers 503 with ``Retry-After``). Nothing was written."""


class StoreDamaged(StoreUnavailable):
    """A stored record or index does not read as the ledger wrote it (exit code 3)."""


class Backend:
    """What differs between SQLite and PostgreSQL."""

    url: StoreUrl
    recorder: Any
    placeholder = "?"
    clustered = ""  # SQLite: " WITHOUT ROWID" keeps a text-keyed table in one B-tree
    blob = "BYTEA"

    def sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", "%s")

    format_checked = False

    @contextmanager
    def transaction(self, *, commit: bool, begin: Callable[[Any], None] | None = None,
                    check_format: bool = True) -> Iterator[Any]:
        """``begin(cursor)`` runs first (the write lock, an isolation level), before the
        once-per-process format check (``check_format=False``: the migration, which reads the
        format itself)."""
        from eventsourcing.persistence import PersistenceError  # lazy (start-up): loaded with the recorder

        try:
            with self.recorder.datastore.transaction(commit=commit) as cursor:
                if begin is not None:
                    begin(cursor)
                if check_format and not self.format_checked:
                    self._check_format(cursor)
                yield cursor
        except (PersistenceError, sqlite3.DatabaseError) as exc:  # eventsourcing opens connections unwrapped
            kind = LockTimeout if _lock_timed_out(exc) else StoreUnavailable
            raise kind(self._explain(exc)) from exc

    def tables(self, c: Any) -> set[str]:
        """Which of the tables that tell a store's format (ledger_head, ledger_meta) exist."""
        raise NotImplementedError

    def store_format(self, c: Any) -> str:
        """The store's format as ``ledger_meta`` records it ("1" when there is no such table)."""
        tables = self.tables(c)
        if "ledger_head" not in tables:
            raise StoreUnavailable(Msg("store {display} is not initialised: run `ledger init`",
                                       display=self.url.display))
        found = self.query(c, "SELECT value FROM ledger_meta WHERE key = 'format'") if "ledger_meta" in tables else []
        return str(found[0]["value"]) if found else "1"

    def _check_format(self, c: Any) -> None:
        """Once per process: the store was made by ``ledger init`` of this format."""
        version = self.store_format(c)
        if version != STORE_FORMAT:
            from .migrate import MIGRATABLE

            if version in MIGRATABLE:
                way = ("run `ledger migrate` to upgrade it in place (all or nothing; back the store up "
                       "first)")
            elif version.isdigit() and int(version) < int(STORE_FORMAT):
                way = ("`ledger migrate` cannot upgrade this format: record its events into a new store, or "
                       "use the ledger version that made it")
            else:
                way = "use the (newer) ledger version that made it"
            raise StoreUnavailable(
                Msg("store {display} has the ledger's store format {version}; this version of the ledger reads format"
                    " {store_format}: {way}",
                    display=self.url.display, version=version, store_format=STORE_FORMAT, way=way))
        self.format_checked = True

    lock_timeout: float = LOCK_TIMEOUT
    """Seconds a write waits for the lock; read at each write, so a caller may set it on an open
    store (the workbench's writes wait ``serve --write-wait`` seconds, not the CLI's 300)."""

    def _explain(self, exc: Exception) -> str:
        text = str(exc)
        if "no such table" in text or "does not exist" in text:
            return f"store {self.url.display} is not initialised ({text.splitlines()[0]}): run `ledger init`"
        if "not a database" in text or "malformed" in text:
            return (f"store {self.url.display}: {text} (not a ledger store, or the file is damaged: "
                    "restore it from a backup)")
        if _lock_timed_out(exc):
            return (f"store {self.url.display}: another write held the ledger's lock longer than "
                    f"{self.lock_timeout} s (LEDGER_LOCK_TIMEOUT); nothing was written — try again ({text.strip()})")
        return f"store {self.url.display}: {text}"

    def all_tables(self, c: Any) -> set[str]:
        """Every table of the store's file (SQLite) or schema (PostgreSQL)."""
        raise NotImplementedError

    def _check_not_foreign(self) -> None:
        """``init`` makes a store only where there is nothing or a ledger: never beside someone
        else's tables."""
        with self.recorder.datastore.transaction(commit=False) as c:
            tables = self.all_tables(c)
        foreign = sorted(tables - LEDGER_OWN_TABLES)
        if foreign and "ledger_head" not in tables:
            where = "file" if self.url.dialect == "sqlite" else "schema"
            raise StoreUnavailable(
                Msg("store {display}: this {where} holds other tables ({foreign}{value}) and is not a ledger: `init`"
                    " makes a store only in an empty {where} (use another {value_2})",
                    display=self.url.display, where=where, foreign=', '.join(foreign[:5]),
                    value=', …' if len(foreign) > 5 else '',
                    value_2='file' if where == 'file' else 'database or ?schema=NAME'))

    def create(self, layout: str = STORE_FORMAT) -> None:
        """Make the store (``layout="2"`` or ``"3"``: the tables of that format, as the migration
        steps make them — kept for the migration's tests)."""
        from eventsourcing.persistence import PersistenceError

        try:
            self._check_not_foreign()
            self.recorder.create_table()
        except (PersistenceError, sqlite3.DatabaseError) as exc:
            raise StoreUnavailable(self._explain(exc)) from exc
        try:
            with self.recorder.datastore.transaction(commit=True) as c:  # no format check: may be new
                if "ledger_head" not in self.tables(c):
                    for statement in FORMAT2_TABLES:
                        self.ddl(c, statement)
                    c.execute(self.sql("INSERT INTO ledger_head (id, revision, hash, recorded_at) "
                                       "VALUES (1, 0, ?, '') ON CONFLICT (id) DO NOTHING"), (GENESIS,))
                    c.execute(self.sql("INSERT INTO ledger_meta (key, value) VALUES ('format', '2')"
                                       " ON CONFLICT (key) DO NOTHING"))
                    if layout != "2":
                        from .migrate import upgrade_empty

                        upgrade_empty(self, c, layout)
                # An existing store keeps its tables: init never upgrades one in place.
                if layout == STORE_FORMAT:
                    self._check_format(c)
        except (PersistenceError, sqlite3.DatabaseError) as exc:
            raise StoreUnavailable(self._explain(exc)) from exc

    def ddl(self, c: Any, statement: str) -> None:
        if statement.startswith(POSTGRES_ONLY):
            if self.url.dialect == "sqlite":
                return
            statement = statement[len(POSTGRES_ONLY):]
        c.execute(statement.replace("{clustered}", self.clustered).replace("{blob}", self.blob))

    def insert_nodes(self, c: Any, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """Insert (level, index, hash) rows into the Merkle tree's table."""
        self.executemany(c, "INSERT INTO ledger_merkle (level, idx, hash) VALUES (?, ?, ?)", list(rows))

    def tree_nodes(self, c: Any, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of these (level, index) subtrees (those that exist)."""
        keys = sorted(set(wanted))
        found: dict[tuple[int, int], bytes] = {}
        for i in range(0, len(keys), 200):
            chunk = keys[i:i + 200]
            where = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
            params = [v for key in chunk for v in key]
            for r in self.query(c, f"SELECT level, idx, hash FROM ledger_merkle WHERE {where}", params):
                found[(int(r["level"]), int(r["idx"]))] = bytes(r["hash"])
        return found

    def lock(self, c: Any) -> None:
        """Take the ledger's write lock for the rest of the transaction (the transaction's
        first statement: see ``transaction(begin=…)``)."""
        raise NotImplementedError

    def insert(self, c: Any, rows: Sequence[tuple[str, int, str, bytes]]) -> None:
        """Insert (stream, version, topic, state) rows into the recorder's events table, in
        order (notification ids follow the rows)."""
        raise NotImplementedError

    def insert_ids(self, c: Any, rows: Sequence[tuple[str, str, int]]) -> None:
        """Insert (event_id, stream, version) rows into the id index."""
        self.executemany(c, "INSERT INTO ledger_ids (event_id, stream, version) VALUES (?, ?, ?)", list(rows))

    def insert_digests(self, c: Any, rows: Sequence[tuple[int, int]]) -> None:
        """Insert (digest, notification id) rows into the digest index."""
        self.executemany(c, "INSERT INTO ledger_digests (digest, nid) VALUES (?, ?)", list(rows))

    nid_column = "rowid"

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        """One read transaction whose every query sees the same committed state."""
        with self.transaction(commit=False) as c:
            yield c

    def log_page(self, c: Any, after: int, limit: int) -> list[Any]:
        """Rows of the events table in notification order, after notification id ``after``."""
        table = self.recorder.events_table_name
        return self.query(c, f"SELECT {self.nid_column} AS nid, originator_id, originator_version, topic, state "
                             f"FROM {table} WHERE {self.nid_column} > ? ORDER BY {self.nid_column} LIMIT ?",
                          (after, limit))

    def max_notification_id(self, c: Any) -> int:
        """The last notification id, inside the current transaction."""
        raise NotImplementedError

    def executemany(self, c: Any, statement: str, rows: list[tuple]) -> None:
        if rows:
            c.executemany(self.sql(statement), rows)

    def upsert(self, c: Any, table: str, columns: Sequence[str], types: Sequence[str], rows: list[tuple]) -> None:
        """Insert rows keyed by their first column; a key already there takes the row's other
        columns. A key twice among ``rows``: the last row wins. ``types`` (PostgreSQL names)
        serve back ends that send columns as typed arrays."""
        self.executemany(c, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                            + _on_conflict_update(columns), rows)

    in_chunk = 500
    """Keys per ``IN`` query (SQLite allows at most 32,766 parameters a statement)."""

    def in_list(self, statement: str, keys: list[Any]) -> tuple[str, Sequence[Any]]:
        """``statement``'s ``IN ({marks})`` for these keys, and its parameters."""
        return statement.format(marks=",".join("?" * len(keys))), keys

    def query(self, c: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        c.execute(self.sql(statement), tuple(params))
        return c.fetchall()

    def query_binary(self, c: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """``query`` for rows with large byte values (evidence files)."""
        return self.query(c, statement, params)

    def close(self) -> None:
        self.recorder.datastore.close()


class SqliteBackend(Backend):
    clustered = " WITHOUT ROWID"
    blob = "BLOB"

    def __init__(self, url: StoreUrl, *, lock_timeout: int = LOCK_TIMEOUT, create: bool = True):
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        if not create and not os.path.exists(url.database):
            raise StoreUnavailable(Msg("no store at {database}: run `ledger init` there (or check --db)",
                                       database=url.database))
        self.url = url
        self.lock_timeout = lock_timeout
        datastore = SQLiteDatastore(url.database, lock_timeout=lock_timeout,
                                    originator_id_type="text")
        self.recorder = SQLiteApplicationRecorder(datastore, events_table_name=EVENTS_TABLE)

    def tables(self, c: Any) -> set[str]:
        return {r["name"] for r in self.query(c, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                                 " AND name IN ('ledger_head', 'ledger_meta')")}

    def all_tables(self, c: Any) -> set[str]:
        return {r["name"] for r in self.query(c, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                                 " AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")}

    def lock(self, c: Any) -> None:
        # The first statement of the transaction is a write, so SQLite takes its RESERVED
        # lock now (waiting for other writers) and the snapshot we read next is current.
        c.execute(f"PRAGMA busy_timeout = {_millis(self.lock_timeout)}")
        c.execute(f"PRAGMA cache_size = {-1024 * _cache_mib()}")  # negative: KiB, not pages
        c.execute("UPDATE ledger_head SET revision = revision WHERE id = 1")

    def max_notification_id(self, c: Any) -> int:
        return int(self.recorder._max_notification_id(c) or 0)

    def insert(self, c: Any, rows: Sequence[tuple[str, int, str, bytes]]) -> None:
        # The recorder's own INSERT statement, fed plain tuples (building a frozen StoredEvent
        # per row only to unpack it again cost ~10 % of an import); rowid = notification id.
        c.executemany(self.recorder.insert_events_statement, rows)


class PostgresBackend(Backend):
    placeholder = "%s"
    nid_column = "notification_id"

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        with self.transaction(commit=False, begin=lambda c: c.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")) as c:
            yield c

    def __init__(self, url: StoreUrl, *, lock_timeout: int = LOCK_TIMEOUT):
        from eventsourcing.persistence import PersistenceError
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        self.url = url
        self.lock_timeout = lock_timeout
        try:
            datastore = PostgresDatastore(
                url.database, url.host, url.port, url.user, url.password,
                schema=url.schema, originator_id_type="text", pool_size=2, max_overflow=2,
                connect_timeout=10, pool_open_timeout=10, lock_timeout=lock_timeout)
            if url.schema:
                # Every connection resolves the ledger's own (unqualified) tables in the schema
                # eventsourcing qualifies its table with (the pool opens lazily: not yet open).
                kwargs: dict[str, Any] = dict(datastore.pool.kwargs or {})  # type: ignore[arg-type]
                datastore.pool.kwargs = {**kwargs, "options": f"-c search_path={url.schema}"}
            self.recorder = PostgresApplicationRecorder(datastore,
                                                        events_table_name=EVENTS_TABLE)
        except PersistenceError as exc:
            raise StoreUnavailable(Msg("store {display}: {exc}", display=url.display, exc=exc)) from exc

    def create(self, layout: str = STORE_FORMAT) -> None:
        from eventsourcing.persistence import PersistenceError

        if self.url.schema:
            try:
                with self.recorder.datastore.transaction(commit=True) as c:
                    c.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.url.schema}"')  # checked: [a-z_][a-z0-9_]*
            except PersistenceError as exc:
                raise StoreUnavailable(self._explain(exc)) from exc
        super().create(layout)

    def tables(self, c: Any) -> set[str]:
        return {r["table_name"] for r in self.query(
            c, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
               " AND table_name IN ('ledger_head', 'ledger_meta')")}

    def all_tables(self, c: Any) -> set[str]:
        return {r["table_name"] for r in self.query(
            c, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}

    def max_notification_id(self, c: Any) -> int:
        c.execute(self.recorder.max_notification_id_statement)
        row = c.fetchone()
        return int(row["max"] or 0)

    def lock(self, c: Any) -> None:
        # The same EXCLUSIVE table lock eventsourcing takes to keep notification ids in
        # commit order (its LOCK statement, after our own wait); readers are not blocked.
        c.execute(f"SET LOCAL lock_timeout = '{_millis(self.lock_timeout)}ms'")
        c.execute(self.recorder.lock_table_statements[-1])
        c.execute("SELECT revision FROM ledger_head WHERE id = 1 FOR UPDATE")

    def insert(self, c: Any, rows: Sequence[tuple[str, int, str, bytes]]) -> None:
        # Binary COPY into the recorder's table, not its INSERT of an array of composite
        # values (built row by row in Python: ~38 µs an event, COPY ~5). COPY inserts the rows
        # in order, so the notification-id sequence follows them as with the recorder.
        self._copy(c, f"{self.recorder.events_table_name} (originator_id, originator_version, topic, state)",
                   ("text", "int8", "text", "bytea"), rows)

    def insert_ids(self, c: Any, rows: Sequence[tuple[str, str, int]]) -> None:
        self._copy(c, "ledger_ids (event_id, stream, version)", ("text", "text", "int8"), rows)

    def insert_digests(self, c: Any, rows: Sequence[tuple[int, int]]) -> None:
        if rows:
            self._copy(c, "ledger_digests (digest, nid)", ("int8", "int8"), rows)

    def insert_nodes(self, c: Any, rows: Sequence[tuple[int, int, bytes]]) -> None:
        if rows:
            self._copy(c, "ledger_merkle (level, idx, hash)", ("int4", "int8", "bytea"), rows)

    in_chunk = 10_000

    def query(self, c: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        # PostgreSQL text cannot hold NUL: a key asked for with one (an id typed on the command
        # line) is bad input, as on SQLite where it simply matches nothing.
        for param in params:
            if (isinstance(param, str) and "\x00" in param) or (
                    isinstance(param, list) and any(isinstance(p, str) and "\x00" in p for p in param)):
                raise InputError("text without NUL characters", got=repr(param)[:80])
        return super().query(c, statement, params)

    def query_binary(self, c: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        # Binary results: a file's bytes as they are, not as hex text twice their size to decode.
        c.execute(self.sql(statement), tuple(params), binary=True)
        return c.fetchall()

    def in_list(self, statement: str, keys: list[Any]) -> tuple[str, Sequence[Any]]:
        # One array parameter: planned once, whatever the number of keys.
        return statement.replace("IN ({marks})", "= ANY(?)"), (keys,)

    def upsert(self, c: Any, table: str, columns: Sequence[str], types: Sequence[str], rows: list[tuple]) -> None:
        # One statement over typed arrays instead of a round of statements per row.
        rows = list({row[0]: row for row in rows}.values())
        if not rows:
            return
        arrays = [list(column) for column in zip(*rows, strict=True)]  # rows of one table: equal lengths
        c.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest("
                  + ", ".join(f"%s::{t}[]" for t in types) + ")" + _on_conflict_update(columns), arrays)

    @staticmethod
    def _copy(c: Any, target: str, types: Sequence[str], rows: Iterable[tuple]) -> None:
        with c.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)


def _lock_timed_out(exc: Exception) -> bool:
    text = str(exc)
    return "lock timeout" in text or "database is locked" in text


def _cache_mib() -> int:
    """The writer's SQLite page cache in MiB (``LEDGER_SQLITE_CACHE_MB``, default 64). SQLite's
    own 2 MB is outgrown by the id, digest and tree indexes of a year's import: every insert
    then reads its B-tree pages back from the OS. Memory is taken only as pages are used."""
    raw = os.environ.get("LEDGER_SQLITE_CACHE_MB", "64")
    try:
        return max(1, min(int(raw), 4096))
    except ValueError:
        return 64


def _millis(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def lock_timeout() -> int:
    text = os.environ.get("LEDGER_LOCK_TIMEOUT", "")
    if not text:
        return LOCK_TIMEOUT
    if not text.isdigit() or int(text) < 1:
        raise InputError("whole seconds ≥ 1", field="LEDGER_LOCK_TIMEOUT", got=repr(text))
    return int(text)


def open_backend(url: StoreUrl, *, create: bool = True) -> Backend:
    """``create=False``: a SQLite file that does not exist is an error, not a new empty store
    (a mistyped --db must not quietly start a second ledger)."""
    if url.dialect == "sqlite":
        return SqliteBackend(url, create=create, lock_timeout=lock_timeout())
    return PostgresBackend(url, lock_timeout=lock_timeout())
