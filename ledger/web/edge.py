"""What every request and response passes through before the routes (an ASGI middleware):

* the ``Host`` header must name this server (``serve --server-name``, and the bind address):
  another name is refused with 400 before any route runs — a page is never served under a name
  an attacker chose (DNS rebinding, poisoned links);
* the client's address is the TCP peer's, unless the peer is a proxy named with ``serve
  --proxy``: then the last address of ``X-Forwarded-For`` the proxies did not add — from
  anyone else the header is ignored, so a client cannot choose the address it is throttled by;
* every response carries the security headers of WEB.md: a Content-Security-Policy allowing
  no script and no inline style (the pages have none), ``nosniff``, ``X-Frame-Options: DENY``,
  a Referrer-Policy, and ``Cache-Control: no-store`` on everything but the static files (the
  pages show results, names and appeals, which no shared or browser cache should keep).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Collection, MutableMapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
"""No script anywhere, no inline style, nothing from another origin, no framing."""

SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
NONE = "'none'"
NO_STORE = "no-store"
STATIC = "/static/"
"""Static files (the style sheet) may be cached; everything else is no-store."""


def host_name(header: str | None) -> str:
    """The name of a ``Host`` header, lower case, without port or IPv6 brackets."""
    value = (header or "").strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def served_names(bind: str, names: Collection[str]) -> frozenset[str]:
    """The names a server bound to ``bind`` answers to: ``names``, the bind address unless it is
    a wildcard, and on a loopback bind ``localhost`` and the loopback addresses."""
    found = {host_name(n) for n in names if n.strip()}
    wildcard = bind in ("", "0.0.0.0", "::")
    if not wildcard:
        found.add(host_name(f"[{bind}]" if ":" in bind else bind))
    try:
        loopback = ipaddress.ip_address(bind).is_loopback
    except ValueError:
        loopback = bind == "localhost"
    if loopback:
        found |= {"localhost", "127.0.0.1", "::1"}
    return frozenset(found)


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


def style_hashed_policy(document: bytes) -> str:
    """A CSP for a document whose own ``<style>`` elements (an SVG chart's) are allowed by their
    SHA-256 (of the text the browser sees: XML entities decoded) and nothing else is."""
    import html

    texts = (html.unescape(m.group(1).decode("utf-8")).encode("utf-8")
             for m in re.finditer(rb"<style\b[^>]*>(.*?)</style>", document, re.S))
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'" for text in texts)
    return f"default-src 'none'; style-src {hashes or NONE}; frame-ancestors 'none'"


class Edge:
    """The ASGI middleware of this module. ``hosts``: the served names (None: any ``Host``, for
    an app used without ``ledger serve``); ``proxies``: addresses whose ``X-Forwarded-For`` is
    believed."""

    def __init__(self, app: Any, *, hosts: Collection[str] | None = None, proxies: Collection[str] = ()):
        self.app = app
        self.hosts = None if hosts is None else frozenset(host_name(h) for h in hosts)
        self.proxies = frozenset(a for a in (_address(p) for p in proxies) if a)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        static = scope.get("path", "").startswith(STATIC)

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in out:
                        out[name] = value
                if not static:
                    out["cache-control"] = NO_STORE
            await send(message)

        if self.hosts is not None and host_name(headers.get("host")) not in self.hosts:
            refused = PlainTextResponse("400: 此服务器不响应该主机名（Host）/ this server does not answer to that Host "
                                        "name", 400)
            await refused(scope, receive, send_with_headers)
            return
        client = self.client(scope, headers)
        if client != scope.get("client"):
            scope = {**scope, "client": client}
        await self.app(scope, receive, send_with_headers)

    def client(self, scope: dict[str, Any], headers: Headers) -> Any:
        """(address, port) of the client: the peer, or — from a named proxy — the last
        ``X-Forwarded-For`` address that is not itself a proxy."""
        peer = scope.get("client")
        if not peer or not self.proxies or _address(str(peer[0])) not in self.proxies:
            return peer
        forwarded = [a for a in (_address(p) for p in ",".join(headers.getlist("x-forwarded-for")).split(",")) if a]
        for address in reversed(forwarded):
            if address not in self.proxies:
                return (address, 0)
        return peer
