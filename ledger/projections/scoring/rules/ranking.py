"""``rank``: points by place among the track's units, by a metric or by a count of events
(e.g. 媒体报道数量排名)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import model_validator

from ledger.policies.vocabulary import Amount, Match, MetricRef, RuleSpec, Spec, Window, as_decimal

from ..card import Detail, Line
from ..context import ZERO, Ctx, Site, aggregate_line, as_of_note, as_of_notes, fmt
from ..index import UnitFacts
from ..matching import Matcher
from ..periods import window_bounds, window_closes, window_text
from .base import RankedEvaluator, rule_kind
from .metrics import metric_value


class CountOf(Spec):
    count: Match


class LinearPlaces(Spec):
    first: Amount
    step: Amount
    min: Amount = Decimal(0)


class Rank(RuleSpec):
    kind: Literal["rank"]
    by: MetricRef | CountOf
    order: Literal["desc", "asc"] = "desc"
    places: list[Amount] | None = None
    linear: LinearPlaces | None = None
    skip_zero: bool = True
    window: Window | None = None
    """Count only the events (or take the latest metric) dated in the window."""

    @model_validator(mode="after")
    def _shape(self) -> Rank:
        if (self.places is None) == (self.linear is None):
            raise ValueError("exactly one of places (a table) or linear")
        return self


@rule_kind(Rank, reads=())
class RankRule(RankedEvaluator[Rank]):
    """Rank within the track; the table of places is computed before the units are scored."""

    __slots__ = ("metric", "matcher", "places", "linear", "skip_zero", "window")

    def setup(self, r: Rank, site: Site) -> None:
        self.metric = r.by.metric if isinstance(r.by, MetricRef) else None
        self.matcher = (Matcher(r.by.count.event, r.by.count.where, r.by.count.contains)
                        if isinstance(r.by, CountOf) else None)
        self.desc = r.order == "desc"
        self.places = list(r.places) if r.places is not None else None
        self.linear = r.linear
        self.skip_zero = r.skip_zero
        self.window = r.window
        self.key = -1  # set by the compiled track

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        return window_closes(self.window, ctx.as_of, ctx.year)

    def measured_types(self) -> Iterable[str]:
        return ("metric",) if self.matcher is None else self.matcher.types

    def measure(self, ctx: Ctx, uf: UnitFacts) -> tuple[Decimal, tuple[str, ...]] | None:
        bounds = window_bounds(self.window, ctx.as_of, ctx.year) if self.window else None
        if self.metric is not None:
            if bounds is None:
                f, v = metric_value(uf, self.metric)
            else:
                dated = [m for m in uf.index("metric", "name").get(self.metric, ()) if bounds[0] <= m.date <= bounds[1]]
                f = dated[-1] if dated else None
                v = as_decimal(f.fields.get("value")) if f is not None else None
            if f is None or v is None:
                return None
            return v, (f.id,)
        assert self.matcher is not None
        facts = self.matcher.select(uf, ctx.year)
        if bounds is not None:
            facts = [f for f in facts if bounds[0] <= f.date <= bounds[1]]
        if not facts and self.skip_zero:
            return None
        return Decimal(len(facts)), tuple(f.id for f in facts)

    def amount(self, place: int) -> Decimal:
        if self.places is not None:
            return self.places[place - 1] if place <= len(self.places) else ZERO
        lin = self.linear
        assert lin is not None  # exactly one of places or linear (checked by the model)
        return max(lin.min, lin.first - lin.step * (place - 1))

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        table = ctx.ranks.get(self.key, {})
        hit = table.get(uf.cache.get("unit_id"))  # type: ignore[arg-type]
        if hit is None:
            if self.metric is not None:
                self.missing_data(ctx, node, out, Detail("metric {metric} missing: not ranked", metric=self.metric))
            return
        place, (value, ids), n = hit
        if self.metric:
            detail = Detail("place {place} of {n} by {metric} = {value}", place=place, n=n, metric=self.metric,
                            value=fmt(value))
        else:
            detail = Detail("place {place} of {n} by count of {events} = {value}", place=place, n=n,
                            events=self.matcher.describe if self.matcher else "", value=fmt(value))
        if self.window:
            start, end = window_bounds(self.window, ctx.as_of, ctx.year)
            detail = Detail("{detail}{window}", detail=detail, window=window_text(self.window, start, end))
        out.append(aggregate_line(node, self.amount(place), "rank", self.text, ctx, detail=self._dated(detail, place),
                                  events=ids))

    def _dated(self, detail: str, place: int) -> str:
        """``detail`` naming the dated points for the place (or linear constants) in force at as-of."""
        if self.places is not None:
            got = self.places[place - 1] if place <= len(self.places) else None
            return as_of_note(detail, "points for place {place}: {amount} from {since}", got, place=place) or detail
        lin = self.linear
        assert lin is not None
        return as_of_notes(detail, ("first place {amount} from {since}", lin.first),
                           ("step {amount} from {since}", lin.step),
                           ("at least {amount} from {since}", lin.min)) or detail
