"""Retractions, corrections, history, the two clocks and tamper evidence."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger


def seed(url, tmp_path):
    setup_units(url, tmp_path)
    events = [
        {"type": "metric", "unit": "jk-czj", "date": "2021-03-01", "id": "m1", "name": "coverage", "value": 75},
        {"type": "warning", "unit": "jk-fgj", "date": "2021-03-10", "id": "w1", "issuer_level": "district"},
        {"type": "criticism", "unit": "jk-fgj", "date": "2021-07-01", "id": "c1", "issuer_level": "district"},
    ]
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0


def test_correct_and_retract_keep_history(db_url, tmp_path):
    seed(db_url, tmp_path)
    run = cli(db_url, "correct", "m1", "--set", "value=80", "--reason", "录入错误", "--date", "2021-04-01")
    assert run.code == 0, run.err
    corr_id = run.out.split()[0]
    run = cli(db_url, "retract", "w1", "--reason", "申诉成立", "--decision", "复核〔2021〕1号", "--date", "2021-04-02")
    assert run.code == 0, run.err
    retr_id = run.out.split()[0]
    with Ledger(db_url) as ledger:
        (m,) = ledger.facts.facts("jk-czj", 2021, None, None)
        assert m.fields["value"] == Decimal(80) and m.corrections == (corr_id,)
        assert [f.id for f in ledger.facts.facts("jk-fgj", 2021, None, None)] == ["c1"]
        # As known before the amendments (revision 5 = after the import), both stand as recorded.
        (m5,) = ledger.facts.facts("jk-czj", 2021, None, 5)
        assert m5.fields["value"] == Decimal(75) and m5.corrections == ()
        assert [f.id for f in ledger.facts.facts("jk-fgj", 2021, None, 5)] == ["w1", "c1"]
    hist = json.loads(cli(db_url, "history", "jk-fgj", "--format", "json").out)
    w1 = next(h for h in hist if h["id"] == "w1")
    assert w1["retracted_by"] == retr_id and w1["issuer_level"] == "district"
    assert [h["type"] for h in hist] == ["warning", "criticism", "retraction"]
    table = cli(db_url, "history", "jk-czj").out
    assert "corrected by " + corr_id in table and "tester" in table


def test_retracting_a_retraction_restores_the_fact(db_url, tmp_path):
    seed(db_url, tmp_path)
    retr = cli(db_url, "retract", "w1", "--reason", "x").out.split()[0]
    assert cli(db_url, "retract", retr, "--reason", "撤销错误的撤回").code == 0
    with Ledger(db_url) as ledger:
        assert [f.id for f in ledger.facts.facts("jk-fgj", 2021, None, None)] == ["w1", "c1"]


def test_bad_corrections_are_rejected(db_url, tmp_path):
    seed(db_url, tmp_path)
    run = cli(db_url, "correct", "w1", "--set", "issuer_level=town", "--reason", "x")
    assert run.code == 2 and "field 'changes.issuer_level'" in run.err
    run = cli(db_url, "correct", "w1", "--set", "unit=jk-czj", "--reason", "x")
    assert run.code == 2 and "changes.unit" in run.err
    run = cli(db_url, "correct", "w1", "--set", "date=2022-01-01", "--reason", "x")
    assert run.code == 2 and "assessment year (2021)" in run.err
    run = cli(db_url, "correct", "nope", "--set", "value=1", "--reason", "x")
    assert run.code == 2 and "'nope'" in run.err


def test_as_of_and_known_at_timestamp(db_url, tmp_path):
    now = [dt.datetime(2021, 7, 1, 1, 0, tzinfo=dt.UTC)]
    ledger = Ledger(db_url, actor="office", clock=lambda: now[0])
    ledger.init()
    units = tmp_path / "u.csv"
    units.write_text("id,name,groups\njk-fgj,发改局,jingkai-unit\n", encoding="utf-8")
    ledger.import_units(str(units))                                  # revision 1 at 01:00Z
    now[0] = dt.datetime(2021, 7, 1, 2, 0, tzinfo=dt.UTC)
    ledger.import_file(write_jsonl(tmp_path / "a.jsonl", [
        {"type": "warning", "unit": "jk-fgj", "date": "2021-06-10", "id": "w1", "issuer_level": "district"},
        {"type": "warning", "unit": "jk-fgj", "date": "2021-07-02", "id": "w2", "issuer_level": "district"},
    ]))                                                              # revisions 2-3 at 02:00Z
    now[0] = dt.datetime(2021, 7, 6, 2, 0, tzinfo=dt.UTC)
    ledger.retract("w1", "appeal", date=dt.date(2021, 7, 6))         # revision 4 on 07-06
    june = dt.date(2021, 6, 30)
    assert [f.id for f in ledger.facts.facts("jk-fgj", 2021, june, None)] == []
    # 2021-07-05T10:00+08:00 is 02:00Z on 07-05: the ledger knew revisions 1-3.
    k = ledger.resolve_known_at("2021-07-05T10:00:00+08:00")
    assert k == 3
    assert [f.id for f in ledger.facts.facts("jk-fgj", 2021, june, k)] == ["w1"]
    assert [f.id for f in ledger.facts.facts("jk-fgj", 2021, None, k)] == ["w1", "w2"]
    assert ledger.resolve_known_at("2021-07-01T08:30:00+08:00") == 0  # 00:30Z: nothing yet
    ledger.close()
