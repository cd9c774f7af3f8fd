"""Scoring: a policy track × the units' facts → explained score cards.

    score_track(policy, track_id, units, facts_by_unit, as_of) -> list[ScoreCard]
    pending_indicators(policy, track_id, as_of, facts=None) -> Pending   (暂定: what is still open)

Rule kinds live in ``rules/`` (one module per family) and register themselves.
"""

from .card import IndicatorScore, Line, ScoreCard, q
from .engine import Pending, compile_track, pending_indicators, rank_fact_types, score_track, track_fact_types
from .hotline import hotline_tickets
from .periods import normalise_period

__all__ = ["score_track", "ScoreCard", "Line", "IndicatorScore", "compile_track", "q",
           "hotline_tickets", "normalise_period", "rank_fact_types", "track_fact_types", "pending_indicators",
           "Pending"]
