"""The JSON API: ``/api/score`` and ``/api/explain/{unit}`` answer exactly the bytes of
``ledger score|explain … --format json --output F`` (the same library calls and the same
registered renderer); ``/api/events/{id}``, ``/api/history/{unit}`` (the bytes of ``ledger
history UNIT --format json``) and ``/api/log``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.responses import Response

from .. import i18n
from ..inputs import parse_date
from ..reports import explain as explain_report
from ..reports import formats
from ..reports import text as render
from . import access, readers
from .app import JSON_TYPE, Ctx
from .cache import DERIVED, Bounded, WebCache

if TYPE_CHECKING:
    from ..app import Ledger
    from ..policies.model import Policy
    from ..projections.record_views import Publication
    from ..projections.scoreboard import Scoreboard
    from .app import Workbench

T = TypeVar("T")


def json_bytes(text: str) -> Response:
    return Response(text.encode("utf-8"), media_type=JSON_TYPE)


def score_board(ctx: Ctx, policy: str | None, track: str | None, unit: str | None, as_of: str | None,
                known_at: str | None, focus: str | None = None) -> Scoreboard:
    """What ``ledger.cli.base.board`` computes for the same options (``--policy`` …)."""
    pol = ctx.ledger.policy(policy, None)
    return ctx.ledger.scoreboard(pol, as_of=parse_date(as_of, "--as-of"), known_at=known_at,
                                 tracks=[track] if track else None, units=[unit] if unit else None, focus=focus)


def resolved(ctx: Ctx, policy: str | None, as_of: str | None, known_at: str | None) -> tuple[Policy, dt.date, int]:
    """The policy, as-of date and known-at revision a result is computed for, resolved as
    ``ledger.scoreboard`` resolves them (the as-of defaults to the policy year's end, the known-at
    to the head): what a cached result is keyed by."""
    from ..projections.scoreboard import default_as_of

    pol = policy_at_head(ctx, policy)
    day = parse_date(as_of, "--as-of") or default_as_of(pol)
    known = ctx.head if known_at is None or known_at == "" else ctx.ledger.resolve_known_at(known_at)
    return pol, day, known


def policy_at_head(ctx: Ctx, ref: str | None) -> Policy:
    """``ledger.policy(ref)``, resolved once per head revision (the policies published in the
    ledger are records: a new one moves the head). A ref that resolves to nothing raises
    each time (errors are not kept)."""
    if not ref:
        return ctx.ledger.policy(ref, None)
    return ctx.cache.at_head(ctx.head, ("policy", ref), lambda: ctx.ledger.policy(ref, None))


def result_key(report: str, policy: Policy, track: str | None, unit: str | None, as_of: dt.date,
               known_at: int) -> tuple[Any, ...]:
    """(policy, track, unit, as-of, known-at) — and the report, the policy's content and the
    language its words are in."""
    return (report, policy.ref, policy.content_hash, track, unit, as_of, known_at, i18n.lang())


def cached_board(ctx: Ctx, policy: str | None, track: str | None, as_of: str | None,
                 known_at: str | None) -> tuple[Scoreboard, Bounded]:
    """``score_board`` for a whole table (every unit of the policy or of one track), kept in the
    workbench's cache under its resolved (policy, track, as-of, known-at); with it, a bounded
    map of what pages derive from it (its rows in each order, its rendered tables)."""
    pol, day, known = resolved(ctx, policy, as_of, known_at)
    return kept_board(ctx.cache, ctx.ledger, pol, track, day, known)


def kept_board(cache: WebCache, ledger: Ledger, pol: Policy, track: str | None, day: dt.date, known: int,
               on_unit: Callable[[int], None] | None = None) -> tuple[Scoreboard, Bounded]:
    """The kept table of (policy, track, as-of, known-at), computed if not kept: what a request
    asks for (``cached_board``) and what the warm-up computes before it (``warm.Warmer``)."""
    return cache.tables.get(result_key("score", pol, track, None, day, known), lambda: (ledger.scoreboard(
        pol, as_of=day, known_at=known, tracks=[track] if track else None, on_unit=on_unit), Bounded(DERIVED)))


def published_match(ctx: Ctx, board: Scoreboard, track: str | None) -> Publication | None:
    """The score publication this table is (policy, as-of, known-at, track), if any."""

    for pub in ctx.publications():
        if pub.kind == "score" and pub.policy == board.policy.ref and pub.as_of == board.as_of and \
                pub.known_at == board.known_at and (pub.track is None or pub.track == track):
            return pub
    return None


def check_published(ctx: Ctx, rule: str, board: Scoreboard, track: str | None) -> None:
    if rule == access.PUBLISHED and published_match(ctx, board, track) is None:
        raise access.Refused("a unit account sees published results only (the policy, as-of, known-at and "
                             "track of a publication; see /publications)")


def api_score(ctx: Ctx) -> Response:
    rule = access.rule("api_score", ctx.account)
    track = ctx.q("track")
    board = score_board(ctx, ctx.q("policy"), track, ctx.q("unit"), ctx.q("as_of"), ctx.q("known_at"))
    check_published(ctx, rule, board, track)
    return json_bytes(str(formats.render("score", "json", board)))


def explanation(ctx: Ctx, route: str, unit: str, policy: str | None = None) -> explain_report.Explanation:
    """What ``ledger explain UNIT`` computes for the same options, after the role's checks."""
    rule = access.rule(route, ctx.account)
    access.check_own_unit(rule, ctx.account, unit)
    access.check_latest(rule, ctx.q("known_at"))
    track = ctx.q("track")
    scored = score_board(ctx, policy or ctx.q("policy"), track, None, ctx.q("as_of"), ctx.q("known_at"), focus=unit)
    return explain_report.Explanation(scored, scored.card(unit, track))


def cached_explanation(ctx: Ctx, route: str, unit: str, policy: str | None,
                       derive: Callable[[explain_report.Explanation], T]) -> tuple[tuple[Any, ...], Callable[[], T]]:
    """After ``explanation``'s checks: the key of the result under the resolved (policy, track,
    unit, as-of, known-at), and a function giving ``derive(explanation)`` (what a page shows of
    it), kept in the workbench's cache of explanations under that key. The explanation's
    facts and evidence files are read before it is kept, so a kept result reads no store (nor the connection of
    the request that made it)."""
    rule = access.rule(route, ctx.account)
    access.check_own_unit(rule, ctx.account, unit)
    access.check_latest(rule, ctx.q("known_at"))
    track = ctx.q("track")
    pol, day, known = resolved(ctx, policy or ctx.q("policy"), ctx.q("as_of"), ctx.q("known_at"))
    key = result_key("explain", pol, track, unit, day, known)

    def make() -> T:
        scored = ctx.ledger.scoreboard(pol, as_of=day, known_at=known, tracks=[track] if track else None, focus=unit)
        ex = explain_report.Explanation(scored, scored.card(unit, track))
        _ = ex.facts, ex.evidence
        return derive(ex)

    return key, lambda: ctx.cache.explanations.get(key, make)


def api_explain(ctx: Ctx) -> Response:
    ex = explanation(ctx, "api_explain", ctx.request.path_params["unit"])
    return json_bytes(str(formats.render("explain", "json", ex)))


def api_event(ctx: Ctx) -> Response:
    event_id = ctx.request.path_params["event_id"]
    rule = access.rule("api_event", ctx.account)
    access.check_own(rule, ctx.account, "event", event_id, lambda: readers.event_unit(ctx.ledger, event_id))
    return json_bytes(render.to_json(readers.story(ctx.ledger, event_id).to_dict()) + "\n")


def api_history(ctx: Ctx) -> Response:
    unit = ctx.request.path_params["unit"]
    access.check_own_unit(access.rule("api_history", ctx.account), ctx.account, unit)
    return json_bytes(str(formats.render("history", "json", ctx.ledger.history(unit))))


def api_log(ctx: Ctx) -> Response:
    return json_bytes(render.to_json(readers.revision_log(ctx.ledger, ctx.q("since"), ctx.q("until"))) + "\n")


def routes(wb: Workbench) -> list[Any]:
    return [
        wb.route("/api/score", "api_score", api_score, api=True),
        wb.route("/api/explain/{unit}", "api_explain", api_explain, api=True),
        wb.route("/api/events/{event_id:path}", "api_event", api_event, api=True),
        wb.route("/api/history/{unit}", "api_history", api_history, api=True),
        wb.route("/api/log", "api_log", api_log, api=True),
    ]
