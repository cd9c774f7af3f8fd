"""Request limits (issue #24, WEB.md second round): a body over its limit is answered 413
before it is read.

An ASGI middleware in front of every route. A request declaring a ``Content-Length`` over its
limit gets 413 without a byte of its body read (and ``Connection: close``, so the server does
not read on for the next request); a body without a length (``Transfer-Encoding: chunked``)
is counted as the route reads it and stops with 413 at the limit. The limit is
``--max-body`` (default 25 MB) for a signed-in visitor — a valid session cookie, or HTTP Basic
credentials that verify (checked, through the sign-in throttle, only for a body larger than
an anonymous one) — and ``ANONYMOUS_BODY`` (16 KiB: the sign-in form) for everyone else.
Form fields are bounded where forms are parsed (``FORM_FIELDS``, ``FORM_FIELD_BYTES``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .i18n import language, translator

MB = 1000 * 1000
MAX_BODY = 25 * MB
"""WEB.md: request bodies over a configured size (default 25 MB) are refused with 413."""
ANONYMOUS_BODY = 16 * 1024
"""What a visitor who has not signed in may send: the sign-in form (name, password, token, next)."""
FORM_FIELDS = 1000
FORM_FIELD_BYTES = 64 * 1024
"""A form's fields: at most 1000 of at most 64 KiB each (an appeal's grounds fit many times)."""


class BodyTooLarge(HTTPException):
    """A body that went past its limit while being read (answered 413 by ``too_large``)."""

    def __init__(self, limit: int):
        super().__init__(413)
        self.limit = limit


def _too_large_text(limit: int, lang: str) -> str:
    size = f"{limit / MB:g} MB" if limit >= MB else f"{limit // 1024} KiB"
    return translator(lang)("The request body is over the limit of {size}.").format(size=size)


class RequestLimits:
    """The middleware. ``limit_for(scope, headers)`` says a request's body limit (the
    workbench knows who is signed in)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope, Headers], Awaitable[int]]):
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if declared is None and not chunked:  # no body
            await self.app(scope, receive, send)
            return
        if declared is not None and not declared.strip().isdigit():
            await answer(Request(scope), 400, "Content-Length must be a whole number of bytes.")(scope, receive, send)
            return
        limit = await self.limit_for(scope, headers)
        if declared is not None and int(declared) > limit:
            await answer(Request(scope), 413, None, limit)(scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit), send)


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that counts the body's bytes and stops the read past ``limit``."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


async def too_large(request: Request, exc: Exception) -> Response:
    """The exception handler for ``BodyTooLarge`` (a body counted past its limit)."""
    return answer(request, 413, None, exc.limit if isinstance(exc, BodyTooLarge) else 0)


def answer(request: Request, status: int, text: str | None, limit: int = 0) -> Response:
    """A refusal in the visitor's language: JSON ``{"error", "field"}`` for the API, text for
    pages; the connection is closed (the rest of the body is never read)."""
    lang = language(request.query_params.get("lang"), request.cookies.get("ledger_lang"),
                    request.headers.get("accept-language"))
    message = _too_large_text(limit, lang) if text is None else translator(lang)(text)
    headers = {"Connection": "close"}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "field": None}, status, headers=headers)
    return PlainTextResponse(message, status, headers=headers)
