"""Facts: the effective events a projection sees.

A ``Fact`` is an event as it stands for a given as-of date and known-at revision: retracted
events are absent, corrected ones carry their corrected values and the ids of the corrections.
Scoring reads nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Fact:
    """Treat as immutable (not frozen only because frozen dataclasses are several times
    slower to build, and a scoring run builds a million of them)."""

    id: str
    type: str
    unit: str
    date: dt.date
    fields: Mapping[str, Any]
    """Type-specific fields (EVENTS.md), normalised: dates are ``datetime.date``, numbers
    ``decimal.Decimal`` (ints stay ``int``), booleans ``bool``; optional fields with a
    catalog default carry it; absent optional fields are missing from the mapping."""
    revision: int
    recorded_at: str
    source: str | None = None
    note: str | None = None
    corrections: tuple[str, ...] = field(default=())
    """Ids of the correction events applied to this fact, in revision order."""

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)
