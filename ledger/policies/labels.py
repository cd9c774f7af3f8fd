"""Names of the words a policy defines — finding items and results, report kinds, metrics,
evaluation panels — for what a person reads (never for scoring).

Three sources, the later winning:

1. derived from the policy itself: a ``requirement``'s item, a ``report``'s kind, a metric,
   a panel, an item in a ``where`` is named by the indicator whose rule names it (when only
   one indicator does; the indicator's name is the policy's own word for it);
2. the labels file beside a bundled policy, ``bundled/<id>.labels.yaml`` (same keys as 3). It
   is not part of the policy's text, so it can be completed or corrected without changing the
   policy's hash: released policy files are never edited in place;
3. the policy's optional ``labels:`` section (new policies).

Panels and channels also have catalogue names (``ledger.events.names``), used when the
policy names them nowhere. In English (``--lang en``) every word is its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .. import i18n

if TYPE_CHECKING:
    from .model import Indicator, Policy

DOMAINS = ("reports", "items", "results", "metrics", "panels")

_FIELD_OF_DOMAIN = {"reports": "report", "items": "item", "results": "result", "metrics": "name",
                    "panels": "panel"}
_DOMAIN_OF_FIELD = {"report": "reports", "item": "items", "result": "results", "metric": "metrics",
                    "name": "metrics", "panel": "panels"}


def labels_file(policy_id: str) -> Any:
    from .loader import bundled_dir

    return bundled_dir() / f"{policy_id}.labels.yaml"


def _walk(indicators: list[Indicator]) -> Iterator[Indicator]:
    for ind in indicators:
        yield ind
        yield from _walk(ind.children or [])


def _words_of(node: Any, found: dict[str, set[str]]) -> None:
    """The policy words a piece of a rule names: kinds, items, metrics, panels."""
    from pydantic import BaseModel

    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in ("report", "item", "metric", "panel") and isinstance(value, str):
                found[_DOMAIN_OF_FIELD[name]].add(value)
            elif name == "where" and isinstance(value, dict):
                for key, cond in value.items():
                    domain = _DOMAIN_OF_FIELD.get(key)
                    if domain and key != "name":
                        for v in cond if isinstance(cond, list) else [cond]:
                            if isinstance(v, str):
                                found[domain].add(v)
            else:
                _words_of(value, found)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _words_of(item, found)


def _derived(policy: Policy) -> dict[str, dict[str, str]]:
    named: dict[str, dict[str, list[str]]] = {d: {} for d in DOMAINS}
    for track in policy.tracks:
        for ind in _walk(track.indicators):
            rules = list(ind.rules or []) + ([ind.rule] if ind.rule is not None else [])
            found: dict[str, set[str]] = {d: set() for d in DOMAINS}
            _words_of(rules, found)
            for r in rules:  # a requirement without `item` checks the indicator's id
                if getattr(r, "kind", None) in ("requirement", "checklist") and getattr(r, "item", "") is None:
                    found["items"].add(ind.id)
            for domain in ("reports", "items", "metrics", "panels"):
                for word in found[domain]:
                    named[domain].setdefault(word, [])
                    if ind.name not in named[domain][word]:
                        named[domain][word].append(ind.name)
    return {d: {w: names[0] for w, names in words.items() if len(names) == 1} for d, words in named.items()}


def _labels_data(policy_id: str) -> dict[str, Any]:
    path = labels_file(policy_id)
    if not path.is_file():
        return {}
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def issuer(policy: Policy) -> str:
    """The office that issues the policy's documents (通报 masthead and signature): the labels
    file's ``issuer``, else the last parenthesised issuer of a source title ("关于印发…的通知
    （某某领导小组，2021年5月17日）"), else "" (the document then names none)."""
    cached: str | None = policy._compiled.get("__issuer__")
    if cached is not None:
        return cached
    name = str(_labels_data(policy.id).get("issuer") or "").strip()
    if not name:
        import re

        for source in policy.sources or []:
            found = re.search(r"（([^（），,]+)[，,]\s*\d{4}年\d{1,2}月\d{1,2}日）\s*$", source.title or "")
            if found:
                name = found.group(1)
                break
    policy._compiled["__issuer__"] = name
    return name


DOCUMENT_KEYS = ("to", "cc", "lead", "each", "each_ungraded", "closing", "contact")
"""The 通报's words a labels file may give under ``document:`` (docs/documents.md): its 主送 and
抄送, the lead paragraph's templates (``lead`` once, ``each`` per score table, ``each_ungraded``
for a track without grades), the ``closing`` paragraph and whom a recipient asks (``contact``)."""


def document_words(policy: Policy) -> dict[str, str]:
    """The labels file's ``document:`` words (Chinese: the office's own), checked: a mapping of
    those keys to one-line or paragraph texts. A bad entry is an input error naming the file."""
    cached: dict[str, str] | None = policy._compiled.get("__document__")
    if cached is not None:
        return cached
    from ..errors import InputError
    from ..i18n import Msg

    raw = _labels_data(policy.id).get("document") or {}
    origin = str(labels_file(policy.id))
    if not isinstance(raw, dict):
        raise InputError("a mapping of document words (to, cc, lead, each, each_ungraded, closing, contact)",
                         origin=origin, field="document", got=type(raw).__name__)
    found: dict[str, str] = {}
    for key, value in raw.items():
        if key not in DOCUMENT_KEYS:
            raise InputError(Msg("one of {values}", values=", ".join(DOCUMENT_KEYS)), origin=origin,
                             field=f"document.{key}", got=repr(key))
        if not isinstance(value, str):
            raise InputError("a text", origin=origin, field=f"document.{key}", got=repr(value))
        found[key] = " ".join(value.split()) if key not in ("lead", "each", "each_ungraded", "closing") \
            else value.strip()
    policy._compiled["__document__"] = found
    return found


def labels_of(policy: Policy) -> dict[str, dict[str, str]]:
    """Domain → code → 中文 for this policy (cached on the policy)."""
    cached: dict[str, dict[str, str]] | None = policy._compiled.get("__labels__")
    if cached is not None:
        return cached
    merged = _derived(policy)
    data = _labels_data(policy.id)
    if data:
        for domain in DOMAINS:
            merged[domain].update({str(k): str(v) for k, v in (data.get(domain) or {}).items()})
    if policy.labels is not None:
        for domain in DOMAINS:
            merged[domain].update(getattr(policy.labels, domain))
    policy._compiled["__labels__"] = merged
    return merged


def word(policy: Policy | None, domain: str, code: Any) -> str:
    """The name of a policy word in the chosen language (the code itself in English, or
    when nothing names it)."""
    text = "" if code is None else str(code)
    if not i18n.is_zh() or not text:
        return text
    if policy is not None:
        got = labels_of(policy)[domain].get(text)
        if got:
            return got
    if domain == "panels":
        from ..events.names import value_zh

        return value_zh("panel", text) or text
    return text


def field_word(policies: Sequence[Policy], field: str, code: Any) -> str:
    """The name of an event field's value that is a policy word (a finding's item and result,
    a report's kind, a metric, a panel) as the first of ``policies`` naming it says it — for
    what shows events without one policy (a unit's history); the code when none names it."""
    domain = _DOMAIN_OF_FIELD.get(field)
    text = "" if code is None else str(code)
    if domain is None or not text:
        return text
    for policy in policies:
        got = word(policy, domain, text)
        if got != text:
            return got
    return word(None, domain, text)


def policies_scoring(entries: Iterable[Any], groups: Iterable[str], years: Iterable[int]) -> list[Policy]:
    """The policies (``registry.Entry``s, newest version first) of these years with a track for
    one of these groups: whose words name a unit's events."""
    groups, years = set(groups), set(years)
    found = []
    for entry in sorted(entries, key=lambda e: (e.id, -e.version)):
        if entry.year in years:
            policy = entry.policy()
            if any(track.group in groups for track in policy.tracks):
                found.append(policy)
    return found
