"""Loading policy files: YAML → validated :class:`~ledger.policies.model.Policy`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..i18n import Msg
from . import rule_kinds
from .catalog_check import check_policy
from .errors import PolicyError
from .model import Policy, validate_policy

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "load_policy_file",
    "load_policy_text",
    "policy_file_hash",
    "policy_text_hash",
    "bundled_dir",
    "bundled_policy_files",
    "load_bundled_policy",
]


def policy_text_hash(data: bytes | str) -> str:
    """Canonical content hash: ``sha256:`` + hex digest of the file's bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def policy_file_hash(path: str | Path) -> str:
    return policy_text_hash(Path(path).read_bytes())


def load_policy_file(path: str | Path) -> Policy:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise PolicyError(str(p), "", Msg("a readable policy file ({value})",
                                          value=Msg(e.strerror) if e.strerror else e)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PolicyError(str(p), "", Msg("UTF-8 text (bad byte at offset {start})", start=e.start)) from None
    return _load(text, str(p), policy_text_hash(raw))


def load_policy_text(text: str, origin: str = "<text>") -> Policy:
    return _load(text, origin, policy_text_hash(text))


def _load(text: str, origin: str, digest: str) -> Policy:
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # libyaml when available: same safe subset
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise PolicyError(origin, where, Msg("valid YAML ({problem})", problem=problem)) from None
    except ValueError as e:  # a timestamp-shaped scalar that is no day (2021-13-01): raised by the YAML loader
        raise PolicyError(origin, "", Msg("valid YAML with real dates ({problem})", problem=Msg(str(e)))) from None
    if not isinstance(data, dict):
        raise PolicyError(origin, "", "a YAML mapping with id, version, year, title and tracks")
    try:
        policy = validate_policy(data)
    except ValidationError as e:
        raise _to_policy_error(e, data, origin) from None
    check_policy(policy, origin)
    policy._origin = origin
    policy._content_hash = digest
    return policy


_TYPE_TAGS = ("decimal", "str", "int", "float", "bool", "date", "list", "dict")


def _is_union_tag(el: str) -> bool:
    """A union member / discriminator tag that pydantic adds to an error's location."""
    return el in rule_kinds.kinds() or "[" in el or "(" in el or el[:1].isupper() or el in _TYPE_TAGS


def _clean_loc(loc: tuple[int | str, ...], data: Any) -> str:
    kinds = rule_kinds.kinds()
    parts: list[str] = []
    cur: Any = data
    for i, el in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(el, int):
            if isinstance(cur, list) and 0 <= el < len(cur):
                parts.append(f"[{el}]")
                cur = cur[el]
                continue
            if isinstance(cur, dict) and el in cur:
                parts.append(f".{el}")
                cur = cur[el]
                continue
            continue
        if isinstance(cur, dict) and el in kinds and cur.get("kind") == el:
            continue  # the discriminator tag pydantic adds after a rule
        if isinstance(cur, dict) and el in cur:
            parts.append(f".{el}")
            cur = cur[el]
            continue
        if _is_union_tag(el):
            continue
        if last or not isinstance(cur, dict):
            parts.append(f".{el}")
            cur = None
    return "".join(parts).lstrip(".")


_PYDANTIC = {
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "greater_than": "Input should be greater than {gt}",
    "less_than": "Input should be less than {lt}",
    "too_short": "{field_type} should have at least {min_length} item{expected_plural} after validation, "
                 "not {actual_length}",
    "literal_error": "Input should be {expected}",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_type": "Input should be a valid integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "string_type": "Input should be a valid string",
    "bool_type": "Input should be a valid boolean",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "dict_type": "Input should be a valid dictionary",
    "list_type": "Input should be a valid list",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
    "date_type": "Input should be a valid date",
}
"""pydantic's own sentences for the commonest errors, as message ids (its templates), so that
they can be said in Chinese; an error whose text is not exactly the template's stays as
pydantic wrote it (the English is never changed)."""


def _pydantic_said(typ: str, msg: str, ctx: dict[str, Any]) -> str:
    template = _PYDANTIC.get(typ)
    if template is None:
        return msg
    values = dict(ctx)
    if typ == "too_short":
        values["expected_plural"] = "" if values.get("min_length") == 1 else "s"
    expected = values.get("expected")
    if typ == "literal_error" and isinstance(expected, str) and " or " in expected:
        head, last = expected.rsplit(" or ", 1)
        values["expected"] = Msg("{choices} or {last}", choices=head, last=last)
    try:
        said = Msg(template, **values)
    except (KeyError, IndexError, ValueError):
        return msg
    return said if str(said) == msg else msg


def _describe(err: ErrorDetails) -> str:
    typ = err.get("type", "")
    msg = err.get("msg", "")
    loc = err.get("loc", ())
    if typ == "missing":
        return Msg("required key `{key}` is missing", key=loc[-1])
    if typ == "extra_forbidden":
        return Msg("unknown key `{key}`", key=loc[-1])
    if typ == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return Msg("kind: one of {kinds}, not {tag!r}", kinds=ctx.get('expected_tags', ', '.join(rule_kinds.kinds())),
                   tag=ctx.get('tag'))
    if typ == "union_tag_not_found":
        return Msg("`kind`: one of {kinds}", kinds=', '.join(rule_kinds.kinds()))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        raised = err.get("ctx", {}).get("error")
        if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], Msg) \
                and str(raised.args[0]) == msg:
            msg = raised.args[0]  # the model's own sentence, translatable
    else:
        msg = _pydantic_said(typ, msg, err.get("ctx", {}))
    inp = err.get("input")
    if typ not in ("value_error",) and not isinstance(inp, (dict, list)):
        msg = Msg("{problem} (got {got!r})", problem=msg, got=inp)
    return msg


def _to_policy_error(e: ValidationError, data: Any, origin: str) -> PolicyError:
    errors = e.errors()

    # among union alternatives, prefer the error of the branch that fits the input's shape
    def shape_mismatch(x: ErrorDetails) -> bool:
        return isinstance(x.get("input"), (dict, list)) and (
            "a number such as" in x.get("msg", "") or x.get("type", "").endswith("_type")
            or "Input should be a valid" in x.get("msg", ""))

    first = min(errors, key=lambda x: (shape_mismatch(x), -len(_clean_loc(tuple(x["loc"]), data))))
    path = _clean_loc(tuple(first["loc"]), data)
    expected = _describe(first)
    if len(errors) > 1:
        others = {(_clean_loc(tuple(x["loc"]), data)) for x in errors[1:]} - {path}
        if others:
            expected = Msg("{problem} (and {n} more problem(s), e.g. at {path})", problem=expected, n=len(errors) - 1,
                           path=sorted(others)[0])
    return PolicyError(origin, path, expected)


def bundled_dir() -> Path:
    return Path(__file__).parent / "bundled"


def bundled_policy_files() -> list[Path]:
    """The bundled policy files (not the labels files beside them: ``<id>.labels.yaml``)."""
    return sorted(p for p in bundled_dir().glob("*.yaml") if not p.name.endswith(".labels.yaml"))


def load_bundled_policy(policy_id: str, version: int | None = None) -> Policy:
    """The bundled policy ``policy_id`` (the highest version unless ``version`` is given).
    Only that policy's file is validated (bundled files are named ``<id>[@<version>].yaml``)."""
    found = []
    for f in bundled_policy_files():
        if f.stem.split("@")[0] != policy_id:
            continue
        p = load_policy_file(f)
        if p.id == policy_id and (version is None or p.version == version):
            found.append(p)
    if not found:
        raise KeyError(f"no bundled policy {policy_id}" + (f"@{version}" if version else ""))
    return max(found, key=lambda p: p.version)
