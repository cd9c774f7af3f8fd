"""The policy document schema (validated with pydantic at load time only).

Scoring never touches these models in its hot path: ``ledger.projections.scoring`` compiles a
loaded policy once into plain objects. See docs/policies.md for the format.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator


def as_decimal(v: Any) -> Decimal | None:
    """``v`` as a Decimal when it is a number — a Decimal, an int (not a bool), a float (by
    its repr: 0.1 → Decimal("0.1")) or a string ``Decimal()`` reads — else None. The scoring
    engine reads numbers with it (fact fields, in its hot path: keep it lean); ``_to_decimal``
    below uses it for policy amounts that are not strings."""
    if isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        try:
            return Decimal(v)
        except Exception:
            return None
    return None


def _to_decimal(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("a number, not true/false")
    if isinstance(v, str):
        s = v.strip()
        try:
            if "/" in s:
                a, b = s.split("/", 1)
                den = Decimal(b.strip())
                if den == 0:
                    raise ValueError("a fraction with a non-zero denominator")
                return Decimal(a.strip()) / den
            return Decimal(s)
        except (InvalidOperation, ValueError):
            raise ValueError(f"a number such as 2, -0.5 or 10/12, not {v!r}") from None
    d = as_decimal(v)
    if d is None:
        raise ValueError(f"a number such as 2, -0.5 or 10/12, not {v!r}")
    return d


Amount = Annotated[Decimal, BeforeValidator(_to_decimal)]
"""A decimal amount: ``2``, ``-0.5`` or an exact fraction ``"10/12"``."""

_ID = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
Ident = Annotated[str, Field(pattern=_ID, max_length=128)]


def _one_or_many(v: Any) -> Any:
    if isinstance(v, str):
        return [v]
    return v


EventTypes = Annotated[list[Ident], BeforeValidator(_one_or_many), Field(min_length=1)]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- conditions on events

CondOps = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "contains_any"]


def _check_where(v: Any) -> Any:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ValueError("a mapping of field: value, field: [values] or field: {op: value}")
    for field, cond in v.items():
        if not isinstance(field, str):
            raise ValueError(f"field names must be text, not {field!r}")
        if isinstance(cond, dict):
            if not cond:
                raise ValueError(f"{field}: an operator such as {{gte: 30}}")
            for op, val in cond.items():
                if op not in CondOps.__args__:  # type: ignore[attr-defined]
                    raise ValueError(
                        f"{field}: unknown operator {op!r}; expected one of "
                        + ", ".join(CondOps.__args__)  # type: ignore[attr-defined]
                    )
                if op in ("in", "not_in", "contains_any") and not isinstance(val, list):
                    raise ValueError(f"{field}.{op}: a list")
                if op in ("gt", "gte", "lt", "lte"):
                    _to_decimal(val)
                if op == "exists" and not isinstance(val, bool):
                    raise ValueError(f"{field}.exists: true or false")
    return v


Where = Annotated[dict[str, Any], BeforeValidator(_check_where)]


class Contains(_M):
    """Keyword filter: any of ``any`` occurs in any of the text ``fields``."""

    fields: list[Ident] = Field(min_length=1)
    any: list[str] = Field(min_length=1)


class Match(_M):
    """Which events: their type(s), field conditions and an optional keyword filter."""

    event: EventTypes
    where: Where = Field(default_factory=dict)
    contains: Contains | None = None


class Condition(Match):
    """A veto/downgrade/zeroing condition: at least ``min_count`` matching events."""

    min_count: int = Field(default=1, ge=1)
    reason: str | None = None


class TotalBelow(_M):
    total_below: Amount
    reason: str | None = None


# ---------------------------------------------------------------- rule kinds


class _Rule(_M):
    rule_text: str | None = None
    """The specific scoring sentence shown on lines (default: the indicator's clause)."""


class Case(_M):
    event: EventTypes | None = None
    where: Where = Field(default_factory=dict)
    contains: Contains | None = None
    amount: Amount
    cap: Amount | None = None
    """Sub-cap on the sum of this case's amounts (by absolute value)."""
    max_events: int | None = Field(default=None, ge=1)
    rule_text: str | None = None


class Tier(_M):
    upto: int | None = Field(default=None, ge=1)
    amount: Amount


class Excess(_M):
    """``max(0, event[excess_of] − event[over])`` as a multiplier, e.g. the places an
    indicator's rank falls below the overall rank (每低于总体排序一名)."""

    excess_of: Ident
    over: Ident


class PerEvent(_Rule):
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
                raise ValueError(f"caps for values without an amount: {sorted(extra)}")
        if self.event is None and self.cases is None:
            raise ValueError("`event`: the event type(s) this rule counts")
        if self.cases is not None:
            for i, c in enumerate(self.cases):
                if c.event is None and self.event is None:
                    raise ValueError(f"cases[{i}] needs `event` (or give `event` on the rule)")
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


class Requirement(_Rule):
    kind: Literal["requirement"]
    item: str | None = None
    """The finding's ``item`` (default: the indicator id)."""
    results: dict[str, Amount] = Field(min_length=1)
    """Latest finding's result → delta; other results score 0."""


class Checklist(_Rule):
    kind: Literal["checklist"]
    items: dict[str, Amount] = Field(min_length=1)
    earn_on: list[str] = Field(default_factory=lambda: ["met"])
    deduct_on: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Checklist:
        if not self.earn_on and not self.deduct_on:
            raise ValueError("earn_on or deduct_on must name at least one result")
        both = set(self.earn_on) & set(self.deduct_on)
        if both:
            raise ValueError(f"results both earning and deducting: {sorted(both)}")
        return self


class Due(_M):
    rule: Literal["end_of_period", "day_of_month", "day_of_next_month", "workday_of_next_period"]
    day: int | None = Field(default=None, ge=1, le=31)
    n: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _shape(self) -> Due:
        if self.rule in ("day_of_month", "day_of_next_month") and self.day is None:
            raise ValueError(f"{self.rule} needs `day`")
        if self.rule == "workday_of_next_period" and self.n is None:
            raise ValueError("workday_of_next_period needs `n` (the Nth working day)")
        if self.rule == "end_of_period" and (self.day or self.n):
            raise ValueError("end_of_period takes no day/n")
        return self


Every = Literal["month", "quarter", "year"]


def _check_periods(every: str, periods: list[int] | None) -> None:
    if periods is None:
        return
    top = {"month": 12, "quarter": 4, "year": 1}[every]
    bad = [p for p in periods if not 1 <= p <= top]
    if bad:
        raise ValueError(f"periods for every {every} are numbers 1..{top}, not {bad}")
    if len(set(periods)) != len(periods):
        raise ValueError("periods listed twice")


class Report(_Rule):
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
        _check_periods(self.every, self.periods)
        return self


class Band(_M):
    at_least: Amount | None = None
    above: Amount | None = None
    at_most: Amount | None = None
    below: Amount | None = None
    value: Amount | None = None
    amount: Amount | None = None


class MetricTarget(_M):
    metric: Ident
    bands: list[Band] = Field(min_length=1)
    default: Amount | None = None

    @model_validator(mode="after")
    def _shape(self) -> MetricTarget:
        for b in self.bands:
            if b.value is None or b.amount is not None:
                raise ValueError("target bands give `value` (the target), not `amount`")
        return self


class Quota(_Rule):
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
        _check_periods(self.every, self.periods)
        return self


def _check_bands(bands: list[Band], what: str) -> None:
    for i, b in enumerate(bands):
        if b.amount is None or b.value is not None:
            raise ValueError(f"bands[{i}]: {what} bands give `amount`, not `value`")


class MetricBands(_Rule):
    kind: Literal["metric_bands"]
    metric: Ident
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> MetricBands:
        _check_bands(self.bands, "metric")
        return self


class MetricRef(_M):
    metric: Ident


class HotlineRef(_M):
    hotline: Literal["completion", "on_time", "satisfaction"]


class Rate(_Rule):
    kind: Literal["rate"]
    of: MetricRef | HotlineRef
    full_at: Amount = Decimal(100)
    per_point: Amount
    zero_below: Amount | None = None
    points: Amount | None = None
    return_within_workdays: int = Field(default=2, ge=0)
    max_extension_workdays: int = Field(default=3, ge=0)


class Ratio(_Rule):
    kind: Literal["ratio"]
    numerator: MetricRef
    denominator: Amount | MetricRef
    factor: Amount = Decimal(1)
    cap: Amount | None = None


class CountOf(_M):
    count: Match


class LinearPlaces(_M):
    first: Amount
    step: Amount
    min: Amount = Decimal(0)


class Rank(_Rule):
    kind: Literal["rank"]
    by: MetricRef | CountOf
    order: Literal["desc", "asc"] = "desc"
    places: list[Amount] | None = None
    linear: LinearPlaces | None = None
    skip_zero: bool = True

    @model_validator(mode="after")
    def _shape(self) -> Rank:
        if (self.places is None) == (self.linear is None):
            raise ValueError("exactly one of places (a table) or linear")
        return self


class Panel(_Rule):
    kind: Literal["panel"]
    panel: Ident
    max_score: Amount | None = None


class SupervisedItems(_Rule):
    kind: Literal["supervised_items"]
    late: Amount = Decimal(0)
    findings: dict[str, Amount] = Field(default_factory=dict)


class Manual(_Rule):
    kind: Literal["manual"]
    note: str | None = None


Rule = Annotated[
    PerEvent | Requirement | Checklist | Report | Quota | MetricBands | Rate | Ratio | Rank | Panel | SupervisedItems | Manual,
    Field(discriminator="kind"),
]
RULE_KINDS = ("per_event", "requirement", "checklist", "report", "quota", "metric_bands",
              "rate", "ratio", "rank", "panel", "supervised_items", "manual")


# ---------------------------------------------------------------- tree


class Indicator(_M):
    id: Ident
    name: str
    points: Amount | None = None
    mode: Literal["bonus", "deduction"] = "bonus"
    clause: str | None = None
    method: str | None = None
    data_source: str | None = None
    divisions: list[str] = Field(default_factory=list)
    reading: str | None = None
    floor: Amount | None = None
    cap: Amount | None = None
    zero_when: list[Condition] = Field(default_factory=list)
    rule: Rule | None = None
    rules: list[Rule] | None = None
    children: list[Indicator] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Indicator:
        have = [self.rule is not None, self.rules is not None, self.children is not None]
        if sum(have) != 1:
            raise ValueError("exactly one of rule, rules or children")
        if self.rules is not None and not self.rules:
            raise ValueError("rules: at least one rule")
        if self.children is not None and not self.children:
            raise ValueError("children: at least one indicator")
        if self.mode == "deduction" and self.points is None:
            raise ValueError("mode deduction starts at `points`: give points")
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError("floor above cap")
        for r in self.rules or ([self.rule] if self.rule else []):
            if isinstance(r, Rate) and self.mode != "deduction":
                raise ValueError("a rate rule deducts from the indicator's points: mode deduction")
            if isinstance(r, Rate) and r.points is None and self.points is None:
                raise ValueError("a rate rule needs points (on the rule or the indicator)")
        return self


class Grade(_M):
    min: Amount | None = None
    grade: str


class Veto(_M):
    grade: str | None = None
    when: list[Condition] = Field(min_length=1)


class Downgrade(_M):
    when: list[Condition | TotalBelow] = Field(min_length=1)


class Track(_M):
    id: Ident
    name: str
    group: Ident
    max: Amount | None = None
    cap: Amount | None = None
    floor: Amount | None = None
    grades: list[Grade] | None = None
    veto: Veto | None = None
    downgrade: Downgrade | None = None
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> Track:
        if self.grades:
            mins = [g.min for g in self.grades]
            for i, m in enumerate(mins[:-1]):
                if m is None:
                    raise ValueError(f"grades[{i}]: only the last grade may omit `min`")
            given = [m for m in mins if m is not None]
            if given != sorted(given, reverse=True):
                raise ValueError("grades: list from the highest `min` down")
        seen: set[str] = set()

        def walk(inds: list[Indicator], path: str) -> None:
            for i, ind in enumerate(inds):
                if ind.id in seen:
                    raise ValueError(f"{path}[{i}]: indicator id {ind.id!r} used twice in the track")
                seen.add(ind.id)
                if ind.children:
                    walk(ind.children, f"{path}[{i}].children")

        walk(self.indicators, "indicators")
        return self


class Source(_M):
    title: str
    doc_number: str | None = None
    url: str | None = None
    ref: str | None = None


class CalendarSection(_M):
    years: list[int] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)
    holidays: list[dt.date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> CalendarSection:
        both = set(self.workdays) & set(self.holidays)
        if both:
            raise ValueError(f"days both workday and holiday: {sorted(d.isoformat() for d in both)}")
        return self


Scalar = Union[bool, int, float, str, dt.date]


class BulletinColumn(Match):
    """A ✓/✗ column: ✓ when the unit has a matching event dated in the month, or (with
    ``report``) has submitted that report for the month's period by the bulletin date."""

    name: str
    event: EventTypes | None = None  # type: ignore[assignment]
    report: Ident | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BulletinColumn:
        if (self.report is None) == (self.event is None):
            raise ValueError("a bulletin column names either `event` or `report`")
        return self


class Bulletin(_M):
    """A monthly bulletin table (月通报) of one track. ``checks``: a ✓/✗ table; ``hotline``:
    received, completed, completion rate, overdue, overdue rate, satisfied, satisfaction rate
    of the 12345 tickets received in the month. Tracks without a bulletin get the monthly
    score-and-rank table."""

    track: Ident
    title: str
    kind: Literal["checks", "hotline"]
    columns: list[BulletinColumn] = Field(default_factory=list)
    return_within_workdays: int = 2
    max_extension_workdays: int = 3


class Policy(_M):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._\-]*$", max_length=64)]
    version: int = Field(ge=1)
    year: int = Field(ge=2000, le=2100)
    title: str
    sources: list[Source] = Field(default_factory=list)
    effective_from: dt.date | None = None
    change_note: str | None = None
    settings: dict[str, Scalar] = Field(default_factory=dict)
    calendar: CalendarSection = CalendarSection()
    tracks: list[Track] = Field(min_length=1)
    bulletins: list[Bulletin] = Field(default_factory=list)

    _origin: str = PrivateAttr(default="<text>")
    _content_hash: str = PrivateAttr(default="")
    _compiled: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _shape(self) -> Policy:
        ids = [t.id for t in self.tracks]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"track ids used twice: {sorted(dup)}")
        for b in self.bulletins:
            if b.track not in ids:
                raise ValueError(f"bulletin '{b.title}' names track {b.track!r}; tracks: {', '.join(ids)}")
        if self.version > 1 and self.change_note is None:
            pass  # an amendment should say what changed, but it is not required
        return self

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def content_hash(self) -> str:
        return self._content_hash

    @property
    def ref(self) -> str:
        """``id@version``"""
        return f"{self.id}@{self.version}"

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(f"policy {self.ref} has no track {track_id!r}; "
                       f"tracks: {', '.join(t.id for t in self.tracks)}")

    def work_calendar(self):
        from .workdays import WorkCalendar

        cal = self._compiled.get("__calendar__")
        if cal is None:
            cal = WorkCalendar(self.calendar.workdays, self.calendar.holidays, self.calendar.years)
            self._compiled["__calendar__"] = cal
        return cal


Indicator.model_rebuild()
