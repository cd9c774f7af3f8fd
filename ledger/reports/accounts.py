"""Renderers of web accounts (`ledger users list`): never a password or its hash."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import i18n
from ..i18n import _
from . import text as render
from . import words
from .formats import renders

if TYPE_CHECKING:
    from ..accounts import Account


@renders("users", "table")
def users_table(rows: Sequence[Account], width: int | None = None) -> str:
    return render.table([(a.name, words.value("role", a.role), a.unit or "",
                          _("active") if a.active else _("disabled"), a.revision, a.added_by) for a in rows],
                        [i18n.pgettext("account", h) for h in ("name", "role", "unit", "status", "revision",
                                                                "added by")], width=width, keep=1)


@renders("users", "json")
def users_json(rows: Sequence[Account]) -> str:
    return render.to_json([a.to_dict() for a in rows])
