"""Spreadsheet words to the catalogue's canonical values (issue #15).

Cells from CSV and Excel are text (or Excel's own dates and numbers); a clerk writes Chinese
names (通报批评, 满意, 区级), a unit's registered name, dates as Excel shows them (2021/6/3,
2021年6月3日) and periods as 2021年7月. ``canonical`` turns such a row into the canonical one
(EVENTS.md), so the stored event is the same whichever words the file used and re-imports are
idempotent. It runs only when a row fails as written (canonical files pay nothing), and
changes only cells it recognises; everything else is left for the validator to report.

The words come from the event catalogue (``ledger.events.names``: names and aliases) — the
one source for validation, labels, templates and docs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import typing
from typing import Any

from ..events import names
from ..i18n import Msg

RELATIVE_LEVELS = ("市级", "本级", "上级", "同级", "下级")
"""Words whose level depends on who wrote them (a county's 市级 is not the city's): refused,
with the absolute choices, unless a mapping (``--mapping``) resolves them."""

TRUE_WORDS = frozenset({"是", "有", "√", "✓", "满意", "有效", "Y", "y", "yes", "TRUE", "True", "是的"})
FALSE_WORDS = frozenset({"否", "无", "×", "✗", "不满意", "无效", "N", "n", "no", "FALSE", "False"})

_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?\s*(?:0?0:00(?::00)?)?\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?(?:份)?\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*年?(?:度)?\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*年?\s*[-]?\s*(?:第\s*)?(?:Q|q)?([1-4１-４一二三四])\s*(?:季度)?\s*$")
_WHOLE_FLOAT = re.compile(r"^\s*(\d+)\.0*\s*$")
_QUARTER_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


def iso_date(text: str) -> str | None:
    m = _DATE.match(text) or _DATE_COMPACT.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def period(text: str) -> str | None:
    """The canonical period, in ASCII digits (``\\d`` also matches a clerk's full-width ２０２１,
    which ``int`` reads: the stored period is then the one ASCII digits give)."""
    if m := _MONTH.match(text):
        return f"{int(m[1]):04d}-{int(m[2]):02d}" if 1 <= int(m[2]) <= 12 else None
    if m := _YEAR.match(text):
        return f"{int(m[1]):04d}"
    if (m := _QUARTER.match(text)) and ("季" in text or "Q" in text.upper()):
        return f"{int(m[1]):04d}-Q{int(_QUARTER_DIGITS.get(m[2], m[2]))}"
    return None


@functools.cache
def shapes(type_name: str) -> dict[str, str]:
    """Field → 'date' | 'whole' | 'period' | 'flag' | 'enum' | 'text' for one event type."""
    from ..events import base
    from ..events.catalog import CATALOG, _enumerated

    model = CATALOG[type_name]
    out = {}
    for name, info in model.model_fields.items():
        ann = info.annotation
        options = (ann, *typing.get_args(ann))
        if info.metadata:  # a required Annotated field: pydantic keeps its type and metadata apart
            options += (typing.Annotated[(ann, *info.metadata)],)
        if any(o == base.Date for o in options) or name in ("date", "due", "response_due"):
            out[name] = "date"
        elif any(o in (base.NonNegativeInt, base.PositiveInt) for o in options) or \
                (ann is int or int in typing.get_args(ann)):
            out[name] = "whole"
        elif any(o == base.Period for o in options) or name == "period":
            out[name] = "period"
        elif any(o == base.Flag for o in options):
            out[name] = "flag"
        elif _enumerated(ann):
            out[name] = "enum"
        else:
            out[name] = "text"
    return out


@functools.cache
def choices(type_name: str, field: str) -> tuple[str, ...]:
    from ..events.catalog import CATALOG, _enumerated

    info = CATALOG[type_name].model_fields.get(field)
    return tuple(_enumerated(info.annotation)) if info is not None else ()


def label(field: str, value: str) -> str:
    """A value's Chinese name for a person choosing it: the catalogue's name, or its first
    alias that does not depend on who wrote it (``city``: 地市级, not the relative 市级); the
    value itself when the catalogue names none."""
    term = names.values_of(field).get(value)
    if term is None:
        return value
    return next((w for w in (term.zh, *term.aliases) if w not in RELATIVE_LEVELS), value)


def describe_choices(type_name: str, field: str) -> str:
    """``合格 (ok), 质量差 (poor)``: the values by their Chinese names, each with its code."""
    out = []
    for value in choices(type_name, field):
        zh = label(field, value)
        out.append(f"{zh} ({value})" if zh != value else value)
    return ", ".join(out)


def words_of(term: names.Term) -> tuple[str, ...]:
    """A term's words: its name, its aliases, and each part of a name given as alternatives
    ("检查发现/核查结论": 检查发现, 核查结论)."""
    parts = tuple(p for p in term.zh.split("/") if p) if "/" in term.zh else ()
    return (term.zh, *term.aliases, *parts)


@functools.cache
def type_by_word() -> dict[str, str]:
    found: dict[str, str] = {}
    for key, term in names.TYPES.items():
        for word in words_of(term):
            found.setdefault(word, key)
    return found


@functools.cache
def field_by_word() -> dict[str, str]:
    """Header words → field names (the canonical name itself, the Chinese name, aliases)."""
    found: dict[str, str] = {}
    for key, term in names.FIELDS.items():
        found.setdefault(key, key)
        for word in words_of(term):
            found.setdefault(word, key)
    return found


def value_for(type_name: str, field: str, word: str) -> str | None:
    allowed = choices(type_name, field)
    if word in allowed:
        return word
    for key, term in names.values_of(field).items():
        if key in allowed and word in words_of(term):
            return key
    lowered = word.lower()
    return lowered if lowered in allowed else None


class Refused(ValueError):
    """A cell that cannot be read as written: what is expected instead."""

    def __init__(self, field: str, expected: str, got: str):
        super().__init__(expected)
        self.field, self.expected, self.got = field, expected, got


def canonical(data: dict[str, Any], units: dict[str, str] | None = None,
              values: dict[str, dict[str, str]] | None = None, *,
              refused: list[Refused] | None = None) -> dict[str, Any]:
    """The row with the cells it recognises in canonical form. A relative level, a unit name
    that is not registered or an ambiguous one raises ``Refused`` — or, given a ``refused``
    list, is noted there and left as written (every problem of a row: ``checks``)."""
    from ..events.catalog import CATALOG

    def refuse(problem: Refused) -> None:
        if refused is None:
            raise problem
        refused.append(problem)

    row = dict(data)
    kind = row.get("type")
    if isinstance(kind, str) and kind.strip() not in CATALOG:
        kind = type_by_word().get(kind.strip(), kind)
        row["type"] = kind
    if not isinstance(kind, str) or kind not in CATALOG:
        return row
    unit = row.get("unit")
    if isinstance(unit, str) and units is not None and unit not in units.values():
        try:
            row["unit"] = unit_for(unit.strip(), units)
        except Refused as problem:
            refuse(problem)
    mapped = values or {}
    for field, shape in shapes(kind).items():
        cell = row.get(field)
        if not isinstance(cell, str):
            continue
        text = cell.strip()
        if field in mapped and text in mapped[field]:
            row[field] = mapped[field][text]
            continue
        if shape == "date":
            row[field] = iso_date(text) or cell
        elif shape == "whole":
            m = _WHOLE_FLOAT.match(text)
            row[field] = m[1] if m else cell
        elif shape == "period":
            row[field] = period(text) or cell
        elif shape == "flag":
            row[field] = "true" if text in TRUE_WORDS else "false" if text in FALSE_WORDS else cell
        elif shape == "enum":
            found = value_for(kind, field, text)
            if text in RELATIVE_LEVELS and names.FIELD_VALUES.get(field, field) == "level":
                refuse(Refused(field, Msg("a level that does not depend on who wrote it ({text} does; resolve it"
                                          " with a --mapping values entry): one of {choices}",
                                          text=repr(text), choices=describe_choices(kind, field)), repr(text)))
                continue
            row[field] = found or cell
    return row


def unit_for(word: str, units: dict[str, str]) -> str:
    """A unit id from its id or its registered name (``units``: name → id, ambiguous names
    mapped to ''); "did you mean" for a near miss."""
    found = units.get(word)
    if found:
        return found
    if found == "":
        raise Refused("unit", "a unit id (more than one unit is registered under this name)", repr(word))
    near = difflib.get_close_matches(word, [n for n in units if units[n]], n=6, cutoff=0.6)
    if near:
        named = {i: n for n, i in units.items() if i and n != i}  # id → its registered name
        hint = ", ".join(f"{named.get(i, i)} ({i})" for i in list(dict.fromkeys(units[n] for n in near))[:3])
        raise Refused("unit", Msg("a registered unit id or name (see `ledger units list`); did you mean {hint}?",
                                  hint=hint), repr(word))
    raise Refused("unit", "a registered unit id or name (see `ledger units list`)", repr(word))


def unit_names(roster: dict[str, Any]) -> dict[str, str]:
    """name → id for every registered unit, and id → id; a name two units share maps to ''."""
    out: dict[str, str] = {}
    for unit_id, unit in roster.items():
        name = getattr(unit, "name", None)
        if name and name != unit_id:
            out[name] = "" if name in out and out[name] != unit_id else unit_id
    for unit_id in roster:
        out[unit_id] = unit_id
    return out


_ISO_SHAPED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""YYYY-MM-DD as written (ASCII digits, nothing around): ``iso_date`` gives such a cell back
unchanged, or refuses it (then the cell stays as written too)."""


class Reading:
    """``canonical`` for one import at the speed of a lookup: per event type, the shape of
    each field and each enumerated field's words → value, worked out once (not per cell).

    ``convert`` gives what ``canonical`` gives, or None where it cannot be sure the row means
    the same as it would read as written (a unit with spaces around it, a ``--mapping`` value
    word): the caller then takes the careful path (validate as written, then in other words)."""

    def __init__(self, units: dict[str, str] | None = None, values: dict[str, dict[str, str]] | None = None):
        self.units, self.values = units, values or {}
        self.ids = frozenset(v for v in units.values() if v) if units is not None else frozenset()
        self.plans: dict[str, dict[str, str]] = {}
        self.enums: dict[tuple[str, str], tuple[dict[str, str], tuple[str, ...]]] = {}
        from ..events.catalog import CATALOG

        self.catalog = CATALOG

    def _plan(self, kind: str) -> dict[str, str]:
        """The fields of ``kind`` that ``canonical`` may change (its text fields it leaves)."""
        plan = self.plans.get(kind)
        if plan is None:
            plan = self.plans[kind] = {field: shape for field, shape in shapes(kind).items() if shape != "text"}
        return plan

    def _enum(self, kind: str, field: str) -> tuple[dict[str, str], tuple[str, ...]]:
        """``value_for``'s answers as a dict: allowed values first, then each term's words
        in the catalogue's order (the first term naming a word wins, as in ``value_for``)."""
        found = self.enums.get((kind, field))
        if found is None:
            allowed = choices(kind, field)
            table = {value: value for value in allowed}
            for key, term in names.values_of(field).items():
                if key in allowed:
                    for word in words_of(term):
                        table.setdefault(word, key)
            found = self.enums[(kind, field)] = (table, allowed)
        return found

    def _mapped(self, kind: str, row: dict[str, Any]) -> bool:
        """Whether a cell of ``row`` is a word of the mapping's ``values``."""
        mapped, fields = self.values, shapes(kind)
        return any(field in fields and isinstance(row[field], str) and row[field].strip() in mapped[field]
                   for field in mapped.keys() & row.keys())

    def _kind(self, kind: Any) -> str | None:
        """The row's event type, from its name or its Chinese words; None: none."""
        if not isinstance(kind, str):
            return None
        if kind not in self.catalog:
            stripped = kind.strip()
            if stripped not in self.catalog:
                kind = type_by_word().get(stripped, kind)
            if kind not in self.catalog:
                return None
        return kind

    def convert(self, data: dict[str, Any]) -> dict[str, Any] | None:
        kind = self._kind(data.get("type"))
        if kind is None:
            return data  # no type to read the cells by: the validator names the problem
        changed: dict[str, Any] = {}  # field → value read; the row is copied only when a cell changes
        if kind is not data["type"]:
            changed["type"] = kind
        unit = data.get("unit")
        if isinstance(unit, str) and self.units is not None and unit not in self.ids:
            if not unit or unit != unit.strip():
                return None
            changed["unit"] = unit = unit_for(unit, self.units)
        if self.values and self._mapped(kind, {**data, **changed}):
            return None  # a --mapping value word: the careful path applies it as ``canonical`` does
        plan = self.plans.get(kind) or self._plan(kind)
        # each field's cell is read alone, so the order does not matter: the fields in common, at C speed
        for field in plan.keys() & data.keys():
            cell = changed.get(field, data[field])
            if not isinstance(cell, str):
                continue
            shape = plan[field]
            if shape == "date":
                if len(cell) != 10 or not _ISO_SHAPED.fullmatch(cell):
                    changed[field] = iso_date(cell.strip()) or cell
            elif shape == "whole":
                if "." in cell:
                    m = _WHOLE_FLOAT.match(cell.strip())
                    changed[field] = m[1] if m else cell
            elif shape == "period":
                changed[field] = period(cell.strip()) or cell
            elif shape == "flag":
                text = cell.strip()
                changed[field] = "true" if text in TRUE_WORDS else "false" if text in FALSE_WORDS else cell
            elif shape == "enum":
                text = cell.strip()
                if text in RELATIVE_LEVELS and names.FIELD_VALUES.get(field, field) == "level":
                    return None  # refused: the careful path names the choices
                table, allowed = self.enums.get((kind, field)) or self._enum(kind, field)
                found = table.get(text)
                if found is None:
                    lowered = text.lower()
                    found = lowered if lowered in allowed else None
                if found is not None and found != cell:
                    changed[field] = found
        return {**data, **changed} if changed else data
