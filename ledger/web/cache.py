"""What the workbench keeps between requests (benchmarks/web_bench.py measures why).

* **Results** — a unit's explanation, a score table's scoreboard — in a bounded LRU keyed by
  what determines them: (report, policy ref and content hash, track, unit, as-of date,
  known-at revision, language). The known-at is always the *resolved* revision (the head when
  the request names none), so a new record makes a new key and an old result is never shown as
  the current one; a result pinned to an earlier revision stays right for ever, since the
  ledger only grows.
* **Small reads at the head** — the accounts, the appeals index, the publications — keyed by
  the head revision, read once per request (one indexed row): any write, by this server or
  another process, moves the head and so re-reads them. Disabling an account is a record, so a
  disabled account is still refused at once.

Everything is in memory, per server process, and thread-safe (a lock around each map; two
requests missing the same key at once both compute it, and the first stored wins).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..app import Ledger

T = TypeVar("T")

RESULTS = 256
"""Results kept (a unit's card holds its lines: tens of kB; a 3,000-unit table a few MB)."""
TABLES = 8
"""Whole score tables kept (their own, smaller bound)."""


class Bounded:
    """A thread-safe LRU map of at most ``size`` entries."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = make()  # outside the lock: other keys are served meanwhile
        with self._lock:
            value = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class WebCache:
    def __init__(self, results: int = RESULTS, tables: int = TABLES):
        self.results = Bounded(results)
        self.tables = Bounded(tables)
        self.heads = Bounded(16)

    def at_head(self, ledger: Ledger, name: str, read: Callable[[], T]) -> T:
        """``read()`` (accounts, appeals, publications: read at the head), once per head revision."""
        return self.heads.get((name, ledger.head()[0]), read)
