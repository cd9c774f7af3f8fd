"""The web workbench (``ledger serve``): Starlette routes over the same library API, read
models, workflows and renderers as the CLI. A route parses its query, calls what the CLI's
command calls and renders with the same registered format (the JSON API) or a template
(pages). No domain logic here.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from .. import accounts
from ..app import Ledger
from ..errors import CheckFailed, ConflictError, InputError, LedgerError, NotFound, UnknownId
from ..i18n import speaking
from ..intake.bounded import OverLimit
from ..option_labels import option_label
from ..policies.errors import CalendarError, PolicyError
from ..reports import formats
from ..reports import pdf as pdf_engine
from ..reports import text as render
from ..reports.safe import with_bom
from ..store.backends import StoreUnavailable
from ..store.eventstore import RecordUnreadable, utc_now
from ..store.url import StoreUrl, parse_store_url
from ..workflows.evidence import Withdrawn
from . import access, auth, i18n, limits
from .cache import WebCache
from .pool import WRITE_WAIT, LedgerPool

if TYPE_CHECKING:
    from ..projections.record_views import Appeal, Publication

HERE = Path(__file__).parent
JSON_TYPE = "application/json; charset=utf-8"
MEDIA = {"json": JSON_TYPE, "csv": "text/csv; charset=utf-8", "xlsx":
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "html": "text/html; charset=utf-8",
         "md": "text/markdown; charset=utf-8", "pdf": "application/pdf", "table": "text/plain; charset=utf-8"}


PATH_IDS = {"appeal": "Appeal ID", "publication": "Publication ID", "event": "Event ID"}
"""The fields naming the id in a page's own path (``/appeals/{id}`` …): unknown there, 404."""


class Unauthorized(LedgerError):
    """Not signed in (401 for the API; pages send the visitor to /login)."""


class BadForm(LedgerError):
    """A form without a valid CSRF token (403)."""


class TooMany(LedgerError):
    def __init__(self, wait: float):
        self.wait = max(1, int(wait + 0.999))
        super().__init__(f"too many failed sign-ins: try again in {self.wait} s")


@dataclass
class Ctx:
    """One request: who asks, in which language, with which ledger."""

    request: Request
    account: accounts.Account
    ledger: Ledger
    lang: str
    csrf: str
    form: dict[str, Any]
    head: int
    """The head revision, read once when the request began: what "now" means for its reads."""

    @property
    def role(self) -> str:
        return self.account.role

    def q(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value if value not in (None, "") else None

    @property
    def cache(self) -> WebCache:
        return self.request.app.state.workbench.cache

    def appeals(self) -> list[Appeal]:
        """Every appeal (``workflows.appeals.appeals``), read once per head revision."""
        from ..workflows import appeals

        return self.cache.at_head(self.head, "appeals", lambda: appeals.appeals(self.ledger))

    def publications(self) -> list[Publication]:
        """Every publication (``workflows.publishing.publications``), read once per head revision."""
        from ..workflows import publishing

        return self.cache.at_head(self.head, "publications", lambda: publishing.publications(self.ledger))

    def f(self, name: str) -> str | None:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None


def _field_name(field: str | None) -> str | None:
    if field is None:
        return None
    return field.lstrip("-").replace("-", "_")


# The CLI command whose option names a route's errors use (the same message as the CLI's).
CLI_COMMAND = {"scores": "score", "api_score": "score", "scores_download": "score", "unit": "explain",
               "api_explain": "explain", "unit_download": "explain", "unit_trend": "explain", "packet": "packet",
               "diff": "diff", "diff_download": "diff", "publish": "publish", "appeal_file": "appeal file",
               "appeal_decide": "appeal decide", "appeal": "appeal show", "publication": "published",
               "publication_verify": "verify-publication",
               "api_history": "history", "users_write": "users add", "due": "due", "due_download": "due",
               "api_due": "due", "evidence_attach": "attach", "evidence": "evidence get"}


def cli_message(route: str, exc: InputError) -> str:
    """The error as the CLI's command prints it (its field named as that command's option)."""
    return str(cli_error(route, exc))


def cli_error(route: str, exc: InputError) -> InputError:
    """``exc`` with its field named as the route's CLI command names it (a route without a
    command — an import's rows, say — keeps the event's field, worded by ``ledger.wording``)."""
    command = CLI_COMMAND.get(route)
    if command is None:
        return exc
    return exc.relabelled(option_label(command, exc.field))


def page_message(route: str, exc: Exception, lang: str) -> str:
    """An error as a page shows it: in the page's language (the API's JSON keeps the English)."""
    from .. import i18n as words
    from ..wording import error_text

    with words.speaking(lang):
        if isinstance(exc, InputError):
            return error_text(cli_error(route, exc))
        if isinstance(exc, StoreUnavailable):
            return words.f("store unavailable: {reason}", reason=error_text(exc))
        return error_text(exc)


class Workbench:
    """``pool_size`` store connections for reads and ``writers`` for writes (``pool``); a write
    waits ``write_wait`` seconds at most for the write lock. ``hosts``: the names this server
    answers to (None: any); ``proxies``: addresses whose ``X-Forwarded-For`` is believed
    (``edge``). ``basic_ttl``: seconds a verified HTTP Basic credential is kept (0: off)."""

    def __init__(self, url: str | StoreUrl | None, *, secret: str | None = None,
                 clock: Callable[[], dt.datetime] = utc_now, pool_size: int = 4,
                 failure_delay: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 secure_cookies: bool = False, warm: bool = True, writers: int = 2,
                 write_wait: float = WRITE_WAIT, hosts: Collection[str] | None = None,
                 proxies: Collection[str] = (), basic_ttl: float = auth.BASIC_TTL,
                 max_body: int = limits.MAX_BODY, renders: int = 2, renders_per_user: int = 1,
                 render_wait: float = 30.0):
        self.url = url if isinstance(url, StoreUrl) else parse_store_url(url)
        self.max_body = max_body
        """A signed-in visitor's request body limit (``--max-body``); others: ``limits.ANONYMOUS_BODY``."""
        pdf_engine.configure(renders, renders_per_user, render_wait)  # Chromium renders at once (``--renders``)
        self.clock = clock
        self.sessions = auth.Sessions(auth.load_secret(self.url, secret), clock)
        self.throttle = auth.Throttle(clock=clock, delay=failure_delay)
        self.credentials = auth.VerifiedCredentials(basic_ttl)
        self.sleep = sleep
        self.secure_cookies = secure_cookies
        self.hosts, self.proxies = hosts, proxies
        self.write_wait = write_wait
        self.cache = WebCache()
        from .previews import Previews

        self.previews = Previews(clock)
        """Uploaded files between an import's preview and its confirmation (``desk``)."""
        self.pool = LedgerPool(self.url, pool_size, clock, self.cache.facts)
        """The readers: every GET (no write ever holds one)."""
        self.writers = LedgerPool(self.url, writers, clock, self.cache.facts, wait=write_wait)
        """The writers: every POST, each waiting ``write_wait`` seconds at most."""
        self.warm = warm
        """Warm the tables in a background thread while the app runs (``warm.Warmer``: started
        by the app's lifespan, i.e. by ``ledger serve``, not by a test client used without it)."""
        self.busy = 0
        """Requests being answered now (the warm-up gives way to them)."""
        self._busy_lock = threading.Lock()
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                      autoescape=True, trim_blocks=True, lstrip_blocks=True)
        self.env.filters["num"] = render.number_text
        self.env.filters["delta"] = _delta
        self.env.filters["short"] = lambda text, n=16: (text or "")[:n]
        self.env.globals["url"] = _url
        self.env.globals["download"] = _download
        self.env.globals["say"] = _say
        from ..projections.evidence import size_text

        self.env.globals["size"] = size_text
        from ..reports import words  # the event catalogue's names, in the language being spoken

        self.env.globals.update(event_type=words.event_type, field_name=words.field, field_value=words.value)
        from . import wording  # codes by their names, moments in China time (issue #34)

        wording.register(self.env)

    # --- who is asking -----------------------------------------------------------------------
    def _account(self, ledger: Ledger, name: str, head: int) -> accounts.Account | None:
        found = self.cache.at_head(head, "accounts", lambda: {a.name: a for a in accounts.accounts(ledger)}).get(name)
        return found if found is not None and found.active else None

    def _basic(self, request: Request, ledger: Ledger, head: int) -> accounts.Account | None:
        """The account of HTTP Basic credentials: from ``credentials`` when verified lately at
        the account's current revision (no hash), else signed in (one hash, throttled)."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        import base64
        import binascii

        try:
            name, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("HTTP Basic credentials as base64 of name:password") from None
        kept = self._kept_basic(ledger, name, password, head)
        if kept is not None:
            return kept
        with self.credentials.checking(name, password):
            kept = self._kept_basic(ledger, name, password, head)  # checked meanwhile by another request?
            if kept is not None:
                return kept
            account = self._sign_in(request, ledger, name, password)
            self.credentials.verified(name, password, account.revision)
            return account

    def _kept_basic(self, ledger: Ledger, name: str, password: str, head: int) -> accounts.Account | None:
        revision = self.credentials.revision(name, password)
        if revision is None:
            return None
        account = self._account(ledger, name, head)
        return account if account is not None and account.revision == revision else None

    def _sign_in(self, request: Request, ledger: Ledger, name: str, password: str) -> accounts.Account:
        source = request.client.host if request.client else "-"
        wait = self.throttle.wait(name, source)
        if wait > 0:
            raise TooMany(wait)
        account = accounts.authenticate(ledger, name, password)
        if account is None:
            self.throttle.failed(name, source)
            if self.throttle.delay:
                self.sleep(self.throttle.delay)
            raise Unauthorized("wrong name or password")
        self.throttle.succeeded(name, source)
        return account

    async def body_limit(self, scope: Scope, headers: Headers) -> int:
        """A request's body limit: ``max_body`` when it is signed in (a session, or HTTP Basic
        credentials that verify — checked, through the throttle, only here, for a body larger
        than an anonymous one), else the sign-in form's size."""
        anonymous = min(limits.ANONYMOUS_BODY, self.max_body)
        cookie = Request(scope).cookies.get(auth.SESSION_COOKIE)
        if self.sessions.get(cookie) is not None:
            return self.max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) <= anonymous:
            return anonymous
        if headers.get("authorization", "").lower().startswith("basic ") and \
                await run_in_threadpool(self._basic_verifies, Request(scope)):
            return self.max_body
        return anonymous

    def _basic_verifies(self, request: Request) -> bool:
        try:
            with self.pool.ledger() as ledger:
                return self._basic(request, ledger, ledger.head()[0]) is not None
        except (Unauthorized, TooMany, StoreUnavailable):
            return False

    # --- a route ---------------------------------------------------------------------------------
    def route(self, path: str, name: str, handler: Callable[[Ctx], Response], *, api: bool = False,
              methods: tuple[str, ...] = ("GET",), files: int = 0, raw: bool = False) -> Route:
        """``files``: how many uploaded files the route's POST form may carry (its handler bounds
        what it reads of them). ``raw``: the POST's body is the handler's ``form["body"]`` (bytes,
        bounded by the body limit) — an API taking a file whose ``Content-Type`` no other site's
        page may send unasked, so it carries no CSRF token."""
        def run(request: Request, form: dict[str, Any]) -> Response:
            with self._busy_lock:
                self.busy += 1
            try:
                return answer(request, form)
            finally:
                with self._busy_lock:
                    self.busy -= 1

        def answer(request: Request, form: dict[str, Any]) -> Response:
            lang = i18n.language(request.query_params.get("lang"), request.cookies.get("ledger_lang"),
                                 request.headers.get("accept-language"))
            try:
                with (self.writers if request.method == "POST" else self.pool).ledger() as ledger:
                    cookie = request.cookies.get(auth.SESSION_COOKIE)
                    session = self.sessions.get(cookie)
                    head = ledger.head()[0]
                    account = self._account(ledger, session.user, head) if session else None
                    if session is not None and (account is None or account.revision != session.revision):
                        self.sessions.end(cookie)  # disabled, or a new password since it signed in
                        session, account = None, None
                    if account is None and api:
                        account = self._basic(request, ledger, head)
                    if account is None:
                        if api:
                            raise Unauthorized("sign in (a session cookie, or HTTP Basic for scripts)")
                        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                        return RedirectResponse("/login?" + urllib.parse.urlencode({"next": target}), 303)
                    access.check(name, account)
                    bound = cookie.rpartition(".")[0] if session and cookie else ""
                    if request.method == "POST" and not raw and not self.sessions.csrf_ok(bound, form.get("csrf")):
                        raise BadForm("The form expired or was not sent from this site: reload the page and "
                                      "try again.")
                    ledger.actor = account.name
                    owner = pdf_engine.render_owner.set(account.name)  # the per-user render limit counts by it
                    try:
                        response = handler(Ctx(request, account, ledger, lang, self.sessions.csrf_token(bound)
                                               if bound else "", form, head))
                    finally:
                        pdf_engine.render_owner.reset(owner)
            except Exception as exc:  # noqa: BLE001 - every error becomes an answer
                response = self.error(request, name, exc, api, lang)
            if request.query_params.get("lang") in ("zh", "en"):
                response.set_cookie("ledger_lang", request.query_params["lang"], httponly=True, samesite="lax")
            return response

        async def endpoint(request: Request) -> Response:
            form = {"body": await request.body()} if raw and request.method == "POST" else await _form(request, files)
            return await run_in_threadpool(run, request, form)

        return Route(path, endpoint, name=name, methods=list(methods))

    def error(self, request: Request, route: str, exc: Exception, api: bool, lang: str) -> Response:
        field: str | None = None
        if isinstance(exc, TooMany):
            status, message = 429, str(exc)
        elif isinstance(exc, Unauthorized):
            status, message = 401, str(exc)
        elif isinstance(exc, access.Refused | BadForm):
            status, message = 403, str(exc)
        elif isinstance(exc, Withdrawn):  # an evidence file whose bytes were removed
            status, message = 410, str(exc)
        elif isinstance(exc, NotFound):
            status, message = 404, str(exc)
        elif isinstance(exc, ConflictError):
            status, message, field = 409, cli_message(route, exc), _field_name(exc.field)
        elif isinstance(exc, RecordUnreadable):  # a damaged store: the server's fault, not the request's
            status, message = 500, str(exc)
        elif isinstance(exc, pdf_engine.RenderBusy):
            status, message = 503, str(exc)
        elif isinstance(exc, CheckFailed):  # the ledger no longer reproduces what was published
            status, message = 409, str(exc)
        elif isinstance(exc, InputError):
            status, message, field = 400, cli_message(route, exc), _field_name(exc.field)
            if isinstance(exc, OverLimit):  # a file past a reading limit (an upload)
                status = 413
            if isinstance(exc, UnknownId) and exc.field in PATH_IDS:
                status = 404  # an unknown id in the path: not found, as for the other pages
        elif isinstance(exc, StoreUnavailable):  # a write that waited too long for the lock, too
            status, message = 503, f"store unavailable: {exc}"
        elif isinstance(exc, PolicyError | CalendarError):
            status, message = 400, str(exc)
        elif isinstance(exc, LedgerError):
            status, message = 400, str(exc)
        else:
            raise exc
        headers = {"Retry-After": str(exc.wait)} if isinstance(exc, TooMany) else {}
        if isinstance(exc, pdf_engine.RenderBusy):
            headers["Retry-After"] = str(exc.retry_after)
        elif status == 503:
            headers["Retry-After"] = str(max(1, round(self.write_wait)))
        if status == 401 and api:
            headers["WWW-Authenticate"] = 'Basic realm="ledger", charset="UTF-8"'
        if api:
            return JSONResponse({"error": message, "field": field}, status, headers=headers)
        _ = i18n.translator(lang)
        title = {401: _("Not signed in"), 403: _("Not allowed"), 404: _("Not found"), 410: _("Withdrawn"),
                 413: _("Too large"), 503: _("Busy")}.get(status, _("Error"))
        message = _page_error(route, exc, message, lang)
        body = self.env.get_template("error.html").render(_=_, lang=lang, title=title, message=message,
                                                          status=status, account=None, csrf="")
        return HTMLResponse(body, status, headers=headers)

    def page(self, ctx: Ctx, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        with speaking(ctx.lang):  # the library's words (``say``) in the page's language too
            body = self.env.get_template(template).render(
                _=i18n.translator(ctx.lang), lang=ctx.lang, account=ctx.account, csrf=ctx.csrf,
                request=ctx.request, path=ctx.request.url.path, query=dict(ctx.request.query_params), **values)
        return HTMLResponse(body, status)

    # --- sign-in ---------------------------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        form = await _form(request)
        return await run_in_threadpool(self._login, request, form)

    def _login(self, request: Request, form: dict[str, Any]) -> Response:
        lang = i18n.language(request.query_params.get("lang"), request.cookies.get("ledger_lang"),
                             request.headers.get("accept-language"))
        _ = i18n.translator(lang)
        nonce = request.cookies.get(auth.LOGIN_COOKIE) or ""
        fresh = not nonce
        if fresh:
            import secrets

            nonce = secrets.token_urlsafe(24)
        status, message, retry = 200, "", 0
        next_path = request.query_params.get("next") or "/"
        if request.method == "POST":
            next_path = str(form.get("next") or "/")
            if not self.sessions.csrf_ok(request.cookies.get(auth.LOGIN_COOKIE), str(form.get("csrf") or "")):
                status, message = 403, _("The form expired or was not sent from this site: reload the page and "
                                         "try again.")
            else:
                try:
                    with self.pool.ledger() as ledger:
                        account = self._sign_in(request, ledger, str(form.get("name") or ""),
                                                str(form.get("password") or ""))
                    done = RedirectResponse(_safe_next(next_path), 303)
                    self._cookie(done, auth.SESSION_COOKIE, self.sessions.create(account.name, account.revision))
                    done.delete_cookie(auth.LOGIN_COOKIE)
                    return done
                except TooMany as exc:
                    status, message = 429, f"{_('Too many failed sign-ins: try again in')} {exc.wait}"
                    retry = exc.wait
                except Unauthorized:
                    status, message = 401, _("Wrong name or password.")
                except StoreUnavailable as exc:
                    status, message = 503, page_message("login", exc, lang)
                    retry = max(1, round(self.write_wait))
        body = self.env.get_template("login.html").render(
            _=_, lang=lang, account=None, csrf=self.sessions.csrf_token(nonce), message=message,
            next=_safe_next(next_path))
        response = HTMLResponse(body, status, headers={"Retry-After": str(retry)} if retry else None)
        if fresh:
            self._cookie(response, auth.LOGIN_COOKIE, nonce, max_age=3600)
        return response

    async def logout(self, request: Request) -> Response:
        """POST only (a link or an image cannot sign anyone out), with the session's CSRF token:
        the server forgets the session, so its cookie is worth nothing even if kept."""
        cookie = request.cookies.get(auth.SESSION_COOKIE)
        form = await _form(request)
        bound = cookie.rpartition(".")[0] if cookie else None
        if cookie and self.sessions.get(cookie) is not None and not self.sessions.csrf_ok(bound, form.get("csrf")):
            lang = i18n.language(request.query_params.get("lang"), request.cookies.get("ledger_lang"),
                                 request.headers.get("accept-language"))
            return self.error(request, "logout", BadForm("The form expired or was not sent from this site: reload "
                                                         "the page and try again."), False, lang)
        self.sessions.end(cookie)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(auth.SESSION_COOKIE, httponly=True, samesite="strict", secure=self.secure_cookies)
        return response

    def _cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                            secure=self.secure_cookies, path="/")

    def app(self) -> Starlette:
        from . import api, desk, due, evidence, forms, pages

        routes: list[Any] = [
            Route("/login", self.login, methods=["GET", "POST"], name="login"),
            Route("/logout", self.logout, methods=["POST"], name="logout"),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        routes += api.routes(self) + due.routes(self) + desk.routes(self) + evidence.routes(self) + \
            forms.routes(self) + pages.routes(self)

        @asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            from .warm import Warmer

            warmer = Warmer(self) if self.warm else None
            if warmer is not None:
                warmer.start()
            try:
                yield
            finally:
                if warmer is not None:
                    warmer.stop()
                self.pool.close()
                self.writers.close()
                self.previews.close()

        app = Starlette(routes=routes, lifespan=lifespan,
                        middleware=[Middleware(limits.RequestLimits, limit_for=self.body_limit)],
                        exception_handlers={limits.BodyTooLarge: limits.too_large})
        app.state.workbench = self
        from .edge import Edge

        app.add_middleware(Edge, hosts=self.hosts, proxies=self.proxies)  # headers, Host, client address
        return app


async def _form(request: Request, files: int = 0) -> dict[str, Any]:
    """A POST's fields: text fields as text, repeated ones (``targets``) as lists; uploaded
    files (``UploadFile``) only where the route takes them."""
    if request.method != "POST":
        return {}
    data = await request.form(max_files=files, max_fields=limits.FORM_FIELDS, max_part_size=limits.FORM_FIELD_BYTES)
    out: dict[str, Any] = {}
    for key in data:
        values = [v for v in data.getlist(key) if isinstance(v, str) or (files and not isinstance(v, str))]
        out[key] = values if len(values) > 1 or key.endswith("[]") else (values[0] if values else "")
    return out


def _page_error(route: str, exc: Exception, message: str, lang: str) -> str:
    """An error as its page says it, in the page's language: a refused role by its name, an
    unknown id of the page's own path by the page's word for it (not the CLI's argument)."""
    _ = i18n.translator(lang)
    if isinstance(exc, BadForm):
        return _(message)
    if isinstance(exc, access.Refused) and exc.role:
        return _("The {role} role may not open this page.").format(role=_(exc.role))
    if isinstance(exc, UnknownId) and exc.field in PATH_IDS:
        return page_message("", exc.relabelled(_(PATH_IDS[exc.field])), lang)
    return page_message(route, exc, lang)


def _safe_next(target: str) -> str:
    """Only a path of this site (no scheme, no host, no //)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _delta(value: Any) -> str:
    text = render.number_text(value)
    return text if text.startswith("-") or text in ("0", "") else "+" + text


def _url(path: str, **params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urllib.parse.urlencode(clean) if clean else "")


def _download(path: str, fmt: str, params: dict[str, Any]) -> str:
    return _url(f"{path}/download.{fmt}", **params)


def _say(text: Any, policy: Any = None, also: Any = None) -> str:
    """A template's ``say(x, policy)``: an engine detail or library message in the language
    being spoken (policy words by the policy's labels), as the CLI's reports word it."""
    from ..reports import words

    return words.detail(text, policy, also)


def rendered(report: str, fmt: str, value: Any, filename: str, **options: Any) -> Response:
    """A result in one of its registered formats, as the CLI writes it with --output."""
    data = formats.render(report, fmt, value, **options)
    if fmt == "csv" and isinstance(data, str):  # as the CLI writes it: with the BOM Excel needs
        data = with_bom(data)
    body = data if isinstance(data, bytes) else data.encode("utf-8")
    headers = {} if fmt == "json" else {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    return Response(body, media_type=MEDIA.get(fmt, "application/octet-stream"), headers=headers)


def as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
