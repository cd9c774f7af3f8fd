"""Words for what a person reads, in the chosen language (``ledger.i18n``): event types,
fields and values from the event catalogue (``ledger.events.names``), the policy's own words
from its labels (``ledger.policies.labels``), the engine's details and line kinds from the
gettext catalogue. Renderers call these; JSON never does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _

if TYPE_CHECKING:
    from ..policies.model import Policy

KINDS = {
    "base": "base points", "floor": "floor", "cap": "cap", "zeroed": "scores 0", "rounding": "rounding",
    "missing_obligation": "not submitted", "quota": "quota", "average": "average", "rank": "rank",
    "ratio": "ratio", "rate": "rate", "veto": "veto", "downgrade": "downgrade", "missing_data": "no data",
    "unscored": "not scored", "on_time": "on time", "late": "late", "poor": "poor quality", "gap": "gap",
    "ticket": "ticket", "formula_term": "formula measure", "formula": "formula result", "value": "reported value",
}
"""Line kinds → their English message ids (translated by the catalogue)."""

_LABELLED = {"report": "reports", "item": "items", "result": "results", "metric": "metrics", "num": "metrics",
             "den": "metrics", "panel": "panels"}
"""Detail values that are policy words, and their label domain."""


def kind(name: str | None) -> str:
    if not name:
        return ""
    return _(KINDS[name]) if name in KINDS else name


def event_type(name: str | None) -> str:
    if not name:
        return ""
    if i18n.is_zh():
        from ..events.names import type_zh

        return type_zh(name) or name
    return name


def field(name: str) -> str:
    if i18n.is_zh():
        from ..events.names import field_zh

        return field_zh(name) or name
    return name


def value(field_name: str, code: Any) -> str:
    if i18n.is_zh():
        from ..events.names import value_zh

        return value_zh(field_name, code) or str(code)
    return str(code)


def detail(text: Any, policy: Policy | None, also: Policy | None = None) -> str:
    """An engine detail in the chosen language: a ``Detail`` keeps its template and values
    (policy words labelled, tracks by their names — of ``policy``, else of ``also``, the other
    side of a diff —, event types, fields and values named, inner details said in turn); other
    text is shown as it is."""
    if text is None:
        return ""
    if not isinstance(text, i18n.Msg) or not i18n.is_zh():
        return str(text)
    from ..policies.labels import word

    def convert(key: str, v: Any, values: dict[str, Any]) -> Any:
        if key in _LABELLED:
            return word(policy, _LABELLED[key], v)
        if key == "event_type":
            return event_type(str(v))
        if key == "kind":
            return kind(str(v))
        base, _sep, suffix = key.partition("_")
        if base == "type" and isinstance(v, str):
            return "/".join(event_type(t) for t in v.split("/"))
        if base == "field" and isinstance(v, str):
            return field(v)
        if base == "value":
            name = values.get("field" + (_sep + suffix if suffix else ""))
            if name is not None and isinstance(v, tuple):  # a condition's values: 市级、省级
                return "、".join(value(str(name), x) if isinstance(x, str) else str(x) for x in v)
            return value(str(name), v) if name is not None and isinstance(v, str) else v
        if key == "finding":
            return value("finding", v)
        if key == "track" and isinstance(v, str):
            return track(policy, v, also)
        return v

    return i18n.tr(text, convert)


def field_value(name: str, code: Any, policies: Sequence[Policy] = ()) -> str:
    """An event field's value as a person reads it: a catalogue value (市级) or a policy word
    (工作动态信息) by its name, yes/no, lists and a correction's changes item by item; ids,
    dates, numbers and the event's own words as they are. In English: the codes."""
    zh = i18n.is_zh()
    if isinstance(code, bool):
        return _("yes") if code else _("no")
    if isinstance(code, (list, tuple)):
        return ("、" if zh else ", ").join(field_value(name, v, policies) for v in code)
    if isinstance(code, dict):
        return ("；" if zh else "; ").join(f"{field(str(k))}→{field_value(str(k), v, policies)}"
                                          for k, v in code.items())
    if code is None:
        return ""
    if not zh or not isinstance(code, str):
        return str(code)
    named = value(name, code)
    if named != code:
        return named
    from ..policies.labels import field_word

    return field_word(policies, name, code)


def fields_text(data: dict[str, Any], policies: Sequence[Policy] = (), leave_out: Iterable[str] = ()) -> str:
    """An event's fields as label：value, in the order recorded (``leave_out``: the envelope
    shown in columns of its own)."""
    sep, pair = ("；", "：") if i18n.is_zh() else ("; ", ": ")
    skip = set(leave_out)
    return sep.join(f"{field(k)}{pair}{field_value(k, v, policies)}" for k, v in data.items()
                    if k not in skip and v not in (None, "", [], {}))


def track(policy: Policy | None, track_id: str, *others: Policy | None) -> str:
    """A track as a person reads it: by its name in Chinese (the policy's word), by its id (what
    ``--track`` takes) in English or when no policy has such a track. ``others``: asked in turn
    when ``policy`` has none (the other side of a diff)."""
    if not i18n.is_zh():
        return track_id
    for pol in (policy, *others):
        if pol is not None:
            named = next((t.name for t in pol.tracks if t.id == track_id), None)
            if named is not None:
                return named
    return track_id


_CODE = __import__("re").compile(r"(?<![A-Za-z0-9_.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![A-Za-z0-9_.@/-])")
_DOMAIN_OF = {"item": "items", "result": "results", "report": "reports", "metric": "metrics", "name": "metrics",
              "panel": "panels"}


def _code_name(code: str, before: str | None, policy: Policy | None) -> str:
    """One code quoted in a policy's text, by its name: after a field's code, that field's value
    (a catalogue value or a policy word); else an event type, a field, a policy word, a value
    only one field of the catalogue has; else the code."""
    from ..events import names
    from ..policies.labels import labels_of, word

    if before is not None and before in names.FIELDS:
        named = value(before, code)
        if named == code and before in _DOMAIN_OF:
            named = word(policy, _DOMAIN_OF[before], code)
        if named != code:
            return named
    if code in names.TYPES:
        return event_type(code)
    if code in names.FIELDS:
        return field(code)
    if policy is not None:
        for domain, codes in labels_of(policy).items():
            if code in codes:
                return word(policy, domain, code)
    if code in ("true", "false"):
        return _("yes") if code == "true" else _("no")
    owners = [f for f, terms in names.VALUES.items() if code in terms]
    return value(owners[0], code) if len(owners) == 1 else code


def named_codes(text: str | None, policy: Policy | None = None) -> str:
    """A policy's text (its 计分方式) with the codes it quotes — ``finding item three_year_plan_task``,
    ``result not_done``, ``(monthly_dynamics)`` — said by their catalogue or policy names in
    Chinese, as a person reads them; a parenthesis that then only repeats the words before it is
    left out. In English, the text as written."""
    if not text or not i18n.is_zh():
        return text or ""
    import re

    def name_run(match: re.Match[str]) -> str:
        run = match.group(0)
        out, before = [], None
        for token in re.split(r"(\s+)", run):
            if not token or token.isspace():
                out.append(token)
                continue
            out.append(_code_name(token, before, policy))
            before = token
        return "".join(out)

    runs = re.compile(rf"{_CODE.pattern}(?:\s+{_CODE.pattern})*")
    named = runs.sub(name_run, text)

    def repeated(match: re.Match[str]) -> str:
        inner = match.group(2).strip()
        head = named[:match.start()]
        return "" if inner and head.endswith(inner) else match.group(0)

    return re.sub(r"([（(])([^（）()]*)([）)])", lambda m: repeated(m), named) if named != text else named
