"""The writer's SQLite page cache (``LEDGER_SQLITE_CACHE_MB``): a year's import outgrows
SQLite's own 2 MB, so the write transaction sets a larger one (docs/performance.md)."""

from __future__ import annotations

import pytest

from ledger.app import Ledger


def _cache_in_a_write(url: str) -> int:
    with Ledger(url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=False, begin=b.lock) as c:
            c.execute("PRAGMA cache_size")
            return int(c.fetchone()[0])


@pytest.mark.parametrize("setting, kib", [(None, 64 * 1024), ("8", 8 * 1024), ("0", 1024), ("lots", 64 * 1024),
                                          ("99999", 4096 * 1024)])
def test_the_write_transaction_sets_the_page_cache(tmp_path, monkeypatch, setting, kib):
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    with Ledger(url) as ledger:
        ledger.init()
    if setting is None:
        monkeypatch.delenv("LEDGER_SQLITE_CACHE_MB", raising=False)
    else:
        monkeypatch.setenv("LEDGER_SQLITE_CACHE_MB", setting)
    assert _cache_in_a_write(url) == -kib  # negative: KiB
