"""Excel-first intake (issue #15): GBK CSV with Chinese headers and values, xlsx with a title
row and date cells, every error in one pass with --errors, idempotent re-imports in either
language — on both stores."""

from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger

CHINESE_ROWS = [
    ["类型", "单位", "日期", "编号", "发文层级", "工单号", "办理时限", "质量", "件数", "事项", "结论"],
    ["通报批评", "发改局", "2021/6/3", "c1", "区级", "", "", "", "", "", ""],
    ["警示", "jk-fgj", "2021年6月4日", "c2", "县级", "", "", "", "", "", ""],
    ["12345工单受理", "财政局", "2021-6-5", "t1", "", "T1", "2021-06-10", "", "", "", ""],
    ["工单答复", "财政局", "2021-06-06", "t1r", "", "T1", "", "合格", "", "", ""],
    ["检查发现", "jk-fgj", "2021-06-07", "f1", "", "", "", "", "35.0", "消防", "不合格"],
]
ENGLISH = [
    {"type": "criticism", "unit": "jk-fgj", "date": "2021-06-03", "id": "c1", "issuer_level": "district"},
    {"type": "warning", "unit": "jk-fgj", "date": "2021-06-04", "id": "c2", "issuer_level": "county"},
    {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-06-05", "id": "t1", "ticket": "T1",
     "due": "2021-06-10"},
    {"type": "hotline_replied", "unit": "jk-czj", "date": "2021-06-06", "id": "t1r", "ticket": "T1", "quality": "ok"},
    {"type": "finding", "unit": "jk-fgj", "date": "2021-06-07", "id": "f1", "item": "消防", "result": "不合格",
     "count": 35},
]


def write_csv(path, rows, encoding="gbk", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return str(path)


def head(url):
    with Ledger(url) as ledger:
        return ledger.head()[0]


def stored(url, event_id):
    with Ledger(url) as ledger:
        entry = ledger.store.lookup_ids([event_id])[event_id]
        data = ledger.store.fetch(entry.stream, entry.version) if hasattr(ledger.store, "fetch") else None
    return entry, data


@pytest.mark.parametrize("encoding,delimiter", [("gbk", ","), ("gb18030", ","), ("utf-8", ","), ("utf-8-sig", ","),
                                                ("utf-16", "\t"), ("utf-8", ";")])
def test_chinese_csv_in_every_encoding_imports_canonically(tmp_path, encoding, delimiter):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = write_csv(tmp_path / "台账.csv", CHINESE_ROWS, encoding, delimiter)
    run = cli(url, "import", path)
    assert run.code == 0, run.err
    assert "5 new" in run.out
    # the same facts in English (JSONL) are already present: the stored events are canonical
    again = cli(url, "import", write_jsonl(tmp_path / "e.jsonl", ENGLISH))
    assert again.code == 0 and "0 new, 5 already present" in again.out, again.err + again.out


def test_gbk_csv_with_chinese_headers_on_both_stores(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = write_csv(tmp_path / "台账.csv", CHINESE_ROWS)
    assert cli(db_url, "import", path).code == 0
    assert cli(db_url, "import", path).out.strip().endswith("0 new, 5 already present")
    assert "0 new, 5 already present" in cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", ENGLISH)).out


def test_forced_encoding(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = write_csv(tmp_path / "a.csv", CHINESE_ROWS)
    wrong = cli(url, "import", path, "--encoding", "utf-8")
    assert wrong.code == 2 and "--encoding gb18030" in wrong.err
    assert cli(url, "import", path, "--encoding", "gbk").code == 0


TEN_ERRORS = [
    ["type", "unit", "date", "id", "issuer_level", "ticket", "due", "quality", "count", "item", "result"],
    ["warning", "jk-fgj", "2021-02-30", "e1", "county", "", "", "", "", "", ""],  # 2 bad date
    ["warning", "nobody", "2021-03-01", "e2", "county", "", "", "", "", "", ""],  # 3 unit
    ["warning", "jk-fgj", "2021-03-01", "e3", "市级", "", "", "", "", "", ""],  # 4 relative level
    ["warning", "jk-fgj", "2021-03-01", "ok1", "county", "", "", "", "", "", ""],
    ["hotline_ticket", "jk-czj", "2021-03-05", "t9", "", "T9", "2021-03-01", "", "", "", ""],  # 6 due before
    ["hotline_replied", "jk-czj", "2021-03-06", "t9r", "", "T9", "", "ok", "", "", ""],  # 7 follows from 6
    ["finding", "jk-fgj", "2021-03-01", "e7", "", "", "", "", "3.5", "x", "y"],  # 8 not whole
    ["warnung", "jk-fgj", "2021-03-01", "e8", "county", "", "", "", "", "", ""],  # 9 type
    ["hotline_replied", "jk-czj", "2021-03-06", "e9", "", "T0", "", "ok", "", "", ""],  # 10 unknown ticket
    ["warning", "jk-fgj", "2021-03-01", "ok1", "province", "", "", "", "", "", ""],  # 11 id twice, differs
    ["criticism", "jk-fgj", "", "e10", "county", "", "", "", "", "", ""],  # 12 no date
]


@pytest.mark.parametrize("out", ["errors.csv", "errors.xlsx"])
def test_every_error_in_one_pass_and_the_errors_sheet(db_url, tmp_path, out):
    setup_units(db_url, tmp_path)
    before = head(db_url)
    path = write_csv(tmp_path / "bad.csv", TEN_ERRORS, "utf-8")
    run = cli(db_url, "--lang", "en", "import", path, "--errors", str(tmp_path / out))
    assert run.code == 2
    assert head(db_url) == before  # nothing written
    assert "10 problems" in run.err
    for line in (2, 3, 4, 6, 7, 8, 9, 10, 11, 12):
        assert f"bad.csv:{line}:" in run.err, line
    assert "(follows from line 6)" in run.err
    assert "did you mean" in run.err
    # the errors sheet: the failing rows unchanged, a 问题 column added (every problem of the row)
    if out.endswith(".csv"):
        with open(tmp_path / out, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    else:
        sheet = openpyxl.load_workbook(tmp_path / out).active
        rows = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == TEN_ERRORS[0] + ["问题"]
    assert len(rows) == 11
    assert rows[1][:11] == TEN_ERRORS[1] and rows[1][11].startswith("field 'date': expected")
    # fixed in that sheet (the 问题 column stays), it imports
    fixes = {"e1": ("date", "2021-02-28"), "e2": ("unit", "jk-fgj"), "e3": ("issuer_level", "city"),
             "t9": ("due", "2021-03-09"), "e7": ("count", "3"), "e8": ("type", "warning"), "e9": ("ticket", "T9"),
             "ok1": ("issuer_level", "county"), "e10": ("date", "2021-03-02")}
    header = rows[0]
    fixed = [header]
    for row in rows[1:]:
        row = list(row)
        if row[3] in fixes:
            name, value = fixes[row[3]]
            row[header.index(name)] = value
        fixed.append(row)
    again = write_csv(tmp_path / "fixed.csv", fixed, "utf-8")
    # the rows that were right stay in the original file; import both
    good = write_csv(tmp_path / "good.csv", [TEN_ERRORS[0], TEN_ERRORS[4]], "utf-8")
    assert cli(db_url, "import", good).code == 0
    run = cli(db_url, "import", again)
    assert run.code == 0, run.err


def test_at_most_200_listed_with_the_total(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    rows = [["type", "unit", "date", "issuer_level"]] + [["warning", "jk-fgj", "2021-13-01", "county"]] * 250
    run = cli(url, "--lang", "en", "import", write_csv(tmp_path / "many.csv", rows, "utf-8"))
    assert run.code == 2 and "250 problems" in run.err and "the first 200 listed" in run.err
    assert run.err.count("many.csv:") == 201


def test_unknown_column_is_named_once(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    rows = [["类型", "单位", "日期", "发文层级", "其他"], ["警示", "发改局", "2021-03-01", "县级", "x"]]
    run = cli(url, "--lang", "en", "import", write_csv(tmp_path / "h.csv", rows))
    assert run.code == 2 and "h.csv:1: field '其他'" in run.err and "h.csv:2" not in run.err


def xlsx_ledger(path, title=True):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "扣分台账"
    if title:
        sheet.append(["2021年度营商环境扣分台账"])
        sheet.append([])
    sheet.append(["类型", "单位", "日期", "编号", "发文层级", "件数", "事项", "结论", "合计"])
    sheet.append(["通报批评", "发改局", dt.datetime(2021, 6, 3), "c1", "区级", None, None, None, "=1+1"])
    sheet.append(["检查发现", "发改局", dt.date(2021, 6, 7), "f1", None, 35.0, "消防", "不合格", None])
    book.save(path)
    return str(path)


def test_xlsx_with_title_rows_and_date_cells(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2021年度营商环境扣分台账"])
    sheet.append([])
    sheet.append(["类型", "单位", "日期", "编号", "发文层级", "件数", "事项", "结论"])
    sheet.append(["通报批评", "发改局", dt.datetime(2021, 6, 3), "c1", "区级", None, None, None])
    sheet.append(["检查发现", "发改局", dt.date(2021, 6, 7), "f1", None, 35.0, "消防", "不合格"])
    book.save(path)
    run = cli(db_url, "import", str(path))
    assert run.code == 0, run.err
    assert "2 new" in run.out
    english = [ENGLISH[0], ENGLISH[4]]
    assert "0 new, 2 already present" in cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", english)).out


def test_xlsx_sheet_and_header_row_options(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = tmp_path / "b.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["nothing here"])
    second = book.create_sheet("二月")
    second.append(["类型", "x"])
    second.append(["type", "unit", "date", "id", "issuer_level"])
    second.append(["warning", "jk-fgj", "2021-02-01", "w1", "county"])
    book.save(path)
    assert cli(url, "import", str(path), "--sheet", "二月", "--header-row", "2").code == 0
    missing = cli(url, "--lang", "en", "import", str(path), "--sheet", "三月")
    assert missing.code == 2 and "二月" in missing.err


def test_excel_shapes_of_dates_numbers_and_periods(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    rows = [["类型", "单位", "日期", "编号", "报送事项", "期间"],
            ["报送", "发改局", "2021年7月3日", "r1", "季报", "2021年7月"],
            ["报送", "发改局", "2021.7.4", "r2", "季报", "2021-7"],
            ["报送", "发改局", "2021/7/5", "r3", "季报", "2021年第3季度"]]
    assert cli(url, "import", write_csv(tmp_path / "p.csv", rows)).code == 0
    with Ledger(url) as ledger:
        periods = [r.data["period"] for r in ledger.store.read_stream("unit:jk-fgj:2021")]
    assert periods == ["2021-07", "2021-07", "2021-Q3"]


def test_conflicting_reimport_names_the_fields(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    write_jsonl(tmp_path / "a.jsonl", ENGLISH[:1])
    assert cli(url, "import", str(tmp_path / "a.jsonl")).code == 0
    changed = [{**ENGLISH[0], "issuer_level": "county"}]
    run = cli(url, "--lang", "en", "import", write_jsonl(tmp_path / "b.jsonl", changed))
    assert run.code == 2
    assert "issuer_level: 'district' → 'county'" in run.err
    assert "ledger correct c1 --set issuer_level=county" in run.err
    json.dumps(changed)


def test_types_and_templates_round_trip(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    listing = cli(db_url, "types")
    assert listing.code == 0 and "hotline_ticket" in listing.out and "12345工单受理" in listing.out
    one = cli(db_url, "types", "hotline_replied")
    assert "合格 (ok)" in one.out and "工单号" in one.out
    out = tmp_path / "t.xlsx"
    assert cli(db_url, "template", "warning", "finding", "-o", str(out)).code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[-1] == "说明" and book.worksheets[0].data_validations.dataValidation
    for sheet in ("警示", "检查发现、核查结论"):  # the example row is marked: skipped, never recorded (issue #26)
        run = cli(db_url, "import", str(out), "--sheet", sheet)
        assert run.code == 0 and "0 new, 0 already present, 1 skipped" in run.out, run.err
    # a row filled in below the example imports; the example stays skipped
    sheet = book["警示"]
    example = [c.value for c in sheet[2]]
    sheet.append([example[0], "jk-fgj", example[2], None, "文号1", None, example[6], None])
    book.save(out)
    run = cli(db_url, "import", str(out), "--sheet", "警示")
    assert run.code == 0 and "1 new, 0 already present, 1 skipped" in run.out, run.err
    csv_out = tmp_path / "w.csv"
    assert cli(db_url, "template", "criticism", "--format", "csv", "-o", str(csv_out)).code == 0
    assert "1 skipped" in cli(db_url, "import", str(csv_out)).out
