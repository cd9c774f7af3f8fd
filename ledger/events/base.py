"""The envelope every event shares (EVENTS.md) and the field types the catalog reuses."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetPydanticSchema,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import core_schema


class Level(StrEnum):
    """Issuer / media level: 党中央国务院, 省, 市, 县, 开发区/区, 单位内部."""

    central = "central"
    province = "province"
    city = "city"
    county = "county"
    district = "district"
    unit = "unit"


def _finite(value: Decimal) -> Decimal:
    """Stored as a JSON number and read back exactly: whole numbers always are; a fraction
    must be one a binary double holds as written — any exporting system's computed ratio
    (33.333333333333336) is, 0.1000000000000000001 from a CSV cell is not. (A JSON line's
    numbers are read as doubles to begin with.)"""
    if not value.is_finite():
        raise ValueError("a finite number")
    if value != value.to_integral_value() and Decimal(repr(float(value))) != value:
        raise ValueError("a number a JSON reader keeps exactly (a double: at most 15–17 significant digits)")
    return value


_ISO_DATE = core_schema.union_schema(
    [core_schema.date_schema(strict=True),  # a date object, or (JSON) text YYYY-MM-DD
     core_schema.chain_schema([core_schema.str_schema(pattern=r"^\d{4}-\d{2}-\d{2}$"),
                               core_schema.date_schema()])],  # CSV cells: the same text
    custom_error_type="date_format", custom_error_message="an ISO date YYYY-MM-DD")
"""Only real dates or YYYY-MM-DD text: no timestamps, no date-times (EVENTS.md). Built from
pydantic-core schemas so that checking a date never calls back into Python (the import's
hot path)."""


def _flag(value: object, info: ValidationInfo) -> object:
    """true/false (CSV cells: true, false, 1, 0) — not 'yes' or 'on'; a JSON line uses JSON's
    own true/false, not text."""
    if isinstance(value, bool):
        return value
    if info.mode != "json" and isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise ValueError("true or false")


MAX_COUNT = 2 ** 53
"""Counts stay within what every JSON reader holds exactly (a double's integers)."""


def whole(ge: int) -> Any:
    """A whole number from ``ge`` to 2^53: in a JSON line a JSON integer (JSON's own type —
    not text, not a boolean: true is not 1 attendee, nor a fraction: 3.0); in a CSV cell or
    on the command line digits as text. pydantic-core schemas only, so no Python runs per value."""
    expected = f"a whole number ≥ {ge} (at most 2^53)"
    number = core_schema.int_schema(strict=True, ge=ge, le=MAX_COUNT)
    schema = core_schema.json_or_python_schema(
        json_schema=core_schema.custom_error_schema(
            number, custom_error_type="whole_number",
            custom_error_message=f"a whole number ≥ {ge} as a JSON number (at most 2^53)"),
        python_schema=core_schema.union_schema(
            [number, core_schema.chain_schema([core_schema.str_schema(pattern=r"^\s*\d+\s*$"),
                                               core_schema.int_schema(ge=ge, le=MAX_COUNT)])],
            custom_error_type="whole_number", custom_error_message=expected))
    return Annotated[int, GetPydanticSchema(lambda _type, _handler: schema)]


NonNegativeInt = whole(0)
PositiveInt = whole(1)


Date = Annotated[dt.date, GetPydanticSchema(lambda _type, _handler: _ISO_DATE)]
Flag = Annotated[bool, BeforeValidator(_flag)]


def _number_json(value: Decimal) -> int | float:
    # Stored as a JSON number; read back with parse_float=Decimal (exact for ≤15 digits).
    return int(value) if value == value.to_integral_value() else float(value)


def _ascii_digits(value: object, info: ValidationInfo) -> object:
    """A JSON line keeps JSON's types: a number is a JSON number, not text. Text numbers (CSV
    cells, the command line) in ASCII digits, as whole numbers are: Python would read
    full-width １２ as 12, pydantic-core's integers would not."""
    if isinstance(value, str):
        if info.mode == "json":
            raise ValueError("a JSON number, not text")
        if not value.isascii():
            raise ValueError("a number written with ASCII digits (0-9)")
    return value


Number = Annotated[Decimal, BeforeValidator(_ascii_digits), AfterValidator(_finite),
                   PlainSerializer(_number_json, when_used="json")]
"""Numbers are Decimals from the boundary on: scores are money-like arithmetic."""

TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
"""Text with at least one visible character: a blank value is no value (leave the key out);
never a NUL (PostgreSQL text cannot hold one: refused on both stores alike)."""
EventId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\x00]+$")]
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
"""A name or key (unit names and groups, ticket and item keys, issuers, evaluators, metric and
file names, actors): text on one line — no line breaks, tabs or other control characters."""
"""A reference to an id (stored ids stay valid whatever their characters); ids given by
callers are checked against ``CALLER_ID`` where they are registered (``caller_id_problem``)."""

CALLER_ID = re.compile(r"(?!\.)[\w\-.:]{1,128}")
"""Ids given by callers (EVENTS.md additions): Unicode letters and digits and ``- _ . :``,
1–128 characters, not starting with ``.`` — so no ``/``, ``\\``, whitespace, control characters
or NUL. Ids the ledger makes (``<appeal>/decision``, ``policy:…``, ``pub-…``) and ids already
stored stay valid."""
CALLER_ID_EXPECTED = ("an id of letters, digits and - _ . : (1–128 characters, not starting with '.'; "
                      "no '/', '\\', spaces or control characters)")


def caller_id_problem(value: object) -> bool:
    """True when ``value`` is not an id a caller may give (see ``CALLER_ID``)."""
    return not (isinstance(value, str) and CALLER_ID.fullmatch(value))

# ASCII digits only (re's \d takes ２０２１ too): a stored period is canonical, so the same facts
# written with full-width digits could never be a second, different event (intake converts them).
_PERIOD = re.compile(r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")
_RANGE = re.compile(r"^([0-9]{4})-(Q[1-4]|0[1-9]|1[0-2])/([0-9]{4})-(Q[1-4]|0[1-9]|1[0-2])$")


def _period(value: str) -> str:
    """A period (``2021``, ``2021-Q3``, ``2021-06``) or a range of months or of quarters within
    one year (``2021-01/2021-04``, ``2021-Q1/2021-Q2``; EVENTS.md additions)."""
    if _PERIOD.match(value):
        return value
    m = _RANGE.match(value)
    if m and m[1] == m[3] and m[2][0] == m[4][0] == "Q" and m[2] <= m[4]:
        return value
    if m and m[1] == m[3] and "Q" not in m[2] + m[4] and m[2] <= m[4]:
        return value
    raise ValueError("a period like 2021, 2021-Q3 or 2021-06, or a range within one year like 2021-01/2021-04")


Period = Annotated[str, AfterValidator(_period)]


def period_year(period: str) -> int:
    return int(period[:4])


class Evidence(BaseModel):
    """A supporting file (佐证材料), pinned by its hash."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # see Event
    name: Name
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]


class Event(BaseModel):
    """Envelope keys. Subclasses add the type-specific fields at the top level."""

    # defer_build (start-up): each model's validator and serializer are built on first use, so
    # a command that only reads the ledger (score, explain, history) does not build the ~50
    # event models; the schemas, hence validation, are the same.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: str
    unit: Name
    date: Date
    id: EventId | None = None
    source: Text | None = None
    note: Text | None = None
    actor: Name | None = None
    evidence: list[Evidence] | None = None

    type_name: ClassVar[str]
    chinese: ClassVar[str] = ""
    family: ClassVar[str] = ""
    thread: ClassVar[str | None] = None
    """Field naming the thread (ticket/item) an event belongs to, if any."""
    opens_thread: ClassVar[bool] = False
    importable: ClassVar[bool] = True

    def ledger_year(self) -> int:
        """The assessment year whose stream holds this event (see docs/store.md)."""
        return self.date.year


ENVELOPE_KEYS = frozenset(Event.model_fields)
