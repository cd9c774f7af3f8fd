"""What a policy's rules oblige a unit to do by a date — a report for each period, a supervised
item (督办事项) to close, a quota to meet before its period ends, 12345 tickets to answer — each
with the facts that would fulfil it on its due date (what the due list prices with the scoring
engine, ``ledger.projections.due``).

One finder per rule kind that sets deadlines (``FINDERS``, keyed by the kind's name), plus the
12345 finder, which reads any rule measuring tickets' completion, timeliness or first response
(``rate`` and ``formula`` alike). A finder reads the policy's rule and the unit's facts as they
stand at as-of; it never prices anything. What a person reads (``what``) is in the data's own
language, Chinese, as the explanation's ``what`` (the JSON is the same in every language).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..events.fact import Fact
from ..policies.labels import labels_of
from ..policies.vocabulary import as_decimal, value_at
from .scoring.periods import due_date, labels_within, normalise_period, periods_of

if TYPE_CHECKING:
    from ..policies.model import Indicator, Policy
    from ..policies.workdays import WorkCalendar
    from .scoring import ScoreCard

Miss = tuple[str, str, "str | None", "str | None"]
"""(indicator, line kind, period, event) of an explanation line."""

TICKET_DEADLINES = {"completion": "due", "on_time": "due", "first_response": "response_due"}
"""12345 measures that a ticket fails by staying undone past a deadline, and which deadline."""


@dataclass
class Obligation:
    """One thing a unit must do by ``due`` under one indicator's rule."""

    unit: str
    track: str
    indicator: str
    kind: str
    """``report``, ``supervised_item``, ``quota`` or ``hotline`` (tickets of one indicator)."""
    what: str
    due: dt.date
    done: tuple[Fact, ...] = ()
    """The facts that would fulfil it by its due date; empty when the rule does not price it."""
    variant: Hashable = None
    """Obligations with the same key are fulfilled together in one hypothetical (a unit's 12345
    tickets: every ticket indicator of the unit is priced from one set of replies); None: on
    its own."""
    own_indicator: bool = False
    """Priced by the change in its indicator's points (the ticket indicators that share one
    hypothetical), not in the unit's total."""
    miss: Miss | None = None
    """The engine's own line for this obligation missed: looked for on the card as things
    stand (absent: it is no obligation the policy counts) and on the card with it done
    (present: the hypothetical did not fulfil it, and it is not priced)."""
    event: str | None = None
    """The recorded event that set it (a supervised item's assignment)."""
    dues: tuple[dt.date, ...] = field(default=())
    """Every deadline it gathers (the tickets of a 12345 item); ``due`` is the earliest."""
    counted_after: int = 0
    """Days after its (last) due date until its rule counts it missed: 0 when the rule counts
    a deadline on the day itself (reports, quotas, tickets), 1 when from the day after (a
    supervised item is late once its due date has passed)."""
    alike: Hashable = None
    """Obligations of one rule that it prices alike (the same amounts at their deadlines, each
    period or item on a line of its own): when nothing else in the track reads the facts that
    fulfil them, one of a unit's alike obligations due by the same day is priced for all."""


@dataclass(frozen=True)
class Scope:
    """What every finder needs: the policy, the track, as-of and how far ahead to look."""

    policy: Policy
    track: str
    as_of: dt.date
    until: dt.date
    """The last due date listed of what recurs (reports, quotas, tickets); an assigned
    supervised item is listed whenever it falls due."""
    cal: WorkCalendar
    labels: dict[str, dict[str, str]]
    kept: dict[Hashable, Any] = field(default_factory=dict, compare=False, hash=False)
    """What a finder works out once per rule (periods and deadlines, matchers), not per unit."""

    def once(self, key: Hashable, make: Callable[[], Any]) -> Any:
        got = self.kept.get(key)
        if got is None:
            got = self.kept[key] = make()
        return got

    @property
    def year(self) -> int:
        return self.policy.year


def scope(policy: Policy, track: str, as_of: dt.date, until: dt.date) -> Scope:
    return Scope(policy, track, as_of, until, policy.work_calendar(), labels_of(policy))


Finder = Callable[[Scope, "Indicator", Any, str, list[Fact]], Iterable[Obligation]]
FINDERS: dict[str, Finder] = {}


def finds(kind: str) -> Callable[[Finder], Finder]:
    """Register the decorated function as the finder of a rule kind's obligations."""

    def register(func: Finder) -> Finder:
        FINDERS[kind] = func
        return func

    return register


def rules_of(indicator: Indicator) -> list[Any]:
    return list(indicator.rules) if indicator.rules is not None else ([indicator.rule] if indicator.rule else [])


def walk(indicators: Iterable[Indicator]) -> Iterator[Indicator]:
    for ind in indicators:
        yield ind
        yield from walk(ind.children or [])


def _hypothetical(unit: str, type_: str, day: dt.date, fields: dict[str, Any], key: object) -> Fact:
    """A fact that is not in the ledger: what the unit would record by ``day`` (its id, never
    an event id: those start with a letter or digit, is the same for the same ``key``)."""
    return Fact(f"~due-{type_}-{key}", type_, unit, day, fields, revision=2**62, recorded_at="")


@dataclass(frozen=True)
class Plan:
    """A track's rules that set deadlines, found once: (indicator, rule, finder) and the
    indicators measuring 12345 tickets, each with its measuring rules."""

    findings: tuple[tuple[Indicator, Any, Finder], ...]
    ticket_rules: tuple[tuple[Indicator, Any, tuple[Any, ...]], ...]
    """(indicator, its first rule measuring tickets, every ticket measure of its rules)."""


def plan(policy: Policy, track_id: str) -> Plan:
    findings: list[tuple[Indicator, Any, Finder]] = []
    ticket_rules: list[tuple[Indicator, Any, tuple[Any, ...]]] = []
    for ind in walk(policy.track(track_id).indicators):
        rules = rules_of(ind)
        findings.extend((ind, rule, FINDERS[rule.kind]) for rule in rules if rule.kind in FINDERS)
        measuring = [rule for rule in rules if ticket_measures(rule)]
        if measuring:
            ticket_rules.append((ind, measuring[0], tuple(m for rule in measuring for m in ticket_measures(rule))))
    return Plan(tuple(findings), tuple(ticket_rules))


def find(sc: Scope, the_plan: Plan, unit: str, facts: list[Fact]) -> list[Obligation]:
    """Every obligation of ``unit`` in the track due by ``sc.until`` and not fulfilled."""
    out: list[Obligation] = []
    for ind, rule, finder in the_plan.findings:
        out.extend(finder(sc, ind, rule, unit, facts))
    for ind, rule, measures in the_plan.ticket_rules:
        out.extend(tickets(sc, ind, rule, measures, unit, facts))
    return out


# --- reports ---------------------------------------------------------------------------------
def _submitted(facts: list[Fact]) -> set[tuple[Any, str]]:
    """(report, period label) of every submission, a range covering the periods inside it."""
    got: set[tuple[Any, str]] = set()
    for f in facts:
        if f.type != "report_submitted":
            continue
        period = normalise_period(f.fields.get("period"))
        if period is None:
            continue
        for label in (labels_within(period) if "/" in period else [period]):
            got.add((f.fields.get("report"), label))
    return got


def _deadlines(sc: Scope, rule: Any) -> list[tuple[str, dt.date, dt.date, dt.date]]:
    """(label, first day, last day, deadline) of each period of a periodic rule."""
    return sc.once(("periods", id(rule)), lambda: [(label, start, end, due_date(rule.due, end, sc.cal))
                                                   for _n, label, start, end in periods_of(rule.every, sc.year,
                                                                                           rule.periods)])


def misses(card: ScoreCard) -> frozenset[Miss]:
    """What a card's lines say was missed, as ``Obligation.miss`` keys."""
    return frozenset((ln.indicator or "", ln.kind or "", ln.period, ln.event) for ln in card.lines
                     if ln.kind in ("missing_obligation", "late"))


@finds("report")
def reports(sc: Scope, ind: Indicator, rule: Any, unit: str, facts: list[Fact]) -> Iterator[Obligation]:
    """Each period's report not submitted at all whose deadline is at most ``until``."""
    submitted = sc.once(("submitted", unit), lambda: _submitted(facts))
    name = sc.labels["reports"].get(rule.report, rule.report)
    for label, _start, _end, due in _deadlines(sc, rule):
        if due > sc.until or (rule.report, label) in submitted:
            continue
        amounts = tuple(value_at(a, due) for a in (rule.on_time, rule.missing, rule.late, rule.poor))
        done = (_hypothetical(unit, "report_submitted", due, {"report": rule.report, "period": label,
                                                               "quality": "ok"}, f"{ind.id}-{label}"),) \
            if any(amounts) else ()
        yield Obligation(unit, sc.track, ind.id, "report", f"报送{name} {label}", due, done,
                         miss=(ind.id, "missing_obligation", label, None),
                         alike=("report", ind.id, id(rule), amounts))


# --- supervised items ------------------------------------------------------------------------
@finds("supervised_items")
def supervised(sc: Scope, ind: Indicator, rule: Any, unit: str, facts: list[Fact]) -> Iterator[Obligation]:
    """Each item assigned in the year and not closed, whenever it falls due."""
    closed = {f.fields.get("item") for f in facts if f.type == "supervised_item_closed"}
    for f in facts:
        if f.type != "supervised_item_assigned" or f.date.year != sc.year:
            continue
        item, due = f.fields.get("item"), f.fields.get("due")
        if due is None or item in closed:
            continue
        priced = bool(value_at(rule.late, due))
        done = (_hypothetical(unit, "supervised_item_closed", due, {"item": item}, f.id),) if priced else ()
        what = f"督办事项 {item}：{f.note}" if f.note else f"督办事项 {item}"
        yield Obligation(unit, sc.track, ind.id, "supervised_item", what, due, done,
                         miss=(ind.id, "late", None, f.id),
                         event=f.id, counted_after=1,
                         alike=("supervised_item", ind.id, id(rule), value_at(rule.late, due)))


# --- quotas ----------------------------------------------------------------------------------
def _quota_target(rule: Any, facts: list[Fact]) -> Decimal | None:
    """The period's target count: a number, or chosen by the latest value of a metric (bands,
    else the default); None when it cannot be known."""
    target = rule.target
    if isinstance(target, Decimal):
        return target
    metrics = [f for f in facts if f.type == "metric" and f.fields.get("name") == target.metric]
    value = as_decimal(max(metrics, key=lambda f: (f.date, f.revision, f.id)).fields.get("value")) \
        if metrics else None
    if value is not None:
        for band in target.bands:
            if all(bound is None or test(value, bound) for bound, test in (
                    (band.at_least, lambda v, b: v >= b), (band.above, lambda v, b: v > b),
                    (band.at_most, lambda v, b: v <= b), (band.below, lambda v, b: v < b))):
                return band.value
    return target.default


def _matching(sc: Scope, rule: Any, facts: list[Fact]) -> list[Fact]:
    from .scoring.matching import Matcher

    matcher = sc.once(("matcher", id(rule)), lambda: Matcher(rule.event, rule.where, rule.contains))
    return [f for f in facts if f.type in matcher.types and f.date.year == sc.year and matcher.test(f)]


def _like(rule: Any, matched: list[Fact]) -> dict[str, Any] | None:
    """Fields of an event the quota counts: those of one the unit recorded, else the rule's
    conditions written as values (None when they name no plain value to write)."""
    if matched:
        return dict(matched[-1].fields)
    fields: dict[str, Any] = {}
    for key, cond in (rule.where or {}).items():
        if isinstance(cond, list) and cond:
            fields[key] = cond[0]
        elif isinstance(cond, dict):
            if "eq" in cond:
                fields[key] = cond["eq"]
            elif cond.get("in"):
                fields[key] = cond["in"][0]
            else:
                return None
        else:
            fields[key] = cond
    if rule.contains is not None:
        fields[rule.contains.fields[0]] = rule.contains.any[0]
    return fields


@finds("quota")
def quotas(sc: Scope, ind: Indicator, rule: Any, unit: str, facts: list[Fact]) -> Iterator[Obligation]:
    """The periods whose deadline falls from as-of through ``until`` with fewer matching events
    than the target (a past period's shortfall is no longer anything to do)."""
    soon = [p for p in _deadlines(sc, rule) if sc.as_of <= p[3] <= sc.until]
    if not soon:
        return
    matched = _matching(sc, rule, facts)
    target = _quota_target(rule, facts)
    if target is None:
        return
    for label, start, end, due in soon:
        count = sum(1 for f in matched if start <= f.date <= end)
        if count >= target:
            continue
        priced = any(value_at(a, due) for a in (rule.met, rule.per_extra, rule.short, rule.per_short))
        fields = _like(rule, matched) if priced else None
        day = max(start, min(end, due))
        types = rule.event if isinstance(rule.event, list) else [rule.event]
        done = tuple(_hypothetical(unit, types[0], day, fields, f"{ind.id}-{label}-{n}")
                     for n in range(math.ceil(target - count))) if fields is not None else ()
        yield Obligation(unit, sc.track, ind.id, "quota",
                         f"{ind.name} {label}：已有{count}件，应有{_number(target)}件", due, done,
                         miss=(ind.id, "missing_obligation", label, None))


def _number(d: Decimal) -> str:
    return str(int(d)) if d == d.to_integral_value() else format(d.normalize(), "f")


# --- 12345 tickets ---------------------------------------------------------------------------
def ticket_measures(rule: Any) -> list[Any]:
    """The rule's 12345 measures that a ticket fails by staying undone past a deadline."""
    found: list[Any] = []

    def visit(node: Any) -> None:
        if isinstance(node, BaseModel):
            if getattr(node, "hotline", None) in TICKET_DEADLINES:
                found.append(node)
            for name in type(node).model_fields:
                visit(getattr(node, name))
        elif isinstance(node, (list, tuple)):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for item in node.values():
                visit(item)

    visit(rule)
    return found


def _all_answered(facts: list[Fact], measures: tuple[Any, ...]) -> bool:
    """Every ticket has an ok reply, and no measure asks for a first response: nothing to do
    (read before working out the tickets' states, which most units need not)."""
    if any(TICKET_DEADLINES[m.hotline] == "response_due" for m in measures):
        return not any(f.type == "hotline_ticket" for f in facts)
    answered = {f.fields.get("ticket") for f in facts if f.type == "hotline_replied"
                and (f.fields.get("quality") or "ok") == "ok"}
    return all(f.fields.get("ticket") in answered for f in facts if f.type == "hotline_ticket")


def _ticket_states(sc: Scope, unit: str, facts: list[Fact], ret: int, ext: int) -> list[Any]:
    """The unit's tickets with their states at as-of, as the scoring engine derives them."""
    from .scoring.context import Ctx
    from .scoring.hotline import ticket_states
    from .scoring.index import UnitFacts

    return ticket_states(UnitFacts(facts, sc.as_of), Ctx(sc.as_of, sc.year, sc.cal, sc.policy.version), ret, ext)


def tickets(sc: Scope, ind: Indicator, rule: Any, measures: tuple[Any, ...], unit: str,
            facts: list[Fact]) -> Iterator[Obligation]:
    """The unit's tickets the indicator's ``measures`` read, still unanswered (no ok reply; for the
    first-response rate, no response), due by ``until``: one obligation for them all."""
    if _all_answered(facts, measures):
        return
    ret, ext = getattr(rule, "return_within_workdays", 2), getattr(rule, "max_extension_workdays", 3)
    states = sc.once(("tickets", unit, ret, ext), lambda: _ticket_states(sc, unit, facts, ret, ext))
    done: dict[str, tuple[dt.date, Fact]] = {}
    for ref in measures:
        keep = ref.matcher()
        reply = TICKET_DEADLINES[ref.hotline] == "due"
        for t in states:
            if t.returned_late or (keep is not None and not keep.test(t.fact)):
                continue
            ticket = t.fact.fields.get("ticket")
            if reply and not t.completed and t.due <= sc.until:
                done.setdefault(f"reply-{ticket}", (t.due, _hypothetical(
                    unit, "hotline_replied", t.due, {"ticket": ticket, "quality": "ok"}, ticket)))
            elif not reply and t.response_due is not None and t.responded is None and t.response_due <= sc.until:
                done.setdefault(f"respond-{ticket}", (t.response_due, _hypothetical(
                    unit, "hotline_responded", t.response_due, {"ticket": ticket}, ticket)))
    if not done:
        return
    dues = sorted(day for day, _f in done.values())
    replies = any(TICKET_DEADLINES[r.hotline] == "due" for r in measures)
    waiting = "12345工单待办结" if replies else "12345工单待首次反馈"
    yield Obligation(unit, sc.track, ind.id, "hotline", f"{waiting}：{len(dues)}件（最早{dues[0].isoformat()}到期）",
                     dues[0], tuple(f for _d, f in done.values()), variant=("tickets", unit, sc.track),
                     own_indicator=True, dues=tuple(dues))
