"""What an obligation puts at risk: the scoring engine run on hypothetical facts.

An obligation's price is the change in the unit's points between two cards ``score_track``
scores on one day — the unit's facts as they stand at as-of, and the same facts with what
would have fulfilled the obligation by its due date added: "this item alone undone,
everything else as it is". The day is the first on which the policy counts every listed
obligation of the unit missed (the latest due date, or the day after for rules that count a
miss only then; as-of when later); a supervised item due after the window, on its own day.

Batched: the hypotheticals of a track and day are scored in rounds, each unit once a round,
so a rank sees the real peers (units with nothing left to score stand in with what rank
rules read). Independent obligations share one hypothetical: when their facts reach disjoint
parts of the track (an indicator under ancestors that only sum their children; by the event
types and conditions the rules and zeroing conditions read), no formula reads another
indicator and the total is not rounded, each one's price is the change of the parts its
facts reach — provided neither card shows the track's floor or cap at work and the changes
all go one way (then no total in between is clamped); otherwise they are scored one by one.
Obligations one rule prices alike (``Obligation.alike``) are priced once for the unit when
nothing else in the track reads their facts.

Not priced (None): where the policy attaches no points, or where the price depends on the
peers (the indicator ranks units, or the facts are what a rank reads).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..policies import rule_kinds
from . import obligations as ob
from .scoring import rank_fact_types, score_track

if TYPE_CHECKING:
    from ..events.fact import Fact
    from ..policies.model import Indicator, Policy
    from ..units import Unit
    from .scoring import ScoreCard

CLAMPS = frozenset({"cap", "floor", "rounding"})
"""Track-level lines that make the total other than the sum of its indicators."""


def _sums(ind: Indicator) -> bool:
    """An indicator whose points are just its children's sum (no floor, cap, zeroing or
    rounding of its own): a change below it is the same change in it."""
    return bool(ind.children) and ind.floor is None and ind.cap is None and not ind.zero_when \
        and ind.precision is None


class Readers:
    """Which parts of a track read a fact, by the event types and conditions the rules and
    zeroing conditions name (a rule kind's declared reads: any fact of the type). A part is
    an indicator whose ancestors only sum their children: the highest one that does not."""

    def __init__(self, policy: Policy, track_id: str) -> None:
        from .scoring.matching import Matcher

        track = policy.track(track_id)
        self.by_type: dict[str, set[str]] = defaultdict(set)
        self.matchers: list[tuple[str, Any]] = []
        self.cross = False
        """A rule reads another indicator's points (a formula): no shared hypotheticals."""
        self.reading: dict[str, int] = defaultdict(int)
        """How many rules and zeroing conditions read each fact type."""

        def visit_tree(ind: Indicator, owner: str | None) -> None:
            part = owner or ind.id
            for piece in [*ob.rules_of(ind), *ind.zero_when]:
                for type_ in self._visit(piece, part, Matcher, set()):
                    self.reading[type_] += 1
            for child in ind.children or []:
                visit_tree(child, owner or (None if _sums(ind) else ind.id))

        for top in track.indicators:
            visit_tree(top, None)
        self.rounded = (track.precision or policy.precision) is not None

    def _visit(self, node: Any, top: str, matcher: Any, named: set[str]) -> set[str]:
        """Record what a piece of a rule reads (for the part ``top``); the fact types it names."""
        if isinstance(node, BaseModel):
            for type_ in getattr(type(node), "reads", ()):
                self.by_type[type_].add(top)
                named.add(type_)
            event = getattr(node, "event", None)
            if event is not None:
                types = event if isinstance(event, list) else [event]
                self.matchers.append((top, matcher(types, getattr(node, "where", None),
                                                   getattr(node, "contains", None))))
                named.update(types)
            if isinstance(getattr(node, "indicator", None), str):
                self.cross = True
            for name in type(node).model_fields:
                self._visit(getattr(node, name), top, matcher, named)
        elif isinstance(node, (list, tuple, dict)):
            for item in node.values() if isinstance(node, dict) else node:
                self._visit(item, top, matcher, named)
        return named

    def reached(self, facts: Iterable[Fact]) -> frozenset[str]:
        """The parts whose rules read any of ``facts``."""
        found: set[str] = set()
        for f in facts:
            found |= self.by_type.get(f.type, set())
            found.update(top for top, m in self.matchers if f.type in m.types and m.test(f))
        return frozenset(found)


class Group:
    """Obligations fulfilled together in one hypothetical (one ``variant`` key)."""

    __slots__ = ("obligations", "unit", "day", "facts", "reaches", "follows")

    def __init__(self, obligations: list[ob.Obligation], unit: str, day: dt.date) -> None:
        self.obligations, self.unit, self.day = obligations, unit, day
        self.facts: list[Fact] = list({f.id: f for o in obligations for f in o.done}.values())
        self.reaches: frozenset[str] = frozenset()
        self.follows: Group | None = None
        """The group priced for this one (obligations one rule prices alike)."""


class Pricing:
    def __init__(self, policy: Policy, track_id: str, members: list[Unit], facts: dict[str, list[Fact]],
                 peers: dict[str, list[Fact]], as_of: dt.date, soon_until: dt.date) -> None:
        self.policy, self.track_id, self.as_of, self.soon_until = policy, track_id, as_of, soon_until
        self.members = {u.id: u for u in members}
        self.facts, self.peers = facts, peers
        self.rank_types = rank_fact_types(policy, track_id)
        self.ranked_indicators = {ind.id for ind in ob.walk(policy.track(track_id).indicators)
                                  if any(getattr(rule_kinds.get(r.kind).evaluator, "ranked", False)
                                         for r in ob.rules_of(ind))}
        self.readers = Readers(policy, track_id)

    def _priceable(self, o: ob.Obligation) -> bool:
        return bool(o.done) and o.indicator not in self.ranked_indicators and \
            not any(f.type in self.rank_types for f in o.done)

    def _day(self, obligations: Iterable[ob.Obligation]) -> dt.date:
        return max([self.as_of] + [d + dt.timedelta(days=o.counted_after) for o in obligations
                                   for d in (o.dues or (o.due,))])

    def price(self, found: list[ob.Obligation]) -> dict[int, Decimal | None]:
        """id(obligation) → points at risk (None: not priced). Obligations the engine does not
        count as missed when left undone are left out."""
        prices: dict[int, Decimal | None] = {id(o): None for o in found}
        by_variant: dict[Hashable, list[ob.Obligation]] = defaultdict(list)
        for o in found:
            if self._priceable(o):
                by_variant[o.variant if o.variant is not None else id(o)].append(o)
        days: dict[str, dt.date] = {}
        by_unit: dict[str, list[ob.Obligation]] = defaultdict(list)
        for o in found:
            by_unit[o.unit].append(o)
        for unit, obligations in by_unit.items():
            days[unit] = self._day(o for o in obligations if o.due <= self.soon_until)
        # what falls due later (an assigned item due after the window) is priced on its own day
        groups = [Group(g, g[0].unit, days[g[0].unit] if g[0].due <= self.soon_until else self._day(g))
                  for g in by_variant.values()]
        self._share_alike(groups)
        scenarios = self._buckets([g for g in groups if g.follows is None])
        cards = {day: self._score(day, units) for day, units in scenarios.items()}
        redo = self._prices(groups, scenarios, cards, prices)
        if redo:  # shared hypotheticals the total does not split exactly: one by one
            alone = self._buckets(redo, joint=False)
            alone_cards = {day: self._score(day, units) for day, units in alone.items()}
            self._prices(redo + [g for g in groups if g.follows in redo], alone, alone_cards, prices)
        return prices

    def _share_alike(self, groups: list[Group]) -> None:
        first: dict[tuple[str, dt.date, Hashable], Group] = {}
        for g in groups:
            o = g.obligations[0]
            if len(g.obligations) > 1 or o.alike is None or any(self.readers.reading.get(f.type, 0) != 1
                                                                          for f in o.done):
                continue
            key = (g.unit, g.day, o.alike)
            if key in first:
                g.follows = first[key]
            else:
                first[key] = g

    def _buckets(self, groups: list[Group], joint: bool = True) -> dict[dt.date, dict[str, list[list[Group]]]]:
        """day → unit → scenarios, each a list of groups fulfilled together (the first scenario,
        none: the facts as they stand). Groups reaching disjoint parts of the track share one."""
        out: dict[dt.date, dict[str, list[list[Group]]]] = defaultdict(dict)
        joint = joint and not self.readers.cross and not self.readers.rounded
        for g in groups:
            g.reaches = self.readers.reached(g.facts)
            scenarios = out[g.day].setdefault(g.unit, [[]])
            if joint:
                for scenario in scenarios[1:]:
                    if all(not (g.reaches & other.reaches) for other in scenario):
                        scenario.append(g)
                        break
                else:
                    scenarios.append([g])
            else:
                scenarios.append([g])
        return out

    def _prices(self, groups: list[Group], scenarios: dict[dt.date, dict[str, list[list[Group]]]],
                cards: dict[dt.date, dict[str, list[ScoreCard]]], prices: dict[int, Decimal | None]) -> list[Group]:
        """Write the prices of ``groups`` from their cards; the groups of shared scenarios that
        do not split exactly are returned instead."""
        where: dict[int, tuple[ScoreCard, ScoreCard, list[Group]]] = {}
        missed: dict[int, frozenset[ob.Miss]] = {}
        for day, units in scenarios.items():
            for unit, unit_scenarios in units.items():
                for index, scenario in enumerate(unit_scenarios[1:], start=1):
                    for g in scenario:
                        where[id(g)] = (cards[day][unit][0], cards[day][unit][index], scenario)

        def shown(card: ScoreCard, miss: ob.Miss) -> bool:
            got = missed.get(id(card))
            if got is None:
                got = missed[id(card)] = ob.misses(card)
            return miss in got

        points: dict[int, dict[str, Decimal]] = {}

        def of(card: ScoreCard, indicator: str) -> Decimal:
            got = points.get(id(card))
            if got is None:
                got = points[id(card)] = {i.id: i.points for top in card.indicators for i in top.walk()}
            return got[indicator]

        splits: dict[int, bool] = {}

        redo: list[Group] = []
        for g in groups:
            leader = g.follows or g
            if id(leader) not in where:
                continue
            base, done, scenario = where[id(leader)]
            if len(scenario) > 1 and id(scenario) not in splits:
                splits[id(scenario)] = _splits(base, done, [of(done, t) - of(base, t) for x in scenario
                                                            for t in x.reaches])
            if len(scenario) > 1 and not splits[id(scenario)]:
                if g.follows is None:
                    redo.append(g)
                continue
            for o in g.obligations:
                if o.miss is not None and not shown(base, o.miss):
                    prices.pop(id(o), None)  # the policy does not count it as missed
                elif g.follows is None and o.miss is not None and shown(done, o.miss):
                    prices[id(o)] = None  # the facts written did not fulfil it: not priced
                elif o.own_indicator:
                    prices[id(o)] = of(base, o.indicator) - of(done, o.indicator)
                elif len(scenario) == 1:
                    prices[id(o)] = base.total - done.total
                else:
                    prices[id(o)] = sum((of(base, t) - of(done, t) for t in leader.reaches), Decimal(0))
        return redo

    def _score(self, day: dt.date, units: dict[str, list[list[Group]]]) -> dict[str, list[ScoreCard]]:
        """Every unit's scenarios scored on ``day``: round r scores each unit's r-th scenario
        (real unit ids, each unit once a round)."""
        out: dict[str, list[ScoreCard]] = {u: [] for u in units}
        for r in range(max(len(s) for s in units.values())):
            focus = {u for u, s in units.items() if len(s) > r}
            facts = {u: self.facts[u] + [f for g in units[u][r] for f in g.facts] for u in focus}
            if self.rank_types:
                facts.update({u: fs for u, fs in self.peers.items() if u not in focus})
            members = [self.members[u] for u in sorted(facts) if u in self.members]
            for card in score_track(self.policy, self.track_id, members, facts, day, focus=focus):
                out[card.unit].append(card)
        return out


def _splits(base: ScoreCard, done: ScoreCard, changes: list[Decimal]) -> bool:
    """Whether a shared hypothetical's total change is the sum of each group's own: no track
    floor, cap or rounding at work on either card, and the parts' ``changes`` all one way."""
    if any(ln.indicator is None and ln.kind in CLAMPS for card in (base, done) for ln in card.lines):
        return False
    return all(c >= 0 for c in changes) or all(c <= 0 for c in changes)
