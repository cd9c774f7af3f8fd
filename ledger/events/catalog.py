"""The event catalog: type name → model, and validation at the import boundary."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from . import corrections, hotline, publicity, registry, sanctions, supervision, work
from .base import ENVELOPE_KEYS, Event

FAMILIES = {
    "sanctions": sanctions.TYPES,
    "supervised_items": supervision.TYPES,
    "publicity": publicity.TYPES,
    "work": work.TYPES,
    "hotline": hotline.TYPES,
    "corrections": corrections.TYPES,
    "ledger": registry.TYPES,
}

CATALOG: dict[str, type[Event]] = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for models in FAMILIES.values()
    for model in models
}
for _name, _model in CATALOG.items():
    _model.type_name = _name

IMPORTABLE = sorted(name for name, model in CATALOG.items() if model.importable)


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
        raise EventValidationError("type", "one of: " + ", ".join(IMPORTABLE), type_name)
    return model


def _describe(error: dict[str, Any], model: type[Event]) -> tuple[str, str]:
    loc = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        known = ", ".join(name for name in model.model_fields if name != "type")
        return loc, f"no unknown keys; the fields of '{model.type_name}' are: {known}"
    if kind == "missing":
        return loc, "a value (required field)"
    if kind == "literal_error":
        ctx = error.get("ctx", {})
        return loc, f"one of {ctx.get('expected', '')}"
    if kind == "enum":
        ctx = error.get("ctx", {})
        return loc, f"one of {ctx.get('expected', '')}"
    if kind.startswith("date"):
        return loc, "an ISO date YYYY-MM-DD"
    if kind.startswith("int"):
        return loc, "a whole number"
    if kind.startswith("bool"):
        return loc, "true or false"
    if kind.startswith("decimal") or kind.startswith("float"):
        return loc, "a number"
    if kind == "value_error":
        return loc, str(error.get("ctx", {}).get("error", error["msg"]))
    message = error["msg"]
    for prefix in ("Input should be ", "Value should be ", "Value error, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    return loc, message


def validate(raw: dict[str, Any], *, internal: bool = False) -> Event:
    """Validate one event object (already parsed); raise EventValidationError on the first
    problem, naming the field."""
    model = model_for(raw.get("type"), internal=internal)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field, expected = _describe(error, model)
        return _raise(field, expected, error.get("input"))


def _raise(field: str, expected: str, got: Any) -> Event:
    if isinstance(got, dict):
        got = None
    raise EventValidationError(field, expected, got)


def field_kinds(type_name: str) -> dict[str, str]:
    """Field → 'list' | 'dict' | 'scalar', for CSV cells that carry JSON."""
    model = CATALOG[type_name]
    kinds = {}
    for name, info in model.model_fields.items():
        text = repr(info.annotation)
        kinds[name] = "list" if "list[" in text else "dict" if "dict[" in text else "scalar"
    return kinds


__all__ = ["CATALOG", "ENVELOPE_KEYS", "EventValidationError", "IMPORTABLE", "validate",
           "model_for", "field_kinds"]
