"""The policy document: tracks, indicators, grades, vetoes, bulletins (validated with pydantic
at load time only).

An indicator's ``rule`` is any registered rule kind (``ledger.policies.rule_kinds``): the
union of their models is built from the registry, so a new kind needs no edit here. Scoring
never touches these models in its hot path: ``ledger.projections.scoring`` compiles a loaded
policy once into plain objects. See docs/policies.md for the format.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    SerializeAsAny,
    Tag,
    TypeAdapter,
    WrapValidator,
    model_validator,
)

from ..i18n import Msg
from . import rule_kinds
from .vocabulary import (
    HOTLINE_COLUMNS,
    Amount,
    Condition,
    EventTypes,
    HotlineName,
    Ident,
    Match,
    Precision,
    RuleSpec,
    Spec,
    TotalBelow,
    Where,
    as_decimal,
    to_decimal,
)

__all__ = ["Policy", "Track", "Indicator", "Bulletin", "BulletinColumn", "HotlineColumn", "validate_policy",
           "as_decimal", "to_decimal"]

if TYPE_CHECKING:
    from .workdays import WorkCalendar


def _validate_rule(value: Any, handler: Any) -> RuleSpec:
    rule: RuleSpec = _rule_adapter().validate_python(value)
    return rule


RuleUnion = SerializeAsAny[Annotated[RuleSpec, WrapValidator(_validate_rule)]]
"""Any registered rule kind (``ledger.policies.rule_kinds``), chosen by its ``kind``."""


# ---------------------------------------------------------------- tree


class Indicator(Spec):
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
    precision: Precision | None = None
    """Round this indicator's points (or value) so (default: half-up to 2 places)."""
    reports: Literal["value"] | None = None
    """``value``: the indicator reports a value (a rate, a count) with ``value_unit`` instead of
    points, and units are placed by it in ``rank_order``."""
    value_unit: str | None = None
    rank_order: Literal["asc", "desc"] | None = None
    rule: RuleUnion | None = None
    rules: list[RuleUnion] | None = None
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
            r.check_indicator(self)
        if self.reports is None:
            if self.value_unit is not None or self.rank_order is not None:
                raise ValueError("value_unit and rank_order go with `reports: value`")
            return self
        if self.rule is None or self.rule.kind != "formula":
            raise ValueError("an indicator that reports a value computes it with one `rule` of kind formula")
        if self.points is not None or self.mode != "bonus" or self.floor is not None or self.cap is not None \
                or self.zero_when:
            raise ValueError("an indicator that reports a value has no points, mode, floor, cap or zero_when")
        if self.rank_order is None:
            raise ValueError("reports: value needs rank_order (asc: lower is better, desc: higher is better)")
        return self


class Grade(Spec):
    min: Amount | None = None
    grade: str


class Veto(Spec):
    grade: str | None = None
    when: list[Condition] = Field(min_length=1)


class Downgrade(Spec):
    when: list[Condition | TotalBelow] = Field(min_length=1)


class Track(Spec):
    id: Ident
    name: str
    group: Ident
    max: Amount | None = None
    cap: Amount | None = None
    floor: Amount | None = None
    grades: list[Grade] | None = None
    veto: Veto | None = None
    downgrade: Downgrade | None = None
    precision: Precision | None = None
    """Round the track's total so (default: no rounding beyond the indicators')."""
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> Track:
        if self.grades:
            mins = [g.min for g in self.grades]
            for i, m in enumerate(mins[:-1]):
                if m is None:
                    raise ValueError(Msg("grades[{i}]: only the last grade may omit `min`", i=i))
            given = [m for m in mins if m is not None]
            if given != sorted(given, reverse=True):
                raise ValueError("grades: list from the highest `min` down")
        seen: set[str] = set()

        def walk(inds: list[Indicator], path: str) -> None:
            for i, ind in enumerate(inds):
                if ind.id in seen:
                    raise ValueError(Msg("{path}[{i}]: indicator id {id!r} used twice in the track",
                                         path=path, i=i, id=ind.id))
                seen.add(ind.id)
                if ind.children:
                    walk(ind.children, f"{path}[{i}].children")

        walk(self.indicators, "indicators")
        _check_references(self.indicators)
        return self


def _check_references(indicators: list[Indicator]) -> None:
    """Formulas may read other indicators of the track: each must exist, and no indicator may
    depend on itself — through formulas, or through a parent summing its children."""
    deps: dict[str, set[str]] = {}

    def collect(inds: list[Indicator]) -> None:
        for ind in inds:
            d = deps.setdefault(ind.id, set())
            for r in ind.rules or ([ind.rule] if ind.rule else []):
                d |= r.indicator_refs()
            if ind.children:
                d |= {c.id for c in ind.children}
                collect(ind.children)

    collect(indicators)
    for ind_id, d in deps.items():
        unknown = d - deps.keys()
        if unknown:
            raise ValueError(Msg("indicator {ind_id!r} reads indicator(s) {unknown} not in the track",
                                 ind_id=ind_id, unknown=', '.join(sorted(unknown))))
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(deps[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise ValueError(Msg("indicators depend on themselves: {cycle}", cycle=" → ".join(cycle)))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for ind_id in deps:
        if ind_id not in state:
            visit(ind_id)


class Source(Spec):
    title: str
    doc_number: str | None = None
    url: str | None = None
    ref: str | None = None


class CalendarSection(Spec):
    years: list[int] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)
    holidays: list[dt.date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> CalendarSection:
        both = set(self.workdays) & set(self.holidays)
        if both:
            raise ValueError(Msg("days both workday and holiday: {value}", value=sorted(d.isoformat() for d in both)))
        return self


Scalar = bool | int | float | str | dt.date


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


class HotlineColumn(Spec):
    """A column of a hotline bulletin: one 12345 measure over the tickets received in the period
    (``vocabulary.HOTLINE_COLUMNS``) — the count of tickets that meet it, its base, or its rate
    in percent. Written as one of the standard words (``办结率``) or ``{name, hotline, value}``."""

    name: str = Field(min_length=1)
    hotline: HotlineName
    value: Literal["rate", "count", "base"] = "rate"

    @model_validator(mode="before")
    @classmethod
    def _word(cls, v: Any) -> Any:
        if isinstance(v, str):
            if v not in HOTLINE_COLUMNS:
                raise ValueError(Msg("a hotline column: one of {words}, or {{name, hotline, value}} (not {v!r})",
                                     words="、".join(HOTLINE_COLUMNS), v=v))
            measure, value = HOTLINE_COLUMNS[v]
            return {"name": v, "hotline": measure, "value": value}
        return v


def _column_kind(v: Any) -> str:
    if isinstance(v, str) or (isinstance(v, dict) and "hotline" in v) or isinstance(v, HotlineColumn):
        return "hotline"
    return "check"


Column = Annotated[Annotated[BulletinColumn, Tag("check")] | Annotated[HotlineColumn, Tag("hotline")],
                   Discriminator(_column_kind)]


class Bulletin(Spec):
    """A monthly bulletin table (月通报) of one track. ``checks``: a ✓/✗ table; ``hotline``:
    the 12345 tickets received in the period — by default received, completed, completion
    rate, overdue, overdue rate, satisfied, satisfaction rate; with ``columns`` the measures
    chosen, and with ``where`` only the tickets it keeps (channel, category …). Tracks without a
    bulletin get the monthly score-and-rank table."""

    track: Ident
    title: str
    kind: Literal["checks", "hotline"]
    columns: list[Column] = Field(default_factory=list)
    where: Where | None = None
    """``hotline``: only the tickets whose fields meet it (``{channel: hotline}``)."""
    return_within_workdays: int = 2
    max_extension_workdays: int = 3

    @model_validator(mode="after")
    def _columns(self) -> Bulletin:
        for i, c in enumerate(self.columns):
            if isinstance(c, HotlineColumn) != (self.kind == "hotline"):
                want = "a hotline measure (办结率, {name, hotline, value})" if self.kind == "hotline" else \
                    "a ✓/✗ column ({name, event|report})"
                raise ValueError(Msg("columns[{i}]: a {kind} bulletin's column is {want}", i=i, kind=self.kind,
                                     want=want))
        if self.where is not None and self.kind != "hotline":
            raise ValueError("`where` filters a hotline bulletin's tickets; a ✓/✗ column has its own `where`")
        return self

    @property
    def hotline_columns(self) -> list[HotlineColumn]:
        return [c for c in self.columns if isinstance(c, HotlineColumn)]

    @property
    def check_columns(self) -> list[BulletinColumn]:
        return [c for c in self.columns if isinstance(c, BulletinColumn)]

    @property
    def where_types(self) -> tuple[str, ...]:
        """A hotline bulletin's ``where`` filters tickets (checked against the catalog)."""
        return ("hotline_ticket",) if self.kind == "hotline" and self.where else ()


class Labels(Spec):
    """Names of the words this policy defines (codes → 中文), for what a person reads; never
    used in scoring. Optional (``labels:``); a bundled policy keeps its labels in a file beside
    it instead (``<id>.labels.yaml``: released policy files are never edited). See
    ``ledger.policies.labels``."""

    reports: dict[str, str] = Field(default_factory=dict)
    """report kinds (``report_submitted.report``)"""
    items: dict[str, str] = Field(default_factory=dict)
    """finding items (``finding.item``)"""
    results: dict[str, str] = Field(default_factory=dict)
    """finding results (``finding.result``)"""
    metrics: dict[str, str] = Field(default_factory=dict)
    """metric names (``metric.name``)"""
    panels: dict[str, str] = Field(default_factory=dict)
    """evaluation panels (``evaluation.panel``)"""


class Policy(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._\-]*$", max_length=64)]
    version: int = Field(ge=1)
    year: int = Field(ge=2000, le=2100)
    title: str
    sources: list[Source] = Field(default_factory=list)
    effective_from: dt.date | None = None
    change_note: str | None = None
    settings: dict[str, Scalar] = Field(default_factory=dict)
    calendar: CalendarSection = CalendarSection()
    precision: Precision | None = None
    """Round every track's total so, unless the track declares its own."""
    tracks: list[Track] = Field(min_length=1)
    bulletins: list[Bulletin] = Field(default_factory=list)
    labels: Labels | None = None

    _origin: str = PrivateAttr(default="<text>")
    _content_hash: str = PrivateAttr(default="")
    _compiled: dict[Any, Any] = PrivateAttr(default_factory=dict)
    _draft: str = PrivateAttr(default="")
    """First 8 hex of the file's sha256 when this is a what-if (``--policy-file``): never published."""
    _basis: tuple[str, ...] = PrivateAttr(default=())
    """Why this version was used (set by the registry): ("forced",), ("in_force", as_of, effective_from),
    ("earliest", as_of) or ("draft", file); empty when it was not chosen by a command."""

    @model_validator(mode="after")
    def _shape(self) -> Policy:
        ids = [t.id for t in self.tracks]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(Msg("track ids used twice: {dup}", dup=sorted(dup)))
        for b in self.bulletins:
            if b.track not in ids:
                raise ValueError(Msg("bulletin '{title}' names track {track!r}; tracks: {ids}",
                                     title=b.title, track=b.track, ids=', '.join(ids)))
        return self

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def content_hash(self) -> str:
        return self._content_hash

    @property
    def ref(self) -> str:
        """``id@version``, or ``id@version+draft:<sha8>`` for a what-if (an unpublished file)."""
        if self._draft:
            return f"{self.id}@{self.version}+draft:{self._draft}"
        return f"{self.id}@{self.version}"

    @property
    def version_ref(self) -> str:
        """``id@version`` even for a what-if (the version the file claims to be)."""
        return f"{self.id}@{self.version}"

    @property
    def is_draft(self) -> bool:
        return bool(self._draft)

    @property
    def basis(self) -> tuple[str, ...]:
        return self._basis

    def as_draft(self) -> Policy:
        """This policy marked as a what-if: its ref carries ``+draft:<first 8 hex of its sha256>``."""
        copy = self.model_copy()
        copy._draft = self._content_hash.removeprefix("sha256:")[:8]
        copy._basis = ("draft", self._origin)
        return copy

    def chosen(self, *basis: str) -> Policy:
        """This policy with the reason it was used (``basis``)."""
        copy = self.model_copy()
        copy._basis = tuple(basis)
        return copy

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(f"policy {self.ref} has no track {track_id!r}; "
                       f"tracks: {', '.join(t.id for t in self.tracks)}")

    def work_calendar(self) -> WorkCalendar:
        from .workdays import WorkCalendar

        cal = self._compiled.get("__calendar__")
        if cal is None:
            cal = WorkCalendar(self.calendar.workdays, self.calendar.holidays, self.calendar.years)
            self._compiled["__calendar__"] = cal
        return cal



_adapter: tuple[int, TypeAdapter[Any]] | None = None


def _rule_adapter() -> TypeAdapter[Any]:
    """The union of the registered kinds' models, discriminated by ``kind``; rebuilt whenever
    the registry changes."""
    global _adapter
    generation = rule_kinds.generation()
    if _adapter is None or _adapter[0] != generation:
        models = tuple(k.model for k in rule_kinds.kinds().values())
        union = Annotated[Union[models], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
        _adapter = (generation, TypeAdapter(union))
    return _adapter[1]


def validate_policy(data: Any) -> Policy:
    """The policy document ``data`` (parsed YAML) validated against the registered rule kinds."""
    return Policy.model_validate(data)
