"""Scoreboards: a policy replayed over the ledger's facts for an as-of date and a known-at
revision — the read model behind `score`, `explain`, `bulletin`, `diff` and `publish`."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import InputError
from ..gc_pause import gc_paused
from ..i18n import Msg
from ..policies.model import Policy
from ..units import Unit
from .scoring import ScoreCard, rank_fact_types, score_track, track_fact_types

if TYPE_CHECKING:
    from .snapshot import Snapshot


@dataclass
class Scoreboard:
    """Score cards of one policy with what anyone needs to reproduce them."""

    policy: Policy
    as_of: dt.date
    snapshot: Snapshot = field(repr=False)
    """What was known when it was computed (revision and chain hash): reproducible, unlike the
    moving ledger head."""
    cards: dict[str, list[ScoreCard]] = field(default_factory=dict)  # track id -> ranked cards

    @property
    def known_at(self) -> int:
        return self.snapshot.known_at

    @property
    def head(self) -> tuple[int, str]:
        """(known-at revision, chain hash after it)."""
        return self.snapshot.head

    def all_cards(self) -> list[ScoreCard]:
        return [card for cards in self.cards.values() for card in cards]

    def card(self, unit: str, track: str | None = None) -> ScoreCard:
        found = [c for c in self.all_cards() if c.unit == unit and (track is None or c.track == track)]
        if not found:
            where = f" in track '{track}'" if track else ""
            raise InputError(Msg("a unit scored by {ref}{where} (unit '{unit}' is not in the track's group)",
                                 ref=self.policy.ref, where=where, unit=unit), field="unit")
        if len(found) > 1:
            tracks = ", ".join(c.track for c in found)
            raise InputError(Msg("one of the tracks unit '{unit}' is scored in: {tracks}", unit=unit, tracks=tracks),
                             field="track")
        return found[0]

    def envelope(self) -> dict:
        return {"policy": self.policy.ref, "as_of": self.as_of.isoformat(), "known_at": self.known_at,
                "head": {"revision": self.head[0], "hash": self.head[1]}}


def default_as_of(policy: Policy) -> dt.date:
    """The end of the policy's year: 'what had happened by the end of the year'."""
    return dt.date(policy.year, 12, 31)


def track_units(policy: Policy, track_id: str, roster: Iterable[Unit]) -> list[Unit]:
    group = policy.track(track_id).group
    return sorted((u for u in roster if u.in_group(group)), key=lambda u: u.id)


def build_scoreboard(view: Snapshot, policy: Policy, *, as_of: dt.date | None = None,
                     tracks: Iterable[str] | None = None,
                     units: Iterable[str] | None = None, focus: str | None = None,
                     drop: set[str] | None = None, on_unit: Callable[[int], None] | None = None) -> Scoreboard:
    """Score every unit of the chosen tracks. Ranks always use the whole track, so asking for
    one unit still reads its peers.

    ``focus`` (one unit, for its explanation) scores only that unit: peers are read only for
    the fact types the track's rank-based indicators need, and the rank by total is left out.
    ``drop``: fact ids to leave out (what an appeal would change if upheld in full).
    """
    with gc_paused():
        board = _build(view, policy, as_of, tracks, units, focus, drop, on_unit)
        _to_oldest_generation()
    return board


def _to_oldest_generation() -> None:
    """Hand what scoring allocated to the cyclic collector's oldest generation. Otherwise the
    first allocation after the pause collects the youngest generation — every object the board
    was built from, a million for a 3,700-card table (0.2 s) — and later the middle one again;
    the oldest is walked only by the (rare) full collections, which still free any cycle among
    them. ``gc.freeze()`` alone would keep them from full collections too, but would leak what
    cycles are alive then (about 50 objects a table, measured): in a long-running server, no."""
    gc.freeze()
    gc.unfreeze()


def _build(view: Snapshot, policy: Policy, as_of: dt.date | None,
           tracks: Iterable[str] | None, units: Iterable[str] | None, focus: str | None,
           drop: set[str] | None, on_unit: Callable[[int], None] | None) -> Scoreboard:
    as_of = as_of or default_as_of(policy)
    roster = view.roster().values()
    wanted = list(tracks) if tracks else [t.id for t in policy.tracks]
    for track_id in wanted:
        if track_id not in {t.id for t in policy.tracks}:
            raise InputError(Msg("one of the policy's tracks: {tracks}", tracks=", ".join(t.id for t in policy.tracks)),
                             field="track", got=repr(track_id))
    board = Scoreboard(policy, as_of, view)
    only = set(units) if units else None
    for track_id in wanted:
        members = track_units(policy, track_id, roster)
        if only is not None and not only & {u.id for u in members}:
            continue
        if focus is not None:
            if focus not in {u.id for u in members}:
                continue
            peers = [u.id for u in members if u.id != focus]
            needed = rank_fact_types(policy, track_id)
            facts = view.peer_facts(peers, policy.year, as_of, needed) if needed else {}
            facts[focus] = view.facts(focus, policy.year, as_of, track_fact_types(policy, track_id))
            board.cards[track_id] = score_track(policy, track_id, members, facts, as_of, focus={focus})
            continue
        types = track_fact_types(policy, track_id)  # only what the track's rules can read
        facts = view.facts_for([u.id for u in members], policy.year, as_of, types, on_unit)
        if drop:
            facts = {u: [f for f in fs if f.id not in drop] for u, fs in facts.items()}
        cards = score_track(policy, track_id, members, facts, as_of)
        board.cards[track_id] = [c for c in cards if only is None or c.unit in only]
    if only is not None and not board.all_cards():
        raise InputError(Msg("a unit scored by {ref}", ref=policy.ref), field="unit", got=", ".join(sorted(only)))
    if focus is not None and not board.all_cards():
        raise InputError(Msg("a unit scored by {ref} (unit '{focus}' is in none of its tracks' groups)",
                             ref=policy.ref, focus=focus),
                         field="unit", got=repr(focus))
    return board
