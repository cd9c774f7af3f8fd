"""Reading only the fact types a track's rules name gives the very same cards as reading
everything (on the demo year and on a synthetic year covering every event type)."""

from __future__ import annotations

import datetime as dt

import pytest
import synthetic

from ledger.app import Ledger
from ledger.demo import demo_files
from ledger.projections import scoreboard as scoreboard_module

POLICIES = ["daan-2021", "jingkai-2021", "jiangxian-2021", "jilin-kjt-2019", "changbai-2020"]


def boards(ledger, as_of=None):
    out = {}
    for ref in POLICIES:
        policy = ledger.policy(ref)
        board = ledger.scoreboard(policy, as_of=as_of)
        out[ref] = {(c.track, c.unit): (c.to_row(), c.explanation()) for c in board.all_cards()}
    return out


@pytest.mark.slow  # every policy scored twice on two years
def test_typed_reads_equal_full_reads(tmp_path, monkeypatch):
    ledger = Ledger(f"sqlite:///{tmp_path}/l.db", actor="t")
    ledger.init()
    units, events = demo_files()
    ledger.import_units(units)
    ledger.import_file(events)
    synthetic.write_units(str(tmp_path / "su.csv"), 60)
    synthetic.write_events(str(tmp_path / "se.jsonl"), 60, 80)
    ledger.import_units(str(tmp_path / "su.csv"))
    ledger.import_file(str(tmp_path / "se.jsonl"))
    for as_of in (None, dt.date(2021, 6, 30)):
        typed = boards(ledger, as_of)
        assert sum(len(v) for v in typed.values()) > 100
        with monkeypatch.context() as m:
            m.setattr(scoreboard_module, "track_fact_types", lambda policy, track: None)
            full = boards(ledger, as_of)
        assert typed == full
    ledger.close()
