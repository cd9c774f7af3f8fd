"""Caches behind the workbench's speed (benchmarks/web_bench.py): each is keyed so that a new
record changes the answer, never an old one."""

from __future__ import annotations

from helpers import cli, setup_units

from ledger.app import Ledger


def test_roster_memo_follows_registrations_and_known_at(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    with Ledger(db_url, create=False) as ledger:
        before = ledger.head()[0]
        first = ledger.facts.roster()
        assert set(first) == {"jk-fgj", "jk-czj"}
        first.pop("jk-fgj")  # a caller's copy: the memo is not touched
        assert set(ledger.facts.roster()) == {"jk-fgj", "jk-czj"}
        units = tmp_path / "more.csv"
        units.write_text("id,name,groups,divisions\njk-new,新单位,jingkai-unit,\n", encoding="utf-8")
        assert cli(db_url, "units", "import", str(units)).code == 0
        assert set(ledger.facts.roster()) == {"jk-fgj", "jk-czj", "jk-new"}  # a new record: a new roster
        assert set(ledger.facts.roster(before)) == {"jk-fgj", "jk-czj"}  # as known before it
        assert set(ledger.view(before).roster()) == {"jk-fgj", "jk-czj"}
        assert set(ledger.view().roster()) == {"jk-fgj", "jk-czj", "jk-new"}
