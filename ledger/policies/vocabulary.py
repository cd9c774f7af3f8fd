"""The words policy rules are built from: amounts, identifiers, event conditions, bands,
deadlines and periods (validated with pydantic at load time only).

Rule kinds (``ledger.projections.scoring.rules``) and the policy tree (``model``) both build on
these; this module imports neither, so rule kinds can register themselves without a cycle.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WrapValidator, model_validator

from ..i18n import Msg


def as_decimal(v: Any) -> Decimal | None:
    """``v`` as a Decimal when it is a number — a Decimal, an int (not a bool), a float (by
    its repr: 0.1 → Decimal("0.1")) or a string ``Decimal()`` reads — else None. The scoring
    engine reads numbers with it (fact fields, in its hot path: keep it lean); ``to_decimal``
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


def to_decimal(v: Any) -> Any:
    """A policy amount: a number, or an exact fraction written ``"10/12"``."""
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
            raise ValueError(Msg("a number such as 2, -0.5 or 10/12, not {v!r}", v=v)) from None
    d = as_decimal(v)
    if d is None:
        raise ValueError(Msg("a number such as 2, -0.5 or 10/12, not {v!r}", v=v))
    return d


class Dated(Decimal):
    """An amount with the dates it applies from (OpenFisca's parameters): written
    ``{2021-01-01: -2, 2021-07-01: -3}``. It is a Decimal — the value in force at as-of once
    the policy is scored (``at``), before that the latest value — and carries its ``schedule``
    ((from, value) in date order) and ``since``: the date the value it stands for applies from
    (None when not resolved). The earliest value applies also before its date."""

    schedule: tuple[tuple[dt.date, Decimal], ...]
    since: dt.date | None

    def __new__(cls, schedule: tuple[tuple[dt.date, Decimal], ...], since: dt.date | None = None) -> Dated:
        value = schedule[-1][1]
        if since is not None:
            value = next(v for d, v in schedule if d == since)
        obj = super().__new__(cls, value)
        obj.schedule, obj.since = schedule, since
        return obj

    def at(self, day: dt.date) -> Dated:
        """The value in force on ``day`` (carrying the schedule and the date it applies from)."""
        since = self.schedule[0][0]
        for start, _value in self.schedule:
            if start <= day:
                since = start
        return Dated(self.schedule, since)

    def __reduce__(self) -> Any:
        return (Dated, (self.schedule, self.since))

    def __copy__(self) -> Dated:
        return self

    def __deepcopy__(self, memo: Any) -> Dated:
        return self

    def __repr__(self) -> str:
        return f"Dated({{{', '.join(f'{d}: {v}' for d, v in self.schedule)}}})"


def dated_from(v: dict[Any, Any]) -> Dated:
    """``{YYYY-MM-DD: amount, …}`` → a Dated amount."""
    if not v:
        raise ValueError("dated values: at least one {YYYY-MM-DD: amount}")
    entries = []
    for key, value in v.items():
        day = key if isinstance(key, dt.date) and not isinstance(key, dt.datetime) else None
        if day is None and isinstance(key, str):
            try:
                day = dt.date.fromisoformat(key.strip())
            except ValueError:
                day = None
        if day is None:
            raise ValueError(Msg("dated values are {{YYYY-MM-DD: amount, …}}; {key!r} is not a date", key=key))
        entries.append((day, to_decimal(value)))
    entries.sort(key=lambda e: e[0])
    return Dated(tuple(entries))


def _amount(v: Any, handler: Any) -> Any:
    if isinstance(v, Dated):
        return v
    if isinstance(v, dict):
        return dated_from(v)
    return handler(to_decimal(v))


def value_at(amount: Decimal, day: dt.date) -> Decimal:
    """``amount`` as in force on ``day`` (a plain amount is the same on every day)."""
    return amount.at(day) if isinstance(amount, Dated) else amount


def since_of(amount: Any) -> dt.date | None:
    """The date a resolved dated amount applies from (None for a plain amount), for what a
    person reads: when the value changed within the version."""
    if isinstance(amount, Dated) and len(amount.schedule) > 1:
        return amount.since
    return None


def has_dated(node: Any) -> bool:
    """Whether a piece of a policy holds any dated value."""
    if isinstance(node, Dated):
        return True
    if isinstance(node, BaseModel):
        return any(has_dated(getattr(node, name)) for name in type(node).model_fields)
    if isinstance(node, (list, tuple)):
        return any(has_dated(item) for item in node)
    if isinstance(node, dict):
        return any(has_dated(item) for item in node.values())
    return False


def dated_values(node: Any, path: str = "", skip: tuple[str, ...] = ()) -> list[tuple[str, Dated]]:
    """Every dated value in a piece of a policy with its path inside it (``rule.cases[1].amount``),
    in document order; fields named in ``skip`` (a track's ``indicators``, an indicator's
    ``children``) are left out, so that each value is listed once, under its own node."""
    out: list[tuple[str, Dated]] = []
    if isinstance(node, Dated):
        out.append((path, node))
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name not in skip:
                out.extend(dated_values(getattr(node, name), f"{path}.{name}" if path else name))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            out.extend(dated_values(item, f"{path}[{i}]"))
    elif isinstance(node, dict):
        for key, item in node.items():
            out.extend(dated_values(item, f"{path}.{key}" if path else str(key)))
    return out


def resolved_at(node: Any, day: dt.date) -> Any:
    """A copy of a piece of a policy with every dated value resolved at ``day`` (still Dated,
    carrying its schedule, so a per-event amount can be priced at the event's own date)."""
    if isinstance(node, Dated):
        return node.at(day)
    if isinstance(node, BaseModel):
        update = {}
        for name in type(node).model_fields:
            value = getattr(node, name)
            if has_dated(value):
                update[name] = resolved_at(value, day)
        return node.model_copy(update=update) if update else node
    if isinstance(node, list):
        return [resolved_at(item, day) for item in node]
    if isinstance(node, tuple):
        return tuple(resolved_at(item, day) for item in node)
    if isinstance(node, dict):
        return {k: resolved_at(item, day) for k, item in node.items()}
    return node


Amount = Annotated[Decimal, WrapValidator(_amount)]
"""A decimal amount: ``2``, ``-0.5``, an exact fraction ``"10/12"``, or dated values
``{2021-01-01: -2, 2021-07-01: -3}`` (``Dated``: each value from its date on)."""

_ID = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
Ident = Annotated[str, Field(pattern=_ID, max_length=128)]


def _one_or_many(v: Any) -> Any:
    if isinstance(v, str):
        return [v]
    return v


EventTypes = Annotated[list[Ident], BeforeValidator(_one_or_many), Field(min_length=1)]


class Spec(BaseModel):
    """A piece of a policy document: unknown keys are errors, and loaded policies are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reads: ClassVar[frozenset[str]] = frozenset()
    """Fact types this piece makes scoring read besides the event types it names (the fact
    view reads only what a track's pieces can use)."""



# ---------------------------------------------------------------- conditions on events

CondOps = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "contains_any"]


def _check_where(v: Any) -> Any:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ValueError("a mapping of field: value, field: [values] or field: {op: value}")
    for field, cond in v.items():
        if not isinstance(field, str):
            raise ValueError(Msg("field names must be text, not {field!r}", field=field))
        if isinstance(cond, dict):
            if not cond:
                raise ValueError(Msg("{field}: an operator such as {{gte: 30}}", field=field))
            for op, val in cond.items():
                if op not in CondOps.__args__:  # type: ignore[attr-defined]
                    raise ValueError(Msg("{field}: unknown operator {op!r}; expected one of {ops}", field=field, op=op,
                                         ops=", ".join(CondOps.__args__)))  # type: ignore[attr-defined]
                if op in ("in", "not_in", "contains_any") and not isinstance(val, list):
                    raise ValueError(Msg("{field}.{op}: a list", field=field, op=op))
                if op in ("gt", "gte", "lt", "lte"):
                    to_decimal(val)
                if op == "exists" and not isinstance(val, bool):
                    raise ValueError(Msg("{field}.exists: true or false", field=field))
    return v


Where = Annotated[dict[str, Any], BeforeValidator(_check_where)]


class Contains(Spec):
    """Keyword filter: any of ``any`` occurs in any of the text ``fields``."""

    fields: list[Ident] = Field(min_length=1)
    any: list[str] = Field(min_length=1)


class Match(Spec):
    """Which events: their type(s), field conditions and an optional keyword filter."""

    event: EventTypes
    where: Where = Field(default_factory=dict)
    contains: Contains | None = None


class Condition(Match):
    """A veto/downgrade/zeroing condition: at least ``min_count`` matching events."""

    min_count: int = Field(default=1, ge=1)
    reason: str | None = None


class TotalBelow(Spec):
    total_below: Amount
    reason: str | None = None




class RuleSpec(Spec):
    """The policy model of a rule kind; each kind narrows ``kind`` to ``Literal["<name>"]``."""

    rule_text: str | None = None
    """The specific scoring sentence shown on lines (default: the indicator's clause)."""
    kind: str

    def check_indicator(self, indicator: Any) -> None:
        """Raise ValueError when the indicator this rule sits on cannot be scored by it."""

    def indicator_refs(self) -> set[str]:
        """Ids of the other indicators (same track) whose points this rule reads."""
        return set()


# ---------------------------------------------------------------- pieces several rule kinds use


class Band(Spec):
    at_least: Amount | None = None
    above: Amount | None = None
    at_most: Amount | None = None
    below: Amount | None = None
    value: Amount | None = None
    amount: Amount | None = None


def check_bands(bands: list[Band], what: str) -> None:
    for i, b in enumerate(bands):
        if b.amount is None or b.value is not None:
            raise ValueError(Msg("bands[{i}]: {what} bands give `amount`, not `value`", i=i, what=what))


class MetricRef(Spec):
    metric: Ident
    reads: ClassVar[frozenset[str]] = frozenset({"metric"})


class Due(Spec):
    rule: Literal["end_of_period", "day_of_month", "day_of_next_month", "workday_of_next_period"]
    day: int | None = Field(default=None, ge=1, le=31)
    n: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _shape(self) -> Due:
        if self.rule in ("day_of_month", "day_of_next_month") and self.day is None:
            raise ValueError(Msg("{rule} needs `day`", rule=self.rule))
        if self.rule == "workday_of_next_period" and self.n is None:
            raise ValueError("workday_of_next_period needs `n` (the Nth working day)")
        if self.rule == "end_of_period" and (self.day or self.n):
            raise ValueError("end_of_period takes no day/n")
        return self


Every = Literal["month", "quarter", "year"]


def check_periods(every: str, periods: list[int] | None) -> None:
    if periods is None:
        return
    top = {"month": 12, "quarter": 4, "year": 1}[every]
    bad = [p for p in periods if not 1 <= p <= top]
    if bad:
        raise ValueError(Msg("periods for every {every} are numbers 1..{top}, not {bad}",
                             every=every, top=top, bad=bad))
    if len(set(periods)) != len(periods):
        raise ValueError("periods listed twice")


# ---------------------------------------------------------------- 12345 hotline measures

HotlineName = Literal["completion", "on_time", "satisfaction", "first_response", "valid_callback",
                      "valid_satisfaction", "dissatisfied", "valid_dissatisfied", "overdue", "received"]
"""The 12345 hotline measures (``ledger.projections.scoring.hotline.MEASURES``)."""

HOTLINE_COLUMNS: dict[str, tuple[str, str]] = {
    "转办数量": ("received", "count"), "办结数": ("completion", "count"), "办结率": ("completion", "rate"),
    "按期回复数": ("on_time", "count"), "按期回复率": ("on_time", "rate"), "逾期数": ("overdue", "count"),
    "逾期率": ("overdue", "rate"), "按时反馈数": ("first_response", "count"),
    "按时反馈率": ("first_response", "rate"), "有效回访数": ("valid_callback", "count"),
    "有效回访率": ("valid_callback", "rate"), "满意数": ("satisfaction", "count"),
    "满意率": ("satisfaction", "rate"), "不满意数": ("dissatisfied", "count"),
    "不满意率": ("dissatisfied", "rate"),
}
"""The hotline bulletin's columns by the words 12345 bulletins print: measure and value (the
count of tickets that meet it, or its rate over its base). 满意率 and 不满意率 are over the
counted tickets; a column over the valid callbacks names its measure
(``{name: 满意率, hotline: valid_satisfaction}``)."""


# ---------------------------------------------------------------- precision and windows

RoundingMode = Literal["half_up", "half_even", "half_down", "down", "up", "floor", "ceiling"]


class Precision(Spec):
    """How many decimal places and which rounding (policy, track or indicator; default half-up
    to 2 places per indicator)."""

    places: int = Field(ge=0, le=6)
    mode: RoundingMode = "half_up"


_WINDOW_PERIOD = r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?"
_WINDOW = rf"^(month|quarter|year|{_WINDOW_PERIOD}(/{_WINDOW_PERIOD})?)$"


def _check_window(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str):
        raise ValueError("month, quarter, year, a period (2023-03, 2023-Q1) or a range (2023-01/2023-04)")
    if not re.match(_WINDOW, v):
        raise ValueError(Msg("month, quarter, year, a period (2023-03, 2023-Q1) or a range (2023-01/2023-04), not"
                             " {v!r}",
                             v=v))
    if "/" in v:
        a, b = v.split("/", 1)
        if a[:4] != b[:4] or len(a) != len(b) or a > b:
            raise ValueError(Msg("a range within one year, first period first (2023-01/2023-04), not {v!r}", v=v))
    return v


Window = Annotated[str, BeforeValidator(_check_window)]
"""Which days a measure looks at, as of the scoring date D: ``month`` (D's month up to D),
``quarter`` (D's quarter up to D), ``year`` (the year to date, the default), or a period or range
of periods (its days, as of its end or D, whichever is earlier)."""
