"""The focused scoreboard behind `explain` gives the same card as scoring the whole track."""

from __future__ import annotations

from pathlib import Path

from helpers import cli
from test_cli_scoring import POLICY, setup

from ledger.app import Ledger
from ledger.policies import load_policy_file


def test_focus_card_equals_full_card(db_url, tmp_path):
    setup(db_url, tmp_path)
    cli(db_url, "retract", "a-m0", "--reason", "x")
    policy = load_policy_file(POLICY)
    with Ledger(db_url) as ledger:
        full = ledger.scoreboard(policy)
        for unit in ("a", "b", "c"):
            focused = ledger.scoreboard(policy, focus=unit)
            (card,) = focused.cards["main"]
            whole = full.card(unit)
            assert card.explanation() == whole.explanation()
            assert card.rank is None and whole.rank is not None
        # Peers are read only for the rank rule's fact types: no warnings or criticisms.
        peers = ledger.facts.facts_for(["b", "c"], 2021, None, None, {"media_report"})
        assert {f.type for fs in peers.values() for f in fs} == {"media_report"}
    assert Path(POLICY).exists()


def test_warm_peer_slices_follow_new_records(db_url, tmp_path):
    """Peers' rank inputs are cached in memory; a later retraction must still be seen."""
    setup(db_url, tmp_path)
    policy = load_policy_file(POLICY)
    with Ledger(db_url) as ledger:
        before = ledger.scoreboard(policy, focus="b").cards["main"][0]
        assert before.indicator("media").points == 2  # place 2 behind a's 3 reports
        ledger.retract("a-m0", "非省级媒体")  # a: 2 reports → a, b, c tie at place 1
        after = ledger.scoreboard(policy, focus="b").cards["main"][0]
        assert after.indicator("media").points == 3
        assert after.explanation() == ledger.scoreboard(policy).card("b").explanation()
        # And as known before the retraction, from the same warm slices.
        known = ledger.head()[0] - 1
        again = ledger.scoreboard(policy, focus="b", known_at=known).cards["main"][0]
        assert again.indicator("media").points == 2
