"""Who is asking: the session secret (kept outside the ledger's records), server-side sessions
that expire after 8 idle hours, CSRF tokens, and sign-in slowed down after failures.

Every clock here is injectable (tests move time instead of waiting).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..store.eventstore import utc_now
from ..store.url import StoreUrl

IDLE = dt.timedelta(hours=8)
SESSION_COOKIE = "ledger_session"
LOGIN_COOKIE = "ledger_login"
SECRET_ENV = "LEDGER_WEB_SECRET"


def secret_path(url: StoreUrl) -> Path:
    """Where the session secret is kept when ``LEDGER_WEB_SECRET`` is not set: beside a SQLite
    store (``ledger.db.web-secret``), else in the user's configuration folder — never in the
    ledger's own records, so a copy of the store (or a packet) carries no secret."""
    if url.dialect == "sqlite":
        return Path(url.database + ".web-secret")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    digest = hashlib.sha256(url.display.encode()).hexdigest()[:16]
    return base / "ledger" / f"web-secret-{digest}"


def load_secret(url: StoreUrl, explicit: str | None = None) -> bytes:
    """The secret from ``explicit`` or ``LEDGER_WEB_SECRET``, else the file of
    ``secret_path`` (made with 32 random bytes, mode 0600, on first use)."""
    text = explicit or os.environ.get(SECRET_ENV)
    if text:
        return text.encode()
    path = secret_path(url)
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(value + b"\n")
    return value


@dataclass
class Session:
    id: str
    user: str
    last_seen: dt.datetime


class Sessions:
    """Server-side sessions: the cookie holds a random id and its HMAC; the user is here.
    A session unused for ``idle`` (8 hours) is gone."""

    def __init__(self, secret: bytes, clock: Callable[[], dt.datetime] = utc_now, idle: dt.timedelta = IDLE):
        self.secret, self.clock, self.idle = secret, clock, idle
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _sign(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def create(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._prune()
            self._sessions[sid] = Session(sid, user, self.clock())
        return f"{sid}.{self._sign(sid)}"

    def get(self, cookie: str | None) -> Session | None:
        if not cookie or "." not in cookie:
            return None
        sid, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._sign(sid)):
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.last_seen > self.idle:
                del self._sessions[sid]
                return None
            session.last_seen = now
            return session

    def end(self, cookie: str | None) -> None:
        if cookie and "." in cookie:
            with self._lock:
                self._sessions.pop(cookie.rpartition(".")[0], None)

    def end_user(self, user: str) -> None:
        """Ends every session of an account (disabled)."""
        with self._lock:
            for sid in [s for s, v in self._sessions.items() if v.user == user]:
                del self._sessions[sid]

    def _prune(self) -> None:
        now = self.clock()
        for sid in [s for s, v in self._sessions.items() if now - v.last_seen > self.idle]:
            del self._sessions[sid]

    # --- CSRF: a token bound to the session (or, before sign-in, to the login cookie) ---------
    def csrf_token(self, bound_to: str) -> str:
        return self._sign("csrf:" + bound_to)

    def csrf_ok(self, bound_to: str | None, token: str | None) -> bool:
        return bool(bound_to and token) and hmac.compare_digest(self.csrf_token(bound_to or ""), token or "")


@dataclass
class _Failures:
    count: int = 0
    last: dt.datetime | None = None


@dataclass
class Throttle:
    """Sign-in slowed down after failures, per account name and per client address: after
    ``free`` failures each further attempt must wait 2^(n-free) seconds (at most ``cap``)
    after the last failure; earlier attempts are refused (429) without checking the
    password. Each failure also costs ``delay`` seconds before its answer. A success clears
    the name's and the address's count."""

    clock: Callable[[], dt.datetime] = utc_now
    free: int = 3
    cap: float = 900.0
    delay: float = 0.5
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, *keys: str) -> float:
        """Seconds still to wait before an attempt for these keys is checked (0: go ahead)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                f = self._failures.get(key)
                if f is None or f.count < self.free or f.last is None:
                    continue
                pause = min(self.cap, 2.0 ** (f.count - self.free))
                left = pause - (now - f.last).total_seconds()
                longest = max(longest, left)
        return longest

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                f = self._failures.setdefault(key, _Failures())
                f.count += 1
                f.last = now

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
