"""Read models only the workbench shows (the revision log, an event's whole story, the monthly
trend). Everything else the web shows — what falls due included (``projections.due``) — comes
from the read models and workflows the CLI uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import accounts
from ..errors import InputError, NotFound
from ..i18n import Msg
from ..store.eventstore import decode_record

if TYPE_CHECKING:
    from ..app import Ledger
    from ..policies.model import Policy
    from ..projections.record_views import Appeal

LOG_PAGE = 200


# --- the revision log ----------------------------------------------------------------------
def _revision(ledger: Ledger, text: str | None, field_name: str, *, after: bool) -> int | None:
    if text is None or text.strip() == "":
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        revision = ledger.resolve_known_at(text)
    except InputError as exc:
        raise InputError(exc.expected, field=field_name, got=exc.got) from None
    return revision + 1 if after else revision


def revision_log(ledger: Ledger, since: str | None = None, until: str | None = None) -> dict[str, Any]:
    """Records of revisions ``since``..``until`` (a revision number or an ISO timestamp; default
    the last 200): revision, when, by whom, what type, which id, unit and stream. The ledger's
    own account records show no password hash (only these summary fields are returned)."""
    head, _ = ledger.head()
    first = _revision(ledger, since, "since", after=True)
    last = _revision(ledger, until, "until", after=False)
    last = head if last is None else min(last, head)
    if first is None:
        first = max(1, last - LOG_PAGE + 1)
    first = max(first, 1)
    if last - first + 1 > LOG_PAGE:
        first = last - LOG_PAGE + 1
    rows: list[dict[str, Any]] = []
    if first <= last:
        commits = [c for c in ledger.store.commits() if c["last_revision"] >= first and c["first_revision"] <= last]
        for commit in commits:
            start = max(first, int(commit["first_revision"]))
            for row in ledger.store.scan(start=start + int(commit["nid_offset"]), page=LOG_PAGE):
                data = decode_record(bytes(row.state), row.originator_id, row.originator_version)
                revision = int(data["revision"])
                if revision < start:
                    continue
                if revision > min(last, int(commit["last_revision"])):
                    break
                rows.append({"revision": revision, "recorded_at": data["recorded_at"], "actor": data["actor"],
                             "type": data["type"], "id": data.get("id"), "unit": data.get("unit"),
                             "date": data.get("date"), "stream": row.originator_id})
    return {"since": first, "until": last, "head": head, "rows": rows}


# --- an event's whole story -----------------------------------------------------------------
@dataclass
class Story:
    event: dict[str, Any]
    stream: str
    unit: str | None
    amendments: list[dict[str, Any]] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    amends: dict[str, Any] | None = None
    """For a retraction/correction: the record it amends."""

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "stream": self.stream, "amendments": self.amendments,
                "amends": self.amends, "appeals": [a.to_dict() for a in self.appeals]}


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    return accounts.redact({k: v for k, v in data.items() if k != "hash"})


def event_unit(ledger: Ledger, event_id: str) -> str | None:
    entry = ledger.store.lookup_ids([event_id]).get(event_id)
    if entry is None:
        raise NotFound(Msg("event '{event_id}' is not in the ledger", event_id=event_id))
    return entry.unit


def story(ledger: Ledger, event_id: str) -> Story:
    """The event as recorded and everything recorded about it since: corrections and
    retractions (with their revisions, actors and times), the appeals that name it with their
    decisions and orders."""
    entry = ledger.store.lookup_ids([event_id]).get(event_id)
    if entry is None:
        raise NotFound(Msg("event '{event_id}' is not in the ledger", event_id=event_id))
    records = ledger.store.read_stream(entry.stream)
    record = next(r for r in records if r.id == event_id)
    found = Story(_shown(record.data), entry.stream, entry.unit)
    found.amendments = [_shown(r.data) for r in records if r.data.get("target") == event_id
                        and r.type in ("retraction", "correction")]  # its evidence records: their own section
    target = record.data.get("target") if record.type in ("retraction", "correction") else None
    if target:
        original = next((r for r in records if r.id == target), None)
        found.amends = _shown(original.data) if original else {"id": target}
    if entry.unit:
        from ..workflows import appeals

        found.appeals = [a for a in appeals.appeals(ledger) if event_id in a.targets or a.id == event_id
                         or any(o["id"] == event_id for o in a.orders)]
    return found


# --- the monthly trend ----------------------------------------------------------------------
def trend(ledger: Ledger, policy: Policy, unit: str, track: str | None, known_at: str | None,
          last: dt.date | None = None) -> list[tuple[dt.date, Decimal]]:
    """The unit's total at each month-end of the policy year (as known at ``known_at``): the
    series `score --series monthly` computes — its facts read once, scored at every month-end —
    focused on the unit (peers only through their rank inputs), over one pinned snapshot."""
    from ..projections.scoreboard import build_series, month_ends

    boards = build_series(ledger.view(known_at), policy, month_ends(policy.year, last),
                          tracks=[track] if track else None, focus=unit)
    return [(board.as_of, board.card(unit, track).total) for board in boards]
