"""Where an import's time goes: each stage of `ledger import` timed on its own, in µs per event.

On the import benchmark's synthetic year (every event type, hotline tickets dominating),
with the cyclic garbage collector paused as the import pauses it:

* producer stages, each over every line: reading the lines, ``json.loads`` alone (for
  reference), validation (pydantic-core ``validate_json``), the canonical JSON and its
  SHA-256 (``encode_event``), the rest of ``prepare`` (ids, references, thread key, home
  stream: ``prepare`` minus the two before), pickling and unpickling the batches;
* writer stages, on the prepared batches: the whole write (``Intake`` over all batches in one
  transaction, commit included), and on their own the sealing (stored state + SHA-256 chain),
  the events insert, the id-index insert and the commit; what the write spends beyond those
  (deduplication and thread look-ups, stream resolution, versions, the stream and thread
  index writes) is the difference.

    .venv/bin/python benchmarks/import_stages.py [--units 3000] [--per-unit 60]
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from runinfo import print_header  # noqa: E402

from ledger.app import Ledger  # noqa: E402
from ledger.events import codec  # noqa: E402
from ledger.events.catalog import validate  # noqa: E402
from ledger.intake.batches import BATCH, csv_kinds, prepare  # noqa: E402
from ledger.intake.sources import read_lines  # noqa: E402
from ledger.store.backends import GENESIS  # noqa: E402


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def producer_stages(events: str, roster: frozenset[str]) -> tuple[list[tuple], dict[str, float]]:
    """The prepared rows (plain tuples, in batches' order) and each producer stage's seconds."""
    lines, read = timed(lambda: list(read_lines(events, None, csv_kinds)))
    raw = [src.data for src in lines]
    _, loads = timed(lambda: [json.loads(b) for b in raw])
    validated, validating = timed(lambda: [validate(b) for b in raw])
    _, encoding = timed(lambda: [codec.encode_event(e) for e in validated])
    prepared, preparing = timed(lambda: [tuple(prepare(src, roster)) for src in lines])
    batches = [prepared[i:i + BATCH] for i in range(0, len(prepared), BATCH)]
    pickled, pickling = timed(lambda: [pickle.dumps(b, pickle.HIGHEST_PROTOCOL) for b in batches])
    _, unpickling = timed(lambda: [pickle.loads(p) for p in pickled])
    return prepared, {
        "read line": read,
        "json.loads alone (reference: the parse inside validation)": loads,
        "validate (pydantic-core validate_json)": validating,
        "canonical JSON + content digest (SHA-256)": encoding,
        "rest of prepare (ids, refs, thread key, home stream)": preparing - validating - encoding,
        "pickle the batches (producer)": pickling,
        "unpickle the batches (writer)": unpickling,
    }


def writer_stages(tmp: str, units: str, prepared: list[tuple]) -> dict[str, float]:
    """The whole write of the prepared batches, and its sealing, inserts and commit alone."""
    ledger = Ledger(f"sqlite:///{os.path.join(tmp, 'whole.db')}", actor="bench")
    ledger.init()
    ledger.import_units(units)
    batches = [prepared[i:i + BATCH] for i in range(0, len(prepared), BATCH)]
    _, whole = timed(lambda: ledger._write(lambda roster: batches))
    ledger.close()

    # The same events as the write stored them: (stream, version, topic, content, actor) rows.
    versions: dict[str, int] = {}
    rows, ids = [], []
    actor = codec.actor_json("bench")
    for p in prepared:
        stream = p[5] if p[6] is None or p[7] else _thread_stream(p, prepared)
        versions[stream] = version = versions.get(stream, 0) + 1
        rows.append((stream, version, p[3], p[10], actor))
        ids.append((p[2], stream, version))
    (sealed, _), sealing = timed(lambda: codec.seal_chain(rows, GENESIS, "2026-01-01T00:00:00.000000Z", 0))

    alone = Ledger(f"sqlite:///{os.path.join(tmp, 'stages.db')}", actor="bench")
    alone.init()
    backend = alone.store.backend
    inserting = ids_inserting = 0.0
    with backend.transaction(commit=True) as c:
        for i in range(0, len(sealed), BATCH):
            start = time.perf_counter()
            backend.insert(c, sealed[i:i + BATCH])
            middle = time.perf_counter()
            backend.insert_ids(c, ids[i:i + BATCH])
            inserting += middle - start
            ids_inserting += time.perf_counter() - middle
        start = time.perf_counter()
    committing = time.perf_counter() - start  # leaving the transaction commits it
    alone.close()
    return {
        "whole write (one transaction, commit included)": whole,
        "seal: stored state + SHA-256 chain": sealing,
        "events insert": inserting,
        "id index insert": ids_inserting,
        "commit (WAL write + fsync)": committing,
    }


_OPENERS: dict[str, str] = {}


def _thread_stream(p: tuple, prepared: list[tuple]) -> str:
    """A follow-up's stream: its thread's opener's home stream."""
    if not _OPENERS:
        _OPENERS.update((q[6], q[5]) for q in prepared if q[6] is not None and q[7])
    return _OPENERS.get(p[6], p[5])


def main() -> None:
    args = synthetic.year_arguments(__doc__ or "")
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        units, events, n = synthetic.write_year(tmp, args.units, args.per_unit)
        roster = frozenset(f"u{u:05d}" for u in range(args.units))
        print(f"synthetic year: {args.units} units, {n:,} events\n")
        gc.disable()
        prepared, producer = producer_stages(events, roster)
        writer = writer_stages(tmp, units, prepared)
        gc.enable()
    print(f"{'stage':<62}{'side':>9}{'µs/event':>10}")
    for name, secs in producer.items():
        side = "writer" if "unpickle" in name else "producer"
        print(f"{name:<62}{side:>9}{secs / n * 1e6:>10.2f}")
    whole = writer.pop("whole write (one transaction, commit included)")
    for name, secs in writer.items():
        print(f"{name:<62}{'writer':>9}{secs / n * 1e6:>10.2f}")
    rest = whole - sum(writer.values())
    print(f"{'rest of the write (look-ups, resolution, versions, indexes)':<62}{'writer':>9}{rest / n * 1e6:>10.2f}")
    print(f"{'whole write (one transaction, commit included)':<62}{'writer':>9}{whole / n * 1e6:>10.2f}")
    print(f"\ncommit alone: {writer['commit (WAL write + fsync)']:.2f} s")


if __name__ == "__main__":
    main()
