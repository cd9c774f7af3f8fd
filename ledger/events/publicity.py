"""Publicity, recognition, innovation (宣传、表扬、创新)."""

from __future__ import annotations

from typing import Literal

from .base import Event, Flag, Level, Name, Text


class Recognition(Event):
    family = "publicity"


class MediaReport(Recognition):
    """媒体宣传报道"""

    type: Literal["media_report"]
    level: Level
    outlet: Name
    title: Text
    summary: Text | None = None


class Praise(Recognition):
    """通报表扬"""

    type: Literal["praise"]
    issuer_level: Level
    issuer: Name | None = None
    promoted: Flag = False


class Endorsement(Recognition):
    """领导肯定性批示"""

    type: Literal["endorsement"]
    leader: Literal["province_leader", "city_leader", "city_department_leader",
                    "zone_principal", "zone_deputy"]


class Innovation(Recognition):
    """工作创新"""

    type: Literal["innovation"]
    kind: Literal["replicated_practice", "signature_measure", "highlight"]
    title: Text


class BriefingAdopted(Recognition):
    """简报/专报采用"""

    type: Literal["briefing_adopted"]
    issuer_level: Level


class ExperiencePromoted(Recognition):
    """经验介绍/推广"""

    type: Literal["experience_promoted"]
    scope: Literal["province", "city"]


class Award(Recognition):
    """表彰"""

    type: Literal["award"]
    kind: Text


class Publication(Recognition):
    """信息发布/政策宣传"""

    type: Literal["publication"]
    channel: Literal["column", "publicity", "disclosure", "gov_info", "supervision_info",
                     "supervision_exposure", "website"]
    """``website``: 政府网站信息 (EVENTS.md, second round)."""
    title: Text
    level: Level | None = None
    """The level of the site or body that adopted or published it (EVENTS.md additions)."""


TYPES: list[type[Event]] = [MediaReport, Praise, Endorsement, Innovation, BriefingAdopted, ExperiencePromoted,
         Award, Publication]
