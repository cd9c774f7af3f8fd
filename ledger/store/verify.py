"""Tamper evidence: recompute the hash chain from the raw stored rows.

Reads every row through eventsourcing's notification log in insertion order and checks that
revisions run 1, 2, 3… without gaps, that each row's hash equals SHA-256 over the previous
hash and the row's stored bytes (stream, version, topic, body), and that the ledger's index
tables (head, ids, commits) agree with the log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

from ..events import codec
from .eventstore import GENESIS, EventStore, threads_of


@dataclass
class VerifyResult:
    ok: bool
    revision: int
    hash: str
    records: int
    problem: str | None = None
    bad_revision: int | None = None


OPENERS = {"hotline_ticket": "ticket", "supervised_item_assigned": "item"}


def verify(store: EventStore, on_progress: Callable[[int], None] | None = None) -> VerifyResult:
    expected, previous, count = 1, GENESIS, 0
    commits = iter(store.commits())
    commit = next(commits, None)
    last_commit_end = 0
    versions: dict[str, int] = {}
    recorded_at = ""

    def fail(problem: str, revision: int) -> VerifyResult:
        return VerifyResult(False, expected - 1, previous, count, problem, revision)

    page: list[tuple[int, str, str, str, int, str, str | None]] = []
    openers: list[tuple[int, str, str]] = []  # (revision, thread key, stream)
    reopened: dict[str, str] = {}  # thread key -> stream its row names, awaiting a later opener there

    def check_page() -> VerifyResult | None:
        found = store.lookup_ids([p[1] for p in page])
        for revision, event_id, digest, stream, version, topic, unit in page:
            entry = found.get(event_id)
            if entry is None or (entry.revision, entry.digest, entry.stream, entry.version, entry.type,
                                 entry.unit) != (revision, digest, stream, version, topic, unit):
                return fail(f"revision {revision}: the id index disagrees with the log", revision)
        threads = _threads(store, {key for _, key, _ in openers})
        for revision, key, stream in openers:
            if threads.get(key) == stream:
                reopened.pop(key, None)
            elif key in threads:
                reopened[key] = threads[key]  # fine if a later opener of the key lives there
            else:
                return fail(f"revision {revision}: the ticket/item index has no entry for this record", revision)
        page.clear()
        openers.clear()
        return None

    for row in store.scan():
        count += 1
        try:
            body, stored_hash = codec.split_state(row.state)
            data = json.loads(body + "}")
            revision = int(data["revision"])
        except (ValueError, KeyError, UnicodeDecodeError):
            return fail(f"the record stored at notification {row.id} is not a sealed ledger "
                        f"record (altered)", expected)
        if revision != expected:
            what = "missing (removed) or out of order (reordered)" if revision > expected \
                else "out of order (reordered)"
            return fail(f"revision {expected} is {what}: found revision {revision} at "
                        f"notification {row.id}", expected)
        stream = str(row.originator_id)
        digest = codec.chain_hash(previous, stream, row.originator_version, row.topic, body)
        if digest != stored_hash:
            return fail(f"revision {revision}: stored bytes do not match their hash (record "
                        f"altered, or moved to another stream/position)", revision)
        while commit is not None and commit["last_revision"] < revision:
            last_commit_end = commit["last_revision"]
            commit = next(commits, None)
        recorded_at = data.get("recorded_at", "")
        if commit is None or commit["first_revision"] != (last_commit_end + 1) or \
                commit["recorded_at"] != recorded_at or row.id != revision + commit["nid_offset"]:
            return fail(f"revision {revision}: the commit index (recorded_at, revision ranges, "
                        "positions) disagrees with the log", revision)
        if row.originator_version != versions.get(stream, 0) + 1:
            return fail(f"revision {revision}: stream {stream} skips from version "
                        f"{versions.get(stream, 0)} to {row.originator_version}", revision)
        versions[stream] = row.originator_version
        cut = body.rfind(',"actor":')
        page.append((revision, str(data.get("id")), hashlib.sha256(body[:cut].encode() + b"}").hexdigest(),
                     stream, row.originator_version, row.topic, data.get("unit")))
        if row.topic in OPENERS:
            field = OPENERS[row.topic]
            openers.append((revision, f"{data.get('unit')}\x1f{field}\x1f{data.get(field)}", stream))
        previous = digest
        expected += 1
        if len(page) >= 5000:
            if problem := check_page():
                return problem
        if on_progress and count % 5000 == 0:
            on_progress(5000)
    if page and (problem := check_page()):
        return problem
    if reopened:
        key = sorted(reopened)[0]
        return fail(f"the ticket/item index points {key.replace(chr(31), ' ')} at a stream with no record "
                    "opening it", expected)
    head_revision, head_hash = store.head()
    head_time = _head_time(store)
    if head_revision != expected - 1 or head_hash != previous or head_time != recorded_at:
        return fail(f"the head says revision {head_revision} but the log ends at revision "
                    f"{expected - 1} (records removed from the end, or head altered)", expected)
    if commit is not None and (commit["last_revision"] != expected - 1 or next(commits, None) is not None):
        return fail("the commit index has entries beyond the log's last revision", expected)
    if _indexed(store) != count:
        return fail("the id index has entries for records that are not in the log", expected)
    if _stream_versions(store) != versions:
        return fail("the stream index disagrees with the streams in the log", expected)
    return VerifyResult(True, expected - 1, previous, count)


def _query(store: EventStore, statement: str, params: tuple = ()) -> list:
    with store.backend.transaction(commit=False) as c:
        return store.backend.query(c, statement, params)


def _indexed(store: EventStore) -> int:
    return int(_query(store, "SELECT COUNT(*) AS n FROM ledger_ids")[0]["n"])


def _head_time(store: EventStore) -> str:
    return _query(store, "SELECT recorded_at FROM ledger_head WHERE id = 1")[0]["recorded_at"]


def _stream_versions(store: EventStore) -> dict[str, int]:
    return {r["stream"]: int(r["version"]) for r in _query(store, "SELECT stream, version FROM ledger_streams")}


def _threads(store: EventStore, keys: set[str]) -> dict[str, str]:
    with store.backend.transaction(commit=False) as c:
        return threads_of(store.backend, c, keys)
