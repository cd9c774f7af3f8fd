"""Writing: import (JSONL, CSV with BOM), idempotency, atomicity, bad input, record."""

from __future__ import annotations

import json

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger

EVENTS = [
    {"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "id": "w1", "issuer_level": "district",
     "source": "吉经开营商办〔2021〕3号"},
    {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-12-28", "id": "t1", "ticket": "T1",
     "due": "2022-01-05"},
    {"type": "hotline_replied", "unit": "jk-czj", "date": "2022-01-03", "id": "t1r", "ticket": "T1",
     "quality": "ok"},
    {"type": "metric", "unit": "jk-czj", "date": "2021-06-01", "id": "m1", "name": "x", "value": 98.5},
    {"type": "report_submitted", "unit": "jk-fgj", "date": "2022-01-05", "id": "r4",
     "report": "quarterly_progress", "period": "2021-Q4"},
]


def head(url: str) -> int:
    with Ledger(url) as ledger:
        return ledger.head()[0]


def test_import_is_idempotent_and_counts(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = write_jsonl(tmp_path / "e.jsonl", EVENTS)
    first = cli(db_url, "import", path)
    assert first.code == 0 and "5 new, 0 already present" in first.out
    again = cli(db_url, "import", path)
    assert again.code == 0 and "0 new, 5 already present" in again.out
    assert head(db_url) == 2 + 5  # two unit registrations, five events


def test_streams_are_unit_years_and_follow_ups_join_their_ticket(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", EVENTS))
    with Ledger(db_url) as ledger:
        streams = dict(ledger.store.streams_of("jk-czj"))
        # The 2022 reply to a 2021 ticket and the Q4 report filed in 2022 stay in 2021.
        assert streams == {"unit:jk-czj:2021": 2021}
        assert [s for s, _ in ledger.store.streams_of("jk-fgj")] == ["unit:jk-fgj:2021"]
        records = ledger.store.read_stream("unit:jk-czj:2021")
        assert [r.type for r in records] == ["hotline_ticket", "hotline_replied", "metric"]
        assert [r.revision for r in records] == [4, 5, 6]
        assert all(r.data["actor"] == "tester" for r in records)
        assert all(r.data["recorded_at"].endswith("Z") for r in records)


def test_csv_with_excel_bom_mixed_types(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    text = ("type,unit,date,id,issuer_level,name,value,evidence\n"
            "criticism,jk-fgj,2021-04-02,c1,county,,,\n"
            'metric,jk-czj,2021-05-01,m2,,dual_notice_claim_rate,98.5,"[{""name"": ""截图.png"", '
            '""sha256"": ""' + "a" * 64 + '""}]"\n')
    path = tmp_path / "mixed.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    run = cli(db_url, "import", str(path))
    assert run.code == 0, run.err
    assert "2 new" in run.out
    with Ledger(db_url) as ledger:
        facts = ledger.facts.facts("jk-czj", 2021, None, None)
        assert [(f.id, str(f.fields["value"])) for f in facts] == [("m2", "98.5")]
        stored = ledger.store.read_stream("unit:jk-czj:2021")[0].data
        assert stored["evidence"] == [{"name": "截图.png", "sha256": "a" * 64}]


@pytest.mark.parametrize("line, field, expected", [
    ({"type": "warnin", "unit": "jk-fgj", "date": "2021-01-01"}, "type", "one of: accountability"),
    ({"type": "warning", "unit": "jk-fgj", "date": "2021-01-01", "issuer_level": "city", "colour": "red"},
     "colour", "the fields of 'warning' are"),
    ({"type": "warning", "unit": "jk-fgj", "date": "2021-02-30", "issuer_level": "city"}, "date",
     "ISO date"),
    ({"type": "warning", "unit": "nobody", "date": "2021-01-01", "issuer_level": "city"}, "unit",
     "registered unit id"),
    ({"type": "warning", "unit": "jk-fgj", "date": "2021-01-01", "issuer_level": "town"}, "issuer_level",
     "'central', 'province'"),
    ({"type": "finding", "unit": "jk-fgj", "date": "2021-01-01", "item": "x", "result": "found", "count": 0},
     "count", "a whole number ≥ 1"),
    ({"type": "hotline_replied", "unit": "jk-fgj", "date": "2021-01-01", "ticket": "NOPE", "quality": "ok"},
     "ticket", "hotline_ticket of unit 'jk-fgj'"),
    ({"type": "retraction", "unit": "jk-fgj", "date": "2021-01-01", "target": "missing", "reason": "x"},
     "target", "id of an event already in the ledger"),
    ({"type": "warning", "unit": "jk-fgj", "date": "2021-01-01", "issuer_level": "city", "revision": 3},
     "revision", "the ledger assigns"),
])
def test_bad_line_exit_2_names_file_line_field_and_writes_nothing(db_url, tmp_path, line, field, expected):
    setup_units(db_url, tmp_path)
    good = {"type": "warning", "unit": "jk-fgj", "date": "2021-01-01", "issuer_level": "city", "id": "ok1"}
    path = write_jsonl(tmp_path / "bad.jsonl", [good, good | {"id": "ok2"}, line])
    before = head(db_url)
    run = cli(db_url, "import", path)
    assert run.code == 2
    assert f"bad.jsonl:3: field '{field}'" in run.err
    assert expected in run.err
    assert "Traceback" not in run.err
    assert head(db_url) == before


def test_broken_json_and_missing_file(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = tmp_path / "broken.jsonl"
    path.write_text('{"type": "warning"\n', encoding="utf-8")
    run = cli(db_url, "import", str(path))
    assert run.code == 2 and "broken.jsonl:1" in run.err and "JSON" in run.err
    run = cli(db_url, "import", str(tmp_path / "nope.jsonl"))
    assert run.code == 2 and "nope.jsonl" in run.err


def test_same_id_other_content_names_the_fields_that_differ(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    cli(db_url, "import", write_jsonl(tmp_path / "a.jsonl", EVENTS[:1]))
    changed = dict(EVENTS[0], issuer_level="county")
    run = cli(db_url, "import", write_jsonl(tmp_path / "b.jsonl", [changed]))
    assert run.code == 2
    assert "b.jsonl:1: field 'id'" in run.err
    # issue #15: the field that differs (before → after) and the command that changes it
    assert "issuer_level: 'district' → 'county'" in run.err and "ledger correct w1 --set issuer_level=county" in run.err
    # Within one file too, naming the earlier line.
    run = cli(db_url, "import", write_jsonl(tmp_path / "c.jsonl", [EVENTS[1], dict(EVENTS[1], due="2022-02-01")]))
    assert run.code == 2 and "line 1 has" in run.err and "c.jsonl:2" in run.err


def test_dry_run_writes_nothing(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    before = head(db_url)
    run = cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", EVENTS), "--dry-run")
    assert run.code == 0 and "would import: 5 new" in run.out
    assert head(db_url) == before


def test_record_prints_id_and_revision_and_coerces_set_values(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    run = cli(db_url, "record", "finding", "--unit", "jk-fgj", "--date", "2021-05-05", "--id", "f1",
              "--set", "item=disclosure_task", "--set", "result=not_done", "--set", "count=2")
    assert run.code == 0, run.err
    assert run.out.strip() == "f1 revision 3"
    with Ledger(db_url) as ledger:
        (fact,) = ledger.facts.facts("jk-fgj", 2021, None, None)
        assert fact.fields["count"] == 2
    bad = cli(db_url, "record", "finding", "--unit", "jk-fgj", "--date", "2021-05-05",
              "--set", "item=x", "--set", "result=found", "--set", "count=two")
    assert bad.code == 2 and "field 'count'" in bad.err and "whole number" in bad.err


def test_units_import_update_and_list(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    again = tmp_path / "u2.jsonl"
    again.write_text(json.dumps({"id": "jk-fgj", "name": "发展和改革局", "groups": ["jingkai-unit"],
                                 "divisions": ["法规处", "规划处"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    run = cli(db_url, "units", "import", str(again))
    assert run.code == 0 and "1 registered or updated, 0 unchanged" in run.out
    listed = json.loads(cli(db_url, "units", "list", "--format", "json").out)
    assert listed[1] == {"id": "jk-fgj", "name": "发展和改革局", "groups": ["jingkai-unit"],
                         "divisions": ["法规处", "规划处"]}
    table = cli(db_url, "units", "list").out
    assert "发展和改革局" in table
    bad = tmp_path / "u3.csv"
    bad.write_text("id,name,groups,colour\nx,某局,g,red\n", encoding="utf-8")
    run = cli(db_url, "units", "import", str(bad))
    assert run.code == 2 and "u3.csv:2: field 'colour'" in run.err


@pytest.mark.slow  # a new Python process
def test_python_cli_py_runs_the_same_command(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    url = f"sqlite:///{tmp_path}/l.db"
    out = subprocess.run([sys.executable, str(root / "cli.py"), "--db", url, "init"], capture_output=True,
                         text=True, check=True)
    assert "store ready" in out.stdout


def test_csv_correction_with_changes_as_json_text_is_idempotent(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", EVENTS))
    path = tmp_path / "fix.csv"
    path.write_text('type,unit,date,id,target,changes,reason\n'
                    'correction,jk-czj,2021-07-01,fix-m1,m1,"{""value"": ""96.5""}",录入错误\n', encoding="utf-8")
    assert "1 new" in cli(db_url, "import", str(path)).out
    # "96.5" (text in a CSV cell) is stored as the number 96.5: the same content as JSON's 96.5.
    again = write_jsonl(tmp_path / "fix.jsonl", [{"type": "correction", "unit": "jk-czj", "date": "2021-07-01",
                                                  "id": "fix-m1", "target": "m1", "changes": {"value": 96.5},
                                                  "reason": "录入错误"}])
    assert "0 new, 1 already present" in cli(db_url, "import", again).out
    with Ledger(db_url) as ledger:
        (metric,) = [f for f in ledger.facts.facts("jk-czj", 2021, None, None) if f.id == "m1"]
        assert str(metric.fields["value"]) == "96.5" and metric.corrections == ("fix-m1",)


def test_a_mistyped_sqlite_store_is_not_created_by_reading(tmp_path):
    url = f"sqlite:///{tmp_path}/typo.db"
    run = cli(url, "score", "--policy", "jingkai-2021")
    assert run.code == 3 and "no store at" in run.err and "ledger init" in run.err
    assert not (tmp_path / "typo.db").exists()
    assert cli(url, "history", "x").code == 3 and not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize("line, field, expected", [
    ({"type": "warning", "unit": "jk-fgj", "date": 1614556800, "issuer_level": "city"}, "date", "YYYY-MM-DD"),
    ({"type": "warning", "unit": "jk-fgj", "date": "2021-03-01T00:00:00", "issuer_level": "city"}, "date",
     "YYYY-MM-DD"),
    ({"type": "inspection_named", "unit": "jk-fgj", "date": "2021-03-01", "issuer_level": "city", "severe": "yes"},
     "severe", "true or false"),
])
def test_strict_dates_flags_and_exact_numbers(tmp_path, line, field, expected):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    run = cli(url, "import", write_jsonl(tmp_path / "x.jsonl", [line]))
    assert run.code == 2 and f"field '{field}'" in run.err and expected in run.err


def test_a_store_of_another_format_is_refused_clearly(db_url, tmp_path):
    """A store made by an earlier layout (format 1 had no ledger_meta) is never half-read or
    upgraded in place by `init`: every command exits 3 naming both formats."""
    setup_units(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        b = ledger.store.backend
        with b.transaction(commit=True) as c:
            c.execute("DROP TABLE ledger_meta")
    for args in (["history", "x"], ["verify"], ["init"], ["units", "list"], ["migrate"]):
        run = cli(db_url, *args)
        assert run.code == 3, args
        assert "store format 1" in run.err and "format 5" in run.err and "Traceback" not in run.err
        assert "record its events into a new store" in run.err  # `ledger migrate` upgrades formats 2 and 3 only


W = '"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "issuer_level": "city"'
T = '"type": "training_session", "unit": "jk-fgj", "date": "2021-03-01", "topic": "营商环境"'
M = '"type": "metric", "unit": "jk-fgj", "date": "2021-03-01", "name": "x"'


@pytest.mark.parametrize("text, field, expected", [
    # JSON's own types: no boolean or fraction for a count, no text for a flag
    (f'{{{T}, "attendees": true}}', "attendees", "a whole number ≥ 0 as a JSON number (at most 2^53) (got true)"),
    (f'{{{T}, "attendees": 3.0}}', "attendees", "a whole number ≥ 0 as a JSON number (at most 2^53) (got 3.0)"),
    (f'{{{T}, "attendees": "12"}}', "attendees", "as a JSON number"),
    (f'{{{M}, "value": "12"}}', "value", "a JSON number, not text"),
    ('{"type": "inspection_named", "unit": "jk-fgj", "date": "2021-03-01", "issuer_level": "city", '
     '"severe": "true"}', "severe", "true or false"),
    # numbers beyond what a double holds are refused, not rounded
    (f'{{{M}, "value": 12345678901234567.5}}', "value", "12345678901234567.5 would be stored as 12345678901234568"),
    (f'{{{M}, "value": 0.12345678901234567891}}', "value", "would be stored as 0.12345678901234568"),
    (f'{{{M}, "value": "１２"}}', "value", "a JSON number, not text"),
    (f'{{{T}, "attendees": "１２"}}', "attendees", "a whole number ≥ 0"),
    # blank text is no value
    (f'{{{W}, "issuer": " "}}', "issuer", "text with a visible character"),
    (f'{{{W}, "note": ""}}', "note", "text with a visible character"),
    # a key twice: the first value would be lost
    (f'{{{W}, "issuer_level": "province"}}', "issuer_level", "each key once"),
    # nested values name their field
    ('{"type": "correction", "unit": "jk-fgj", "date": "2021-03-02", "target": "w1", "changes": "value=5", '
     '"reason": "r"}', "changes", "an object"),
    (f'{{{W}, "evidence": ["a.pdf"]}}', "evidence.0", '{"name": …, "sha256": …}'),
    (f'{{{W}, "evidence": [{{"name": "a", "sha256": "{"a" * 64}", "x": 1}}]}}', "evidence.0.x",
     "an evidence entry has: name, sha256"),
])
def test_json_lines_keep_json_types_and_name_the_field(tmp_path, text, field, expected):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    before = head(url)
    (tmp_path / "x.jsonl").write_text(text + "\n", encoding="utf-8")
    run = cli(url, "import", str(tmp_path / "x.jsonl"))
    assert run.code == 2 and f"x.jsonl:1: field '{field}'" in run.err and expected in run.err, run.err
    assert "Traceback" not in run.err and head(url) == before


def test_json_and_csv_agree_on_counts_numbers_and_flags(tmp_path):
    """Text digits in a CSV cell are the count a JSON number is; a computed ratio a double holds
    (17 digits) is kept exactly; a blank CSV cell is absent."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    (tmp_path / "a.jsonl").write_text(
        f'{{{T}, "id": "t1", "attendees": 12}}\n{{{M}, "id": "m1", "value": 33.333333333333336}}\n'
        '{"type": "inspection_named", "unit": "jk-fgj", "date": "2021-03-01", "id": "i1", "issuer_level": "city", '
        '"severe": true}\n', encoding="utf-8")
    assert cli(url, "import", str(tmp_path / "a.jsonl")).code == 0
    (tmp_path / "b.csv").write_text(
        "type,unit,date,id,topic,attendees,name,value,issuer_level,severe,note\n"
        "training_session,jk-fgj,2021-03-01,t1,营商环境, 12 ,,,,, \n"
        "metric,jk-fgj,2021-03-01,m1,,,x,33.333333333333336,,,\n"
        "inspection_named,jk-fgj,2021-03-01,i1,,,,,city,TRUE,\n", encoding="utf-8")
    run = cli(url, "import", str(tmp_path / "b.csv"))
    assert run.code == 0 and "0 new, 3 already present" in run.out, run.out + run.err
    with Ledger(url) as ledger:
        facts = {f.id: f for f in ledger.facts.facts("jk-fgj", 2021, None, None)}
    assert facts["t1"].fields["attendees"] == 12 and "note" not in facts["t1"].fields
    assert str(facts["m1"].fields["value"]) == "33.333333333333336"
    assert facts["i1"].fields["severe"] is True


def test_an_id_reused_batches_later_names_the_first_line_not_a_rolled_back_revision(tmp_path, monkeypatch):
    import ledger.intake.batches

    monkeypatch.setattr(ledger.intake.batches, "BATCH", 2)
    looked_up = []
    real = ledger.intake.batches._earlier_line
    monkeypatch.setattr(ledger.intake.batches, "_earlier_line", lambda *a: looked_up.append(a) or real(*a))
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    before = head(url)
    lines = [{"type": "warning", "unit": "jk-fgj", "date": f"2021-03-0{i}", "id": f"w{i}", "issuer_level": "city"}
             for i in range(1, 6)]
    lines.append(lines[0] | {"issuer_level": "province"})
    run = cli(url, "import", write_jsonl(tmp_path / "x.jsonl", lines))
    assert run.code == 2 and "x.jsonl:6: field 'id'" in run.err
    assert "id 'w1' is used twice with different content: line 1 has" in run.err and "revision" not in run.err
    assert '"issuer_level":"city"' in run.err and '"issuer_level":"province"' in run.err
    assert len(looked_up) == 1  # w1 was in an earlier batch: only its record was kept
    assert head(url) == before


def test_a_csv_saved_in_gbk_names_the_first_line_that_is_not_utf8(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    rows = ["type,unit,date,id,issuer_level,issuer"] + [f"warning,jk-fgj,2021-03-0{i},w{i},city,市营商办"
                                                          for i in range(1, 4)]
    data = b"\r\n".join([rows[0].encode(), rows[1].encode(), rows[2].encode("gbk"), rows[3].encode()]) + b"\r\n"
    (tmp_path / "gbk.csv").write_bytes(data)
    before = head(url)
    run = cli(url, "import", str(tmp_path / "gbk.csv"))
    assert run.code == 2 and "gbk.csv:3:" in run.err and "UTF-8 text" in run.err and "CSV UTF-8" in run.err
    assert head(url) == before


def test_a_file_that_is_not_a_ledger_store_or_is_damaged_is_exit_3_without_traceback(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 200)
    url = f"sqlite:///{garbage}"
    for args in (["units", "list"], ["init"], ["verify"], ["history", "x"], ["import", str(garbage)]):
        run = cli(url, *args)
        assert run.code == 3 and "not a database" in run.err and "Traceback" not in run.err, (args, run.err)
    # A real store cut in half (a failed copy): whatever command meets the damage says so.
    good = f"sqlite:///{tmp_path}/l.db"
    setup_units(good, tmp_path)
    events = [{"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "id": f"w{i}", "issuer_level": "city",
               "note": "x" * 2000} for i in range(300)]
    assert cli(good, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    data = (tmp_path / "l.db").read_bytes()
    (tmp_path / "cut.db").write_bytes(data[: len(data) // 2])
    run = cli(f"sqlite:///{tmp_path}/cut.db", "verify")
    assert run.code in (1, 3) and "Traceback" not in run.err, run.err


def test_a_unit_row_without_groups_is_refused_not_dropped_from_every_track(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    for text, line in (("id,name\njk-fgj,发改局\n", 2),
                       ("id,name,groups\njk-czj,财政局,jingkai-unit\njk-fgj,发改局,\n", 3)):
        (tmp_path / "u2.csv").write_text(text, encoding="utf-8")
        run = cli(db_url, "units", "import", str(tmp_path / "u2.csv"))
        assert run.code == 2 and f"u2.csv:{line}: field 'groups'" in run.err, run.err
    listed = cli(db_url, "units", "list").out
    assert "jingkai-unit" in listed.split("jk-fgj", 1)[1].splitlines()[0]  # still in its group
