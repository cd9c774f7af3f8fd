"""``panel``: the mean of an evaluation panel's scores (测评), each evaluator's latest score."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from ledger.events.fact import Fact
from ledger.policies.vocabulary import Amount, Ident, RuleSpec, as_decimal

from ..card import Detail, Line
from ..context import ZERO, Ctx, Site, aggregate_line, as_of_note, fmt
from ..index import UnitFacts, fact_key
from .base import Evaluator, rule_kind


class Panel(RuleSpec):
    kind: Literal["panel"]
    panel: Ident
    max_score: Amount | None = None


@rule_kind(Panel, reads={"evaluation"})
class PanelRule(Evaluator[Panel]):
    __slots__ = ("panel", "max_score")

    def setup(self, r: Panel, site: Site) -> None:
        self.panel = r.panel
        self.max_score = r.max_score

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        per_evaluator: dict[Any, Fact] = {}
        for f in uf.index("evaluation", "panel").get(self.panel, ()):
            if f.date.year != ctx.year:
                continue
            ev = f.fields.get("evaluator") or f.id
            per_evaluator[ev] = f  # sorted by (date, revision): the latest wins
        scores: list[tuple[Fact, Decimal]] = []
        for f in per_evaluator.values():
            s = as_decimal(f.fields.get("score"))
            if s is None:
                continue
            if self.max_score is not None:
                s = min(max(s, ZERO), self.max_score)
            scores.append((f, s))
        if not scores:
            out.append(aggregate_line(node, ZERO, "average", self.text, ctx,
                                      detail=Detail("panel {panel}: no scores yet", panel=self.panel)))
            return
        scores.sort(key=lambda p: fact_key(p[0]))
        total = sum((s for _f, s in scores), ZERO)
        mean = total / Decimal(len(scores))
        out.append(aggregate_line(node, mean, "average", self.text, ctx,
                                  detail=as_of_note(Detail("panel {panel}: mean of {n} score(s) = {mean}",
                                                           panel=self.panel, n=len(scores), mean=fmt(mean)),
                                                    "top score {amount} from {since}", self.max_score),
                                  events=tuple(f.id for f, _s in scores)))
