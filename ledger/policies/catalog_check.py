"""Policies checked against the event catalog: every event type, field and value a policy
names must exist in EVENTS.md's catalog, or the rule would silently never match.

(``level: national`` would load and never count a media report: the catalog's word for
国家级 is ``central``.)
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from enum import Enum
from typing import Any

from pydantic import BaseModel

from ..events.catalog import CATALOG, NUMBER_FIELDS
from ..i18n import Msg
from .errors import PolicyError

ENVELOPE = {"type", "unit", "date", "id", "source", "note", "actor", "evidence"}


def _allowed(annotation: Any) -> set[str] | None:
    """The values a field accepts when it is a closed set (Literal or Enum), else None."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return {str(a) for a in args}
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {m.value for m in annotation}
    if args:  # Optional[...] / Union
        found: set[str] = set()
        for arg in args:
            if arg is type(None):
                continue
            sub = _allowed(arg)
            if sub is None:
                return None
            found |= sub
        return found or None
    return None


def _walk(node: Any, path: str) -> Iterator[tuple[Any, str]]:
    yield node, path
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(node, dict):  # named pieces (a formula's measures)
        for key, item in node.items():
            if isinstance(item, BaseModel):
                yield from _walk(item, f"{path}.{key}")


def _values(cond: Any) -> list[Any]:
    if isinstance(cond, dict):
        out: list[Any] = []
        for op, val in cond.items():
            if op in ("eq", "ne", "in", "not_in"):
                out.extend(val if isinstance(val, list) else [val])
        return out
    return cond if isinstance(cond, list) else [cond]


def _types(node: Any) -> list[str] | None:
    """The event types a piece of a policy names — or, for pieces that filter events of a fixed
    type (a hotline measure's `where` on tickets), that type."""
    if not isinstance(node, BaseModel):
        return None
    types = getattr(node, "event", None) or list(getattr(node, "where_types", ()))
    return types if isinstance(types, list) and types else None


def check_policy(policy: Any, origin: str) -> None:
    for node, path in _walk(policy, ""):
        types = _types(node)
        if not types:
            continue
        for t in types:
            if t not in CATALOG:
                raise PolicyError(origin, f"{path}.event", Msg("an event type of the catalog (EVENTS.md), not {t!r}",
                                                               t=t))
        fields: dict[str, Any] = {}
        for t in types:
            for name, info in CATALOG[t].model_fields.items():
                fields.setdefault(name, info.annotation)
        where = getattr(node, "where", None) or {}
        for field, cond in where.items():
            if field not in fields:
                raise PolicyError(origin, f"{path}.where.{field}",
                                  Msg("a field of {types} (fields: {fields})",
                                      types='/'.join(types), fields=', '.join(sorted(fields))))
            allowed = _allowed(fields[field])
            if allowed is not None:
                for value in _values(cond):
                    if isinstance(value, bool) or str(value) not in allowed:
                        raise PolicyError(origin, f"{path}.where.{field}",
                                          Msg("one of {allowed} (not {value!r})",
                                              allowed=', '.join(sorted(allowed)), value=value))
        by = getattr(node, "by", None)
        if isinstance(by, str):
            if by not in fields:
                raise PolicyError(origin, f"{path}.by", Msg("a field of {types}", types='/'.join(types)))
            allowed = _allowed(fields[by])
            if allowed is not None:
                for key in (getattr(node, "amounts", None) or {}):
                    if str(key) not in allowed:
                        raise PolicyError(origin, f"{path}.amounts.{key}",
                                          Msg("a value of {by}: one of {allowed}",
                                              by=by, allowed=', '.join(sorted(allowed))))
        contains = getattr(node, "contains", None)
        if contains is not None:
            for field in contains.fields:
                if field not in fields:
                    raise PolicyError(origin, f"{path}.contains.fields", Msg("a text field of {types}",
                                                                             types='/'.join(types)))
        _check_number_field(node, path, types, fields, origin)


def _check_number_field(node: Any, path: str, types: list[str], fields: dict[str, Any], origin: str) -> None:
    field = getattr(node, "field", None)
    if isinstance(field, str):  # a sum over a number field
        if field not in fields:
            raise PolicyError(origin, f"{path}.field",
                              Msg("a field of {types} (fields: {fields})",
                                  types='/'.join(types), fields=', '.join(sorted(fields))))
        if not all(field in NUMBER_FIELDS.get(t, ()) or _whole(CATALOG[t], field) for t in types):
            raise PolicyError(origin, f"{path}.field", Msg("a number field of {types}, not {field!r}",
                                                           types='/'.join(types), field=field))


def _whole(model: Any, field: str) -> bool:
    """Counts (``attendees``, ``people``, ``count`` …) are whole-number fields."""
    info = model.model_fields.get(field)

    def is_int(a: Any) -> bool:
        return a is int or any(is_int(x) for x in typing.get_args(a) if not isinstance(x, str))

    return info is not None and is_int(info.annotation)
