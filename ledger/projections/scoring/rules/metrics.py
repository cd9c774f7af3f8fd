"""Rules over reported metrics (指标值): ``metric_bands`` (points by the band a value falls in)
and ``ratio`` (a value divided by another or a constant, times a factor)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from ledger.events.fact import Fact
from ledger.policies.vocabulary import Amount, Band, Ident, MetricRef, RuleSpec, as_decimal, check_bands

from ..card import Detail, Line
from ..context import ZERO, Ctx, Site, aggregate_line, as_of_note, as_of_notes, event_line, fmt
from ..index import UnitFacts
from .base import Evaluator, rule_kind


def latest_metric(uf: UnitFacts, name: str) -> Fact | None:
    return uf.latest("metric", "name", name)


def metric_value(uf: UnitFacts, name: str) -> tuple[Fact | None, Decimal | None]:
    f = latest_metric(uf, name)
    return f, (as_decimal(f.fields.get("value")) if f is not None else None)


def band_match(b: Band, v: Decimal) -> bool:
    if b.at_least is not None and not v >= b.at_least:
        return False
    if b.above is not None and not v > b.above:
        return False
    if b.at_most is not None and not v <= b.at_most:
        return False
    if b.below is not None and not v < b.below:
        return False
    return True


def band_text(b: Band) -> str:
    parts = []
    for name, sym in (("at_least", "≥"), ("above", ">"), ("at_most", "≤"), ("below", "<")):
        val = getattr(b, name)
        if val is not None:
            parts.append(f"{sym} {fmt(val)}")
    if not parts:
        return Detail("otherwise")
    return Detail(" and ".join(f"{{b{i}}}" for i in range(len(parts))), **{f"b{i}": p for i, p in enumerate(parts)})


def band_notes(detail: str | None, bands: list[Band], points: str = "band points {amount} from {since}") -> str | None:
    """``detail`` naming the dated bounds (and amounts or values) of ``bands`` in force at as-of."""
    for b in bands:
        for name in ("at_least", "above", "at_most", "below"):
            detail = as_of_note(detail, "band bound {amount} from {since}", getattr(b, name))
        detail = as_of_notes(detail, (points, b.amount), (points, b.value))
    return detail


class MetricBands(RuleSpec):
    kind: Literal["metric_bands"]
    metric: Ident
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> MetricBands:
        check_bands(self.bands, "metric")
        return self


class Ratio(RuleSpec):
    kind: Literal["ratio"]
    numerator: MetricRef
    denominator: Amount | MetricRef
    factor: Amount = Decimal(1)
    cap: Amount | None = None


@rule_kind(MetricBands, reads={"metric"})
class MetricBandsRule(Evaluator[MetricBands]):
    __slots__ = ("metric", "bands")

    def setup(self, r: MetricBands, site: Site) -> None:
        self.metric = r.metric
        self.bands = r.bands

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        f, v = metric_value(uf, self.metric)
        if f is None or v is None:
            self.missing_data(ctx, node, out, Detail("metric {metric} missing", metric=self.metric))
            return
        for b in self.bands:
            if band_match(b, v):
                assert b.amount is not None  # metric bands give amounts (checked by the model)
                out.append(event_line(node, f, b.amount, self.text, ctx,
                                      detail=band_notes(Detail("{metric} = {value} ({band})", metric=self.metric,
                                                               value=fmt(v), band=band_text(b)), [b])))
                return
        out.append(event_line(node, f, ZERO, self.text, ctx,
                              detail=band_notes(Detail("{metric} = {value}: no band applies", metric=self.metric,
                                                       value=fmt(v)), self.bands)))


@rule_kind(Ratio, reads={"metric"})
class RatioRule(Evaluator[Ratio]):
    __slots__ = ("num", "den", "factor", "cap")

    def setup(self, r: Ratio, site: Site) -> None:
        self.num = r.numerator.metric
        self.den = r.denominator
        self.factor, self.cap = r.factor, r.cap

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        nf, nv = metric_value(uf, self.num)
        if nf is None or nv is None:
            self.missing_data(ctx, node, out, Detail("metric {metric} missing", metric=self.num))
            return
        events = [nf.id]
        if isinstance(self.den, MetricRef):
            df, dv = metric_value(uf, self.den.metric)
            if df is None or dv is None:
                self.missing_data(ctx, node, out, Detail("metric {metric} missing", metric=self.den.metric))
                return
            events.append(df.id)
            dname: str | None = self.den.metric
        else:
            dv = self.den
            dname = None  # a constant denominator is named by its value alone (not "80 80")
        if dv == 0:
            out.append(aggregate_line(node, ZERO, "missing_data", self.text, ctx,
                                      detail=Detail("{metric} is 0: no ratio", metric=dname or fmt(dv))))
            return
        value = nv / dv * self.factor
        capped = self.cap is not None and value > self.cap
        parts = {"num": self.num, "nv": fmt(nv), "dv": fmt(dv), "factor": fmt(self.factor), "value": fmt(value)}
        template = "{num} {nv} ÷ " + ("{den} {dv}" if dname else "{dv}") + " × {factor} = {value}"
        if capped:
            assert self.cap is not None
            value = self.cap
            template += ", capped at {cap}"
            parts["cap"] = fmt(self.cap)
        den = None if isinstance(self.den, MetricRef) else self.den
        detail = as_of_notes(Detail(template, **parts, **({"den": dname} if dname else {})),
                             ("denominator {amount} from {since}", den),
                             ("factor {amount} from {since}", self.factor),
                             ("cap {amount} from {since}", self.cap if capped else None))
        out.append(aggregate_line(node, value, "ratio", self.text, ctx, detail=detail, events=tuple(events)))
