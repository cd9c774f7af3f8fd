"""The scoring engine: policy track × units' facts → score cards with explanation lines.

A policy is compiled once per track into plain objects (``CompiledTrack``); scoring a unit
indexes its facts by type once (``UnitFacts``) and runs each indicator's rule evaluators over
the few fact lists they need. Everything is Decimal; each indicator is rounded half-up to 2
places once, and a ``rounding`` line makes the displayed line deltas add up to it exactly.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledger.events.fact import Fact
from ledger.policies import model as M
from ledger.policies.workdays import WorkCalendar
from ledger.units import Unit

from .card import IndicatorScore, Line, ScoreCard, q
from .index import UnitFacts, fact_key

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


# ====================================================================== matching


_num = M.as_decimal  # a fact field (or a where-comparison value) as a Decimal, or None


def _eq_set(values: Iterable[Any]) -> frozenset:
    out = set()
    for v in values:
        if isinstance(v, bool):
            out.add(v)
        elif isinstance(v, (int, float, Decimal)):
            d = _num(v)
            out.add(d)
            out.add(str(v))
        else:
            out.add(v)
    return frozenset(out)


def _in(value: Any, allowed: frozenset) -> bool:
    if isinstance(value, bool):
        return any(a is value for a in allowed)
    try:
        return value in allowed
    except TypeError:
        return False


class Matcher:
    """Events of some types whose fields meet conditions (and an optional keyword filter)."""

    __slots__ = ("types", "tests", "key_field", "key_values", "contains", "describe")

    def __init__(self, types: Sequence[str], where: Mapping[str, Any], contains: M.Contains | None):
        self.types = tuple(types)
        tests = []
        key_field = None
        key_values: tuple = ()
        for field, cond in where.items():
            ops = cond if isinstance(cond, dict) else ({"in": cond} if isinstance(cond, list) else {"eq": cond})
            for op, val in ops.items():
                if op in ("eq", "in"):
                    vals = val if op == "in" else [val]
                    allowed = _eq_set(vals)
                    tests.append((field, "in", allowed))
                    if key_field is None and all(not isinstance(v, bool) for v in vals):
                        key_field = field
                        key_values = tuple(sorted(allowed, key=repr))
                elif op in ("ne", "not_in"):
                    vals = val if op == "not_in" else [val]
                    tests.append((field, "not_in", _eq_set(vals)))
                elif op in ("gt", "gte", "lt", "lte"):
                    # policy operands are read like policy amounts (10/12 is a fraction)
                    tests.append((field, op, M._to_decimal(val)))
                elif op == "exists":
                    tests.append((field, "exists", bool(val)))
                elif op == "contains_any":
                    tests.append((field, "contains_any", tuple(str(x) for x in val)))
        # the indexed field is tested by the lookup itself only for exact string keys
        self.tests = tuple(tests)
        self.key_field = key_field
        self.key_values = key_values
        self.contains = (tuple(contains.fields), tuple(contains.any)) if contains else None
        parts = [f"{k}={v}" for k, v in where.items()]
        self.describe = "/".join(self.types) + (f"[{', '.join(parts)}]" if parts else "")

    def test(self, f: Fact) -> bool:
        fields = f.fields
        for field, op, arg in self.tests:
            v = fields.get(field)
            if op == "in":
                if v is None or not _in(v, arg):
                    return False
            elif op == "not_in":
                if v is not None and _in(v, arg):
                    return False
            elif op == "exists":
                if (v is not None) != arg:
                    return False
            elif op == "contains_any":
                if v is None or not any(w in str(v) for w in arg):
                    return False
            else:
                n = _num(v)
                if n is None:
                    return False
                if op == "gt" and not n > arg:
                    return False
                if op == "gte" and not n >= arg:
                    return False
                if op == "lt" and not n < arg:
                    return False
                if op == "lte" and not n <= arg:
                    return False
        if self.contains is not None:
            names, words = self.contains
            text = " ".join(str(fields.get(n) or "") for n in names)
            if not any(w in text for w in words):
                return False
        return True

    def select(self, uf: UnitFacts, year: int) -> list[Fact]:
        """Matching facts dated in ``year``, in (date, revision, id) order."""
        lists = []
        if self.key_field is not None:
            for t in self.types:
                idx = uf.index(t, self.key_field)
                if not idx:
                    continue
                for v in self.key_values:
                    lst = idx.get(v)
                    if lst:
                        lists.append(lst)
        else:
            for t in self.types:
                lst = uf.of(t)
                if lst:
                    lists.append(lst)
        if not lists:
            return []
        test = self.test
        if len(lists) == 1:
            return [f for f in lists[0] if f.date.year == year and test(f)]
        seen = set()
        out = []
        for lst in lists:
            for f in lst:
                if f.id not in seen and f.date.year == year and test(f):
                    seen.add(f.id)
                    out.append(f)
        out.sort(key=fact_key)
        return out


def _matcher(event, where, contains) -> Matcher:
    return Matcher(event, where or {}, contains)


# ====================================================================== context


class Ctx:
    __slots__ = ("as_of", "year", "cal", "version", "ranks")

    def __init__(self, as_of: dt.date, year: int, cal: WorkCalendar, version: int):
        self.as_of = as_of
        self.year = year
        self.cal = cal
        self.version = version
        self.ranks: dict[int, dict[str, tuple[int, Any, int]]] = {}


def _ev_line(node: Node, f: Fact, delta: Decimal, rule: str, ctx: Ctx, kind: str | None = None,
             detail: str | None = None, period: str | None = None) -> Line:
    return Line(node.id, delta, kind, f.id, f.type, f.date, rule, f.source, ctx.version,
                f.corrections, detail, (), period)


def _agg_line(node: Node, delta: Decimal, kind: str, rule: str, ctx: Ctx, detail: str | None = None,
              events: tuple = (), date: dt.date | None = None, period: str | None = None) -> Line:
    return Line(node.id, delta, kind, None, None, date, rule, None, ctx.version, (), detail,
                events, period)


def _cite_corrections(lines: list[Line], uf: UnitFacts) -> None:
    """A line built from several events (an average, a quota, a rate) names the corrections
    of those events too: a corrected value is always shown with the correction's id."""
    if not any(ln.events for ln in lines):
        return
    corrected = uf.cache.get("corrected")
    if corrected is None:
        corrected = uf.cache["corrected"] = {f.id: f.corrections for facts in uf.by_type.values()
                                             for f in facts if f.corrections}
    if not corrected:
        return
    for ln in lines:
        if ln.events:
            cited = tuple(dict.fromkeys(c for e in (ln.event, *ln.events) if e for c in corrected.get(e, ())))
            if cited:
                ln.corrections = cited


def _fmt(d: Decimal) -> str:
    """A short human rendering of a decimal for explanation details."""
    if d == d.to_integral_value():
        return str(int(d))
    t = d.normalize()
    if -t.as_tuple().exponent > 4:
        t = d.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    return format(t, "f")


# ====================================================================== rule evaluators


class Evaluator:
    __slots__ = ("text",)
    needs: tuple[str, ...] = ()

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Node, out: list[Line]) -> None:  # pragma: no cover
        raise NotImplementedError


class _Case:
    __slots__ = ("matcher", "amount", "cap", "max_events", "text")

    def __init__(self, matcher, amount, cap, max_events, text):
        self.matcher, self.amount, self.cap, self.max_events, self.text = matcher, amount, cap, max_events, text


class PerEventEval(Evaluator):
    __slots__ = ("cases", "tiers", "multiply_by", "cap", "max_events")

    def __init__(self, r: M.PerEvent, text: str):
        self.text = r.rule_text or text
        cases = []
        if r.cases is not None:
            for c in r.cases:
                where = dict(r.where)
                where.update(c.where)
                m = _matcher(c.event or r.event, where, c.contains or r.contains)
                cases.append(_Case(m, c.amount, c.cap, c.max_events, c.rule_text or self.text))
        elif r.amounts is not None:
            for value, amount in r.amounts.items():
                where = dict(r.where)
                where[r.by] = value
                cap = (r.caps or {}).get(value)
                cases.append(_Case(_matcher(r.event, where, r.contains), amount, cap, None, self.text))
        else:
            amount = r.amount if r.amount is not None else ZERO
            cases.append(_Case(_matcher(r.event, r.where, r.contains), amount, None, None, self.text))
        self.cases = cases
        self.tiers = [(t.upto, t.amount) for t in r.tiers] if r.tiers else None
        self.multiply_by = r.multiply_by
        self.cap = r.cap
        self.max_events = r.max_events

    def evaluate(self, ctx, uf, node, out):
        if len(self.cases) == 1:
            c = self.cases[0]
            pairs = [(f, c) for f in c.matcher.select(uf, ctx.year)]
        else:
            seen: set[str] = set()
            pairs = []
            for c in self.cases:
                for f in c.matcher.select(uf, ctx.year):
                    if f.id not in seen:
                        seen.add(f.id)
                        pairs.append((f, c))
            pairs.sort(key=lambda p: fact_key(p[0]))
        if not pairs:
            return
        case_sum: dict[int, Decimal] = {}
        case_n: dict[int, int] = {}
        total = ZERO
        n = 0
        mul = self.multiply_by
        tiers = self.tiers
        for f, c in pairs:
            if self.max_events is not None and n >= self.max_events:
                break
            k = id(c)
            cn = case_n.get(k, 0)
            if c.max_events is not None and cn >= c.max_events:
                continue
            n += 1
            case_n[k] = cn + 1
            detail = None
            if tiers is not None:
                amount = tiers[-1][1]
                for upto, a in tiers:
                    if upto is None or n <= upto:
                        amount = a
                        break
                delta = amount
                detail = f"#{n}: {_fmt(amount)}"
            elif isinstance(mul, M.Excess):
                a = _num(f.fields.get(mul.excess_of))
                b = _num(f.fields.get(mul.over))
                count = max(ZERO, a - b) if a is not None and b is not None else ZERO
                delta = c.amount * count
                detail = (f"{mul.excess_of} {_fmt(a) if a is not None else '?'} − {mul.over} "
                          f"{_fmt(b) if b is not None else '?'} → {_fmt(count)} × {_fmt(c.amount)}")
            elif mul:
                count = _num(f.fields.get(mul))
                if count is None:
                    count = ONE
                delta = c.amount * count
                if count != ONE:
                    detail = f"{mul} {_fmt(count)} × {_fmt(c.amount)}"
            else:
                delta = c.amount
            out.append(_ev_line(node, f, delta, c.text, ctx, detail=detail))
            case_sum[k] = case_sum.get(k, ZERO) + delta
            total += delta
        for c in self.cases:
            if c.cap is None:
                continue
            s = case_sum.get(id(c), ZERO)
            lim = abs(c.cap)
            if abs(s) > lim:
                adj = (lim if s > 0 else -lim) - s
                out.append(_agg_line(node, adj, "cap", c.text, ctx,
                                     detail=f"{c.matcher.describe} capped at {_fmt(lim)} in all"))
                total += adj
        if self.cap is not None:
            lim = abs(self.cap)
            if abs(total) > lim:
                adj = (lim if total > 0 else -lim) - total
                out.append(_agg_line(node, adj, "cap", self.text, ctx, detail=f"rule capped at {_fmt(lim)}"))


class RequirementEval(Evaluator):
    __slots__ = ("item", "results")

    def __init__(self, r: M.Requirement, text: str, node_id: str):
        self.text = r.rule_text or text
        self.item = r.item if r.item is not None else node_id
        self.results = dict(r.results)

    def evaluate(self, ctx, uf, node, out):
        f = uf.latest("finding", "item", self.item)
        if f is None:
            return
        result = f.fields.get("result")
        amount = self.results.get(result)
        if amount is None:
            out.append(_ev_line(node, f, ZERO, self.text, ctx, detail=f"latest finding: {result} (scores 0)"))
        else:
            out.append(_ev_line(node, f, amount, self.text, ctx, detail=f"latest finding: {result}"))


class ChecklistEval(Evaluator):
    __slots__ = ("items", "earn", "deduct")

    def __init__(self, r: M.Checklist, text: str):
        self.text = r.rule_text or text
        self.items = list(r.items.items())
        self.earn = frozenset(r.earn_on)
        self.deduct = frozenset(r.deduct_on)

    def evaluate(self, ctx, uf, node, out):
        idx = uf.index("finding", "item")
        if not idx:
            return
        for item, pts in self.items:
            lst = idx.get(item)
            if not lst:
                continue
            f = lst[-1]
            result = f.fields.get("result")
            if result in self.earn:
                delta = pts
            elif result in self.deduct:
                delta = -pts
            else:
                delta = ZERO
            out.append(_ev_line(node, f, delta, self.text, ctx, detail=f"{item}: {result}"))


# ---------------------------------------------------------------- periods and deadlines


def _periods(every: str, year: int, subset: list[int] | None):
    """[(number, label, start, end)] for the policy year."""
    out = []
    if every == "month":
        for m in subset or range(1, 13):
            out.append((m, f"{year}-{m:02d}", dt.date(year, m, 1),
                        dt.date(year, m, _stdcal.monthrange(year, m)[1])))
    elif every == "quarter":
        for qn in subset or range(1, 5):
            m0 = 3 * (qn - 1) + 1
            out.append((qn, f"{year}-Q{qn}", dt.date(year, m0, 1),
                        dt.date(year, m0 + 2, _stdcal.monthrange(year, m0 + 2)[1])))
    else:
        out.append((1, f"{year}", dt.date(year, 1, 1), dt.date(year, 12, 31)))
    out.sort()
    return out


def _day_in(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, _stdcal.monthrange(year, month)[1]))


def due_date(due: M.Due, end: dt.date, cal: WorkCalendar) -> dt.date:
    if due.rule == "end_of_period":
        return end
    if due.rule == "day_of_month":
        return _day_in(end.year, end.month, due.day)
    nxt = end + dt.timedelta(days=1)
    if due.rule == "day_of_next_month":
        return _day_in(nxt.year, nxt.month, due.day)
    return cal.nth_workday_from(nxt, due.n)


def _due_text(due: M.Due) -> str:
    if due.rule == "end_of_period":
        return "the last day of the period"
    if due.rule == "day_of_month":
        return f"day {due.day} of the period's (last) month"
    if due.rule == "day_of_next_month":
        return f"day {due.day} of the next month"
    return f"working day {due.n} of the next period"


def normalise_period(p: Any) -> str | None:
    """'2021-6' → '2021-06', '2021-q3' → '2021-Q3', 2021 → '2021'."""
    if p is None:
        return None
    s = str(p).strip()
    if "-" not in s:
        return s
    y, rest = s.split("-", 1)
    r = rest.strip().upper()
    if r.startswith("Q"):
        return f"{y}-Q{r[1:].lstrip('0') or '0'}"
    if r.isdigit():
        return f"{y}-{int(r):02d}"
    return f"{y}-{r}"


def _reports_index(uf: UnitFacts) -> dict:
    got = uf.cache.get("reports")
    if got is None:
        got = {}
        for f in uf.of("report_submitted"):
            key = (f.fields.get("report"), normalise_period(f.fields.get("period")))
            got.setdefault(key, []).append(f)
        uf.cache["reports"] = got
    return got


class ReportEval(Evaluator):
    __slots__ = ("report", "every", "periods", "due", "on_time", "missing", "late", "poor", "early")

    def __init__(self, r: M.Report, text: str):
        self.text = r.rule_text or text
        self.report = r.report
        self.every = r.every
        self.periods = r.periods
        self.due = r.due
        self.on_time, self.missing, self.late, self.poor = r.on_time, r.missing, r.late, r.poor
        self.early = r.credit_before_due

    def evaluate(self, ctx, uf, node, out):
        idx = _reports_index(uf)
        for _n, label, start, end in _periods(self.every, ctx.year, self.periods):
            if start > ctx.as_of:
                continue  # every deadline is on or after the period's start
            if self.due.rule in ("workday_of_next_period", "day_of_next_month") and end >= ctx.as_of:
                due = None  # the deadline is after as_of (no calendar lookup needed)
            else:
                due = due_date(self.due, end, ctx.cal)
            if due is not None and due > ctx.as_of:
                due_passed = False
            else:
                due_passed = due is not None
            if not due_passed and not self.early:
                continue
            subs = idx.get((self.report, label), ())
            on_time_ok = None
            on_time_any = None
            late_first = None
            for f in subs:
                if due is None or f.date <= due:
                    on_time_any = f
                    if on_time_ok is None and (f.fields.get("quality") or "ok") == "ok":
                        on_time_ok = f
                elif late_first is None:
                    late_first = f
            if not due_passed and on_time_ok is None:
                continue
            due_s = due.isoformat() if due is not None else "its deadline"
            if on_time_ok is not None:
                out.append(_ev_line(node, on_time_ok, self.on_time, self.text, ctx, kind="on_time",
                                    detail=f"{self.report} {label} submitted by {due_s}",
                                    period=label))
            elif on_time_any is not None:
                out.append(_ev_line(node, on_time_any, self.poor, self.text, ctx, kind="poor",
                                    detail=f"{self.report} {label}: quality poor", period=label))
            elif late_first is not None:
                out.append(_ev_line(node, late_first, self.late, self.text, ctx, kind="late",
                                    detail=f"{self.report} {label} due {due.isoformat()}, "
                                           f"submitted {late_first.date.isoformat()}", period=label))
            else:
                out.append(_agg_line(node, self.missing, "missing_obligation", self.text, ctx,
                                     detail=f"{self.report} {label} not submitted by {due.isoformat()} "
                                            f"({_due_text(self.due)})",
                                     date=due, period=label))


def _band_match(b: M.Band, v: Decimal) -> bool:
    if b.at_least is not None and not v >= b.at_least:
        return False
    if b.above is not None and not v > b.above:
        return False
    if b.at_most is not None and not v <= b.at_most:
        return False
    if b.below is not None and not v < b.below:
        return False
    return True


def _band_text(b: M.Band) -> str:
    parts = []
    for name, sym in (("at_least", "≥"), ("above", ">"), ("at_most", "≤"), ("below", "<")):
        val = getattr(b, name)
        if val is not None:
            parts.append(f"{sym} {_fmt(val)}")
    return " and ".join(parts) or "otherwise"


def _metric(uf: UnitFacts, name: str) -> Fact | None:
    return uf.latest("metric", "name", name)


class QuotaEval(Evaluator):
    __slots__ = ("matcher", "every", "periods", "due", "target", "met", "per_extra", "short",
                 "per_short", "early")

    def __init__(self, r: M.Quota, text: str):
        self.text = r.rule_text or text
        self.matcher = _matcher(r.event, r.where, r.contains)
        self.every, self.periods, self.due = r.every, r.periods, r.due
        self.target = r.target
        self.met, self.per_extra, self.short, self.per_short = r.met, r.per_extra, r.short, r.per_short
        self.early = r.credit_before_due

    def evaluate(self, ctx, uf, node, out):
        target = self.target
        target_note = ""
        if isinstance(target, M.MetricTarget):
            mf = _metric(uf, target.metric)
            chosen = None
            if mf is not None:
                v = _num(mf.fields.get("value"))
                if v is not None:
                    for b in target.bands:
                        if _band_match(b, v):
                            chosen = b.value
                            break
                    target_note = f"; target by {target.metric} = {_fmt(v)}"
            if chosen is None:
                chosen = target.default
                if chosen is None:
                    out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx,
                                         detail=f"metric {target.metric} missing: target unknown"))
                    return
                target_note = f"; default target ({target.metric} missing or out of bands)"
            target = chosen
        facts = self.matcher.select(uf, ctx.year)
        buckets: dict[int, list[Fact]] = {}
        for f in facts:
            if self.every == "month":
                k = f.date.month
            elif self.every == "quarter":
                k = (f.date.month - 1) // 3 + 1
            else:
                k = 1
            buckets.setdefault(k, []).append(f)
        for num, label, _start, end in _periods(self.every, ctx.year, self.periods):
            got = buckets.get(num, ())
            count = len(got)
            ok = count >= target
            if end > ctx.as_of or due_date(self.due, end, ctx.cal) > ctx.as_of:
                if not (self.early and ok):
                    continue
            ids = tuple(f.id for f in got)
            desc = f"{label}: {count} × {self.matcher.describe} (target {_fmt(target)}{target_note})"
            if ok:
                extra = Decimal(count) - target
                delta = self.met + self.per_extra * extra
                out.append(_agg_line(node, delta, "quota", self.text, ctx, detail=desc, events=ids,
                                     period=label))
            else:
                shortfall = target - Decimal(count)
                delta = self.short + self.per_short * shortfall
                out.append(_agg_line(node, delta, "missing_obligation", self.text, ctx, detail=desc,
                                     events=ids, period=label))


class MetricBandsEval(Evaluator):
    __slots__ = ("metric", "bands")

    def __init__(self, r: M.MetricBands, text: str):
        self.text = r.rule_text or text
        self.metric = r.metric
        self.bands = r.bands

    def evaluate(self, ctx, uf, node, out):
        f = _metric(uf, self.metric)
        v = _num(f.fields.get("value")) if f is not None else None
        if v is None:
            out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx, detail=f"metric {self.metric} missing"))
            return
        for b in self.bands:
            if _band_match(b, v):
                out.append(_ev_line(node, f, b.amount, self.text, ctx,
                                    detail=f"{self.metric} = {_fmt(v)} ({_band_text(b)})"))
                return
        out.append(_ev_line(node, f, ZERO, self.text, ctx, detail=f"{self.metric} = {_fmt(v)}: no band applies"))


# ---------------------------------------------------------------- hotline tickets


class TicketState:
    __slots__ = ("fact", "due", "completed", "on_time", "satisfied", "returned_late", "reply")

    def __init__(self, fact, due, completed, on_time, satisfied, returned_late, reply):
        self.fact, self.due, self.completed, self.on_time = fact, due, completed, on_time
        self.satisfied, self.returned_late, self.reply = satisfied, returned_late, reply


def hotline_tickets(uf: UnitFacts, ctx: Ctx, return_within: int, max_ext: int) -> list[TicketState]:
    """The counted tickets of the year as of ``ctx.as_of`` with their derived states."""
    key = ("hotline", return_within, max_ext)
    got = uf.cache.get(key)
    if got is not None:
        return got
    cal = ctx.cal
    returned = uf.index("hotline_returned", "ticket")
    extended = uf.index("hotline_extended", "ticket")
    replied = uf.index("hotline_replied", "ticket")
    callbacks = uf.index("hotline_callback", "ticket")
    out = []
    for t in uf.of("hotline_ticket"):
        if t.date.year != ctx.year:
            continue
        tid = t.fields.get("ticket")
        orig_due = t.fields.get("due") or t.date
        ret = returned.get(tid)
        returned_late = False
        if ret:
            if ret[0].date <= cal.add_workdays(t.date, return_within):
                continue  # returned in time: not the unit's ticket
            returned_late = True
        due = orig_due
        ext = extended.get(tid)
        if ext:
            new_due = ext[-1].fields.get("due")
            if new_due is not None:
                limit = cal.add_workdays(orig_due, max_ext)
                due = max(orig_due, min(new_due, limit))
        ok_reply = None
        if not returned_late:
            for r in replied.get(tid, ()):
                if (r.fields.get("quality") or "ok") == "ok":
                    ok_reply = r
                    break
        completed = ok_reply is not None
        if not (due <= ctx.as_of or completed):
            continue
        on_time = completed and ok_reply.date <= due
        cb = callbacks.get(tid)
        satisfied = bool(cb[-1].fields.get("satisfied")) if cb else False
        out.append(TicketState(t, due, completed, on_time, satisfied, returned_late, ok_reply))
    uf.cache[key] = out
    return out


_HOTLINE_NAMES = {"completion": "completion rate (办结率)", "on_time": "on-time rate (按期回复率)",
                  "satisfaction": "satisfaction rate (满意率)"}


class RateEval(Evaluator):
    __slots__ = ("metric", "hotline", "full_at", "per_point", "zero_below", "points", "ret", "ext")

    def __init__(self, r: M.Rate, text: str, node_points: Decimal | None):
        self.text = r.rule_text or text
        self.metric = r.of.metric if isinstance(r.of, M.MetricRef) else None
        self.hotline = r.of.hotline if isinstance(r.of, M.HotlineRef) else None
        self.full_at, self.per_point, self.zero_below = r.full_at, r.per_point, r.zero_below
        self.points = r.points if r.points is not None else node_points
        self.ret, self.ext = r.return_within_workdays, r.max_extension_workdays

    def _deduction(self, v: Decimal) -> tuple[Decimal, str]:
        if self.zero_below is not None and v < self.zero_below:
            return -self.points, f"{_fmt(v)} < {_fmt(self.zero_below)}: no points"
        d = self.per_point * max(ZERO, self.full_at - v)
        d = min(d, self.points)
        return -d, f"({_fmt(self.full_at)} − {_fmt(v)}) × {_fmt(self.per_point)}"

    def evaluate(self, ctx, uf, node, out):
        if self.metric is not None:
            f = _metric(uf, self.metric)
            v = _num(f.fields.get("value")) if f is not None else None
            if v is None:
                out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx,
                                     detail=f"metric {self.metric} missing"))
                return
            delta, how = self._deduction(v)
            out.append(_ev_line(node, f, delta, self.text, ctx, detail=f"{self.metric} = {_fmt(v)}: {how}"))
            return
        tickets = hotline_tickets(uf, ctx, self.ret, self.ext)
        name = _HOTLINE_NAMES[self.hotline]
        if not tickets:
            out.append(_agg_line(node, ZERO, "rate", self.text, ctx,
                                 detail=f"{name}: no counted tickets, full points"))
            return
        attr = {"completion": "completed", "on_time": "on_time", "satisfaction": "satisfied"}[self.hotline]
        good = [t for t in tickets if getattr(t, attr)]
        bad = [t for t in tickets if not getattr(t, attr)]
        v = Decimal(len(good)) * HUNDRED / Decimal(len(tickets))
        delta, how = self._deduction(v)
        out.append(_agg_line(node, delta, "rate", self.text, ctx,
                             detail=f"{name} {len(good)}/{len(tickets)} = {_fmt(q(v))}%: {how}",
                             events=tuple(t.fact.id for t in good)))
        for t in bad:
            why = ("returned after the time limit" if t.returned_late else
                   {"completed": "no ok reply", "on_time": f"no ok reply by {t.due.isoformat()}",
                    "satisfied": "callback not satisfied"}[attr])
            out.append(_ev_line(node, t.fact, ZERO, self.text, ctx, kind="ticket",
                                detail=f"ticket {t.fact.fields.get('ticket')}: {why}"))


class RatioEval(Evaluator):
    __slots__ = ("num", "den", "factor", "cap")

    def __init__(self, r: M.Ratio, text: str):
        self.text = r.rule_text or text
        self.num = r.numerator.metric
        self.den = r.denominator
        self.factor, self.cap = r.factor, r.cap

    def evaluate(self, ctx, uf, node, out):
        nf = _metric(uf, self.num)
        nv = _num(nf.fields.get("value")) if nf is not None else None
        if nv is None:
            out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx, detail=f"metric {self.num} missing"))
            return
        events = [nf.id]
        if isinstance(self.den, M.MetricRef):
            df = _metric(uf, self.den.metric)
            dv = _num(df.fields.get("value")) if df is not None else None
            if dv is None:
                out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx,
                                     detail=f"metric {self.den.metric} missing"))
                return
            events.append(df.id)
            dname = self.den.metric
        else:
            dv = self.den
            dname = _fmt(dv)
        if dv == 0:
            out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx, detail=f"{dname} is 0: no ratio"))
            return
        value = nv / dv * self.factor
        detail = f"{self.num} {_fmt(nv)} ÷ {dname} {_fmt(dv)} × {_fmt(self.factor)} = {_fmt(value)}"
        if self.cap is not None and value > self.cap:
            value = self.cap
            detail += f", capped at {_fmt(self.cap)}"
        out.append(_agg_line(node, value, "ratio", self.text, ctx, detail=detail, events=tuple(events)))


class RankEval(Evaluator):
    """Rank within the track; the table of places is computed before the units are scored."""

    __slots__ = ("metric", "matcher", "desc", "places", "linear", "skip_zero", "key")

    def __init__(self, r: M.Rank, text: str, key: int):
        self.text = r.rule_text or text
        self.metric = r.by.metric if isinstance(r.by, M.MetricRef) else None
        self.matcher = None if self.metric else _matcher(r.by.count.event, r.by.count.where, r.by.count.contains)
        self.desc = r.order == "desc"
        self.places = list(r.places) if r.places is not None else None
        self.linear = r.linear
        self.skip_zero = r.skip_zero
        self.key = key

    def measure(self, ctx: Ctx, uf: UnitFacts):
        """(value, event ids) or None when the unit takes no part."""
        if self.metric is not None:
            f = _metric(uf, self.metric)
            v = _num(f.fields.get("value")) if f is not None else None
            if v is None:
                return None
            return v, (f.id,)
        facts = self.matcher.select(uf, ctx.year)
        if not facts and self.skip_zero:
            return None
        return Decimal(len(facts)), tuple(f.id for f in facts)

    def amount(self, place: int) -> Decimal:
        if self.places is not None:
            return self.places[place - 1] if place <= len(self.places) else ZERO
        lin = self.linear
        return max(lin.min, lin.first - lin.step * (place - 1))

    def evaluate(self, ctx, uf, node, out):
        table = ctx.ranks.get(self.key, {})
        hit = table.get(uf.cache.get("unit_id"))
        if hit is None:
            if self.metric is not None:
                out.append(_agg_line(node, ZERO, "missing_data", self.text, ctx,
                                     detail=f"metric {self.metric} missing: not ranked"))
            return
        place, (value, ids), n = hit
        what = self.metric or f"count of {self.matcher.describe}"
        out.append(_agg_line(node, self.amount(place), "rank", self.text, ctx,
                             detail=f"place {place} of {n} by {what} = {_fmt(value)}", events=ids))


class PanelEval(Evaluator):
    __slots__ = ("panel", "max_score")

    def __init__(self, r: M.Panel, text: str):
        self.text = r.rule_text or text
        self.panel = r.panel
        self.max_score = r.max_score

    def evaluate(self, ctx, uf, node, out):
        per_evaluator: dict[Any, Fact] = {}
        for f in uf.index("evaluation", "panel").get(self.panel, ()):
            if f.date.year != ctx.year:
                continue
            ev = f.fields.get("evaluator") or f.id
            per_evaluator[ev] = f  # sorted by (date, revision): the latest wins
        scores = []
        for f in per_evaluator.values():
            s = _num(f.fields.get("score"))
            if s is None:
                continue
            if self.max_score is not None:
                s = min(max(s, ZERO), self.max_score)
            scores.append((f, s))
        if not scores:
            out.append(_agg_line(node, ZERO, "average", self.text, ctx,
                                 detail=f"panel {self.panel}: no scores yet"))
            return
        scores.sort(key=lambda p: fact_key(p[0]))
        total = sum((s for _f, s in scores), ZERO)
        mean = total / Decimal(len(scores))
        out.append(_agg_line(node, mean, "average", self.text, ctx,
                             detail=f"panel {self.panel}: mean of {len(scores)} score(s) = {_fmt(mean)}",
                             events=tuple(f.id for f, _s in scores)))


class SupervisedItemsEval(Evaluator):
    __slots__ = ("late", "findings")

    def __init__(self, r: M.SupervisedItems, text: str):
        self.text = r.rule_text or text
        self.late = r.late
        self.findings = dict(r.findings)

    def evaluate(self, ctx, uf, node, out):
        lines = []
        if self.late:
            closed = uf.index("supervised_item_closed", "item")
            for a in uf.of("supervised_item_assigned"):
                if a.date.year != ctx.year:
                    continue
                item = a.fields.get("item")
                due = a.fields.get("due")
                if due is None:
                    continue
                c = closed.get(item)
                if c:
                    cf = c[0]
                    if cf.date > due:
                        lines.append(_ev_line(node, cf, self.late, self.text, ctx, kind="late",
                                              detail=f"item {item} due {due.isoformat()}, closed {cf.date.isoformat()}"))
                elif due < ctx.as_of:
                    lines.append(_ev_line(node, a, self.late, self.text, ctx, kind="late",
                                          detail=f"item {item} due {due.isoformat()}, still open"))
        if self.findings:
            for f in uf.of("supervised_item_finding"):
                if f.date.year != ctx.year:
                    continue
                amt = self.findings.get(f.fields.get("finding"))
                if amt is not None:
                    lines.append(_ev_line(node, f, amt, self.text, ctx,
                                          detail=f"item {f.fields.get('item')}: {f.fields.get('finding')}"))
        lines.sort(key=lambda ln: (ln.date, ln.event))
        out.extend(lines)


class ManualEval(Evaluator):
    __slots__ = ("note",)

    def __init__(self, r: M.Manual, text: str):
        self.text = r.rule_text or text
        self.note = r.note

    def evaluate(self, ctx, uf, node, out):
        out.append(_agg_line(node, ZERO, "unscored", self.text, ctx,
                             detail=self.note or "no event feeds this indicator yet"))


# ====================================================================== compiled tree


class Cond:
    __slots__ = ("matcher", "min_count", "reason", "total_below")

    def __init__(self, c):
        if isinstance(c, M.TotalBelow):
            self.matcher = None
            self.min_count = 1
            self.total_below = c.total_below
            self.reason = c.reason or f"total below {_fmt(c.total_below)}"
        else:
            self.matcher = _matcher(c.event, c.where, c.contains)
            self.min_count = c.min_count
            self.total_below = None
            self.reason = c.reason or (f"{c.min_count} × " if c.min_count > 1 else "") + self.matcher.describe

    def hits(self, uf: UnitFacts, year: int) -> list[Fact]:
        facts = self.matcher.select(uf, year)
        return facts if len(facts) >= self.min_count else []


class Node:
    __slots__ = ("id", "name", "points", "max", "deduction", "floor", "cap", "zero_when",
                 "evaluators", "children", "divisions", "text")

    def __init__(self, ind: M.Indicator, ranks: list):
        self.id = ind.id
        self.name = ind.name
        self.points = ind.points
        self.deduction = ind.mode == "deduction"
        self.floor = q(ind.floor) if ind.floor is not None else None
        self.cap = q(ind.cap) if ind.cap is not None else None
        self.zero_when = [Cond(c) for c in ind.zero_when]
        self.divisions = tuple(ind.divisions)
        self.text = ind.clause or ind.name
        self.children = [Node(c, ranks) for c in ind.children] if ind.children else []
        rules = ind.rules if ind.rules is not None else ([ind.rule] if ind.rule is not None else [])
        self.evaluators = [_compile_rule(r, self, ranks) for r in rules]
        if self.points is not None:
            self.max = self.points
        elif self.children and all(c.max is not None for c in self.children):
            self.max = sum((c.max for c in self.children), ZERO)
        else:
            self.max = None


def _compile_rule(r, node: Node, ranks: list) -> Evaluator:
    text = node.text
    if isinstance(r, M.PerEvent):
        return PerEventEval(r, text)
    if isinstance(r, M.Requirement):
        return RequirementEval(r, text, node.id)
    if isinstance(r, M.Checklist):
        return ChecklistEval(r, text)
    if isinstance(r, M.Report):
        return ReportEval(r, text)
    if isinstance(r, M.Quota):
        return QuotaEval(r, text)
    if isinstance(r, M.MetricBands):
        return MetricBandsEval(r, text)
    if isinstance(r, M.Rate):
        return RateEval(r, text, node.points)
    if isinstance(r, M.Ratio):
        return RatioEval(r, text)
    if isinstance(r, M.Rank):
        ev = RankEval(r, text, len(ranks))
        ranks.append(ev)
        return ev
    if isinstance(r, M.Panel):
        return PanelEval(r, text)
    if isinstance(r, M.SupervisedItems):
        return SupervisedItemsEval(r, text)
    if isinstance(r, M.Manual):
        return ManualEval(r, text)
    raise TypeError(f"unknown rule {type(r).__name__}")  # pragma: no cover


class CompiledTrack:
    __slots__ = ("id", "name", "group", "nodes", "max", "cap", "floor", "grades", "veto_grade",
                 "vetoes", "downgrades", "ranks", "policy_ref", "version", "year", "cal")

    def __init__(self, policy: M.Policy, track: M.Track):
        self.id, self.name, self.group = track.id, track.name, track.group
        self.ranks: list[RankEval] = []
        self.nodes = [Node(i, self.ranks) for i in track.indicators]
        self.cap = q(track.cap) if track.cap is not None else None
        self.floor = q(track.floor) if track.floor is not None else None
        if track.max is not None:
            self.max = track.max
        elif track.cap is not None:
            self.max = track.cap
        else:
            self.max = sum((n.max or ZERO for n in self.nodes), ZERO)
        self.grades = [(g.min, g.grade) for g in track.grades] if track.grades else None
        self.veto_grade = track.veto.grade if track.veto else None
        self.vetoes = [Cond(c) for c in track.veto.when] if track.veto else []
        self.downgrades = [Cond(c) for c in track.downgrade.when] if track.downgrade else []
        self.policy_ref = policy.ref
        self.version = policy.version
        self.year = policy.year
        self.cal = policy.work_calendar()


# Fact types each rule kind reads besides the events its conditions name.
_KIND_TYPES: dict[str, frozenset[str]] = {
    "per_event": frozenset(), "quota": frozenset(), "rank": frozenset(), "manual": frozenset(),
    "metric_bands": frozenset({"metric"}), "ratio": frozenset({"metric"}), "rate": frozenset(),
    "requirement": frozenset({"finding"}), "checklist": frozenset({"finding"}),
    "report": frozenset({"report_submitted"}), "panel": frozenset({"evaluation"}),
    "supervised_items": frozenset({"supervised_item_assigned", "supervised_item_closed",
                                   "supervised_item_finding"}),
}
_HOTLINE_TYPES = frozenset({"hotline_ticket", "hotline_returned", "hotline_extended", "hotline_replied",
                            "hotline_callback"})


def track_fact_types(policy: M.Policy, track_id: str) -> frozenset[str] | None:
    """Every fact type the track's rules, vetoes and downgrades can read, so the fact view
    reads only those (None: read everything — a rule kind this function does not know)."""
    key = ("types", track_id)
    if key in policy._compiled:
        return policy._compiled[key]
    types: set[str] = set()
    known = True

    def walk(node: Any) -> None:
        nonlocal known
        if isinstance(node, M.BaseModel):
            kind = getattr(node, "kind", None)
            if isinstance(node, M._Rule):
                if kind not in _KIND_TYPES:
                    known = False
                else:
                    types.update(_KIND_TYPES[kind])
            event = getattr(node, "event", None)
            if isinstance(event, list):
                types.update(event)
            if isinstance(getattr(node, "metric", None), str):
                types.add("metric")
            if isinstance(node, M.HotlineRef):
                types.update(_HOTLINE_TYPES)
            for name in type(node).model_fields:
                walk(getattr(node, name))
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk(policy.track(track_id))
    result = frozenset(types) if known else None
    policy._compiled[key] = result
    return result


def rank_fact_types(policy: M.Policy, track_id: str) -> frozenset[str]:
    """Event types the track's rank-based indicators read from every unit of the track."""
    types: set[str] = set()
    for rk in compile_track(policy, track_id).ranks:
        types.update(("metric",) if rk.metric is not None else rk.matcher.types)
    return frozenset(types)


def compile_track(policy: M.Policy, track_id: str) -> CompiledTrack:
    key = ("track", track_id)
    ct = policy._compiled.get(key)
    if ct is None:
        ct = CompiledTrack(policy, policy.track(track_id))
        policy._compiled[key] = ct
    return ct


# ====================================================================== scoring


def _eval_node(node: Node, ctx: Ctx, uf: UnitFacts, lines: list[Line]) -> IndicatorScore:
    total = ZERO
    if node.deduction:
        base = q(node.points)
        lines.append(Line(node.id, base, "base", None, None, None, node.text, None, ctx.version,
                          (), f"starts at {_fmt(base)}"))
        total = base
    children = []
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
            total = q(raw)
            if total != shown:
                lines.append(Line(node.id, total - shown, "rounding", None, None, None, node.text,
                                  None, ctx.version, (), "half-up to 2 places, once per indicator"))
    for cond in node.zero_when:
        hits = cond.hits(uf, ctx.year)
        if hits and total != 0:
            f = hits[0]
            lines.append(Line(node.id, -total, "zeroed", f.id, f.type, f.date, cond.reason, f.source,
                              ctx.version, f.corrections, f"{cond.reason}: the indicator scores 0",
                              tuple(h.id for h in hits)))
            total = ZERO
    if node.floor is not None and total < node.floor:
        lines.append(Line(node.id, node.floor - total, "floor", None, None, None, node.text, None,
                          ctx.version, (), f"floors at {_fmt(node.floor)}"))
        total = node.floor
    if node.cap is not None and total > node.cap:
        lines.append(Line(node.id, node.cap - total, "cap", None, None, None, node.text, None,
                          ctx.version, (), f"capped at {_fmt(node.cap)}"))
        total = node.cap
    return IndicatorScore(node.id, node.name, total, node.max, node.divisions, children)


def _grade(grades, total: Decimal) -> str | None:
    if not grades:
        return None
    for mn, g in grades:
        if mn is None or total >= mn:
            return g
    return None


def score_track(
    policy: M.Policy,
    track_id: str,
    units: Iterable[Unit],
    facts_by_unit: Mapping[str, Iterable[Fact]],
    as_of: dt.date,
    focus: Collection[str] | None = None,
) -> list[ScoreCard]:
    """Score every unit of one track as of ``as_of``; cards come back in ``units`` order.

    ``facts_by_unit[unit_id]`` are that unit's effective facts for the policy year (units
    without an entry have no facts). Pure and deterministic.

    With ``focus``, only those units get cards (for one unit's explanation): the other units
    still take part in rank-based indicators, so their facts need only cover
    ``rank_fact_types(...)``; rank by total is then not computed (``rank`` is None).
    """
    ct = compile_track(policy, track_id)
    ctx = Ctx(as_of, ct.year, ct.cal, ct.version)
    units = list(units)
    indexed: list[tuple[Unit, UnitFacts]] = []
    for u in units:
        uf = UnitFacts(facts_by_unit.get(u.id, ()), as_of)
        uf.cache["unit_id"] = u.id
        indexed.append((u, uf))
    for rk in ct.ranks:
        measures = []
        for u, uf in indexed:
            m = rk.measure(ctx, uf)
            if m is not None:
                measures.append((u.id, m))
        n = len(measures)
        values = sorted((m[0] for _uid, m in measures), reverse=rk.desc)
        first_pos: dict[Decimal, int] = {}
        for i, v in enumerate(values):
            first_pos.setdefault(v, i + 1)
        ctx.ranks[rk.key] = {uid: (first_pos[m[0]], m, n) for uid, m in measures}

    cards = []
    for u, uf in indexed:
        if focus is not None and u.id not in focus:
            continue
        lines: list[Line] = []
        scores = [_eval_node(nd, ctx, uf, lines) for nd in ct.nodes]
        total = sum((s.points for s in scores), ZERO)
        if ct.floor is not None and total < ct.floor:
            lines.append(Line(None, ct.floor - total, "floor", None, None, None,
                              f"track {ct.id} floors at {_fmt(ct.floor)}", None, ctx.version))
            total = ct.floor
        if ct.cap is not None and total > ct.cap:
            lines.append(Line(None, ct.cap - total, "cap", None, None, None,
                              f"track {ct.id} capped at {_fmt(ct.cap)}", None, ctx.version))
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
                                  ctx.version, f.corrections, "一票否决: " + cond.reason,
                                  tuple(h.id for h in hits)))
        downgraded = False
        down_reasons = []
        for cond in ct.downgrades:
            if cond.matcher is None:
                if total < cond.total_below:
                    downgraded = True
                    down_reasons.append(cond.reason)
                    lines.append(Line(None, ZERO, "downgrade", None, None, None, cond.reason, None,
                                      ctx.version, (), f"total {_fmt(total)} < {_fmt(cond.total_below)}"))
                continue
            hits = cond.hits(uf, ctx.year)
            if hits:
                downgraded = True
                down_reasons.append(cond.reason)
                f = hits[cond.min_count - 1]
                lines.append(Line(None, ZERO, "downgrade", f.id, f.type, f.date, cond.reason, f.source,
                                  ctx.version, f.corrections, "直接降档: " + cond.reason,
                                  tuple(h.id for h in hits)))
        _cite_corrections(lines, uf)
        grade = _grade(ct.grades, total)
        if vetoed and ct.veto_grade is not None:
            grade = ct.veto_grade
        cards.append(ScoreCard(u.id, u.name, ct.id, ct.policy_ref, ct.version, total, ct.max, grade,
                               vetoed, downgraded, None, scores, lines, veto_reasons, down_reasons))
    if focus is not None:
        return cards
    totals = sorted((c.total for c in cards), reverse=True)
    first: dict[Decimal, int] = {}
    for i, t in enumerate(totals):
        first.setdefault(t, i + 1)
    for c in cards:
        c.rank = first[c.total]
    return cards
