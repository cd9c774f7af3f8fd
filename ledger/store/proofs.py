"""Proofs from the stored Merkle tree: a tree head, inclusion of a record, consistency of two
sizes, and a stream's head (its completeness). Each reads O(log n) tree rows and a few dozen
records at most (the stream head: the stream index) in one read snapshot; checking them needs
only ``merkle.verify_*``."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..i18n import Msg
from . import merkle
from .backends import Backend
from .eventstore import EventStore, heads_of, leaves_of, tree_head  # noqa: F401 - tree_head: part of this API


@dataclass(frozen=True)
class InclusionProof:
    """Record ``revision`` (leaf ``revision - 1``) is in the log of ``size`` records whose root is
    ``root``: ``merkle.verify_inclusion(revision - 1, size, leaf, path, root)``."""

    revision: int
    size: int
    stream: str
    version: int
    topic: str
    state: bytes
    leaf: bytes
    path: list[bytes]
    root: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "leaf_index": self.revision - 1, "tree_size": self.size,
                "stream": self.stream, "version": self.version, "topic": self.topic,
                "leaf_hash": self.leaf.hex(), "path": [p.hex() for p in self.path], "root": self.root.hex()}


@dataclass(frozen=True)
class StreamHeadProof:
    """The stream-heads tree holds (stream, count, last revision) at ``index`` of ``size``
    leaves: ``merkle.verify_inclusion(index, size, merkle.head_leaf(stream, count, last_revision),
    path, heads_root)``."""

    stream: str
    count: int
    last_revision: int
    index: int
    size: int
    path: list[bytes]
    heads_root: bytes


def _rows_at(backend: Backend, c: Any, revisions: set[int]) -> dict[int, Any]:
    """The stored rows of these revisions (notification id = revision + its commit's offset)."""
    found: dict[int, Any] = {}
    table = backend.recorder.events_table_name
    for revision in sorted(revisions):
        offset = backend.query(c, "SELECT nid_offset FROM ledger_commits WHERE first_revision <= ? AND "
                                  "last_revision >= ? ", (revision, revision))
        nid = revision + (int(offset[0]["nid_offset"]) if offset else 0)
        rows = backend.query(c, f"SELECT originator_id, originator_version, topic, state FROM {table} "
                                f"WHERE {backend.nid_column} = ?", (nid,))
        if not rows:
            raise InputError(Msg("a revision of the log (revision {revision}'s record is missing: run `ledger"
                                 " verify`)",
                                 revision=revision),
                             field="revision", got=str(revision), problem=True)
        found[revision] = rows[0]
    return found


def _leaf(row: Any) -> bytes:
    return merkle.record_leaf(str(row["originator_id"]), int(row["originator_version"]), row["topic"],
                              bytes(row["state"]))


class _Nodes:
    """Complete-subtree hashes for a set of proof ranges, fetched together: stored nodes in one
    query, smaller subtrees rebuilt from their records' leaves."""

    def __init__(self, backend: Backend, c: Any, ranges: list[merkle.Range]):
        wanted = {s for lo, hi in ranges for s in merkle.subtrees(lo, hi)}
        self.nodes = backend.tree_nodes(c, [w for w in wanted if w[0] >= merkle.STORED_LEVEL])
        small = sorted((index << level, (index + 1) << level) for level, index in wanted
                       if level < merkle.STORED_LEVEL)
        runs: list[list[int]] = []  # contiguous leaf ranges, read one query each
        for lo, hi in small:
            if runs and lo <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], hi)
            else:
                runs.append([lo, hi])
        leaves: dict[int, bytes] = {}
        for lo, hi in runs:
            leaves.update(zip(range(lo, hi), leaves_of(backend, c, lo + 1, hi), strict=True))
        for level, index in wanted:
            if level < merkle.STORED_LEVEL:
                self.nodes[(level, index)] = merkle.root_of([leaves[i] for i in range(index << level,
                                                                                     (index + 1) << level)])
        missing = wanted - set(self.nodes)
        if missing:
            level, index = min(missing)
            raise InputError(Msg("a stored Merkle tree (node level {level}, index {index} is missing: run `ledger"
                                 " verify`)",
                                 level=level, index=index), problem=True)

    def hash(self, lo: int, hi: int) -> bytes:
        return merkle.range_hash(lo, hi, lambda level, index: self.nodes[(level, index)])


def _size(backend: Backend, c: Any, size: int | None, field: str) -> int:
    head = int(backend.query(c, "SELECT revision FROM ledger_head WHERE id = 1")[0]["revision"])
    if size is None:
        return head
    if not 0 <= size <= head:
        raise InputError(Msg("a tree size from 0 to {head} (the log's size)", head=head), field=field, got=str(size))
    return size


def root_at(store: EventStore, size: int) -> bytes:
    with store.backend.snapshot() as c:
        size = _size(store.backend, c, size, "size")
        return _Nodes(store.backend, c, [(0, size)]).hash(0, size) if size else merkle.EMPTY_ROOT


def inclusion_proof(store: EventStore, revision: int, size: int | None = None) -> InclusionProof:
    """The audit path of record ``revision`` in the tree of the first ``size`` records (default:
    the whole log), with the record's stored row (its leaf data) and the root."""
    backend = store.backend
    with backend.snapshot() as c:
        size = _size(backend, c, size, "size")
        if not 1 <= revision <= size:
            raise InputError(Msg("a revision from 1 to {size}", size=size), field="revision", got=str(revision))
        ranges = merkle.inclusion_ranges(revision - 1, size)
        nodes = _Nodes(backend, c, [*ranges, (0, size), (revision - 1, revision)])
        row = _rows_at(backend, c, {revision})[revision]
        return InclusionProof(revision, size, str(row["originator_id"]), int(row["originator_version"]),
                              row["topic"], bytes(row["state"]), _leaf(row), [nodes.hash(*r) for r in ranges],
                              nodes.hash(0, size))


def consistency_proof(store: EventStore, old: int, new: int | None = None) -> tuple[int, list[bytes], bytes, bytes]:
    """(new size, the RFC 6962 consistency proof from size ``old`` to ``new``, old root, new root)."""
    backend = store.backend
    with backend.snapshot() as c:
        new = _size(backend, c, new, "new size")
        if not 0 <= old <= new:
            raise InputError(Msg("an older size from 0 to {new}", new=new), field="old size", got=str(old))
        ranges = merkle.consistency_ranges(old, new)
        wanted = [*ranges] + [(0, s) for s in (old, new) if s]
        nodes = _Nodes(backend, c, wanted)
        roots = [nodes.hash(0, s) if s else merkle.EMPTY_ROOT for s in (old, new)]
        return new, [nodes.hash(*r) for r in ranges], roots[0], roots[1]


def stream_head_proof(store: EventStore, stream: str) -> StreamHeadProof:
    """The stream's head (count, last revision) and its path in the current stream-heads tree."""
    with store.backend.snapshot() as c:
        heads = sorted(heads_of(store.backend, c), key=lambda h: h[0].encode())
    index = next((i for i, h in enumerate(heads) if h[0] == stream), None)
    if index is None:
        raise InputError("a stream of the log", field="stream", got=repr(stream))
    leaves = [merkle.head_leaf(*h) for h in heads]
    path = [merkle.root_of(leaves[lo:hi]) for lo, hi in merkle.inclusion_ranges(index, len(leaves))]
    _, count, last = heads[index]
    return StreamHeadProof(stream, count, last, index, len(leaves), path, merkle.root_of(leaves))


@dataclass(frozen=True)
class BatchProof:
    """Many records of the tree of the first ``size`` records, proven together: their stored
    rows by revision, and the hashes of ``merkle.batch_ranges`` (check with
    ``merkle.root_from_batch`` against ``root``)."""

    size: int
    rows: dict[int, tuple[str, int, str, bytes]]
    nodes: list[bytes]
    root: bytes

    def leaf(self, revision: int) -> bytes:
        return merkle.record_leaf(*self.rows[revision])


def batch_proof(store: EventStore, revisions: Iterable[int], size: int) -> BatchProof:
    """The records of ``revisions`` with one batch inclusion proof in the tree of the first
    ``size`` records, read in one snapshot: what a packet carries."""
    backend = store.backend
    wanted = sorted(set(revisions))
    with backend.snapshot() as c:
        size = _size(backend, c, size, "size")
        for revision in wanted:
            if not 1 <= revision <= size:
                raise InputError(Msg("a revision from 1 to {size}", size=size), field="revision", got=str(revision))
        ranges = merkle.batch_ranges([r - 1 for r in wanted], size)
        nodes = _Nodes(backend, c, [*ranges, (0, size)] if size else ranges)
        rows = _rows_at(backend, c, set(wanted))
        root = nodes.hash(0, size) if size else merkle.EMPTY_ROOT
        return BatchProof(size, {r: (str(rows[r]["originator_id"]), int(rows[r]["originator_version"]),
                                     rows[r]["topic"], bytes(rows[r]["state"])) for r in wanted},
                          [nodes.hash(*rg) for rg in ranges], root)


def heads_snapshot(store: EventStore) -> tuple[merkle.TreeHead, list[tuple[str, int, int]]]:
    """The current tree head and every stream head (sorted by the stream's bytes, as in the
    stream-heads tree), read together so that they describe the same log."""
    with store.backend.snapshot() as c:
        head = tree_head(store.backend, c)
        heads = sorted(heads_of(store.backend, c), key=lambda h: h[0].encode())
    return head, heads


def head_path(heads: list[tuple[str, int, int]], index: int) -> dict[str, Any]:
    """Stream head ``index`` of ``heads`` with its path in the stream-heads tree (JSON-ready);
    check with ``verify_head``."""
    leaves = [merkle.head_leaf(*h) for h in heads]
    stream, count, last = heads[index]
    return {"stream": stream, "count": count, "last_revision": last, "index": index,
            "path": [merkle.root_of(leaves[lo:hi]).hex() for lo, hi in merkle.inclusion_ranges(index, len(leaves))]}


def absence_proof(heads: list[tuple[str, int, int]], stream: str) -> list[dict[str, Any]]:
    """That ``stream`` has no head (no records): the heads on either side of where it would
    sort, each with its path (one at either end of the tree)."""
    names = [h[0].encode() for h in heads]
    at = bisect.bisect_left(names, stream.encode())
    if at < len(names) and names[at] == stream.encode():
        raise InputError("a stream with no records", field="stream", got=repr(stream))
    return [head_path(heads, i) for i in (at - 1, at) if 0 <= i < len(heads)]


def verify_head(head: dict[str, Any], size: int, heads_root: bytes) -> bool:
    leaf = merkle.head_leaf(str(head["stream"]), int(head["count"]), int(head["last_revision"]))
    return merkle.verify_inclusion(int(head["index"]), size, leaf, [bytes.fromhex(p) for p in head["path"]],
                                   heads_root)


def verify_absence(stream: str, neighbours: list[dict[str, Any]], size: int, heads_root: bytes) -> bool:
    """``absence_proof``'s answer checked: proven neighbours, adjacent, sorting around ``stream``."""
    if not all(verify_head(n, size, heads_root) for n in neighbours):
        return False
    key = stream.encode()
    if len(neighbours) == 2:
        left, right = neighbours
        return (int(right["index"]) == int(left["index"]) + 1 and str(left["stream"]).encode() < key
                < str(right["stream"]).encode())
    if len(neighbours) == 1:
        only = neighbours[0]
        if int(only["index"]) == 0:
            return key < str(only["stream"]).encode()
        return int(only["index"]) == size - 1 and str(only["stream"]).encode() < key
    return size == 0
