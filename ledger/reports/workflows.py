"""Renderers of the workflows' records: publications and appeals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _
from . import text as render
from . import words
from .diffs import indicator_text
from .formats import renders

if TYPE_CHECKING:
    from ..projections.diff import Change
    from ..projections.record_views import Appeal, AppealEffect, Publication


PUBLICATION_COLUMNS = ("id", "kind", "policy", "as_of", "period", "track", "known_at", "published", "actor", "sha256",
                       "doc_no")


@renders("publications", "table")
def publications_table(pubs: Sequence[Publication], width: int | None = None) -> str:
    return render.table([(p.id, words.value("kind", p.kind), p.policy, p.as_of, p.period or "", p.track or "",
                          p.known_at, render.china_time(p.recorded_at), p.actor, p.content_sha256[:16],
                          p.document.get("doc_no") or "") for p in pubs],
                        [i18n.pgettext("publication", h) for h in PUBLICATION_COLUMNS], width=width, keep=1)


@renders("publications", "json")
def publications_json(pubs: Sequence[Publication]) -> str:
    return render.to_json([p.to_dict() for p in pubs])


@renders("publication", "table")
def publication_table(checked: tuple[Publication, bool], width: int | None = None) -> str:
    """A publication and whether regenerating it gave the same bytes: its fields by their names,
    its kind named, the time it was recorded in China time."""
    pub, same = checked
    fields = pub.to_dict()
    pairs = [(key, value) for key, value in fields.items() if key != "document"]
    pairs += list(fields.get("document", {}).items())
    shown = {"kind": words.value("kind", pub.kind), "recorded_at": render.china_time(pub.recorded_at)}
    reproduced = _("yes, byte for byte (sha256 matches)") if same else _("NO — the regenerated content differs")
    out = [(i18n.pgettext("publication", key), "" if value is None else shown.get(key, value)) for key, value in pairs]
    out.append((i18n.pgettext("publication", "reproduced"), reproduced))
    sep = "：" if i18n.is_zh() else ": "
    return "\n".join(" " * (15 - render.display_width(label)) + f"{label}{sep}{value}" for label, value in out)


@renders("publication", "json")
def publication_json(checked: tuple[Publication, bool]) -> str:
    pub, same = checked
    return render.to_json({**pub.to_dict(), "reproduced": same})


APPEAL_COLUMNS = ("id", "unit", "filed", "targets", "grounds", "publication", "status", "reviewer", "orders", "note")


def appeal_status(a: Appeal) -> str:
    return _("open") if a.decision is None else words.value("outcome", a.decision["outcome"])


@renders("appeals", "table")
def appeals_table(rows: Sequence[Appeal], width: int | None = None) -> str:
    listed = ("、" if i18n.is_zh() else ", ").join
    return render.table([(a.id, a.unit, a.date, listed(a.targets), a.grounds,
                          a.publication or "", appeal_status(a),
                          "" if a.decision is None else a.decision.get("reviewer") or "",
                          listed(o["id"] for o in a.orders),
                          i18n.f("late: {reason}", reason=a.late_override) if a.late_override else "")
                         for a in rows],
                        [i18n.pgettext("appeal", h) for h in APPEAL_COLUMNS], width=width, wrap=[4, 9], keep=1)


@renders("appeals", "json")
def appeals_json(rows: Sequence[Appeal]) -> str:
    return render.to_json([a.to_dict() for a in rows])


def _effect_document(eff: AppealEffect) -> dict[str, Any]:
    return {"appeal": eff.appeal.to_dict(), "hypothetical": eff.hypothetical,
            "before": {"policy": eff.before.policy.ref, "as_of": eff.before.as_of, "known_at": eff.before.known_at},
            "after": {"policy": eff.after.policy.ref, "as_of": eff.after.as_of, "known_at": eff.after.known_at},
            "unit": [ch.to_dict() for ch in eff.unit_changes], "peers": [ch.to_dict() for ch in eff.peer_changes]}


@renders("appeal", "json")
def appeal_json(eff: AppealEffect) -> str:
    return render.to_json(_effect_document(eff))


def _change_rows(changes: Sequence[Change], policy: Any) -> list[tuple[Any, ...]]:
    return [(ch.unit, ch.name, words.track(policy, ch.track), indicator_text(ch.indicator),
             render.number_text(ch.before), render.number_text(ch.after),
             "\n".join(words.detail(cause, policy) for cause in ch.causes)) for ch in changes]


@renders("appeal", "table")
def appeal_table(eff: AppealEffect, width: int | None = None) -> str:
    a = eff.appeal
    policy = eff.after.policy
    headers = [_(h) for h in ("unit", "name", "track", "indicator", "before", "after", "because")]
    if a.decision is None:
        status = _("open — what upholding it in full would change")
    else:
        status = i18n.f("{outcome} by {reviewer}: {reason}", outcome=words.value("outcome", a.decision["outcome"]),
                        reviewer=a.decision.get("reviewer") or "", reason=a.decision["reason"])
    listed = ("、" if i18n.is_zh() else ", ").join
    out = [i18n.f("appeal {id} of {unit} filed {date}: {grounds}", id=a.id, unit=a.unit, date=a.date,
                  grounds=a.grounds),
           i18n.f("targets: {targets}   status: {status}", targets=listed(a.targets), status=status)]
    if a.late_override:
        out.append(i18n.f("accepted late: {reason}", reason=a.late_override))
    for order in a.orders:
        out.append("  " + i18n.f("order {id} ({type} of {target}) revision {revision}", id=order["id"],
                                 type=words.event_type(order["type"]), target=order["target"],
                                 revision=order["revision"]))
    out.append(i18n.f("before: known at {before}   after: known at {after}   ({policy}, as of {as_of})",
                      before=eff.before.known_at, after=eff.after.known_at, policy=eff.after.policy.ref,
                      as_of=eff.after.as_of))
    out.append("\n" + _("the unit:"))
    out.append(render.table(_change_rows(eff.unit_changes, policy), headers, width=width, wrap=[6], keep=1)
               if eff.unit_changes else "  " + _("no change"))
    out.append("\n" + _("other units whose rank or rank-based points change:"))
    out.append(render.table(_change_rows(eff.peer_changes, policy), headers, width=width, wrap=[6], keep=1)
               if eff.peer_changes else "  " + _("none"))
    return "\n".join(out)
