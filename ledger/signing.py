"""Never sign a rewritten past: the office's signed checkpoints, kept outside the store, and the
check every signing path makes first.

A log must never sign a checkpoint inconsistent with one it signed before (c2sp.org/
tlog-checkpoint). The store alone cannot enforce that — a store restored from an older copy, or
rebuilt with another tail, verifies on its own — so the office keeps, beside its key, the state
folder (``LEDGER_STATE``, default ``ledger-key.state`` beside ``LEDGER_KEY``):

* ``last-checkpoint`` — the last checkpoint signed (the signed note, as it left the office);
* ``signed.log`` — one line per checkpoint signed (size, root, time, what it was for), and a
  ``rollback`` line for each accepted rollback: where the size of each signed checkpoint is
  remembered, the place where a log stops agreeing can be named;
* ``lock`` — taken while a checkpoint is checked, signed and recorded, so that two signers
  (the CLI, the workbench) never race.

Every signing path (``checkpoint``, ``publish``, packets from the CLI and the web) goes through
``signing``: it proves with an RFC 6962 consistency proof that the store's log extends the last
signed checkpoint, or refuses (exit 1) saying whether the store is behind (restored from an
older copy, cut) or diverges (a rewritten tail), and where. ``ledger verify`` and ``ledger
serve`` compare the store with the state too (``compare``). An honest restore is accepted
only with a recorded reason (``workflows/rollback.py``).
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checkpoints
from .errors import CheckFailed, InputError
from .i18n import Msg
from .store.merkle import TreeHead

LAST = "last-checkpoint"
LOG = "signed.log"


def state_dir(key: str | None = None) -> Path:
    """``LEDGER_STATE``, else ``<key>.state`` beside the office's key (``ledger-key.state``)."""
    named = os.environ.get("LEDGER_STATE")
    return Path(named) if named else checkpoints.key_paths(key)[0].with_suffix(".state")


@dataclass(frozen=True)
class Signed:
    """One checkpoint the office signed: its size and root (hex), time, and what it was for."""

    size: int
    root: str
    time: str
    what: str


class OfficeState:
    """The state folder (module docstring): read and appended, never rewritten in place."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def exists(self) -> bool:
        return (self.path / LAST).exists()

    def last(self) -> checkpoints.Checkpoint | None:
        file = self.path / LAST
        if not file.exists():
            return None
        return checkpoints.Checkpoint.read(str(file))

    def signed(self) -> list[Signed]:
        """The checkpoints signed on the line of history the office now stands on, by size: an
        accepted rollback drops those above the size it kept."""
        file = self.path / LOG
        live: list[Signed] = []
        if not file.exists():
            return live
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            parts = line.split(" ")
            try:
                if parts[0] == "rollback":
                    agreed = int(parts[1])
                    live = [s for s in live if s.size <= agreed]
                    continue
                entry = Signed(int(parts[0]), parts[1], parts[2], parts[3])
            except (IndexError, ValueError):
                raise InputError("a line 'SIZE ROOT TIME WHAT' or 'rollback AGREED SIGNED TIME'", origin=str(file),
                                 line=number, got=repr(line[:80])) from None
            if not live or entry.size > live[-1].size:
                live.append(entry)
        return live

    @contextmanager
    def lock(self) -> Iterator[None]:
        import fcntl

        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.path / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def record(self, cp: checkpoints.Checkpoint, what: str) -> None:
        """A checkpoint just signed: the log line, and the last checkpoint when it is not
        smaller (both written whole: a temporary file renamed over the old)."""
        last = self.last()
        if cp.rollback is not None:
            self._append(f"rollback {cp.rollback.agreed_size} {cp.rollback.signed_size} {cp.time}")
        self._append(f"{cp.size} {cp.root} {cp.time} {what}")
        if last is None or cp.rollback is not None or cp.size >= last.size:
            temporary = self.path / (LAST + ".new")
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(cp.serialize())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path / LAST)

    def _append(self, line: str) -> None:
        with open(self.path / LOG, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())


@dataclass
class Finding:
    """The store against the office's last signed checkpoint."""

    last: checkpoints.Checkpoint
    size: int
    """The store's size."""
    extends: bool
    agreed: int = 0
    """The largest signed size the store provably agrees with (when it does not extend)."""
    differs_by: int | None = None
    """The smallest signed size above ``agreed`` (the store differs from the signed log there)."""
    where: str = ""

    def problem(self) -> Msg:
        if self.size < self.last.size:
            return Msg("the store is behind the office's last signed checkpoint ({where}: {signed} records, signed "
                       "{time}): it has {size} records and provably agrees with the signed log up to revision "
                       "{agreed} — restored from an older copy, or its tail cut; revisions {first}–{signed} are not "
                       "provably in it", where=self.where, signed=self.last.size, time=self.last.time, size=self.size,
                       agreed=self.agreed, first=self.agreed + 1)
        return Msg("the log diverges from the office's last signed checkpoint ({where}: {signed} records, signed "
                   "{time}): it agrees with the signed log up to revision {agreed} and differs from it by revision "
                   "{differs} — its records after revision {agreed} were rewritten", where=self.where,
                   signed=self.last.size, time=self.last.time, agreed=self.agreed,
                   differs=self.differs_by or self.last.size)


def compare(store: Any, state: OfficeState, head: TreeHead | None = None) -> Finding | None:
    """The store's log against the last signed checkpoint (None when the office kept none):
    an RFC 6962 consistency proof from its size to the store's, checked against the signed
    root. When it fails, the signed sizes are searched for the last one the log agrees with."""
    from .store import merkle, proofs

    last = state.last()
    if last is None:
        return None
    head = head or store.tree_head()
    if head.size >= last.size:
        _, proof, _, new_root = proofs.consistency_proof(store, last.size, head.size)
        if new_root.hex() == head.root and merkle.verify_consistency(
                last.size, head.size, bytes.fromhex(last.root), new_root, proof):
            return Finding(last, head.size, extends=True, where=str(state.path / LAST))
    return diagnose(store, state, last, head.size)


def diagnose(store: Any, state: OfficeState, last: checkpoints.Checkpoint, size: int) -> Finding:
    """A log of ``size`` records that does not extend ``last``: where it stops agreeing."""
    finding = Finding(last, size, extends=False, where=str(state.path / LAST))
    signed = [s for s in state.signed() if s.size <= last.size]
    _agreement(store, signed, min(size, last.size), finding)
    return finding


def _agreement(store: Any, signed: list[Signed], upto: int, finding: Finding) -> None:
    """The largest signed size ≤ ``upto`` whose root the log still has (signed checkpoints lie on
    one line of history: agreeing at one size means agreeing at every smaller one), by halving."""
    from .store import proofs

    sizes = [s.size for s in signed]
    candidates = signed[:bisect.bisect_right(sizes, upto)]
    lo, hi = 0, len(candidates)  # candidates[:lo] agree, candidates[hi:] do not
    while lo < hi:
        mid = (lo + hi) // 2
        if proofs.root_at(store, candidates[mid].size).hex() == candidates[mid].root:
            lo = mid + 1
        else:
            hi = mid
    finding.agreed = candidates[lo - 1].size if lo else 0
    above = [s.size for s in signed if s.size > finding.agreed]
    finding.differs_by = above[0] if above else None


@dataclass
class Signer:
    """Makes the checkpoints of one signing path (``make``), remembered to be recorded in the
    office's state when the path succeeds."""

    key: checkpoints.OfficeKey | None
    clock: Any
    made: list[tuple[checkpoints.Checkpoint, str]] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return self.key is not None

    def make(self, head: TreeHead, what: str, **extra: Any) -> checkpoints.Checkpoint:
        cp = checkpoints.make(head, self.key, self.clock(), **extra)
        if self.key is not None:
            self.made.append((cp, what))
        return cp


@contextmanager
def signing(store: Any, key: str | None = None) -> Iterator[Signer]:
    """A signing path: with the office's key, the store is first proven to extend the last
    signed checkpoint (CheckFailed otherwise); what is signed inside is recorded in the state
    when the block ends without an error. Without a key, checkpoints are unsigned and nothing
    is kept."""
    office = checkpoints.load_private(key)
    if office is None:
        yield Signer(None, store.clock)
        return
    state = OfficeState(state_dir(key))
    with state.lock():
        refuse_unless_extends(store, state)
        signer = Signer(office, store.clock)
        yield signer
        for cp, what in signer.made:
            state.record(cp, what)


def office_lines(store: Any, state: OfficeState, result: Any) -> list[str]:
    """``ledger verify``'s comparison with the office's signed checkpoints (``result``: the
    verified log, with its tree head recomputed at the last signed size): the lines to print,
    or CheckFailed — the store behind or diverging, or a publication's signed checkpoint gone
    from the store or stripped of its signature."""
    from .i18n import f

    last = state.last()
    if last is None:
        return []
    at = result.at.get(last.size) if last.size <= result.revision else None
    if at is None or (at.root, at.chain_hash) != (last.root, last.chain_hash):
        raise CheckFailed(diagnose(store, state, last, result.revision).problem())
    recorded = {name: body for name, _, body in store.recorded_checkpoints()}
    for entry in state.signed():
        kind, _, name = entry.what.partition(":")
        if kind != "publication":
            continue
        body = recorded.get(name)
        cp = checkpoints.Checkpoint.parse(body, name) if body is not None else None
        if cp is None or not cp.signed or (cp.size, cp.root) != (entry.size, entry.root):
            what = ("is not in the store (its row in ledger_checkpoints was deleted)" if cp is None else
                    "is UNSIGNED in the store (its signature was removed)" if not cp.signed else
                    "differs in the store from the one the office signed")
            raise CheckFailed(Msg("publication {name}'s checkpoint, signed by the office ({size} records, {time}; "
                                  "{log}), {what}", name=name, size=entry.size, time=entry.time,
                                  log=state.path / LOG, what=Msg(what)))
    since = result.revision - last.size
    from .reports.text import china_time

    return [f("office's last signed checkpoint ({path}: {size} records, {time}): the log extends it ({since} "
              "record(s) since)", path=state.path / LAST, size=last.size, time=china_time(last.time), since=since)]


def refuse_unless_extends(store: Any, state: OfficeState) -> None:
    head = store.tree_head()
    _head_intact(store, head, "refusing to sign")
    finding = compare(store, state, head)
    if finding is not None and not finding.extends:
        raise CheckFailed(Msg("refusing to sign: {problem}. If the store was restored from a backup on purpose, "
                              "run `ledger checkpoint --accept-rollback --reason R`", problem=finding.problem()))


def _head_intact(store: Any, head: TreeHead, doing: str) -> None:
    """The head's record is there and carries the head's chain hash (a tail deleted row by row
    leaves the head, the tree and the indexes saying more than the log holds)."""
    from .store.backends import StoreDamaged

    try:
        ok = head.size == 0 or store.hash_at(head.size) == head.chain_hash
    except StoreDamaged:
        ok = False
    if not ok:
        raise CheckFailed(Msg("{doing}: the store's head says revision {size}, but its last record is not there or "
                              "does not carry the head's chain hash (records removed from the end, or the head "
                              "altered): run `ledger verify`", doing=Msg(doing), size=head.size))


def startup_check(store: Any, key: str | None = None) -> None:
    """``ledger serve`` at start: a store restored from an older copy, cut, or with a rewritten
    tail is refused (CheckFailed, exit 1) before anyone is served from it."""
    state = OfficeState(state_dir(key))
    head = store.tree_head()
    _head_intact(store, head, "refusing to start")
    finding = compare(store, state, head)
    if finding is not None and not finding.extends:
        raise CheckFailed(Msg("refusing to start: {problem}. Restore the store the office signed, or, after an "
                              "honest restore from a backup, run `ledger checkpoint --accept-rollback --reason R`",
                              problem=finding.problem()))
