"""Renderers of the workflows' records: publications and appeals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import text as render
from .formats import renders
from .records import short

if TYPE_CHECKING:
    from ..projections.diff import Change
    from ..projections.record_views import Appeal, AppealEffect, Publication


@renders("publications", "table")
def publications_table(pubs: Sequence[Publication]) -> str:
    return render.table([(p.id, p.kind, p.policy, p.as_of, p.period or "", p.track or "", p.known_at,
                          p.recorded_at[:19] + "Z", p.actor, p.content_sha256[:16], p.document.get("doc_no") or "")
                         for p in pubs],
                        ["id", "kind", "policy", "as_of", "period", "track", "known_at", "published",
                         "actor", "sha256", "doc_no"])


@renders("publications", "json")
def publications_json(pubs: Sequence[Publication]) -> str:
    return render.to_json([p.to_dict() for p in pubs])


@renders("publication", "table")
def publication_table(checked: tuple[Publication, bool]) -> str:
    """A publication and whether regenerating it gave the same bytes."""
    pub, same = checked
    fields = pub.to_dict()
    out = [f"{key:>15}: {value}" for key, value in fields.items() if key != "document"]
    out += [f"{key:>15}: {value or ''}" for key, value in fields.get("document", {}).items()]
    out.append(f"{'reproduced':>15}: " + ("yes, byte for byte (sha256 matches)" if same else
                                         "NO — the regenerated content differs"))
    return "\n".join(out)


@renders("publication", "json")
def publication_json(checked: tuple[Publication, bool]) -> str:
    pub, same = checked
    return render.to_json({**pub.to_dict(), "reproduced": same})


@renders("appeals", "table")
def appeals_table(rows: Sequence[Appeal]) -> str:
    return render.table([(a.id, a.unit, a.date, ", ".join(a.targets), short(a.grounds, 30),
                          a.publication or "", "open" if a.decision is None else a.decision["outcome"],
                          "" if a.decision is None else a.decision.get("reviewer") or "",
                          ", ".join(o["id"] for o in a.orders),
                          "late: " + a.late_override if a.late_override else "")
                         for a in rows],
                        ["id", "unit", "filed", "targets", "grounds", "publication", "status", "reviewer",
                         "orders", "note"])


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


def _change_rows(changes: Sequence[Change]) -> list[tuple[Any, ...]]:
    return [(ch.unit, ch.name, ch.track, ch.indicator, render.number_text(ch.before),
             render.number_text(ch.after), "\n".join(ch.causes)) for ch in changes]


@renders("appeal", "table")
def appeal_table(eff: AppealEffect) -> str:
    a = eff.appeal
    headers = ["unit", "name", "track", "indicator", "before", "after", "because"]
    status = "open — what upholding it in full would change" if a.decision is None else \
        f"{a.decision['outcome']} by {a.decision.get('reviewer')}: {a.decision['reason']}"
    out = [f"appeal {a.id} of {a.unit} filed {a.date}: {a.grounds}",
           f"targets: {', '.join(a.targets)}   status: {status}"]
    if a.late_override:
        out.append(f"accepted late: {a.late_override}")
    for order in a.orders:
        out.append(f"  order {order['id']} ({order['type']} of {order['target']}) revision {order['revision']}")
    out.append(f"before: known at {eff.before.known_at}   after: known at {eff.after.known_at}   "
               f"({eff.after.policy.ref}, as of {eff.after.as_of})")
    out.append("\nthe unit:")
    out.append(render.table(_change_rows(eff.unit_changes), headers) if eff.unit_changes else "  no change")
    out.append("\nother units whose rank or rank-based points change:")
    out.append(render.table(_change_rows(eff.peer_changes), headers) if eff.peer_changes else "  none")
    return "\n".join(out)
