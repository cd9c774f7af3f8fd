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


def _score_json(ledger: Ledger, **options) -> str:
    from ledger.reports import formats

    return str(formats.render("score", "json", ledger.scoreboard(ledger.policy("cli-test"), **options)))


def test_kept_facts_give_the_ledgers_own_scores_and_follow_a_new_record(db_url, tmp_path):
    """The facts of a whole stream are kept by (stream, types, version): a new record in a's
    stream makes a's a new entry and leaves b's and c's kept; an as-of reuses them; a known-at
    before a stream's last record reads it as then known (not kept)."""
    import datetime as dt

    from ledger.web.cache import Bounded

    w = make_world(db_url, tmp_path, with_appeals=False)
    plain, kept_ledger = Ledger(w.url, create=False), Ledger(w.url, create=False)
    kept = Bounded(64)
    kept_ledger.facts.kept = kept
    try:
        assert _score_json(kept_ledger) == _score_json(plain)
        streams = kept.misses
        assert streams == len(kept) == 3  # units a, b, c: one stream each, all read once
        # a ranked track reads each unit twice (its rank input, then its card): kept the first time
        assert kept.hits == 3
        assert _score_json(kept_ledger) == _score_json(plain) and (kept.hits, kept.misses) == (9, 3)
        before = plain.head()[0]
        assert cli(w.url, "retract", "a-m0", "--reason", "非省级媒体").code == 0
        assert _score_json(kept_ledger) == _score_json(plain)
        assert (kept.hits, kept.misses) == (14, 4)  # a's stream has a new version; b's and c's kept
        early = dt.date(2021, 3, 31)
        assert _score_json(kept_ledger, as_of=early) == _score_json(plain, as_of=early)
        assert (kept.hits, kept.misses) == (20, 4)  # the as-of cut is made on the kept facts
        # as known before the retraction: a's stream was not whole then (read as known, not kept)
        assert _score_json(kept_ledger, known_at=before) == _score_json(plain, known_at=before)
        assert (kept.hits, kept.misses) == (24, 4)
    finally:
        plain.close()
        kept_ledger.close()


def test_a_kept_card_renders_its_parts_for_the_role_and_language(db_url, tmp_path):
    """One kept result, its lines rendered apart for a unit that may file an appeal (check
    boxes) and for an inspector (none), and in each page language."""
    w = make_world(db_url, tmp_path, with_appeals=False)
    inspector = w.client("inspector")
    unit = w.client("unit")  # ub: unit b's own card
    cache = inspector.app.state.workbench.cache
    card = "/units/b?policy=cli-test"
    seen = inspector.get(card + "&lang=en").text
    assert 'name="targets"' not in seen and "<h2>Indicators</h2>" in seen
    own = unit.get(card).text
    assert 'name="targets"' in own and "<h2>指标</h2>" in own  # another app: its own cache
    again = inspector.get(card + "&lang=zh").text  # the same kept result, now in Chinese
    assert "<h2>指标</h2>" in again and 'name="targets"' not in again
    assert len(cache.results) == 1 and cache.results.hits == 1
    assert set(map(_total, (seen, own, again))) == {_total(seen)}
