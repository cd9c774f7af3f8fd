"""12345 hotline tickets (工单). States (completed, on time, satisfied) are derived."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ValidationInfo, field_validator

from .base import Date, Event, Flag, Name


class HotlineEvent(Event):
    family = "hotline"
    thread = "ticket"


class HotlineTicket(HotlineEvent):
    """Received by the unit on ``date``."""

    type: Literal["hotline_ticket"]
    ticket: Name
    due: Date
    opens_thread = True

    @field_validator("due")
    @classmethod
    def _due_after_received(cls, due: dt.date, info: ValidationInfo) -> dt.date:
        """A ticket cannot be due before the unit received it (a swapped date would count it
        late — or on time — whatever was done)."""
        received = info.data.get("date")
        if received is not None and due < received:
            raise ValueError(f"a due date on or after the day the ticket was received ({received.isoformat()})")
        return due


class HotlineReturned(HotlineEvent):
    type: Literal["hotline_returned"]
    ticket: Name


class HotlineExtended(HotlineEvent):
    type: Literal["hotline_extended"]
    ticket: Name
    due: Date


class HotlineReplied(HotlineEvent):
    type: Literal["hotline_replied"]
    ticket: Name
    quality: Literal["ok", "perfunctory", "inconsistent", "shirked"]


class HotlineCallback(HotlineEvent):
    type: Literal["hotline_callback"]
    ticket: Name
    satisfied: Flag


TYPES: list[type[Event]] = [HotlineTicket, HotlineReturned, HotlineExtended, HotlineReplied, HotlineCallback]
