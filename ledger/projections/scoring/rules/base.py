"""The base of every rule evaluator, and the decorator by which a rule kind registers itself.

A rule kind is declared in one place — its module under this package:

    class Panel(RuleSpec):                      # what a policy may write
        kind: Literal["panel"]
        panel: Ident

    @rule_kind(Panel, reads={"evaluation"})     # the fact types it reads besides named events
    class PanelRule(Evaluator[Panel]):          # how it scores
        def setup(self, rule: Panel, site: Site) -> None: ...
        def evaluate(self, ctx, uf, node, out) -> None: ...

The policy loader, the engine's compiler and the fact view's type filter all read the
registry (``ledger.policies.rule_kinds``); nothing else names the kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from ledger.policies import rule_kinds
from ledger.policies.vocabulary import RuleSpec

from ..card import Line
from ..context import ZERO, Ctx, Site, aggregate_line
from ..index import UnitFacts

S = TypeVar("S", bound=RuleSpec)
E = TypeVar("E", bound="Evaluator[Any]")


class Evaluator(Generic[S]):
    """Compiled once per policy track; ``evaluate`` appends the lines of one unit."""

    __slots__ = ("text",)
    kind: ClassVar[str]
    ranked: ClassVar[bool] = False
    """True for kinds whose points depend on the other units' values (see ``RankRule``)."""

    def __init__(self, rule: S, site: Site) -> None:
        self.text = rule.rule_text or site.text
        self.setup(rule, site)

    def setup(self, rule: S, site: Site) -> None:
        """Read what ``evaluate`` needs from the rule (plain values: it runs per unit)."""

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        raise NotImplementedError

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        """The day this rule's data is complete as of ``ctx.as_of``: the last day of its window
        or periods, or a later deadline of what it counts (a report's due date; with the unit's
        facts ``uf``, the due dates of the tickets or items it counts — see
        ``has_data_deadlines``). Until then a result is provisional. Default: the policy
        year's last day (the rule reads events of the whole year)."""
        return dt.date(ctx.year, 12, 31)

    def has_data_deadlines(self) -> bool:
        """Whether ``closes`` can be later with the unit's facts than without them."""
        return False

    def indicator_refs(self) -> tuple[str, ...]:
        """Other indicators of the track this rule reads (their data is its data too)."""
        return ()

    def missing_data(self, ctx: Ctx, node: Site, out: list[Line], detail: str) -> None:
        """A 0-point line saying which data is missing (SEEDS.md: no deduction, and say so)."""
        out.append(aggregate_line(node, ZERO, "missing_data", self.text, ctx, detail=detail))


class RankedEvaluator(Evaluator[S]):
    """A kind scored by place among the track's units: the engine measures every unit first
    (``measure``), ranks them, and hands the table to ``evaluate`` through ``ctx.ranks``."""

    __slots__ = ("key", "desc")
    ranked: ClassVar[bool] = True
    key: int
    """This evaluator's place in the track's rank tables (set when the track is compiled)."""
    desc: bool
    """Higher values rank first."""

    def measure(self, ctx: Ctx, uf: UnitFacts) -> tuple[Decimal, tuple[str, ...]] | None:
        """(value, event ids), or None when the unit takes no part."""
        raise NotImplementedError

    def measured_types(self) -> Iterable[str]:
        """Fact types ``measure`` reads from every unit of the track."""
        raise NotImplementedError


def rule_kind(model: type[S], *, reads: Iterable[str]) -> Callable[[type[E]], type[E]]:
    """Register the decorated evaluator with its policy model and the fact types it reads."""

    def register(cls: type[E]) -> type[E]:
        cls.kind = rule_kinds.register(model, cls, reads=reads).name
        return cls

    return register
