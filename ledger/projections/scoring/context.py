"""What every rule evaluator shares: the scoring context and how lines are written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ledger.events.fact import Fact

from .card import IndicatorScore, Line
from .index import UnitFacts

if TYPE_CHECKING:
    from ledger.policies.workdays import WorkCalendar

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


class Site(Protocol):
    """The indicator a rule sits on, as the evaluator sees it."""

    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def points(self) -> Decimal | None: ...


class Ctx:
    __slots__ = ("as_of", "year", "cal", "version", "ranks", "resolve", "explain")

    def __init__(self, as_of: dt.date, year: int, cal: WorkCalendar, version: int) -> None:
        self.as_of = as_of
        self.year = year
        self.cal = cal
        self.version = version
        self.explain = True
        """False when the cards' lines are dropped once scored (a score table, a series): a rule
        may then leave out its 0-point lines and the event ids behind a line — never a line
        that moves points, whose deltas make the indicator's total."""
        self.ranks: dict[int, dict[str, tuple[int, Any, int]]] = {}
        self.resolve: Callable[[str, UnitFacts], IndicatorScore] | None = None
        """Another indicator's score for the unit (formulas over indicators; set by the engine)."""


def event_line(node: Site, f: Fact, delta: Decimal, rule: str, ctx: Ctx, kind: str | None = None,
               detail: str | None = None, period: str | None = None) -> Line:
    """A line that comes from one event."""
    return Line(node.id, delta, kind, f.id, f.type, f.date, rule, f.source, ctx.version,
                f.corrections, detail, (), period)


def aggregate_line(node: Site, delta: Decimal, kind: str, rule: str, ctx: Ctx, detail: str | None = None,
                   events: tuple[str, ...] = (), date: dt.date | None = None,
                   period: str | None = None) -> Line:
    """A line with no single event (an average, a quota, a cap …); ``events`` are behind it."""
    return Line(node.id, delta, kind, None, None, date, rule, None, ctx.version, (), detail,
                events, period)


def cite_corrections(lines: list[Line], uf: UnitFacts) -> None:
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


def dated_detail(amount: Decimal, detail: str | None) -> str | None:
    """A line's detail naming the date a dated per-event amount applies from ("自2021-07-01起
    每件次扣3分"); ``detail`` unchanged for a plain amount."""
    from ledger.policies.vocabulary import since_of

    since = since_of(amount)
    if since is None:
        return detail
    from .card import Detail

    template = "from {since}: minus {points} per event" if amount < 0 else "from {since}: plus {points} per event"
    said = Detail(template, since=since.isoformat(), points=fmt(abs(amount)))
    if detail:
        return Detail("{dated}; {detail}", dated=said, detail=detail)
    return said


def as_of_note(detail: str | None, template: str, amount: Decimal | None, **values: object) -> str | None:
    """``detail`` naming the dated value in force at as-of that the line used (a cap, a band, a
    target, a formula constant …) and the date it applies from: ``template`` is the note, e.g.
    ``"cap {amount} from {since}"`` ("封顶值自2021-07-01起为5"); ``detail`` unchanged when
    ``amount`` is not a value that changes within the version (published bytes stay as they
    were). Pass the value as the policy gives it (before ``abs``/rounding: those drop its date)."""
    from ledger.policies.vocabulary import since_of

    since = since_of(amount)
    if since is None or amount is None:
        return detail
    from .card import Detail

    note = Detail(template, amount=fmt(amount), since=since.isoformat(), **values)
    return Detail("{detail}; {dated}", detail=detail, dated=note) if detail else note


def as_of_notes(detail: str | None, *used: tuple[str, Decimal | None]) -> str | None:
    """``as_of_note`` for each (template, amount) in turn."""
    for template, amount in used:
        detail = as_of_note(detail, template, amount)
    return detail


def fmt(d: Decimal) -> str:
    """A short human rendering of a decimal for explanation details."""
    if d == d.to_integral_value():
        return str(int(d))
    t = d.normalize()
    if -int(t.as_tuple().exponent) > 4:
        t = d.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    return format(t, "f")
