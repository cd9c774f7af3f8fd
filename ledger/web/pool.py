"""The workbench's store connections: two pools of ``Ledger`` objects, so that reads never wait
behind writes.

* **Readers** serve every GET (pages, the API, sign-in, the warm-up). No write ever takes one,
  so six queued writes cannot hold the connections a page needs; the stores let them read while
  another process writes (SQLite in WAL mode, PostgreSQL's snapshots beside an EXCLUSIVE table
  lock).
* **Writers** serve the POSTs (publish, appeals, users). A write waits at most ``wait`` seconds
  in all — first for a writer, then for the ledger's write lock — and then gives up with
  ``WriteBusy`` (503 with ``Retry-After``), nothing written; the CLI's writes keep their own
  300 s (``LEDGER_LOCK_TIMEOUT``).
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..app import Ledger
from ..i18n import Msg
from ..store.backends import LockTimeout
from ..store.url import StoreUrl

if TYPE_CHECKING:
    from ..projections.fact_view import KeptFacts

WRITE_WAIT = 10.0
"""Seconds a web write waits for the write lock before answering 503 (``serve --write-wait``)."""


class WriteBusy(LockTimeout):
    """A web write that could not get the ledger's write lock in time: 503 with ``Retry-After``."""

    def __init__(self, wait: float):
        self.wait = wait
        super().__init__(Msg("another write held the ledger's write lock for more than {wait} s; nothing was "
                             "written — try again later", wait=f"{wait:g}"))


class LedgerPool:
    """A few ``Ledger`` objects (one store connection set each) shared by the request threads:
    a request holds one for its duration. ``wait``: seconds a request waits for one (and, for
    writers, for the write lock) before ``WriteBusy``; ``None``: as long as it takes."""

    def __init__(self, url: StoreUrl, size: int, clock: Callable[[], dt.datetime], kept: KeptFacts | None = None,
                 *, wait: float | None = None):
        self.url, self.size, self.clock, self.kept, self.wait = url, size, clock, kept, wait
        self._idle: queue.LifoQueue[Ledger] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()

    def _take(self) -> Ledger:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            make = self._made < self.size
            self._made += make
        if make:
            try:
                item = Ledger(self.url, actor="web", clock=self.clock, create=False)
            except BaseException:
                with self._lock:
                    self._made -= 1
                raise
            item.facts.kept = self.kept  # the facts of whole streams, shared by the pool's ledgers
            return item
        try:
            return self._idle.get(timeout=self.wait)
        except queue.Empty:
            raise WriteBusy(self.wait or 0) from None

    @contextmanager
    def ledger(self, actor: str = "web") -> Iterator[Ledger]:
        began = time.monotonic()
        item = self._take()
        if self.wait is not None:  # what is left of the wait is the most the write lock may take
            item.store.backend.lock_timeout = max(0.001, self.wait - (time.monotonic() - began))
        item.actor = actor  # this request's user is the actor of whatever it writes
        try:
            try:
                yield item
            except LockTimeout as exc:
                if self.wait is None or isinstance(exc, WriteBusy):
                    raise
                raise WriteBusy(self.wait) from exc
        finally:
            item.actor = "web"
            self._idle.put(item)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
