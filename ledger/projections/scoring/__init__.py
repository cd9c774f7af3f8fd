"""Scoring: a policy track × the units' facts → explained score cards.

    score_track(policy, track_id, units, facts_by_unit, as_of) -> list[ScoreCard]
"""

from .card import IndicatorScore, Line, ScoreCard, q
from .engine import compile_track, hotline_tickets, normalise_period, rank_fact_types, score_track

__all__ = ["score_track", "ScoreCard", "Line", "IndicatorScore", "compile_track", "q",
           "hotline_tickets", "normalise_period", "rank_fact_types"]
