"""Helpers shared by the worked-example tests (tests/test_seed_*.py, tests/test_rules_*.py):
the seed documents, fact constructors, scoring a track with the explanation-adds-up check,
card look-ups, a walk over a track's indicators and a small real Ledger to score through."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from ledger.events.fact import Fact
from ledger.projections.scoring import score_track
from ledger.units import Unit

SEEDS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
"""The seed documents: ``shared/seeds/`` beside the repository root (CI has ``shared/``
beside its clone)."""
REQUIRE_SEEDS = os.environ.get("LEDGER_REQUIRE_SEEDS") == "1"


def seed_path(name: str) -> Path:
    """The seed document ``name`` (e.g. ``001_d5299d6af98c8c4e.txt``). When it is absent the
    test skips — or fails, with ``LEDGER_REQUIRE_SEEDS=1`` (set by .ci/run)."""
    path = SEEDS_DIR / name
    if not path.is_file():
        message = f"seed document {name} not found in {SEEDS_DIR}"
        if REQUIRE_SEEDS:
            pytest.fail(f"{message} (LEDGER_REQUIRE_SEEDS=1)")
        pytest.skip(message)
    return path


def seed_text(name: str) -> str:
    """The text of seed document ``name`` (skips or fails like ``seed_path``)."""
    return seed_path(name).read_text(encoding="utf-8")


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def fact_maker(recorded_at: str, source: str | None = None, id_format: str = "{unit}-{rev}",
               prepare: Callable[[dict[str, Any]], None] | None = None):
    """A fact constructor ``F(unit, type_, date, id=None, **fields)`` with its own revision
    counter (1, 2, … in the order its facts are built). Without ``id`` a fact's id is
    ``id_format`` filled with ``unit`` and ``rev``; ``prepare`` may rewrite the fields in place
    (say, numbers to Decimal) before the fact is built."""
    revisions = itertools.count(1)

    def F(unit, type_, date, id=None, **fields):
        rev = next(revisions)
        if prepare is not None:
            prepare(fields)
        return Fact(id=id or id_format.format(unit=unit, rev=rev), type=type_, unit=unit,
                    date=d(date), fields=fields, revision=rev, recorded_at=recorded_at,
                    source=source)

    return F


def assert_lines_add_up(cards) -> None:
    """Every card's explanation lines (the objects and their rendering) add up to its total."""
    for c in cards:
        assert sum((ln.delta for ln in c.lines), D(0)) == c.total, c.unit
        assert sum((D(str(ln["delta"])) for ln in c.explanation()["lines"]), D(0)) == c.total, c.unit


def track_scorer(policy, group: str | Mapping[str, str] | None = None, as_of: str | None = None):
    """``score(track, units, facts, as_of)`` for ``policy``: units are ids (named after
    themselves) in ``group`` — one group, a group per track id, or by default the track's own
    group in the policy; each unit gets the facts of ``facts`` that are its own. The cards'
    explanation lines are checked to add up (``assert_lines_add_up``) and the cards come back
    by unit id. ``as_of`` is the default as-of date."""

    def score(track: str, units: Iterable[str], facts: Iterable[Fact], as_of: str | None = as_of):
        if group is None:
            g = policy.track(track).group
        elif isinstance(group, str):
            g = group
        else:
            g = group[track]
        units = list(units)
        facts = list(facts)
        roster = [Unit(u, u, (g,)) for u in units]
        fbu = {u: [f for f in facts if f.unit == u] for u in units}
        cards = score_track(policy, track, roster, fbu, d(as_of))
        assert_lines_add_up(cards)
        return {c.unit: c for c in cards}

    return score


def pts(card, ind):
    return card.indicator(ind).points


def lines(card, ind):
    return [ln for ln in card.lines if ln.indicator == ind]


def walk(inds):
    """Every indicator of ``inds`` and, depth first, of their children."""
    for i in inds:
        yield i
        yield from walk(i.children or [])


@contextlib.contextmanager
def imported_ledger(tmp_path: Path, units_csv: str, events: list[dict]) -> Iterator[Any]:
    """A SQLite Ledger in ``tmp_path`` (actor ``t``), initialised, with the units of
    ``units_csv`` (the text of a units CSV) and then ``events`` (written as JSON Lines)
    imported; closed on leaving."""
    from ledger.app import Ledger

    units = tmp_path / "units.csv"
    units.write_text(units_csv, encoding="utf-8")
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    L = Ledger(f"sqlite:///{tmp_path}/l.db", actor="t")
    try:
        L.init()
        L.import_units(str(units))
        L.import_file(str(jsonl))
        yield L
    finally:
        L.close()
