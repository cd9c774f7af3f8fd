"""Rules the store enforces under its write lock, whatever command writes (import, record, …)."""

from __future__ import annotations

import json

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger
from ledger.errors import InputError

BASE = [
    {"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "id": "w1", "issuer_level": "district"},
    {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-12-28", "id": "t1", "ticket": "T1", "due": "2022-01-05"},
    {"type": "hotline_replied", "unit": "jk-czj", "date": "2022-01-03", "id": "t1r", "ticket": "T1", "quality": "ok"},
    {"type": "appeal_filed", "unit": "jk-fgj", "date": "2021-04-01", "id": "A1", "targets": ["w1"], "grounds": "误报"},
]


def prepared(url, tmp_path):
    setup_units(url, tmp_path)
    assert cli(url, "import", write_jsonl(tmp_path / "base.jsonl", BASE)).code == 0


def head(url):
    with Ledger(url) as ledger:
        return ledger.head()[0]


def test_an_appeal_is_decided_once_and_orders_come_only_with_its_decision(db_url, tmp_path):
    prepared(db_url, tmp_path)
    stray = cli(db_url, "record", "retraction", "--unit", "jk-fgj", "--date", "2021-05-01",
                "--set", "target=w1", "--set", "reason=x", "--set", "appeal=A1")
    assert stray.code == 2 and "field 'appeal'" in stray.err and "appeal decide" in stray.err
    rejected = write_jsonl(tmp_path / "r.jsonl", [
        {"type": "appeal_decided", "unit": "jk-fgj", "date": "2021-05-01", "appeal": "A1", "outcome": "rejected",
         "reason": "证据不足"},
        {"type": "retraction", "unit": "jk-fgj", "date": "2021-05-01", "target": "w1", "reason": "x", "appeal": "A1"}])
    before = head(db_url)
    run = cli(db_url, "import", rejected)
    assert run.code == 2 and "r.jsonl:2" in run.err and "it was rejected" in run.err
    assert head(db_url) == before
    assert cli(db_url, "appeal", "decide", "A1", "--outcome", "rejected", "--reason", "证据不足").code == 0
    again = cli(db_url, "record", "appeal_decided", "--unit", "jk-fgj", "--date", "2021-06-01",
                "--set", "appeal=A1", "--set", "outcome=upheld", "--set", "reason=重新审议")
    assert again.code == 2 and "A1 was already decided" in again.err
    wrong_id = cli(db_url, "record", "appeal_decided", "--unit", "jk-fgj", "--date", "2021-06-01", "--id", "D9",
                   "--set", "appeal=A1", "--set", "outcome=upheld", "--set", "reason=x")
    assert wrong_id.code == 2 and "A1/decision" in wrong_id.err
    listed = json.loads(cli(db_url, "appeal", "list", "--format", "json").out)
    assert [(a["id"], a["status"], a["orders"]) for a in listed] == [("A1", "rejected", [])]


def test_the_ledgers_own_records_cannot_be_retracted_or_appealed(db_url, tmp_path):
    prepared(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        registration = ledger.store.read_stream("ledger:units")[0].id
    run = cli(db_url, "retract", registration, "--reason", "x")
    assert run.code == 2 and "unit_registered records are the ledger's own" in run.err
    run = cli(db_url, "appeal", "file", "--unit", "jk-fgj", "--target", registration, "--grounds", "x")
    assert run.code == 2


def test_ticket_keys_are_not_corrected_and_a_retracted_ticket_can_be_recorded_anew(db_url, tmp_path):
    prepared(db_url, tmp_path)
    run = cli(db_url, "correct", "t1", "--set", "ticket=T2", "--reason", "x")
    assert run.code == 2 and "changes.ticket" in run.err and "retract and record anew" in run.err
    # A follow-up dated in January stays in its 2021 ticket's stream and can be corrected.
    run = cli(db_url, "correct", "t1r", "--set", "quality=perfunctory", "--reason", "答复言之无物")
    assert run.code == 0, run.err
    again = write_jsonl(tmp_path / "again.jsonl", [
        {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-12-29", "id": "t1b", "ticket": "T1",
         "due": "2022-01-06"}])
    run = cli(db_url, "import", again)
    assert run.code == 2 and "already opened and that record is in force" in run.err
    assert cli(db_url, "retract", "t1", "--reason", "受理日期录错").code == 0
    assert cli(db_url, "import", again).code == 0
    with Ledger(db_url) as ledger:
        facts = {f.id: f for f in ledger.facts.facts("jk-czj", 2021, None, None)}
        assert facts["t1b"].date.isoformat() == "2021-12-29" and "t1" not in facts
        assert facts["t1r"].fields["quality"] == "perfunctory"
        assert ledger.verify().ok


def test_ticket_retracted_and_opened_anew_in_one_file_and_no_double_restore(db_url, tmp_path):
    prepared(db_url, tmp_path)
    same_file = write_jsonl(tmp_path / "redo.jsonl", [
        {"type": "retraction", "unit": "jk-czj", "date": "2022-01-10", "id": "t1x", "target": "t1",
         "reason": "受理日期录错"},
        {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-12-29", "id": "t1b", "ticket": "T1",
         "due": "2022-01-06"},
        {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-11-02", "id": "t9", "ticket": "T9",
         "due": "2021-11-09"},
        {"type": "retraction", "unit": "jk-czj", "date": "2021-11-03", "id": "t9x", "target": "t9", "reason": "重复"},
        {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-11-02", "id": "t9b", "ticket": "T9",
         "due": "2021-11-10"},
    ])
    run = cli(db_url, "import", same_file)
    assert run.code == 0, run.err
    # Retracting t1's retraction would make T1 count twice (t1 and t1b): refused.
    run = cli(db_url, "retract", "t1x", "--reason", "撤回有误")
    assert run.code == 2 and "retract t1b first" in run.err
    assert cli(db_url, "retract", "t1b", "--reason", "x").code == 0
    assert cli(db_url, "retract", "t1x", "--reason", "撤回有误").code == 0
    with Ledger(db_url) as ledger:
        tickets = sorted(f.id for f in ledger.facts.facts("jk-czj", 2021, None, None) if f.type == "hotline_ticket")
        assert tickets == ["t1", "t9b"]
        assert ledger.verify().ok


def test_appeal_orders_stay_with_their_appeal(db_url, tmp_path):
    prepared(db_url, tmp_path)
    extra = write_jsonl(tmp_path / "x.jsonl", [
        {"type": "warning", "unit": "jk-fgj", "date": "2021-03-02", "id": "w2", "issuer_level": "district"}])
    assert cli(db_url, "import", extra).code == 0
    run = cli(db_url, "appeal", "decide", "A1", "--outcome", "upheld", "--reason", "x", "--retract", "w2")
    assert run.code == 2 and "one of appeal A1's targets (w1)" in run.err
    run = cli(db_url, "appeal", "decide", "A1", "--outcome", "upheld", "--reason", "误报", "--retract", "w1")
    assert run.code == 0, run.err
    order = run.out.splitlines()[1].split()[0]
    undo = cli(db_url, "retract", order, "--reason", "我不同意")
    assert undo.code == 2 and "undone only by another appeal's decision" in undo.err
    squat = cli(db_url, "record", "warning", "--unit", "jk-fgj", "--date", "2021-03-03", "--id", "A2/decision",
                "--set", "issuer_level=district")
    assert squat.code == 2 and "reserved for appeal decisions" in squat.err


def test_a_findings_item_can_be_corrected(db_url, tmp_path):
    prepared(db_url, tmp_path)
    assert cli(db_url, "record", "finding", "--unit", "jk-fgj", "--date", "2021-06-01", "--id", "f1",
               "--set", "item=double_publicity", "--set", "result=missing").code == 0
    run = cli(db_url, "correct", "f1", "--set", "item=credit_pledge", "--reason", "项目录错")
    assert run.code == 0, run.err


@pytest.mark.parametrize("batch", [1, 2, 5000])
def test_opening_a_ticket_twice_is_judged_the_same_across_batch_boundaries(db_url, tmp_path, monkeypatch, batch):
    """The import works in batches and keeps only the current batch's openers in memory:
    whether the events share a batch or not, the same rule holds."""
    import ledger.intake.batches

    monkeypatch.setattr(ledger.intake.batches, "BATCH", batch)
    setup_units(db_url, tmp_path)
    ticket = {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-11-02", "ticket": "T9", "due": "2021-11-09"}
    twice = write_jsonl(tmp_path / "twice.jsonl", [ticket | {"id": "a"}, ticket | {"id": "b"}])
    with Ledger(db_url) as ledger:
        with pytest.raises(InputError, match="was already opened") as raised:
            ledger.import_file(twice, parallel=False)
        assert raised.value.line == 2 and ledger.head()[0] == 2
    anew = write_jsonl(tmp_path / "anew.jsonl", [
        ticket | {"id": "a"},
        {"type": "retraction", "unit": "jk-czj", "date": "2021-11-03", "id": "ax", "target": "a", "reason": "重复"},
        ticket | {"id": "b"}])
    with Ledger(db_url) as ledger:
        assert ledger.import_file(anew, parallel=False).new == 3
        assert [f.id for f in ledger.facts.facts("jk-czj", 2021, None, None)] == ["b"]


def test_what_a_retraction_in_force_took_out_is_not_retracted_again(db_url, tmp_path):
    prepared(db_url, tmp_path)
    first = cli(db_url, "retract", "w1", "--reason", "重复录入")
    assert first.code == 0
    r1 = first.out.split()[0]
    again = cli(db_url, "retract", "w1", "--reason", "again")
    assert again.code == 2 and f"w1 is already retracted by {r1} at revision" in again.err
    assert f"retract {r1} to restore it" in again.err
    # Restored by retracting the retraction, it can be retracted anew.
    assert cli(db_url, "retract", r1, "--reason", "撤回有误").code == 0
    assert cli(db_url, "retract", "w1", "--reason", "确认重复").code == 0
    # Within one file too.
    before = head(db_url)
    twice = [{"type": "warning", "unit": "jk-fgj", "date": "2021-05-01", "id": "w2", "issuer_level": "city"}]
    twice += [{"type": "retraction", "unit": "jk-fgj", "date": "2021-06-01", "id": f"x{i}", "target": "w2",
               "reason": "r"} for i in (1, 2)]
    run = cli(db_url, "import", write_jsonl(tmp_path / "twice.jsonl", twice))
    assert run.code == 2 and "twice.jsonl:3: field 'target'" in run.err and "already retracted by x1 earlier" in run.err
    assert head(db_url) == before
