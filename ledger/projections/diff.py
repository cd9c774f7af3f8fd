"""Score diffs: two scoreboards (other rules, or other knowledge) compared per unit and
indicator, every change attributed to the events or rule changes that cause it."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ..policies.model import Indicator, Policy, Track
from ..policies.vocabulary import Dated
from ..store.eventstore import stream_year, unit_stream
from .fact_view import Amendments
from .scoreboard import Scoreboard
from .scoring import ScoreCard
from .scoring.card import Detail
from .scoring.context import fmt


def _joined(items: Sequence[str], template: str = "{a}; {b}") -> str:
    """``items`` joined by "; " (or as ``template`` joins two), each still translatable (a
    ``Detail`` keeps its words)."""
    if not items:
        return ""
    out = items[0]
    for item in items[1:]:
        out = Detail(template, a=out, b=item)
    return out


@dataclass
class Change:
    track: str
    unit: str
    name: str
    indicator: str  # indicator id, or "total" / "rank" / "grade"
    before: Any
    after: Any
    causes: list[str] = field(default_factory=list)

    @property
    def delta(self) -> Decimal | None:
        if isinstance(self.before, Decimal) and isinstance(self.after, Decimal):
            return self.after - self.before
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"track": self.track, "unit": self.unit, "name": self.name, "indicator": self.indicator,
                "before": self.before, "after": self.after, "delta": self.delta, "causes": self.causes}


@dataclass
class RuleChange:
    """One changed indicator (or track): its values old → new (dated values written
    ``{date: value, …}``) and its rule text before and after."""

    track: str
    indicator: str  # indicator id, or "*" for the track's own settings
    status: str  # "changed", "added" or "removed"
    values: list[tuple[str, str | None, str | None]]
    """(field path, old, new); None: not there."""
    text_before: str | None
    text_after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"track": self.track, "indicator": self.indicator, "status": self.status,
                "values": [{"field": f, "before": a, "after": b} for f, a, b in self.values],
                "text_before": self.text_before, "text_after": self.text_after}


@dataclass
class Diff:
    before: Scoreboard
    after: Scoreboard
    rule_changes: list[str]
    changes: list[Change]
    rules: list[RuleChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        side = lambda b: {"policy": b.policy.ref, "as_of": b.as_of.isoformat(), "known_at": b.known_at}  # noqa: E731
        return {"before": side(self.before), "after": side(self.after), "rule_changes": self.rule_changes,
                "rules": [r.to_dict() for r in self.rules], "changes": [c.to_dict() for c in self.changes]}


def _plain(node: Any) -> Any:
    """A piece of a policy as plain values for comparing: numbers as text, dated values as
    ``{2021-01-01: -2, 2021-07-01: -3}``."""
    if isinstance(node, Dated):
        return "{" + ", ".join(f"{d.isoformat()}: {fmt(v)}" for d, v in node.schedule) + "}"
    if isinstance(node, Decimal):
        return fmt(node)
    if isinstance(node, BaseModel):
        return {name: _plain(getattr(node, name)) for name in type(node).model_fields
                if name != "children" and getattr(node, name) is not None}
    if isinstance(node, (list, tuple)):
        return [_plain(x) for x in node]
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


def _flat(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _flat(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list) and value and any(isinstance(x, (dict, list)) for x in value):
        for i, v in enumerate(value):
            _flat(v, f"{path}[{i}]", out)
    else:
        out[path] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def value_changes(a: Any, b: Any) -> list[tuple[str, str | None, str | None]]:
    """Field by field, what differs between two pieces of a policy: (path, old, new)."""
    fa: dict[str, str] = {}
    fb: dict[str, str] = {}
    _flat(_plain(a), "", fa)
    _flat(_plain(b), "", fb)
    return [(k, fa.get(k), fb.get(k)) for k in list(fa) + [k for k in fb if k not in fa] if fa.get(k) != fb.get(k)]


def _text(ind: Indicator | None) -> str | None:
    """An indicator's rule text: its rules' own sentences, else its clause."""
    if ind is None:
        return None
    flat: dict[str, str] = {}
    _flat(_plain([ind.rule] if ind.rule else ind.rules or []), "", flat)
    own = [v for k, v in flat.items() if k.endswith("rule_text")]
    clause = ind.clause or ind.name
    return " / ".join([clause] + own) if own else clause


def rule_details(a: Policy, b: Policy) -> list[RuleChange]:
    """Per changed track setting and indicator, the values old → new and the rule text before and after."""
    out: list[RuleChange] = []
    tracks_a = {t.id: t for t in a.tracks}
    for tb in b.tracks:
        ta = tracks_a.get(tb.id)
        if ta is None:
            continue
        own = [k for k in ("grades", "veto", "downgrade", "cap", "floor", "max", "group", "precision")]
        values = value_changes({k: getattr(ta, k) for k in own}, {k: getattr(tb, k) for k in own})
        if values:
            out.append(RuleChange(tb.id, "*", "changed", values, None, None))
        ia, ib = _indicators(ta), _indicators(tb)
        for iid in list(ia) + [i for i in ib if i not in ia]:
            xa, xb = ia.get(iid), ib.get(iid)
            values = value_changes(xa, xb) if xa is not None and xb is not None else []
            if xa is not None and xb is not None and not values:
                continue
            status = "added" if xa is None else "removed" if xb is None else "changed"
            out.append(RuleChange(tb.id, iid, status, values, _text(xa), _text(xb)))
    return out


def _indicators(track: Track) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {}

    def walk(nodes: list[Indicator]) -> None:
        for node in nodes:
            out[node.id] = node
            walk(node.children or [])

    walk(track.indicators)
    return out


def rule_changes(a: Policy, b: Policy) -> tuple[list[str], dict[tuple[str, str], str]]:
    """Readable notes of what changed between two policies, and per (track, indicator) the
    note that explains it."""
    notes: list[str] = []
    by_indicator: dict[tuple[str, str], str] = {}
    if a.ref != b.ref and b.change_note:
        notes.append(Detail("{ref}: {note}", ref=b.ref, note=b.change_note))
    tracks_a = {t.id: t for t in a.tracks}
    for tb in b.tracks:
        ta = tracks_a.get(tb.id)
        if ta is None:
            notes.append(Detail("track {track} added", track=tb.id))
            continue
        for key in ("grades", "veto", "downgrade", "cap", "floor", "max", "group"):
            if getattr(ta, key) != getattr(tb, key):
                notes.append(Detail("track {track}: {setting} changed", track=tb.id, setting=key))
                by_indicator[(tb.id, "*")] = Detail("track {track}: {setting} changed", track=tb.id, setting=key)
        ia, ib = _indicators(ta), _indicators(tb)
        for iid in sorted(set(ia) | set(ib)):
            if iid not in ia:
                note = Detail("{track}/{indicator} added: {text}", track=tb.id, indicator=iid,
                              text=ib[iid].clause or ib[iid].name)
            elif iid not in ib:
                note = Detail("{track}/{indicator} removed", track=tb.id, indicator=iid)
            elif _own(ia[iid]) != _own(ib[iid]):
                changed = [k for k in _own(ia[iid]) if _own(ia[iid])[k] != _own(ib[iid]).get(k)]
                note = Detail("{track}/{indicator} changed ({settings}): {text}", track=tb.id, indicator=iid,
                              settings=", ".join(changed), text=ib[iid].clause or ib[iid].name)
            else:
                continue
            notes.append(note)
            by_indicator[(tb.id, iid)] = note
    for ta in a.tracks:
        if ta.id not in {t.id for t in b.tracks}:
            notes.append(Detail("track {track} removed", track=ta.id))
    return notes, by_indicator


def _own(ind: Indicator) -> dict[str, Any]:
    data = ind.model_dump(exclude={"children"})
    return data


def _event_lines(card: ScoreCard | None, indicator: str) -> Counter:
    if card is None:
        return Counter()
    return Counter((ln.event, ln.delta) for ln in card.lines if ln.indicator == indicator and ln.event)


def _kinds(card: ScoreCard | None, indicator: str) -> Counter:
    if card is None:
        return Counter()
    return Counter((ln.kind, ln.delta) for ln in card.lines if ln.indicator == indicator and not ln.event)


class _EventStatus:
    """Why an event's lines differ between two known-at revisions."""

    def __init__(self, before: Scoreboard, after: Scoreboard):
        """Two policies may score different assessment years: both years' streams are read,
        as known at the later of the two revisions."""
        self.k0, self.k1 = before.known_at, after.known_at
        self.view = max(before.snapshot, after.snapshot, key=lambda s: s.known_at)
        self.year_of = {before.policy.year: before.policy.ref, after.policy.year: after.policy.ref}
        self.years = sorted(self.year_of)
        self._cache: dict[str, dict[str, Any]] = {}

    def _unit(self, unit: str) -> dict[str, Any]:
        if unit not in self._cache:
            records = sorted((r for year in self.years for r in self.view.records(unit_stream(unit, year))),
                             key=lambda r: r.revision)
            self._cache[unit] = {"records": {r.id: r for r in records}, "all": records}
        return self._cache[unit]

    def changed(self, unit: str) -> list[str]:
        """Facts of the unit whose standing changed between the two revisions."""
        lo, hi = sorted((self.k0, self.k1))
        if lo == hi:
            return []
        data = self._unit(unit)
        touched: list[str] = []
        for r in data["all"]:
            if lo < r.revision <= hi and r.type not in ("appeal_filed", "appeal_decided"):
                target = self._fact_behind(data, r)
                if target and target not in touched:
                    touched.append(target)
        return [self.explain(unit, event_id) for event_id in touched]

    @staticmethod
    def _fact_behind(data: dict[str, Any], record: Any) -> str | None:
        """The fact an amendment is about (a retraction of a retraction restores a fact)."""
        while record is not None and record.type in ("retraction", "correction"):
            record = data["records"].get(record.data.get("target"))
        return record.id if record is not None else None

    def explain(self, unit: str, event_id: str) -> str:
        """What happened to the fact between the 'before' and the 'after' revision (either
        may be the later one)."""
        data = self._unit(unit)
        record = data["records"].get(event_id)
        if record is None:
            return Detail("event {event}", event=event_id)
        year = stream_year(record.stream)
        if len(self.years) > 1 and year in self.year_of:
            return Detail("event {event} ({event_type}, dated {date}) belongs to {year}, scored only by {policy}",
                          event=event_id, event_type=record.type, date=record.data["date"], year=year,
                          policy=self.year_of[year])
        if self.k0 < record.revision <= self.k1:
            return Detail("event {event} ({event_type}, dated {date}) recorded late at revision {revision}",
                          event=event_id, event_type=record.type, date=record.data["date"], revision=record.revision)
        if self.k1 < record.revision <= self.k0:
            return Detail("event {event} ({event_type}) not yet recorded at revision {revision}", event=event_id,
                          event_type=record.type, revision=self.k1)
        notes = []
        before = Amendments([r for r in data["all"] if r.revision <= self.k0])
        after = Amendments([r for r in data["all"] if r.revision <= self.k1])
        r_after, r_before = after.retracted_by(event_id), before.retracted_by(event_id)
        if r_after and not r_before:
            notes.append(Detail("retracted by {by} at revision {revision}: {reason}", by=r_after.id,
                                revision=r_after.revision, reason=r_after.data.get("reason")))
        elif r_before and not r_after:
            notes.append(Detail("counts again (retraction {by} not in force at revision {revision})", by=r_before.id,
                                revision=self.k1))
        known_before = {x.id for x in before.corrections_of(event_id)}
        for c in after.corrections_of(event_id):
            if c.id not in known_before:
                notes.append(Detail("corrected by {by} at revision {revision} ({reason}): {changes}", by=c.id,
                                    revision=c.revision, reason=c.data.get("reason"),
                                    changes=_joined([Detail("{field}→{value}", field=k, value=v)
                                                     for k, v in c.data["changes"].items()], "{a}, {b}")))
        return Detail("event {event} ({event_type}) {what}", event=event_id, event_type=record.type,
                      what=_joined(notes) if notes else Detail("counts differently"))


def diff(before: Scoreboard, after: Scoreboard) -> Diff:
    notes, by_indicator = rule_changes(before.policy, after.policy)
    status = _EventStatus(before, after)
    changes: list[Change] = []
    for track_id in sorted(set(before.cards) | set(after.cards)):
        cards_a = {c.unit: c for c in before.cards.get(track_id, [])}
        cards_b = {c.unit: c for c in after.cards.get(track_id, [])}
        peers_changed = [note for unit in sorted(set(cards_a) | set(cards_b)) for note in status.changed(unit)]
        for unit in sorted(set(cards_a) | set(cards_b)):
            ca, cb = cards_a.get(unit), cards_b.get(unit)
            name = (cb or ca).name  # type: ignore[union-attr]
            points_a = {n.id: n.points for top in (ca.indicators if ca else []) for n in top.walk()}
            points_b = {n.id: n.points for top in (cb.indicators if cb else []) for n in top.walk()}
            leaf_ids = [n.id for top in ((cb or ca).indicators) for n in top.walk() if not n.children]  # type: ignore[union-attr]
            for iid in leaf_ids + [i for i in points_a if i not in points_b]:
                pa, pb = points_a.get(iid), points_b.get(iid)
                if pa == pb:
                    continue  # evidence may differ (a retraction below a floor), the score does not
                causes: list[str] = []
                if (track_id, iid) in by_indicator:
                    causes.append(Detail("rule: {note}", note=by_indicator[(track_id, iid)]))
                ev_a, ev_b = _event_lines(ca, iid), _event_lines(cb, iid)
                for event in sorted({e for e, _ in (ev_a - ev_b) + (ev_b - ev_a)}):
                    if (track_id, iid) in by_indicator:  # the rule moved it: say by how much
                        causes.append(_priced(unit, event, ca, cb, iid, status))
                    else:
                        causes.append(status.explain(unit, event))
                for kind, _ in sorted(((_kinds(ca, iid) - _kinds(cb, iid)) + (_kinds(cb, iid) - _kinds(ca, iid))),
                                      key=str):
                    if kind == "rank":
                        text = (Detail("rank-based points moved: the track's ranking changed because {why}",
                                       why=_joined(peers_changed[:5])) if peers_changed
                                else Detail("rank-based points moved: the track's ranking changed"))
                    elif kind in ("base", "cap", "floor", "rounding"):
                        continue
                    else:
                        text = Detail("{kind} line changed", kind=kind)
                    if text not in causes:
                        causes.append(text)
                changes.append(Change(track_id, unit, name, iid, pa, pb, causes))
            for key, va, vb in (("total", ca and ca.total, cb and cb.total), ("rank", ca and ca.rank, cb and cb.rank),
                                ("grade", ca and ca.grade, cb and cb.grade),
                                ("vetoed", ca and ca.vetoed, cb and cb.vetoed),
                                ("downgraded", ca and ca.downgraded, cb and cb.downgraded)):
                if va != vb:
                    causes = ([Detail("rule: {note}", note=by_indicator[(track_id, "*")])]
                              if (track_id, "*") in by_indicator else [])
                    changes.append(Change(track_id, unit, name, key, va, vb, causes))
    return Diff(before, after, notes, changes, rule_details(before.policy, after.policy))


def _priced(unit: str, event: str, ca: ScoreCard | None, cb: ScoreCard | None, iid: str,
            status: _EventStatus) -> str:
    """An event behind a rule change with the points it moved: ``event X (type, dated D): −2 → −3``."""
    def points(card: ScoreCard | None) -> str:
        got = [ln for ln in (card.lines if card else []) if ln.indicator == iid and ln.event == event]
        return fmt(sum((ln.delta for ln in got), Decimal(0))) if got else "—"

    line = next((ln for c in (cb, ca) if c for ln in c.lines if ln.event == event), None)
    head = (Detail("event {event} ({event_type}, dated {date})", event=event, event_type=line.event_type,
                   date=line.date.isoformat())
            if line is not None and line.date else status.explain(unit, event))
    return Detail("{head}: {before} → {after}", head=head, before=points(ca), after=points(cb))
