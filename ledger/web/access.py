"""The role matrix of WEB.md, checked server-side on every route.

``MATRIX[route][role]``:

* ``all`` — allowed;
* ``own`` — only for the account's own unit (a unit user: its card, events, history, appeals,
  packet), and for a card, explanation or packet only as the ledger knows it now (latest
  known-at; any as-of);
* ``published`` — only a result that was published (same policy, as-of, known-at and track as a
  ``result_published`` record);
* ``no`` — refused (403).

A route missing from the matrix is refused to every role (tests check each route is listed).

An object asked for by id (a unit's card, explanation, trend, packet or history, an event and
its evidence files, an appeal) that is not the account's own unit's is answered as an id that does not exist — 404 with
the same words (``check_own``, WEB.md's second-round amendment) — so neither the status nor the
message tells whether another unit's object exists, or which unit it belongs to. Routes a role
may never open stay 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..errors import InputError, LedgerError, NotFound, UnknownId
from ..i18n import Msg

if TYPE_CHECKING:
    from ..accounts import Account

ALL, OWN, PUBLISHED, NO = "all", "own", "published", "no"

MATRIX: dict[str, dict[str, str]] = {
    # route name:          office, inspector, unit
    "home":              {"office": ALL, "inspector": ALL, "unit": ALL},
    "policy":            {"office": ALL, "inspector": ALL, "unit": ALL},
    "scores":            {"office": ALL, "inspector": ALL, "unit": PUBLISHED},
    "scores_download":   {"office": ALL, "inspector": ALL, "unit": PUBLISHED},
    "unit":              {"office": ALL, "inspector": ALL, "unit": OWN},
    "unit_download":     {"office": ALL, "inspector": ALL, "unit": OWN},
    "unit_trend":        {"office": ALL, "inspector": ALL, "unit": OWN},
    "packet":            {"office": ALL, "inspector": ALL, "unit": OWN},
    "event":             {"office": ALL, "inspector": ALL, "unit": OWN},
    "evidence":          {"office": ALL, "inspector": ALL, "unit": OWN},
    "evidence_attach":   {"office": ALL, "inspector": NO, "unit": OWN},
    "diff":              {"office": ALL, "inspector": ALL, "unit": NO},
    "diff_download":     {"office": ALL, "inspector": ALL, "unit": NO},
    "publications":      {"office": ALL, "inspector": ALL, "unit": ALL},
    "publication":       {"office": ALL, "inspector": ALL, "unit": ALL},
    "publication_download": {"office": ALL, "inspector": ALL, "unit": ALL},
    "publication_verify": {"office": ALL, "inspector": ALL, "unit": ALL},
    "publish":           {"office": ALL, "inspector": NO, "unit": NO},
    "appeals":           {"office": ALL, "inspector": ALL, "unit": OWN},
    "appeal":            {"office": ALL, "inspector": ALL, "unit": OWN},
    "appeal_file":       {"office": NO, "inspector": NO, "unit": OWN},
    "appeal_decide":     {"office": ALL, "inspector": NO, "unit": NO},
    "log":               {"office": ALL, "inspector": ALL, "unit": NO},
    "users":             {"office": ALL, "inspector": NO, "unit": NO},
    "users_write":       {"office": ALL, "inspector": NO, "unit": NO},
    "api_score":         {"office": ALL, "inspector": ALL, "unit": PUBLISHED},
    "api_explain":       {"office": ALL, "inspector": ALL, "unit": OWN},
    "api_event":         {"office": ALL, "inspector": ALL, "unit": OWN},
    "api_history":       {"office": ALL, "inspector": ALL, "unit": OWN},
    "api_log":           {"office": ALL, "inspector": ALL, "unit": NO},
    "due":               {"office": ALL, "inspector": ALL, "unit": OWN},
    "due_download":      {"office": ALL, "inspector": ALL, "unit": OWN},
    "api_due":           {"office": ALL, "inspector": ALL, "unit": OWN},
    # the office's desk (issue #29): import with a preview, forms to record, correct, retract
    "import":            {"office": ALL, "inspector": NO, "unit": NO},
    "import_preview":    {"office": ALL, "inspector": NO, "unit": NO},
    "import_done":       {"office": ALL, "inspector": NO, "unit": NO},
    "import_refused":    {"office": ALL, "inspector": NO, "unit": NO},
    "import_confirm":    {"office": ALL, "inspector": NO, "unit": NO},
    "api_import":        {"office": ALL, "inspector": NO, "unit": NO},
    "event_new":         {"office": ALL, "inspector": NO, "unit": NO},
    "event_record":      {"office": ALL, "inspector": NO, "unit": NO},
    "event_correct":     {"office": ALL, "inspector": NO, "unit": NO},
    "event_retract":     {"office": ALL, "inspector": NO, "unit": NO},
}


class Refused(LedgerError):
    """Signed in, but this role may not (403)."""

    def __init__(self, message: str = "not allowed for this account's role", role: str | None = None):
        super().__init__(message)
        self.role = role
        """The role refused a page it may never open (a page says so in its language)."""


def rule(route: str, account: Account) -> str:
    return MATRIX.get(route, {}).get(account.role, NO)


def check(route: str, account: Account) -> str:
    """The account's rule on the route; refused when ``no``."""
    found = rule(route, account)
    if found == NO:
        raise Refused(Msg("the {role} role may not use this page ({route})", role=account.role, route=route),
                      role=account.role)
    return found


def check_unit(found: str, account: Account, unit: str | None) -> None:
    """An ``own`` rule on a unit a form names (filing an appeal): it must be the account's own."""
    if found == OWN and (unit is None or unit != account.unit):
        raise Refused("a unit account sees its own unit only")


class Hidden(NotFound):
    """An object of another unit, answered as one that does not exist (404)."""


MISSING: dict[str, Callable[[str], LedgerError]] = {
    "unit": lambda ident: Hidden(Msg("unit '{unit}' is not registered (see `ledger units list`)", unit=ident)),
    "event": lambda ident: Hidden(Msg("event '{event_id}' is not in the ledger", event_id=ident)),
    "appeal": lambda ident: UnknownId("the id of a filed appeal (see `ledger appeal list`)", field="appeal",
                                      got=repr(ident)),
}
"""The error the library raises for an id of each kind that does not exist (its very words)."""


def check_own(found: str, account: Account, kind: str, ident: str, unit_of: Callable[[], str | None]) -> None:
    """An ``own`` rule on an object asked for by id: unless ``unit_of()`` (which may raise the
    library's not-found error) is the account's unit, 404 in the words of an id that does not
    exist — for a missing id and another unit's alike. Other rules: nothing to check here."""
    if found != OWN:
        return
    try:
        unit = unit_of()
    except (NotFound, InputError):
        unit = None
    if unit is None or unit != account.unit:
        raise MISSING[kind](ident)


def check_own_unit(found: str, account: Account, unit: str) -> None:
    """``check_own`` of a unit's own object (its card, explanation, trend, packet, history)."""
    check_own(found, account, "unit", unit, lambda: unit)


def check_own_targets(found: str, account: Account, targets: Iterable[str],
                      units: Callable[[list[str]], dict[str, str | None]]) -> None:
    """An ``own`` rule on the events a form names (an appeal's targets): another unit's event is
    refused in the words of an id the ledger does not have (``units``: each known id's unit)."""
    if found != OWN:
        return
    wanted = list(targets)
    known = units(wanted)
    for target in wanted:  # the first that is missing or another unit's, as the library names the first missing
        if known.get(target) != account.unit:
            raise InputError("ids of events in the ledger", field="target", got=repr(target))


def check_latest(found: str, known_at: str | None) -> None:
    """An ``own`` rule on a result: only as the ledger knows it now."""
    if found == OWN and known_at not in (None, ""):
        raise Refused("a unit account sees results as the ledger knows them now (no known-at)")
