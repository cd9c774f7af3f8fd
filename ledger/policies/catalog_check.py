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

from ..events.catalog import CATALOG
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


def _values(cond: Any) -> list[Any]:
    if isinstance(cond, dict):
        out: list[Any] = []
        for op, val in cond.items():
            if op in ("eq", "ne", "in", "not_in"):
                out.extend(val if isinstance(val, list) else [val])
        return out
    return cond if isinstance(cond, list) else [cond]


def check_policy(policy: Any, origin: str) -> None:
    for node, path in _walk(policy, ""):
        types = getattr(node, "event", None) if isinstance(node, BaseModel) else None
        if not types or not isinstance(types, list):
            continue
        for t in types:
            if t not in CATALOG:
                raise PolicyError(origin, f"{path}.event", f"an event type of the catalog (EVENTS.md), not {t!r}")
        fields: dict[str, Any] = {}
        for t in types:
            for name, info in CATALOG[t].model_fields.items():
                fields.setdefault(name, info.annotation)
        where = getattr(node, "where", None) or {}
        for field, cond in where.items():
            if field not in fields:
                raise PolicyError(origin, f"{path}.where.{field}",
                                  f"a field of {'/'.join(types)} (fields: {', '.join(sorted(fields))})")
            allowed = _allowed(fields[field])
            if allowed is not None:
                for value in _values(cond):
                    if isinstance(value, bool) or str(value) not in allowed:
                        raise PolicyError(origin, f"{path}.where.{field}",
                                          f"one of {', '.join(sorted(allowed))} (not {value!r})")
        by = getattr(node, "by", None)
        if isinstance(by, str):
            if by not in fields:
                raise PolicyError(origin, f"{path}.by", f"a field of {'/'.join(types)}")
            allowed = _allowed(fields[by])
            if allowed is not None:
                for key in (getattr(node, "amounts", None) or {}):
                    if str(key) not in allowed:
                        raise PolicyError(origin, f"{path}.amounts.{key}",
                                          f"a value of {by}: one of {', '.join(sorted(allowed))}")
        contains = getattr(node, "contains", None)
        if contains is not None:
            for field in contains.fields:
                if field not in fields:
                    raise PolicyError(origin, f"{path}.contains.fields", f"a text field of {'/'.join(types)}")
