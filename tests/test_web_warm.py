"""The workbench's warm-up (ledger/web/warm.py) and the fact view's direct reading of stored
records (``facts_of_rows``): both must give exactly what a request computes by itself."""

from __future__ import annotations

import datetime as dt
import re
import time

from helpers import cli
from webkit import make_world

from ledger.app import Ledger
from ledger.projections.fact_view import effective_facts, facts_of_rows
from ledger.store.eventstore import unit_stream
from ledger.web.warm import ENV, Warmer, warm_refs


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrf" value="[^"]*"', "", html)


def test_warm_refs_are_the_published_policies_of_the_latest_year_or_what_the_setting_names(
        db_url, tmp_path, monkeypatch):
    w = make_world(db_url, tmp_path, with_appeals=False)
    with Ledger(w.url, create=False) as ledger:
        monkeypatch.delenv(ENV, raising=False)
        assert warm_refs(ledger) == ["cli-test@1"]  # loaded with `policy load`; bundled ones are not
        monkeypatch.setenv(ENV, "0")
        assert warm_refs(ledger) == []
        monkeypatch.setenv(ENV, " jiangxian-2021, cli-test ,")
        assert warm_refs(ledger) == ["jiangxian-2021", "cli-test"]


def test_a_warmed_table_is_the_one_a_request_finds_and_the_same_page(db_url, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    w = make_world(db_url, tmp_path, with_appeals=False)
    cold = w.client("inspector").get("/scores/cli-test")
    client = w.client("inspector")
    workbench = client.app.state.workbench
    Warmer(workbench).warm_now()
    tables = workbench.cache.tables
    assert (len(tables), tables.hits, tables.misses) == (1, 0, 1)
    warm = client.get("/scores/cli-test")
    assert warm.status_code == 200 and (tables.hits, tables.misses) == (1, 1)  # found, not computed
    assert _without_csrf(warm.text) == _without_csrf(cold.text)


def test_the_server_warms_at_start_and_after_a_write(db_url, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    w = make_world(db_url, tmp_path, with_appeals=False)
    with w.client() as client:  # the lifespan runs: the warm-up thread starts
        tables = client.app.state.workbench.cache.tables
        _wait(lambda: len(tables) == 1)
        assert cli(w.url, "retract", "a-m0", "--reason", "非省级媒体").code == 0  # the head moves
        _wait(lambda: len(tables) == 2)  # the table at the new head, kept beside the old one's
        from webkit import sign_in

        sign_in(client, "insp")
        misses = tables.misses
        page = client.get("/scores/cli-test")
        assert page.status_code == 200 and tables.misses == misses  # the warmed table at the new head


def _wait(done, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < end, "the warm-up did not finish"
        time.sleep(0.05)


def test_facts_of_rows_are_the_effective_facts_at_every_known_at(db_url, tmp_path):
    """Streams with a retraction, a correction and a retraction of a retraction, read as known
    at each revision and as of two dates: the direct reading equals effective_facts of Records."""
    w = make_world(db_url, tmp_path, with_appeals=False)
    assert cli(w.url, "correct", "a-w1", "--set", "source=某办〔2021〕2号", "--reason", "文号有误").code == 0
    retraction = cli(w.url, "retract", "a-m0", "--reason", "x").out.split()[0]
    assert cli(w.url, "retract", retraction, "--reason", "撤回有误").code == 0
    assert cli(w.url, "retract", "c-c2", "--reason", "错报").code == 0
    with Ledger(w.url, create=False) as ledger:
        head = ledger.head()[0]
        streams = [unit_stream(u, 2021) for u in ("a", "b", "c")]
        read = ledger.store.stream_states(streams, None)
        typed = ledger.store.stream_states(streams, frozenset({"criticism", "retraction", "correction"}))
        compared = 0
        for stream in streams:
            for known_at in (*range(1, head + 1), None):
                for as_of in (None, dt.date(2021, 5, 3)):
                    records = ledger.store.read_stream(stream, upto=known_at)
                    expected = effective_facts(records, as_of, known_at)
                    assert facts_of_rows(stream, read[stream], as_of, known_at) == expected
                    only = effective_facts([r for r in records if r.type in ("criticism", "retraction",
                                                                            "correction")], as_of, known_at)
                    assert facts_of_rows(stream, typed[stream], as_of, known_at) == only
                    compared += bool(expected)
        assert compared > 0
        a = facts_of_rows(streams[0], read[streams[0]], None, None)
        assert {f.id: f.source for f in a}["a-w1"] == "某办〔2021〕2号" and "a-m0" in {f.id for f in a}
        assert "c-c2" not in {f.id for f in facts_of_rows(streams[2], read[streams[2]], None, None)}
