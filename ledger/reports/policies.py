"""Renderers of policies: the list of versions, and one policy's indicator tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _
from . import text as render
from .formats import renders
from .records import short

if TYPE_CHECKING:
    from ..policies.model import Indicator
    from ..policies.registry import Entry
    from ..policies.vocabulary import Dated


def _in_force(entries: Sequence[Entry], today: dt.date | None) -> set[str]:
    """Per policy id, the ref of the version in force on ``today`` (what ``--policy ID`` uses)."""
    from ..policies.registry import in_force

    if today is None:
        return set()
    ids: dict[str, list[Entry]] = {}
    for e in entries:
        ids.setdefault(e.id, []).append(e)
    return {in_force(versions, today)[0].ref for versions in ids.values()}


def _rows(entries: Sequence[Entry], today: dt.date | None = None) -> list[dict[str, Any]]:
    live = _in_force(entries, today)
    rows = []
    for e in entries:
        row = {"policy": e.ref, "year": e.year, "title": e.title, "origin": e.origin, "sha256": e.sha256,
               "effective_from": e.effective_from, "change_note": e.change_note}
        if today is not None:
            row["in_force_today"] = e.ref in live
        rows.append(row)
    return rows


def origin_text(origin: str) -> str:
    """Where a version comes from, in the chosen language: ``bundled`` or ``revision N`` (the
    ledger record that published it); JSON keeps the English value."""
    if origin == "bundled":
        return _("bundled")
    head, _sep, number = origin.partition(" ")
    if head == "revision" and number.isdigit():
        return i18n.f("revision {revision}", revision=number)
    return origin


@renders("policies", "table")
def list_table(entries: Sequence[Entry], today: dt.date | None = None, width: int | None = None) -> str:
    """``today``: mark per policy the version in force that day (the default of ``--policy ID``)."""
    rows = _rows(entries, today)
    words = ("policy", "year", "title", "origin", "sha256", "effective_from")
    headers = [i18n.pgettext("column", word) for word in words]
    return render.table([(r["policy"], r["year"], r["title"], origin_text(r["origin"]), r["sha256"][7:23],
                          r["effective_from"] or "", ("✓" if r.get("in_force_today") else ""))
                         for r in rows], [*headers, _("in force today")], width=width, wrap=[2], keep=1)


@renders("policies", "json")
def list_json(entries: Sequence[Entry], today: dt.date | None = None) -> str:
    return render.to_json(_rows(entries, today))


@renders("policy", "tree")
def tree(entry: Entry, as_of: dt.date | None = None, width: int | None = None) -> str:
    """``as_of``: the day whose values are shown (points) and marked ✓ among dated values;
    ``width``: a terminal's columns, which ``show`` folds the tree's lines to."""
    from ..policies.vocabulary import dated_values  # start-up: pydantic only when a policy is shown

    pol = entry.policy()
    head = i18n.f("(year {year}; {origin}; {sha256}…)", year=pol.year, origin=origin_text(entry.origin),
                  sha256=entry.sha256[:23])
    out = [f"{pol.ref}  {pol.title}  {head}"]
    for src in pol.sources:
        out.append(f"  {_('source')}: {src.title} {src.doc_number or ''} {src.ref or ''}".rstrip())
    for track in pol.tracks:
        grades = ", ".join(f"{g.grade}≥{_at(g.min, as_of)}" if g.min is not None else g.grade
                           for g in track.grades or [])
        heading = i18n.f("track {track} {name} — group {group}", track=track.id, name=track.name, group=track.group)
        out.append("\n" + heading + (i18n.f("; grades {grades}", grades=grades) if grades else ""))
        _dated_lines(dated_values(track, skip=("indicators",)), 1, as_of, out)
        _walk(track.indicators, 1, out, as_of)
    return "\n".join(out)


def _at(value: Decimal, as_of: dt.date | None) -> str:
    """A value as in force at ``as_of`` (a dated value's latest without one)."""
    from ..policies.vocabulary import value_at

    return render.number_text(value_at(value, as_of) if as_of is not None else value)


def _in_force_from(value: Dated, as_of: dt.date | None) -> dt.date | None:
    return value.at(as_of).since if as_of is not None else None


def _dated_lines(found: list[tuple[str, Dated]], depth: int, as_of: dt.date | None, out: list[str]) -> None:
    """Each dated value in full — every date → value — the one in force at ``as_of`` marked ✓."""
    if not found:
        return
    indent = "  " * depth + "  "
    out.append(indent + (_("dated values (✓ in force at {day}):").format(day=as_of.isoformat()) if as_of is not None
                         else _("dated values:")))
    for path, value in found:
        live = _in_force_from(value, as_of)
        out.append(f"{indent}  {path}: " + "; ".join(
            f"{day.isoformat()} → {render.number_text(v)}" + (" ✓" if day == live else "")
            for day, v in value.schedule))


def _walk(nodes: Sequence[Indicator], depth: int, out: list[str], as_of: dt.date | None = None) -> None:
    from ..policies.vocabulary import dated_values

    for n in nodes:
        points = f" ({_at(n.points, as_of)})" if n.points is not None else ""
        out.append(f"{'  ' * depth}{n.id} {n.name}{points}")
        for label, text in ((_("original text"), n.clause), (_("method"), n.method), (_("data source"), n.data_source),
                            (_("reading"), n.reading)):
            if text:
                # a multi-line text stays inside the tree: its further lines are indented under the first
                first, *more = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
                indent = f"{'  ' * depth}  "
                out.append(f"{indent}{label}: {short(first, 100)}")
                out.extend(f"{indent}{' ' * render.display_width(label + ': ')}{short(ln, 100)}" for ln in more)
        _dated_lines(dated_values(n, skip=("children",)), depth, as_of, out)
        _walk(n.children or [], depth + 1, out, as_of)


@renders("policy", "yaml", exact=True)
def policy_file(entry: Entry) -> str:
    return entry.text


@renders("policy", "json")
def policy_json(entry: Entry, as_of: dt.date | None = None) -> str:
    """The policy as loaded (a dated value there is its latest value), plus ``dated_values``:
    every dated value in full, each date with ``in_force`` at ``as_of`` (and ``as_of`` itself);
    values are written as the rest of the document writes numbers (text)."""
    from ..policies.vocabulary import dated_values

    pol = entry.policy()
    doc = pol.model_dump(mode="json", exclude_none=True)
    found = []
    for track in pol.tracks:
        pieces = [("*", dated_values(track, skip=("indicators",)))]
        pieces += [(ind.id, dated_values(ind, skip=("children",))) for ind in _indicators(track.indicators)]
        for indicator, values in pieces:
            for path, value in values:
                live = _in_force_from(value, as_of)
                found.append({"track": track.id, "indicator": indicator, "field": path,
                              "values": [{"from": day.isoformat(), "value": str(v), "in_force": day == live}
                                         for day, v in value.schedule]})
    if found:
        doc["as_of"] = as_of.isoformat() if as_of is not None else None
        doc["dated_values"] = found
    return render.to_json(doc)


def _indicators(nodes: Sequence[Indicator]) -> list[Indicator]:
    """Every indicator of a tree, depth first in document order."""
    return [x for n in nodes for x in (n, *_indicators(n.children or []))]
