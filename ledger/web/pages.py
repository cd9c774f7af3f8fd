"""The HTML pages of WEB.md. Each calls the library, workflow or read model its CLI command
calls, then a template (Jinja2, autoescaped: every text a page shows is escaped)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from .. import accounts
from ..errors import CheckFailed, InputError, NotFound
from ..i18n import Msg, speaking
from ..inputs import parse_date, parse_sets
from ..reports import explain as explain_report
from ..reports import formats, verdicts, words
from ..wording import error_text
from . import access, evidence, i18n, readers
from .api import cached_board, cached_explanation, check_published, explanation, published_match, score_board
from .app import Ctx, rendered

if TYPE_CHECKING:
    from ..policies.registry import Entry
    from ..projections.scoreboard import Scoreboard
    from .app import Workbench


def _known_at(ctx: Ctx) -> str | None:
    """The known-at picker: a revision or ISO date-time typed, else the date-time picker's value."""
    return ctx.q("known_at") or ctx.q("known_at_time")


def _latest_entries(entries: list[Entry]) -> list[Entry]:
    latest: dict[str, Entry] = {}
    for e in entries:
        if e.id not in latest or e.version > latest[e.id].version:
            latest[e.id] = e
    return sorted(latest.values(), key=lambda e: (-e.year, e.id))


def result_meta(board: Scoreboard) -> dict[str, Any]:
    return {"policy": board.policy.ref, "as_of": board.as_of.isoformat(), "known_at": board.known_at,
            "hash": board.head[1]}


# --- home ------------------------------------------------------------------------------------
def home(ctx: Ctx) -> Response:
    entries = ctx.ledger.policies.entries()
    pubs = list(reversed(ctx.publications()))[:10]
    open_appeals = [a for a in ctx.appeals() if a.open and
                    (ctx.role != "unit" or a.unit == ctx.account.unit)]
    due: list[dict[str, Any]] | None = None
    today = ctx.ledger.today()
    if ctx.role in ("office", "inspector"):
        from ..projections.due import falling_due

        current = [e.policy() for e in _latest_entries(entries) if e.year == today.year]
        # read once per head revision and day: it decodes every report deadline and supervised
        # item of the store (a 3,000-unit year: ~6,000 records, 70 ms — the rest of the page is 3 ms)
        due = ctx.cache.at_head(ctx.head, ("falling due", today, tuple(p.ref for p in current)),
                                lambda: falling_due(ctx.ledger.view(ctx.head), current, today))
    if ctx.role == "unit":
        return unit_home(ctx, entries)
    return ctx_page(ctx, "home.html", entries=entries, pubs=pubs, open_appeals=open_appeals, due=due, today=today,
                    described=described_appeals(ctx, open_appeals))


def unit_home(ctx: Ctx, entries: list[Entry]) -> Response:
    """A unit's home: the schemes that score it (each linked to its score table only where one
    was published: the others would answer 403), its card, its appeals, its publications."""
    unit = str(ctx.account.unit)
    registered = ctx.ledger.facts.roster().get(unit)
    groups = set(getattr(registered, "groups", ()) or ())
    own = [e for e in entries if any(t.group in groups for t in e.policy().tracks)]
    refs = {e.ref for e in own}
    published = {p.policy for p in ctx.publications() if p.kind == "score"}
    pubs = [p for p in reversed(ctx.publications()) if p.policy in refs][:10]
    mine = [a for a in ctx.appeals() if a.unit == unit]
    return ctx_page(ctx, "home_unit.html", unit=unit, unit_name=getattr(registered, "name", None) or unit,
                    entries=own, published=published, pubs=pubs, appeals=list(reversed(mine)),
                    described=described_appeals(ctx, mine))


def ctx_page(ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
    wb: Workbench = ctx.request.app.state.workbench
    return wb.page(ctx, template, status, **values)


# --- policies --------------------------------------------------------------------------------
def policy_page(ctx: Ctx) -> Response:
    ref = ctx.request.path_params["ref"]
    entry = ctx.ledger.policies.find(ref, "ID")
    versions = [e for e in ctx.ledger.policies.entries() if e.id == entry.id]
    policy = entry.policy()
    rows: list[tuple[str, int, Any]] = []

    def walk(track: str, nodes: Any, depth: int) -> None:
        for node in nodes or []:
            rows.append((track, depth, node))
            walk(track, node.children, depth + 1)

    for track in policy.tracks:
        walk(track.id, track.indicators, 0)
    return ctx_page(ctx, "policy.html", entry=entry, versions=versions, policy=policy, rows=rows)


# --- scores ----------------------------------------------------------------------------------
SORTS = {"rank": lambda c: (c.rank or 10**9, c.unit), "unit": lambda c: c.unit, "name": lambda c: c.name,
         "total": lambda c: (c.total, c.unit), "grade": lambda c: (c.grade or "", c.unit)}


def _score_params(ctx: Ctx, policy: str) -> dict[str, str | None]:
    params = {"track": ctx.q("track"), "as_of": ctx.q("as_of"), "known_at": _known_at(ctx)}
    if access.rule("scores", ctx.account) == access.PUBLISHED and not (params["as_of"] or params["known_at"]):
        ref = ctx.ledger.policies.find(policy).ref
        pubs = [p for p in ctx.publications() if p.kind == "score" and p.policy == ref]
        if pubs:  # a unit account is shown the latest publication of the policy
            pub = pubs[-1]
            params = {"track": params["track"] or pub.track, "as_of": pub.as_of.isoformat(),
                      "known_at": str(pub.known_at)}
    return params


def scores(ctx: Ctx) -> Response:
    policy = ctx.request.path_params["policy"]
    params = _score_params(ctx, policy)
    board, derived = cached_board(ctx, policy, params["track"], params["as_of"], params["known_at"])
    check_published(ctx, access.rule("scores", ctx.account), board, params["track"])
    sort = str(ctx.q("sort")) if ctx.q("sort") in SORTS else "rank"
    descending = ctx.q("dir") == "desc"
    path, request_query = ctx.request.url.path, dict(ctx.request.query_params)
    unit_role = ctx.role == "unit"  # its unit links carry no known-at

    def render_tables() -> Markup:
        wb: Workbench = ctx.request.app.state.workbench
        tables = derived.get(("rows", sort, descending), lambda: _score_rows(board, sort, descending))
        with speaking(ctx.lang):  # the grades withheld, the vetoes' reasons and the notes in the page's language
            shown = {track.id: (verdicts.track_has_veto(board.policy, track.id), verdicts.hold_note(waiting),
                                {c.unit: (verdicts.grade(c, waiting), verdicts.veto(c)) for c, _p in rows})
                     for track, _tops, rows, waiting in tables}
        return Markup(wb.env.get_template("scores_tables.html").render(
            _=i18n.translator(ctx.lang), lang=ctx.lang, board=board, tables=tables, shown=shown, sort=sort,
            descending=descending, path=path, query=request_query, account=ctx.account))

    tables_html = derived.get(("html", sort, descending, unit_role, ctx.lang, path,
                               tuple(sorted(request_query.items()))), render_tables)
    pub = published_match(ctx, board, params["track"])
    query = {"policy": board.policy.ref, "as_of": board.as_of.isoformat(), "known_at": board.known_at,
             "track": params["track"]}
    return ctx_page(ctx, "scores.html", board=board, meta=result_meta(board), tables_html=tables_html,
                    sort=sort, descending=descending, pub=pub, params=params, result_query=query,
                    formats=[f for f in formats.formats("score") if f != "table"])


def _score_rows(board: Scoreboard, sort: str, descending: bool) -> list[Any]:
    """Per track: the track, its top indicators, the cards in the asked order with their points,
    and its withheld grades (a grade not shown sorts as none: the order does not give it away)."""
    from ..projections.grading import withheld

    tables = []
    for track_id, cards in board.cards.items():
        track = board.policy.track(track_id)
        waiting = verdicts.hold(board, track_id)
        if sort == "grade" and waiting is not None:
            shown = {c.unit: "" if withheld(c, waiting) else c.grade or "" for c in cards}
            ordered = sorted(cards, key=lambda c: (shown[c.unit], c.unit), reverse=descending)
        else:
            ordered = sorted(cards, key=SORTS[sort], reverse=descending)
        tops = [(i.id, i.name) for i in track.indicators]
        tables.append((track, tops, [(c, {i.id: i.points for i in c.indicators}) for c in ordered], waiting))
    return tables


def scores_download(ctx: Ctx) -> Response:
    policy, fmt = ctx.request.path_params["policy"], ctx.request.path_params["fmt"]
    if fmt not in formats.formats("score"):
        raise NotFound(Msg("no format '{fmt}' of the score report", fmt=fmt))
    params = _score_params(ctx, policy)
    board = score_board(ctx, policy, params["track"], None, params["as_of"], params["known_at"])
    check_published(ctx, access.rule("scores_download", ctx.account), board, params["track"])
    return rendered("score", fmt, board, f"score-{board.policy.ref}-{board.as_of}-{board.known_at}")


# --- units -----------------------------------------------------------------------------------
def default_policy(ctx: Ctx, unit: str) -> str:
    """The newest policy (latest version) with a track for the unit's groups."""
    if ctx.q("policy"):
        return str(ctx.q("policy"))
    registered = ctx.ledger.facts.roster().get(unit)
    if registered is None:
        raise NotFound(Msg("unit '{unit}' is not registered (see `ledger units list`)", unit=unit))
    for entry in _latest_entries(ctx.ledger.policies.entries()):
        if any(registered.in_group(t.group) for t in entry.policy().tracks):
            return entry.ref
    raise InputError(Msg("--policy ID (no policy has a track for unit '{unit}')", unit=unit), field="policy")


class _Card:
    """What the unit page shows of an explanation; its words are made in the language being
    spoken (``unit_page`` renders each part inside ``i18n.speaking(page language)``)."""

    def __init__(self, ex: explain_report.Explanation):
        self.ex = ex
        self.meta = result_meta(ex.board)

    def header(self) -> list[str]:
        """``explain``'s heading; a Chinese page names the track by its name only (the command
        line adds its id, what ``--track`` takes)."""
        lines = explain_report.header_lines(self.ex)
        from ..i18n import is_zh

        suffix = f" ({self.ex.card.track})"
        if is_zh() and lines and lines[0].endswith(suffix):
            lines[0] = lines[0][:-len(suffix)]
        return lines

    def indicators(self) -> list[tuple[Any, int, tuple[str, str]]]:
        notes = self.ex.indicator_notes()
        return [(node, node.id.count("."), notes.get(node.id, ("", ""))) for top in self.ex.card.indicators
                for node in top.walk()]

    def what(self, line: dict[str, Any]) -> str:
        return explain_report.what_happened(self.ex, line)

    def rule(self, line: dict[str, Any]) -> str:
        return words.detail(line.get("rule"), self.ex.board.policy)


class CardPage:
    """A unit card as its page shows it, kept per result (``cache.results``): the few values
    the page's frame shows and its long parts — the heading, the indicator table and the lines —
    made once for each (grouping, may file an appeal, page language) asked for. Every
    request renders only the frame around them (who is signed in, CSRF, appeals, pickers), so
    a kept card costs no template work in proportion to its lines; the explanation itself
    (~170 kB on the benchmark's store) is kept in a smaller cache of its own."""

    def __init__(self, shown: _Card):
        card, board = shown.ex.card, shown.ex.board
        self.unit, self.name, self.track, self.total = card.unit, card.name, card.track, card.total
        self.policy, self.as_of = board.policy.ref, board.as_of
        self.meta = shown.meta
        self.headers: dict[str, list[str]] = {}
        self.parts: dict[tuple[str, ...], Markup] = {}


def _card_part(wb: Workbench, template: str, lang: str, **values: Any) -> Markup:
    return Markup(wb.env.get_template(template).render(_=i18n.translator(lang), lang=lang, **values))


def unit_page(ctx: Ctx) -> Response:
    unit = ctx.request.path_params["unit"]
    access.check_own_unit(access.rule("unit", ctx.account), ctx.account, unit)
    try:
        policy_ref = default_policy(ctx, unit)
    except InputError:
        if ctx.role == "unit":  # its own card, which no policy scores yet: its home says so (the nav links here)
            return RedirectResponse("/", 303)
        raise
    key, explained = cached_explanation(ctx, "unit", unit, policy_ref, _Card)
    page = ctx.cache.results.get(key, lambda: CardPage(explained()))
    by = str(ctx.q("by")) if ctx.q("by") in explain_report.GROUPINGS else "indicator"
    can_file = ctx.role == "unit" and ctx.account.unit == unit
    wb: Workbench = ctx.request.app.state.workbench
    parts = ("indicators", ctx.lang), ("lines", by, str(can_file), ctx.lang)
    if ctx.lang not in page.headers or any(part not in page.parts for part in parts):
        shown = explained()
        with speaking(ctx.lang):  # the card's own words (lines, notes, heading) in the page's language
            page.headers.setdefault(ctx.lang, shown.header())
            page.parts.setdefault(parts[0], _card_part(wb, "unit_indicators.html", ctx.lang,
                                                       indicators=shown.indicators(), policy=shown.ex.board.policy))
            page.parts.setdefault(parts[1], _card_part(wb, "unit_lines.html", ctx.lang, groups=shown.ex.groups(by),
                                                       can_file=can_file, what=shown.what, rule=shown.rule,
                                                       evidence=evidence.line_links(shown.ex, ctx.appeals())))
    query = {"policy": page.policy, "as_of": page.as_of.isoformat(), "track": page.track,
             "known_at": _known_at(ctx)}
    own_appeals = [a for a in ctx.appeals() if a.unit == unit]
    return ctx_page(ctx, "unit.html", card=page, meta=page.meta, header=page.headers[ctx.lang],
                    indicators_html=page.parts[parts[0]], lines_html=page.parts[parts[1]], by=by,
                    groupings=explain_report.GROUPINGS, result_query=query, appeals=own_appeals, can_file=can_file,
                    described=described_appeals(ctx, own_appeals),
                    formats=[f for f in formats.formats("explain") if f != "table"])


def unit_download(ctx: Ctx) -> Response:
    unit, fmt = ctx.request.path_params["unit"], ctx.request.path_params["fmt"]
    if fmt not in formats.formats("explain"):
        raise NotFound(Msg("no format '{fmt}' of the explain report", fmt=fmt))
    access.check_own_unit(access.rule("unit_download", ctx.account), ctx.account, unit)
    ex = explanation(ctx, "unit_download", unit, default_policy(ctx, unit))
    by = str(ctx.q("by")) if ctx.q("by") in explain_report.GROUPINGS else "indicator"
    return rendered("explain", fmt, ex, f"explain-{unit}-{ex.board.policy.ref}", by=by)


def unit_trend(ctx: Ctx) -> Response:
    unit = ctx.request.path_params["unit"]
    rule = access.rule("unit_trend", ctx.account)
    access.check_own_unit(rule, ctx.account, unit)
    access.check_latest(rule, ctx.q("known_at"))
    policy = ctx.ledger.policy(default_policy(ctx, unit))
    points = readers.trend(ctx.ledger, policy, unit, ctx.q("track"), ctx.q("known_at"),
                           parse_date(ctx.q("as_of"), "--as-of"))
    from .chart import trend_svg
    from .edge import style_hashed_policy

    svg = trend_svg(unit, policy.ref, points, ctx.lang)
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": style_hashed_policy(svg)})


def packet(ctx: Ctx) -> Response:
    """``ledger packet UNIT`` (``?with_evidence=1``: ``--with-evidence``): the same zip."""
    from ..reports.safe import file_name
    from ..workflows.packets import build_packet

    unit = ctx.request.path_params["unit"]
    access.check_own_unit(access.rule("packet", ctx.account), ctx.account, unit)
    ex = explanation(ctx, "packet", unit, default_policy(ctx, unit))
    text = ctx.ledger.policies.find(ex.board.policy.ref).text
    # A unit's user gets what it may read: its own records, its peers' stream heads only.
    data = build_packet(ctx.ledger, ex, text, scope="unit" if ctx.role == "unit" else "full",
                        with_evidence=ctx.q("with_evidence") == "1")
    name = file_name(f"{unit}-{ex.board.policy.ref.replace('@', '-')}") + ".zip"
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- events ----------------------------------------------------------------------------------
def event_page(ctx: Ctx) -> Response:
    event_id = ctx.request.path_params["event_id"]
    rule = access.rule("event", ctx.account)
    access.check_own(rule, ctx.account, "event", event_id, lambda: readers.event_unit(ctx.ledger, event_id))
    found = readers.story(ctx.ledger, event_id)
    fields = {k: v for k, v in found.event.items() if k not in ("type", "unit", "date", "id", "actor",
                                                                  "recorded_at", "revision")}
    amend: list[Any] | None = None  # the office's correct and retract forms (a fact not retracted)
    if access.rule("event_correct", ctx.account) == access.ALL and \
            not any(a.get("type") == "retraction" for a in found.amendments):
        from ..events.catalog import FACT_TYPES
        from .forms import current_fields

        if found.event.get("type") in FACT_TYPES:
            amend = current_fields(ctx, found.event, found)
    policies = [e.policy() for e in _latest_entries(ctx.ledger.policies.entries())]  # names of policy words
    return ctx_page(ctx, "event.html", story=found, event=found.event, fields=fields, policies=policies,
                    evidence=evidence.on_event_page(ctx, found.event), amend=amend)


# --- diff ------------------------------------------------------------------------------------
def _diff(ctx: Ctx) -> Any:
    """``ledger diff`` with the same options (policy, against, known-at, against-known-at, since-publication)."""
    from ..projections.diff import diff as compute_diff

    day = parse_date(ctx.q("as_of"), "--as-of")
    policy_ref, known_at, track = ctx.q("policy"), _known_at(ctx), ctx.q("track")
    against, against_known_at, since = ctx.q("against"), ctx.q("against_known_at"), ctx.q("since_publication")
    if since:
        from ..workflows import publishing

        pub = publishing.find(ctx.ledger, since)
        before_policy = publishing.policy_of(ctx.ledger, pub)
        known_at, day, track = str(pub.known_at), day or pub.as_of, track or pub.track
    elif not (against or against_known_at or known_at):
        return None
    else:
        before_policy = ctx.ledger.policy(policy_ref)
    after_policy = ctx.ledger.policy(against, None, "--against") if against else before_policy
    tracks = [track] if track else None
    before = ctx.ledger.scoreboard(before_policy, as_of=day, known_at=known_at, tracks=tracks)
    after = ctx.ledger.scoreboard(after_policy, as_of=day, known_at=against_known_at, tracks=tracks)
    return compute_diff(before, after)


def diff_page(ctx: Ctx) -> Response:
    result = _diff(ctx)
    entries = ctx.ledger.policies.entries()
    return ctx_page(ctx, "diff.html", result=result, entries=entries,
                    meta=result_meta(result.after) if result else None,
                    before_meta=result_meta(result.before) if result else None,
                    formats=[f for f in formats.formats("diff") if f != "table"])


def diff_download(ctx: Ctx) -> Response:
    fmt = ctx.request.path_params["fmt"]
    if fmt not in formats.formats("diff"):
        raise NotFound(Msg("no format '{fmt}' of the diff report", fmt=fmt))
    result = _diff(ctx)
    if result is None:
        raise InputError("--against ID[@VERSION], --known-at/--against-known-at or --since-publication ID",
                         field="--against")
    return rendered("diff", fmt, result, "diff")


# --- publications ----------------------------------------------------------------------------
def publications_page(ctx: Ctx) -> Response:
    pubs = list(reversed(ctx.publications()))
    return ctx_page(ctx, "publications.html", pubs=pubs, tracks_of=_policies_of(ctx, pubs))


def _policies_of(ctx: Ctx, pubs: list[Any]) -> dict[str, Any]:
    """The policies publications name (their tracks' names), by ref."""
    found: dict[str, Any] = {}
    for pub in pubs:
        if pub.track and pub.policy not in found:
            try:
                found[pub.policy] = ctx.ledger.policies.find(pub.policy).policy()
            except (InputError, NotFound):
                found[pub.policy] = None
    return found


def publication_page(ctx: Ctx) -> Response:
    """``ledger published ID``: regenerate and compare byte for byte."""
    import hashlib

    from ..workflows import publishing

    pub = publishing.find(ctx.ledger, ctx.request.path_params["pub_id"])
    content, same = (None, None)
    if ctx.q("check"):
        content, same = publishing.reproduce(ctx.ledger, pub)
    digest = hashlib.sha256(content.encode()).hexdigest() if content is not None else None
    return ctx_page(ctx, "publication.html", pub=pub, same=same, digest=digest, checked=None,
                    policy=_policies_of(ctx, [pub]).get(pub.policy))


def publication_download(ctx: Ctx) -> Response:
    """``ledger published ID --format xlsx|html|pdf``: the publication's document with its
    verification code — the same bytes the CLI writes (``ledger verify-publication`` checks it)."""
    from ..workflows import publishing

    fmt = ctx.request.path_params["fmt"]
    if fmt not in publishing.DOCUMENTS:
        raise NotFound(Msg("no format '{fmt}' of a publication's documents", fmt=fmt))
    pub = publishing.find(ctx.ledger, ctx.request.path_params["pub_id"])
    with speaking(ctx.lang):  # the document in the page's language (its code line says which)
        return rendered("publication", fmt, publishing.document(ctx.ledger, pub), pub.id)


UPLOAD_LIMIT = 16 * 2**20
"""The most of an uploaded file the publication page reads (a publication's xlsx, HTML or PDF
is a few hundred KB): a larger one is refused, not read into memory."""


def publication_verify(ctx: Ctx) -> Response:
    """``ledger verify-publication FILE`` on a file uploaded on a publication's page: the office
    (any signed-in user) sees whether a received file is the publication, and which one."""
    from ..workflows import publishing
    from ..workflows.verify_publication import receive, shown, verify_received

    pub = publishing.find(ctx.ledger, ctx.request.path_params["pub_id"])
    upload = ctx.form.get("file")
    if upload is None or isinstance(upload, str | list) or not getattr(upload, "filename", None):
        raise InputError("a file to check (an xlsx, HTML or PDF of a publication)", field="file")
    name = shown(str(upload.filename))[:200]
    data = upload.file.read(UPLOAD_LIMIT + 1)
    lines: list[str] = []
    with speaking(ctx.lang):
        try:
            if len(data) > UPLOAD_LIMIT:
                raise InputError(Msg("a document of at most {mb} MiB (a publication's xlsx, HTML or PDF is far "
                                     "smaller)", mb=UPLOAD_LIMIT // 2**20), origin=name, got=Msg("a larger file"))
            received = receive(data, name)
            lines = verify_received(ctx.ledger, received).lines
            verdict: tuple[bool, str] = (True, received.pub_id)
        except (CheckFailed, InputError) as exc:
            verdict = (False, error_text(exc))
    return ctx_page(ctx, "publication.html", pub=pub, same=None, digest=None, checked=name, verdict=verdict,
                    lines=lines, policy=_policies_of(ctx, [pub]).get(pub.policy))


PUBLISH_FIELDS = ("policy", "as_of", "period", "track", "known_at", "doc_no", "issued", "to", "cc")
LOOK_ROWS = 10
"""The head of each track's table the publish confirmation shows."""


def look_token(params: dict[str, str | None]) -> str:
    """What a publish confirmation is bound to: the result looked at (policy, as-of, resolved
    known-at, track, period) and the 通报's head fields; another set of fields is another token."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps([params.get(k) or "" for k in PUBLISH_FIELDS]).encode()).hexdigest()[:32]


def publish(ctx: Ctx) -> Response:
    """``ledger publish`` by the signed-in office user (with the 通报's 文号, issue date, 主送
    and 抄送 when given), in two steps: the first POST shows what would be published — policy,
    as-of, the known-at revision it resolves to, the head of the table — and a confirmation
    bound to it (``look_token``); only the second, carrying that token, publishes."""
    from ..errors import ConflictError
    from ..workflows import publishing

    params = {k: ctx.f(k) for k in PUBLISH_FIELDS}
    board = score_board(ctx, params["policy"], params["track"], None, params["as_of"], params["known_at"])
    issued = parse_date(params["issued"], "--issued")
    params.update(policy=board.policy.ref, known_at=str(board.known_at),
                  as_of=params["as_of"] if params["period"] else board.as_of.isoformat())
    token = look_token(params)
    confirm = ctx.f("confirm")
    if confirm is None:
        with speaking(ctx.lang):  # a grade withheld is shown as the table shows it (暂不评定)
            heads = [(track, [(c, verdicts.grade(c, verdicts.hold(board, track)))
                              for c in sorted(cards, key=SORTS["rank"])[:LOOK_ROWS]], len(cards))
                     for track, cards in board.cards.items()]
        return ctx_page(ctx, "publish_confirm.html", params=params, token=token, board=board,
                        meta=result_meta(board), heads=heads, rows=LOOK_ROWS)
    if confirm != token:
        raise ConflictError("the publication that was looked at (the form changed since: look again)", field="confirm")
    pub, _ = publishing.publish(ctx.ledger, params["policy"] or "", as_of=parse_date(params["as_of"], "--as-of"),
                                period=params["period"], track=params["track"], known_at=params["known_at"],
                                doc_no=params["doc_no"], issued=issued, to=params["to"], cc=params["cc"])
    return RedirectResponse(f"/publications/{pub.id}", 303)


# --- appeals ---------------------------------------------------------------------------------
def appeals_page(ctx: Ctx) -> Response:
    rows = [a for a in ctx.appeals() if ctx.role != "unit" or a.unit == ctx.account.unit]
    return ctx_page(ctx, "appeals.html", appeals=list(reversed(rows)), described=described_appeals(ctx, rows))


def described_appeals(ctx: Ctx, rows: list[Any]) -> dict[str, dict[str, Any]]:
    """How a person knows an appeal: its unit by name and its targets by type (a UUID says nothing)."""
    roster = ctx.ledger.facts.roster()
    ids = sorted({t for a in rows for t in a.targets})
    found = ctx.ledger.store.lookup_ids(ids) if ids else {}
    with speaking(ctx.lang):
        return {a.id: {"unit": getattr(roster.get(a.unit), "name", None) or a.unit,
                       "targets": [(t, words.event_type(found[t].type) if t in found else t) for t in a.targets]}
                for a in rows}


def appeal_page(ctx: Ctx) -> Response:
    from ..workflows import appeals
    from .app import page_message

    appeal_id = ctx.request.path_params["appeal_id"]
    access.check_own(access.rule("appeal", ctx.account), ctx.account, "appeal", appeal_id,
                     lambda: next((a.unit for a in ctx.appeals() if a.id == appeal_id), None))
    appeal = appeals.get(ctx.ledger, appeal_id)
    policy_ref = ctx.q("policy")
    if policy_ref is None and not appeal.publication:  # no publication covered the unit: its newest policy
        try:
            policy_ref = default_policy(ctx, appeal.unit)
        except (InputError, NotFound):
            policy_ref = None
    effect, problem = None, None
    if policy_ref is None and not appeal.publication:  # nothing scores the unit: no effect to show, no error
        problem = i18n.translator(ctx.lang)("No published result or policy covers this unit: the appeal's effect "
                                            "cannot be shown.")
    else:
        try:
            effect = appeals.effect(ctx.ledger, appeal.id, policy_ref=policy_ref,
                                    as_of=parse_date(ctx.q("as_of"), "--as-of"))
        except InputError as exc:
            problem = page_message("appeal", exc, ctx.lang)
    peers = effect.peer_changes if effect is not None and ctx.role != "unit" else None
    shown = evidence.on_event_page(ctx, {"id": appeal.id, "type": "appeal_filed", "unit": appeal.unit})
    targets = decide_targets(ctx, appeal) if ctx.role == "office" and appeal.open else []
    return ctx_page(ctx, "appeal.html", appeal=appeal, effect=effect, peers=peers, problem=problem, evidence=shown,
                    described=described_appeals(ctx, [appeal])[appeal.id], targets=targets)


def decide_targets(ctx: Ctx, appeal: Any) -> list[tuple[int, str, dict[str, Any], list[Any]]]:
    """(index, id, the event, its fields now) of each target: the decide form offers each to
    retract, and its fields to correct with new values (the index names the form's inputs)."""
    from .forms import current_fields

    out = []
    for i, target in enumerate(appeal.targets):
        try:
            found = readers.story(ctx.ledger, target)
        except NotFound:
            continue
        out.append((i, target, found.event, current_fields(ctx, found.event, found)))
    return out


def appeal_file(ctx: Ctx) -> Response:
    """``ledger appeal file`` for the signed-in unit account's own unit."""
    from ..workflows import appeals

    unit = ctx.f("unit") or ""
    rule = access.rule("appeal_file", ctx.account)
    access.check_unit(rule, ctx.account, unit)
    raw = ctx.form.get("targets", [])
    targets = [raw] if isinstance(raw, str) else list(raw)
    targets = [t for t in targets if t.strip()]
    access.check_own_targets(rule, ctx.account, targets, lambda ids: {
        i: e.unit for i, e in ctx.ledger.store.lookup_ids(ids).items()})
    if not targets:
        raise InputError("at least one event to appeal against", field="--target")
    if not ctx.f("grounds"):
        raise InputError("the grounds of the appeal", field="--grounds")
    files = evidence.uploads(ctx)  # sent with the appeal: checked before the appeal is written
    if files:
        evidence.workflow.check(files)
    new_id, _, _ = appeals.file(ctx.ledger, unit, targets, ctx.f("grounds") or "",
                                publication=ctx.f("publication"))
    evidence.attach_to_appeal(ctx, new_id, files)
    return RedirectResponse(f"/appeals/{new_id}", 303)


def appeal_decide(ctx: Ctx) -> Response:
    """``ledger appeal decide``: the decision and its retractions/corrections in one write. The
    form names targets to retract (checkboxes) and, per target, the new values of the fields to
    correct (``c{index}-{field}``; a field left at its value now changes nothing)."""
    from ..workflows import appeals

    appeal_id = ctx.request.path_params["appeal_id"]
    appeal = appeals.get(ctx.ledger, appeal_id)
    raw = ctx.form.get("retract", [])
    retract = [r for r in ([raw] if isinstance(raw, str) else list(raw)) if r]
    unknown = [r for r in retract if r not in appeal.targets]
    if unknown:
        raise InputError("targets of the appeal", field="--retract", got=repr(unknown[0]))
    grouped: dict[str, dict[str, Any]] = {}
    for i, target, _event, fields in decide_targets(ctx, appeal):
        for f in fields:
            given = ctx.form.get(f"c{i}-{f.name}")
            given = given.strip() if isinstance(given, str) else f.value
            if given != f.value and (given or f.value):
                value: Any = (given == "true") if f.shape == "flag" and given in ("true", "false") else given
                grouped.setdefault(target, {})[f.name] = value
    for line in (ctx.f("corrections") or "").splitlines():  # the former ``ID field=value`` lines, for scripts
        if line.strip():
            target, _, pair = line.strip().partition(" ")
            grouped.setdefault(target, {}).update(parse_sets((pair.strip(),), "--correct"))
    outcome = ctx.f("outcome") or ""
    if outcome not in ("upheld", "partially_upheld", "rejected"):
        raise InputError("one of upheld, partially_upheld, rejected", field="--outcome", got=repr(outcome))
    appeals.decide(ctx.ledger, appeal_id, outcome, ctx.f("reason") or "", retract=retract,
                   correct=[(t, c) for t, c in grouped.items() if t not in retract], reviewer=ctx.account.name)
    return RedirectResponse(f"/appeals/{appeal_id}", 303)


# --- the log ---------------------------------------------------------------------------------
def log_page(ctx: Ctx) -> Response:
    log = readers.revision_log(ctx.ledger, ctx.q("since"), ctx.q("until"))
    return ctx_page(ctx, "log.html", log=log)


# --- users -----------------------------------------------------------------------------------
def users_page(ctx: Ctx) -> Response:
    return ctx_page(ctx, "users.html", users=accounts.accounts(ctx.ledger), roles=accounts.ROLES)


def users_add(ctx: Ctx) -> Response:
    role = ctx.f("role") or ""
    accounts.add(ctx.ledger, ctx.f("name") or "", role, str(ctx.form.get("password") or ""),
                 unit=ctx.f("unit") if role == "unit" else None)
    return RedirectResponse("/users", 303)


def users_disable(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    accounts.disable(ctx.ledger, name)
    wb: Workbench = ctx.request.app.state.workbench
    wb.sessions.end_user(name)
    wb.credentials.forget(name)
    return RedirectResponse("/users", 303)


def routes(wb: Workbench) -> list[Any]:
    r = wb.route
    post = ("POST",)
    return [
        r("/", "home", home),
        r("/policies/{ref}", "policy", policy_page),
        r("/scores/{policy}", "scores", scores),
        r("/scores/{policy}/download.{fmt}", "scores_download", scores_download),
        r("/units/{unit}", "unit", unit_page),
        r("/units/{unit}/trend.svg", "unit_trend", unit_trend),
        r("/units/{unit}/download.{fmt}", "unit_download", unit_download),
        r("/units/{unit}/packet", "packet", packet),
        r("/events/{event_id:path}", "event", event_page),
        r("/diff", "diff", diff_page),
        r("/diff/download.{fmt}", "diff_download", diff_download),
        r("/publications", "publications", publications_page),
        r("/publications", "publish", publish, methods=post),
        r("/publications/{pub_id}", "publication", publication_page),
        r("/publications/{pub_id}/download.{fmt}", "publication_download", publication_download),
        r("/publications/{pub_id}/verify", "publication_verify", publication_verify, methods=post, files=1),
        r("/appeals", "appeals", appeals_page),
        r("/appeals", "appeal_file", appeal_file, methods=post, files=evidence.MAX_FILES),
        r("/appeals/{appeal_id}", "appeal", appeal_page),
        r("/appeals/{appeal_id}/decide", "appeal_decide", appeal_decide, methods=post),
        r("/log", "log", log_page),
        r("/users", "users", users_page),
        r("/users", "users_write", users_add, methods=post),
        r("/users/{name}/disable", "users_write", users_disable, methods=post),
    ]

