"""``ledger import --mapping FILE.yaml``: a platform export's own columns as events (issue #15).

A mapping file names, for each row of the export, the events it becomes::

    values:                      # field → the export's word → the catalogue's value
      satisfied: {基本满意: true}
      issuer_level: {市级: city, 本级: district}   # relative words, resolved for this issuer
    events:
      - type: hotline_ticket
        fields:
          id: "12345-{工单编号}"         # {column}: the row's cell; {column|date}: its date part
          unit: "{承办单位}"
          ticket: "{工单编号}"
          date: "{受理时间|date}"
      - type: hotline_replied
        when: 办结时间                  # only rows where this column (or each of a list) has a value
        fields: {…, quality: ok}        # text without braces is a constant

A field whose template names a blank cell is left out (the validator then reports a required
one). Cells go through the same spreadsheet words as any CSV (Chinese names, registered unit
names, Excel dates), so ids derived from the export's keys make a re-import idempotent.
Without ``events`` the file is read as usual (the catalogue's columns) and only ``values`` apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..i18n import Msg
from ..reports.safe import unmark
from .sources import HEADER_SEARCH_ROWS, SourceLine, header_row_past_end

KEYS = ("values", "events", "header_row")
EVENT_KEYS = ("type", "fields", "when")
FILTERS = ("date",)
_PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([^{}]*))?\}")
_DATE_PART = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass(frozen=True, slots=True)
class Template:
    """A field's value: literal text and ``{column}`` / ``{column|filter}`` placeholders."""

    parts: tuple[tuple[str, str | None, str | None], ...]
    """(literal text before, column or None, filter or None) …"""

    def render(self, row: dict[str, str]) -> str | None:
        out = []
        for text, column, filt in self.parts:
            out.append(text)
            if column is None:
                continue
            cell = row.get(column, "").strip()
            if not cell:
                return None
            if filt == "date" and (m := _DATE_PART.match(cell)):
                cell = f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
            out.append(cell)
        return "".join(out)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for _, c, _ in self.parts if c is not None)


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    fields: tuple[tuple[str, Template], ...]
    when: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mapping:
    path: str
    events: tuple[EventSpec, ...]
    values: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    header_row: int | None = None

    @property
    def value_words(self) -> dict[str, dict[str, str]]:
        """field → word → value (``Roster.values``)."""
        return {field: dict(words) for field, words in self.values}

    @property
    def columns(self) -> tuple[str, ...]:
        """Every export column the mapping reads, in the order named."""
        found: dict[str, None] = {}
        for spec in self.events:
            for _, template in spec.fields:
                found.update(dict.fromkeys(template.columns))
            found.update(dict.fromkeys(spec.when))
        return tuple(found)

    def is_header(self, cells: list[str]) -> bool:
        names = {c.strip() for c in cells}
        return all(c in names for c in self.columns)

    def lines(self, rows: Iterator[tuple[int, list[str]]], path: str,
              header_row: int | None = None) -> Iterator[SourceLine]:
        """The events of each row of an export (several lines with the row's number)."""
        wanted = header_row or self.header_row
        header: list[str] | None = None
        looked: list[tuple[int, list[str]]] = []
        last = 0
        for number, cells in rows:
            last = number
            if header is None:
                if wanted is not None and number < wanted:
                    continue
                if not any(c.strip() for c in cells):
                    continue
                looked.append((number, cells))
                if wanted is not None or self.is_header(cells):
                    header = [c.strip() for c in cells]
                    missing = [c for c in self.columns if c not in header]
                    if missing:
                        raise InputError(Msg("the columns the mapping {path} reads ({missing} missing from this"
                                             " header row)",
                                             path=self.path, missing=', '.join(missing)), origin=path, line=number)
                elif len(looked) >= HEADER_SEARCH_ROWS:
                    break
                continue
            if not any(c.strip() for c in cells):
                continue
            row = {name: unmark(cell) for name, cell in zip(header, cells, strict=False) if name}
            for spec in self.events:
                if any(not row.get(c, "").strip() for c in spec.when):
                    continue
                data: dict[str, Any] = {"type": spec.type}
                for name, template in spec.fields:
                    value = template.render(row)
                    if value is not None:
                        data[name] = value
                yield SourceLine(path, number, data)
        if header is None and wanted is not None:
            raise header_row_past_end(path, wanted, last)
        if header is None:
            raise InputError(Msg("a header row naming the columns the mapping {path} reads ({columns}) among the"
                                 " first {header_search_rows} rows",
                                 path=self.path, columns=', '.join(self.columns),
                                 header_search_rows=HEADER_SEARCH_ROWS),
                             origin=path, line=looked[0][0] if looked else None)


class MappingError(InputError):
    """A problem of the mapping file: its field is a key of that file, never a command's option."""

    def relabelled(self, field: str | None) -> InputError:
        return self


def _fail(path: str, key: str, expected: str, got: Any = None) -> InputError:
    return MappingError(expected, origin=path, field=key, got=None if got is None else repr(got)[:80])


def _template(path: str, key: str, value: Any) -> Template:
    if isinstance(value, bool):
        return Template((("true" if value else "false", None, None),))
    if isinstance(value, int | float):
        return Template(((str(value), None, None),))
    if not isinstance(value, str):
        raise _fail(path, key, "text, a number, or a {column} template", value)
    parts: list[tuple[str, str | None, str | None]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(value):
        filt = m[2].strip() if m[2] is not None else None
        if filt is not None and filt not in FILTERS:
            raise _fail(path, key, Msg("a filter among {filters} after '|'", filters=', '.join(FILTERS)), filt)
        parts.append((value[pos:m.start()], m[1].strip(), filt))
        pos = m.end()
    rest = value[pos:]
    if "{" in rest or "}" in rest or any("{" in t or "}" in t for t, _, _ in parts):
        raise _fail(path, key, "braces only around a column name: {列名} or {列名|date}", value)
    parts.append((rest, None, None))
    return Template(tuple(parts))


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def parse_mapping(data: Any, path: str) -> Mapping:
    """A mapping document, checked: errors name the file, the key and what was expected."""
    if not isinstance(data, dict):
        raise _fail(path, "(document)", Msg("a YAML mapping with the keys {keys}", keys=', '.join(KEYS)),
                    type(data).__name__)
    for key in data:
        if key not in KEYS:
            raise _fail(path, str(key), Msg("one of the keys {keys}", keys=', '.join(KEYS)), key)
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool)
                                   or header_row < 1):
        raise _fail(path, "header_row", "a row number from 1", header_row)
    values = _values(path, data.get("values") or {})
    raw_events = data.get("events")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise _fail(path, "events", "a list of events (each with type and fields)", raw_events)
    specs = [_event_spec(path, f"events[{i}]", spec) for i, spec in enumerate(raw_events, start=1)]
    if not specs and not values:
        raise _fail(path, "events", "events (or values) to map")
    return Mapping(path, tuple(specs), values, header_row)


def _values(path: str, raw: Any) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    if not isinstance(raw, dict):
        raise _fail(path, "values", "a mapping: field → {word: value}", raw)
    values = []
    for field, words in raw.items():
        if not isinstance(words, dict) or not words:
            raise _fail(path, f"values.{field}", "a mapping of the export's words to values", words)
        pairs = []
        for word, value in words.items():
            text = _scalar(value)
            if text is None:
                raise _fail(path, f"values.{field}.{word}", "a value (text, number, true/false)", value)
            pairs.append((str(word), text))
        values.append((str(field), tuple(pairs)))
    return tuple(values)


def _event_spec(path: str, where: str, spec: Any) -> EventSpec:
    from ..events.catalog import CATALOG

    if not isinstance(spec, dict):
        raise _fail(path, where, "a mapping with type, fields (and when)", spec)
    for key in spec:
        if key not in EVENT_KEYS:
            raise _fail(path, f"{where}.{key}", Msg("one of the keys {event_keys}", event_keys=', '.join(EVENT_KEYS)),
                        key)
    kind = spec.get("type")
    model = CATALOG.get(kind) if isinstance(kind, str) else None
    if model is None or not model.importable:
        raise _fail(path, f"{where}.type", "an event type (see `ledger types`)", kind)
    fields = spec.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise _fail(path, f"{where}.fields", Msg("a mapping: field of {kind} → value or {{column}} template",
                                                 kind=kind), fields)
    known = model.model_fields
    templates = []
    for name, value in fields.items():
        if name not in known or name == "type":
            raise _fail(path, f"{where}.fields.{name}",
                        Msg("a field of {kind}: {value}", kind=kind,
                            value=', '.join(n for n in known if n != 'type')), name)
        templates.append((str(name), _template(path, f"{where}.fields.{name}", value)))
    missing = [n for n, info in known.items() if info.is_required() and n != "type" and n not in fields]
    if missing:
        raise _fail(path, f"{where}.fields", Msg("every required field of {kind} (missing: {missing})",
                                                 kind=kind, missing=', '.join(missing)))
    when = spec.get("when", [])
    when = [when] if isinstance(when, str) else when
    if not isinstance(when, list) or not all(isinstance(c, str) and c.strip() for c in when):
        raise _fail(path, f"{where}.when", "a column name, or a list of them", spec.get("when"))
    return EventSpec(model.type_name, tuple(templates), tuple(c.strip() for c in when))


MAPPING_BYTES = 1 << 20
"""A mapping file is a page of YAML: a larger one is refused unread."""
MAPPING_DEPTH = 20
"""Nesting a mapping may use (events[i].fields.x is 4 deep); deeper is refused before parsing."""


def load_mapping(path: str) -> Mapping:
    """A mapping file, read within bounds: at most 1 MB of UTF-8 YAML nested at most 20 deep
    (checked on the scanner's tokens, before PyYAML's recursive composer could overflow)."""
    import yaml

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAPPING_BYTES + 1)
    except OSError as exc:
        raise InputError(Msg("a readable mapping file ({strerror})", strerror=Msg(str(exc.strerror))), origin=path,
                         field="--mapping") from None
    if len(raw) > MAPPING_BYTES:
        raise InputError(Msg("a mapping file of at most {n} bytes", n=MAPPING_BYTES), origin=path, field="--mapping")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Msg("UTF-8 text ({reason}; save the mapping file as UTF-8)", reason=exc.reason),
                         origin=path, line=raw[:exc.start].count(b"\n") + 1) from None
    try:
        _check_depth(yaml.scan(text), path)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(Msg("YAML ({value})", value=getattr(exc, 'problem', None) or exc), origin=path,
                         line=mark.line + 1 if mark is not None else None) from None
    except RecursionError:  # pragma: no cover - _check_depth refuses such nesting first
        raise InputError(Msg("YAML nested at most {depth} levels deep", depth=MAPPING_DEPTH), origin=path) from None
    return parse_mapping(data, path)


def _check_depth(tokens: Iterator[Any], path: str) -> None:
    import yaml

    opening = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
               yaml.FlowSequenceStartToken)
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    depth = 0
    for token in tokens:
        if isinstance(token, opening):
            depth += 1
            if depth > MAPPING_DEPTH:
                raise InputError(Msg("YAML nested at most {depth} levels deep", depth=MAPPING_DEPTH), origin=path,
                                 line=token.start_mark.line + 1)
        elif isinstance(token, closing):
            depth -= 1


def bundled(name: str) -> str:
    """The path of a mapping shipped with the package (``ledger/intake/mappings/``)."""
    import os

    return os.path.join(os.path.dirname(__file__), "mappings", name)
