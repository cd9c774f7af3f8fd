"""Whether a grade can be given yet, and why a unit is vetoed: what the human formats show in
the 等级 and 否决 columns (JSON keeps the card's grade as CLI.md freezes it).

A grade (优秀/达标/不达标 …) is read off the total. In June the year-end panels still score 0,
so a total-based grade says nothing yet: while an indicator the total depends on is still
pending, a person is shown 暂不评定 with the reason, not a grade. Which indicators are pending
is decided in one place only, the engine's ``ledger.projections.scoring.pending_indicators`` (by
each indicator's data window and deadlines; the policy's own, what is open for every unit); this
module only reads it. A vetoed unit is graded by
its veto (the policy's veto grade), which no later score lifts, so its grade stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..policies.model import Policy
    from .scoring import ScoreCard


@dataclass(frozen=True)
class GradeHold:
    """The grades of a track withheld at an as-of date: the pending indicators the total
    depends on, their top-level names (for the note), and the day from which nothing changes."""
    track: str
    pending: tuple[str, ...]
    groups: tuple[str, ...]
    until: dt.date | None
    """None: the last deadline falls in a year the working-day calendar does not know yet."""


def grade_hold(policy: Policy, track_id: str, as_of: dt.date, cards: list[ScoreCard] | None = None) -> GradeHold | None:
    """The track's grades withheld at ``as_of`` (None: the grades stand, or the track has no
    grades). Value-only indicators (a rate reported beside the points) move no total, so a
    grade never waits for them."""
    track = policy.track(track_id)
    if not track.grades:
        return None
    from .scoring import pending_indicators  # the engine: loaded by the commands that score, not at start-up

    found = pending_indicators(policy, track_id, as_of)
    until, pending = found.final_on, found.indicators
    value_only = {node.id for card in (cards or [])[:1] for top in card.indicators for node in top.walk()
                  if node.reports}
    waiting = tuple(i for i in pending if i not in value_only)
    if not waiting:
        return None
    top_of: dict[str, str] = {}

    def walk(nodes: list[Any] | None, top: str) -> None:
        for node in nodes or []:
            top_of[node.id] = top
            walk(node.children, top)

    for ind in track.indicators:
        top_of[ind.id] = ind.name
        walk(ind.children, ind.name)
    groups = tuple(dict.fromkeys(top_of.get(i, i) for i in waiting))
    return GradeHold(track_id, waiting, groups, until)


def withheld(card: ScoreCard, hold: GradeHold | None) -> bool:
    """The card's grade is not shown (暂不评定): its track's grades wait and no veto decided it."""
    return hold is not None and card.grade is not None and not card.vetoed


def vetoes(card: ScoreCard) -> list[tuple[str, str | None, dt.date | None]]:
    """Each veto of the card: (the policy's reason, the source document of the event that
    triggered it, its date), in the engine's order; one per reason and event."""
    out: list[tuple[str, str | None, dt.date | None]] = []
    for line in card.lines:
        if line.kind == "veto":
            found = (str(line.rule or ""), line.source, line.date)
            if found not in out:
                out.append(found)
    return out or [(reason, None, None) for reason in card.veto_reasons]
