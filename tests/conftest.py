"""Fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests read LEDGER_TEST_PG_URL (a server URL whose database we may create
databases from). Without it they skip — unless LEDGER_REQUIRE_PG=1 (set by .ci/run), where
a missing or unreachable server fails the run instead. With LEDGER_TEST_PG_SCHEMA=NAME every
PostgreSQL store is made in that schema (``?schema=NAME``) instead of ``public``: .ci/run runs
the PostgreSQL legs of the store tests once more that way (``-m postgres``).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

# The suite's assertions on human-readable text were written in English: every test runs with
# LEDGER_LANG=en (the ledger's default is Chinese). Tests of the Chinese output set the language
# themselves (tests/test_i18n.py, tests/test_explain_why.py).
os.environ["LEDGER_LANG"] = "en"
# Text tables fit COLUMNS when it is set (issue #34): the suite's outputs are the unbounded ones
# unless a test sets it.
os.environ.pop("COLUMNS", None)

# Passwords: the suite hashes at scrypt n=2^12 (hundreds of accounts and sign-ins; ledger's own is
# 2^17 at ~0.3 s each). Hashes keep their parameters, so everything else runs as in production;
# tests/test_web_accounts.py checks the real cost with this put back.
from ledger import accounts as _accounts  # noqa: E402

PRODUCTION_SCRYPT_N = _accounts.SCRYPT_N
_accounts.SCRYPT_N = 1 << 12

PG_URL = os.environ.get("LEDGER_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("LEDGER_REQUIRE_PG") == "1"
PG_SCHEMA = os.environ.get("LEDGER_TEST_PG_SCHEMA", "")


def _pg_admin():
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    return url, psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                                user=url.username or "postgres", password=url.password or "",
                                dbname=url.database or "postgres", autocommit=True, connect_timeout=5)


def new_pg_database(prefix: str = "ledger_t_") -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL database: (its store URL, in LEDGER_TEST_PG_SCHEMA's schema when
    set; a function that drops it). Skips without a server — fails instead under
    LEDGER_REQUIRE_PG=1, as every PostgreSQL test does."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("LEDGER_REQUIRE_PG=1 but LEDGER_TEST_PG_URL is not set")
        pytest.skip("LEDGER_TEST_PG_URL not set")
    try:
        url, admin = _pg_admin()
    except Exception as exc:  # noqa: BLE001
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_URL} unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    name = prefix + uuid.uuid4().hex[:12]
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        _, admin = _pg_admin()
        with admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    store = url.set(database=name, query={"schema": PG_SCHEMA} if PG_SCHEMA else {})
    return store.render_as_string(hide_password=False), drop


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test."""
    url, drop = new_pg_database()
    yield url
    drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.db"
    return request.getfixturevalue("pg_url")


@dataclass(frozen=True)
class DemoStore:
    path: Path
    url: str


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> DemoStore:
    """The demo store (`ledger demo`: the five bundled policies' sample years), built once per
    session; tests that write copy ``path`` first."""
    from click.testing import CliRunner

    from ledger.cli import main

    path = tmp_path_factory.mktemp("demo-store") / "demo.db"
    url = f"sqlite:///{path}"
    run = CliRunner().invoke(main, ["--db", url, "--actor", "tester", "demo"])  # as helpers.cli runs it
    assert run.exit_code == 0, run.output
    return DemoStore(path, url)
