"""Renderers of a diff: rule changes, then per unit and indicator what moved and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import text as render
from .formats import renders

if TYPE_CHECKING:
    from ..projections.diff import Diff


@renders("diff", "table")
def as_table(result: Diff) -> str:
    before, after = result.before, result.after
    from .scores import basis_text

    out = [f"before: {before.policy.ref} as of {before.as_of} known at {before.known_at}",
           f"after:  {after.policy.ref} as of {after.as_of} known at {after.known_at}"]
    for i, side in enumerate((before, after)):
        basis = basis_text(side.policy)
        if basis:
            out[i] += f" · {basis}"
    if result.rule_changes:
        out.append("\nrule changes:")
        out.extend(f"  - {note}" for note in result.rule_changes)
    for rc in result.rules:
        out.append(f"\n{rc.track}/{rc.indicator} {rc.status}:" if rc.indicator != "*" else f"\ntrack {rc.track}:")
        out.extend(f"  {path}: {old if old is not None else '—'} → {new if new is not None else '—'}"
                   for path, old, new in rc.values)
        if rc.text_before != rc.text_after:
            out.append(f"  rule text before: {rc.text_before or '—'}")
            out.append(f"  rule text after:  {rc.text_after or '—'}")
        elif rc.text_after:
            out.append(f"  rule text (unchanged): {rc.text_after}")
    if not result.changes:
        out.append("\nno unit's score changes")
        return "\n".join(out)
    rows = [(ch.track, ch.unit, ch.name, ch.indicator, render.number_text(ch.before), render.number_text(ch.after),
             render.number_text(ch.delta) if ch.delta is not None else "", "\n".join(ch.causes))
            for ch in result.changes]
    out.append("")
    out.append(render.table(rows, ["track", "unit", "name", "indicator", "before", "after", "Δ", "because"]))
    return "\n".join(out)


@renders("diff", "json")
def as_json(result: Diff) -> str:
    return render.to_json(result.to_dict())
