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
