"""12345 hotline tickets (工单). States (completed, on time, satisfied) are derived."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ValidationInfo, field_validator

from ..i18n import Msg
from .base import Date, Event, Flag, Name, Text


class HotlineEvent(Event):
    family = "hotline"
    thread = "ticket"


class HotlineTicket(HotlineEvent):
    """Received by the unit on ``date``."""

    type: Literal["hotline_ticket"]
    ticket: Name
    due: Date
    channel: Name | None = None
    """How the ticket came in (e.g. ``hotline``, ``online`` — 政民互动/网络); optional."""
    category: Text | None = None
    response_due: Date | None = None
    """按时反馈 deadline: the unit must first respond by this day (optional)."""
    opens_thread = True

    @field_validator("due")
    @classmethod
    def _due_after_received(cls, due: dt.date, info: ValidationInfo) -> dt.date:
        """A ticket cannot be due before the unit received it (a swapped date would count it
        late — or on time — whatever was done)."""
        received = info.data.get("date")
        if received is not None and due < received:
            raise ValueError(Msg("a due date on or after the day the ticket was received ({received})",
                                 received=received.isoformat()))
        return due

    @field_validator("response_due")
    @classmethod
    def _response_due_after_received(cls, due: dt.date | None, info: ValidationInfo) -> dt.date | None:
        received = info.data.get("date")
        if due is not None and received is not None and due < received:
            raise ValueError(Msg("a response deadline on or after the day the ticket was received ({received})",
                                 received=received.isoformat()))
        return due


class HotlineReturned(HotlineEvent):
    type: Literal["hotline_returned"]
    ticket: Name


class HotlineExtended(HotlineEvent):
    type: Literal["hotline_extended"]
    ticket: Name
    due: Date


class HotlineResponded(HotlineEvent):
    """首次反馈: ``date`` is the day the unit first responded (EVENTS.md additions)."""

    type: Literal["hotline_responded"]
    ticket: Name


class HotlineReplied(HotlineEvent):
    type: Literal["hotline_replied"]
    ticket: Name
    quality: Literal["ok", "perfunctory", "inconsistent", "shirked"]


class HotlineCallback(HotlineEvent):
    type: Literal["hotline_callback"]
    ticket: Name
    satisfied: Flag
    reached: Flag | None = None
    """有效回访: the citizen was reached (absent means true; EVENTS.md additions)."""


TYPES: list[type[Event]] = [HotlineTicket, HotlineReturned, HotlineExtended, HotlineResponded, HotlineReplied,
                            HotlineCallback]
