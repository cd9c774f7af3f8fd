"""Sanctions and discipline (处分、警示、通报、告诫)."""

from __future__ import annotations

from typing import Literal

from .base import Event, EventId, Flag, Level, Name, Text


class Sanction(Event):
    family = "sanctions"


class Warning(Sanction):
    """警示"""

    type: Literal["warning"]
    issuer_level: Level
    issuer: Name | None = None


class Criticism(Sanction):
    """通报批评"""

    type: Literal["criticism"]
    issuer_level: Level
    issuer: Name | None = None


class Admonition(Sanction):
    """告诫"""

    type: Literal["admonition"]
    issuer_level: Level
    issuer: Name | None = None


class RectificationFailed(Sanction):
    """未按要求纠正整改"""

    type: Literal["rectification_failed"]
    of: EventId | None = None


class ConductIssue(Sanction):
    """作风/纪律/效率/窗口服务问题经查实"""

    type: Literal["conduct_issue"]
    category: Text


class DisciplineCase(Sanction):
    """党纪政纪处分 / 违纪查处"""

    type: Literal["discipline_case"]
    subject: Literal["staff", "responsible_person"]
    authority: Text | None = None


class Accountability(Sanction):
    """行政问责（严重损害软环境）"""

    type: Literal["accountability"]
    reason: Text


class InspectionNamed(Sanction):
    """督查点名批评"""

    type: Literal["inspection_named"]
    issuer_level: Level
    severe: Flag = False


TYPES: list[type[Event]] = [Warning, Criticism, Admonition, RectificationFailed, ConductIssue, DisciplineCase,
         Accountability, InspectionNamed]
