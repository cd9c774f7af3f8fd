"""Periodic obligations: ``report`` (a report due each month/quarter/year, 按时报送) and
``quota`` (at least N matching events per period, e.g. 每月至少报送信息2条)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ledger.events.fact import Fact
from ledger.policies.vocabulary import (
    Amount,
    Band,
    Contains,
    Dated,
    Due,
    EventTypes,
    Every,
    Ident,
    RuleSpec,
    Spec,
    Where,
    as_decimal,
    check_periods,
    since_of,
    value_at,
)

from ..card import Detail, Line
from ..context import Ctx, Site, aggregate_line, as_of_note, event_line, fmt
from ..index import UnitFacts
from ..matching import Matcher
from ..periods import due_date, due_text, labels_within, normalise_period, periods_of
from .base import Evaluator, rule_kind
from .metrics import band_match, band_notes, latest_metric


class Report(RuleSpec):
    kind: Literal["report"]
    report: Ident
    every: Every
    periods: list[int] | None = None
    due: Due
    on_time: Amount = Decimal(0)
    missing: Amount = Decimal(0)
    late: Amount = Decimal(0)
    poor: Amount = Decimal(0)
    credit_before_due: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Report:
        check_periods(self.every, self.periods)
        return self


class MetricTarget(Spec):
    metric: Ident
    bands: list[Band] = Field(min_length=1)
    default: Amount | None = None
    reads: ClassVar[frozenset[str]] = frozenset({"metric"})

    @model_validator(mode="after")
    def _shape(self) -> MetricTarget:
        for b in self.bands:
            if b.value is None or b.amount is not None:
                raise ValueError("target bands give `value` (the target), not `amount`")
        return self


class Quota(RuleSpec):
    kind: Literal["quota"]
    event: EventTypes
    where: Where = Field(default_factory=dict)
    contains: Contains | None = None
    every: Every
    periods: list[int] | None = None
    due: Due = Due(rule="end_of_period")
    target: Amount | MetricTarget = Decimal(1)
    met: Amount = Decimal(0)
    per_extra: Amount = Decimal(0)
    short: Amount = Decimal(0)
    per_short: Amount = Decimal(0)
    credit_before_due: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Quota:
        check_periods(self.every, self.periods)
        return self


def last_period_closes(every: str, periods: list[int] | None, due: Due, ctx: Ctx) -> dt.date:
    """A periodic obligation is complete once its last period has ended and that period's
    deadline has passed (the Q4 report due in January)."""
    last = periods_of(every, ctx.year, periods)[-1][3]
    return max(last, due_date(due, last, ctx.cal))


def _reports_index(uf: UnitFacts) -> dict[tuple[Any, str | None], list[Fact]]:
    got: dict[tuple[Any, str | None], list[Fact]] | None = uf.cache.get("reports")
    if got is None:
        got = {}
        for f in uf.of("report_submitted"):
            period = normalise_period(f.fields.get("period"))
            if period is not None and "/" in period:  # a range covers the periods inside it
                for label in labels_within(period):
                    got.setdefault((f.fields.get("report"), label), []).append(f)
                continue
            got.setdefault((f.fields.get("report"), period), []).append(f)
        uf.cache["reports"] = got
    return got


@rule_kind(Report, reads={"report_submitted"})
class ReportRule(Evaluator[Report]):
    __slots__ = ("report", "every", "periods", "due", "on_time", "missing", "late", "poor", "early")

    def setup(self, r: Report, site: Site) -> None:
        self.report = r.report
        self.every = r.every
        self.periods = r.periods
        self.due = r.due
        self.on_time, self.missing, self.late, self.poor = r.on_time, r.missing, r.late, r.poor
        self.early = r.credit_before_due

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        return last_period_closes(self.every, self.periods, self.due, ctx)

    def _deadline(self, ctx: Ctx, end: dt.date) -> dt.date | None:
        """The period's deadline, or None when it lies after as-of in a way known without a
        calendar lookup (a next-period deadline of a period not yet over)."""
        if self.due.rule in ("workday_of_next_period", "day_of_next_month") and end >= ctx.as_of:
            return None
        return due_date(self.due, end, ctx.cal)

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        idx = _reports_index(uf)
        for _n, label, start, end in periods_of(self.every, ctx.year, self.periods):
            if start > ctx.as_of:
                continue  # every deadline is on or after the period's start
            due = self._deadline(ctx, end)
            due_passed = due is not None and due <= ctx.as_of
            if not due_passed and not self.early:
                continue
            on_time_ok = on_time_any = late_first = None
            for f in idx.get((self.report, label), ()):
                if due is None or f.date <= due:
                    on_time_any = f
                    if on_time_ok is None and (f.fields.get("quality") or "ok") == "ok":
                        on_time_ok = f
                elif late_first is None:
                    late_first = f
            if not due_passed and on_time_ok is None:
                continue
            due_s = due.isoformat() if due is not None else Detail("its deadline")
            # an obligation is priced by the values in force at its deadline (as-of if not known)
            day = due or ctx.as_of
            on_time, poor, late, missing = (value_at(a, day) for a in (self.on_time, self.poor, self.late,
                                                                        self.missing))
            if on_time_ok is not None:
                out.append(event_line(node, on_time_ok, on_time, self.text, ctx, kind="on_time",
                                      detail=_dated(on_time, Detail("{report} {period} submitted by {due}",
                                                                    report=self.report, period=label, due=due_s)),
                                      period=label))
            elif on_time_any is not None:
                out.append(event_line(node, on_time_any, poor, self.text, ctx, kind="poor",
                                      detail=_dated(poor, Detail("{report} {period}: quality poor",
                                                                 report=self.report, period=label)),
                                      period=label))
            elif late_first is not None:
                out.append(event_line(node, late_first, late, self.text, ctx, kind="late",
                                      detail=_dated(late, Detail("{report} {period} due {due}, submitted {submitted}",
                                                                 report=self.report, period=label, due=due_s,
                                                                 submitted=late_first.date.isoformat())),
                                      period=label))
            else:
                out.append(aggregate_line(node, missing, "missing_obligation", self.text, ctx,
                                          detail=_dated(missing, Detail("{report} {period} not submitted by {due} "
                                                                        "({rule})", report=self.report, period=label,
                                                                        due=due_s, rule=due_text(self.due))),
                                          date=due, period=label))


def _dated_first(detail: str, *amounts: Decimal) -> str:
    """``detail`` naming the date of the first of ``amounts`` that changed within the version."""
    dated = next((a for a in amounts if since_of(a) is not None), None)
    return detail if dated is None else _dated(dated, detail)


def _dated(amount: Decimal, detail: str) -> str:
    """The obligation's detail, naming the date its dated value applies from."""
    since = since_of(amount)
    if since is None:
        return detail
    return Detail("{detail}; value from {since}: {amount}", detail=detail, since=since.isoformat(),
                  amount=fmt(amount))


@rule_kind(Quota, reads=())
class QuotaRule(Evaluator[Quota]):
    __slots__ = ("matcher", "every", "periods", "due", "target", "met", "per_extra", "short",
                 "per_short", "early")

    def setup(self, r: Quota, site: Site) -> None:
        self.matcher = Matcher(r.event, r.where, r.contains)
        self.every, self.periods, self.due = r.every, r.periods, r.due
        self.target = r.target
        self.met, self.per_extra, self.short, self.per_short = r.met, r.per_extra, r.short, r.per_short
        self.early = r.credit_before_due

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        return last_period_closes(self.every, self.periods, self.due, ctx)

    def _target(self, uf: UnitFacts) -> tuple[Decimal | None, str]:
        """The target count, and a note on where it came from (None: unknown)."""
        target = self.target
        if not isinstance(target, MetricTarget):
            return target, ""
        mf = latest_metric(uf, target.metric)
        v = as_decimal(mf.fields.get("value")) if mf is not None else None
        if v is not None:
            for b in target.bands:
                if band_match(b, v):
                    return b.value, Detail("; target by {metric} = {value}", metric=target.metric, value=fmt(v))
        if target.default is None:
            return None, ""
        return target.default, Detail("; default target ({metric} missing or out of bands)", metric=target.metric)

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        target, target_note = self._target(uf)
        if target is None:
            assert isinstance(self.target, MetricTarget)
            self.missing_data(ctx, node, out, Detail("metric {metric} missing: target unknown",
                                                     metric=self.target.metric))
            return
        buckets: dict[int, list[Fact]] = {}
        for f in self.matcher.select(uf, ctx.year):
            if self.every == "month":
                k = f.date.month
            elif self.every == "quarter":
                k = (f.date.month - 1) // 3 + 1
            else:
                k = 1
            buckets.setdefault(k, []).append(f)
        for num, label, _start, end in periods_of(self.every, ctx.year, self.periods):
            got = buckets.get(num, [])
            count = len(got)
            ok = count >= target
            if end > ctx.as_of or due_date(self.due, end, ctx.cal) > ctx.as_of:
                if not (self.early and ok):
                    continue
            ids = tuple(f.id for f in got)
            desc: str = Detail("{period}: {count} × {events} (target {target}{note})", period=label, count=count,
                               events=self.matcher.describe, target=fmt(target), note=target_note)
            desc = self._dated_target(desc, target)
            met, per_extra, short, per_short = self._amounts_at(ctx, end)
            if ok:
                delta = met + per_extra * (Decimal(count) - target)
                out.append(aggregate_line(node, delta, "quota", self.text, ctx,
                                          detail=_dated_first(desc, met, per_extra), events=ids, period=label))
            else:
                delta = short + per_short * (target - Decimal(count))
                out.append(aggregate_line(node, delta, "missing_obligation", self.text, ctx,
                                          detail=_dated_first(desc, short, per_short), events=ids,
                                          period=label))

    def _dated_target(self, desc: str, target: Decimal) -> str:
        """``desc`` naming the date of a dated target in force at as-of (and of the dated bounds
        of the metric band that chose it)."""
        if isinstance(self.target, MetricTarget):
            matched = [b for b in self.target.bands if b.value is target]
            desc = band_notes(desc, matched, "target {amount} from {since}") or desc
            if matched:
                return desc
        return as_of_note(desc, "target {amount} from {since}", target) or desc

    def _amounts_at(self, ctx: Ctx, end: dt.date) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """met, per_extra, short, per_short as in force at the period's deadline (an obligation is
        priced at its deadline); plain amounts are the same on every day, so no deadline is
        looked up for them."""
        amounts = (self.met, self.per_extra, self.short, self.per_short)
        if not any(isinstance(a, Dated) for a in amounts):
            return amounts
        deadline = due_date(self.due, end, ctx.cal)
        met, per_extra, short, per_short = (value_at(a, deadline) for a in amounts)
        return met, per_extra, short, per_short
