"""The back-end seam: the few operations whose SQL differs give the same results on both stores."""

from __future__ import annotations

from helpers import setup_units

from ledger.app import Ledger
from ledger.store.eventstore import select_in


def test_upsert_last_row_wins_and_updates_existing_keys(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=False) as c:
            b.upsert(c, "ledger_threads", ("thread", "stream"), ("text", "text"),
                     [("k1", "s1"), ("k2", "s2"), ("k1", "s3")])
            b.upsert(c, "ledger_threads", ("thread", "stream"), ("text", "text"), [("k2", "s4")])
            rows = b.query(c, "SELECT thread, stream FROM ledger_threads WHERE thread IN ('k1', 'k2') ORDER BY thread")
            assert [(r["thread"], r["stream"]) for r in rows] == [("k1", "s3"), ("k2", "s4")]


def test_select_in_spans_chunks_and_ignores_repeated_keys(db_url, tmp_path, monkeypatch):
    setup_units(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        b = ledger.store.backend
        monkeypatch.setattr(b, "in_chunk", 2)
        with b.transaction(commit=False) as c:
            b.upsert(c, "ledger_threads", ("thread", "stream"), ("text", "text"),
                     [(f"k{i}", f"s{i}") for i in range(5)])
            rows = select_in(b, c, "SELECT thread, stream FROM ledger_threads WHERE thread IN ({marks})",
                             ["k4", "k0", "k4", "k2", "nope", "k3"])
            assert sorted((r["thread"], r["stream"]) for r in rows) == [("k0", "s0"), ("k2", "s2"), ("k3", "s3"),
                                                                         ("k4", "s4")]


def test_appeal_listing_reads_a_partial_index_not_the_log(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=False) as c:
            if db_url.startswith("sqlite"):
                plan = " ".join(str(tuple(r)) for r in b.query(
                    c, "EXPLAIN QUERY PLAN SELECT DISTINCT originator_id FROM ledger_events"
                       " WHERE topic IN ('appeal_filed', 'appeal_decided')"))
                assert "ledger_events_appeals" in plan
            else:
                rows = b.query(c, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ledger_events_appeals'"
                                  " AND schemaname = current_schema()")
                assert "WHERE" in rows[0]["indexdef"] and "appeal_filed" in rows[0]["indexdef"]
