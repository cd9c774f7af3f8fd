"""The due list on the demo years: the board README names shows all three lights, and the
shared hypotheticals (independent obligations priced in one scoring, alike ones once) give
exactly the prices of scoring every obligation on its own, for every demo policy."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import cli

from ledger.app import Ledger
from ledger.projections import due as due_model
from ledger.projections import whatif

ROOT = Path(__file__).resolve().parent.parent
README_BOARD = "due --policy jingkai-2021 --as-of 2021-09-28"
DEMO = {"jingkai-2021": 2021, "daan-2021": 2021, "jiangxian-2021": 2021, "changbai-2020": 2020, "jilin-kjt-2019": 2019}


@pytest.fixture(scope="module")
def demo(demo_store):
    """The session's demo store, read only."""
    return demo_store.url


@pytest.mark.slow
def test_the_board_readme_names_shows_three_lights(demo):
    assert README_BOARD in (ROOT / "README.md").read_text(encoding="utf-8")
    run = cli(demo, *README_BOARD.split(), "--format", "json")
    doc = json.loads(run.out)
    assert {u["light"] for u in doc["units"]} == {"red", "yellow", "green"}
    holiday = [i for i in doc["items"] if i["kind"] == "supervised_item"]
    assert [(i["unit"], i["due"], i["status"], i["points_at_risk"]) for i in holiday] == [
        ("jk-fgj", "2021-10-09", "due_soon", -1), ("jk-scj", "2021-10-11", "due_soon", -1),
        ("jk-zsj", "2021-10-12", "due_soon", -1)]


@pytest.mark.slow
def test_shared_hypotheticals_price_as_one_by_one(demo, monkeypatch):
    def prices(ledger: Ledger, ref: str, day: dt.date) -> dict[tuple, object]:
        found = due_model.build_due(ledger.view(), ledger.policy(ref), as_of=day)
        return {(i.unit, i.track, i.indicator, i.kind, i.what): i.points_at_risk for i in found.items}

    with Ledger(demo) as ledger:
        days = [(ref, dt.date(year, m, d)) for ref, year in DEMO.items() for m, d in ((6, 15), (9, 28), (12, 20))]
        shared = {key: prices(ledger, *key) for key in days}
        original = whatif.Readers.__init__

        def one_by_one(self, *args):
            original(self, *args)
            self.cross = True  # no shared hypotheticals
            self.reading = {}  # nothing priced alike

        monkeypatch.setattr(whatif.Readers, "__init__", one_by_one)
        alone = {key: prices(ledger, *key) for key in days}
    assert sum(len(v) for v in shared.values()) > 100
    assert sum(1 for v in shared.values() for p in v.values() if p) > 50  # most items cost something
    assert shared == alone
