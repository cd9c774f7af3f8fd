"""Nothing twice (issue #26): rows already present by their content, identical rows without
ids in one file, and probable duplicates of stored events.

An event given without an id gets one derived from its content (``batches.content_id``), and
every stored record is in the digest index under its key: type, unit, date and what tells
such events apart (``ledger.store.digests``). Here the writer compares a row with the records
under its key: one with the same canonical content is the row, already present (whatever its
id); one alike (same document, or ticket/item/report key) with other content is a probable
duplicate, held back unless ``--allow-duplicates``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..events import codec
from ..i18n import Msg
from ..store import digests
from .problems import ProbableDuplicate

PRESENT_SHOWN = 20
"""Rows already present listed with their line and stored id (the count is always given)."""


canonical_text = digests.canonical_text


@dataclass
class Candidate:
    """A stored (or this batch's) record found under a key: its id, content, where it is."""

    event_id: str
    content: dict[str, Any]
    content_json: str
    stream: str
    revision: int | None  # None: appended in this batch, not sealed yet
    line: int | None = None  # its line, when it is this batch's


def stored_candidates(found: Iterable[tuple[str, int, bytes]]) -> list[Candidate]:
    out = []
    for stream, _, state in found:
        content_json = digests.stored_content(state)
        data = codec.loads(state)
        out.append(Candidate(str(data["id"]), codec.loads(content_json), content_json, stream, int(data["revision"])))
    return out


@dataclass
class IdenticalRows:
    """Rows without ids whose content is the same as an earlier row's of the same write: each
    derived id → (the first row's (origin, line) when known, the later rows' (origin, line))."""

    groups: dict[str, tuple[tuple[str, int] | None, list[tuple[str, int]]]] = field(default_factory=dict)

    def add(self, event_id: str, first: tuple[str, int] | None, later: tuple[str, int]) -> None:
        known, lines = self.groups.setdefault(event_id, (first, []))
        if known is None and first is not None:
            self.groups[event_id] = (first, lines)
        lines.append(later)

    def resolve(self, prepared: Callable[[], Iterable[tuple[str, int, str]]]) -> None:
        """Find the first rows not known yet (appended in an earlier batch: only their ids are
        kept) by preparing the input again: (origin, line, derived id) of each id-less row."""
        missing = {i for i, (first, _) in self.groups.items() if first is None}
        if not missing:
            return
        for origin, line, event_id in prepared():
            if event_id in missing:
                first, lines = self.groups[event_id]
                self.groups[event_id] = ((origin, line), lines)
                missing.discard(event_id)
                if not missing:
                    return

    def problems(self) -> list[tuple[InputError, str]]:
        """One problem per row of each group (the first included), naming the others; with
        the derived id (the rows' key, for "follows from")."""
        out = []
        for event_id, (first, later) in self.groups.items():
            rows = ([first] if first else []) + later
            for origin, line in rows:
                others = "、".join(str(n) for o, n in rows if (o, n) != (origin, line)) or "?"
                out.append((InputError(Msg("identical to line {others} and without an id: give each row an id, or"
                                           " tell them apart (e.g. in the note)", others=others),
                                       origin=origin, line=line, problem=True), event_id))
        return out

    def lines(self) -> set[tuple[str, int]]:
        return {row for first, later in self.groups.values() for row in ([first] if first else []) + later}


def same_content(content_json: str, candidates: Iterable[Candidate]) -> Candidate | None:
    """The first candidate whose content (without the id, NFC) is this row's."""
    text = canonical_text(content_json)
    for candidate in candidates:
        if canonical_text(candidate.content_json) == text:
            return candidate
    return None


def probable_duplicate(kind: str, content_json: str, candidates: Iterable[Candidate],
                       retracted: Callable[[Candidate], bool]) -> Candidate | None:
    """The first candidate that is probably the same fact: made of the same key parts as this
    row (a key is a checksum of them), its content differs, and it counts (not retracted)."""
    text = canonical_text(content_json)
    parts = digests.record_parts(kind, codec.loads(content_json).get)
    for candidate in candidates:
        if candidate.content.get("type") != kind or digests.record_parts(kind, candidate.content.get) != parts:
            continue
        if canonical_text(candidate.content_json) == text or retracted(candidate):
            continue
        return candidate
    return None


def duplicate_error(candidate: Candidate, given: dict[str, Any], differences: Callable[..., str],
                    **where: Any) -> ProbableDuplicate:
    """The probable duplicate held back: the stored event named, what differs, and the ways
    forward (correct the stored event, or --allow-duplicates)."""
    stored = {k: v for k, v in candidate.content.items() if k != "id"}
    mine = {k: v for k, v in given.items() if k != "id"}
    when = (Msg("revision {revision}", revision=candidate.revision) if candidate.revision is not None else
            Msg("line {line} of this import", line=candidate.line) if candidate.line else
            Msg("earlier in this import"))
    return ProbableDuplicate(
        Msg("held back as a probable duplicate of event {id} ({when}; the same unit, type and date, and the same"
            " document or ticket/item/report key); it differs in {changes}; if it is another event, import it with"
            " --allow-duplicates", id=candidate.event_id, when=when,
            changes=differences(candidate.event_id, stored, mine)),
        candidate.event_id, **where)
