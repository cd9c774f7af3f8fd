"""Read models of the ledger's own records (history rows, publications, appeals): what the
workflows produce and the renderers show, kept below both so neither depends on the other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: `history` and `record` need no scoring modules
    from ..store.eventstore import Record
    from .diff import Change
    from .scoreboard import Scoreboard


@dataclass
class HistoryRow:
    record: Record
    retracted_by: str | None
    corrected_by: list[str]


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

    @property
    def published_on(self) -> dt.date:
        """The day (China time) the result was published: the appeal window opens then."""
        moment = dt.datetime.fromisoformat(self.recorded_at.replace("Z", "+00:00"))
        return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).date()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "policy": self.policy, "policy_sha256": self.policy_sha256,
                "as_of": self.as_of.isoformat(), "period": self.period, "track": self.track,
                "known_at": self.known_at, "head": self.head, "content_sha256": self.content_sha256,
                "revision": self.revision, "recorded_at": self.recorded_at, "actor": self.actor}


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
