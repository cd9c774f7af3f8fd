"""Store migrations: upgrading a store's format in place, all or nothing.

One transaction holding the write lock: the chain is verified with the old format's checks,
the step's statements run, what they add is filled from the log, the store is verified again
with the new format's checks (chain, indexes, Merkle tree), the records are compared byte for
byte with what they were, and only then is the new format recorded and the transaction
committed. Any failure rolls everything back: the store stays as it was.

Steps: format 2 → 3 (the Merkle tree, stream heads, checkpoints); 3 → 4 (the digest index:
each record under its key, ``ledger.store.digests``); 4 → 5 (the evidence table, empty: no
store before format 5 holds evidence). An older store takes every step after its format in the
one transaction. A new store is made as format 2 and upgraded by the same steps
(``upgrade_empty``), so a migrated store and a new one have one layout.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import CheckFailed
from ..i18n import Msg
from . import merkle
from .backends import FORMAT3_STEP, FORMAT4_STEP, FORMAT5_STEP, STORE_FORMAT, Backend, StoreUnavailable

MIGRATABLE = frozenset({"2", "3", "4"})
"""The formats ``ledger migrate`` upgrades (to ``STORE_FORMAT``)."""


@dataclass(frozen=True)
class MigrationResult:
    from_format: str
    to_format: str
    records: int
    nodes: int
    tree_root: str
    chain_hash: str
    seconds: float
    digests: int = 0
    """Entries of the digest index built (format 4)."""

    @property
    def changed(self) -> bool:
        return self.from_format != self.to_format


def _format_3(backend: Backend, c: Any) -> None:
    for statement in FORMAT3_STEP:
        backend.ddl(c, statement)


def _format_4(backend: Backend, c: Any) -> None:
    for statement in FORMAT4_STEP:
        backend.ddl(c, statement)


def _format_5(backend: Backend, c: Any) -> None:
    for statement in FORMAT5_STEP:
        backend.ddl(c, statement)


def upgrade_empty(backend: Backend, c: Any, layout: str = STORE_FORMAT) -> None:
    """A new (empty) format-2 store to ``layout`` (the current format unless a test asks for
    an older one): the same statements as ``migrate``."""
    _format_3(backend, c)
    c.execute(backend.sql("UPDATE ledger_head SET tree_root = ? WHERE id = 1"), (merkle.EMPTY_ROOT.hex(),))
    if layout not in ("3",):
        _format_4(backend, c)
    if layout not in ("3", "4"):
        _format_5(backend, c)
    c.execute(backend.sql("UPDATE ledger_meta SET value = ? WHERE key = 'format'"), (layout,))


def _fill_format_3(backend: Backend, c: Any, on_progress: Callable[[int], None] | None) -> tuple[int, str]:
    """The Merkle tree and the streams' last revisions, built from the log in revision order
    (already verified: the n-th row in notification order is revision n)."""
    frontier = merkle.Frontier()
    made: list[tuple[int, int, bytes]] = []
    last: dict[str, int] = {}
    nodes, after, revision = 0, 0, 0
    leaf = merkle.record_leaf
    while rows := backend.log_page(c, after, 5000):
        after = int(rows[-1]["nid"])
        for row in rows:
            revision += 1
            stream = str(row["originator_id"])
            last[stream] = revision
            frontier.append(leaf(stream, int(row["originator_version"]), row["topic"], bytes(row["state"])), made)
        backend.insert_nodes(c, made)
        nodes += len(made)
        made.clear()
        if on_progress:
            on_progress(len(rows))
    backend.executemany(c, "UPDATE ledger_streams SET last_revision = ? WHERE stream = ?",
                        [(rev, stream) for stream, rev in last.items()])
    root = frontier.root().hex()
    c.execute(backend.sql("UPDATE ledger_head SET tree_root = ? WHERE id = 1"), (root,))
    return nodes, root


def _fill_format_4(backend: Backend, c: Any, on_progress: Callable[[int], None] | None) -> int:
    """The digest index, every record's key recomputed from its stored JSON (as ``verify``
    recomputes it); the number of entries."""
    import json

    from .digests import record_key

    entries, after = 0, 0
    while rows := backend.log_page(c, after, 5000):
        after = int(rows[-1]["nid"])
        made = sorted((record_key(row["topic"], json.loads(bytes(row["state"])).get), int(row["nid"]))
                      for row in rows)
        backend.insert_digests(c, made)
        entries += len(made)
        if on_progress:
            on_progress(len(rows))
    return entries


def records_digest(backend: Backend, c: Any) -> str:
    """SHA-256 over every stored row (notification id, stream, version, topic, state bytes)."""
    digest = hashlib.sha256()
    after = 0
    while rows := backend.log_page(c, after, 5000):
        after = int(rows[-1]["nid"])
        for row in rows:
            state = bytes(row["state"])
            digest.update(f"{row['nid']}\n{row['originator_id']}\n{row['originator_version']}\n{row['topic']}\n"
                          f"{len(state)}\n".encode() + state)
    return digest.hexdigest()


def migrate(backend: Backend, on_progress: Callable[[int], None] | None = None) -> MigrationResult:
    """Upgrade the store to ``STORE_FORMAT`` in one transaction (see the module's text)."""
    from .verify import _verify, with_evidence

    start = time.perf_counter()
    with backend.transaction(commit=True, begin=backend.lock, check_format=False) as c:
        version = backend.store_format(c)
        if version == STORE_FORMAT:
            head = backend.query(c, "SELECT revision, hash, tree_root FROM ledger_head WHERE id = 1")[0]
            return MigrationResult(version, version, int(head["revision"]), 0, head["tree_root"], head["hash"],
                                   time.perf_counter() - start)
        if version not in MIGRATABLE:
            raise StoreUnavailable(
                Msg("store {display} has the ledger's store format {version}, which `ledger migrate` cannot upgrade"
                    " to format {store_format} (it upgrades format {migratable}): record its events into a new store,"
                    " or use the ledger version that made it",
                    display=backend.url.display, version=version, store_format=STORE_FORMAT,
                    migratable=', '.join(sorted(MIGRATABLE))))
        before = _verify(backend, c, None, layout=version)
        if not before.ok:
            raise CheckFailed(Msg("store {display} does not verify as format {version}, so it is not migrated"
                                  " (nothing was changed): {problem} — restore it from a backup",
                                  display=backend.url.display, version=version, problem=before.problem))
        digest = records_digest(backend, c)
        if version == "2":
            _format_3(backend, c)
            nodes, root = _fill_format_3(backend, c, on_progress)
        else:
            nodes = int(backend.query(c, "SELECT COUNT(*) AS n FROM ledger_merkle")[0]["n"])
            root = before.tree.root if before.tree is not None else ""
        digests = 0
        if version in ("2", "3"):
            _format_4(backend, c)
            digests = _fill_format_4(backend, c, on_progress)
        _format_5(backend, c)
        after = with_evidence(backend, c, _verify(backend, c, None))
        if not after.ok or after.hash != before.hash or after.records != before.records:
            raise CheckFailed(Msg("the migrated store does not verify ({problem}); nothing was changed",
                                  problem=after.problem))
        if records_digest(backend, c) != digest:
            raise CheckFailed("the migration changed stored records; nothing was changed")
        c.execute(backend.sql("UPDATE ledger_meta SET value = ? WHERE key = 'format'"), (STORE_FORMAT,))
    backend.format_checked = False
    return MigrationResult(version, STORE_FORMAT, before.records, nodes, root, before.hash,
                           time.perf_counter() - start, digests)
