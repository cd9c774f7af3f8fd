"""Appeals (申诉复核): filed against events of one unit, decided with the retractions and
corrections they order — all in one atomic write, each order linked to the appeal.

The appeal window is a policy setting, ``settings.appeal_window_workdays`` (default 5),
counted in working days from the day the appealed result was published (the later of the day
it was recorded and the issue date given with `publish --issued`). A late appeal is
accepted only with an explicit override, which is recorded in the appeal itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..app import Ledger
from ..errors import InputError, UnknownId
from ..i18n import Msg
from ..intake.sources import SourceLine
from ..projections.diff import diff
from ..projections.record_views import Appeal, AppealEffect
from ..projections.scoreboard import build_scoreboard
from . import publishing

if TYPE_CHECKING:
    from ..policies.model import Policy

DEFAULT_WINDOW = 5




def appeals(ledger: Ledger) -> list[Appeal]:
    """Every appeal with its decision and orders, in filing order."""
    found: dict[str, Appeal] = {}
    decisions, orders = {}, []
    for stream in ledger.store.streams_with_appeals():
        for rec in ledger.store.read_stream(stream):
            d = rec.data
            if rec.type == "appeal_filed":
                found[d["id"]] = Appeal(d["id"], d["unit"], d["date"], list(d["targets"]), d["grounds"],
                                        d.get("publication"), d.get("late_override"), rec.revision, d["actor"])
            elif rec.type == "appeal_decided":
                decisions[d["appeal"]] = {"id": d["id"], "outcome": d["outcome"], "reason": d["reason"],
                                          "reviewer": d.get("reviewer"), "date": d["date"],
                                          "revision": rec.revision, "actor": d["actor"]}
            elif rec.type in ("retraction", "correction") and d.get("appeal"):
                orders.append({"appeal": d["appeal"], "id": d["id"], "type": rec.type, "target": d["target"],
                               "changes": d.get("changes"), "reason": d["reason"], "revision": rec.revision})
    for appeal_id, decision in decisions.items():
        if appeal_id in found:
            found[appeal_id].decision = decision
    for order in orders:
        if order["appeal"] in found:
            found[order["appeal"]].orders.append({k: v for k, v in order.items() if k != "appeal"})
    return sorted(found.values(), key=lambda a: a.revision)


def get(ledger: Ledger, appeal_id: str) -> Appeal:
    for appeal in appeals(ledger):
        if appeal.id == appeal_id:
            return appeal
    raise UnknownId("the id of a filed appeal (see `ledger appeal list`)", field="appeal", got=repr(appeal_id))


def _covers_unit(ledger: Ledger, pub: publishing.Publication, groups: set[str]) -> bool:
    """The publication's result has the unit in it: its policy scores a group of the unit (on
    the publication's track, when it names one)."""
    policy = publishing.policy_of(ledger, pub)
    return any(t.group in groups and (pub.track is None or pub.track == t.id) for t in policy.tracks)


def _uncovered(ledger: Ledger, pub: publishing.Publication, targets: dict[str, tuple[int, str]]) -> str | None:
    """The first target the publication's result did not count: recorded after it was computed
    (``known_at``), or dated outside its policy year up to its as-of. None: it covers them all."""
    year = publishing.policy_of(ledger, pub).year
    for target, (revision, day) in targets.items():
        if revision > pub.known_at or not (dt.date(year, 1, 1).isoformat() <= day <= pub.as_of.isoformat()):
            return target
    return None


def _targets_of(ledger: Ledger, found: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Each target's revision and date (its stream read once)."""
    out: dict[str, tuple[int, str]] = {}
    for stream in {e.stream for e in found.values()}:
        for record in ledger.store.read_stream(stream):
            if record.id in found:
                out[record.id] = (found[record.id].revision, str(record.data.get("date", "")))
    return out


def _publication_for(ledger: Ledger, unit: str, on: dt.date, pub_id: str | None,
                     targets: dict[str, tuple[int, str]] | None = None) -> publishing.Publication | None:
    """The publication an appeal is against, its window counting from it. Named (``--publication``):
    it must be published by ``on`` and cover the unit and every target — a result the
    targets counted in — else the appeal is refused (another policy's later publication
    opens no fresh window). Not named: the latest such publication, else the latest covering
    the unit (its window), else None."""
    registered = ledger.facts.roster().get(unit)
    groups = set(registered.groups) if registered else set()
    targets = targets or {}
    if pub_id:
        pub = publishing.find(ledger, pub_id)
        if pub.published_on > on or not _covers_unit(ledger, pub, groups):
            raise InputError(Msg("a publication whose result covers unit '{unit}' (see `ledger published`)",
                                 unit=unit), field="publication", got=repr(pub_id))
        missed = _uncovered(ledger, pub, targets)
        if missed is not None:
            raise InputError(Msg("a publication whose result counted the appealed events (event '{target}' is not "
                                 "in publication {id}: recorded later, or dated outside its year up to its as-of)",
                                 target=missed, id=pub.id), field="publication", got=repr(pub_id))
        return pub
    candidates = [pub for pub in publishing.publications(ledger)
                  if pub.published_on <= on and _covers_unit(ledger, pub, groups)]
    counted = [pub for pub in candidates if _uncovered(ledger, pub, targets) is None]
    chosen = counted or candidates
    return chosen[-1] if chosen else None


def _window(policy: Policy) -> int:
    """The policy's appeal window in working days (``settings.appeal_window_workdays``)."""
    value = policy.settings.get("appeal_window_workdays", DEFAULT_WINDOW)
    if isinstance(value, dt.date):
        raise InputError("a whole number of working days", field="settings.appeal_window_workdays",
                         got=value.isoformat())
    return int(value)


def file(ledger: Ledger, unit: str, targets: list[str], grounds: str, *, appeal_id: str | None = None,
         publication: str | None = None, late_override: str | None = None) -> tuple[str, int, str]:
    """File an appeal, dated by the ledger's clock (a caller cannot backdate into the
    window); returns (id, revision, a note on the window)."""
    on = ledger.today()
    found = ledger.store.lookup_ids(targets)
    for target in targets:
        entry = found.get(target)
        if entry is None:
            raise InputError("ids of events in the ledger", field="target", got=repr(target))
        if entry.unit != unit:
            raise InputError(Msg("events of unit '{unit}' (event '{target}' belongs to '{unit_2}')",
                                 unit=unit, target=target, unit_2=entry.unit),
                             field="target")
    pub = _publication_for(ledger, unit, on, publication, _targets_of(ledger, found))
    note: str = Msg("no published result covers this unit yet: no appeal window applies")
    if pub is not None:
        policy = publishing.policy_of(ledger, pub)
        window = _window(policy)
        opens = pub.window_opens  # the later of the day recorded and the issue date (publish --issued)
        deadline = policy.work_calendar().add_workdays(opens, window)
        note = Msg("against {id} published {opens}; window {window} working days, until {deadline}", id=pub.id,
                   opens=opens, window=window, deadline=deadline)
        if on > deadline:
            if not late_override:
                raise InputError(Msg("an appeal within {window} working days of publication {id} ({published_on};"
                                     " last day {deadline}), or --late-override REASON to accept it late (the"
                                     " override is recorded)",
                                     window=window, id=pub.id, published_on=opens, deadline=deadline),
                                 field="late_override",
                                 got=f"filed {on.isoformat()}")
            note = Msg("{note}; filed late on {on}, accepted by override: {reason}", note=note, on=on,
                       reason=late_override)
        elif late_override:
            late_override = None  # not late: nothing to override
    data = {"type": "appeal_filed", "unit": unit, "date": on.isoformat(), "targets": targets,
            "grounds": grounds, "publication": pub.id if pub else None, "late_override": late_override,
            "id": appeal_id}
    new_id, revision = ledger.record(data)
    return new_id, revision, note


def decide(ledger: Ledger, appeal_id: str, outcome: str, reason: str, *, retract: Sequence[str] = (),
           correct: Sequence[tuple[str, dict[str, Any]]] = (), reviewer: str | None = None) -> list[tuple[str, int]]:
    """Record the decision and the orders it makes in one write; returns (id, revision) of each."""
    appeal = get(ledger, appeal_id)
    if appeal.decision is not None:
        raise InputError(Msg("an open appeal ({appeal_id} was decided {outcome} at revision {revision}; file a new"
                             " appeal to reopen)",
                             appeal_id=appeal_id, outcome=appeal.decision['outcome'],
                             revision=appeal.decision['revision']), field="appeal")
    if outcome == "rejected" and (retract or correct):
        raise InputError("no --retract/--correct with a rejected appeal (it orders nothing)", field="outcome")
    if outcome != "rejected" and not (retract or correct):
        raise InputError(Msg("at least one --retract ID or --correct ID field=value for an {outcome} appeal",
                             outcome=outcome),
                         field="retract")
    on = ledger.today().isoformat()
    # Each order is named by the option that gave it (no line number: this is no file).
    lines: list[tuple[str, dict[str, Any]]] = [
        (f"appeal decision {appeal_id}",
         {"type": "appeal_decided", "unit": appeal.unit, "date": on, "appeal": appeal_id,
          "outcome": outcome, "reason": reason, "reviewer": reviewer or ledger.actor})]
    for target in retract:
        lines.append((f"--retract {target}",
                      {"type": "retraction", "unit": appeal.unit, "date": on, "target": target,
                       "reason": f"申诉复核 {appeal_id}: {reason}", "appeal": appeal_id}))
    for target, changes in correct:
        lines.append((f"--correct {target}",
                      {"type": "correction", "unit": appeal.unit, "date": on, "target": target,
                       "changes": changes, "reason": f"申诉复核 {appeal_id}: {reason}", "appeal": appeal_id}))
    result = ledger.import_lines([SourceLine(origin, 0, {k: v for k, v in line.items() if v is not None})
                                  for origin, line in lines])
    return list(zip(result.ids, result.revisions, strict=True))




def effect(ledger: Ledger, appeal_id: str, *, policy_ref: str | None = None,
           as_of: dt.date | None = None) -> AppealEffect:
    """Before/after of the unit and of every peer whose rank or rank-based points move.
    A decided appeal compares the revisions just before and after its decision; an open one
    shows what upholding it in full (retracting every target) would change."""
    appeal = get(ledger, appeal_id)
    pub = publishing.find(ledger, appeal.publication) if appeal.publication else None
    if policy_ref:
        policy = ledger.policy(policy_ref)
    elif pub is not None:
        policy = publishing.policy_of(ledger, pub)
    else:
        raise InputError("--policy ID (the appeal names no publication)", field="policy")
    as_of = as_of or (pub.as_of if pub else None)
    if appeal.decision is None:
        now = ledger.view()
        before = build_scoreboard(now, policy, as_of=as_of)
        after = build_scoreboard(now, policy, as_of=as_of, drop=set(appeal.targets))
    else:
        decided = appeal.decision["revision"]
        commit = next(c for c in ledger.store.commits() if c["first_revision"] <= decided <= c["last_revision"])
        before = build_scoreboard(ledger.view(commit["first_revision"] - 1), policy, as_of=as_of)
        after = build_scoreboard(ledger.view(commit["last_revision"]), policy, as_of=as_of)
    changes = diff(before, after).changes
    unit_changes = [c for c in changes if c.unit == appeal.unit]
    peer_changes = [c for c in changes if c.unit != appeal.unit and
                    (c.indicator == "rank" or any("rank" in cause for cause in c.causes) or c.indicator == "total")]
    peers_moved = {c.unit for c in peer_changes if c.indicator != "total"}
    peer_changes = [c for c in peer_changes if c.unit in peers_moved]
    return AppealEffect(appeal, before, after, unit_changes, peer_changes, appeal.open)
