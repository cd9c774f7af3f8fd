"""Web accounts as ledger records (stream ``ledger:users``): added, given a new password,
disabled — never edited. The current state of an account is replayed from its records.

Passwords are hashed with hashlib's scrypt (salted, memory-hard; no extra dependency). The
hash lives only in the ``user_added`` / ``user_password_set`` records: every reader here
returns ``Account`` objects without it, and the web's log redacts it (``REDACTED``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
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

# scrypt cost: n=2^14, r=8, p=1 (16 MiB, ~50 ms) — the parameters are stored with each hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected), maxmem=256 << 20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY = hash_password("not a password of anyone's")


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
    ok = check_password(password, hashes.get(name, _DUMMY))
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
    with ledger.store.write(ledger.actor) as writer:
        found, _ = replay(writer.records(STREAM))
        if name not in found or not found[name].active:
            raise InputError("the name of an active account (see `ledger users list`)", field="name", got=repr(name))
        return _append(ledger, writer, {"type": "user_disabled", "name": name})


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """A stored record as it may be shown: secret fields replaced."""
    return {k: (REDACTED if k in SECRET_FIELDS else v) for k, v in data.items()}
