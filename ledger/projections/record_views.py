"""Read models of the ledger's own records (history rows, publications, appeals): what the
workflows produce and the renderers show, kept below both so neither depends on the other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: `history` and `record` need no scoring modules
    from ..store.eventstore import Record
    from .diff import Change
    from .evidence import EvidenceFile
    from .scoreboard import Scoreboard


@dataclass
class HistoryRow:
    record: Record
    retracted_by: str | None
    corrected_by: list[str]
    evidence: list[EvidenceFile] = field(default_factory=list)
    """The evidence files on this event (佐证材料), withdrawn ones marked."""
    withdrawn_by: str | None = None
    """An ``evidence_attached`` row: the withdrawal that removed its file's bytes."""


@dataclass(frozen=True)
class Publication:
    id: str
    kind: str  # score | bulletin
    policy: str
    policy_sha256: str
    as_of: dt.date
    period: str | None
    track: str | None
    known_at: int
    head: str
    content_sha256: str
    revision: int
    recorded_at: str
    actor: str
    tables: int = 1
    """How a bulletin's tables counted when it was published (``bulletin_tables.TABLES``;
    publications recorded before it was named: 1)."""
    renderer: str = "1"
    """The renderer version its documents are made by (a record naming none: version 1, the
    one before 通报 documents had a head and sign-off)."""
    document: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """What its 通报 prints in its head and sign-off (``ledger.reports.tongbao.Issue``): 文号,
    issue date, 主送, 抄送, office, paragraph templates; empty for a record from before."""

    @property
    def published_on(self) -> dt.date:
        """The day (China time) the result was recorded as published."""
        moment = dt.datetime.fromisoformat(self.recorded_at.replace("Z", "+00:00"))
        return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).date()

    @property
    def issued(self) -> dt.date | None:
        """The issue date given when it was published (``publish --issued``)."""
        day = self.document.get("issued")
        return dt.date.fromisoformat(day) if day else None

    @property
    def window_opens(self) -> dt.date:
        """The day the appeal window counts from: the later of the day recorded and the issue
        date (a 通报 issued days after it was recorded gives its recipients their full window)."""
        return max(self.published_on, self.issued or self.published_on)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "policy": self.policy, "policy_sha256": self.policy_sha256,
            "as_of": self.as_of.isoformat(), "period": self.period, "track": self.track, "known_at": self.known_at,
            "head": self.head, "content_sha256": self.content_sha256, "revision": self.revision,
            "recorded_at": self.recorded_at, "actor": self.actor}
        if self.document:  # recorded from renderer 2 on: a record from before lists as it did
            out["document"] = {key: self.document.get(key) for key in ("doc_no", "issued", "to", "cc")}
        return out


@dataclass
class Appeal:
    id: str
    unit: str
    date: str
    targets: list[str]
    grounds: str
    publication: str | None
    late_override: str | None
    revision: int
    actor: str
    decision: dict[str, Any] | None = None
    orders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.decision is None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit, "date": self.date, "targets": self.targets,
                "grounds": self.grounds, "publication": self.publication, "late_override": self.late_override,
                "revision": self.revision, "actor": self.actor,
                "status": "open" if self.decision is None else self.decision["outcome"],
                "decision": self.decision, "orders": self.orders}


@dataclass
class AppealEffect:
    appeal: Appeal
    before: Scoreboard
    after: Scoreboard
    unit_changes: list[Change]
    peer_changes: list[Change]
    hypothetical: bool
