"""What the workbench keeps between requests (benchmarks/web_bench.py measures why).

* **Results** — a unit's card as the page shows it (its header and its parts rendered once),
  a unit's explanation, a score table's scoreboard (with its rows and rendered tables) — in
  bounded LRUs keyed by what determines them: (report, policy ref and content hash, track,
  unit, as-of date, known-at revision, language); a rendered part adds what else it shows
  (grouping, page language, role). The known-at is always the *resolved* revision (the head when
  the request names none), so a new record makes a new key and an old result is never shown as
  the current one; a result pinned to an earlier revision stays right for ever, since the
  ledger only grows.
* **Facts of whole streams** — a unit-year stream's effective facts, keyed by (stream, fact
  types, the stream's version) when the known-at saw the stream whole: a table or card at
  another known-at or as-of reuses every stream the records since did not touch
  (``FactView.facts_of_whole``).
* **Small reads at the head** — the accounts, the appeals index, the publications, a policy
  resolved from its ref — keyed by the head revision, read once per request (one indexed
  row): any write, by this server or another process, moves the head and so re-reads them.
  Disabling an account is a record, so a disabled account is still refused at once.

Everything is in memory, per server process, and thread-safe (a lock around each map; two
requests missing the same key at once both compute it, and the first stored wins).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

RESULTS = 4096
"""Unit cards kept as pages (their header and rendered parts: a few to tens of kB each), enough
for every card of the largest table."""
EXPLANATIONS = 32
"""Explanations kept (a unit's facts and lines: ~170 kB on the benchmark's store): what a card's
part is rendered from, and a new grouping of a kept card."""
TABLES = 8
"""Whole score tables kept (their own, smaller bound: a 3,000-unit table is a few MB)."""
FACTS = 4096
"""Unit-year streams whose effective facts are kept (``FactView.facts_of_whole``): every
stream of the largest table a few times over (one entry per set of fact types read)."""
DERIVED = 32
"""What a kept table keeps derived from it (rows in an order, rendered tables)."""


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

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class WebCache:
    def __init__(self, results: int = RESULTS, tables: int = TABLES, explanations: int = EXPLANATIONS):
        self.results = Bounded(results)
        self.explanations = Bounded(explanations)
        self.tables = Bounded(tables)
        self.facts = Bounded(FACTS)
        self.heads = Bounded(64)

    def at_head(self, head: int, name: Hashable, read: Callable[[], T]) -> T:
        """``read()`` (accounts, appeals, publications, a policy: read at the head revision
        ``head``, which the request read once), once per head revision."""
        return self.heads.get((name, head), read)
