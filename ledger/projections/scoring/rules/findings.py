"""Rules scored by inspection findings (检查结果): ``requirement`` (one item, its latest
finding) and ``checklist`` (several items, each earning or losing its points)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ledger.i18n import Msg
from ledger.policies.vocabulary import Amount, RuleSpec

from ..card import Detail, Line
from ..context import ZERO, Ctx, Site, as_of_note, event_line
from ..index import UnitFacts
from .base import Evaluator, rule_kind


class Requirement(RuleSpec):
    kind: Literal["requirement"]
    item: str | None = None
    """The finding's ``item`` (default: the indicator id)."""
    results: dict[str, Amount] = Field(min_length=1)
    """Latest finding's result → delta; other results score 0."""


class Checklist(RuleSpec):
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
            raise ValueError(Msg("results both earning and deducting: {results}", results=sorted(both)))
        return self


@rule_kind(Requirement, reads={"finding"})
class RequirementRule(Evaluator[Requirement]):
    __slots__ = ("item", "results")

    def setup(self, r: Requirement, site: Site) -> None:
        self.item = r.item if r.item is not None else site.id
        self.results = dict(r.results)

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        f = uf.latest("finding", "item", self.item)
        if f is None:
            return
        result = f.fields.get("result")
        amount = self.results.get(result)  # type: ignore[arg-type]
        if amount is None:
            out.append(event_line(node, f, ZERO, self.text, ctx, detail=Detail("latest finding: {result} (scores 0)",
                                                                               result=result)))
        else:
            out.append(event_line(node, f, amount, self.text, ctx,
                                  detail=as_of_note(Detail("latest finding: {result}", result=result),
                                                    "points {amount} from {since}", amount)))


@rule_kind(Checklist, reads={"finding"})
class ChecklistRule(Evaluator[Checklist]):
    __slots__ = ("items", "earn", "deduct")

    def setup(self, r: Checklist, site: Site) -> None:
        self.items = list(r.items.items())
        self.earn = frozenset(r.earn_on)
        self.deduct = frozenset(r.deduct_on)

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
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
            out.append(event_line(node, f, delta, self.text, ctx,
                                  detail=as_of_note(Detail("{item}: {result}", item=item, result=result),
                                                    "points {amount} from {since}", pts if delta else None)))
