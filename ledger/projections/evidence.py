"""Evidence as read: which files each event carries, as known at a revision.

Built from a stream's evidence records (``evidence_attached``, ``evidence_withdrawn``; the
withdrawal of a file is recorded in every stream holding an attachment of it, so one stream's
records say everything about its events' files). Pure: the store's fact view, a packet's
records and the workbench's pages all read it the same way, so a packet's explanation re-scored
offline names the same files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TYPES = frozenset({"evidence_attached", "evidence_withdrawn"})


@dataclass(frozen=True)
class Withdrawal:
    revision: int
    reason: str
    recorded_at: str
    actor: str | None
    record_id: str


@dataclass(frozen=True)
class EvidenceFile:
    """A file on an event: its hash, name and size as attached, and its withdrawal if any."""

    sha256: str
    name: str
    size: int
    media_type: str
    target: str
    record_id: str
    revision: int
    recorded_at: str
    actor: str | None
    note: str | None
    withdrawn: Withdrawal | None = None

    def line_entry(self) -> dict[str, Any]:
        """What an explanation line says of it (CLI.md: sha256, name, size; ``withdrawn`` when its
        bytes were removed)."""
        entry: dict[str, Any] = {"sha256": self.sha256, "name": self.name, "size": self.size}
        if self.withdrawn is not None:
            entry["withdrawn"] = True
        return entry


def files_by_event(records: Iterable[Mapping[str, Any]], known_at: int | None = None) -> dict[str, list[EvidenceFile]]:
    """Event id → its files in the order attached, from decoded records (any, in revision order;
    those after ``known_at`` left out). A file attached to one event twice is listed once."""
    attached: dict[str, list[EvidenceFile]] = {}
    withdrawn: dict[str, Withdrawal] = {}
    for data in records:
        kind = data.get("type")
        if kind not in TYPES or (known_at is not None and data["revision"] > known_at):
            continue
        if kind == "evidence_withdrawn":
            withdrawn.setdefault(data["sha256"], Withdrawal(data["revision"], data["reason"], data["recorded_at"],
                                                           data.get("actor"), data["id"]))
            continue
        files = attached.setdefault(data["target"], [])
        if any(f.sha256 == data["sha256"] for f in files):
            continue
        files.append(EvidenceFile(data["sha256"], data["name"], int(data["size"]), data["media_type"], data["target"],
                                  data["id"], data["revision"], data["recorded_at"], data.get("actor"),
                                  data.get("note")))
    if withdrawn:
        for target, files in attached.items():
            attached[target] = [f if f.sha256 not in withdrawn else _withdrawn(f, withdrawn[f.sha256]) for f in files]
    return attached


def _withdrawn(file: EvidenceFile, withdrawal: Withdrawal) -> EvidenceFile:
    from dataclasses import replace

    return replace(file, withdrawn=withdrawal)


def size_text(size: int) -> str:
    """A file's size as a person reads it (decimal units, as the limit is given: 20 MB)."""
    if size < 1000:
        return f"{size} B"
    if size < 1000 * 1000:
        return f"{size / 1000:.1f} KB".replace(".0 KB", " KB")
    return f"{size / 1000 / 1000:.1f} MB".replace(".0 MB", " MB")
