"""Web accounts as ledger records (stream ``ledger:users``): added, given a new password,
disabled — never edited. The current state of an account is replayed from its records.

Passwords are hashed with hashlib's scrypt (salted, memory-hard; no extra dependency) at
N = 2^17 (128 MiB, a few tenths of a second); a hash keeps its own parameters, so one made at an
older cost still signs in — checking it writes nothing — and is replaced at the account's next
password change. At most ``HASHING_AT_ONCE`` hashes are computed at once in a process (each
takes 128 MiB; sign-in bursts queue instead of exhausting memory). The hash lives only in the
``user_added`` / ``user_password_set`` records: every reader here returns ``Account`` objects
without it, and the web's log redacts it (``REDACTED``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .events import codec
from .events.base import NAME_PATTERN
from .events.catalog import EventValidationError, validate
from .i18n import Msg
from .store.eventstore import Pending, Record

if TYPE_CHECKING:
    from .app import Ledger

STREAM = "ledger:users"
ROLES = ("office", "inspector", "unit")
TYPES = frozenset({"user_added", "user_password_set", "user_disabled"})
SECRET_FIELDS = frozenset({"password_hash"})
"""Fields no page, log, history or packet shows."""
REDACTED = "(redacted)"
MIN_PASSWORD = 8

# scrypt cost of new hashes: n=2^17, r=8, p=1 (128 MiB, ~0.3 s) — the parameters are stored with
# each hash, so hashes made at the former n=2^14 still check. (The test suite lowers SCRYPT_N.)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 17, 8, 1
MAX_N = 1 << 20
"""The largest n a stored hash may ask for (1 GiB): a record is trusted no further."""
HASHING_AT_ONCE = 2
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    """One scrypt, after waiting for one of the ``HASHING_AT_ONCE`` places."""
    if not 1 < n <= MAX_N or r < 1 or p < 1 or r * p >= 1 << 30:
        raise ValueError("scrypt parameters out of range")
    memory = 129 * r * n * p + (1 << 20)  # scrypt's 128·r·n·p bytes, and room
    with _hashing:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=memory)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def hash_cost(stored: str) -> int | None:
    """The scrypt n a stored hash was made with (None: not one of ours)."""
    parts = stored.split("$")
    return int(parts[1]) if len(parts) == 6 and parts[0] == "scrypt" and parts[1].isdigit() else None


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY: dict[int, str] = {}


def _dummy() -> str:
    """A hash at today's cost to check unknown names against (the same work as a known name)."""
    if SCRYPT_N not in _DUMMY:
        _DUMMY[SCRYPT_N] = hash_password("not a password of anyone's")
    return _DUMMY[SCRYPT_N]


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    unit: str | None
    active: bool
    revision: int
    """The revision of the account's latest record."""
    added_by: str
    added_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "unit": self.unit, "active": self.active,
                "revision": self.revision, "added_by": self.added_by, "added_at": self.added_at}


def replay(records: Iterable[Record]) -> tuple[dict[str, Account], dict[str, str]]:
    """Accounts by name, and their current password hashes (kept apart from the accounts)."""
    accounts: dict[str, Account] = {}
    hashes: dict[str, str] = {}
    for r in records:
        d = r.data
        name = d.get("name", "")
        if r.type == "user_added":
            accounts[name] = Account(name, d["role"], d.get("for_unit"), True, r.revision, d["actor"],
                                     d["recorded_at"])
            hashes[name] = d["password_hash"]
        elif r.type == "user_password_set" and name in accounts:
            hashes[name] = d["password_hash"]
            a = accounts[name]
            accounts[name] = Account(a.name, a.role, a.unit, a.active, r.revision, a.added_by, a.added_at)
        elif r.type == "user_disabled" and name in accounts:
            a = accounts[name]
            accounts[name] = Account(a.name, a.role, a.unit, False, r.revision, a.added_by, a.added_at)
    return accounts, hashes


def accounts(ledger: Ledger) -> list[Account]:
    found, _ = replay(ledger.store.read_stream(STREAM))
    return sorted(found.values(), key=lambda a: a.name)


def authenticate(ledger: Ledger, name: str, password: str) -> Account | None:
    """The active account whose password this is, else None (the same work either way)."""
    found, hashes = replay(ledger.store.read_stream(STREAM))
    account = found.get(name)
    ok = check_password(password, hashes.get(name) or _dummy())
    return account if ok and account is not None and account.active else None


def _append(ledger: Ledger, writer: Any, data: dict[str, Any]) -> int:
    try:
        event = validate({"date": ledger.today().isoformat(), **data}, internal=True)
    except EventValidationError as exc:
        raise InputError(exc.expected, field=exc.field, got=None if exc.field == "password_hash" else
                         repr(exc.got)) from None
    event_id = f"user:{uuid.uuid4()}"
    text, digest = codec.encode_event(event.model_copy(update={"id": event_id}))
    return writer.append([Pending(event_id, data["type"], STREAM, text, digest, ledger.actor)])[0]


def _check_password_text(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(Msg("a password of at least {min_password} characters", min_password=MIN_PASSWORD),
                         field="password")


def add(ledger: Ledger, name: str, role: str, password: str, unit: str | None = None) -> int:
    """Add an account (or add a disabled one again, e.g. with another role); its revision."""
    import re

    if not re.fullmatch(NAME_PATTERN, name) or name != name.strip() or ":" in name:
        raise InputError("a user name on one line, without ':' or surrounding spaces", field="name",
                         got=repr(name))
    if role not in ROLES:
        raise InputError(Msg("one of {values}", values=", ".join(ROLES)), field="role", got=repr(role))
    if (role == "unit") != (unit is not None):
        raise InputError("--unit U for a unit account (and only for one)", field="unit")
    _check_password_text(password)
    pw_hash = hash_password(password)
    with ledger.store.write(ledger.actor) as writer:
        found, _ = replay(writer.records(STREAM))
        if name in found and found[name].active:
            raise InputError(Msg("a new user name ('{name}' is an active {role} account; disable it first to re-add"
                                 " it with another role)",
                                 name=name, role=found[name].role), field="name")
        if unit is not None:
            from .projections.fact_view import roster_from

            if unit not in roster_from(writer.records("ledger:units")):
                raise InputError("a registered unit (see `ledger units list`)", field="unit", got=repr(unit))
        return _append(ledger, writer, {"type": "user_added", "name": name, "role": role, "for_unit": unit,
                                        "password_hash": pw_hash})


def set_password(ledger: Ledger, name: str, password: str) -> int:
    _check_password_text(password)
    pw_hash = hash_password(password)
    with ledger.store.write(ledger.actor) as writer:
        found, _ = replay(writer.records(STREAM))
        if name not in found or not found[name].active:
            raise InputError("the name of an active account (see `ledger users list`)", field="name", got=repr(name))
        return _append(ledger, writer, {"type": "user_password_set", "name": name, "password_hash": pw_hash})


def disable(ledger: Ledger, name: str) -> int:
    """Disable an account — never the last active office account (no one could manage users,
    publish or decide appeals through the web any more)."""
    with ledger.store.write(ledger.actor) as writer:
        found, _ = replay(writer.records(STREAM))
        if name not in found or not found[name].active:
            raise InputError("the name of an active account (see `ledger users list`)", field="name", got=repr(name))
        offices = [a for a in found.values() if a.active and a.role == "office"]
        if offices == [found[name]]:
            raise InputError("another active office account first: this is the last one (add one with `ledger "
                             "users add NAME --role office`)", field="name", got=repr(name))
        return _append(ledger, writer, {"type": "user_disabled", "name": name})


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """A stored record as it may be shown: secret fields replaced."""
    return {k: (REDACTED if k in SECRET_FIELDS else v) for k, v in data.items()}
