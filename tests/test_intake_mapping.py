"""Platform exports through ``--mapping`` (issue #15): a 12345 ticket export row becomes a
ticket, its reply and its callback, ids from 工单编号 (re-imports are idempotent) — on both
stores; relative levels resolved by a mapping's values; bad mapping files name file and key."""

from __future__ import annotations

import csv
import json
import os

import openpyxl
import pytest
from helpers import cli, setup_units

from ledger.intake.mapping import bundled

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "12345-tickets-export.csv")


def stored(url, unit):
    run = cli(url, "history", unit, "--format", "json")
    return {e["id"]: e for e in json.loads(run.out)}


def export_rows():
    with open(FIXTURE, encoding="gbk", newline="") as handle:
        return list(csv.reader(handle))


def test_ticket_export_becomes_three_events_per_row_on_both_stores(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    run = cli(db_url, "import", FIXTURE, "--mapping", bundled("12345-tickets.yaml"))
    assert run.code == 0, run.err
    # four tickets, three closed (replied), three called back
    assert run.out.strip().endswith("10 new, 0 already present")
    again = cli(db_url, "import", FIXTURE, "--mapping", "12345-tickets")  # a bundled mapping by name
    assert again.code == 0 and again.out.strip().endswith("0 new, 10 already present"), again.err
    # the same export saved as xlsx (date-time cells): the same events
    book = openpyxl.Workbook()
    for row in export_rows():
        book.active.append(row)
    book.active["D3"].value = __import__("datetime").datetime(2021, 6, 3, 9, 12, 45)
    xlsx = str(tmp_path / "导出.xlsx")
    book.save(xlsx)
    as_xlsx = cli(db_url, "import", xlsx, "--mapping", "12345-tickets")
    assert as_xlsx.code == 0 and as_xlsx.out.strip().endswith("0 new, 10 already present"), as_xlsx.err


def test_mapped_events_are_canonical(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    assert cli(url, "import", FIXTURE, "--mapping", "12345-tickets").code == 0
    found = stored(url, "jk-czj")
    ticket, callback = found["12345-20210603002"], found["12345-20210603002-callback"]
    unhappy = found["12345-20210604001-callback"]
    assert "12345-20210605001-replied" not in found  # not closed: no reply
    assert (ticket["unit"], ticket["date"], ticket["due"], ticket["ticket"]) == \
        ("jk-czj", "2021-06-03", "2021-06-08", "20210603002")
    assert callback["satisfied"] is True  # 基本满意, from the mapping's values
    assert unhappy["satisfied"] is False  # 不满意, the catalogue's word


def test_failing_export_rows_and_errors_sheet(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    rows = export_rows()
    rows[3][2] = "不存在局"  # an unknown unit: all three events of that row fail
    rows[5][4] = "2021-06-01"  # due before received
    path = tmp_path / "bad.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "errors.csv"
    run = cli(url, "import", str(path), "--mapping", "12345-tickets", "--errors", str(out))
    assert run.code == 2
    assert f"{path}:4" in run.err and f"{path}:6" in run.err and "unit" in run.err
    with open(out, encoding="utf-8-sig") as handle:
        written = list(csv.reader(handle))
    assert written[0][:3] == ["工单编号", "诉求类型", "承办单位"] and written[0][-1] == "问题"
    assert [r[0] for r in written[1:]] == ["20210603002", "20210605001"]


def test_export_without_the_mapped_columns(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = tmp_path / "other.csv"
    path.write_text("编号,单位,时间\n1,财政局,2021-06-03\n", encoding="utf-8")
    run = cli(url, "import", str(path), "--mapping", "12345-tickets")
    assert run.code == 2
    assert "工单编号" in run.err and "12345-tickets.yaml" in run.err


def test_mapping_values_resolve_relative_levels(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = tmp_path / "批评.csv"
    path.write_text("类型,单位,日期,编号,发文层级\n通报批评,发改局,2021/6/3,c1,市级\n警示,发改局,2021/6/4,c2,本级\n",
                    encoding="utf-8")
    refused = cli(url, "import", str(path))
    assert refused.code == 2 and "--mapping" in refused.err
    mapping = tmp_path / "our-office.yaml"
    mapping.write_text("values:\n  issuer_level: {市级: city, 本级: district}\n", encoding="utf-8")
    run = cli(url, "import", str(path), "--mapping", str(mapping))
    assert run.code == 0 and "2 new" in run.out, run.err
    assert stored(url, "jk-fgj")["c2"]["issuer_level"] == "district"
    assert stored(url, "jk-fgj")["c1"]["issuer_level"] == "city"


@pytest.mark.parametrize("text,key,expected", [
    ("- just a list\n", "(document)", "a YAML mapping with the keys"),
    ("event: []\n", "event", "one of the keys values, events, header_row"),
    ("events:\n  - type: hotline_tiket\n    fields: {ticket: x}\n", "events[1].type", "an event type"),
    ("events:\n  - type: hotline_callback\n    fields: {unit: u, date: d, ticket: t, satisfied: s, qualty: ok}\n",
     "events[1].fields.qualty", "a field of hotline_callback"),
    ("events:\n  - type: hotline_replied\n    fields: {unit: u, date: d, ticket: t}\n",
     "events[1].fields", "missing: quality"),
    ("events:\n  - type: hotline_responded\n    fields: {unit: u, date: '{受理时间|time}', ticket: t}\n",
     "events[1].fields.date", "a filter among date"),
    ("events:\n  - type: hotline_responded\n    fields: {unit: '{单位', date: d, ticket: t}\n",
     "events[1].fields.unit", "braces only around a column name"),
    ("values:\n  issuer_level: [市级]\n", "values.issuer_level", "a mapping of the export's words"),
    ("header_row: 0\nvalues: {a: {b: c}}\n", "header_row", "a row number from 1"),
    ("events: [\n", None, "YAML"),
])
def test_bad_mapping_files_name_file_key_and_expectation(tmp_path, text, key, expected):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    mapping = tmp_path / "bad-mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    run = cli(url, "import", FIXTURE, "--mapping", str(mapping))
    assert run.code == 2, run.out
    assert str(mapping) in run.err and expected in run.err, run.err
    if key:
        assert key in run.err


def test_the_bundled_mapping_loads():
    from ledger.intake.mapping import load_mapping

    mapping = load_mapping(bundled("12345-tickets.yaml"))
    assert [e.type for e in mapping.events] == ["hotline_ticket", "hotline_replied", "hotline_callback"]
    assert mapping.columns[:2] == ("工单编号", "承办单位")
