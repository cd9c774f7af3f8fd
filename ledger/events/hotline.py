"""12345 hotline tickets (工单). States (completed, on time, satisfied) are derived."""

from __future__ import annotations

from typing import Literal

from .base import Date, Event, Flag, Text


class HotlineEvent(Event):
    family = "hotline"
    thread = "ticket"


class HotlineTicket(HotlineEvent):
    """Received by the unit on ``date``."""

    type: Literal["hotline_ticket"]
    ticket: Text
    due: Date
    opens_thread = True


class HotlineReturned(HotlineEvent):
    type: Literal["hotline_returned"]
    ticket: Text


class HotlineExtended(HotlineEvent):
    type: Literal["hotline_extended"]
    ticket: Text
    due: Date


class HotlineReplied(HotlineEvent):
    type: Literal["hotline_replied"]
    ticket: Text
    quality: Literal["ok", "perfunctory", "inconsistent", "shirked"]


class HotlineCallback(HotlineEvent):
    type: Literal["hotline_callback"]
    ticket: Text
    satisfied: Flag


TYPES: list[type[Event]] = [HotlineTicket, HotlineReturned, HotlineExtended, HotlineReplied, HotlineCallback]
