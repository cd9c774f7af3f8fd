"""Renderers of a diff: rule changes, then per unit and indicator what moved and why.

The table is in the chosen language (labels through gettext, the diff's notes and causes are
``Detail``s worded by ``words.detail``); JSON keeps the English text of every note and cause."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _
from . import text as render
from . import words
from .formats import renders

if TYPE_CHECKING:
    from ..projections.diff import Diff

_TOTALS = ("total", "rank", "grade", "vetoed", "downgraded")
"""The card-level rows of a diff (besides indicator ids), said in the chosen language."""


def indicator_text(indicator: str) -> str:
    """A change's row: an indicator's id, or the card's total, rank … in the chosen language."""
    return _(indicator) if indicator in _TOTALS else indicator


def _value(value: Any) -> str:
    if isinstance(value, bool) and i18n.is_zh():
        return _("yes") if value else _("no")
    return render.number_text(value)


@renders("diff", "table")
def as_table(result: Diff, width: int | None = None) -> str:
    before, after = result.before, result.after
    from .scores import basis_text

    policy = after.policy
    out = [i18n.f("before: {policy} as of {as_of} known at {known_at}", policy=before.policy.ref,
                  as_of=before.as_of, known_at=before.known_at),
           i18n.f("after:  {policy} as of {as_of} known at {known_at}", policy=after.policy.ref,
                  as_of=after.as_of, known_at=after.known_at)]
    for i, side in enumerate((before, after)):
        basis = basis_text(side.policy)
        if basis:
            out[i] += f" · {basis}"
    if result.rule_changes:
        out.append("\n" + _("rule changes:"))
        out.extend(f"  - {words.detail(note, policy)}" for note in result.rule_changes)
    for rc in result.rules:
        track = words.track(policy, rc.track, before.policy)  # a track only before: named by its policy
        out.append("\n" + (i18n.f("{track}/{indicator} " + rc.status + ":", track=track, indicator=rc.indicator)
                           if rc.indicator != "*" else i18n.f("track {track}:", track=track)))
        out.extend(f"  {path}: {old if old is not None else '—'} → {new if new is not None else '—'}"
                   for path, old, new in rc.values)
        if rc.text_before != rc.text_after:
            out.append("  " + i18n.f("rule text before: {text}", text=rc.text_before or "—"))
            out.append("  " + i18n.f("rule text after:  {text}", text=rc.text_after or "—"))
        elif rc.text_after:
            out.append("  " + i18n.f("rule text (unchanged): {text}", text=rc.text_after))
    if not result.changes:
        out.append("\n" + _("no unit's score changes"))
        return "\n".join(out)
    rows = [(words.track(policy, ch.track), ch.unit, ch.name, indicator_text(ch.indicator),
             _value(ch.before), _value(ch.after), render.number_text(ch.delta) if ch.delta is not None else "",
             "\n".join(words.detail(cause, policy) for cause in ch.causes))
            for ch in result.changes]
    out.append("")
    out.append(render.table(rows, [_("track"), _("unit"), _("name"), _("indicator"), _("before"), _("after"), "Δ",
                                   _("because")], width=width, keep=2, below=[7]))
    return "\n".join(out)


@renders("diff", "json")
def as_json(result: Diff) -> str:
    return render.to_json(result.to_dict())
