"""The scoring engine: policy track × units' facts → score cards with explanation lines.

A policy is compiled once per track into plain objects (``CompiledTrack``): each indicator's
rules become evaluators of their registered rule kinds (``ledger.policies.rule_kinds``, kinds
in ``rules/``). Scoring a unit indexes its facts by type once (``UnitFacts``) and runs the
evaluators over the few fact lists they need. Everything is Decimal; each indicator is rounded
half-up to 2 places once, and a ``rounding`` line makes the displayed line deltas add up to it
exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ledger.events.fact import Fact
from ledger.policies import model as M
from ledger.policies import rule_kinds
from ledger.policies.errors import CalendarError
from ledger.policies.vocabulary import Condition, TotalBelow, has_dated, resolved_at
from ledger.units import Unit

from .card import Detail, IndicatorScore, Line, Rounding, ScoreCard, q
from .context import ZERO, Ctx, as_of_note, cite_corrections, fmt
from .index import UnitFacts
from .matching import Matcher
from .rules.base import Evaluator, RankedEvaluator

# ====================================================================== compiled tree


class Cond:
    __slots__ = ("matcher", "min_count", "reason", "total_below")

    def __init__(self, c: Condition | TotalBelow) -> None:
        self.matcher: Matcher | None
        self.total_below: Decimal | None
        if isinstance(c, TotalBelow):
            self.matcher = None
            self.min_count = 1
            self.total_below = c.total_below
            self.reason: str = c.reason or Detail("total below {below}", below=fmt(c.total_below))
        else:
            matcher = Matcher(c.event, c.where, c.contains)
            self.matcher = matcher
            self.min_count = c.min_count
            self.total_below = None
            self.reason = c.reason or (Detail("{n} × {events}", n=c.min_count, events=matcher.describe)
                                       if c.min_count > 1 else matcher.describe)

    def hits(self, uf: UnitFacts, year: int) -> list[Fact]:
        if self.matcher is None:
            return []
        facts = self.matcher.select(uf, year)
        return facts if len(facts) >= self.min_count else []


def _rounding(p: Any) -> Rounding | None:
    return Rounding(p.places, p.mode) if p is not None else None


class Node:
    __slots__ = ("id", "name", "points", "max", "deduction", "floor", "cap", "zero_when",
                 "evaluators", "children", "divisions", "text", "rounding", "reports", "value_unit", "desc",
                 "bound", "given", "places")

    def __init__(self, ind: M.Indicator) -> None:
        self.id = ind.id
        self.name = ind.name
        self.points = ind.points
        self.deduction = ind.mode == "deduction"
        self.floor = q(ind.floor) if ind.floor is not None else None
        self.cap = q(ind.cap) if ind.cap is not None else None
        self.given = (ind.floor, ind.cap)
        """The floor and cap as the policy gives them (a dated one names its date on the line)."""
        self.zero_when = [Cond(c) for c in ind.zero_when]
        self.divisions = tuple(ind.divisions)
        self.text = ind.clause or ind.name
        self.children = [Node(c) for c in ind.children] if ind.children else []
        rules = ind.rules if ind.rules is not None else ([ind.rule] if ind.rule is not None else [])
        self.evaluators: list[Evaluator[Any]] = [rule_kinds.get(r.kind).evaluator(r, self) for r in rules]
        self.rounding = _rounding(ind.precision)
        """A declared precision (None: half-up to 2 places)."""
        self.places = ind.precision.places if ind.precision is not None else None
        self.reports = ind.reports == "value"
        self.value_unit = ind.value_unit
        self.desc = ind.rank_order != "asc"
        self.max: Decimal | None
        self.bound: Decimal | None
        """The most the indicator can earn: its max, else (a bonus indicator) its cap, else its
        children's bounds; None if unbounded. Only a bonus-only track's maximum reads it."""
        scored = [c for c in self.children if c.scored]
        if self.reports:
            self.max = self.bound = None
        elif self.points is not None:
            self.max = self.bound = self.points
        elif scored and all(c.max is not None for c in scored):
            self.max = self.bound = sum((c.max or ZERO for c in scored), ZERO)
        else:
            self.max = None
            if self.children:
                self.bound = sum((c.bound or ZERO for c in scored), ZERO) \
                    if scored and all(c.bound is not None for c in scored) else None
            else:
                self.bound = ind.cap  # a bonus indicator capped at N earns at most N

    @property
    def scored(self) -> bool:
        """The node carries points (it, or a node under it, does not only report a value)."""
        return not self.reports and (not self.children or any(c.scored for c in self.children))


class CompiledTrack:
    __slots__ = ("id", "name", "group", "nodes", "max", "cap", "floor", "grades", "veto_grade",
                 "vetoes", "downgrades", "ranks", "policy_ref", "version", "year", "cal", "rounding",
                 "by_id", "valued", "value_only", "given", "places", "leaves", "data_leaves", "closing")

    def __init__(self, policy: M.Policy, track: M.Track) -> None:
        self.id, self.name, self.group = track.id, track.name, track.group
        self.nodes = [Node(i) for i in track.indicators]
        self.by_id: dict[str, Node] = {n.id: n for n in _walk(self.nodes)}
        self.valued = [n for n in _walk(self.nodes) if n.reports]
        """Indicators that report a value, in document order."""
        self.value_only = bool(self.valued) and not any(n.scored for n in self.nodes)
        """No indicator carries points: units are ranked by the first reported value."""
        self.rounding = _rounding(track.precision or policy.precision)
        precision = track.precision or policy.precision
        self.places = precision.places if precision is not None else None
        self.leaves = [n for n in _walk(self.nodes) if not n.children]
        self.data_leaves = frozenset(n.id for n in self.leaves if _reads_deadlines(n, self.by_id))
        """Leaves whose data can stay open past their windows for the unit's own deadlines."""
        self.closing: dict[dt.date, tuple[tuple[tuple[str, dt.date], ...], tuple[str, ...], dt.date]] = {}
        """Per as-of date: each leaf's closing day by the policy alone, the leaves still open,
        and the last closing day (``closing``)."""
        self.ranks: list[RankedEvaluator[Any]] = []
        for ev in _evaluators(self.nodes):
            if isinstance(ev, RankedEvaluator):
                ev.key = len(self.ranks)
                self.ranks.append(ev)
        self.cap = q(track.cap) if track.cap is not None else None
        self.floor = q(track.floor) if track.floor is not None else None
        self.given = (track.floor, track.cap)
        self.max: Decimal | None
        scored = [n for n in self.nodes if n.scored]
        if track.max is not None:
            self.max = track.max
        elif track.cap is not None:
            self.max = track.cap
        elif any(n.max is not None for n in scored):
            self.max = sum((n.max or ZERO for n in scored), ZERO)
        elif scored and all(n.bound is not None for n in scored):
            self.max = sum((n.bound or ZERO for n in scored), ZERO)  # bonus-only: the indicators' caps
        else:
            self.max = None  # bonus-only without caps: not known — never a made-up 0
        self.grades = [(g.min, g.grade) for g in track.grades] if track.grades else None
        self.veto_grade = track.veto.grade if track.veto else None
        self.vetoes = [Cond(c) for c in track.veto.when] if track.veto else []
        self.downgrades = [Cond(c) for c in track.downgrade.when] if track.downgrade else []
        self.policy_ref = policy.ref
        self.version = policy.version
        self.year = policy.year
        self.cal = policy.work_calendar()


def _walk(nodes: list[Node]) -> Iterable[Node]:
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _evaluators(nodes: list[Node]) -> Iterable[Evaluator[Any]]:
    """Every evaluator of the tree, depth first in document order."""
    for n in nodes:
        yield from n.evaluators
        yield from _evaluators(n.children)


def _fact_types_of(node: Any, types: set[str]) -> None:
    """Collect the fact types a piece of a policy can make scoring read: the event types it
    names, and what each piece declares it reads (a rule kind's ``reads``, a hotline or
    metric reference's)."""
    if isinstance(node, BaseModel):
        types.update(getattr(type(node), "reads", ()))
        event = getattr(node, "event", None)
        if isinstance(event, list):
            types.update(event)
        for name in type(node).model_fields:
            _fact_types_of(getattr(node, name), types)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _fact_types_of(item, types)
    elif isinstance(node, dict):  # named pieces (a formula's measures)
        for item in node.values():
            if isinstance(item, BaseModel):
                _fact_types_of(item, types)


def track_fact_types(policy: M.Policy, track_id: str) -> frozenset[str]:
    """Every fact type the track's rules, vetoes and downgrades can read, so the fact view
    reads only those."""
    key = ("types", track_id)
    got: frozenset[str] | None = policy._compiled.get(key)
    if got is None:
        types: set[str] = set()
        _fact_types_of(policy.track(track_id), types)
        got = policy._compiled[key] = frozenset(types)
    return got


def rank_fact_types(policy: M.Policy, track_id: str) -> frozenset[str]:
    """Event types the track's rank-based indicators read from every unit of the track."""
    types: set[str] = set()
    for rk in compile_track(policy, track_id).ranks:
        types.update(rk.measured_types())
    return frozenset(types)


def compile_track(policy: M.Policy, track_id: str, as_of: dt.date | None = None) -> CompiledTrack:
    """The track compiled once per policy — per as-of date too when the policy has dated values
    (``{YYYY-MM-DD: value}``): bands, weights, caps and formulas then use the values in force
    at as-of, and per-event amounts and obligations re-read theirs at the event's date or the
    deadline (the resolved values keep their schedule)."""
    dated = policy._compiled.get("__dated__")
    if dated is None:
        dated = policy._compiled["__dated__"] = has_dated(policy)
    key: tuple[Any, ...] = ("track", track_id, as_of) if dated and as_of is not None else ("track", track_id)
    ct: CompiledTrack | None = policy._compiled.get(key)
    if ct is None:
        source = resolved_at(policy, as_of) if dated and as_of is not None else policy
        ct = CompiledTrack(source, source.track(track_id))
        policy._compiled[key] = ct
    return ct


# ====================================================================== scoring


def _eval_node(node: Node, ctx: Ctx, uf: UnitFacts, lines: list[Line]) -> IndicatorScore:
    memo = uf.cache.get(("node", node.id))
    if memo is not None:  # already worked out for a formula that reads it
        lines.extend(memo[1])
        return memo[0]
    if node.reports:
        return _eval_value(node, ctx, uf, lines)
    total = ZERO
    if node.deduction:
        assert node.points is not None  # a deduction indicator starts at its points (policy model)
        base = q(node.points)
        lines.append(Line(node.id, base, "base", None, None, None, node.text, None, ctx.version,
                          (), as_of_note(Detail("starts at {points}", points=fmt(base)),
                                         "points {amount} from {since}", node.points)))
        total = base
    children = []
    rounded = False
    if node.children:
        for c in node.children:
            cs = _eval_node(c, ctx, uf, lines)
            children.append(cs)
            total += cs.points
    else:
        raw_lines: list[Line] = []
        for ev in node.evaluators:
            ev.evaluate(ctx, uf, node, raw_lines)
        if raw_lines:
            raw = total
            shown = total
            for ln in raw_lines:
                raw += ln.delta
                ln.delta = q(ln.delta)
                shown += ln.delta
            lines.extend(raw_lines)
            total = node.rounding(raw) if node.rounding is not None else q(raw)
            rounded = True
            if total != shown:
                how = Detail("{rounding}, as the policy declares", rounding=node.rounding.text) \
                    if node.rounding is not None else Detail("half-up to 2 places, once per indicator")
                lines.append(Line(node.id, total - shown, "rounding", None, None, None, node.text,
                                  None, ctx.version, (), how))
    if node.rounding is not None and not rounded:
        r = node.rounding(total)
        if r != total:
            lines.append(Line(node.id, r - total, "rounding", None, None, None, node.text, None, ctx.version,
                              (), Detail("{rounding}, as the policy declares", rounding=node.rounding.text)))
            total = r
    for cond in node.zero_when:
        hits = cond.hits(uf, ctx.year)
        if hits and total != 0:
            f = hits[0]
            lines.append(Line(node.id, -total, "zeroed", f.id, f.type, f.date, cond.reason, f.source,
                              ctx.version, f.corrections,
                              Detail("{reason}: the indicator scores 0", reason=cond.reason),
                              tuple(h.id for h in hits)))
            total = ZERO
    if node.floor is not None and total < node.floor:
        lines.append(Line(node.id, node.floor - total, "floor", None, None, None, node.text, None,
                          ctx.version, (), as_of_note(Detail("floors at {points}", points=fmt(node.floor)),
                                                      "floor {amount} from {since}", node.given[0])))
        total = node.floor
    if node.cap is not None and total > node.cap:
        lines.append(Line(node.id, node.cap - total, "cap", None, None, None, node.text, None,
                          ctx.version, (), as_of_note(Detail("capped at {points}", points=fmt(node.cap)),
                                                      "cap {amount} from {since}", node.given[1])))
        total = node.cap
    return IndicatorScore(node.id, node.name, total, node.max, node.divisions, children, places=node.places)


def _eval_value(node: Node, ctx: Ctx, uf: UnitFacts, lines: list[Line]) -> IndicatorScore:
    """An indicator that reports a value: its formula's result is the value, not points; every
    line keeps delta 0 (the ``formula`` line becomes the ``value`` line)."""
    raw_lines: list[Line] = []
    for ev in node.evaluators:
        ev.evaluate(ctx, uf, node, raw_lines)
    value: Decimal | None = None
    if not any(ln.kind == "missing_data" for ln in raw_lines):
        raw = sum((ln.delta for ln in raw_lines), ZERO)
        value = node.rounding(raw) if node.rounding is not None else q(raw)
    for ln in raw_lines:
        if ln.kind == "formula" and value is not None:
            ln.kind = "value"
            shown = fmt(value) if node.places is None else f"{value:.{node.places}f}"  # declared: 99.0
            ln.detail = Detail("{detail} → value {value}{unit} (reported, no points)", detail=ln.detail,
                               value=shown, unit=node.value_unit or "")
        ln.delta = ZERO
    lines.extend(raw_lines)
    return IndicatorScore(node.id, node.name, ZERO, None, node.divisions, [], True, value, node.value_unit,
                          places=node.places)


def _resolver(ct: CompiledTrack, ctx: Ctx) -> Any:
    def resolve(indicator_id: str, uf: UnitFacts) -> IndicatorScore:
        got = uf.cache.get(("node", indicator_id))
        if got is not None:
            return got[0]
        own: list[Line] = []
        score = _eval_node(ct.by_id[indicator_id], ctx, uf, own)
        uf.cache[("node", indicator_id)] = (score, own)
        return score

    return resolve


# ====================================================================== provisional


def _reads_deadlines(node: Node, by_id: Mapping[str, Node]) -> bool:
    """The node's data can stay open for the unit's own deadlines (a ticket's due date) — its
    rules', or those of the indicators it reads."""
    return any(ev.has_data_deadlines() or any(_reads_deadlines(by_id[r], by_id) for r in ev.indicator_refs())
               for ev in node.evaluators)


def _closes(node: Node, ct: CompiledTrack, ctx: Ctx, uf: UnitFacts | None, memo: dict[str, dt.date]) -> dt.date:
    """When a leaf's data is complete as of ``ctx.as_of``: the last closing day of its rules and
    of the indicators they read (with ``uf``, the unit's own deadlines too)."""
    got = memo.get(node.id)
    if got is not None:
        return got
    try:
        day = max((ev.closes(ctx, uf) for ev in node.evaluators), default=dt.date(ctx.year, 12, 31))
    except CalendarError:
        # a deadline in a year the working-day calendar does not know: still to come (scoring
        # itself needs that year only once the period is over), on a day not known yet
        day = UNKNOWN
    for ev in node.evaluators:
        for ref in ev.indicator_refs():
            target = ct.by_id[ref]
            for leaf in _walk([target]):
                if not leaf.children:
                    day = max(day, _closes(leaf, ct, ctx, uf, memo))
    memo[node.id] = day
    return day


def _closing(ct: CompiledTrack, ctx: Ctx) -> tuple[tuple[tuple[str, dt.date], ...], tuple[str, ...], dt.date]:
    """Each leaf's closing day by the policy alone (its windows, periods and deadlines), the
    leaves still open as of ``ctx.as_of`` and the last closing day — once per as-of date."""
    got = ct.closing.get(ctx.as_of)
    if got is None:
        memo: dict[str, dt.date] = {}
        days = tuple((leaf.id, _closes(leaf, ct, ctx, None, memo)) for leaf in ct.leaves)
        got = (days, tuple(i for i, day in days if day > ctx.as_of), max(day for _i, day in days))
        if len(ct.closing) >= 400:  # a server asked for many dates: keep the memo small
            ct.closing.clear()
        ct.closing[ctx.as_of] = got
    return got


UNKNOWN = dt.date.max
"""The closing day of a deadline whose year's working days are not known."""


def _known(day: dt.date) -> dt.date | None:
    return None if day == UNKNOWN else day


def _pending(ct: CompiledTrack, ctx: Ctx, uf: UnitFacts | None) -> tuple[tuple[str, ...], dt.date | None]:
    """(leaves still open as of ``ctx.as_of``, the day the last one completes) for one unit: the
    policy's own closing days, then — for the leaves whose windows have closed but that count
    the unit's own deadlines (tickets, supervised items) — those deadlines."""
    days, pending, final_on = _closing(ct, ctx)
    if uf is None or not ct.data_leaves or not any(i in ct.data_leaves and d <= ctx.as_of for i, d in days):
        return pending, _known(final_on)
    memo: dict[str, dt.date] = {}
    by_unit = [(i, _closes(ct.by_id[i], ct, ctx, uf, memo) if i in ct.data_leaves and d <= ctx.as_of else d)
               for i, d in days]
    return tuple(i for i, day in by_unit if day > ctx.as_of), _known(max(day for _i, day in by_unit))


@dataclass(frozen=True)
class Pending:
    """What is still to come for a track as of a date (``pending_indicators``)."""

    indicators: tuple[str, ...]
    """Leaf indicators whose data is not complete yet, in document order."""
    final_on: dt.date | None
    """The day the last of them completes (None: a deadline falls in a year whose working days
    the calendar does not know yet)."""

    @property
    def provisional(self) -> bool:
        return bool(self.indicators)


def pending_indicators(policy: M.Policy, track_id: str, as_of: dt.date,
                       facts: Iterable[Fact] | None = None) -> Pending:
    """Which of the track's indicators are still open as of ``as_of`` (暂定 / 暂不评定): an
    indicator is final once its window or periods have ended on or before ``as_of`` and its
    deadlines have passed — a report's due date, and, given one unit's ``facts``, the due dates
    of the tickets and supervised items it counts. Without facts, the policy's own windows and
    deadlines only (what is open for every unit). A score card carries the same for its unit
    (``ScoreCard.pending``, ``.final_on``, ``.provisional``)."""
    ct = compile_track(policy, track_id, as_of)
    ctx = Ctx(as_of, ct.year, ct.cal, ct.version)
    pending, final_on = _pending(ct, ctx, UnitFacts(facts, as_of) if facts is not None else None)
    return Pending(pending, final_on)


def _place(values: list[tuple[Any, Decimal]], desc: bool) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of ``(key, value)`` pairs: id(key) → place."""
    ordered = sorted((v for _k, v in values), reverse=desc)
    first: dict[Decimal, int] = {}
    for i, v in enumerate(ordered):
        first.setdefault(v, i + 1)
    return {id(k): first[v] for k, v in values}


def _grade(grades: list[tuple[Decimal | None, str]] | None, total: Decimal) -> str | None:
    if not grades:
        return None
    for mn, g in grades:
        if mn is None or total >= mn:
            return g
    return None


FactBatches = Callable[[frozenset[str] | None], Iterable[Mapping[str, Iterable[Fact]]]]
"""How the streaming scorers read facts: called with the fact types wanted (None: every type the
track reads), it yields the units' facts a bounded batch at a time (unit id → that unit's
effective facts for the policy year), each unit once, units absent from every batch having none.
Called once for the rank pass (with the rank-based indicators' types) and once for the cards."""


def focus_places(policy: M.Policy, track_id: str, units: Iterable[Unit], facts_by_unit: Mapping[str, Iterable[Fact]],
                 as_of: dt.date, unit: str) -> dict[int, tuple[int, int]]:
    """``unit``'s (place, number ranked) in each of the track's rank tables it is ranked in,
    by the table's key: what ``score_track(places=…)`` takes instead of the peers' facts.
    ``facts_by_unit`` need only cover ``rank_fact_types``."""
    ct, ctx = _context(policy, track_id, as_of)
    _rank_tables(ct, ctx, [(u, UnitFacts(facts_by_unit.get(u.id, ()), as_of)) for u in units], keep_ids=True)
    return {key: (table[unit][0], table[unit][2]) for key, table in ctx.ranks.items() if unit in table}


def score_track(
    policy: M.Policy,
    track_id: str,
    units: Iterable[Unit],
    facts_by_unit: Mapping[str, Iterable[Fact]],
    as_of: dt.date,
    focus: Collection[str] | None = None,
    places: Mapping[int, tuple[int, int]] | None = None,
) -> list[ScoreCard]:
    """Score every unit of one track as of ``as_of``; cards come back in ``units`` order.

    ``facts_by_unit[unit_id]`` are that unit's effective facts for the policy year (units
    without an entry have no facts). Pure and deterministic.

    With ``focus``, only those units get cards (for one unit's explanation): the other units
    still take part in rank-based indicators, so their facts need only cover
    ``rank_fact_types(...)``; rank by total is then not computed (``rank`` is None).

    ``places`` (with ``focus``): the focus unit's (place, number ranked) in each rank table, by
    the table's key (``focus_places``), given instead of measured from peers whose facts are
    not there (a unit's own packet carries no other unit's records).

    Every fact is held at once here; ``score_batches`` scores the same in bounded memory.
    """
    ct, ctx = _context(policy, track_id, as_of)
    units = list(units)
    indexed = [(u, UnitFacts(facts_by_unit.get(u.id, ()), as_of)) for u in units]
    _rank_tables(ct, ctx, indexed, keep_ids=True, places=places)
    cards = [_card(ct, ctx, u, uf) for u, uf in indexed if focus is None or u.id in focus]
    if focus is None:
        _rank(ct, cards)
    return cards


def score_batches(policy: M.Policy, track_id: str, units: Iterable[Unit], read: FactBatches, as_of: dt.date,
                  *, lines: bool = True) -> list[ScoreCard]:
    """``score_track`` of every unit, in bounded memory: the facts come from ``read`` a batch at a
    time and no unit's facts outlive its card. Peers enter only as per-unit aggregates — each
    rank-based indicator's measure of every unit, taken in a first pass over the rank types'
    facts alone (none: no such pass), and the cards' totals and values for the places. With
    ``lines=False`` each card keeps only its track-level lines (veto, downgrade, the track's cap,
    floor, rounding: a few, which a score table's 否决 column reads) once it is scored — its
    indicators' lines name every ticket behind a rate — and the rank tables keep values only."""
    return score_series(policy, track_id, units, read, [as_of], lines=lines)[as_of]


def score_series(policy: M.Policy, track_id: str, units: Iterable[Unit], read: FactBatches,
                 as_ofs: Sequence[dt.date], *, lines: bool = False, focus: Collection[str] | None = None,
                 totals: bool = False) -> dict[dt.date, list[ScoreCard]]:
    """``score_batches`` at several dates in one pass: each unit's facts are read once (``read``
    must give them as of the latest date at least) and scored at every date, each date seeing
    the facts dated by it (as ``score_track`` at that date would: the fact view's cut is a
    date filter). Cards per date, in ``units`` order. ``focus``: as ``score_track``'s (only
    those units get cards, and ``read(None)`` need give only theirs). ``totals``: the cards
    keep their totals, grades and places only — no lines, and of their indicators only those
    reporting a value (what places a value-only track) — for a series of many dates."""
    units = list(units)
    dates = sorted(set(as_ofs))
    contexts = {day: _context(policy, track_id, day, explain=lines) for day in dates}
    ranked = [day for day in dates if contexts[day][0].ranks]
    if ranked:
        types = frozenset(t for day in ranked for rk in contexts[day][0].ranks for t in rk.measured_types())
        measured = _unit_facts(units, read(types), ranked, types)
        tables = {day: _RankTables(contexts[day][0]) for day in ranked}
        for u, by_day in measured:
            for day, uf in by_day.items():
                tables[day].measure(contexts[day][1], u, uf, lines)
        for day, table in tables.items():
            table.done(contexts[day][1])
    cards: dict[dt.date, list[ScoreCard]] = {day: [] for day in dates}
    scored = units if focus is None else [u for u in units if u.id in focus]
    for u, by_day in _unit_facts(scored, read(None), dates, None):
        for day, uf in by_day.items():
            ct, ctx = contexts[day]
            card = _card(ct, ctx, u, uf)
            if totals:
                card.lines = []
                card.indicators = [i for top in card.indicators for i in top.walk() if i.reports]
            elif not lines:
                card.lines = [ln for ln in card.lines if ln.indicator is None]
            cards[day].append(card)
    if focus is None:
        for day in dates:
            _rank(contexts[day][0], cards[day])
    return cards


def _context(policy: M.Policy, track_id: str, as_of: dt.date, explain: bool = True) -> tuple[CompiledTrack, Ctx]:
    ct = compile_track(policy, track_id, as_of)
    ctx = Ctx(as_of, ct.year, ct.cal, ct.version)
    ctx.resolve = _resolver(ct, ctx)
    ctx.explain = explain
    return ct, ctx


def _unit_facts(units: list[Unit], batches: Iterable[Mapping[str, Iterable[Fact]]], dates: list[dt.date],
                types: frozenset[str] | None) -> Iterator[tuple[Unit, dict[dt.date, UnitFacts]]]:
    """Each unit with its facts indexed as of each of ``dates`` (ascending), in ``units`` order, a
    batch at a time; a unit's facts are indexed once, the earlier dates' views cut from the
    latest's. ``types``: only facts of those types are indexed."""
    pending = {u.id: u for u in units}
    order = {u.id: i for i, u in enumerate(units)}
    last = dates[-1]
    for batch in batches:
        for unit_id in sorted((k for k in batch if k in pending), key=order.__getitem__):
            u = pending.pop(unit_id)
            yield u, _by_day(UnitFacts(batch[unit_id], last, types), dates)
    for u in units:  # units no batch named have no facts
        if u.id in pending:
            yield u, _by_day(UnitFacts((), last, types), dates)


def _by_day(latest: UnitFacts, dates: list[dt.date]) -> dict[dt.date, UnitFacts]:
    return {day: latest if day == dates[-1] else latest.until(day) for day in dates}


class _RankTables:
    """A track's rank-based indicators at one date: every unit's measure, then the places."""

    def __init__(self, ct: CompiledTrack) -> None:
        self.ct = ct
        self.measures: list[list[tuple[str, tuple[Decimal, tuple[str, ...]]]]] = [[] for _ in ct.ranks]

    def measure(self, ctx: Ctx, u: Unit, uf: UnitFacts, keep_ids: bool) -> None:
        uf.cache["unit_id"] = u.id
        for rk, found in zip(self.ct.ranks, self.measures, strict=True):
            m = rk.measure(ctx, uf)
            if m is not None:
                found.append((u.id, m if keep_ids else (m[0], ())))

    def done(self, ctx: Ctx, places: Mapping[int, tuple[int, int]] | None = None) -> None:
        """The places in ``ctx.ranks`` (unit → (place, measure, number ranked)); ``places``: one
        unit's given instead (``score_track``'s)."""
        for rk, measures in zip(self.ct.ranks, self.measures, strict=True):
            if places is not None:
                given = places.get(rk.key)
                ctx.ranks[rk.key] = {uid: (given[0], m, given[1]) for uid, m in measures} if given else {}
                continue
            n = len(measures)
            values = sorted((m[0] for _uid, m in measures), reverse=rk.desc)
            first_pos: dict[Decimal, int] = {}
            for i, v in enumerate(values):
                first_pos.setdefault(v, i + 1)
            ctx.ranks[rk.key] = {uid: (first_pos[m[0]], m, n) for uid, m in measures}
        self.measures = []


def _rank_tables(ct: CompiledTrack, ctx: Ctx, indexed: Iterable[tuple[Unit, UnitFacts]], keep_ids: bool,
                 places: Mapping[int, tuple[int, int]] | None = None) -> None:
    tables = _RankTables(ct)
    for u, uf in indexed:
        tables.measure(ctx, u, uf, keep_ids)
    tables.done(ctx, places)


def _card(ct: CompiledTrack, ctx: Ctx, u: Unit, uf: UnitFacts) -> ScoreCard:
    """One unit's card (its rank among the track's units is set later, by ``_rank``)."""
    uf.cache["unit_id"] = u.id
    lines: list[Line] = []
    scores = [_eval_node(nd, ctx, uf, lines) for nd in ct.nodes]
    total = sum((s.points for s in scores), ZERO)
    if ct.rounding is not None and ct.rounding(total) != total:
        r = ct.rounding(total)
        lines.append(Line(None, r - total, "rounding", None, None, None,
                          f"track {ct.id} total rounded {ct.rounding.text}", None, ctx.version))
        total = r
    if ct.floor is not None and total < ct.floor:
        lines.append(Line(None, ct.floor - total, "floor", None, None, None,
                          as_of_note(f"track {ct.id} floors at {fmt(ct.floor)}", "floor {amount} from {since}",
                                     ct.given[0]), None, ctx.version))
        total = ct.floor
    if ct.cap is not None and total > ct.cap:
        lines.append(Line(None, ct.cap - total, "cap", None, None, None,
                          as_of_note(Detail("track {track} capped at {cap}", track=ct.id, cap=fmt(ct.cap)),
                                     "cap {amount} from {since}", ct.given[1]), None, ctx.version))
        total = ct.cap
    vetoed = False
    veto_reasons = []
    for cond in ct.vetoes:
        hits = cond.hits(uf, ctx.year)
        if hits:
            vetoed = True
            veto_reasons.append(cond.reason)
            f = hits[-1] if cond.min_count > 1 else hits[0]
            lines.append(Line(None, ZERO, "veto", f.id, f.type, f.date, cond.reason, f.source,
                              ctx.version, f.corrections, Detail("一票否决: {reason}", reason=cond.reason),
                              tuple(h.id for h in hits)))
    downgraded = False
    down_reasons = []
    for cond in ct.downgrades:
        if cond.matcher is None:
            assert cond.total_below is not None
            if total < cond.total_below:
                downgraded = True
                down_reasons.append(cond.reason)
                lines.append(Line(None, ZERO, "downgrade", None, None, None, cond.reason, None,
                                  ctx.version, (), as_of_note(Detail("total {total} < {below}", total=fmt(total),
                                                                     below=fmt(cond.total_below)),
                                                              "threshold {amount} from {since}", cond.total_below)))
            continue
        hits = cond.hits(uf, ctx.year)
        if hits:
            downgraded = True
            down_reasons.append(cond.reason)
            f = hits[cond.min_count - 1]
            lines.append(Line(None, ZERO, "downgrade", f.id, f.type, f.date, cond.reason, f.source,
                              ctx.version, f.corrections, Detail("直接降档: {reason}", reason=cond.reason),
                              tuple(h.id for h in hits)))
    cite_corrections(lines, uf)
    grade = _grade(ct.grades, total)
    if vetoed and ct.veto_grade is not None:
        grade = ct.veto_grade
    pending, final_on = _pending(ct, ctx, uf)
    return ScoreCard(u.id, u.name, ct.id, ct.policy_ref, ct.version, total, ct.max, grade, vetoed, downgraded,
                     None, scores, lines, veto_reasons, down_reasons, pending, final_on, ct.places)


def _rank(ct: CompiledTrack, cards: list[ScoreCard]) -> None:
    """Places: each reported value's in its declared order; the cards' by total, or by the first
    reported value when no indicator carries points."""
    for vn in ct.valued:
        scored = [(s, s.value) for c in cards for s in [c.indicator(vn.id)] if s.value is not None]
        places = _place(scored, vn.desc)
        for s, _v in scored:
            s.value_rank = places[id(s)]
    if ct.value_only:  # ranked by the first reported value, in its declared order
        first_valued = ct.valued[0].id
        for c in cards:
            c.rank = c.indicator(first_valued).value_rank
        return
    places = _place([(c, c.total) for c in cards], True)
    for c in cards:
        c.rank = places[id(c)]
