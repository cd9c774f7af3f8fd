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
from .eventstore import EventStore, GENESIS


@dataclass
class VerifyResult:
    ok: bool
    revision: int
    hash: str
    records: int
    problem: str | None = None
    bad_revision: int | None = None


def verify(store: EventStore, on_progress: Callable[[int], None] | None = None) -> VerifyResult:
    expected, previous, count = 1, GENESIS, 0
    commits = iter(store.commits())
    commit = next(commits, None)

    def fail(problem: str, revision: int) -> VerifyResult:
        return VerifyResult(False, expected - 1, previous, count, problem, revision)

    page: list[tuple[int, str, str]] = []  # (revision, id, content digest) to check in the id index

    def check_index() -> VerifyResult | None:
        found = store.lookup_ids([event_id for _, event_id, _ in page])
        for revision, event_id, digest in page:
            entry = found.get(event_id)
            if entry is None or entry.revision != revision or entry.digest != digest:
                return fail(f"revision {revision}: the id index disagrees with the log", revision)
        page.clear()
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
        digest = codec.chain_hash(previous, str(row.originator_id), row.originator_version,
                                  row.topic, body)
        if digest != stored_hash:
            return fail(f"revision {revision}: stored bytes do not match their hash (record "
                        f"altered, or moved to another stream/position)", revision)
        cut = body.rfind(',"actor":')
        page.append((revision, str(data.get("id")), hashlib.sha256(body[:cut].encode() + b"}").hexdigest()))
        while commit is not None and commit["last_revision"] < revision:
            commit = next(commits, None)
        if commit is None or not (commit["first_revision"] <= revision) or \
                commit["recorded_at"] != data.get("recorded_at"):
            return fail(f"revision {revision}: the commit index (recorded_at) disagrees with the log",
                        revision)
        previous = digest
        expected += 1
        if len(page) >= 5000:
            problem = check_index()
            if problem:
                return problem
        if on_progress and count % 5000 == 0:
            on_progress(5000)
    if page and (problem := check_index()):
        return problem
    head_revision, head_hash = store.head()
    if head_revision != expected - 1 or head_hash != previous:
        return fail(f"the head says revision {head_revision} but the log ends at revision "
                    f"{expected - 1} (records removed from the end, or head altered)", expected)
    if _indexed(store) != count:
        return fail("the id index has entries for records that are not in the log", expected)
    return VerifyResult(True, expected - 1, previous, count)


def _indexed(store: EventStore) -> int:
    with store.backend.transaction(commit=False) as c:
        return int(store.backend.query(c, "SELECT COUNT(*) AS n FROM ledger_ids")[0]["n"])
