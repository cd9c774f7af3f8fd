"""Preparing an import file (reading, validating, encoding) in a second process.

On a large file the import has two halves of similar cost: preparing each line (pydantic
validation and canonical encoding — pure, no store access) and writing it (deduplication,
stream resolution, revisions, the hash chain, inserts — one process, in order, under the
ledger's lock). A producer process runs the first half over the file while this process runs
the second; a bounded queue (a few batches) keeps memory flat. Batches travel as lists of
plain tuples (``Prepared`` field order), which pickle and unpickle fastest.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import InputError
from .batches import PreparedRow, _chunks, csv_kinds, prepare_chunk, without
from .problems import Problems
from .sources import ReadOptions, SourceLine, read_lines

QUEUE_BATCHES = 4
FIRST_BATCH = 500
"""The first batch is small so the writer starts within milliseconds."""
WRITER_SHARE = 4
"""Of a spreadsheet's rows, every 4th batch crosses unprepared and the writer validates it: a
spreadsheet row costs the producer about half as much again as it costs the writer (reading
the cells, then its words), so the writer would otherwise wait (docs/performance.md). JSON
Lines, whose producer is no slower than its writer, are all prepared by the producer."""


def _context() -> Any:
    """Fork when it is safe: Linux, and no other thread in this process (a PostgreSQL
    connection pool runs threads, whose locks a fork would copy mid-use). A forked child
    starts in ~10 ms with the catalog already built; a spawned one re-imports pydantic and
    the catalog first (~0.4 s, a sixth of a 180k-event import). The child never touches the
    parent's store connection and leaves by ``os._exit``, so nothing of it is closed twice."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


PR_SET_PDEATHSIG = 1
WATCH_PARENT_EVERY = 0.2
"""Seconds between the producer's checks that the writing process is still alive."""


def _die_with_parent(parent: int) -> None:
    """The producer exits when the writing process dies, however it died (``kill -9``
    included): a blocked ``put`` on a queue nobody reads would otherwise keep it — and the
    resource tracker it holds open — alive forever. On Linux the kernel sends SIGKILL
    (``PR_SET_PDEATHSIG``); everywhere a watchdog thread checks the parent's pid."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the watchdog alone
            pass
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_PARENT_EVERY)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="ledger-parent-watch", daemon=True).start()


def _produce(path: str, roster: frozenset[str], out: Any, parent: int | None = None,
             options: ReadOptions | None = None, share: bool = False, reading: Any = None,
             held: frozenset[tuple[str, int]] = frozenset()) -> None:
    """Producer process: put ("batch", bytes read, rows) … (with ``share``, every
    ``WRITER_SHARE``-th batch of spreadsheet rows as ("lines", bytes read, unprepared lines)),
    then ("done", …) or ("error", …). A sheet is parsed here, under the reading bound
    (``bounded.read_here``); ``reading`` (shared memory) is 1 while the bound is on. ``held``:
    rows (origin, line) left out."""
    if parent is not None:
        _die_with_parent(parent)
    if reading is not None:
        from .bounded import read_here

        read_here(lambda on: setattr(reading, "value", int(on)), lambda _: os._exit(1))  # the writer names it
    read = [0]

    def count(n: int) -> None:
        read[0] += n

    gc.disable()  # this process only prepares: short-lived, acyclic objects (see gc_pause)
    problems = Problems()
    try:
        try:
            lines = without(read_lines(path, count, csv_kinds, options), held)
            for number, chunk in enumerate(_chunks(lines, first=FIRST_BATCH)):
                if share and number % WRITER_SHARE == WRITER_SHARE - 1 and all(type(s.data) is dict for s in chunk):
                    out.put(("lines", read[0], [(s.origin, s.line, s.data) for s in chunk]))
                else:
                    out.put(("batch", read[0], prepare_chunk(chunk, roster, problems)))
                read[0] = 0
        except InputError as exc:  # the file itself: reading stops
            problems.add(exc)
            problems.fatal = True
        out.put(("done", read[0], problems.as_payload()))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
        out.put(("crash", 0, f"{type(exc).__name__}: {exc}"))


def prepared_by_producer(path: str, roster: frozenset[str], on_bytes: Callable[[int], None] | None = None,
                         problems: Problems | None = None, options: ReadOptions | None = None,
                         held: frozenset[tuple[str, int]] = frozenset()) -> Iterator[list[PreparedRow]]:
    """Batches prepared by a second process; the lines that fail go to ``problems`` (without:
    the first raises); ``held``: rows (origin, line) left out."""
    context = _context()
    if context.get_start_method() == "fork":
        from ..events.catalog import build_all

        build_all()  # the models are built on first use (start-up): build them once, here, for the child
    channel = context.Queue(maxsize=QUEUE_BATCHES)
    share = problems is not None and not path.lower().endswith((".jsonl", ".ndjson"))
    reading = context.RawValue("b", 0)
    producer = context.Process(target=_produce,
                               args=(path, roster, channel, os.getpid(), options, share, reading, held),
                               daemon=True)
    producer.start()
    try:
        while True:
            try:
                kind, nbytes, payload = channel.get(timeout=1.0)
            except queue_module.Empty:
                if not producer.is_alive() and reading.value:  # died parsing a sheet, within the bound
                    from .bounded import died_reading

                    raise died_reading(path, options.sheet if options else None,
                                       options.limits if options else None) from None
                if not producer.is_alive():
                    raise RuntimeError(
                        f"the import's producer process stopped (exit code {producer.exitcode})") from None
                continue
            if on_bytes and nbytes:
                on_bytes(nbytes)
            if kind == "batch":
                yield payload
            elif kind == "lines":  # the writer's share: prepared here, its problems noted here
                assert problems is not None
                chunk = [SourceLine(origin, line, data) for origin, line, data in payload]
                yield prepare_chunk(chunk, roster, problems)
            elif kind == "done":
                found = Problems.from_payload(payload)
                if problems is not None:
                    problems.merge(found)
                else:
                    found.raise_all()
                return
            else:
                raise RuntimeError(f"the import's producer process failed: {payload}")
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join(timeout=10)
        channel.close()
