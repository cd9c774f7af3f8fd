"""``rate``: points lost for a rate short of its target — a reported metric (e.g. 按期办结率)
or a 12345 hotline rate worked out from the unit's tickets (办结率, 按期回复率, 满意率)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ledger.i18n import Msg
from ledger.policies.vocabulary import Amount, HotlineName, MetricRef, RuleSpec, Spec, Where, Window

from ..card import Detail, Line, q
from ..context import ZERO, Ctx, Site, aggregate_line, as_of_notes, event_line, fmt
from ..hotline import HOTLINE_TYPES, LOWER_IS_BETTER, MEASURES, HotlineCount, hotline_count, last_deadline
from ..index import UnitFacts
from ..matching import Matcher, conditions
from ..periods import window_bounds, window_closes, window_text
from .base import Evaluator, rule_kind
from .metrics import metric_value


class HotlineRef(Spec):
    """A 12345 hotline measure of the unit's tickets (see ``scoring.hotline.MEASURES``), over the
    tickets a ``where`` on the ticket's fields keeps (channel, category …), in a ``window``."""

    hotline: HotlineName
    where: Where = Field(default_factory=dict)
    window: Window | None = None
    value: Literal["rate", "count", "base"] = "rate"
    """In a formula: the rate in percent, the count of tickets that meet it, or the base count."""
    reads: ClassVar[frozenset[str]] = HOTLINE_TYPES
    where_types: ClassVar[tuple[str, ...]] = ("hotline_ticket",)

    def matcher(self) -> Matcher | None:
        return Matcher(["hotline_ticket"], self.where) if self.where else None

    def describe(self) -> Detail:
        """The measure and its ticket filter (``办结率 [channel=online]``); its window is said once,
        with its days, by the line that shows it (``periods.window_text``)."""
        conds = conditions(self.where)
        if conds is None:
            return MEASURES[self.hotline][0]
        return Detail("{measure} [{conditions}]", measure=MEASURES[self.hotline][0], conditions=conds)


def measure_hotline(ref: HotlineRef, matcher: Matcher | None, ctx: Ctx, uf: UnitFacts, ret: int,
                    ext: int) -> HotlineCount:
    start, end = window_bounds(ref.window, ctx.as_of, ctx.year)
    return hotline_count(uf, ctx, ref.hotline, ret, ext, start, end, matcher.test if matcher else None)


def hotline_closes(ref: HotlineRef, matcher: Matcher | None, ctx: Ctx, uf: UnitFacts | None, ret: int,
                   ext: int) -> dt.date:
    """When a hotline measure's data is complete: its window's last day; over the year (no
    window), also the due dates of the tickets it counts (with the unit's facts ``uf``). A
    period window counts its tickets as of its own end, so their later due dates do not
    matter; a month or quarter window moves with the scoring date."""
    day = window_closes(ref.window, ctx.as_of, ctx.year)
    if uf is not None and ref.window in (None, "year"):
        due = last_deadline(uf, ctx, ret, ext, matcher.test if matcher else None)
        if due is not None:
            day = max(day, due)
    return day


class Rate(RuleSpec):
    kind: Literal["rate"]
    of: MetricRef | HotlineRef
    full_at: Amount = Decimal(100)
    per_point: Amount
    zero_below: Amount | None = None
    points: Amount | None = None
    return_within_workdays: int = Field(default=2, ge=0)
    max_extension_workdays: int = Field(default=3, ge=0)

    @model_validator(mode="after")
    def _shape(self) -> Rate:
        if isinstance(self.of, HotlineRef) and self.of.value != "rate":
            raise ValueError("a rate rule reads a rate: drop `value`")
        if isinstance(self.of, HotlineRef) and self.of.hotline in LOWER_IS_BETTER:
            raise ValueError(Msg("a rate rule deducts for a rate below its level; {measure} is better the lower "
                                 "it is: write it as a formula", measure=self.of.hotline))
        return self

    def check_indicator(self, indicator: Any) -> None:
        if indicator.mode != "deduction":
            raise ValueError("a rate rule deducts from the indicator's points: mode deduction")
        if self.points is None and indicator.points is None:
            raise ValueError("a rate rule needs points (on the rule or the indicator)")




@rule_kind(Rate, reads=())
class RateRule(Evaluator[Rate]):
    __slots__ = ("metric", "hotline", "matcher", "full_at", "per_point", "zero_below", "points", "ret", "ext")

    def setup(self, r: Rate, site: Site) -> None:
        self.metric = r.of.metric if isinstance(r.of, MetricRef) else None
        self.hotline = r.of if isinstance(r.of, HotlineRef) else None
        self.matcher = self.hotline.matcher() if self.hotline else None
        self.full_at, self.per_point, self.zero_below = r.full_at, r.per_point, r.zero_below
        points = r.points if r.points is not None else site.points
        assert points is not None  # checked by check_indicator
        self.points: Decimal = points
        self.ret, self.ext = r.return_within_workdays, r.max_extension_workdays

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        if self.hotline is None:
            return super().closes(ctx, uf)
        return hotline_closes(self.hotline, self.matcher, ctx, uf, self.ret, self.ext)

    def has_data_deadlines(self) -> bool:
        return self.hotline is not None and self.hotline.window in (None, "year")

    def _deduction(self, v: Decimal) -> tuple[Decimal, Detail]:
        if self.zero_below is not None and v < self.zero_below:
            return -self.points, Detail("{rate} < {below}: no points", rate=fmt(v), below=fmt(self.zero_below))
        d = self.per_point * max(ZERO, self.full_at - v)
        d = min(d, self.points)
        return -d, Detail("({full} − {rate}) × {per_point}", full=fmt(self.full_at), rate=fmt(v),
                          per_point=fmt(self.per_point))

    def _dated(self, detail: str, v: Decimal) -> str:
        """``detail`` naming the dated values (in force at as-of) the deduction used."""
        below = self.zero_below is not None and v < self.zero_below
        all_lost = below or self.per_point * max(ZERO, self.full_at - v) >= self.points
        noted = as_of_notes(detail, ("zero below {amount} from {since}", self.zero_below),
                            ("full at {amount} from {since}", None if below else self.full_at),
                            ("per point {amount} from {since}", None if below else self.per_point),
                            ("points {amount} from {since}", self.points if all_lost else None))
        return noted or detail

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        if self.metric is not None:
            f, v = metric_value(uf, self.metric)
            if f is None or v is None:
                self.missing_data(ctx, node, out, Detail("metric {metric} missing", metric=self.metric))
                return
            delta, how = self._deduction(v)
            out.append(event_line(node, f, delta, self.text, ctx,
                                  detail=self._dated(Detail("{metric} = {rate}: {how}", metric=self.metric,
                                                            rate=fmt(v), how=how), v)))
            return
        assert self.hotline is not None
        m = measure_hotline(self.hotline, self.matcher, ctx, uf, self.ret, self.ext)
        name: str = self.hotline.describe()
        if self.hotline.window:
            name = Detail("{measure}{window}", measure=name, window=window_text(self.hotline.window, m.start, m.end))
        v = m.rate()
        if v is None:
            out.append(aggregate_line(node, ZERO, "rate", self.text, ctx,
                                      detail=Detail("{measure}: no counted tickets, full points", measure=name)))
            return
        delta, how = self._deduction(v)
        out.append(aggregate_line(node, delta, "rate", self.text, ctx,
                                  detail=self._dated(Detail("{measure} {good}/{base} = {rate}%: {how}", measure=name,
                                                            good=len(m.good), base=len(m.base), rate=fmt(q(v)),
                                                            how=how), v),
                                  events=tuple(t.fact.id for t in m.good) if ctx.explain else ()))
        if not ctx.explain:
            return  # the tickets' 0-point lines only explain
        for t in m.bad:
            out.append(event_line(node, t.fact, ZERO, self.text, ctx, kind="ticket",
                                  detail=Detail("ticket {ticket}: {why}", ticket=t.fact.fields.get("ticket"),
                                                why=m.why_not(t))))
