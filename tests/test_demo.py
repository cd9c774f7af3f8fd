"""`ledger demo` loads the bundled sample year and explains the unit that lost most points."""

from __future__ import annotations

from helpers import cli

from ledger.app import Ledger
from ledger.demo import biggest_loser, points_lost


def test_demo_runs_twice_and_explains_the_biggest_loser(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.db"
    first = cli(url, "demo")
    assert first.code == 0, first.err
    assert "jingkai-2021@1" in first.out and "jiangxian-2021@1" in first.out
    again = cli(url, "demo")
    assert again.code == 0 and "0 new events" in again.out  # idempotent re-load
    with Ledger(url) as ledger:
        import datetime as dt
        board = ledger.scoreboard(ledger.policy("jingkai-2021"), as_of=dt.date(2022, 1, 31))
        card, lost = biggest_loser(board)
        assert lost == max(points_lost(c) for c in board.all_cards()) and lost > 0
        # The explanation printed is that unit's, and its lines add up to its total.
        assert f"The unit that lost most points under jingkai-2021@1: {card.unit}" in first.out
        assert sum(line.delta for line in card.lines) == card.total
        assert ledger.verify().ok
