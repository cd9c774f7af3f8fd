"""The event catalog: type name → model, and validation at the import boundary."""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ..i18n import Msg
from . import corrections, evidence, hotline, ledger_records, publicity, sanctions, supervision, work
from .base import CALLER_ID_EXPECTED, ENVELOPE_KEYS, NAME_PATTERN, TEXT_PATTERN, Event

FAMILIES: dict[str, list[type[Event]]] = {
    "sanctions": sanctions.TYPES,
    "supervised_items": supervision.TYPES,
    "publicity": publicity.TYPES,
    "work": work.TYPES,
    "hotline": hotline.TYPES,
    "corrections": corrections.TYPES,
    "evidence": evidence.TYPES,
    "ledger": ledger_records.TYPES,
}

CATALOG: dict[str, type[Event]] = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for models in FAMILIES.values()
    for model in models
}
for _name, _model in CATALOG.items():
    _model.type_name = _name


def _is_number(annotation: Any) -> bool:
    """``Decimal`` itself, or a union / annotated type with ``Decimal`` among its arguments."""
    return Decimal in (annotation, *getattr(annotation, "__args__", ()))


NUMBER_FIELDS: dict[str, tuple[str, ...]] = {
    name: fields for name, model in CATALOG.items()
    if (fields := tuple(f for f, info in model.model_fields.items() if _is_number(info.annotation)))
}
"""Type → its number fields (read exactly; see ``intake.prepare``)."""
IMPORTABLE = sorted(name for name, model in CATALOG.items() if model.importable)
AMENDMENTS = frozenset(model.type_name for model in corrections.TYPES)
"""Retractions, corrections and appeals: events about other events, never facts themselves."""
FACT_TYPES = frozenset(IMPORTABLE) - AMENDMENTS



@functools.cache
def _validator() -> Any:
    """One discriminated union: parsing and validating a JSON line is a single call into
    pydantic-core, the import's hot path. Built on first use (start-up: the event models are
    ``defer_build``, so commands that only read the ledger never build a validator)."""
    # The union is built at run time from the catalog, so it is a value (Any) to the type checker.
    union: Any = Annotated[
        Union[tuple(model for model in CATALOG.values() if model.importable)],  # noqa: UP007 (no `|` over a tuple)
        Field(discriminator="type")]
    return TypeAdapter(union).validator


def build_all() -> None:
    """Build now what is otherwise built on first use: the union validator and every model's
    validator and serializer (before forking a process that will validate and encode)."""
    _validator()
    for model in CATALOG.values():
        model.model_rebuild()


class EventValidationError(ValueError):
    """One invalid field of one event: ``field`` is the key, ``expected`` says what fits."""

    def __init__(self, field: str | None, expected: str, got: Any = None):
        self.field = field
        self.expected = expected
        self.got = got
        where = f"field '{field}': " if field else ""
        got_text = f" (got {json.dumps(got, ensure_ascii=False, default=str)[:80]})" if got is not None else ""
        super().__init__(f"{where}expected {expected}{got_text}")


def model_for(type_name: Any, *, internal: bool = False) -> type[Event]:
    model = CATALOG.get(type_name) if isinstance(type_name, str) else None
    if model is None or (not model.importable and not internal):
        raise EventValidationError("type", Msg("one of: {values}", values=", ".join(IMPORTABLE)), type_name)
    return model


def _describe(error: ErrorDetails, model: type[Event]) -> tuple[str, str]:
    loc = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        if error["loc"][0] == "evidence":
            return loc, "no unknown keys; an evidence entry has: name, sha256"
        known = ", ".join(name for name in model.model_fields if name != "type")
        return loc, Msg("no unknown keys; the fields of '{type}' are: {known}", type=model.type_name, known=known)
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        if error["loc"][0] == "evidence":
            return loc, 'an object {"name": …, "sha256": …} (one per supporting file)'
        return loc, "an object (JSON text in a CSV cell)" if loc == "changes" else "an object"
    if kind == "list_type":
        return loc, "a list (CSV: items separated by ';', or JSON text)"
    if kind == "missing":
        return loc, "a value (required field)"
    if loc == "id" and kind.startswith("string"):
        return loc, CALLER_ID_EXPECTED
    if kind in ("literal_error", "enum"):
        return loc, Msg("one of {values}", values=_choices(str(error.get("ctx", {}).get("expected", ""))))
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_PATTERN:
        return loc, "text with a visible character on one line (a name: no line breaks, tabs or control characters)"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == TEXT_PATTERN:
        return loc, "text with a visible character and no NUL (leave the key out when there is no value)"
    if kind == "string_pattern_mismatch" and loc in ("target", "targets", "appeal", "of", "publication") \
            or loc.startswith("targets."):
        return loc, "an event id without NUL characters"
    if kind.startswith("date"):
        return loc, "an ISO date YYYY-MM-DD"
    if kind.startswith("int"):
        return loc, "a whole number"
    if kind.startswith("bool"):
        return loc, "true or false"
    if kind.startswith("decimal") or kind.startswith("float"):
        return loc, "a number"
    if kind == "value_error":
        raised = error.get("ctx", {}).get("error", error["msg"])
        return loc, raised.args[0] if isinstance(raised, ValueError) and raised.args and \
            isinstance(raised.args[0], Msg) else str(raised)
    message = error["msg"]
    for prefix in ("Input should be ", "Value should be ", "Value error, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    return loc, message


def _choices(text: str) -> str:
    """pydantic's "'a', 'b' or 'c'" with its "or" translatable."""
    head, sep, last = text.rpartition(" or ")
    return Msg("{values} or {last}", values=head, last=last) if sep else text


def validate(raw: dict[str, Any] | bytes, *, internal: bool = False) -> Event:
    """Validate one event (a parsed object, or one JSON line as bytes); raise
    EventValidationError on the first problem, naming the field."""
    try:
        if internal:
            data = json.loads(raw) if isinstance(raw, bytes) else raw
            return model_for(data.get("type"), internal=True).model_validate(data)
        if isinstance(raw, bytes):
            return _validator().validate_json(raw)  # pydantic-core itself: no wrapper per call
        return _validator().validate_python(raw)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        kind = error["type"]
        if kind == "json_invalid":
            raise EventValidationError(None, Msg("a JSON object ({error})", error=error['ctx']['error'])) from None
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            got = error.get("ctx", {}).get("tag")
            raise EventValidationError("type", Msg("one of: {values}", values=", ".join(IMPORTABLE)), got) from None
        loc = error["loc"]
        if kind in ("model_attributes_type", "dict_type", "model_type") and len(loc) <= 1:
            raise EventValidationError(None, "a JSON object with a 'type' key") from None
        model = CATALOG.get(str(loc[0])) if loc else None
        if model is not None and not internal:
            error = {**error, "loc": loc[1:]}
        else:
            model = model_for(raw.get("type") if isinstance(raw, dict) else None, internal=True) \
                if isinstance(raw, dict) else CATALOG["warning"]
        field, expected = _describe(error, model)
        return _raise(field, expected, error.get("input"))


def _raise(field: str, expected: str, got: Any) -> Event:
    if isinstance(got, dict):
        got = None
    raise EventValidationError(field, expected, got)


def _enumerated(annotation: Any) -> list[str]:
    """The values a field may take when it is an enumeration (Literal or StrEnum), else []."""
    import enum
    import typing

    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(e.value) for e in annotation]
    for arg in typing.get_args(annotation):
        if found := _enumerated(arg):
            return found
    return []


def missing_names() -> list[str]:
    """Event types, fields and enumerated values of the catalog that ``names`` does not name
    (``tests/test_i18n.py`` keeps this empty)."""
    from . import names

    missing = [f"type {t}" for t in CATALOG if t not in names.TYPES]
    for type_name, model in CATALOG.items():
        for field, info in model.model_fields.items():
            if field not in names.FIELDS:
                missing.append(f"field {type_name}.{field}")
            if field == "type":
                continue
            missing += [f"value {type_name}.{field}={v}" for v in _enumerated(info.annotation)
                        if v not in names.values_of(field)]
    return missing


def field_kinds(type_name: str) -> dict[str, str]:
    """Field → 'list' | 'dict' | 'scalar', for CSV cells that carry JSON."""
    model = CATALOG[type_name]
    kinds = {}
    for name, info in model.model_fields.items():
        text = repr(info.annotation)
        kinds[name] = "list" if "list[" in text else "dict" if "dict[" in text else "scalar"
    return kinds


__all__ = ["AMENDMENTS", "FACT_TYPES", "CATALOG", "ENVELOPE_KEYS", "EventValidationError", "IMPORTABLE", "validate",
           "model_for", "field_kinds"]
