"""Score cards and explanation lines (plain objects; JSON-ready via to_row/explanation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

from ...i18n import Msg

CENT = Decimal("0.01")


def q(x: Decimal) -> Decimal:
    """Half-up to 2 places (75/80×30 → 28.13)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


class Detail(Msg):
    """A line's detail as the engine words it: the English text (what JSON and every
    stored result carry, unchanged), which also keeps its message template and values so
    that a human format can say it in another language (``ledger.reports.words``). A rule
    writes ``Detail("{report} {period} submitted by {due}", report=..., period=..., due=...)``
    where it used to write the f-string; values named ``report``, ``item``, ``result``,
    ``metric``, ``panel`` are policy words (labelled), ``type``/``field``/``value`` (also with a
    suffix: ``field_2``, ``value_2``) event types, fields and a field's values (named by the
    event catalogue); a value that is a ``Detail`` is said in turn; other values are shown as
    they are."""


MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "half_down": ROUND_HALF_DOWN,
         "down": ROUND_DOWN, "up": ROUND_UP, "floor": ROUND_FLOOR, "ceiling": ROUND_CEILING}
MODE_TEXT = {"half_up": "half-up", "half_even": "half-even", "half_down": "half-down", "down": "down (toward 0)",
             "up": "up (away from 0)", "floor": "floor", "ceiling": "ceiling"}


class Rounding:
    """A declared precision: ``places`` and ``mode`` (policy, track or indicator)."""

    __slots__ = ("exp", "mode", "text")

    def __init__(self, places: int, mode: str) -> None:
        self.exp = Decimal(1).scaleb(-places)
        self.mode = MODES[mode]
        self.text = Detail(MODE_TEXT[mode] + " to {places} place" + ("" if places == 1 else "s"), places=places)

    def __call__(self, x: Decimal) -> Decimal:
        return x.quantize(self.exp, rounding=self.mode)


@dataclass(slots=True)
class Line:
    """One explanation line: a gain or loss of points on one indicator.

    Lines that come from one event carry ``event`` (its id), ``event_type``, ``date`` and
    ``source``; ``kind`` is then usually None (or a qualifier such as ``late``/``poor``).
    Lines with no single event have ``event=None`` and a ``kind``: ``base``, ``cap``,
    ``floor``, ``zeroed``, ``rounding``, ``missing_obligation``, ``quota``, ``average``,
    ``rank``, ``ratio``, ``rate``, ``veto``, ``downgrade``, ``missing_data``, ``unscored``,
    ``formula_term`` (a formula's measure, delta 0), ``formula`` (its result), ``value`` (the
    result of an indicator that reports a value, delta 0);
    ``events`` then lists the ids of the events behind the line, if any.
    ``indicator`` is None for track-level lines (track cap/floor, veto, downgrade).
    """

    indicator: str | None
    delta: Decimal
    kind: str | None = None
    event: str | None = None
    event_type: str | None = None
    date: dt.date | None = None
    rule: str | None = None
    source: str | None = None
    policy_version: int = 0
    corrections: tuple[str, ...] = ()
    detail: str | None = None
    events: tuple[str, ...] = ()
    period: str | None = None

    def to_dict(self) -> dict:
        d: dict = {"indicator": self.indicator, "delta": self.delta, "event": self.event}
        if self.event is not None:
            d["event_type"] = self.event_type
            d["date"] = self.date.isoformat() if self.date else None
            d["rule"] = self.rule
            d["source"] = self.source
            if self.kind is not None:
                d["kind"] = self.kind
        else:
            d["kind"] = self.kind
            d["rule"] = self.rule
            if self.date is not None:
                d["date"] = self.date.isoformat()
        if self.period is not None:
            d["period"] = self.period
        if self.detail is not None:
            d["detail"] = self.detail
        if self.events:
            d["events"] = list(self.events)
        if self.corrections:
            d["corrections"] = list(self.corrections)
        d["policy_version"] = self.policy_version
        return d


@dataclass(slots=True)
class IndicatorScore:
    id: str
    name: str
    points: Decimal
    max: Decimal | None = None
    divisions: tuple[str, ...] = ()
    children: list[IndicatorScore] = field(default_factory=list)
    reports: bool = False
    """The indicator reports a value (a rate, a count) instead of points; ``points`` is then 0
    in sums and null in JSON."""
    value: Decimal | None = None
    value_unit: str | None = None
    value_rank: int | None = None
    """Place among the track's units by ``value`` in the declared ``rank_order`` (human formats)."""
    places: int | None = None
    """The decimal places the policy declares for it (``precision``), so that a person is shown
    99.0 where it publishes 99.0; None: the default (shown without trailing zeros)."""

    def to_dict(self) -> dict:
        if self.reports:
            d: dict = {"id": self.id, "name": self.name, "points": None, "value": self.value,
                       "value_unit": self.value_unit}
        else:
            d = {"id": self.id, "name": self.name, "points": self.points}
        if self.max is not None:
            d["max"] = self.max
        if self.divisions:
            d["divisions"] = list(self.divisions)
        if self.children:
            d["children"] = [c.to_dict() for c in self.children]
        return d

    def shown(self) -> Decimal | str | None:
        """What a table shows: the points, or the value with its unit and place ("9%（第2）")."""
        if not self.reports:
            return self.points
        if self.value is None:
            return "-"
        text = format(self.value.normalize() if self.value == self.value.to_integral_value() else self.value, "f")
        text += self.value_unit or ""
        return text + (f"（第{self.value_rank}）" if self.value_rank is not None else "")

    def walk(self) -> Iterator[IndicatorScore]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(slots=True)
class ScoreCard:
    unit: str
    name: str
    track: str
    policy: str
    """``id@version`` of the policy."""
    policy_version: int
    total: Decimal
    max: Decimal | None
    grade: str | None
    vetoed: bool
    downgraded: bool
    rank: int | None
    indicators: list[IndicatorScore]
    lines: list[Line]
    veto_reasons: list[str] = field(default_factory=list)
    downgrade_reasons: list[str] = field(default_factory=list)
    pending: tuple[str, ...] = ()
    """Leaf indicators whose data is not complete as of the scoring date: a window or period
    not yet over, or a deadline still to come (a report's, a counted ticket's due date)."""
    final_on: dt.date | None = None
    """The day the last of them completes: from then on the result is final (None: a deadline
    falls in a year whose working days the calendar does not know yet)."""
    places: int | None = None
    """The decimal places the policy declares for the total (``precision``), if any."""

    @property
    def provisional(self) -> bool:
        """暂定: some indicator's data is still to come as of the scoring date (``pending``)."""
        return bool(self.pending)

    def to_row(self) -> dict:
        """The ``rows[]`` object of ``ledger score --format json``."""
        return {
            "unit": self.unit,
            "name": self.name,
            "track": self.track,
            "total": self.total,
            "max": self.max,
            "grade": self.grade,
            "vetoed": self.vetoed,
            "downgraded": self.downgraded,
            "rank": self.rank,
            "indicators": [i.to_dict() for i in self.indicators],
        }

    def explanation(self) -> dict:
        """``ledger explain --format json`` minus the envelope keys policy/as_of/known_at."""
        return {
            "unit": self.unit,
            "track": self.track,
            "total": self.total,
            "grade": self.grade,
            "vetoed": self.vetoed,
            "downgraded": self.downgraded,
            "lines": [ln.to_dict() for ln in self.lines],
            "indicators": [i.to_dict() for i in self.indicators],
        }

    def indicator(self, indicator_id: str) -> IndicatorScore:
        for top in self.indicators:
            for i in top.walk():
                if i.id == indicator_id:
                    return i
        raise KeyError(indicator_id)

    def divisions_of(self, indicator_id: str) -> tuple[str, ...]:
        """Responsible divisions of an indicator: its own, else its nearest ancestor's."""

        def find(nodes: list[IndicatorScore], inherited: tuple[str, ...]) -> tuple[str, ...] | None:
            for n in nodes:
                here = n.divisions or inherited
                if n.id == indicator_id:
                    return here
                got = find(n.children, here)
                if got is not None:
                    return got
            return None

        return find(self.indicators, ()) or ()
