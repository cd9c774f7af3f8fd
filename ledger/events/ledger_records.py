"""Ledger-internal events: the unit roster, published policies and published results, web
accounts, accepted rollbacks.

They live in the same hash-chained log as the domain events, so the roster, the rules and
what was published are as tamper-evident and as reproducible "as known at K" as the facts.
They are written by their own commands (`units import`, `policy load`, `publish`), never by
`ledger import`.
"""

from __future__ import annotations

from typing import Any, Literal

from .base import Date, Event, Name, Text


class LedgerRecord(Event):
    family = "ledger"
    importable = False
    unit: str | None = None  # type: ignore[assignment]


class UnitRegistered(LedgerRecord):
    """A unit registered or updated (its latest registration wins)."""

    type: Literal["unit_registered"]
    unit: Name
    name: Name
    groups: list[Name]
    divisions: list[Name] = []


class PolicyPublished(LedgerRecord):
    """An immutable policy version, stored with its full text."""

    type: Literal["policy_published"]
    policy: Text
    version: int
    sha256: Text
    content: Text
    effective_from: Date | None = None
    change_note: str | None = None


class ResultPublished(LedgerRecord):
    """A score table or bulletin as it was published (publication record)."""

    type: Literal["result_published"]
    kind: Literal["score", "bulletin"]
    policy: Text
    as_of: Date
    period: str | None = None
    track: str | None = None
    known_at: int
    head: Text
    content_sha256: Text
    params: dict[str, Any] = {}


class UserAdded(LedgerRecord):
    """A web account (ledger.accounts): added, or added again with a new role after being
    disabled. ``password_hash`` is a salted scrypt hash; no page, log, history or packet shows it."""

    type: Literal["user_added"]
    name: Name
    role: Literal["office", "inspector", "unit"]
    for_unit: Name | None = None
    password_hash: Text


class UserPasswordSet(LedgerRecord):
    """A new password for an account (a new record: the old one stays in the chain)."""

    type: Literal["user_password_set"]
    name: Name
    password_hash: Text


class UserDisabled(LedgerRecord):
    """An account disabled (it can no longer sign in; its past records keep its name)."""

    type: Literal["user_disabled"]
    name: Name


class RollbackAccepted(LedgerRecord):
    """After an honest restore from a backup: the office accepts that its log is shorter than (or
    differs from) what it had signed, and says why (``ledger checkpoint --accept-rollback``).
    Revisions ``agreed_size``+1…``signed_size`` of the signed log are not provably in this log."""

    type: Literal["rollback_accepted"]
    reason: Text
    origin: Text
    signed_size: int
    signed_root: Text
    signed_time: Text
    agreed_size: int
    store_size: int


TYPES: list[type[Event]] = [UnitRegistered, PolicyPublished, ResultPublished, UserAdded, UserPasswordSet,
                            UserDisabled, RollbackAccepted]
