"""Scoreboards: a policy replayed over the ledger's facts for an as-of date and a known-at
revision — the read model behind `score`, `explain`, `bulletin`, `diff` and `publish`."""

from __future__ import annotations

import calendar
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import InputError
from ..events.fact import Fact
from ..gc_pause import gc_paused
from ..i18n import Msg
from ..policies.model import Policy
from ..units import Unit
from .scoring import ScoreCard, track_fact_types
from .scoring.engine import FactBatches, score_series

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
    lines: bool = True
    """The cards carry their explanation lines (False: totals, indicators, places and the
    track-level lines only — veto, downgrade, the track's cap, floor, rounding — a score table's
    board, built in memory that does not grow with the events)."""

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


@dataclass
class Series:
    """A policy year's results at several dates (``score --series monthly``): one board per date,
    ascending, all from one snapshot. Each board is what `score --as-of` that date gives (its
    policy version too: a version in force from mid-year scores the months after it)."""

    boards: list[Scoreboard]

    @property
    def policy(self) -> Policy:
        """The policy of the last date."""
        return self.boards[-1].policy

    @property
    def known_at(self) -> int:
        return self.boards[-1].known_at

    @property
    def head(self) -> tuple[int, str]:
        return self.boards[-1].head


def default_as_of(policy: Policy) -> dt.date:
    """The end of the policy's year: 'what had happened by the end of the year'."""
    return dt.date(policy.year, 12, 31)


def track_units(policy: Policy, track_id: str, roster: Iterable[Unit]) -> list[Unit]:
    group = policy.track(track_id).group
    return sorted((u for u in roster if u.in_group(group)), key=lambda u: u.id)


def build_scoreboard(view: Snapshot, policy: Policy, *, as_of: dt.date | None = None,
                     tracks: Iterable[str] | None = None,
                     units: Iterable[str] | None = None, focus: str | None = None,
                     drop: set[str] | None = None, on_unit: Callable[[int], None] | None = None,
                     lines: bool = True) -> Scoreboard:
    """Score every unit of the chosen tracks. Ranks always use the whole track, so asking for
    one unit still reads its peers. The units' facts are read and scored a bounded batch at a
    time (``score_batches``): peers enter through per-unit aggregates only, so memory does not
    grow with the events.

    ``focus`` (one unit, for its explanation) scores only that unit: peers are read only for
    the fact types the track's rank-based indicators need, and the rank by total is left out.
    ``drop``: fact ids to leave out (what an appeal would change if upheld in full).
    ``lines=False``: the cards without explanation lines (``Scoreboard.lines``).
    """
    with gc_paused():
        board = _boards(view, policy, [as_of or default_as_of(policy)], tracks, units, focus, drop, on_unit,
                        lines or focus is not None)[0]
        _to_oldest_generation()
    return board


def build_series(view: Snapshot, policy: Policy, as_ofs: Sequence[dt.date], *,
                 tracks: Iterable[str] | None = None, units: Iterable[str] | None = None, focus: str | None = None,
                 on_unit: Callable[[int], None] | None = None) -> list[Scoreboard]:
    """``build_scoreboard`` at each of ``as_ofs`` (ascending), in one pass: each unit's facts are
    read once and scored at every date (``score_series``). Each board's cards have the totals,
    grades and places the one ``build_scoreboard`` makes at its date — and nothing else: no
    lines, no indicators but those reporting a value (twelve boards of every card's indicator
    tree would be most of the memory)."""
    days = sorted(set(as_ofs))
    if not days:
        return []
    with gc_paused():
        boards = _boards(view, policy, days, tracks, units, focus, None, on_unit, False, totals=True)
        _to_oldest_generation()
    return boards


def month_ends(year: int, last: dt.date | None = None) -> list[dt.date]:
    """The last day of each month of ``year`` — those on or before ``last`` when given (at least
    January's, so that a series is never empty)."""
    ends = [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]
    return [d for d in ends if last is None or d <= last] or ends[:1]


def chosen_tracks(policy: Policy, tracks: Iterable[str] | None) -> list[str]:
    """The tracks asked for (all by default), each checked to be the policy's."""
    wanted = list(tracks) if tracks else [t.id for t in policy.tracks]
    for track_id in wanted:
        if track_id not in {t.id for t in policy.tracks}:
            raise InputError(Msg("one of the policy's tracks: {tracks}", tracks=", ".join(t.id for t in policy.tracks)),
                             field="track", got=repr(track_id))
    return wanted


def batch_reader(view: Snapshot, policy: Policy, track_id: str, members: list[Unit], as_of: dt.date,
                 drop: set[str] | None = None, on_unit: Callable[[int], None] | None = None) -> FactBatches:
    """The track's units' facts as of ``as_of``, read a bounded batch at a time
    (``Snapshot.unit_batches``) for ``score_batches``: of the types asked for (the rank pass's),
    else of every type the track's rules can read. A view that keeps whole streams' facts (the
    workbench) is read for the track's types in both passes, so the rank pass finds them kept."""
    types = track_fact_types(policy, track_id)
    ids = [u.id for u in members]

    def read(wanted: frozenset[str] | None) -> Iterator[dict[str, list[Fact]]]:
        progress = on_unit if wanted is None else None  # progress counts the cards' pass
        asked = types if wanted is None or view.keeps_facts else wanted
        for batch in view.unit_batches(ids, policy.year):
            facts = view.facts_for(batch, policy.year, as_of, asked, progress)
            if drop:
                facts = {u: [f for f in fs if f.id not in drop] for u, fs in facts.items()}
            yield facts

    return read


def focus_reader(view: Snapshot, policy: Policy, track_id: str, members: list[Unit], as_of: dt.date,
                 focus: str) -> FactBatches:
    """For one unit's card: its own facts, and the rank inputs of every unit of the track from the
    fact view's in-memory slices of those types (kept and refreshed incrementally: an
    explanation's latency)."""
    ids = [u.id for u in members]

    def read(wanted: frozenset[str] | None) -> Iterator[dict[str, list[Fact]]]:
        if wanted is None:
            yield {focus: view.facts(focus, policy.year, as_of, track_fact_types(policy, track_id))}
        else:
            yield view.peer_facts(ids, policy.year, as_of, wanted)

    return read


def _to_oldest_generation() -> None:
    """Hand what scoring allocated to the cyclic collector's oldest generation. Otherwise the
    first allocation after the pause collects the youngest generation — every object the board
    was built from, a million for a 3,700-card table (0.2 s) — and later the middle one again;
    the oldest is walked only by the (rare) full collections, which still free any cycle among
    them. ``gc.freeze()`` alone would keep them from full collections too, but would leak what
    cycles are alive then (about 50 objects a table, measured): in a long-running server, no."""
    gc.freeze()
    gc.unfreeze()


def _boards(view: Snapshot, policy: Policy, days: list[dt.date], tracks: Iterable[str] | None,
            units: Iterable[str] | None, focus: str | None, drop: set[str] | None,
            on_unit: Callable[[int], None] | None, lines: bool, totals: bool = False) -> list[Scoreboard]:
    """One board per date of ``days`` (ascending), every unit's facts read once for them all."""
    roster = view.roster().values()
    wanted = chosen_tracks(policy, tracks)
    boards = {day: Scoreboard(policy, day, view, lines=lines) for day in days}
    only = set(units) if units else None
    for track_id in wanted:
        members = track_units(policy, track_id, roster)
        if only is not None and not only & {u.id for u in members}:
            continue
        if focus is not None and focus not in {u.id for u in members}:
            continue
        read = focus_reader(view, policy, track_id, members, days[-1], focus) if focus is not None else \
            batch_reader(view, policy, track_id, members, days[-1], drop, on_unit)
        cards = score_series(policy, track_id, members, read, days, lines=lines,
                             focus={focus} if focus is not None else None, totals=totals)
        for day, board in boards.items():
            board.cards[track_id] = [c for c in cards[day] if only is None or c.unit in only]
    found = any(board.all_cards() for board in boards.values())
    if only is not None and not found:
        raise InputError(Msg("a unit scored by {ref}", ref=policy.ref), field="unit", got=", ".join(sorted(only)))
    if focus is not None and not found:
        raise InputError(Msg("a unit scored by {ref} (unit '{focus}' is in none of its tracks' groups)",
                             ref=policy.ref, focus=focus),
                         field="unit", got=repr(focus))
    return [boards[day] for day in days]
