"""The 等级 and 否决 columns as a person reads them (text, xlsx, HTML, PDF, the workbench): a
grade withheld while the indicators it depends on are pending (暂不评定, with a note saying
why), and each veto with its reason and the event that triggered it. JSON keeps the card's
``grade`` and ``vetoed`` as CLI.md freezes them. See ``ledger.projections.grading``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import i18n
from ..i18n import _
from ..projections.grading import GradeHold, grade_hold, vetoes, withheld
from .document import date_text

if TYPE_CHECKING:
    from ..policies.model import Policy
    from ..projections.scoreboard import Scoreboard
    from ..projections.scoring import ScoreCard


def hold(board: Scoreboard, track_id: str) -> GradeHold | None:
    """The track's withheld grades at the board's as-of."""
    return grade_hold(board.policy, track_id, board.as_of, board.cards.get(track_id))


def holds(board: Scoreboard) -> dict[str, GradeHold | None]:
    """Each track's withheld grades at the board's as-of."""
    return {track: hold(board, track) for track in board.cards}


def grade(card: ScoreCard, waiting: GradeHold | None) -> str:
    """The grade, or 暂不评定 while it waits for pending indicators."""
    if withheld(card, waiting):
        return _("not yet graded")
    return card.grade or ""


def veto(card: ScoreCard) -> str:
    """Empty for a unit not vetoed; else each reason with its event's document and date:
    一票否决(2)：被省、市营商环境办公室警示、通报批评、告诫的（吉市营商办〔2021〕1号，2021年8月26日）."""
    if not card.vetoed:
        return ""
    out = []
    for reason, source, day in vetoes(card):
        where = "，".join(x for x in (source or "", date_text(day) if day else "") if x)
        out.append(f"{reason}（{where}）" if i18n.is_zh() and where else f"{reason} ({where})" if where else reason)
    return "；".join(out) if i18n.is_zh() else "; ".join(out)


def hold_note(waiting: GradeHold | None) -> str:
    """Why the grades are not given yet (a table's note); empty when they stand."""
    if waiting is None:
        return ""
    sep = "、" if i18n.is_zh() else ", "
    if waiting.until is None:
        return i18n.f("Not yet graded: {indicators} are still open (their last deadline falls in a year the "
                      "working-day calendar does not know yet), so the total can still change; grades are given "
                      "when they close. A vetoed unit is graded by its veto.", indicators=sep.join(waiting.groups))
    return i18n.f("Not yet graded: {indicators} are still open until {until} (their data window or deadline "
                  "has not passed), so the total can still change; grades are given when they close. A vetoed "
                  "unit is graded by its veto.", indicators=sep.join(waiting.groups), until=date_text(waiting.until))


def track_has_veto(policy: Policy, track_id: str) -> bool:
    return policy.track(track_id).veto is not None
