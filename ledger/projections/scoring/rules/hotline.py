"""``rate``: points lost for a rate short of its target — a reported metric (e.g. 按期办结率)
or a 12345 hotline rate worked out from the unit's tickets (办结率, 按期回复率, 满意率)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field

from ledger.policies.vocabulary import Amount, MetricRef, RuleSpec, Spec

from ..card import Line, q
from ..context import HUNDRED, ZERO, Ctx, Site, aggregate_line, event_line, fmt
from ..hotline import HOTLINE_TYPES, hotline_tickets
from ..index import UnitFacts
from .base import Evaluator, rule_kind
from .metrics import metric_value


class HotlineRef(Spec):
    hotline: Literal["completion", "on_time", "satisfaction"]
    reads: ClassVar[frozenset[str]] = HOTLINE_TYPES


class Rate(RuleSpec):
    kind: Literal["rate"]
    of: MetricRef | HotlineRef
    full_at: Amount = Decimal(100)
    per_point: Amount
    zero_below: Amount | None = None
    points: Amount | None = None
    return_within_workdays: int = Field(default=2, ge=0)
    max_extension_workdays: int = Field(default=3, ge=0)

    def check_indicator(self, indicator: Any) -> None:
        if indicator.mode != "deduction":
            raise ValueError("a rate rule deducts from the indicator's points: mode deduction")
        if self.points is None and indicator.points is None:
            raise ValueError("a rate rule needs points (on the rule or the indicator)")


_NAMES = {"completion": "completion rate (办结率)", "on_time": "on-time rate (按期回复率)",
          "satisfaction": "satisfaction rate (满意率)"}
_STATE = {"completion": "completed", "on_time": "on_time", "satisfaction": "satisfied"}
_WHY_NOT = {"completed": "no ok reply", "satisfied": "callback not satisfied"}


@rule_kind(Rate, reads=())
class RateRule(Evaluator[Rate]):
    __slots__ = ("metric", "hotline", "full_at", "per_point", "zero_below", "points", "ret", "ext")

    def setup(self, r: Rate, site: Site) -> None:
        self.metric = r.of.metric if isinstance(r.of, MetricRef) else None
        self.hotline = r.of.hotline if isinstance(r.of, HotlineRef) else None
        self.full_at, self.per_point, self.zero_below = r.full_at, r.per_point, r.zero_below
        points = r.points if r.points is not None else site.points
        assert points is not None  # checked by check_indicator
        self.points: Decimal = points
        self.ret, self.ext = r.return_within_workdays, r.max_extension_workdays

    def _deduction(self, v: Decimal) -> tuple[Decimal, str]:
        if self.zero_below is not None and v < self.zero_below:
            return -self.points, f"{fmt(v)} < {fmt(self.zero_below)}: no points"
        d = self.per_point * max(ZERO, self.full_at - v)
        d = min(d, self.points)
        return -d, f"({fmt(self.full_at)} − {fmt(v)}) × {fmt(self.per_point)}"

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        if self.metric is not None:
            f, v = metric_value(uf, self.metric)
            if f is None or v is None:
                self.missing_data(ctx, node, out, f"metric {self.metric} missing")
                return
            delta, how = self._deduction(v)
            out.append(event_line(node, f, delta, self.text, ctx, detail=f"{self.metric} = {fmt(v)}: {how}"))
            return
        assert self.hotline is not None
        tickets = hotline_tickets(uf, ctx, self.ret, self.ext)
        name = _NAMES[self.hotline]
        if not tickets:
            out.append(aggregate_line(node, ZERO, "rate", self.text, ctx,
                                      detail=f"{name}: no counted tickets, full points"))
            return
        attr = _STATE[self.hotline]
        good = [t for t in tickets if getattr(t, attr)]
        bad = [t for t in tickets if not getattr(t, attr)]
        v = Decimal(len(good)) * HUNDRED / Decimal(len(tickets))
        delta, how = self._deduction(v)
        out.append(aggregate_line(node, delta, "rate", self.text, ctx,
                                  detail=f"{name} {len(good)}/{len(tickets)} = {fmt(q(v))}%: {how}",
                                  events=tuple(t.fact.id for t in good)))
        for t in bad:
            if t.returned_late:
                why = "returned after the time limit"
            elif attr == "on_time":
                why = f"no ok reply by {t.due.isoformat()}"
            else:
                why = _WHY_NOT[attr]
            out.append(event_line(node, t.fact, ZERO, self.text, ctx, kind="ticket",
                                  detail=f"ticket {t.fact.fields.get('ticket')}: {why}"))
