"""Every problem of a refused row (issue #26), and the words that explain one.

The import's fast path validates a row once and stops at its first problem. A row that fails
is looked at again here, on the error path only (a row that passes costs nothing more): its
cells read in the spreadsheet's words with every refusal kept, the type's fields validated
with every error kept, the unit looked up — so the clerk sees every problem of the row at
once, in the errors file's 问题 column and on the terminal. Enumerations list their values
with their Chinese names and a "did you mean" a clerk can use (通报批评 (criticism)).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Set
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..events import names
from ..events.catalog import CATALOG, EventValidationError, _describe
from ..i18n import Msg
from . import words


def type_hint(got: Any) -> str | Msg:
    """"; did you mean 通报批评 (criticism)?" for a type word close to a type's name or Chinese name."""
    choices = {**{t: t for t in CATALOG if CATALOG[t].importable},
               **{w: t for w, t in words.type_by_word().items() if CATALOG[t].importable}}
    near = difflib.get_close_matches(str(got), list(choices), n=6, cutoff=0.5)
    kinds = list(dict.fromkeys(choices[n] for n in near))[:3]
    if not kinds:
        return ""
    return Msg("; did you mean {name}?", name=", ".join(f"{names.type_zh(k) or k} ({k})" for k in kinds))


TYPE_EXPECTED = "an event type, by its name or its Chinese name (`ledger types` lists them)"


def choices_expected(kind: str, field: str, got: Any, missing: bool = False) -> str:
    """"one of …" listing a field's values with their Chinese names, and a near miss (a
    required value left out: "a value (required field), one of …")."""
    if missing:
        return Msg("a value (required field), one of {values}", values=words.describe_choices(kind, field))
    allowed = words.choices(kind, field)
    candidates = {v: v for v in allowed}
    for value, term in names.values_of(field).items():
        if value in allowed:
            for word in words.words_of(term):
                if word not in words.RELATIVE_LEVELS:
                    candidates.setdefault(word, value)
    near = difflib.get_close_matches(str(got), list(candidates), n=1, cutoff=0.5)
    hint: str | Msg = ""
    if near:
        value = candidates[near[0]]
        hint = Msg("; did you mean {name}?", name=f"{words.label(field, value)} ({value})")
    return Msg("one of {values}{hint}", values=words.describe_choices(kind, field), hint=hint)


def explained(kind: Any, field: str | None, expected: str, got: Any, missing: bool = False) -> str:
    """A validator's expectation in the clerk's terms: types and enumerations with their
    Chinese names and a near miss."""
    if field == "type":
        return Msg("{expected}{hint}", expected=Msg(TYPE_EXPECTED), hint=type_hint(got))
    if field and isinstance(kind, str) and kind in CATALOG and words.choices(kind, field):
        return choices_expected(kind, field, got, missing)
    return expected


def every_problem(data: dict[str, Any], roster: Set[str], origin: str, line: int, show: Any, *,
                  in_words: bool = True) -> list[InputError]:
    """Every problem of a row that failed: a spreadsheet row's cells read in its words (a JSON
    line, ``in_words=False``, keeps JSON's types and the catalogue's values). ``show``: how a
    value is quoted."""
    names_of = getattr(roster, "names", None)
    values = getattr(roster, "values", None)
    refused: list[words.Refused] = []
    row = words.canonical(data, names_of, values, refused=refused) if in_words else data
    out = [InputError(r.expected, origin=origin, line=line, field=r.field, got=r.got) for r in refused]
    taken = {r.field for r in refused}
    kind = row.get("type")
    model = CATALOG.get(kind) if isinstance(kind, str) else None
    if model is None or not model.importable:
        out.append(InputError(explained("type", "type", "", kind), origin=origin, line=line, field="type",
                              got=show(kind)))
        out += _envelope(row, roster, origin, line, show)
        return out
    try:
        if in_words:
            model.model_validate(row)
        else:
            model.model_validate_json(json.dumps(row))
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field, expected = _describe(error, model)
            if field in taken or field in ("recorded_at", "revision"):
                continue
            taken.add(field)
            got = error.get("input")
            out.append(InputError(explained(kind, field, expected, got, error["type"] == "missing"), origin=origin,
                                  line=line, field=field, got=None if isinstance(got, dict) else show(got)))
    unit = row.get("unit")
    if "unit" not in taken and isinstance(unit, str) and unit not in roster:
        from .batches import UNIT_EXPECTED

        out.append(InputError(UNIT_EXPECTED, origin=origin, line=line, field="unit", got=show(unit)))
    return out


def _envelope(row: dict[str, Any], roster: Set[str], origin: str, line: int, show: Any) -> list[InputError]:
    """A row whose type is unknown: its date and unit are still checked."""
    out = []
    date, unit = row.get("date"), row.get("unit")
    if date is None:
        out.append(InputError("a value (required field)", origin=origin, line=line, field="date"))
    elif not (isinstance(date, str) and words.iso_date(date.strip())):
        out.append(InputError("an ISO date YYYY-MM-DD", origin=origin, line=line, field="date", got=show(date)))
    if unit is None:
        out.append(InputError("a value (required field)", origin=origin, line=line, field="unit"))
    elif isinstance(unit, str) and unit not in roster:
        try:
            words.unit_for(unit.strip(), getattr(roster, "names", None) or {u: u for u in roster})
        except words.Refused as refused:
            out.append(InputError(refused.expected, origin=origin, line=line, field="unit", got=refused.got))
    return out


__all__ = ["every_problem", "explained", "EventValidationError"]
