"""Renderers of what the ledger holds: a unit's history and the roster."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import i18n
from . import text as render
from . import words
from .formats import renders

if TYPE_CHECKING:
    from ..policies.model import Policy
    from ..projections.record_views import HistoryRow
    from ..units import Unit


def short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


HISTORY_HEADERS = ("rev", "recorded_at", "actor", "date", "type", "id", "fields", "status")
ENVELOPE = ("type", "unit", "date", "id", "actor", "recorded_at", "revision", "hash")
"""What a history row shows in columns of their own; the rest are its fields."""


@renders("history", "table")
def history_table(rows: Sequence[HistoryRow], width: int | None = None, policies: Sequence[Policy] = ()) -> str:
    """A unit's events in the order recorded: when (China time, to the second), by whom, the
    event's type and fields by their names (label：value; codes named by the catalogue or by
    ``policies``, the ones scoring the unit in those years) and what amended it."""
    out = []
    for h in rows:
        d = h.record.data
        out.append((d["revision"], render.china_time(d["recorded_at"]), d["actor"], d["date"],
                    words.event_type(d["type"]), d["id"], words.fields_text(d, policies, ENVELOPE), amended(h)))
    return render.table(out, [i18n.pgettext("column", h) for h in HISTORY_HEADERS], width=width, keep=1,
                        below=[6, 7])


def amended(row: HistoryRow) -> str:
    """What retracted or corrected an event: 已被 X 撤销；已被 Y 更正."""
    said = [i18n.f("retracted by {id}", id=row.retracted_by)] if row.retracted_by else []
    if row.corrected_by:
        said.append(i18n.f("corrected by {ids}", ids=("、" if i18n.is_zh() else ", ").join(row.corrected_by)))
    if row.evidence:
        said.append(i18n.f("{n} evidence file(s)", n=len(row.evidence)))
    if row.withdrawn_by:
        said.append(i18n.f("withdrawn by {id}", id=row.withdrawn_by))
    return ("；" if i18n.is_zh() else "; ").join(said)


@renders("history", "json")
def history_json(rows: Sequence[HistoryRow]) -> str:
    return render.to_json([{**{k: v for k, v in h.record.data.items() if k != "hash"},
                            "stream": h.record.stream, "retracted_by": h.retracted_by,
                            "corrected_by": h.corrected_by,
                            **({"evidence": [f.line_entry() for f in h.evidence]} if h.evidence else {}),
                            **({"withdrawn_by": h.withdrawn_by} if h.withdrawn_by else {})} for h in rows])


@renders("units", "table")
def units_table(units: Sequence[Unit], width: int | None = None) -> str:
    return render.table([(u.id, u.name, ";".join(u.groups), ";".join(u.divisions)) for u in units],
                        [i18n.pgettext("column", h) for h in ("id", "name", "groups", "divisions")], width=width,
                        wrap=[2, 3], keep=1)


@renders("units", "json")
def units_json(units: Sequence[Unit]) -> str:
    return render.to_json([{"id": u.id, "name": u.name, "groups": list(u.groups), "divisions": list(u.divisions)}
                           for u in units])


@renders("types", "table")
def types_table(rows: Sequence[dict[str, Any]], width: int | None = None) -> str:
    """``ledger types``: the catalogue's codes (what a person types in a JSONL file or
    ``ledger record``) beside their names; a type's fields with whether each is required and
    the values it takes (``intake.templates.describe``'s rows)."""
    from ..events.names import field_zh

    zh = i18n.is_zh()
    if rows and "type" in rows[0]:
        def fields(codes: str) -> str:
            named = [field_zh(code) or code for code in codes.split(", ") if code] if zh else [codes]
            return "、".join(named) if zh else codes

        return render.table([(r["type"], r["名称"], fields(r["fields"])) for r in rows],
                            [i18n.pgettext("types", h) for h in ("type", "name", "fields")], width=width,
                            wrap=[2], keep=1)
    from ..intake.templates import SHAPE_HINTS

    hints = set(SHAPE_HINTS.values())  # the forms of dates, periods, flags: said in words
    return render.table([(r["field"], r["名称"], i18n._("yes") if r["required"] else "",
                          i18n._(r["values"]) if r["values"] in hints else r["values"]) for r in rows],
                        [i18n.pgettext("types", h) for h in ("field", "name", "required", "values")],
                        width=width, wrap=[3], keep=1)
