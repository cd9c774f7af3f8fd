"""Store URLs: ``sqlite:///path/ledger.db`` (default ``./ledger.db``) or ``postgresql://…``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..i18n import Msg

DEFAULT_URL = "sqlite:///ledger.db"
SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""``?schema=NAME`` on PostgreSQL URLs: an unquoted identifier, so it means the same in
eventsourcing's quoted names and in the connection's ``search_path``."""


class StoreUrlError(ValueError):
    pass


@dataclass(frozen=True)
class StoreUrl:
    dialect: str  # "sqlite" | "postgresql"
    database: str
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    schema: str = ""

    @property
    def display(self) -> str:
        if self.dialect == "sqlite":
            return f"sqlite:///{self.database}"
        schema = f"?schema={self.schema}" if self.schema else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}{schema}"


def parse_store_url(text: str | None) -> StoreUrl:
    """Parse with SQLAlchemy's URL grammar so office admins can paste the URLs they know."""
    text = text or os.environ.get("LEDGER_DB") or DEFAULT_URL
    if text.startswith("sqlite:///") and not any(ch in text for ch in "?%"):
        # Start-up: SQLAlchemy (~0.2 s to import) only for the URLs that need its grammar. For
        # sqlite:///PATH without a query or %-escapes, make_url's database is PATH, verbatim.
        database = text[len("sqlite:///"):]
        if not database or database == ":memory:":
            raise StoreUrlError("--db: a SQLite store needs a file path, e.g. sqlite:///ledger.db")
        return StoreUrl("sqlite", database)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreUrlError(
            Msg("--db: cannot read store URL {text!r}; expected sqlite:///path/to/ledger.db or"
                " postgresql://user@host:port/dbname",
                text=text)) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreUrlError("--db: a SQLite store needs a file path, e.g. sqlite:///ledger.db")
        if url.query:
            raise StoreUrlError(Msg("--db: a SQLite URL takes no options (got ?{query}); ?schema=NAME is for"
                                    " PostgreSQL",
                                    query='&'.join(sorted(url.query))))
        return StoreUrl("sqlite", url.database)
    if backend in ("postgresql", "postgres"):
        if not url.database:
            raise StoreUrlError("--db: a PostgreSQL URL needs a database name, e.g. "
                                "postgresql://postgres@127.0.0.1:5432/test")
        unknown = sorted(set(url.query) - {"schema"})
        if unknown:
            raise StoreUrlError(Msg("--db: unknown PostgreSQL URL option {unknown!r}; the ledger reads ?schema=NAME",
                                    unknown=unknown[0]))
        schema = url.query.get("schema", "")
        if not isinstance(schema, str) or (schema and not SCHEMA.fullmatch(schema)):
            raise StoreUrlError(Msg("--db: ?schema= takes one lower-case name (letters, digits, _; at most 63), got"
                                    " {schema!r}",
                                    schema=schema))
        return StoreUrl("postgresql", url.database, url.host or "127.0.0.1", url.port or 5432,
                        url.username or os.environ.get("USER", "postgres"), url.password or "", schema)
    raise StoreUrlError(Msg("--db: unsupported store {backend!r}; expected sqlite:/// or postgresql://",
                            backend=backend))
