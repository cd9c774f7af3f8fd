"""Rules that price events one by one (每件次扣/加分): ``per_event``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from ledger.events.fact import Fact
from ledger.i18n import Msg
from ledger.policies.vocabulary import (
    Amount,
    Contains,
    EventTypes,
    Ident,
    RuleSpec,
    Spec,
    Where,
    Window,
    as_decimal,
    value_at,
)

from ..card import Detail, Line
from ..context import ONE, ZERO, Ctx, Site, aggregate_line, as_of_note, dated_detail, event_line, fmt
from ..index import UnitFacts, fact_key
from ..matching import Matcher
from ..periods import window_bounds, window_closes
from .base import Evaluator, rule_kind


class Case(Spec):
    event: EventTypes | None = None
    where: Where = Field(default_factory=dict)
    contains: Contains | None = None
    amount: Amount
    cap: Amount | None = None
    """Sub-cap on the sum of this case's amounts (by absolute value)."""
    max_events: int | None = Field(default=None, ge=1)
    rule_text: str | None = None


class Tier(Spec):
    upto: int | None = Field(default=None, ge=1)
    amount: Amount


class Excess(Spec):
    """``max(0, event[excess_of] − event[over])`` as a multiplier, e.g. the places an
    indicator's rank falls below the overall rank (每低于总体排序一名)."""

    excess_of: Ident
    over: Ident


class PerEvent(RuleSpec):
    kind: Literal["per_event"]
    event: EventTypes | None = None
    where: Where = Field(default_factory=dict)
    contains: Contains | None = None
    amount: Amount | None = None
    by: Ident | None = None
    amounts: dict[str, Amount] | None = None
    caps: dict[str, Amount] | None = None
    cases: list[Case] | None = None
    tiers: list[Tier] | None = None
    multiply_by: Ident | Excess | None = None
    cap: Amount | None = None
    max_events: int | None = Field(default=None, ge=1)
    window: Window | None = None
    """Only events dated in the window count (``quarter``: the scoring date's quarter to date;
    ``2023-Q1``: that quarter), as a formula's measures read it."""

    @model_validator(mode="after")
    def _shape(self) -> PerEvent:
        forms = [self.amount is not None, self.amounts is not None, self.cases is not None,
                 self.tiers is not None]
        if sum(forms) != 1:
            raise ValueError("exactly one of amount, amounts (with by), cases or tiers")
        if self.amounts is not None and self.by is None:
            raise ValueError("amounts needs `by`: the event field whose value picks the amount")
        if self.by is not None and self.amounts is None:
            raise ValueError("`by` needs `amounts`: value → amount")
        if self.caps is not None and self.amounts is None:
            raise ValueError("caps (per-value sub-caps) go with `by` and `amounts`")
        if self.caps:
            extra = set(self.caps) - set(self.amounts or {})
            if extra:
                raise ValueError(Msg("caps for values without an amount: {values}", values=sorted(extra)))
        if self.event is None and self.cases is None:
            raise ValueError("`event`: the event type(s) this rule counts")
        if self.cases is not None:
            for i, c in enumerate(self.cases):
                if c.event is None and self.event is None:
                    raise ValueError(Msg("cases[{i}] needs `event` (or give `event` on the rule)", i=i))
        if self.tiers is not None:
            if self.multiply_by:
                raise ValueError("tiers count events one by one; drop multiply_by")
            for t in self.tiers[:-1]:
                if t.upto is None:
                    raise ValueError("only the last tier may omit `upto`")
            uptos = [t.upto for t in self.tiers if t.upto is not None]
            if uptos != sorted(set(uptos)):
                raise ValueError("tier `upto` values must increase")
        return self


class _Case:
    __slots__ = ("matcher", "amount", "cap", "max_events", "text")

    def __init__(self, matcher: Matcher, amount: Decimal, cap: Decimal | None, max_events: int | None,
                 text: str) -> None:
        self.matcher, self.amount, self.cap, self.max_events, self.text = matcher, amount, cap, max_events, text


@rule_kind(PerEvent, reads=())
class PerEventRule(Evaluator[PerEvent]):
    __slots__ = ("cases", "tiers", "multiply_by", "cap", "max_events", "window")

    def setup(self, r: PerEvent, site: Site) -> None:
        cases = []
        if r.cases is not None:
            for c in r.cases:
                where = dict(r.where)
                where.update(c.where)
                m = Matcher(c.event or r.event or [], where, c.contains or r.contains)
                cases.append(_Case(m, c.amount, c.cap, c.max_events, c.rule_text or self.text))
        elif r.amounts is not None:
            assert r.event is not None and r.by is not None  # checked by the model
            for value, amount in r.amounts.items():
                where = dict(r.where)
                where[r.by] = value
                cap = (r.caps or {}).get(value)
                cases.append(_Case(Matcher(r.event, where, r.contains), amount, cap, None, self.text))
        else:
            assert r.event is not None
            amount = r.amount if r.amount is not None else ZERO
            cases.append(_Case(Matcher(r.event, r.where, r.contains), amount, None, None, self.text))
        self.cases = cases
        self.tiers = [(t.upto, t.amount) for t in r.tiers] if r.tiers else None
        self.multiply_by = r.multiply_by
        self.cap = r.cap
        self.max_events = r.max_events
        self.window = r.window

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        return window_closes(self.window, ctx.as_of, ctx.year)

    def _pairs(self, ctx: Ctx, uf: UnitFacts) -> list[tuple[Fact, _Case]]:
        """Each matching fact (dated in the window) with the first case it matches, in fact order."""
        pairs = self._matched(ctx, uf)
        if self.window is None or not pairs:
            return pairs
        start, end = window_bounds(self.window, ctx.as_of, ctx.year)
        return [(f, c) for f, c in pairs if start <= f.date <= end]

    def _matched(self, ctx: Ctx, uf: UnitFacts) -> list[tuple[Fact, _Case]]:
        if len(self.cases) == 1:
            c = self.cases[0]
            return [(f, c) for f in c.matcher.select(uf, ctx.year)]
        seen: set[str] = set()
        pairs = []
        for c in self.cases:
            for f in c.matcher.select(uf, ctx.year):
                if f.id not in seen:
                    seen.add(f.id)
                    pairs.append((f, c))
        pairs.sort(key=lambda p: fact_key(p[0]))
        return pairs

    def _price(self, f: Fact, c: _Case, n: int) -> tuple[Decimal, str | None]:
        """The delta of the n-th counted event, and how it was worked out; a dated amount is
        the value in force on the event's date, and the detail names that date."""
        delta, detail, amount = self._worked(f, c, n)
        return delta, dated_detail(amount, detail)

    def _worked(self, f: Fact, c: _Case, n: int) -> tuple[Decimal, str | None, Decimal]:
        if self.tiers is not None:
            amount = self.tiers[-1][1]
            for upto, tier_amount in self.tiers:
                if upto is None or n <= upto:
                    amount = tier_amount
                    break
            amount = value_at(amount, f.date)
            return amount, Detail("#{n}: {amount}", n=n, amount=fmt(amount)), amount
        amount = value_at(c.amount, f.date)
        delta, detail = self._multiplied(f, amount)
        return delta, detail, amount

    def _multiplied(self, f: Fact, amount: Decimal) -> tuple[Decimal, str | None]:
        mul = self.multiply_by
        c_amount = amount
        if isinstance(mul, Excess):
            a = as_decimal(f.fields.get(mul.excess_of))
            b = as_decimal(f.fields.get(mul.over))
            excess = max(ZERO, a - b) if a is not None and b is not None else ZERO
            return c_amount * excess, Detail("{field} {a} − {field_2} {b} → {excess} × {amount}", field=mul.excess_of,
                                             a=fmt(a) if a is not None else "?", field_2=mul.over,
                                             b=fmt(b) if b is not None else "?", excess=fmt(excess),
                                             amount=fmt(c_amount))
        if mul:
            given = as_decimal(f.fields.get(mul))
            count = ONE if given is None else given
            return c_amount * count, (Detail("{field} {count} × {amount}", field=mul, count=fmt(count),
                                                     amount=fmt(c_amount)) if count != ONE else None)
        return c_amount, None

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        pairs = self._pairs(ctx, uf)
        if not pairs:
            return
        case_sum: dict[int, Decimal] = {}
        case_n: dict[int, int] = {}
        total = ZERO
        n = 0
        for f, c in pairs:
            if self.max_events is not None and n >= self.max_events:
                break
            k = id(c)
            cn = case_n.get(k, 0)
            if c.max_events is not None and cn >= c.max_events:
                continue
            n += 1
            case_n[k] = cn + 1
            delta, detail = self._price(f, c, n)
            out.append(event_line(node, f, delta, c.text, ctx, detail=detail))
            case_sum[k] = case_sum.get(k, ZERO) + delta
            total += delta
        for c in self.cases:
            if c.cap is None:
                continue
            s = case_sum.get(id(c), ZERO)
            lim = abs(c.cap)
            if abs(s) > lim:
                adj = (lim if s > 0 else -lim) - s
                out.append(aggregate_line(node, adj, "cap", c.text, ctx,
                                          detail=as_of_note(Detail("{events} capped at {cap} in all",
                                                                   events=c.matcher.describe, cap=fmt(lim)),
                                                            "cap {amount} from {since}", c.cap)))
                total += adj
        if self.cap is not None:
            lim = abs(self.cap)
            if abs(total) > lim:
                adj = (lim if total > 0 else -lim) - total
                out.append(aggregate_line(node, adj, "cap", self.text, ctx,
                                          detail=as_of_note(Detail("rule capped at {cap}", cap=fmt(lim)),
                                                            "cap {amount} from {since}", self.cap)))
