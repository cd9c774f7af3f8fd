"""The early-warning board (``/due``), its downloads and ``/api/due``: the due list of
``ledger due`` (``ledger.projections.due``), kept per (policy, as-of, known-at, within, unit).
A unit account sees its own unit only."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from ..errors import InputError, NotFound
from ..i18n import Msg
from ..projections.due import DEFAULT_WITHIN, DueList, UnitLight, build_due, default_as_of, light_of
from ..reports import due as due_report
from ..reports import formats
from . import access
from .api import json_bytes, policy_at_head, result_key
from .app import Ctx, rendered

if TYPE_CHECKING:
    from ..policies.model import Policy
    from .app import Workbench

MAX_WITHIN = 250


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError("an ISO date YYYY-MM-DD", field="as_of", got=repr(text)) from None


def _within(text: str | None) -> int:
    if text is None:
        return DEFAULT_WITHIN
    if not text.isdigit() or int(text) > MAX_WITHIN:
        raise InputError(Msg("a number of working days from 0 to {most}", most=MAX_WITHIN), field="within",
                         got=repr(text))
    return int(text)


def _default_policy(ctx: Ctx) -> str:
    """The latest version of the most recent year's first policy (for a unit account, the first
    that scores its unit)."""
    latest: dict[str, Any] = {}
    for e in ctx.ledger.policies.entries():
        if e.id not in latest or e.version > latest[e.id].version:
            latest[e.id] = e
    entries = sorted(latest.values(), key=lambda e: (-e.year, e.id))
    if ctx.role == "unit":
        mine = ctx.ledger.facts.roster().get(ctx.account.unit or "")
        groups = set(mine.groups) if mine else set()
        entries = [e for e in entries if groups & {t.group for t in e.policy().tracks}]
    if not entries:
        raise NotFound("no policy scores this account's unit")
    return str(entries[0].ref)


def board(ctx: Ctx, route: str) -> DueList:
    """The due list the request asks for (``?policy=&as_of=&known_at=&within=&unit=``), after the
    role's checks; kept in the workbench's cache of tables."""
    rule = access.rule(route, ctx.account)
    unit = ctx.q("unit")
    if rule == access.OWN:
        access.check_latest(rule, ctx.q("known_at"))
        if unit is not None and unit != ctx.account.unit:
            raise NotFound(Msg("unit '{unit}' is not on this account's board", unit=unit))
        unit = ctx.account.unit
    policy: Policy = policy_at_head(ctx, ctx.q("policy") or _default_policy(ctx))
    day = _day(ctx.q("as_of")) or default_as_of(policy, ctx.ledger.today())
    within = _within(ctx.q("within"))
    known_at = ctx.q("known_at")
    known = ctx.head if known_at is None else ctx.ledger.resolve_known_at(known_at)
    key = (*result_key("due", policy, None, unit, day, known), within)
    return ctx.cache.tables.get(key, lambda: build_due(ctx.ledger.view(known), policy, as_of=day, within=within,
                                                       units=[unit] if unit else None))


def api_due(ctx: Ctx) -> Response:
    """The bytes of ``ledger due --format json`` for the same options."""
    return json_bytes(str(formats.render("due", "json", board(ctx, "api_due"))))


def due_download(ctx: Ctx) -> Response:
    fmt = ctx.request.path_params["fmt"]
    if fmt not in formats.formats("due") or fmt == "table":
        raise NotFound(Msg("no format '{fmt}' of the due list", fmt=fmt))
    found = board(ctx, "due_download")
    return rendered("due", fmt, found, f"due-{found.policy.ref}-{found.as_of.isoformat()}")


def filtered(found: DueList, track: str | None, kind: str | None) -> tuple[list[Any], list[UnitLight]]:
    """The items of one track and/or kind, and each unit's light over those items (the units of
    that track only)."""
    items = [i for i in found.items if (track is None or i.track == track) and (kind is None or i.kind == kind)]
    if track is None and kind is None:
        return items, list(found.units)
    scope = {i.unit for i in found.items if i.track == track} if track else None
    lights = []
    for u in found.units:
        mine = [i.status for i in items if i.unit == u.unit]
        if scope is not None and u.unit not in scope and not mine:
            continue
        lights.append(UnitLight(u.unit, u.name, light_of(mine), mine.count("overdue"), mine.count("due_soon")))
    return items, lights


def due_page(ctx: Ctx) -> Response:
    found = board(ctx, "due")
    track, kind = ctx.q("track"), ctx.q("kind")
    items, lights = filtered(found, track, kind)
    lights.sort(key=lambda u: (due_report.LIGHT_ORDER[u.light], u.unit))
    meta = {"policy": found.policy.ref, "as_of": found.as_of.isoformat(), "known_at": found.known_at,
            "hash": found.head[1]}
    result_query = {"policy": found.policy.ref, "as_of": found.as_of.isoformat(), "within": found.within,
             "known_at": ctx.q("known_at"), "unit": ctx.q("unit")}
    entries = sorted({e.ref: e for e in ctx.ledger.policies.entries()}.values(), key=lambda e: (-e.year, e.id))
    names = {u.unit: u.name for u in found.units}
    wb: Workbench = ctx.request.app.state.workbench
    return wb.page(ctx, "due.html", due=found, items=items, lights=lights, meta=meta, result_query=result_query,
                   names=names, track=track, kind=kind, entries=entries, kinds=due_report.KIND_WORDS,
                   statuses=due_report.STATUS_WORDS, light_words=due_report.LIGHT_WORDS,
                   risk=due_report.risk_text, formats=[f for f in formats.formats("due") if f != "table"])


def routes(wb: Workbench) -> list[Any]:
    return [
        wb.route("/due", "due", due_page),
        wb.route("/due/download.{fmt}", "due_download", due_download),
        wb.route("/api/due", "api_due", api_due, api=True),
    ]
