"""Evidence (佐证材料): files on an event, stored once by SHA-256 (EVENTS.md, second round).

The records are events in the stream of the event they support (its unit-year), so the log —
hash chain and Merkle tree — covers each file's hash. The bytes live in the store's evidence
table (``ledger.store.evidence``); a withdrawal removes them and keeps both records. Written by
``ledger attach`` / ``ledger evidence withdraw`` and the workbench, never by ``ledger import``
(a line naming a hash whose bytes the ledger never received would be evidence of nothing), and
never retracted, corrected or appealed: a withdrawal is how one is taken back.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from .base import NAME_PATTERN, Event, EventId, PositiveInt, Text

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A file's SHA-256 as 64 lower-case hex digits (how the ledger writes it)."""

MediaType = Literal["application/pdf", "image/jpeg", "image/png", "application/ofd",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
"""The kinds kept, as found by their content (``ledger.evidence.kinds``), never by their name."""


class EvidenceRecord(Event):
    family = "evidence"
    importable = False


class EvidenceAttached(EvidenceRecord):
    """佐证材料: a file attached to an event (``target``); ``name`` as it was uploaded."""

    type: Literal["evidence_attached"]
    target: EventId
    sha256: Sha256
    name: Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=255)]
    size: PositiveInt
    media_type: MediaType


class EvidenceWithdrawn(EvidenceRecord):
    """撤回佐证材料: the file's bytes removed (personal data uploaded by mistake); the hash stays.
    One record in each stream holding an attachment of the file."""

    type: Literal["evidence_withdrawn"]
    sha256: Sha256
    reason: Text


TYPES: list[type[Event]] = [EvidenceAttached, EvidenceWithdrawn]
