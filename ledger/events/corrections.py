"""Corrections and appeals: history is never edited, only added to."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .base import Event, EventId, Text


class Amendment(Event):
    family = "corrections"


class Retraction(Amendment):
    """The target stops counting, for every as-of date, from this event's revision on."""

    type: Literal["retraction"]
    target: EventId
    reason: Text
    decision: Text | None = None
    appeal: EventId | None = None


class Correction(Amendment):
    type: Literal["correction"]
    target: EventId
    changes: Annotated[dict[str, Any], Field(min_length=1)]
    reason: Text
    appeal: EventId | None = None


class AppealFiled(Amendment):
    """申诉"""

    type: Literal["appeal_filed"]
    targets: Annotated[list[EventId], Field(min_length=1)]
    grounds: Text
    publication: EventId | None = None
    """The published result appealed against (its date opens the appeal window)."""
    late_override: Text | None = None
    """Why a late appeal was accepted anyway (recorded, never implicit)."""


class AppealDecided(Amendment):
    """复核决定"""

    type: Literal["appeal_decided"]
    appeal: EventId
    outcome: Literal["upheld", "partially_upheld", "rejected"]
    reason: Text
    reviewer: Text | None = None


TYPES: list[type[Event]] = [Retraction, Correction, AppealFiled, AppealDecided]
