"""Supervised items (督办/交办事项). Lateness is derived, never recorded."""

from __future__ import annotations

from typing import Literal

from .base import Date, Event, Name


class SupervisedItemEvent(Event):
    family = "supervised_items"
    thread = "item"


class SupervisedItemAssigned(SupervisedItemEvent):
    type: Literal["supervised_item_assigned"]
    item: Name
    due: Date
    issuer: Name | None = None
    opens_thread = True


class SupervisedItemClosed(SupervisedItemEvent):
    type: Literal["supervised_item_closed"]
    item: Name


class SupervisedItemFinding(SupervisedItemEvent):
    type: Literal["supervised_item_finding"]
    item: Name
    finding: Literal["facts_unclear", "improper_handling", "false_report", "accountability_missing"]


TYPES: list[type[Event]] = [SupervisedItemAssigned, SupervisedItemClosed, SupervisedItemFinding]
