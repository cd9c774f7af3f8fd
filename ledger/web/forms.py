"""Forms from the event catalogue (issue #29): record an event (``/events/new?type=``), correct
or retract one from its page. Each field is offered as the catalogue describes it — its Chinese
name, a list for an enumerated value (by its Chinese name), a date input for a date, the unit
picked by name — and the write is ``ledger record|correct|retract``'s (``Ledger.record``,
``Ledger.correct``, ``Ledger.retract``): the same validation, the same messages. The answer
shows the new record's revision and links the event."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from ..errors import InputError
from ..events import names
from ..i18n import Msg
from ..inputs import parse_date
from . import readers
from .app import Ctx

if TYPE_CHECKING:
    from .app import Workbench

ORIGIN = "web form"
SKIPPED = ("type", "id")
"""Fields the record form does not ask for: the type is the form's, the id is derived from the content."""


@dataclass
class Field:
    name: str
    label: str
    required: bool
    shape: str
    """'date' | 'whole' | 'period' | 'flag' | 'enum' | 'text' | 'unit'."""
    choices: list[tuple[str, str]]
    """(value, what a person reads) for a list."""
    value: str = ""


def recordable() -> list[tuple[str, str]]:
    """(type, Chinese name) of every type a form may record: the importable facts."""
    from ..events.catalog import FACT_TYPES

    return sorted(((t, names.type_zh(t) or t) for t in FACT_TYPES), key=lambda p: p[0])


def _check_type(type_name: str | None) -> str:
    known = dict(recordable())
    if type_name not in known:
        raise InputError(Msg("one of: {values}", values=", ".join(known)), field="type", got=repr(type_name))
    return str(type_name)


def fields_for(ctx: Ctx, type_name: str, leave_out: tuple[str, ...] = SKIPPED) -> list[Field]:
    from ..intake import templates, words

    shapes = words.shapes(type_name)
    roster = ctx.ledger.facts.roster()
    out = []
    for name, required in templates.fields_of(type_name):
        if name in leave_out:
            continue
        shape = shapes.get(name, "text")
        choices: list[tuple[str, str]] = []
        if name == "unit":
            shape = "unit"
            choices = sorted(((u, f"{getattr(r, 'name', '') or u}（{u}）") for u, r in roster.items()),
                             key=lambda c: c[1])
        elif shape == "enum":
            choices = [(c, words.label(name, c)) for c in words.choices(type_name, name)]
        elif shape == "flag":
            choices = [("true", "是"), ("false", "否")]
        out.append(Field(name, names.field_zh(name) or name, required, shape, choices))
    return out


def _values(ctx: Ctx, fields: list[Field]) -> dict[str, Any]:
    """The form's non-empty fields (a flag as a boolean; numbers stay text, read by the catalogue)."""
    out: dict[str, Any] = {}
    for f in fields:
        value = ctx.f(f.name)
        if value is None:
            continue
        out[f.name] = value == "true" if f.shape == "flag" and value in ("true", "false") else value
    return out


def _page(ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
    from .pages import ctx_page

    return ctx_page(ctx, template, status, **values)


# --- record ----------------------------------------------------------------------------------------
def new_form(ctx: Ctx) -> Response:
    type_name = ctx.q("type")
    fields = fields_for(ctx, _check_type(type_name)) if type_name else None
    return _page(ctx, "event_form.html", types=recordable(), type_name=type_name, fields=fields, problem=None)


def record(ctx: Ctx) -> Response:
    """``ledger record TYPE --unit … --date … --set …``; a form with a problem comes back filled in."""
    from ..wording import error_text

    type_name = _check_type(ctx.f("type"))
    fields = fields_for(ctx, type_name)
    data = {"type": type_name, **_values(ctx, fields)}
    head = ctx.head
    try:
        event_id, revision = ctx.ledger.record(data, origin=ORIGIN)
    except InputError as exc:
        from ..i18n import speaking

        for f in fields:
            f.value = str(ctx.f(f.name) or "")
        with speaking(ctx.lang):
            problem = error_text(exc)
        return _page(ctx, "event_form.html", 400, types=recordable(), type_name=type_name, fields=fields,
                     problem=problem)
    return _written(ctx, "recorded", event_id, revision, event_id, present=revision <= head)


def _written(ctx: Ctx, what: str, record_id: str, revision: int, event_id: str, present: bool = False) -> Response:
    return _page(ctx, "event_written.html", what=what, record_id=record_id, revision=revision, event_id=event_id,
                 present=present, quoted=urllib.parse.quote(event_id, safe="/"))


# --- correct and retract ---------------------------------------------------------------------------
def current_fields(ctx: Ctx, event: dict[str, Any], story: readers.Story) -> list[Field]:
    """The event's fields a correction may change, each with its value now (later corrections applied)."""
    from ..events.catalog import CATALOG

    if event.get("type") not in CATALOG or not event.get("unit"):
        return []
    values = dict(event)
    for amendment in story.amendments:
        if amendment.get("type") == "correction":
            values.update(amendment.get("changes") or {})
    from ..intake.batches import UNCORRECTABLE

    thread = getattr(CATALOG[event["type"]], "thread", None)  # a thread's key (a ticket's number) is fixed too
    fixed = tuple(UNCORRECTABLE | ({thread} if thread else set()))
    fields = fields_for(ctx, str(event["type"]), leave_out=fixed)
    for f in fields:
        v = values.get(f.name)
        f.value = "" if v is None else ("true" if v is True else "false" if v is False else str(v))
    return fields


def _amendable(ctx: Ctx) -> tuple[str, dict[str, Any], readers.Story]:
    from ..events.catalog import FACT_TYPES

    event_id = ctx.request.path_params["event_id"]
    found = readers.story(ctx.ledger, event_id)
    if found.event.get("type") not in FACT_TYPES:
        raise InputError(Msg("the id of a fact ({event_id} is a {type} record, the ledger's own)",
                             event_id=event_id, type=found.event.get("type")), field="event")
    return event_id, found.event, found


def correct(ctx: Ctx) -> Response:
    """``ledger correct ID --set F=V … --reason R``: the fields the form changed."""
    event_id, event, found = _amendable(ctx)
    changes = {}
    for f in current_fields(ctx, event, found):
        given = ctx.form.get(f.name)
        given = given.strip() if isinstance(given, str) else ""
        if given != f.value and (given or f.value):
            changes[f.name] = (given == "true") if f.shape == "flag" and given in ("true", "false") else given
    if not changes:
        raise InputError("at least one field changed from its value now", field="--set")
    new_id, revision = ctx.ledger.correct(event_id, changes, ctx.f("reason") or "",
                                          parse_date(ctx.f("date"), "--date"))
    return _written(ctx, "corrected", new_id, revision, event_id)


def retract(ctx: Ctx) -> Response:
    """``ledger retract ID --reason R [--decision D]``."""
    event_id, _event, _found = _amendable(ctx)
    new_id, revision = ctx.ledger.retract(event_id, ctx.f("reason") or "", ctx.f("decision"),
                                          parse_date(ctx.f("date"), "--date"))
    return _written(ctx, "retracted", new_id, revision, event_id)


def routes(wb: Workbench) -> list[Any]:
    """Before the pages' ``/events/{id:path}``."""
    post = ("POST",)
    return [
        wb.route("/events/new", "event_new", new_form),
        wb.route("/events/new", "event_record", record, methods=post),
        wb.route("/events/{event_id:path}/correct", "event_correct", correct, methods=post),
        wb.route("/events/{event_id:path}/retract", "event_retract", retract, methods=post),
    ]
