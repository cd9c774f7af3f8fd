"""The two persistence back ends, behind one small seam.

Both use eventsourcing's own recorders (``eventsourcing.sqlite`` / ``eventsourcing.postgres``)
for the event table: streams keyed by text ids, ``originator_version`` per stream, a
notification log in insertion order. The ledger adds five index tables written in the same
transaction (head, ids, threads, streams, commits); see docs/store.md. Everything above this module
is one code path: only SQL placeholders, the write lock, snapshots and the bulk insert differ.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from eventsourcing.persistence import PersistenceError, StoredEvent

from .url import StoreUrl

EVENTS_TABLE = "ledger_events"

LEDGER_TABLES = [
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
    "CREATE INDEX IF NOT EXISTS ledger_commits_time ON ledger_commits (recorded_at)",
]
GENESIS = "0" * 64


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or stayed locked (exit code 3)."""


class Backend:
    """What differs between SQLite and PostgreSQL."""

    url: StoreUrl
    recorder: Any
    placeholder = "?"
    clustered = ""  # SQLite: " WITHOUT ROWID" keeps a text-keyed table in one B-tree

    def sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", "%s")

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        try:
            with self.recorder.datastore.transaction(commit=commit) as cursor:
                yield cursor
        except PersistenceError as exc:
            raise StoreUnavailable(self._explain(exc)) from exc

    def _explain(self, exc: Exception) -> str:
        text = str(exc)
        if "no such column" in text or ("column" in text and "does not exist" in text):
            return (f"store {self.url.display} was made by an older ledger version ({text.splitlines()[0]}): "
                    "import its events into a new store")
        if "no such table" in text or "does not exist" in text:
            return f"store {self.url.display} is not initialised ({text.splitlines()[0]}): run `ledger init`"
        return f"store {self.url.display}: {text}"

    def create(self) -> None:
        try:
            self.recorder.create_table()
        except PersistenceError as exc:
            raise StoreUnavailable(f"store {self.url.display}: {exc}") from exc
        with self.transaction(commit=True) as c:
            for statement in LEDGER_TABLES:
                c.execute(statement.replace("{clustered}", self.clustered))
            c.execute(self.sql("INSERT INTO ledger_head (id, revision, hash, recorded_at) "
                               "VALUES (1, 0, ?, '') ON CONFLICT (id) DO NOTHING"), (GENESIS,))

    def lock(self, c: Any) -> None:
        """Take the ledger's write lock for the rest of the transaction."""
        raise NotImplementedError

    def insert(self, c: Any, rows: Sequence[tuple[str, int, str, bytes]]) -> None:
        """Insert (stream, version, topic, state) rows into the recorder's events table."""
        raise NotImplementedError

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

    def query(self, c: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        c.execute(self.sql(statement), tuple(params))
        return c.fetchall()

    def close(self) -> None:
        self.recorder.datastore.close()


class SqliteBackend(Backend):
    clustered = " WITHOUT ROWID"

    def __init__(self, url: StoreUrl, *, lock_timeout: int = 300, create: bool = True):
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        if not create and not os.path.exists(url.database):
            raise StoreUnavailable(f"no store at {url.database}: run `ledger init` there (or check --db)")
        self.url = url
        datastore = SQLiteDatastore(url.database, lock_timeout=lock_timeout,
                                    originator_id_type="text")
        self.recorder = SQLiteApplicationRecorder(datastore, events_table_name=EVENTS_TABLE)

    def lock(self, c: Any) -> None:
        # The first statement of the transaction is a write, so SQLite takes its RESERVED
        # lock now (waiting for other writers) and the snapshot we read next is current.
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
        with self.transaction(commit=False) as c:
            c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield c

    def __init__(self, url: StoreUrl):
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        self.url = url
        try:
            datastore = PostgresDatastore(
                url.database, url.host, url.port, url.user, url.password,
                schema=url.schema, originator_id_type="text", pool_size=2, max_overflow=2,
                connect_timeout=10, pool_open_timeout=10)
            self.recorder = PostgresApplicationRecorder(datastore,
                                                        events_table_name=EVENTS_TABLE)
        except PersistenceError as exc:
            raise StoreUnavailable(f"store {url.display}: {exc}") from exc

    def create(self) -> None:
        super().create()
        # The composite type now exists: register its adapter for bulk inserts.
        self.recorder.datastore.register_type_adapters()

    def max_notification_id(self, c: Any) -> int:
        c.execute(self.recorder.max_notification_id_statement)
        row = c.fetchone()
        return int(row["max"] or 0)

    def lock(self, c: Any) -> None:
        # The same EXCLUSIVE table lock eventsourcing takes to keep notification ids in
        # commit order; readers are not blocked.
        self.recorder._lock_table(c)
        c.execute("SELECT revision FROM ledger_head WHERE id = 1 FOR UPDATE")

    def insert(self, c: Any, rows: Sequence[tuple[str, int, str, bytes]]) -> None:
        from eventsourcing.postgres import PostgresAggregateRecorder

        self.recorder.datastore.register_type_adapters()
        PostgresAggregateRecorder._insert_stored_events(self.recorder, c, [StoredEvent(*row) for row in rows])


def open_backend(url: StoreUrl, *, create: bool = True) -> Backend:
    """``create=False``: a SQLite file that does not exist is an error, not a new empty store
    (a mistyped --db must not quietly start a second ledger)."""
    if url.dialect == "sqlite":
        return SqliteBackend(url, create=create)
    return PostgresBackend(url)
