"""Renderers of what the ledger holds: a unit's history and the roster."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import i18n
from . import text as render
from .formats import renders

if TYPE_CHECKING:
    from ..projections.record_views import HistoryRow
    from ..units import Unit


def short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


@renders("history", "table")
def history_table(rows: Sequence[HistoryRow]) -> str:
    out = []
    for h in rows:
        d = h.record.data
        detail = {k: v for k, v in d.items() if k not in
                  ("type", "unit", "date", "id", "actor", "recorded_at", "revision", "hash")}
        status = f"retracted by {h.retracted_by}" if h.retracted_by else ""
        if h.corrected_by:
            status = (status + "; " if status else "") + "corrected by " + ", ".join(h.corrected_by)
        if h.evidence:
            status = (status + "; " if status else "") + i18n.f("{n} evidence file(s)", n=len(h.evidence))
        if h.withdrawn_by:
            status = (status + "; " if status else "") + i18n.f("withdrawn by {id}", id=h.withdrawn_by)
        out.append((d["revision"], d["recorded_at"][:19] + "Z", d["actor"], d["date"], d["type"], d["id"],
                    short(render.to_json(detail, indent=None)), status))
    return render.table(out, ["rev", "recorded_at", "actor", "date", "type", "id", "fields", "status"])


@renders("history", "json")
def history_json(rows: Sequence[HistoryRow]) -> str:
    return render.to_json([{**{k: v for k, v in h.record.data.items() if k != "hash"},
                            "stream": h.record.stream, "retracted_by": h.retracted_by,
                            "corrected_by": h.corrected_by,
                            **({"evidence": [f.line_entry() for f in h.evidence]} if h.evidence else {}),
                            **({"withdrawn_by": h.withdrawn_by} if h.withdrawn_by else {})} for h in rows])


@renders("units", "table")
def units_table(units: Sequence[Unit]) -> str:
    return render.table([(u.id, u.name, ";".join(u.groups), ";".join(u.divisions)) for u in units],
                        ["id", "name", "groups", "divisions"])


@renders("units", "json")
def units_json(units: Sequence[Unit]) -> str:
    return render.to_json([{"id": u.id, "name": u.name, "groups": list(u.groups), "divisions": list(u.divisions)}
                           for u in units])
