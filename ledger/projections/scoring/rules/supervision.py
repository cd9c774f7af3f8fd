"""``supervised_items``: 督办事项 — late or still-open items and findings on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field

from ledger.events.fact import Fact
from ledger.policies.vocabulary import Amount, RuleSpec, Window

from ..card import Detail, Line
from ..context import Ctx, Site, as_of_note, event_line
from ..index import UnitFacts
from ..periods import window_bounds, window_closes
from .base import Evaluator, rule_kind


class SupervisedItems(RuleSpec):
    kind: Literal["supervised_items"]
    late: Amount = Decimal(0)
    findings: dict[str, Amount] = Field(default_factory=dict)
    window: Window | None = None
    """Only items assigned (and findings dated) in the window."""


@rule_kind(SupervisedItems, reads={"supervised_item_assigned", "supervised_item_closed",
                                   "supervised_item_finding"})
class SupervisedItemsRule(Evaluator[SupervisedItems]):
    __slots__ = ("late", "findings", "window")

    def setup(self, r: SupervisedItems, site: Site) -> None:
        self.late = r.late
        self.findings = dict(r.findings)
        self.window = r.window

    def _in(self, ctx: Ctx, uf: UnitFacts, type_: str) -> list[Fact]:
        """The unit's events of ``type_`` dated in the year — in the window, if there is one."""
        start, end = window_bounds(self.window, ctx.as_of, ctx.year)
        return [f for f in uf.of(type_) if f.date.year == ctx.year and start <= f.date <= end]

    def closes(self, ctx: Ctx, uf: UnitFacts | None) -> dt.date:
        """The window's end, and (with the unit's facts) the due dates of its items still open:
        such an item becomes late on its due date."""
        day = window_closes(self.window, ctx.as_of, ctx.year)
        if uf is not None and self.late:
            closed = uf.index("supervised_item_closed", "item")
            dues = [a.fields.get("due") for a in self._in(ctx, uf, "supervised_item_assigned")
                    if not closed.get(a.fields.get("item"))]
            day = max([day, *(d for d in dues if d is not None)])
        return day

    def has_data_deadlines(self) -> bool:
        return bool(self.late)

    def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
        lines = []
        if self.late:
            closed = uf.index("supervised_item_closed", "item")
            for a in self._in(ctx, uf, "supervised_item_assigned"):
                item = a.fields.get("item")
                due = a.fields.get("due")
                if due is None:
                    continue
                c = closed.get(item)
                if c:
                    cf = c[0]
                    if cf.date > due:
                        lines.append(event_line(node, cf, self.late, self.text, ctx, kind="late",
                                                detail=as_of_note(Detail("item {item} due {due}, closed {closed}",
                                                                         item=item, due=due.isoformat(),
                                                                         closed=cf.date.isoformat()),
                                                                  "points {amount} from {since}", self.late)))
                elif due < ctx.as_of:
                    lines.append(event_line(node, a, self.late, self.text, ctx, kind="late",
                                            detail=as_of_note(Detail("item {item} due {due}, still open", item=item,
                                                                     due=due.isoformat()),
                                                              "points {amount} from {since}", self.late)))
        if self.findings:
            for f in self._in(ctx, uf, "supervised_item_finding"):
                amt = self.findings.get(f.fields.get("finding"))  # type: ignore[arg-type]
                if amt is not None:
                    lines.append(event_line(node, f, amt, self.text, ctx,
                                            detail=as_of_note(Detail("item {item}: {finding}",
                                                                     item=f.fields.get("item"),
                                                                     finding=f.fields.get("finding")),
                                                              "points {amount} from {since}", amt)))
        lines.sort(key=lambda ln: (ln.date, ln.event))
        out.extend(lines)
