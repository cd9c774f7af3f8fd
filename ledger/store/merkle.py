"""RFC 6962 Merkle trees over the log (Certificate Transparency's hashing, SHA-256).

* leaf hash  = SHA-256(0x00 ‖ leaf data), node hash = SHA-256(0x01 ‖ left ‖ right);
* the tree of n leaves splits at the largest power of two below n (RFC 6962 §2.1);
* the empty tree's hash is SHA-256 of nothing.

The log's leaf ``i`` (0-based) is the record of revision ``i + 1``; its leaf data is the
record's stored row: ``stream\\nversion\\ntopic\\n`` then the stored state bytes exactly (which
end with the record's chain hash). The store keeps every complete subtree of ``2^STORED_LEVEL``
(16) or more leaves in ``ledger_merkle`` by (level, index) — level ``L``, index ``i`` covers
leaves ``[i·2^L, (i+1)·2^L)`` — so an append costs O(log n) hashes and 1/16 of a row on
average, and a proof reads O(log n) rows plus at most 15 neighbouring records, whose leaves
rebuild the smaller subtrees.

The stream-heads tree: one leaf per stream, ``stream\\nrecord count\\nlast revision``, in the
byte order of the stream names (UTF-8), hashed the same way. Its root commits every stream's
length, so a stream can be proven complete.

Generating proofs (``inclusion_ranges``, ``consistency_ranges``: which subtrees a proof
consists of) and checking them (``verify_inclusion``, ``verify_consistency``: RFC 9162
§2.1.3.2 and §2.1.4.2, with nothing but hashes) are separate code.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256

EMPTY_ROOT = sha256(b"").digest()
STORED_LEVEL = 4
"""The lowest level of the subtrees the store keeps (16 leaves): smaller ones are recomputed
from their records (a write appends one row per 16 records instead of one per record)."""


@dataclass(frozen=True)
class TreeHead:
    """What the log was at one size: its Merkle root, stream-heads root, chain hash and the
    last record's ``recorded_at``."""

    size: int
    root: str
    heads_root: str
    chain_hash: str
    recorded_at: str
    streams: int


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def record_leaf_data(stream: str, version: int, topic: str, state: bytes) -> bytes:
    """A record's leaf data: its stored row (stream, version, topic, state bytes)."""
    return f"{stream}\n{version}\n{topic}\n".encode() + state


def record_leaf(stream: str, version: int, topic: str, state: bytes) -> bytes:
    return sha256(b"\x00" + f"{stream}\n{version}\n{topic}\n".encode() + state).digest()


def head_leaf(stream: str, count: int, last_revision: int) -> bytes:
    """A stream-heads leaf hash: the stream, its record count and its last revision."""
    return leaf_hash(f"{stream}\n{count}\n{last_revision}".encode())


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of these leaf hashes (recursive; for small trees)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def heads_root(heads: Iterable[tuple[str, int, int]]) -> bytes:
    """The stream-heads root over (stream, count, last revision), in stream byte order."""
    ordered = sorted(heads, key=lambda h: h[0].encode())
    return root_of([head_leaf(*h) for h in ordered])


class Frontier:
    """The right edge of a growing tree: the hashes of its maximal complete subtrees (one per
    set bit of its size, biggest first). Appending a leaf merges equal-sized subtrees and
    reports each new complete subtree of ``2^STORED_LEVEL`` leaves or more (level, index, hash)."""

    __slots__ = ("size", "stack")

    def __init__(self, size: int = 0, stack: list[bytes] | None = None):
        self.size = size
        self.stack = stack or []

    def append(self, leaf: bytes, made: list[tuple[int, int, bytes]] | None) -> None:
        """``made`` collects the new complete subtrees of level ``STORED_LEVEL`` and above."""
        index = self.size
        h = leaf
        level = 0
        stack = self.stack
        while index & 1:
            h = sha256(b"\x01" + stack.pop() + h).digest()
            level += 1
            index >>= 1
            if made is not None and level >= STORED_LEVEL:
                made.append((level, index, h))
        stack.append(h)
        self.size += 1

    def append_records(self, rows: Iterable[tuple[str, int, str, bytes]],
                       made: list[tuple[int, int, bytes]]) -> None:
        """``append(record_leaf(*row), made)`` for each stored row, inlined (a write's hot loop)."""
        stack, size = self.stack, self.size
        for stream, version, topic, state in rows:
            h = sha256(b"\x00%s\n%d\n%s\n%s" % (stream.encode(), version, topic.encode(), state)).digest()
            index, level = size, 0
            while index & 1:
                h = sha256(b"\x01" + stack.pop() + h).digest()
                level += 1
                index >>= 1
                if level >= STORED_LEVEL:
                    made.append((level, index, h))
            stack.append(h)
            size += 1
        self.size = size

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.stack))


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """The (level, index) of the maximal complete subtrees of a tree of ``size`` leaves,
    biggest (leftmost) first."""
    out, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


# --- proofs as subtree ranges ------------------------------------------------------------

Range = tuple[int, int]
"""Leaves [lo, hi) whose Merkle tree hash is one element of a proof."""


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 6962 §2.1.1 PATH(index, D[0:size]): the subtrees of the audit path, leaf upwards."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo = lo + k
    out.reverse()
    return out


def consistency_ranges(old: int, new: int) -> list[Range]:
    """RFC 6962 §2.1.2 PROOF(old, D[0:new]): the subtrees of the consistency proof."""
    if not 0 <= old <= new:
        raise ValueError(f"a tree of {old} is not a prefix of a tree of {new}")
    if old == 0 or old == new:
        return []
    out: list[Range] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                out.append((lo, hi))
            break
        k = split(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    out.reverse()
    return out


def subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The complete aligned subtrees (level, index) the tree hash of [lo, hi) is made of, as
    RFC 6962 splits it. Every range of a proof starts at a multiple of its first part's size."""
    out: list[tuple[int, int]] = []
    while hi > lo:
        n = hi - lo
        if n & (n - 1) == 0:
            if lo % n:
                raise ValueError(f"[{lo}, {hi}) is not a subtree of the log's tree")
            out.append((n.bit_length() - 1, lo // n))
            break
        k = split(n)
        if lo % k:
            raise ValueError(f"[{lo}, {hi}) is not a subtree of the log's tree")
        out.append((k.bit_length() - 1, lo // k))
        lo += k
    return out


def range_hash(lo: int, hi: int, node: Callable[[int, int], bytes]) -> bytes:
    """The Merkle tree hash of leaves [lo, hi) from complete-subtree hashes ``node(level, index)``."""
    parts = [node(level, index) for level, index in subtrees(lo, hi)]
    h = parts[-1]
    for left in reversed(parts[:-1]):
        h = node_hash(left, h)
    return h


def batch_ranges(indices: Sequence[int], size: int) -> list[Range]:
    """A batch inclusion proof of the leaves ``indices`` (sorted, distinct) in the tree of
    ``size``: every maximal subtree holding none of them, left to right, as RFC 6962 splits the
    tree. With the leaves themselves they give the root (``root_from_batch``): a packet's
    thousands of records are proven with one shared set of hashes instead of one path each."""
    out: list[Range] = []

    def walk(lo: int, hi: int, a: int, b: int) -> None:
        if a == b:
            out.append((lo, hi))
        elif hi - lo > 1:
            mid = lo + split(hi - lo)
            j = bisect_left(indices, mid, a, b)
            walk(lo, mid, a, j)
            walk(mid, hi, j, b)

    if size:
        walk(0, size, 0, len(indices))
    return out


# --- checking proofs (RFC 9162 §2.1.3.2, §2.1.4.2): hashes only ----------------------------

def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    return root_from_inclusion(index, size, leaf, path) == root


def root_from_batch(size: int, leaves: Sequence[tuple[int, bytes]], nodes: Sequence[bytes]) -> bytes | None:
    """The root a batch inclusion proof gives: ``leaves`` (index, leaf hash), sorted and distinct,
    and ``nodes``, the hashes of ``batch_ranges`` in order; None when they do not fit the tree."""
    indices = [i for i, _ in leaves]
    if not leaves or indices[0] < 0 or indices[-1] >= size or \
            any(a >= b for a, b in zip(indices, indices[1:], strict=False)):
        return None
    hashes = [h for _, h in leaves]
    given = iter(nodes)
    used = 0

    def walk(lo: int, hi: int, a: int, b: int) -> bytes:
        nonlocal used
        if a == b:
            used += 1
            return next(given)
        if hi - lo == 1:
            return hashes[a]
        mid = lo + split(hi - lo)
        j = bisect_left(indices, mid, a, b)
        return sha256(b"\x01" + walk(lo, mid, a, j) + walk(mid, hi, j, b)).digest()

    try:
        root = walk(0, size, 0, len(indices))
    except StopIteration:
        return None
    return root if used == len(nodes) else None


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    if not 0 <= old <= new:
        return False
    if old == new:
        return old_root == new_root and not proof
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
