"""Preparing an import file (reading, validating, encoding) in a second process.

On a large file the import has two halves of similar cost: preparing each line (pydantic
validation and canonical encoding — pure, no store access) and writing it (deduplication,
stream resolution, revisions, the hash chain, inserts — one process, in order, under the
ledger's lock). A producer process runs the first half over the file while this process runs
the second; a bounded queue (a few batches) keeps memory flat. Batches travel as lists of
plain tuples (``Prepared`` field order), which pickle and unpickle fastest.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue as queue_module
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import InputError
from .batches import _chunks, csv_kinds, prepare
from .sources import read_lines

QUEUE_BATCHES = 4
FIRST_BATCH = 500
"""The first batch is small so the writer starts within milliseconds."""


def _context() -> Any:
    """Fork when it is safe: Linux, and no other thread in this process (a PostgreSQL
    connection pool runs threads, whose locks a fork would copy mid-use). A forked child
    starts in ~10 ms with the catalog already built; a spawned one re-imports pydantic and
    the catalog first (~0.4 s, a sixth of a 180k-event import). The child never touches the
    parent's store connection and leaves by ``os._exit``, so nothing of it is closed twice."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _produce(path: str, roster: frozenset[str], out: Any) -> None:
    """Producer process: put ("batch", bytes read, rows) …, then ("done", …) or ("error", …)."""
    read = [0]

    def count(n: int) -> None:
        read[0] += n

    gc.disable()  # this process only prepares: short-lived, acyclic objects (see gc_pause)
    try:
        for chunk in _chunks(read_lines(path, count, csv_kinds), first=FIRST_BATCH):
            out.put(("batch", read[0], [tuple(prepare(src, roster)) for src in chunk]))
            read[0] = 0
        out.put(("done", read[0], None))
    except InputError as exc:
        out.put(("error", 0, (exc.expected, exc.origin, exc.line, exc.field, exc.got, exc.problem)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
        out.put(("crash", 0, f"{type(exc).__name__}: {exc}"))


def prepared_by_producer(path: str, roster: frozenset[str],
                         on_bytes: Callable[[int], None] | None = None) -> Iterator[list[tuple]]:
    context = _context()
    if context.get_start_method() == "fork":
        from ..events.catalog import build_all

        build_all()  # the models are built on first use (start-up): build them once, here, for the child
    channel = context.Queue(maxsize=QUEUE_BATCHES)
    producer = context.Process(target=_produce, args=(path, roster, channel), daemon=True)
    producer.start()
    try:
        while True:
            try:
                kind, nbytes, payload = channel.get(timeout=1.0)
            except queue_module.Empty:
                if not producer.is_alive():
                    raise RuntimeError(f"the import's producer process stopped (exit code {producer.exitcode})")
                continue
            if on_bytes and nbytes:
                on_bytes(nbytes)
            if kind == "batch":
                yield payload
            elif kind == "done":
                return
            elif kind == "error":
                expected, origin, line, field, got, problem = payload
                raise InputError(expected, origin=origin, line=line, field=field, got=got, problem=problem)
            else:
                raise RuntimeError(f"the import's producer process failed: {payload}")
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join(timeout=10)
        channel.close()
