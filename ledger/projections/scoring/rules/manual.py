"""``manual``: an indicator no event feeds yet; it shows as an unscored 0-point line."""

from __future__ import annotations

from typing import Literal

from ledger.policies.vocabulary import RuleSpec

from ..card import Detail, Line
from ..context import ZERO, Ctx, Site, aggregate_line
from ..index import UnitFacts
from .base import Evaluator, rule_kind


class Manual(RuleSpec):
    kind: Literal["manual"]
    note: str | None = None


@rule_kind(Manual, reads=())
class ManualRule(Evaluator[Manual]):
    __slots__ = ("note",)

    def setup(self, r: Manual, site: Site) -> None:
        self.note = r.note

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        out.append(aggregate_line(node, ZERO, "unscored", self.text, ctx,
                                  detail=self.note or Detail("no event feeds this indicator yet")))
