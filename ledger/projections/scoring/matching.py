"""Which facts a rule counts: event types, field conditions and keyword filters, compiled
once per rule and answered from the unit's fact index."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ledger.events.fact import Fact
from ledger.policies.vocabulary import Contains, as_decimal, to_decimal

from .card import Detail
from .index import UnitFacts, fact_key

_num = as_decimal  # a fact field (or a where-comparison value) as a Decimal, or None


def _eq_set(values: Iterable[Any]) -> frozenset[Any]:
    out: set[Any] = set()
    for v in values:
        if isinstance(v, bool):
            out.add(v)
        elif isinstance(v, (int, float, Decimal)):
            d = _num(v)
            out.add(d)
            out.add(str(v))
        else:
            out.add(v)
    return frozenset(out)


def _in(value: Any, allowed: frozenset[Any]) -> bool:
    if isinstance(value, bool):
        return any(a is value for a in allowed)
    try:
        return value in allowed
    except TypeError:
        return False


class Words(tuple):
    """Values a condition allows (``level: [city, province]``): ``city/province`` in English,
    each named and joined with 、 in Chinese (市级、省级) — never a Python list."""

    __slots__ = ()

    def __str__(self) -> str:
        return "/".join(str(v) for v in self)

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731 - str.format shows it so


_OPS = {"eq": "{field}={value}", "in": "{field}={value}", "ne": "{field}≠{value}", "not_in": "{field}≠{value}",
        "gt": "{field}>{value}", "gte": "{field}≥{value}", "lt": "{field}<{value}", "lte": "{field}≤{value}",
        "contains_any": "{field} contains {value}"}


def _condition(field: str, op: str, value: Any) -> Detail:
    if op == "exists":
        return Detail("{field} present" if value else "{field} absent", field=field)
    shown = Words(value) if isinstance(value, list) else value
    return Detail(_OPS[op], field=field, value=shown)


def conditions(where: Mapping[str, Any]) -> Detail | None:
    """A ``where`` as a person reads it — ``channel=column, level=city/province, people≥30``;
    each field, value and operator named in the chosen language by a human format."""
    parts: list[Detail] = []
    for field, cond in where.items():
        ops = cond if isinstance(cond, dict) else ({"in": cond} if isinstance(cond, list) else {"eq": cond})
        parts.extend(_condition(field, op, value) for op, value in ops.items())
    if not parts:
        return None
    return Detail(", ".join(f"{{c{i}}}" for i in range(len(parts))), **{f"c{i}": p for i, p in enumerate(parts)})


def describe(types: Sequence[str], where: Mapping[str, Any]) -> Detail:
    """``publication[channel=column]``: the types and conditions, each a code a human format
    names in its language (the event catalogue's types, fields and values)."""
    conds = conditions(where)
    if conds is None:
        return Detail("{type}", type="/".join(types))
    return Detail("{type}[{conditions}]", type="/".join(types), conditions=conds)


class Matcher:
    """Events of some types whose fields meet conditions (and an optional keyword filter)."""

    __slots__ = ("types", "tests", "key_field", "key_values", "contains", "describe")

    def __init__(self, types: Sequence[str], where: Mapping[str, Any] | None,
                 contains: Contains | None = None) -> None:
        where = where or {}
        self.types = tuple(types)
        tests: list[tuple[str, str, Any]] = []
        key_field = None
        key_values: tuple[Any, ...] = ()
        for field, cond in where.items():
            ops = cond if isinstance(cond, dict) else ({"in": cond} if isinstance(cond, list) else {"eq": cond})
            for op, val in ops.items():
                if op in ("eq", "in"):
                    vals = val if op == "in" else [val]
                    allowed = _eq_set(vals)
                    tests.append((field, "in", allowed))
                    if key_field is None and all(not isinstance(v, bool) for v in vals):
                        key_field = field
                        key_values = tuple(sorted(allowed, key=repr))
                elif op in ("ne", "not_in"):
                    vals = val if op == "not_in" else [val]
                    tests.append((field, "not_in", _eq_set(vals)))
                elif op in ("gt", "gte", "lt", "lte"):
                    # policy operands are read like policy amounts (10/12 is a fraction)
                    tests.append((field, op, to_decimal(val)))
                elif op == "exists":
                    tests.append((field, "exists", bool(val)))
                elif op == "contains_any":
                    tests.append((field, "contains_any", tuple(str(x) for x in val)))
        # the indexed field is tested by the lookup itself only for exact string keys
        self.tests = tuple(tests)
        self.key_field = key_field
        self.key_values = key_values
        self.contains = (tuple(contains.fields), tuple(contains.any)) if contains else None
        self.describe = describe(self.types, where)

    def test(self, f: Fact) -> bool:
        fields = f.fields
        for field, op, arg in self.tests:
            v = fields.get(field)
            if op == "in":
                if v is None or not _in(v, arg):
                    return False
            elif op == "not_in":
                if v is not None and _in(v, arg):
                    return False
            elif op == "exists":
                if (v is not None) != arg:
                    return False
            elif op == "contains_any":
                if v is None or not any(w in str(v) for w in arg):
                    return False
            else:
                n = _num(v)
                if n is None:
                    return False
                if op == "gt" and not n > arg:
                    return False
                if op == "gte" and not n >= arg:
                    return False
                if op == "lt" and not n < arg:
                    return False
                if op == "lte" and not n <= arg:
                    return False
        if self.contains is not None:
            names, words = self.contains
            text = " ".join(str(fields.get(n) or "") for n in names)
            if not any(w in text for w in words):
                return False
        return True

    def select(self, uf: UnitFacts, year: int) -> list[Fact]:
        """Matching facts dated in ``year``, in (date, revision, id) order."""
        lists = []
        if self.key_field is not None:
            for t in self.types:
                idx = uf.index(t, self.key_field)
                if not idx:
                    continue
                for v in self.key_values:
                    lst = idx.get(v)
                    if lst:
                        lists.append(lst)
        else:
            for t in self.types:
                lst = uf.of(t)
                if lst:
                    lists.append(lst)
        if not lists:
            return []
        test = self.test
        if len(lists) == 1:
            return [f for f in lists[0] if f.date.year == year and test(f)]
        seen: set[str] = set()
        out: list[Fact] = []
        for lst in lists:
            for f in lst:
                if f.id not in seen and f.date.year == year and test(f):
                    seen.add(f.id)
                    out.append(f)
        out.sort(key=fact_key)
        return out
