"""Who is asking: the session secret (kept outside the ledger's records), server-side sessions
that expire after 8 idle hours (and end when their account changes), CSRF tokens, sign-in
slowed down after failures — per name, per source and overall — and HTTP Basic credentials
kept verified for a short while, so a script's every request does not cost a slow hash.

Every clock here is injectable (tests move time instead of waiting).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    revision: int = 0
    """The revision of the account's latest record when it signed in: a later record (a new
    password, disabled, added again) ends the session."""


class Sessions:
    """Server-side sessions: the cookie holds a random id and its HMAC; the user is here.
    A session unused for ``idle`` (8 hours) is gone."""

    def __init__(self, secret: bytes, clock: Callable[[], dt.datetime] = utc_now, idle: dt.timedelta = IDLE):
        self.secret, self.clock, self.idle = secret, clock, idle
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _sign(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def create(self, user: str, revision: int = 0) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._prune()
            self._sessions[sid] = Session(sid, user, self.clock(), revision)
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


@dataclass(frozen=True)
class Limit:
    """After ``free`` failures, each further attempt must wait 2^(n-free) seconds (at most
    ``cap``) after the last failure; a count with no failure for ``forget`` seconds starts
    again; ``cleared``: a success clears it."""

    free: int
    cap: float
    forget: float
    cleared: bool


LIMITS = {
    "name": Limit(free=3, cap=900.0, forget=86400.0, cleared=True),
    "source": Limit(free=20, cap=900.0, forget=3600.0, cleared=False),
    "all": Limit(free=100, cap=60.0, forget=900.0, cleared=False),
}
"""Per account name (a guess at one password), per client address (a spray across names from
one place; not cleared by a success, which a sprayer could score with an account of their
own), and over every sign-in (a spray from many places)."""


@dataclass
class Throttle:
    """Sign-in slowed down after failures (``LIMITS``): an attempt made before its wait is over
    is refused (429) without checking the password. Each failure also costs ``delay`` seconds
    before its answer."""

    clock: Callable[[], dt.datetime] = utc_now
    delay: float = 0.5
    limits: dict[str, Limit] = field(default_factory=lambda: dict(LIMITS))
    most: int = 100_000
    """Counts kept at most (names sprayed at random): the oldest are dropped past that."""
    _failures: dict[tuple[str, str], _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _keys(self, name: str, source: str) -> list[tuple[str, str]]:
        return [("name", name), ("source", source), ("all", "")]

    def wait(self, name: str, source: str) -> float:
        """Seconds still to wait before an attempt for this name from this source is checked
        (0: go ahead)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in self._keys(name, source):
                f, limit = self._failures.get(key), self.limits[key[0]]
                if f is None or f.last is None or (now - f.last).total_seconds() > limit.forget:
                    continue
                if f.count >= limit.free:
                    pause = min(limit.cap, 2.0 ** (f.count - limit.free))
                    longest = max(longest, pause - (now - f.last).total_seconds())
        return longest

    def failed(self, name: str, source: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(name, source):
                f = self._failures.setdefault(key, _Failures())
                if f.last is not None and (now - f.last).total_seconds() > self.limits[key[0]].forget:
                    f.count = 0
                f.count += 1
                f.last = now
            if len(self._failures) > self.most:
                oldest = sorted(self._failures, key=lambda k: self._failures[k].last or now)
                for old in oldest[:len(oldest) // 10]:
                    del self._failures[old]

    def succeeded(self, name: str, source: str) -> None:
        with self._lock:
            for key in self._keys(name, source):
                if self.limits[key[0]].cleared:
                    self._failures.pop(key, None)


BASIC_TTL = 60.0
"""Seconds an HTTP Basic credential, once verified, is believed without hashing it again."""


@dataclass
class _Verified:
    name: str
    revision: int
    until: float


class VerifiedCredentials:
    """HTTP Basic credentials verified lately, so a script's requests cost one slow hash a
    minute, not one each. An entry is keyed by an HMAC of name and password under a secret made
    for this process (neither the password nor an unkeyed hash of it is kept, and nothing
    outlives the process), holds the account's revision then, and is good for ``ttl`` seconds
    and only while the account has that revision (a new password, disabled: verified anew).
    ``ttl`` 0: off (every request hashes)."""

    def __init__(self, ttl: float = BASIC_TTL, clock: Callable[[], float] | None = None, most: int = 10_000):
        import time

        self.ttl, self.most = ttl, most
        self.clock = clock or time.monotonic
        self._key = secrets.token_bytes(32)
        self._entries: dict[bytes, _Verified] = {}
        self._lock = threading.Lock()
        self._checking: dict[bytes, tuple[threading.Lock, int]] = {}

    def _id(self, name: str, password: str) -> bytes:
        return hmac.new(self._key, name.encode() + b"\x00" + password.encode(), hashlib.sha256).digest()

    def revision(self, name: str, password: str) -> int | None:
        """The account revision these credentials were verified at, if lately; else None."""
        if self.ttl <= 0:
            return None
        with self._lock:
            found = self._entries.get(self._id(name, password))
            if found is None or found.name != name:
                return None
            if found.until < self.clock():
                del self._entries[self._id(name, password)]
                return None
            return found.revision

    def verified(self, name: str, password: str, revision: int) -> None:
        if self.ttl <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._entries) >= self.most:
                stale = [k for k, v in self._entries.items() if v.until < now] or list(self._entries)[:self.most // 10]
                for key in stale:
                    del self._entries[key]
            self._entries[self._id(name, password)] = _Verified(name, revision, now + self.ttl)

    @contextmanager
    def checking(self, name: str, password: str) -> Iterator[None]:
        """One check of the same credentials at a time: a script's parallel first requests wait
        for the first one's hash and then find it kept, instead of hashing once each."""
        key = self._id(name, password)
        with self._lock:
            lock, users = self._checking.get(key, (threading.Lock(), 0))
            self._checking[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, users = self._checking[key]
                if users == 1:
                    del self._checking[key]
                else:
                    self._checking[key] = (lock, users - 1)

    def forget(self, name: str) -> None:
        """Every entry of an account (disabled or given a new password through the web)."""
        with self._lock:
            for key in [k for k, v in self._entries.items() if v.name == name]:
                del self._entries[key]
