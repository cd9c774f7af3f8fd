"""Renderers of web accounts (`ledger users list`): never a password or its hash."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import text as render
from .formats import renders

if TYPE_CHECKING:
    from ..accounts import Account


@renders("users", "table")
def users_table(rows: Sequence[Account]) -> str:
    return render.table([(a.name, a.role, a.unit or "", "active" if a.active else "disabled", a.revision,
                          a.added_by) for a in rows], ["name", "role", "unit", "status", "revision", "added by"])


@renders("users", "json")
def users_json(rows: Sequence[Account]) -> str:
    return render.to_json([a.to_dict() for a in rows])
