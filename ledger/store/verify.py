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

On the machine's cores (``verify``, a log of ``PARALLEL_FROM`` records or more): worker processes
check one range of revisions each — a power of two long and aligned, so that each range is one
complete subtree of the Merkle tree — with the same record-by-record checks (``_Pass``), each
starting from the stored hash of the record before its range; this process then joins them
(the chain across the ranges' edges, every stream's versions, the commits' actors, the thread
keys, the tree above the ranges) and checks the tables' tails. Anything a worker or the join
finds is diagnosed again by the sequential pass, whose message names the first bad record as
it always did (a tampered store costs one more pass; an intact one, half the time on 2 cores).

Since a checkpoint (``verify_since``): only the records after the checkpoint's size are re-hashed,
and the log is proven to extend the checkpoint — see that function.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..events import codec
from . import evidence, merkle
from .backends import STORE_FORMAT, Backend, StoreDamaged, open_backend
from .digests import IndexCheck
from .eventstore import GENESIS, EventStore, _load_frontier, locate_ids, stream_year, threads_of
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
    since: int | None = None
    """``verify_since``: the checkpoint's size (only the records after it were re-hashed)."""


OPENERS = {"hotline_ticket": "ticket", "supervised_item_assigned": "item"}
PARALLEL_FROM = 100_000
"""Records from which ``verify`` uses worker processes (below, starting them costs more than
they save)."""


def workers_wanted(records: int) -> int:
    """Worker processes for a log of ``records``: ``LEDGER_VERIFY_WORKERS`` (1: none), else the
    machine's cores from ``PARALLEL_FROM`` records on."""
    text = os.environ.get("LEDGER_VERIFY_WORKERS", "")
    if text.isdigit() and int(text) >= 1:
        return int(text)
    return (os.cpu_count() or 1) if records >= PARALLEL_FROM else 1


def verify(store: EventStore, on_progress: Callable[[int], None] | None = None,
           at_sizes: Collection[int] = ()) -> VerifyResult:
    """``at_sizes``: also the tree heads of these prefixes of the log (checkpoints' sizes)."""
    with store.backend.snapshot() as c:
        head = int(_rows(store.backend, c, "SELECT revision FROM ledger_head WHERE id = 1")[0]["revision"])
        workers = workers_wanted(head)
        if workers > 1 and head >= 2 << merkle.STORED_LEVEL:
            found = _parallel(store.backend, c, head, workers, on_progress, at_sizes)
            if found is not None:
                return with_evidence(store.backend, c, found)
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


# ---------------------------------------------------------------- the Merkle tree, recomputed


class _TreeCheck:
    """The Merkle tree recomputed leaf by leaf, its new nodes compared with the stored ones a
    page at a time (by level and index range). ``base``: the leaf the frontier's first leaf is
    (a worker's range: its nodes' indexes are shifted by it)."""

    def __init__(self, backend: Backend, c: Any, frontier: merkle.Frontier | None = None, base: int = 0):
        self.backend, self.c = backend, c
        self.frontier = frontier or merkle.Frontier()
        self.base = base
        self.made: list[tuple[int, int, bytes]] = []
        self.count = 0
        self.nodes: int | None = None
        """The stored nodes the tree should have (None: those this check made)."""
        self.problem: str | None = None

    def add(self, stream: str, version: int, topic: str, state: bytes) -> None:
        self.frontier.append(merkle.record_leaf(stream, version, topic, state), self.made)
        if len(self.made) >= 5000:
            self.flush()

    def flush(self) -> None:
        by_level: dict[int, dict[int, bytes]] = {}
        base = self.base
        for level, index, digest in self.made:
            by_level.setdefault(level, {})[index + (base >> level)] = digest
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
        expected = self.count if self.nodes is None else self.nodes
        if stored != expected:
            return (f"the Merkle tree table holds {stored} nodes, the log makes {expected} (nodes added or "
                    "removed)")
        if head_root != self.frontier.root().hex():
            return (f"the head's Merkle root ({(head_root or 'none')[:12]}…) disagrees with the log's "
                    f"({self.frontier.root().hex()[:12]}…): head altered")
        return None


def stored_nodes(size: int) -> int:
    """How many nodes the store keeps for a tree of ``size`` leaves: every complete subtree of
    ``2^STORED_LEVEL`` leaves or more."""
    return sum(size >> level for level in range(merkle.STORED_LEVEL, size.bit_length() + 1))


class _Heads:
    """Format 3 beside the chain: every stream's last revision, the tree (``tree``) and the
    tree heads at the sizes asked for."""

    def __init__(self, backend: Backend, c: Any, tree: bool, sizes: Collection[int],
                 tree_check: _TreeCheck | None = None):
        self.tree = tree_check or (_TreeCheck(backend, c) if tree else None)
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


# ---------------------------------------------------------------- the records, one by one

Streams = dict[str, tuple[str | None, int | None, int]]
"""stream → (unit, year, version) as the log has it so far."""


class _Stop(Exception):
    """A record or an index disagrees: ``problem`` at ``revision`` (None: no single record)."""

    def __init__(self, problem: str, revision: int | None):
        super().__init__(problem)
        self.problem, self.revision = problem, revision


class _Pass:
    """Records read in log order from revision ``first`` on, each checked: sealed, in revision
    order, its hash over the previous one and its stored bytes, inside its commit (positions,
    time, actor), its stream's next version, in the id index and — an opener — in the thread
    index; its leaf added to the tree (``heads``).

    ``first_seen(stream, version, revision)`` decides a stream's first record in the pass when
    its version is not 1 (a range or a since pass starts mid-stream; None: the sequential pass,
    where that is a skipped version). ``edge``: the pass's commits at its edges may lie partly
    outside it (a worker's range): their actors are gathered (``edge_actors``), not checked."""

    def __init__(self, backend: Backend, c: Any, heads: _Heads, commits: Sequence[Any], *, first: int = 1,
                 previous: str = GENESIS, last: int | None = None,
                 first_seen: Callable[[str, int, int], str | None] | None = None, edge: bool = False,
                 on_progress: Callable[[int], None] | None = None, digests: bool = True):
        self.backend, self.c, self.heads = backend, c, heads
        self.digests = IndexCheck(backend, c, active=digests)
        """The digest index (format 4): each record's key under its notification id."""
        self.first, self.expected, self.previous, self.last = first, first, previous, last
        self.count = 0
        self.recorded_at = ""
        self.streams: Streams = {}
        self.began: dict[str, int] = {}
        """Each stream's first version in the pass."""
        self.first_seen = first_seen
        self.edge = edge
        self.on_progress = on_progress
        self.commits = iter(commits)
        self.commit = next(self.commits, None)
        self.commit_end = first - 1 if not (edge and self.commit is not None) else \
            min(first, int(self.commit["first_revision"])) - 1
        self.commit_actors: set[str] = set()
        self.edge_actors: dict[int, set[str]] = {}
        self.page: list[tuple[int, str, str, int]] = []  # (revision, id, stream, version)
        self.openers: list[tuple[int, str, str]] = []  # (revision, thread key, stream)
        self.opened: dict[str, int] = {}  # every thread key opened -> its last opener's revision
        self.reopened: dict[str, str] = {}  # thread key -> stream its row names, awaiting a later opener there

    def run(self, after_nid: int) -> None:
        """Read and check from the row after notification ``after_nid`` up to revision ``last``
        (default: the end of the log); raises ``_Stop`` at the first problem."""
        after = after_nid
        while rows := self.backend.log_page(self.c, after, 5000):
            after = int(rows[-1]["nid"])
            for row in rows:
                if self.last is not None and self.expected > self.last:
                    self._next_range(row)
                    return self.close()
                self.row(row)
        self.close()

    def _next_range(self, row: Any) -> None:
        """The row after a range's last is the next range's first (nothing stored between)."""
        try:
            body, _ = codec.split_state(bytes(row["state"]))
            found = int(json.loads(body + "}")["revision"])
        except (ValueError, KeyError, UnicodeDecodeError):
            found = None
        if found != self.expected:
            raise _Stop(f"revision {self.expected} is missing or out of order", self.expected)

    def row(self, row: Any) -> None:
        self.count += 1
        expected = self.expected
        nid, stream, version, topic = int(row["nid"]), str(row["originator_id"]), \
            int(row["originator_version"]), row["topic"]
        try:
            body, stored_hash = codec.split_state(bytes(row["state"]))
            data = json.loads(body + "}")
            revision = int(data["revision"])
        except (ValueError, KeyError, UnicodeDecodeError):
            raise _Stop(f"the record stored at notification {nid} is not a sealed ledger record (altered)",
                        expected) from None
        if revision != expected:
            what = "missing (removed) or out of order (reordered)" if revision > expected \
                else "out of order (reordered)"
            raise _Stop(f"revision {expected} is {what}: found revision {revision} at notification {nid}", expected)
        digest = codec.chain_hash(self.previous, stream, version, topic, body)
        if digest != stored_hash:
            raise _Stop(f"revision {revision}: stored bytes do not match their hash (record altered, or moved to "
                        "another stream/position)", revision)
        commit = self.commit
        while commit is not None and commit["last_revision"] < revision:
            self._close_commit(commit)
            commit = self.commit = next(self.commits, None)
        recorded_at = self.recorded_at = data.get("recorded_at", "")
        if commit is None or commit["first_revision"] != (self.commit_end + 1) or \
                commit["recorded_at"] != recorded_at or nid != revision + commit["nid_offset"]:
            raise _Stop(f"revision {revision}: the commit index (recorded_at, revision ranges, positions) disagrees "
                        "with the log", revision)
        self.commit_actors.add(data.get("actor"))
        streams = self.streams
        known = streams.get(stream)
        if known is None:
            self.began[stream] = version
        if known is None and version != 1 and self.first_seen is not None:
            problem = self.first_seen(stream, version, revision)
            if problem is not None:
                raise _Stop(problem, revision)
        elif version != (known[2] if known else 0) + 1:
            raise _Stop(f"revision {revision}: stream {stream} skips from version {known[2] if known else 0} to "
                        f"{version}", revision)
        year = stream_year(stream)
        streams[stream] = (stream[5:].rpartition(":")[0] if year is not None else None, year, version)
        self.heads.add(row, revision, streams, digest, recorded_at)
        self.page.append((revision, str(data.get("id")), stream, version))
        self.digests.add(revision, nid, topic, data)
        if topic in OPENERS:
            name = OPENERS[topic]
            key = f"{data.get('unit')}\x1f{name}\x1f{data.get(name)}"
            self.openers.append((revision, key, stream))
            self.opened[key] = revision
        self.previous = digest
        self.expected += 1
        if len(self.page) >= 5000:
            self.check_page()
        if self.on_progress and self.count % 5000 == 0:
            self.on_progress(5000)

    def _close_commit(self, commit: Any) -> None:
        if self._at_edge(commit):
            self.edge_actors[int(commit["first_revision"])] = set(self.commit_actors)
        elif commit["actor"] not in self.commit_actors:
            raise _Stop(_actor_problem(commit), int(commit["first_revision"]))
        self.commit_actors.clear()
        self.commit_end = int(commit["last_revision"])

    def check_page(self) -> None:
        problem = _page_problem(self.backend, self.c, self.page, self.openers, self.reopened) or \
            self.digests.check_page()
        if problem is not None:
            raise _Stop(*problem)

    def _at_edge(self, commit: Any) -> bool:
        """A worker's commit that began before its range or ends after it."""
        return self.edge and (int(commit["first_revision"]) < self.first or
                              (self.last is not None and int(commit["last_revision"]) > self.last))

    def close(self) -> None:
        """The last page; the commit the pass ends in (a worker's at its edge: its actors, for
        the join)."""
        if self.page:
            self.check_page()
        commit = self.commit
        if commit is None:
            return
        if self._at_edge(commit):
            self.edge_actors[int(commit["first_revision"])] = set(self.commit_actors)
        elif commit["actor"] not in self.commit_actors:
            raise _Stop(_actor_problem(commit), int(commit["first_revision"]))

    def reopened_problem(self) -> tuple[str, int] | None:
        if not self.reopened:
            return None
        # Named at the revision of the record that opens the key last (the one the index should
        # point at), a revision that exists.
        key = min(self.reopened, key=lambda k: self.opened[k])
        return (f"revision {self.opened[key]}: the ticket/item index points {key.replace(chr(31), ' ')} at "
                f"{self.reopened[key]}, a stream with no record opening it", self.opened[key])


def _verify(backend: Backend, c: Any, on_progress: Callable[[int], None] | None, *,
            layout: str = STORE_FORMAT, at_sizes: Collection[int] = ()) -> VerifyResult:
    """The whole log in one pass. ``layout``: the format whose tables to check ("2": the chain
    and the format-2 indexes, as before a migration)."""
    heads = _Heads(backend, c, layout != "2", at_sizes)
    commits = _rows(backend, c, "SELECT first_revision, last_revision, recorded_at, actor, nid_offset "
                                "FROM ledger_commits ORDER BY first_revision")
    run = _Pass(backend, c, heads, commits, on_progress=on_progress, digests=layout not in ("2", "3"))

    def fail(problem: str, revision: int | None) -> VerifyResult:
        return VerifyResult(False, run.expected - 1, run.previous, run.count, problem, revision)

    try:
        run.run(0)
    except _Stop as stop:
        return fail(stop.problem, stop.revision)
    if (problem := run.reopened_problem()) is not None:
        return fail(*problem)
    last = run.expected - 1
    commits_beyond = run.commit is not None and (run.commit["last_revision"] != last
                                                 or next(run.commits, None) is not None)
    tail = _tail_problem(backend, c, last, run.previous, run.recorded_at, commits_beyond, run.count, len(run.opened),
                         run.streams, heads) or run.digests.finish()
    if tail is not None:
        return fail(*tail)
    return VerifyResult(True, last, run.previous, run.count,
                        tree=heads.head(last, run.streams, run.previous, run.recorded_at), at=heads.at)


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
                  records: int, threads: int | None, streams: Streams,
                  heads: _Heads) -> tuple[str, int | None] | None:
    """Past the last record (``last``, its chain hash ``previous``): the head and the index
    tables against what the log holds. A problem here is a missing tail or an altered index
    table, and names a revision only when records are missing (the first one that is).
    ``threads``: the thread keys the log opens (None: not counted)."""
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
    if threads is not None and int(_rows(backend, c, "SELECT COUNT(*) AS n FROM ledger_threads")[0]["n"]) != threads:
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


def _rows(backend: Backend, c: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
    return backend.query(c, statement, params)


COMMITS = "SELECT first_revision, last_revision, recorded_at, actor, nid_offset FROM ledger_commits"


def _record_at(backend: Backend, c: Any, revision: int) -> tuple[int, str, str] | None:
    """(notification id, stored chain hash, recorded_at) of the record of ``revision``, found
    through its commit's offset; None when it is not there or is not that revision's."""
    found = _rows(backend, c, COMMITS + " WHERE first_revision <= ? AND last_revision >= ?", (revision, revision))
    if not found:
        return None
    nid = revision + int(found[0]["nid_offset"])
    rows = _rows(backend, c, f"SELECT state FROM {backend.recorder.events_table_name} WHERE {backend.nid_column} = ?",
                 (nid,))
    if not rows:
        return None
    try:
        body, stored_hash = codec.split_state(bytes(rows[0]["state"]))
        data = json.loads(body + "}")
        if int(data["revision"]) != revision:
            return None
    except (ValueError, KeyError, UnicodeDecodeError):
        return None
    return nid, stored_hash, str(data.get("recorded_at", ""))


# ---------------------------------------------------------------- on the machine's cores


class _RangeHeads(_Heads):
    """A worker's heads: at the sizes asked for, what the join needs to make the tree head
    there (the range's streams so far, their last revisions, its frontier, the chain hash, the
    time), since the range alone cannot."""

    def __init__(self, backend: Backend, c: Any, sizes: Collection[int], tree: _TreeCheck):
        super().__init__(backend, c, True, (), tree)
        self.wanted = set(sizes)
        self.local: dict[int, tuple[Streams, dict[str, int], list[bytes], str, str]] = {}

    def add(self, row: Any, revision: int, streams: Streams, chain: str, recorded_at: str) -> None:
        super().add(row, revision, streams, chain, recorded_at)
        if revision in self.wanted:
            assert self.tree is not None
            self.local[revision] = (dict(streams), dict(self.last), list(self.tree.frontier.stack), chain,
                                    recorded_at)


@dataclass
class _Range:
    """What a worker found in its range of revisions (``_check_range``)."""

    first: int
    last: int
    """The last revision it checked."""
    previous: str
    """The stored chain hash of the record before the range: where its chain starts."""
    digest: str = ""
    recorded_at: str = ""
    problem: bool = False
    """It found one (the sequential pass says which)."""
    streams: Streams = field(default_factory=dict)
    began: dict[str, int] = field(default_factory=dict)
    """Each stream's first version in the range."""
    last_revisions: dict[str, int] = field(default_factory=dict)
    edge_actors: dict[int, set[str]] = field(default_factory=dict)
    opened: dict[str, int] = field(default_factory=dict)
    reopened: dict[str, str] = field(default_factory=dict)
    stack: list[bytes] = field(default_factory=list)
    """Its frontier: one subtree (a complete range), or the last range's several."""
    nodes: int = 0
    digests: int = 0
    """Records whose digest index entry it found."""
    local: dict[int, tuple[Streams, dict[str, int], list[bytes], str, str]] = field(default_factory=dict)


def _check_range(url: Any, first: int, last: int, sizes: Collection[int]) -> _Range:
    """A worker process: revisions ``first``…``last`` checked in a snapshot of its own (the log
    only grows: the records of a range never change under it)."""
    backend = open_backend(url, create=False)
    try:
        with backend.snapshot() as c:
            return _range(backend, c, first, last, sizes)
    finally:
        backend.close()


def _range(backend: Backend, c: Any, first: int, last: int, sizes: Collection[int]) -> _Range:
    commits = _rows(backend, c, COMMITS + " WHERE last_revision >= ? AND first_revision <= ? ORDER BY first_revision",
                    (first, last))
    before = (0, GENESIS) if first == 1 else _record_at(backend, c, first - 1)
    if not commits or before is None:
        return _Range(first, first - 1, "", problem=True)
    tree = _TreeCheck(backend, c, base=first - 1)
    heads = _RangeHeads(backend, c, sizes, tree)
    found = _Range(first, last, before[1])
    run = _Pass(backend, c, heads, commits, first=first, previous=before[1], last=last,
                first_seen=lambda stream, version, revision: None, edge=True)
    try:
        # from the start of the log for the first range (as the sequential pass reads it); else
        # from the range's first record (the range before checked the row after its last)
        run.run(0 if first == 1 else first - 1 + int(commits[0]["nid_offset"]))
        tree.flush()
    except _Stop:
        found.problem = True
        return found
    found.problem = tree.problem is not None or run.expected - 1 != last
    found.digest, found.recorded_at = run.previous, run.recorded_at
    found.streams, found.began, found.last_revisions = run.streams, run.began, heads.last
    found.edge_actors, found.opened, found.reopened = run.edge_actors, run.opened, run.reopened
    found.stack, found.nodes, found.local = tree.frontier.stack, tree.count, heads.local
    found.digests = run.digests.count
    return found


def _push(stack: list[bytes], size: int, digest: bytes, level: int, made: list[tuple[int, int, bytes]]) -> None:
    """Append a complete subtree of ``2^level`` leaves, the ``size``-th of its level, to a
    frontier's ``stack`` (its subtrees, biggest first), with the nodes it completes."""
    index = size
    while index & 1:
        digest = merkle.node_hash(stack.pop(), digest)
        level += 1
        index >>= 1
        made.append((level, index, digest))
    stack.append(digest)


def _parallel(backend: Backend, c: Any, head: int, workers: int, on_progress: Callable[[int], None] | None,
              at_sizes: Collection[int]) -> VerifyResult | None:
    """The log checked by ``workers`` processes, a range each at a time, joined here; None when
    anything disagrees (the sequential pass then says what)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    level = max(merkle.STORED_LEVEL, (head // (4 * workers)).bit_length() - 1)
    span = 1 << level
    ranges = [(first, min(first + span - 1, head)) for first in range(1, head + 1, span)]
    sizes = set(at_sizes)
    # fork: a worker opens its own connection and touches nothing of this process's; spawn would
    # run the caller's main module again (a script without a __main__ guard)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    found: list[_Range] = []
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(_check_range, backend.url, first, last, {s for s in sizes if first <= s <= last})
                       for first, last in ranges]
            for future in futures:
                found.append(future.result())
                if on_progress:
                    on_progress(found[-1].last - found[-1].first + 1)
                if found[-1].problem:
                    for rest in futures:
                        rest.cancel()
                    return None
    except Exception:  # noqa: BLE001 - no workers to be had, or one failed: the sequential pass says what
        return None
    return _join(backend, c, found, level, sizes)


def _join(backend: Backend, c: Any, found: list[_Range], level: int, sizes: set[int]) -> VerifyResult | None:
    """The workers' ranges as one log: each begins where the one before ended (revision and
    chain hash), every stream's versions run on across them, each commit cut by a range's edge
    has its actor among its records, every thread key's last opener is where the index points;
    then the tree above the ranges and the tables' tails."""
    heads = _Heads(backend, c, True, sizes)
    assert heads.tree is not None
    streams: Streams = {}
    top: list[bytes] = []
    made: list[tuple[int, int, bytes]] = []
    edge: dict[int, set[str]] = {}
    opened: dict[str, int] = {}
    reopened: dict[str, str] = {}
    previous, expected, recorded_at, nodes, complete = GENESIS, 1, "", 0, 0
    digests = IndexCheck(backend, c)
    last_stack: list[bytes] = []
    at = dict(heads.at)
    for r in found:
        if r.first != expected or r.previous != previous:
            return None
        for stream, version in r.began.items():
            if version != streams.get(stream, (None, None, 0))[2] + 1:
                return None
        for size, (local, lasts, stack, chain, moment) in r.local.items():
            merged = {**streams, **local}
            last_of = {**heads.last, **lasts}
            root = merkle.Frontier(size, top + stack).root().hex()
            at[size] = TreeHead(size, root, merkle.heads_root((s, v[2], last_of[s]) for s, v in merged.items()).hex(),
                                chain, moment, len(merged))
        streams.update(r.streams)
        heads.last.update(r.last_revisions)
        for commit, actors in r.edge_actors.items():
            edge.setdefault(commit, set()).update(actors)
        for key, revision in r.opened.items():
            opened[key] = revision
            if key in r.reopened:
                reopened[key] = r.reopened[key]
            else:
                reopened.pop(key, None)
        nodes += r.nodes
        digests.count += r.digests
        if r.last - r.first + 1 == 1 << level:
            _push(top, complete, r.stack[0], level, made)
            complete += 1
        else:
            last_stack = r.stack
        previous, expected, recorded_at = r.digest, r.last + 1, r.recorded_at
    last = expected - 1
    end = 0
    for commit in _rows(backend, c, COMMITS + " ORDER BY first_revision"):
        if int(commit["first_revision"]) != end + 1:
            return None
        end = int(commit["last_revision"])
        seen = edge.get(int(commit["first_revision"]))
        if seen is not None and commit["actor"] not in seen:
            return None
    if end != last or reopened or _record_at(backend, c, last) is None:
        return None
    nid = last + int(_rows(backend, c, COMMITS + " WHERE last_revision = ?", (last,))[0]["nid_offset"])
    events = backend.recorder.events_table_name
    if _rows(backend, c, f"SELECT 1 AS x FROM {events} WHERE {backend.nid_column} > ? LIMIT 1", (nid,)):
        return None  # a row stored after the head's record (the workers stop at the head)
    heads.tree.frontier = merkle.Frontier(last, top + last_stack)
    heads.tree.made, heads.tree.count = made, nodes
    if (_tail_problem(backend, c, last, previous, recorded_at, False, last, len(opened), streams, heads)
            or digests.finish()) is not None:
        return None
    return VerifyResult(True, last, previous, last, tree=heads.head(last, streams, previous, recorded_at), at=at)


# ---------------------------------------------------------------- since a checkpoint


def verify_since(store: EventStore, size: int, root: str, heads_root: str, streams: int, chain_hash: str,
                 on_progress: Callable[[int], None] | None = None) -> VerifyResult:
    """The records appended after a checkpoint of ``size`` records (its Merkle ``root``,
    stream-heads root, number of streams and chain hash) re-hashed, and the log proven to
    extend the checkpoint:

    * the record at ``size`` carries the checkpoint's chain hash, and each record after it
      extends the chain from there (in order, in its commit, its stream's next version, in the
      id and thread indexes) — as the full check does, from that point;
    * the stored tree's right edge at ``size`` gives the checkpoint's root, and the new records'
      leaves appended to it give every stored node since and the head's root: the tree at the
      head extends the checkpoint's (RFC 6962 consistency, computed rather than looked up);
    * the stream index at the head, with the new records taken back off it, gives the
      checkpoint's stream-heads root: every stream's length agrees with the checkpoint and the
      new records, the untouched streams included.

    Evidence files (format 5) first attached after the checkpoint are read and re-hashed; those
    attached before are checked by their stored size. What it leaves to the full check (`ledger
    verify`, `--checkpoint F`): the records up to the checkpoint are not read again — their
    stored tree hashes are trusted as far as they give the signed root — and the thread index
    is checked for the new records' keys, not counted."""
    with store.backend.snapshot() as c:
        found = _since(store.backend, c, size, root, heads_root, streams, chain_hash, on_progress)
        if not found.ok:
            return found
        totals = evidence.check(store.backend, c, after=size)  # the files attached since, re-hashed
        found.evidence = totals
        if totals.problem is not None:
            found.ok, found.problem = False, totals.problem
        return found


def _since(backend: Backend, c: Any, size: int, root: str, heads_root: str, streams_count: int, chain_hash: str,
           on_progress: Callable[[int], None] | None) -> VerifyResult:
    head = int(_rows(backend, c, "SELECT revision FROM ledger_head WHERE id = 1")[0]["revision"])

    def fail(problem: str, revision: int | None, checked: int = size, digest: str = chain_hash,
             records: int = 0) -> VerifyResult:
        return VerifyResult(False, checked, digest, records, problem, revision, since=size)

    if size > head:
        return fail(f"the checkpoint is of {size} records but the log has {head} (records removed, or a checkpoint "
                    "of another log)", head + 1, head)
    start = (0, GENESIS, "") if size == 0 else _record_at(backend, c, size)
    if start is None or start[1] != chain_hash:
        return fail(f"the record at revision {size} does not carry the checkpoint's chain hash ({chain_hash[:12]}…): "
                    "history rewritten before the checkpoint, or a checkpoint of another log", size, size - 1)
    try:
        frontier = _load_frontier(backend, c, size, root)
    except StoreDamaged:
        return fail(f"the stored Merkle tree at size {size} does not give the checkpoint's root ({root[:12]}…): "
                    "history rewritten before the checkpoint, or the tree table altered", None)
    tree = _TreeCheck(backend, c, frontier)
    heads = _Heads(backend, c, True, (), tree)
    going_on: dict[str, tuple[int, int]] = {}  # stream -> (its first version after the checkpoint, that revision)

    def first_seen(stream: str, version: int, revision: int) -> str | None:
        going_on[stream] = (version, revision)  # its version before, looked up below with the others
        return None

    commits = _rows(backend, c, COMMITS + " WHERE last_revision > ? ORDER BY first_revision", (size,))
    run = _Pass(backend, c, heads, commits, first=size + 1, previous=chain_hash, first_seen=first_seen,
                on_progress=on_progress)
    run.recorded_at = start[2]  # the head's, when nothing was appended since the checkpoint
    try:
        run.run(start[0])
    except _Stop as stop:
        return fail(stop.problem, stop.revision, run.expected - 1, run.previous, run.count)
    if (problem := run.reopened_problem()) is not None:
        return fail(*problem, run.expected - 1, run.previous, run.count)
    last = run.expected - 1
    before, problem = _versions_before(backend, c, going_on, size)
    if problem is not None:
        return fail(*problem, last, run.previous, run.count)
    indexed = {r["stream"]: (r["unit"], None if r["year"] is None else int(r["year"]), int(r["version"]),
                             None if r["last_revision"] is None else int(r["last_revision"]))
               for r in _rows(backend, c, "SELECT stream, unit, year, version, last_revision FROM ledger_streams")}
    then = []
    for stream, (_unit, _year, version, last_revision) in indexed.items():
        if stream in run.streams:
            if stream in before:
                then.append((stream, *before[stream]))
        elif last_revision is not None:
            then.append((stream, version, last_revision))
    if merkle.heads_root(then).hex() != heads_root or len(then) != streams_count:
        return fail("the stream index, the new records taken off it, disagrees with the checkpoint's stream heads "
                    "(a stream head altered, or history rewritten before the checkpoint)", None, last, run.previous,
                    run.count)
    now: Streams = {s: v[:3] for s, v in indexed.items()}
    now.update(run.streams)  # the touched streams as the log has them; the others as at the checkpoint
    touched = heads.last
    heads.last = {s: v[3] for s, v in indexed.items() if v[3] is not None and s not in touched}
    heads.last.update(touched)
    tree.nodes = stored_nodes(last)
    commits_beyond = run.commit is not None and (run.commit["last_revision"] != last
                                                 or next(run.commits, None) is not None)
    run.digests.count += size  # the records up to the checkpoint: one entry each, as the full check finds
    tail = _tail_problem(backend, c, last, run.previous, run.recorded_at, commits_beyond, last, None, now, heads) or \
        run.digests.finish()
    if tail is not None:
        return fail(*tail, last, run.previous, run.count)
    return VerifyResult(True, last, run.previous, run.count,
                        tree=heads.head(last, now, run.previous, run.recorded_at), since=size)


def _versions_before(backend: Backend, c: Any, going_on: dict[str, tuple[int, int]],
                     size: int) -> tuple[dict[str, tuple[int, int]], tuple[str, int] | None]:
    """Each stream the records after a checkpoint go on (stream → its first version after it,
    that record's revision): the stream's record before — its version then and its revision,
    which must be in the log by the checkpoint's size — read 500 at a time by key."""
    events = backend.recorder.events_table_name
    wanted = sorted(going_on.items(), key=lambda item: item[1][1])
    before: dict[str, tuple[int, int]] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        keys = " OR ".join(["(originator_id = ? AND originator_version = ?)"] * len(chunk))  # each by the key
        params = [x for stream, (version, _) in chunk for x in (stream, version - 1)]
        rows = _rows(backend, c, f"SELECT originator_id, originator_version, state FROM {events} WHERE {keys}",
                     params)
        found = {}
        for r in rows:
            try:
                found[str(r["originator_id"])] = int(codec.loads(bytes(r["state"]))["revision"])
            except (ValueError, KeyError, TypeError):
                continue
        for stream, (version, revision) in chunk:
            then = found.get(stream)
            if then is None or then > size:
                return before, (f"revision {revision}: stream {stream} goes on at version {version}, but its version "
                                f"{version - 1} is not a record of the log before the checkpoint", revision)
            before[stream] = (version - 1, then)
    return before, None
