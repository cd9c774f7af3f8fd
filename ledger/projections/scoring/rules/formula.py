"""``formula``: an indicator's points as an arithmetic expression over named measures (rates,
counts, sums, metrics, 12345 hotline measures, other indicators' points), e.g. a 12345 scheme's
``0.2*办结率 + 0.3*满意率 + 0.3*按时反馈率 + 0.2*有效回访率``.

The expression is checked when the policy loads (only numbers, the declared measure and
constant names, ``+ - * /``, brackets and ``min max abs round``) and evaluated by ``simpleeval``
over Decimals. Named ``constants`` are amounts, so they may be dated (taken at as-of); a number
written in the expression is text and cannot be.
Explained term by term: a ``formula_term`` line (delta 0) per measure with the events behind
it, then a ``formula`` line carrying the points with the formula and its numbers.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from ledger.events.fact import Fact
from ledger.i18n import Msg
from ledger.policies.vocabulary import Amount, Ident, Match, RuleSpec, Spec, Window, as_decimal, value_at

from ..card import Detail, Line
from ..context import HUNDRED, ZERO, Ctx, Site, aggregate_line, as_of_note, as_of_notes, fmt
from ..index import UnitFacts
from ..matching import Matcher
from ..periods import window_bounds, window_closes, window_text
from .base import Evaluator, rule_kind
from .hotline import HotlineRef, hotline_closes, measure_hotline

WhenEmpty = Literal["full", "zero", "missing"]
FUNCTIONS = ("min", "max", "abs", "round")
NONE_DECLARED = Msg("none declared")


class _Measure(Spec):
    when_empty: WhenEmpty | None = None
    """What a measure with no data counts as (default: the rule's ``when_empty``)."""
    full: Amount | None = None
    """The measure's full value for ``when_empty: full`` (a rate's is 100)."""


class MetricMeasure(_Measure):
    """The latest value of a metric (dated in the window, if one is given)."""

    metric: Ident
    window: Window | None = None
    reads: ClassVar[frozenset[str]] = frozenset({"metric"})


class CountMeasure(_Measure):
    """How many matching events are dated in the window (default: the year to date)."""

    count: Match
    window: Window | None = None


class SumOf(Match):
    field: Ident


class SumMeasure(_Measure):
    """The sum of a number field over the matching events dated in the window."""

    sum: SumOf
    window: Window | None = None


class IndicatorMeasure(_Measure):
    """Another indicator's points in the same track (or its value, if it reports one)."""

    indicator: Ident


class HotlineMeasure(HotlineRef, _Measure):
    """A 12345 hotline measure (rate in percent, or a count with ``value: count|base``)."""


_MEASURE_KEYS = {"metric": MetricMeasure, "count": CountMeasure, "sum": SumMeasure, "indicator": IndicatorMeasure,
                 "hotline": HotlineMeasure}


def _measure_kind(v: Any) -> str | None:
    if isinstance(v, dict):
        return next((k for k in _MEASURE_KEYS if k in v), None)
    return next((k for k, model in _MEASURE_KEYS.items() if isinstance(v, model)), None)


Measure = Annotated[
    Annotated[MetricMeasure, Tag("metric")] | Annotated[CountMeasure, Tag("count")]
    | Annotated[SumMeasure, Tag("sum")] | Annotated[IndicatorMeasure, Tag("indicator")]
    | Annotated[HotlineMeasure, Tag("hotline")],
    Discriminator(_measure_kind, custom_error_type="measure",
                  custom_error_message="a measure: one of metric, count, sum, indicator or hotline")]

_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load, ast.Call,
                  ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)


def normalise_formula(text: str) -> str:
    return " ".join(text.split())


def check_formula(text: str, names: set[str], constants: Collection[str] = ()) -> set[str]:
    """The measure and constant names the formula uses; ValueError when it is not a plain
    arithmetic expression over ``names`` (the measures) and ``constants``."""
    try:
        tree = ast.parse(normalise_formula(text), mode="eval")
    except SyntaxError as exc:
        # the parser's own words, translated where the catalogue has them ("invalid syntax")
        raise ValueError(Msg("formula: not an arithmetic expression ({problem})", problem=Msg(exc.msg))) from None
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(Msg("formula: only numbers, measure names, + - * /, brackets and {functions}; not {node}",
                                 functions=", ".join(FUNCTIONS), node=Msg(type(node).__name__)))
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                               or not isinstance(node.value, (int, float))):
            raise ValueError(Msg("formula: {value!r} is not a number", value=node.value))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
                raise ValueError(Msg("formula: the functions are {functions} (positional arguments)",
                                     functions=", ".join(FUNCTIONS)))
            if node.func.id == "round" and not 1 <= len(node.args) <= 2:
                raise ValueError("formula: round(x) or round(x, places)")
            if node.func.id == "abs" and len(node.args) != 1:
                raise ValueError("formula: abs(x)")
            if node.func.id in ("min", "max") and len(node.args) < 2:
                raise ValueError(Msg("formula: {function}(a, b, …)", function=node.func.id))
        elif isinstance(node, ast.Name) and id(node) not in funcs:
            used.add(node.id)
    unknown = used - names - set(constants)
    if unknown and constants:
        raise ValueError(Msg("formula: {unknown} not among the measures ({names}) or constants ({constants})",
                             unknown=", ".join(sorted(unknown)), names=", ".join(sorted(names)) or NONE_DECLARED,
                             constants=", ".join(sorted(constants))))
    if unknown:
        raise ValueError(Msg("formula: {unknown} not among the measures ({names})", unknown=", ".join(sorted(unknown)),
                             names=", ".join(sorted(names)) or NONE_DECLARED))
    return used


class Formula(RuleSpec):
    kind: Literal["formula"]
    measures: dict[str, Measure] = Field(min_length=1)
    formula: str
    constants: dict[str, Amount] | None = None
    """Named numbers the formula uses (``w: 0.2``). Unlike a number written in the expression,
    a constant may be dated (``{2021-01-01: 0.2, 2021-07-01: 0.3}``): taken at as-of, and the
    formula line names the value and its date."""
    min: Amount | None = None
    max: Amount | None = None
    round: int | None = Field(default=None, ge=0, le=6)
    """Round the formula's result half-up to this many places."""
    when_empty: WhenEmpty = "missing"
    return_within_workdays: int = Field(default=2, ge=0)
    max_extension_workdays: int = Field(default=3, ge=0)

    @model_validator(mode="after")
    def _shape(self) -> Formula:
        for name, m in self.measures.items():
            if not name.isidentifier() or name in FUNCTIONS or name in ("True", "False", "None"):
                raise ValueError(Msg("measures.{name}: a measure name is a word (letters, digits, _; "
                                     "not starting with a digit; not {functions})", name=name,
                                     functions=", ".join(FUNCTIONS)))
            if (m.when_empty or self.when_empty) == "full" and m.full is None and not _is_rate(m) \
                    and isinstance(m, (MetricMeasure, IndicatorMeasure)):
                raise ValueError(Msg("measures.{name}: when_empty full needs `full` (the measure's full value)",
                                     name=name))
        constants = self.constants or {}
        for name in constants:
            if not name.isidentifier() or name in FUNCTIONS or name in ("True", "False", "None"):
                raise ValueError(Msg("constants.{name}: a constant name is a word (letters, digits, _; "
                                     "not starting with a digit; not {functions})", name=name,
                                     functions=", ".join(FUNCTIONS)))
            if name in self.measures:
                raise ValueError(Msg("constants.{name}: also the name of a measure; a name is one or the other",
                                     name=name))
        used = check_formula(self.formula, set(self.measures), set(constants))
        unused = set(self.measures) - used
        if unused:
            raise ValueError(Msg("measures not used by the formula: {names}", names=", ".join(sorted(unused))))
        unused = set(constants) - used
        if unused:
            raise ValueError(Msg("constants not used by the formula: {names}", names=", ".join(sorted(unused))))
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min above max")
        return self

    def indicator_refs(self) -> set[str]:
        return {m.indicator for m in self.measures.values() if isinstance(m, IndicatorMeasure)}


def _is_rate(m: Any) -> bool:
    return isinstance(m, HotlineMeasure) and m.value == "rate"


# ---------------------------------------------------------------- evaluation


def _round(x: Decimal, places: Decimal | int = 0) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def _make_evaluator() -> Any:
    from simpleeval import SimpleEval  # lazy (start-up): only when a formula is scored

    class DecimalEval(SimpleEval):
        @staticmethod
        def _eval_constant(node: ast.Constant) -> Any:
            return as_decimal(node.value)

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.USub: operator.neg, ast.UAdd: operator.pos}
    funcs = {"min": min, "max": max, "abs": abs, "round": _round}
    return DecimalEval, ops, funcs


_EVAL: Any = None
_NAME = re.compile(r"(?<![\w.])[^\W\d]\w*")


def worked(formula: str, numbers: str, value: str) -> Detail:
    """``formula = its numbers = value``, each step said once: a formula without measures
    or constants has no numbers of its own, and a lone measure's number is the value
    (``工单 = 3``, never ``工单 = 3 = 3``)."""
    if numbers == formula:
        return Detail("{formula} = {value}", formula=formula, value=value)
    if numbers == value:
        return Detail("{formula} = {numbers}", formula=formula, numbers=numbers)
    return Detail("{formula} = {numbers} = {value}", formula=formula, numbers=numbers, value=value)


class _Value:
    __slots__ = ("value", "detail", "events")

    def __init__(self, value: Decimal | None, detail: Detail, events: tuple[str, ...] = ()) -> None:
        self.value, self.detail, self.events = value, detail, events


@rule_kind(Formula, reads=())
class FormulaRule(Evaluator[Formula]):
    __slots__ = ("measures", "constants", "matchers", "formula", "tree", "min", "max", "round", "when_empty", "ret",
                 "ext")

    def setup(self, r: Formula, site: Site) -> None:
        self.measures = list(r.measures.items())
        self.constants = list((r.constants or {}).items())
        self.matchers: dict[str, Matcher | None] = {}
        for name, m in self.measures:
            if isinstance(m, CountMeasure):
                self.matchers[name] = Matcher(m.count.event, m.count.where, m.count.contains)
            elif isinstance(m, SumMeasure):
                self.matchers[name] = Matcher(m.sum.event, m.sum.where, m.sum.contains)
            elif isinstance(m, HotlineMeasure):
                self.matchers[name] = m.matcher()
        self.formula = normalise_formula(r.formula)
        self.tree = ast.parse(self.formula, mode="eval").body
        self.min, self.max, self.round = r.min, r.max, r.round
        self.when_empty = r.when_empty
        self.ret, self.ext = r.return_within_workdays, r.max_extension_workdays

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        """The last of its measures' windows (and, over the year, its tickets' due dates); the
        indicators it reads are followed by the engine."""
        day = dt.date(ctx.year, 1, 1)
        for name, m in self.measures:
            if isinstance(m, HotlineMeasure):
                day = max(day, hotline_closes(m, self.matchers[name], ctx, uf, self.ret, self.ext))
            elif not isinstance(m, IndicatorMeasure):
                day = max(day, window_closes(m.window, ctx.as_of, ctx.year))
        return day

    def has_data_deadlines(self) -> bool:
        return any(isinstance(m, HotlineMeasure) and m.window in (None, "year") for _n, m in self.measures)

    def indicator_refs(self) -> tuple[str, ...]:
        return tuple(m.indicator for _n, m in self.measures if isinstance(m, IndicatorMeasure))

    def _in_window(self, facts: list[Fact], window: str | None, ctx: Ctx) -> tuple[list[Fact], str]:
        start, end = window_bounds(window, ctx.as_of, ctx.year)
        return [f for f in facts if start <= f.date <= end], window_text(window, start, end)

    def _measure(self, name: str, m: Measure, ctx: Ctx, uf: UnitFacts) -> _Value:
        if isinstance(m, MetricMeasure):
            facts, win = self._in_window(list(uf.index("metric", "name").get(m.metric, ())), m.window, ctx)
            f = facts[-1] if facts else None
            v = as_decimal(f.fields.get("value")) if f is not None else None
            if f is None or v is None:
                return _Value(None, Detail("metric {metric}{window}: none", metric=m.metric, window=win))
            return _Value(v, Detail("metric {metric}{window} dated {date}", metric=m.metric, window=win,
                                    date=f.date.isoformat()), (f.id,))
        if isinstance(m, (CountMeasure, SumMeasure)):
            matcher = self.matchers[name]
            assert matcher is not None
            facts, win = self._in_window(matcher.select(uf, ctx.year), m.window, ctx)
            ids = tuple(f.id for f in facts)
            if isinstance(m, CountMeasure):
                return _Value(Decimal(len(facts)), Detail("count of {events}{window}", events=matcher.describe,
                                                          window=win), ids)
            total = sum((as_decimal(f.fields.get(m.sum.field)) or ZERO for f in facts), ZERO)
            return _Value(total, Detail("sum of {field} over {n} × {events}{window}", field=m.sum.field, n=len(facts),
                                        events=matcher.describe, window=win), ids)
        if isinstance(m, IndicatorMeasure):
            assert ctx.resolve is not None  # set by the engine
            score = ctx.resolve(m.indicator, uf)
            if score.reports:
                unit = score.value_unit or ""
                return _Value(score.value, Detail("value of indicator {indicator}" + (" ({unit})" if unit else ""),
                                                  indicator=m.indicator, **({"unit": unit} if unit else {})))
            return _Value(score.points, Detail("points of indicator {indicator}", indicator=m.indicator))
        assert isinstance(m, HotlineMeasure)
        hc = measure_hotline(m, self.matchers[name], ctx, uf, self.ret, self.ext)
        what = m.describe()
        win = window_text(m.window, hc.start, hc.end) if m.window else ""
        if m.value == "count":
            return _Value(Decimal(len(hc.good)), Detail("tickets counted by {measure}{window}: {n}", measure=what,
                                                        window=win, n=len(hc.good)),
                          tuple(t.fact.id for t in hc.good))
        if m.value == "base":
            return _Value(Decimal(len(hc.base)), Detail("tickets in the base of {measure}{window}: {n}", measure=what,
                                                        window=win, n=len(hc.base)),
                          tuple(t.fact.id for t in hc.base))
        rate = hc.rate()
        ids = tuple(t.fact.id for t in hc.base)
        if rate is None:
            return _Value(None, Detail("{measure}{window}: no tickets", measure=what, window=win))
        return _Value(rate, Detail("{measure}{window} {good}/{base}", measure=what, window=win, good=len(hc.good),
                                   base=len(hc.base)), ids)

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        values: dict[str, Decimal] = {}
        missing: list[str] = []
        events: list[str] = []
        for name, m in self.measures:
            got = self._measure(name, m, ctx, uf)
            events.extend(got.events)
            if got.value is not None:
                values[name] = got.value
                pct = "%" if _is_rate(m) else ""
                out.append(aggregate_line(node, ZERO, "formula_term", self.text, ctx,
                                          detail=Detail("{name} = {value}{pct} ({how})", name=name,
                                                        value=fmt(got.value), pct=pct, how=got.detail),
                                          events=got.events))
                continue
            when = m.when_empty or self.when_empty
            if when == "missing":
                missing.append(name)
                out.append(aggregate_line(node, ZERO, "formula_term", self.text, ctx,
                                          detail=Detail("{name}: no data ({how}); when_empty missing", name=name,
                                                        how=got.detail)))
                continue
            full = m.full if m.full is not None else HUNDRED
            values[name] = ZERO if when == "zero" else full
            out.append(aggregate_line(node, ZERO, "formula_term", self.text, ctx,
                                      detail=Detail("{name}: no data ({how}); when_empty {when} → {value}", name=name,
                                                    how=got.detail, when=when, value=fmt(values[name]))))
            if when == "full":
                out[-1].detail = as_of_note(out[-1].detail, "full value {amount} from {since}", m.full)
        if missing:
            self.missing_data(ctx, node, out, Detail("formula not computed: no data for {names}",
                                                     names=", ".join(missing)))
            return
        constants = [(name, value_at(c, ctx.as_of)) for name, c in self.constants]
        values.update(constants)
        global _EVAL
        if _EVAL is None:
            _EVAL = _make_evaluator()
        cls, ops, funcs = _EVAL
        numbers = _NAME.sub(lambda mt: fmt(values[mt[0]]) if mt[0] in values else mt[0], self.formula)
        try:
            raw = Decimal(cls(operators=ops, functions=funcs, names=values).eval(self.formula, self.tree))
        except ArithmeticError:
            self.missing_data(ctx, node, out, Detail("formula not computed: {numbers} divides by zero",
                                                     numbers=numbers))
            return
        detail: str = worked(self.formula, numbers, fmt(raw))
        value = raw
        if self.min is not None and value < self.min:
            value = self.min
            detail = Detail("{detail}, at least {min}", detail=detail, min=fmt(self.min))
        if self.max is not None and value > self.max:
            value = self.max
            detail = Detail("{detail}, at most {max}", detail=detail, max=fmt(self.max))
        if self.round is not None:
            rounded = _round(value, self.round)
            if rounded != value:
                detail = Detail("{detail}, rounded half-up to {places} place" + ("s" if self.round != 1 else "")
                                + ": {value}", detail=detail, places=self.round, value=fmt(rounded))
            value = rounded
        low = self.min is not None and raw < self.min
        lifted = self.min if low and self.min is not None else raw
        high = self.max is not None and lifted > self.max
        detail = as_of_notes(detail, ("at least {amount} from {since}", self.min if low else None),
                             ("at most {amount} from {since}", self.max if high else None)) or detail
        for name, c in constants:
            detail = as_of_note(detail, "constant {name} {amount} from {since}", c, name=name) or detail
        out.append(aggregate_line(node, value, "formula", self.text, ctx, detail=detail,
                                  events=tuple(dict.fromkeys(events))))
