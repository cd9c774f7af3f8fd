"""Caches behind the workbench's speed (benchmarks/web_bench.py): each is keyed so that a new
record changes the answer, never an old one."""

from __future__ import annotations

import re

from helpers import cli, setup_units
from webkit import make_world

from ledger import accounts
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


def _total(html: str) -> str:
    found = re.search(r'id="total" data-total="([^"]*)"', html)
    assert found, html[:300]
    return found.group(1)


def _table_total(html: str, unit: str) -> str:
    found = re.search(rf'data-unit="{unit}">([^<]*)<', html)
    assert found, html[:300]
    return found.group(1)


def test_cached_card_and_table_follow_a_new_record_and_keep_the_old_known_at(db_url, tmp_path):
    w = make_world(db_url, tmp_path)
    client = w.client("inspector")
    cache = client.app.state.workbench.cache
    card, table = "/units/b?policy=cli-test", "/scores/cli-test"  # b gains when a-m0 goes
    before_card, before_table = client.get(card).text, client.get(table).text
    old = Ledger(db_url, create=False)
    known = old.head()[0]
    old.close()
    assert client.get(card).text == before_card and cache.results.hits >= 1  # the same key: served kept
    assert cli(db_url, "retract", "a-m0", "--reason", "非省级媒体").code == 0  # a new record: a new known-at
    after_card, after_table = client.get(card).text, client.get(table).text
    assert _total(after_card) != _total(before_card)
    assert _table_total(after_table, "b") != _table_total(before_table, "b")
    # the result as known at the earlier revision is still that one (its own key)
    pinned = client.get(f"{card}&known_at={known}").text
    assert _total(pinned) == _total(before_card)
    assert _table_total(client.get(f"{table}?known_at={known}").text, "b") == _table_total(before_table, "b")
    # and the as-of date is part of the key
    kept = len(cache.results)
    early = client.get(f"{card}&as_of=2021-01-31").text
    assert len(cache.results) == kept + 1 and 'value="2021-01-31"' in early


def test_result_key_is_policy_track_unit_as_of_known_at():
    import datetime as dt

    from ledger.web.api import result_key

    class P:
        ref, content_hash = "p@1", "sha256:x"

    key = result_key("explain", P(), "main", "a", dt.date(2021, 12, 31), 7)  # type: ignore[arg-type]
    assert key[:7] == ("explain", "p@1", "sha256:x", "main", "a", dt.date(2021, 12, 31), 7)
    assert result_key("explain", P(), "main", "a", dt.date(2021, 12, 31), 8) != key  # type: ignore[arg-type]


def test_bounded_cache_keeps_the_latest_entries():
    from ledger.web.cache import Bounded

    kept = Bounded(2)
    made = []
    for key in ("a", "b", "a", "c", "b"):
        kept.get(key, lambda key=key: made.append(key) or key.upper())
    assert made == ["a", "b", "c", "b"]  # "a" hit once; "b" fell out when "c" came (least recently used)
    assert len(kept) == 2


def test_a_disabled_account_is_out_at_once_through_the_head_cache(db_url, tmp_path):
    w = make_world(db_url, tmp_path, with_appeals=False)
    client = w.client("inspector")
    assert client.get("/").status_code == 200
    with Ledger(db_url, create=False) as ledger:
        accounts.disable(ledger, "insp")  # another process's write: only the head tells this server
    assert client.get("/").status_code == 303
