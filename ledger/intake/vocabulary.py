"""The vocabulary check (issue #15): an item, report kind, metric, panel or channel that no
policy of the event's year names for the unit's groups imports and never scores — so an
import warns (``--strict``: refuses) and lists what the policies do name.

"Names" means: some rule of a track of the unit's groups, in a policy (bundled or published,
any version) of that year, would read the event: it names the value (``item``, ``report``,
``metric``, ``panel``, a ``where`` condition on the field, a checklist's items, a requirement's
default item: its indicator id), or it reads the event type without a condition on that field
(then every value counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..errors import InputError
from ..i18n import Msg

WATCHED: dict[str, tuple[str, str]] = {
    "finding": ("item", "an item"),
    "report_submitted": ("report", "a report kind"),
    "metric": ("name", "a metric"),
    "evaluation": ("panel", "a panel"),
    "hotline_ticket": ("channel", "a channel"),
    "publication": ("channel", "a channel"),
}
"""Event type → (the field checked, what it is called in a warning)."""
ATTRIBUTES: dict[str, str] = {"item": "finding", "report": "report_submitted", "metric": "metric",
                              "panel": "evaluation"}
"""A rule's own key naming a value → the event type it reads."""
ANY = None


@dataclass
class Observed:
    """Distinct (type, unit, year, value) of one import, with the first line and the count."""

    seen: dict[tuple[str, str, int, str], list[Any]] = field(default_factory=dict)

    def add(self, kind: str, unit: str, year: int, value: str, origin: str, line: int) -> None:
        key = (kind, unit, year, value)
        found = self.seen.get(key)
        if found is None:
            self.seen[key] = [origin, line, 1]
        else:
            found[2] += 1


def named(policy: Any) -> dict[str, dict[str, set[str] | None]]:
    """group → event type → the values its tracks' rules name (None: any value counts)."""
    out: dict[str, dict[str, set[str] | None]] = {}
    for track in policy.tracks:
        words = out.setdefault(track.group, {})
        for indicator in track.indicators:
            _collect(indicator, indicator.id, words)
    return out


def _add(words: dict[str, set[str] | None], kind: str, values: Iterable[Any] | None) -> None:
    if kind not in words:
        words[kind] = set()
    current = words[kind]
    if current is ANY:
        return
    if values is ANY:
        words[kind] = ANY
    else:
        current.update(str(v) for v in values if v is not None)


def _condition_values(cond: Any) -> list[Any] | None:
    if isinstance(cond, dict):
        if any(op in cond for op in ("ne", "not_in")):
            return ANY
        out: list[Any] = []
        for op in ("eq", "in"):
            val = cond.get(op)
            if val is not None:
                out.extend(val if isinstance(val, list) else [val])
        return out
    return cond if isinstance(cond, list) else [cond]


def _collect(node: Any, indicator: str, words: dict[str, set[str] | None]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, indicator, words)
        return
    if isinstance(node, dict):
        for item in node.values():
            _collect(item, indicator, words)
        return
    if not isinstance(node, BaseModel):
        return
    fields = type(node).model_fields
    kind_name = getattr(node, "kind", None)
    for attr, kind in ATTRIBUTES.items():
        if attr in fields:
            value = getattr(node, attr)
            if isinstance(value, str):
                _add(words, kind, [value])
            elif value is None and attr == "item" and kind_name == "requirement":
                _add(words, kind, [indicator])  # a requirement's item defaults to its indicator id
    items = getattr(node, "items", None)
    if kind_name == "checklist" and isinstance(items, dict):
        _add(words, "finding", items)
    types = getattr(node, "event", None) or list(getattr(type(node), "where_types", ()))
    if isinstance(types, str):
        types = [types]
    if isinstance(types, list):
        where = getattr(node, "where", None) or {}
        for kind in types:
            if kind in WATCHED:
                checked = WATCHED[kind][0]
                _add(words, kind, _condition_values(where[checked]) if checked in where else ANY)
    for name in fields:
        _collect(getattr(node, name), indicator, words)


def check(observed: Observed, policies: Iterable[Any], groups: dict[str, tuple[str, ...]],
          origin: str | None) -> tuple[list[InputError], list[str]]:
    """(problems: values no policy names, notes: years without any policy, one per file)."""
    by_year: dict[int, list[dict[str, dict[str, set[str] | None]]]] = {}
    for policy in policies:
        by_year.setdefault(policy.year, []).append(named(policy))
    problems: list[InputError] = []
    notes: list[str] = []
    for (kind, unit, year, value), (where, line, count) in sorted(observed.seen.items(), key=lambda kv: kv[1][1]):
        checked, label = WATCHED[kind]
        if year not in by_year:
            note = (f"{where}: no policy (bundled or loaded) is for {year}: items, report kinds, metrics, "
                    "panels and channels were not checked")
            if note not in notes:
                notes.append(note)
            continue
        allowed: set[str] = set()
        unit_groups = groups.get(unit, ())
        for tree in by_year[year]:
            for group in unit_groups:
                values = tree.get(group, {}).get(kind, set())
                if values is ANY:
                    allowed = set()
                    break
                allowed |= values
            else:
                continue
            break
        else:
            if value in allowed:
                continue
            listed = ", ".join(sorted(allowed)) if allowed else "none"
            more = f"; {count} lines give it" if count > 1 else ""
            problems.append(InputError(
                Msg("{label} a policy of {year} names for the unit's groups ({value}): {listed} ({value_2!r} would"
                    " import and never score{more})",
                    label=label, year=year, value=', '.join(unit_groups) or 'none', listed=listed,
                    value_2=_short(value), more=more),
                origin=where, line=line, field=checked, got=repr(_short(value)), problem=False))
    return problems, notes


def _short(value: str) -> str:
    """A value as messages quote it: at most 80 characters (a cell may hold 100,000)."""
    return value if len(value) <= 80 else value[:77] + "..."
