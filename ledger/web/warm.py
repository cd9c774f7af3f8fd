"""Warming the workbench (issue #20): a background thread of ``ledger serve`` that computes the
score tables people open first — at the head, the default as-of, every track — before anyone
asks, once after the server starts and again after each write (the head is polled once a
second, a burst of writes warmed once, after it), into the same kept maps a request reads
(``api.kept_board``: the same key, so the request finds it).

Which tables: ``LEDGER_WEB_WARM`` — ``0`` for none, or policy refs separated by commas;
unset, the latest version of each policy published in the ledger (``ledger policy load``) of
the latest year among them. Bundled policies nobody loaded are not warmed.

It never makes a request wait: it has its own store connection (not one of the pool's), it
pauses between units while a request is being answered, and a request that comes before the
table is warm computes it as it would have (reusing the facts already kept).
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

from ..app import Ledger

if TYPE_CHECKING:
    from .app import Workbench

ENV = "LEDGER_WEB_WARM"
TEMPLATES = ("base.html", "macros.html", "home.html", "scores.html", "scores_tables.html", "unit.html",
             "unit_indicators.html", "unit_lines.html", "event.html", "error.html")


def warm_refs(ledger: Ledger) -> list[str]:
    """The policies whose tables are warmed (see the module's docstring)."""
    value = os.environ.get(ENV)
    if value is not None:
        if value.strip().lower() in ("", "0", "no", "off", "false"):
            return []
        return [ref.strip() for ref in value.split(",") if ref.strip()]
    published = [e for e in ledger.policies.entries() if e.origin != "bundled"]
    if not published:
        return []
    year = max(e.year for e in published)
    latest: dict[str, int] = {}
    for e in published:
        if e.year == year:
            latest[e.id] = max(latest.get(e.id, 0), e.version)
    return [f"{pid}@{version}" for pid, version in sorted(latest.items())]


class Warmer:
    def __init__(self, workbench: Workbench, interval: float = 1.0):
        self.workbench = workbench
        self.interval = interval
        self.rounds = 0
        """Rounds finished (each: every table of ``warm_refs`` at one head)."""
        self._key: tuple[object, ...] = ()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-warm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _ledger(self) -> Ledger:
        """Its own store connection (not one of the pool's), reading and filling the kept facts."""
        ledger = Ledger(self.workbench.url, actor="web", clock=self.workbench.clock, create=False)
        ledger.facts.kept = self.workbench.cache.facts
        return ledger

    def warm_now(self) -> None:
        """One round at the current head, in this thread."""
        with self._ledger() as ledger:
            self._round(ledger, ledger.head()[0])

    def _run(self) -> None:
        wb = self.workbench
        try:
            ledger = self._ledger()
        except Exception:  # noqa: BLE001 - the warm-up is a nicety: requests report store errors
            return
        try:
            for name in TEMPLATES:  # compiled once, before the first page needs them
                wb.env.get_template(name)
            warmed: int | None = None
            while not self._stop.is_set():
                head = ledger.head()[0]
                if head != warmed:
                    if warmed is not None and (self._stop.wait(self.interval) or ledger.head()[0] != head):
                        continue  # still being written: warm after the burst
                    self._round(ledger, head)
                    warmed = head
                self._stop.wait(self.interval)
        except Exception:  # noqa: BLE001 - e.g. the store went away: requests say so, not this thread
            return
        finally:
            ledger.close()

    def _round(self, ledger: Ledger, head: int) -> None:
        from ..projections.scoreboard import default_as_of
        from .api import kept_board, result_key

        for ref in warm_refs(ledger):
            if self._stop.is_set():
                return
            try:
                policy = ledger.policy(ref, None)
                day = default_as_of(policy)
                self._key = result_key("score", policy, None, None, day, head)
                kept_board(self.workbench.cache, ledger, policy, None, day, head, self._give_way)
            except Exception:  # noqa: BLE001 - a ref that names nothing (the request will say why), or _Asked
                continue
        self.rounds += 1

    def _give_way(self, _done: int) -> None:
        """Called between units: wait while requests are being answered; stop if one of them
        computed this table meanwhile."""
        waited = False
        while self.workbench.busy and not self._stop.is_set():
            waited = True
            time.sleep(0.005)
        if self._stop.is_set() or (waited and self._key in self.workbench.cache.tables):
            raise _Asked


class _Asked(Exception):
    """The table being warmed was computed by a request (or the server stops)."""
