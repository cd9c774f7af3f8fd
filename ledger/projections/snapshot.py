"""The ledger as known at one revision: the value every read model takes.

A ``Snapshot`` pins (known-at revision, chain hash after it) once; streams are read lazily,
only when a read model asks for them, and never past the pinned revision. Read models take a
snapshot, not the ``Ledger`` facade, so they can neither write nor drift to a later head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..events.fact import Fact
from ..store.eventstore import EventStore, Record
from ..units import Unit
from .evidence import EvidenceFile
from .fact_view import FactView


@dataclass(frozen=True)
class Snapshot:
    known_at: int
    chain_hash: str
    """The hash chain after ``known_at``: what a result computed from this snapshot is pinned to."""
    facts_view: FactView = field(repr=False, compare=False)

    @property
    def head(self) -> tuple[int, str]:
        return self.known_at, self.chain_hash

    @property
    def _store(self) -> EventStore:
        return self.facts_view.store

    def roster(self) -> dict[str, Unit]:
        return self.facts_view.roster(self.known_at)

    def facts(self, unit: str, year: int, as_of: dt.date | None, types: Iterable[str] | None = None) -> list[Fact]:
        """One unit's effective facts of the year; with ``types``, only facts of those types."""
        return self.facts_view.facts(unit, year, as_of, self.known_at, types)

    def facts_for(self, units: Iterable[str], year: int, as_of: dt.date | None, types: Iterable[str] | None = None,
                  on_unit: Callable[[int], None] | None = None) -> dict[str, list[Fact]]:
        return self.facts_view.facts_for(units, year, as_of, self.known_at, types, on_unit)

    def unit_batches(self, units: Iterable[str], year: int) -> Iterator[list[str]]:
        """``units`` in order, in batches of a bounded number of stored records (what scoring
        reads and holds at once)."""
        return self.facts_view.unit_batches(units, year)

    @property
    def keeps_facts(self) -> bool:
        """Whole streams' facts are kept across reads (a long-running server's map)."""
        return self.facts_view.kept is not None

    def peer_facts(self, units: Iterable[str], year: int, as_of: dt.date | None,
                   types: Iterable[str]) -> dict[str, list[Fact]]:
        """Peers' facts of a few types (rank inputs), from the fact view's in-memory slices."""
        return self.facts_view.peer_facts(units, year, as_of, self.known_at, types)

    def evidence(self, unit: str, year: int) -> dict[str, list[EvidenceFile]]:
        """Event id → its evidence files (``projections.evidence``), of the unit's year."""
        return self.facts_view.evidence(unit, year, self.known_at)

    def records_of_types(self, types: Iterable[str]) -> list[dict[str, Any]]:
        """Every record of these event types across all streams as known at the pinned
        revision (decoded, in no particular order): a read across units without scoring."""
        from ..events import codec

        decoded = (codec.loads(s) for s in self._store.states_of_topics(tuple(types)))
        return [d for d in decoded if d["revision"] <= self.known_at]

    def records(self, stream: str) -> list[Record]:
        """A stream's records up to the pinned revision."""
        return self._store.read_stream(stream, upto=self.known_at)
