"""The due list (预警): per unit, what falls due within N working days and what is overdue, with
the points each item puts at risk under the policy, and a light per unit — the read model of
``ledger due``, ``ledger notify``, the workbench's ``/due`` and ``/api/due``.

What a unit must do comes from the policy's rules (``obligations``: reports by period,
supervised items, quotas near their period's end, 12345 tickets); what leaving it undone
costs comes from the scoring engine run on hypothetical facts (``whatif``), never from a
table kept here. Working days are the policy's calendar (official holidays and 调休).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..gc_pause import gc_paused
from ..i18n import Msg
from ..policies.labels import labels_of
from . import obligations as ob
from .scoreboard import track_units
from .scoring import rank_fact_types, track_fact_types
from .scoring.periods import due_date, periods_of
from .whatif import Pricing

if TYPE_CHECKING:
    from ..events.fact import Fact
    from ..policies.model import Policy
    from ..units import Unit
    from .snapshot import Snapshot

DEFAULT_WITHIN = 10
"""Working days ahead that count as due soon (the workbench's home lists as many)."""
STATUSES = ("overdue", "due_soon", "upcoming")
LIGHTS = ("red", "yellow", "green")
ONE_DAY = dt.timedelta(days=1)


@dataclass
class DueItem:
    unit: str
    track: str
    indicator: str
    kind: str
    what: str
    due: dt.date
    status: str
    points_at_risk: Decimal | None
    event: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``items[]`` object of ``ledger due --format json`` (CLI.md)."""
        return {"unit": self.unit, "indicator": self.indicator, "kind": self.kind, "what": self.what,
                "due": self.due.isoformat(), "status": self.status, "points_at_risk": self.points_at_risk}


@dataclass
class UnitLight:
    unit: str
    name: str
    light: str
    overdue: int
    due_soon: int

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "light": self.light, "overdue": self.overdue, "due_soon": self.due_soon}


@dataclass
class DueList:
    policy: Policy
    as_of: dt.date
    within: int
    soon_until: dt.date
    """The last day that is due soon (the ``within``-th working day after as-of); what falls
    due later is listed only when assigned with its own deadline (``upcoming``)."""
    snapshot: Snapshot = field(repr=False)
    items: list[DueItem] = field(default_factory=list)
    units: list[UnitLight] = field(default_factory=list)

    @property
    def known_at(self) -> int:
        return self.snapshot.known_at

    @property
    def head(self) -> tuple[int, str]:
        return self.snapshot.head

    def to_dict(self) -> dict[str, Any]:
        """``ledger due --format json`` (CLI.md, second round)."""
        return {"policy": self.policy.ref, "as_of": self.as_of.isoformat(), "known_at": self.known_at,
                "within_workdays": self.within, "items": [i.to_dict() for i in self.items],
                "units": [u.to_dict() for u in self.units]}

    def light_of(self, unit: str) -> str:
        return next((u.light for u in self.units if u.unit == unit), "green")


def default_as_of(policy: Policy, today: dt.date) -> dt.date:
    """Today within the policy's year; for another year, the year's last day (a past year's
    board opens where the year ended)."""
    return today if today.year == policy.year else dt.date(policy.year, 12, 31)


def status_of(due: dt.date, as_of: dt.date, soon_until: dt.date) -> str:
    if due < as_of:
        return "overdue"
    return "due_soon" if due <= soon_until else "upcoming"


def light_of(statuses: Iterable[str]) -> str:
    seen = set(statuses)
    return "red" if "overdue" in seen else "yellow" if "due_soon" in seen else "green"


def build_due(view: Snapshot, policy: Policy, *, as_of: dt.date, within: int = DEFAULT_WITHIN,
              units: Iterable[str] | None = None, on_unit: Callable[[int], None] | None = None) -> DueList:
    """The due list of every unit the policy scores (or of ``units``) as of ``as_of``."""
    if within < 0:
        raise InputError("a number of working days, 0 or more", field="within", got=str(within))
    cal = policy.work_calendar()
    soon_until = cal.add_workdays(as_of, within)
    found = DueList(policy, as_of, within, soon_until, view)
    roster = view.roster()
    only = set(units) if units else None
    if only is not None:
        unknown = sorted(only - set(roster))
        if unknown:
            raise InputError(Msg("a registered unit"), field="unit", got=", ".join(unknown))
    lights: dict[str, UnitLight] = {}
    with gc_paused():
        for track in policy.tracks:
            members = track_units(policy, track.id, roster.values())
            wanted = [u for u in members if only is None or u.id in only]
            if not wanted:
                continue
            for u in wanted:
                lights.setdefault(u.id, UnitLight(u.id, u.name, "green", 0, 0))
            found.items.extend(_track_items(view, policy, track.id, members, wanted, as_of, soon_until, on_unit))
    if only is not None and not lights:
        raise InputError(Msg("a unit scored by {ref}", ref=policy.ref), field="unit", got=", ".join(sorted(only)))
    found.items.sort(key=lambda i: (i.due, i.unit, i.track, i.indicator, i.kind, i.what))
    for item in found.items:
        light = lights[item.unit]
        if item.status == "overdue":
            light.overdue += 1
        elif item.status == "due_soon":
            light.due_soon += 1
    for light in lights.values():
        light.light = "red" if light.overdue else "yellow" if light.due_soon else "green"
    found.units = sorted(lights.values(), key=lambda u: u.unit)
    return found


def _track_items(view: Snapshot, policy: Policy, track_id: str, members: list[Unit], wanted: list[Unit],
                 as_of: dt.date, soon_until: dt.date, on_unit: Callable[[int], None] | None) -> list[DueItem]:
    types = track_fact_types(policy, track_id)
    ranked = rank_fact_types(policy, track_id)
    facts = view.facts_for([u.id for u in wanted], policy.year, as_of, types, on_unit)
    peers: dict[str, list[Fact]] = {}
    if ranked:  # what the peers' rank measures read, as they stand at as-of
        others = [u.id for u in members if u.id not in facts]
        peers = view.peer_facts(others, policy.year, as_of, ranked) if others else {}
        peers.update({u: [f for f in fs if f.type in ranked] for u, fs in facts.items()})
    sc = ob.scope(policy, track_id, as_of, soon_until)
    the_plan = ob.plan(policy, track_id)
    found = [o for u in wanted for o in ob.find(sc, the_plan, u.id, facts[u.id])]
    prices = Pricing(policy, track_id, members, facts, peers, as_of, soon_until).price(found)
    return [DueItem(o.unit, track_id, o.indicator, o.kind, o.what, o.due, status_of(o.due, as_of, soon_until),
                    prices[id(o)], o.event)
            for o in found if id(o) in prices]


# --- what the home page lists ----------------------------------------------------------------
def falling_due(view: Snapshot, policies: list[Policy], today: dt.date,
                workdays: int = DEFAULT_WITHIN) -> list[dict[str, Any]]:
    """The deadlines from ``today`` through the ``workdays``-th working day after it, read
    without scoring (the workbench's home): each ``report`` rule's periods (for every unit the
    track scores: ``unit`` None) and the supervised items (督办事项) assigned and not closed."""
    out: list[dict[str, Any]] = []
    states = view.records_of_types(("supervised_item_assigned", "supervised_item_closed", "retraction"))
    for policy in policies:
        cal = policy.work_calendar()
        until = cal.add_workdays(today, workdays)
        labels = labels_of(policy)
        for track in policy.tracks:
            for node in ob.walk(track.indicators):
                for rule in ob.rules_of(node):
                    if rule.kind != "report":
                        continue
                    for _, label, _, end in periods_of(rule.every, policy.year, rule.periods):
                        due = due_date(rule.due, end, cal)
                        if today <= due <= until:
                            out.append({"kind": "report", "due": due, "policy": policy.ref, "track": track.id,
                                        "indicator": node.id, "unit": None,
                                        "what": f"{labels['reports'].get(rule.report, rule.report)} {label}"})
        out.extend(_open_items(states, today, until, policy.ref))
    unique = {(d["kind"], d["what"], d["unit"], d["due"]): d for d in out}
    return sorted(unique.values(), key=lambda d: (d["due"], d["what"], d["unit"] or ""))


def _open_items(states: list[dict[str, Any]], today: dt.date, until: dt.date, policy: str) -> list[dict[str, Any]]:
    retracted = {d["target"] for d in states if d["type"] == "retraction"}
    closed = {(d["unit"], d["item"]) for d in states if d["type"] == "supervised_item_closed"
              and d["id"] not in retracted}
    out = []
    for d in states:
        if d["type"] != "supervised_item_assigned" or d["id"] in retracted or (d["unit"], d["item"]) in closed:
            continue
        due = dt.date.fromisoformat(str(d["due"]))
        if today <= due <= until:
            out.append({"kind": "supervised_item", "due": due, "what": d["item"], "policy": policy,
                        "track": None, "indicator": None, "unit": d["unit"], "event": d["id"]})
    return out
