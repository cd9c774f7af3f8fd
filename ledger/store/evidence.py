"""Evidence files in the store (format 5): each file's bytes once, under its SHA-256.

``ledger_evidence`` holds a row (sha256, size, content) for every file attached and not
withdrawn; the records that say so are events in the log (``evidence_attached``,
``evidence_withdrawn``: ``ledger.events.evidence``), found through the partial index
``ledger_events_evidence``. Rows are written in the same transaction as their records (an
attachment adds its row if the bytes are new; a withdrawal deletes it), so the table and the log
agree at every commit — which ``check`` (a pass of ``ledger verify``) re-proves by re-hashing
every stored file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..events import codec
from .backends import EVENTS_TABLE, Backend

TOPICS = ("evidence_attached", "evidence_withdrawn")


def put(backend: Backend, c: Any, sha256: str, content: bytes) -> bool:
    """Keep ``content`` under its hash unless it is there already; whether it was new."""
    if backend.query(c, "SELECT 1 AS x FROM ledger_evidence WHERE sha256 = ?", (sha256,)):
        return False
    c.execute(backend.sql("INSERT INTO ledger_evidence (sha256, size, content) VALUES (?, ?, ?)"),
              (sha256, len(content), content))
    return True


def remove(backend: Backend, c: Any, sha256: str) -> None:
    c.execute(backend.sql("DELETE FROM ledger_evidence WHERE sha256 = ?"), (sha256,))


def content(backend: Backend, c: Any, sha256: str) -> bytes | None:
    """The file's stored bytes, or None when there are none (withdrawn, or never kept)."""
    rows = backend.query_binary(c, "SELECT content FROM ledger_evidence WHERE sha256 = ?", (sha256,))
    return bytes(rows[0]["content"]) if rows else None


def stored_sizes(backend: Backend, c: Any) -> dict[str, int]:
    """Every stored file's hash and its size column (no bytes read)."""
    return {r["sha256"]: int(r["size"]) for r in backend.query(c, "SELECT sha256, size FROM ledger_evidence")}


def records(backend: Backend, c: Any, streams: Iterable[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(stream, decoded record) of every evidence record — of ``streams`` only when given — in
    revision order (the partial index: no scan of the log)."""
    statement = (f"SELECT originator_id, state FROM {EVENTS_TABLE} WHERE topic IN ('evidence_attached', "
                 "'evidence_withdrawn')")
    params: list[Any] = []
    if streams is not None:
        wanted = sorted(set(streams))
        if not wanted:
            return []
        statement += f" AND originator_id IN ({','.join('?' * len(wanted))})"
        params = wanted
    found = [(str(r["originator_id"]), codec.loads(bytes(r["state"]))) for r in backend.query(c, statement, params)]
    found.sort(key=lambda pair: pair[1]["revision"])
    return found


@dataclass
class Totals:
    """What ``ledger verify`` says of the evidence: files kept, their bytes, files withdrawn."""

    files: int = 0
    bytes: int = 0
    withdrawn: int = 0
    problem: str | None = None
    bad_revision: int | None = None
    bad_file: str | None = None
    hashed: dict[str, int] = field(default_factory=dict)
    """Each file re-hashed: its size (the benchmark reads the bytes hashed from here)."""


def check(backend: Backend, c: Any, on_bytes: Callable[[int], None] | None = None,
          after: int | None = None) -> Totals:
    """The evidence table against the log (inside the verify's snapshot, after the chain and the
    indexes were proven): every file attached and not withdrawn is stored, its bytes hashing to
    its SHA-256 and as long as its records say; a withdrawn file's bytes are absent (legitimately:
    its withdrawal is in the log); nothing else is stored. Files are read and hashed one at a time.
    ``after`` (``verify --since``): only the files first attached after that revision are read and
    re-hashed; the others are checked by their stored size alone (the full check hashes them)."""
    attached: dict[str, tuple[int, str, str, int]] = {}  # sha → (first revision, target, name, size)
    withdrawn: dict[str, int] = {}
    totals = Totals()
    for _, data in records(backend, c):
        sha, revision = data["sha256"], int(data["revision"])
        if data["type"] == "evidence_withdrawn":
            withdrawn.setdefault(sha, revision)
            continue
        first = attached.setdefault(sha, (revision, data["target"], data["name"], int(data["size"])))
        if int(data["size"]) != first[3]:
            return _bad(totals, f"revision {revision}: evidence file {sha} is attached with size {data['size']}, at "
                                f"revision {first[0]} with size {first[3]} (one hash, one file)", revision, sha)
    stored = stored_sizes(backend, c)
    for sha in sorted(stored):
        if sha in withdrawn:
            return _bad(totals, f"evidence file {sha} was withdrawn at revision {withdrawn[sha]}, yet its bytes are "
                                "still stored", withdrawn[sha], sha)
        if sha not in attached:
            return _bad(totals, f"the evidence table holds a file no record attaches ({sha}: added)", None, sha)
    for sha, (revision, target, name, size) in sorted(attached.items(), key=lambda item: item[1][0]):
        if sha in withdrawn:
            totals.withdrawn += 1
            continue
        said = f"evidence file {sha} ({name!r}, attached at revision {revision} to {target})"
        if sha not in stored:
            return _bad(totals, f"{said}: its bytes are missing from the store (removed, and no withdrawal "
                                "records it)", revision, sha)
        if after is not None and revision <= after:
            if stored[sha] != size:
                return _bad(totals, f"{said}: its stored bytes are not as long as its records say (altered)",
                            revision, sha)
            totals.files += 1
            totals.bytes += size
            continue
        kept = content(backend, c, sha)
        if kept is None or hashlib.sha256(kept).hexdigest() != sha or len(kept) != size or stored[sha] != size:
            return _bad(totals, f"{said}: its stored bytes do not match its hash (altered)", revision, sha)
        totals.files += 1
        totals.bytes += size
        totals.hashed[sha] = size
        if on_bytes is not None:
            on_bytes(size)
    return totals


def _bad(totals: Totals, problem: str, revision: int | None, sha: str) -> Totals:
    totals.problem, totals.bad_revision, totals.bad_file = problem, revision, sha
    return totals
