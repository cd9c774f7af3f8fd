"""Tamper evidence: recompute the hash chain from the raw stored rows.

Reads every row of the events table in notification (insertion) order and checks that
revisions run 1, 2, 3… without gaps, that each row's hash equals SHA-256 over the previous
hash and the row's stored bytes (stream, version, topic, body), and that the ledger's index
tables (head, ids, commits, streams, threads) agree with the log. Format 3: it recomputes the
Merkle tree from the same rows and checks every stored node, the head's root and every stream's
head (count, last revision). Format 4: every record's key, recomputed from its stored JSON, is in
the digest index, and nothing else is (``digests.IndexCheck``). Format 5, a pass of its own
after the log held: every evidence file is re-hashed against its records (``evidence.check``).
Everything is read in one snapshot, so imports running meanwhile neither disturb nor falsely
alarm it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from ..events import codec
from . import evidence, merkle
from .backends import STORE_FORMAT, Backend
from .digests import IndexCheck
from .eventstore import GENESIS, EventStore, locate_ids, stream_year, threads_of
from .merkle import TreeHead


@dataclass
class VerifyResult:
    ok: bool
    revision: int
    hash: str
    records: int
    problem: str | None = None
    bad_revision: int | None = None
    tree: TreeHead | None = None  # the whole log's (format 3)
    at: dict[int, TreeHead] = field(default_factory=dict)  # at the sizes asked for
    evidence: evidence.Totals | None = None  # format 5: the evidence files, re-hashed


OPENERS = {"hotline_ticket": "ticket", "supervised_item_assigned": "item"}


def verify(store: EventStore, on_progress: Callable[[int], None] | None = None,
           at_sizes: Collection[int] = ()) -> VerifyResult:
    """``at_sizes``: also the tree heads of these prefixes of the log (checkpoints' sizes)."""
    with store.backend.snapshot() as c:
        return with_evidence(store.backend, c, _verify(store.backend, c, on_progress, at_sizes=at_sizes))


def with_evidence(backend: Backend, c: Any, result: VerifyResult, layout: str = STORE_FORMAT,
                  on_bytes: Callable[[int], None] | None = None) -> VerifyResult:
    """The evidence pass (format 5), once the log and its indexes held: every stored file
    re-hashed against the records that attach it (``evidence.check``). A problem here names the
    file (``result.evidence.bad_file``), not a revision: the records are intact."""
    if not result.ok or layout in ("2", "3", "4"):
        return result
    totals = evidence.check(backend, c, on_bytes)
    result.evidence = totals
    if totals.problem is not None:
        result.ok, result.problem = False, totals.problem
    return result


class _TreeCheck:
    """The Merkle tree recomputed leaf by leaf, its new nodes compared with the stored ones a
    page at a time (by level and index range)."""

    def __init__(self, backend: Backend, c: Any):
        self.backend, self.c = backend, c
        self.frontier = merkle.Frontier()
        self.made: list[tuple[int, int, bytes]] = []
        self.count = 0
        self.problem: str | None = None

    def add(self, stream: str, version: int, topic: str, state: bytes) -> None:
        self.frontier.append(merkle.record_leaf(stream, version, topic, state), self.made)
        if len(self.made) >= 5000:
            self.flush()

    def flush(self) -> None:
        by_level: dict[int, dict[int, bytes]] = {}
        for level, index, digest in self.made:
            by_level.setdefault(level, {})[index] = digest
        self.count += len(self.made)
        self.made.clear()
        if self.problem:
            return
        for level, nodes in sorted(by_level.items()):
            lo, hi = min(nodes), max(nodes)
            stored = {int(r["idx"]): bytes(r["hash"]) for r in self.backend.query(
                self.c, "SELECT idx, hash FROM ledger_merkle WHERE level = ? AND idx BETWEEN ? AND ?", (level, lo, hi))}
            if stored != nodes:
                index = min(i for i in set(nodes) | set(stored) if stored.get(i) != nodes.get(i))
                first, last = index << level, ((index + 1) << level) - 1
                self.problem = (f"the Merkle tree's stored node (level {level}, index {index}: revisions "
                                f"{first + 1}–{last + 1}) disagrees with the log (tree table altered)")
                return

    def finish(self, head_root: str | None) -> str | None:
        self.flush()
        if self.problem:
            return self.problem
        stored = int(self.backend.query(self.c, "SELECT COUNT(*) AS n FROM ledger_merkle")[0]["n"])
        if stored != self.count:
            return (f"the Merkle tree table holds {stored} nodes, the log makes {self.count} (nodes added or "
                    "removed)")
        if head_root != self.frontier.root().hex():
            return (f"the head's Merkle root ({(head_root or 'none')[:12]}…) disagrees with the log's "
                    f"({self.frontier.root().hex()[:12]}…): head altered")
        return None


class _Heads:
    """Format 3 beside the chain: every stream's last revision, the tree (``tree``) and the
    tree heads at the sizes asked for."""

    def __init__(self, backend: Backend, c: Any, tree: bool, sizes: Collection[int]):
        self.tree = _TreeCheck(backend, c) if tree else None
        self.last: dict[str, int] = {}
        self.sizes = set(sizes)
        self.at: dict[int, TreeHead] = {}
        if 0 in self.sizes:
            self.at[0] = self.head(0, {}, GENESIS, "")

    def add(self, row: Any, revision: int, streams: dict[str, tuple[str | None, int | None, int]], chain: str,
            recorded_at: str) -> None:
        stream = str(row["originator_id"])
        self.last[stream] = revision
        if self.tree is not None:
            self.tree.add(stream, int(row["originator_version"]), row["topic"], bytes(row["state"]))
        if revision in self.sizes:
            self.at[revision] = self.head(revision, streams, chain, recorded_at)

    def head(self, size: int, streams: dict[str, tuple[str | None, int | None, int]], chain: str,
             recorded_at: str) -> TreeHead:
        heads = [(s, v[2], self.last[s]) for s, v in streams.items()]
        root = self.tree.frontier.root().hex() if self.tree else ""
        return TreeHead(size, root, merkle.heads_root(heads).hex(), chain, recorded_at, len(heads))

    def finish(self, backend: Backend, c: Any) -> str | None:
        if self.tree is None:
            return None
        return self.tree.finish(_rows(backend, c, "SELECT tree_root FROM ledger_head WHERE id = 1")[0]["tree_root"])


def _verify(backend: Backend, c: Any, on_progress: Callable[[int], None] | None, *,
            layout: str = STORE_FORMAT, at_sizes: Collection[int] = ()) -> VerifyResult:
    """``layout``: the format whose tables to check ("2": the chain and the format-2 indexes,
    as before a migration)."""
    heads = _Heads(backend, c, layout != "2", at_sizes)
    digests = IndexCheck(backend, c, active=layout not in ("2", "3"))
    expected, previous, count = 1, GENESIS, 0
    commits = iter(_rows(backend, c, "SELECT first_revision, last_revision, recorded_at, actor, nid_offset "
                                     "FROM ledger_commits ORDER BY first_revision"))
    commit = next(commits, None)
    last_commit_end = 0
    streams: dict[str, tuple[str | None, int | None, int]] = {}  # stream -> (unit, year, version)
    recorded_at = ""

    def fail(problem: str, revision: int | None) -> VerifyResult:
        return VerifyResult(False, expected - 1, previous, count, problem, revision)

    page: list[tuple[int, str, str, int]] = []  # (revision, id, stream, version)
    openers: list[tuple[int, str, str]] = []  # (revision, thread key, stream)
    opened: dict[str, int] = {}  # every thread key the log opens -> its last opener's revision
    commit_actors: set[str] = set()  # the actors of the current commit's records
    reopened: dict[str, str] = {}  # thread key -> stream its row names, awaiting a later opener there

    def check_page() -> VerifyResult | None:
        problem = _page_problem(backend, c, page, openers, reopened) or digests.check_page()
        return None if problem is None else fail(*problem)

    after = 0
    while rows := backend.log_page(c, after, 5000):
        after = int(rows[-1]["nid"])
        for row in rows:
            count += 1
            nid, stream, version, topic = int(row["nid"]), str(row["originator_id"]), \
                int(row["originator_version"]), row["topic"]
            try:
                body, stored_hash = codec.split_state(bytes(row["state"]))
                data = json.loads(body + "}")
                revision = int(data["revision"])
            except (ValueError, KeyError, UnicodeDecodeError):
                return fail(f"the record stored at notification {nid} is not a sealed ledger "
                            f"record (altered)", expected)
            if revision != expected:
                what = "missing (removed) or out of order (reordered)" if revision > expected \
                    else "out of order (reordered)"
                return fail(f"revision {expected} is {what}: found revision {revision} at "
                            f"notification {nid}", expected)
            digest = codec.chain_hash(previous, stream, version, topic, body)
            if digest != stored_hash:
                return fail(f"revision {revision}: stored bytes do not match their hash (record "
                            f"altered, or moved to another stream/position)", revision)
            while commit is not None and commit["last_revision"] < revision:
                if commit["actor"] not in commit_actors:
                    return fail(_actor_problem(commit), int(commit["first_revision"]))
                commit_actors.clear()
                last_commit_end = commit["last_revision"]
                commit = next(commits, None)
            recorded_at = data.get("recorded_at", "")
            if commit is None or commit["first_revision"] != (last_commit_end + 1) or \
                    commit["recorded_at"] != recorded_at or nid != revision + commit["nid_offset"]:
                return fail(f"revision {revision}: the commit index (recorded_at, revision ranges, "
                            "positions) disagrees with the log", revision)
            commit_actors.add(data.get("actor"))
            known = streams.get(stream, (None, None, 0))[2]
            if version != known + 1:
                return fail(f"revision {revision}: stream {stream} skips from version {known} to {version}",
                            revision)
            year = stream_year(stream)
            streams[stream] = (stream[5:].rpartition(":")[0] if year is not None else None, year, version)
            heads.add(row, revision, streams, digest, recorded_at)
            page.append((revision, str(data.get("id")), stream, version))
            digests.add(revision, nid, topic, data)
            if topic in OPENERS:
                field = OPENERS[topic]
                key = f"{data.get('unit')}\x1f{field}\x1f{data.get(field)}"
                openers.append((revision, key, stream))
                opened[key] = revision
            previous = digest
            expected += 1
            if len(page) >= 5000 and (problem := check_page()):
                return problem
            if on_progress and count % 5000 == 0:
                on_progress(5000)
    if page and (problem := check_page()):
        return problem
    if reopened:
        # Named at the revision of the record that opens the key last (the one the index should
        # point at), a revision that exists.
        key = min(reopened, key=lambda k: opened[k])
        return fail(f"revision {opened[key]}: the ticket/item index points {key.replace(chr(31), ' ')} at "
                    f"{reopened[key]}, a stream with no record opening it", opened[key])
    if commit is not None and commit["actor"] not in commit_actors:
        return fail(_actor_problem(commit), int(commit["first_revision"]))
    commits_beyond = commit is not None and (commit["last_revision"] != expected - 1
                                             or next(commits, None) is not None)
    tail = _tail_problem(backend, c, expected - 1, previous, recorded_at, commits_beyond, count, len(opened),
                         streams, heads) or digests.finish()
    if tail is not None:
        return fail(*tail)
    return VerifyResult(True, expected - 1, previous, count,
                        tree=heads.head(expected - 1, streams, previous, recorded_at), at=heads.at)


def _page_problem(backend: Backend, c: Any, page: list[tuple[int, str, str, int]],
                  openers: list[tuple[int, str, str]], reopened: dict[str, str]) -> tuple[str, int] | None:
    """A page of records (revision, id, stream, version) against the id index, and the
    records among them opening tickets/items (revision, thread key, stream) against the
    ticket/item index; the page is emptied when it agrees."""
    found = locate_ids(backend, c, [p[1] for p in page])
    for revision, event_id, stream, version in page:
        if found.get(event_id) != (stream, version):
            return f"revision {revision}: the id index disagrees with the log", revision
    threads = threads_of(backend, c, {key for _, key, _ in openers})
    for revision, key, stream in openers:
        if threads.get(key) == stream:
            reopened.pop(key, None)
        elif key in threads:
            reopened[key] = threads[key]  # fine if a later opener of the key lives there
        else:
            return f"revision {revision}: the ticket/item index has no entry for this record", revision
    page.clear()
    openers.clear()
    return None


def _tail_problem(backend: Backend, c: Any, last: int, previous: str, recorded_at: str, commits_beyond: bool,
                  records: int, threads: int, streams: dict[str, tuple[str | None, int | None, int]],
                  heads: _Heads) -> tuple[str, int | None] | None:
    """Past the last record (``last``, its chain hash ``previous``): the head and the index
    tables against what the log holds. A problem here is a missing tail or an altered index
    table, and names a revision only when records are missing (the first one that is)."""
    head = _rows(backend, c, "SELECT revision, hash, recorded_at FROM ledger_head WHERE id = 1")[0]
    if int(head["revision"]) > last:
        return (f"the head says revision {head['revision']} but the log ends at revision "
                f"{last} (records removed from the end)", last + 1)
    if int(head["revision"]) != last or head["hash"] != previous or head["recorded_at"] != recorded_at:
        return (f"the head record (revision {head['revision']}, hash {head['hash'][:12]}…) disagrees with "
                f"the log, which ends at revision {last} (hash {previous[:12]}…): head altered", None)
    if commits_beyond:
        return "the commit index has entries beyond the log's last revision", None
    if int(_rows(backend, c, "SELECT COUNT(*) AS n FROM ledger_ids")[0]["n"]) != records:
        return "the id index has entries for records that are not in the log", None
    if int(_rows(backend, c, "SELECT COUNT(*) AS n FROM ledger_threads")[0]["n"]) != threads:
        return "the ticket/item index has entries no record in the log opens", None
    indexed = {r["stream"]: (r["unit"], None if r["year"] is None else int(r["year"]), int(r["version"]))
               for r in _rows(backend, c, "SELECT stream, unit, year, version FROM ledger_streams")}
    if indexed != streams:
        return "the stream index disagrees with the streams in the log", None
    if heads.tree is not None:
        stored = {r["stream"]: None if r["last_revision"] is None else int(r["last_revision"])
                  for r in _rows(backend, c, "SELECT stream, last_revision FROM ledger_streams")}
        if stored != heads.last:
            stream = min(s for s in stored if stored[s] != heads.last.get(s))
            return (f"the stream index gives {stream} last revision {stored[stream]}, the log "
                    f"{heads.last.get(stream)} (stream head altered)"), None
        if problem := heads.finish(backend, c):
            return problem, None
    return None


def _actor_problem(commit: Any) -> str:
    return (f"revision {commit['first_revision']}: the commit index names actor {commit['actor']!r} for revisions "
            f"{commit['first_revision']}–{commit['last_revision']}, which none of their records has (commit log "
            "altered)")


def _rows(backend: Backend, c: Any, statement: str) -> list[Any]:
    return backend.query(c, statement)
