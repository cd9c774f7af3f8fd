"""Clerk-safe intake (issue #26): content ids, the digest index, probable duplicates, --skip-bad
with a 问题 column, template rows and decoration columns, Chinese throughout, one wording for
CLI and web — nothing ever twice. Each case on SQLite and PostgreSQL where a store is involved;
the expected ids and counts are worked out here from the rows written."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from helpers import cli, setup_units, write_jsonl
from test_i18n_errors import english_sentence

from ledger.app import Ledger
from ledger.intake import batches

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["类型", "单位", "日期", "发文层级", "文号", "备注"]
DOC = "吉经开〔2021〕1号"


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> str:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet") -> str:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def read_table(path: Path) -> list[list[str]]:
    if str(path).endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    sheet = openpyxl.load_workbook(path).active
    return [["" if c is None else str(c) for c in r] for r in sheet.iter_rows(values_only=True)]


def head(url: str) -> int:
    with Ledger(url) as ledger:
        return ledger.head()[0]


def expected_id(kind: str, date: str, canonical: str) -> str:
    """The content id as docs/intake.md defines it, from the canonical content written by hand."""
    key = hashlib.sha256(b"content\n" + unicodedata.normalize("NFC", canonical).encode()).digest()[:16]
    return f"{kind}-{date}-{key[:8].hex()}"


WARNING_TEXT = ('{"type":"warning","unit":"jk-fgj","date":"2021-06-03","source":"吉经开〔2021〕1号","note":"迟到",'
                '"issuer_level":"district"}')
WARNING_ID = expected_id("warning", "2021-06-03", WARNING_TEXT)


# ---------------------------------------------------------------- 1. content ids


def test_a_row_without_an_id_is_already_present_whatever_file_it_comes_in(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    first = write_csv(tmp_path / "台账.csv", [HEADER, ["警示", "发改局", "2021/6/3", "区级", DOC, "迟到"]])
    run = cli(db_url, "import", first)
    assert run.code == 0 and run.out.strip().endswith("1 new, 0 already present"), run.err
    stored = head(db_url)
    with Ledger(db_url) as ledger:
        assert WARNING_ID in ledger.store.lookup_ids([WARNING_ID])  # the id derived from the content
    again = cli(db_url, "import", first)
    assert again.code == 0 and again.out.strip().endswith("0 new, 1 already present")
    assert f"台账.csv:2: already present ({WARNING_ID})" in again.out
    # the same facts in a workbook (a date cell, English words) and in JSON Lines, and typed
    book = write_xlsx(tmp_path / "b.xlsx", [["type", "unit", "date", "issuer_level", "source", "note"],
                                             ["warning", "jk-fgj", dt.date(2021, 6, 3), "district", DOC, "迟到"]])
    assert cli(db_url, "import", book).out.strip().endswith("0 new, 1 already present")
    lines = write_jsonl(tmp_path / "c.jsonl", [{"type": "warning", "unit": "jk-fgj", "date": "2021-06-03",
                                                "issuer_level": "district", "note": "迟到", "source": DOC}])
    assert f"c.jsonl:1: already present ({WARNING_ID})" in cli(db_url, "import", lines).out
    typed = cli(db_url, "record", "warning", "--unit", "jk-fgj", "--date", "2021-06-03", "--source", DOC,
                "--note", "迟到", "--set", "issuer_level=district")
    assert typed.code == 0 and typed.out.split()[0] == WARNING_ID and "(already present)" in typed.out
    assert head(db_url) == stored


def test_numbers_and_unicode_forms_are_one_content(tmp_path):
    """Decimal and Unicode normalisation of the canonical form (docs/intake.md)."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    metric = {"type": "metric", "unit": "jk-fgj", "date": "2021-06-30", "name": "网办率", "value": 96,
              "note": "Cafe\u0301"}  # e + combining acute (NFD)
    assert cli(url, "import", write_jsonl(tmp_path / "a.jsonl", [metric])).out.strip().endswith("1 new, 0 already "
                                                                                                  "present")
    text = '{"type":"metric","unit":"jk-fgj","date":"2021-06-30","note":"Café","name":"网办率","value":96}'
    metric_id = expected_id("metric", "2021-06-30", text)
    rows = [["type", "unit", "date", "name", "value", "note"],
            ["metric", "jk-fgj", "2021-06-30", "网办率", "96.00", "Caf\u00e9"],  # 96.00, é composed (NFC)
            ["metric", "jk-fgj", "2021-06-30", "网办率", "9.6e1", "Cafe\u0301"]]
    run = cli(url, "import", write_csv(tmp_path / "b.csv", rows))
    assert run.code == 0 and run.out.strip().endswith("0 new, 2 already present"), run.err
    assert f"b.csv:2: already present ({metric_id})" in run.out and f"b.csv:3: already present ({metric_id})" in run.out
    # a different value is a different metric reading
    rows[1][4] = "96.5"
    assert cli(url, "import", write_csv(tmp_path / "c.csv", rows[:2])).out.strip().endswith("1 new, 0 already present")


def test_two_identical_rows_without_ids_are_refused_together(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    rows = [HEADER, ["警示", "发改局", "2021-06-03", "区级", "", "迟到"],
            ["警示", "发改局", "2021-06-04", "区级", "", "迟到"],
            ["警示", "发改局", "2021-06-03", "区级", "", "迟到"]]
    path = write_csv(tmp_path / "a.csv", rows)
    before = head(db_url)
    run = cli(db_url, "import", path)
    assert run.code == 2 and head(db_url) == before
    assert "a.csv:2: identical to line 4 and without an id" in run.err
    assert "a.csv:4: identical to line 2 and without an id" in run.err and "a.csv:3" not in run.err
    out = tmp_path / "out.csv"
    run = cli(db_url, "import", path, "--skip-bad", "--errors", str(out))
    assert run.code == 1 and run.out.strip().endswith("1 new, 0 already present, 2 held back"), run.out + run.err
    assert [r[2] for r in read_table(out)[1:]] == ["2021-06-03", "2021-06-03"]
    # told apart in the note, both go in; the file again adds nothing
    rows[3][5] = "迟到（第二次）"
    fixed = write_csv(tmp_path / "b.csv", rows)
    assert cli(db_url, "import", fixed).out.strip().endswith("2 new, 1 already present")
    assert cli(db_url, "import", fixed).out.strip().endswith("0 new, 3 already present")


def test_identical_rows_in_different_batches_with_skip_bad(tmp_path, monkeypatch):
    """The first of two identical rows already written in an earlier batch of the same write:
    the write starts again without both (one atomic write in the end)."""
    monkeypatch.setattr(batches, "BATCH", 2)
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    rows = [HEADER, ["警示", "发改局", "2021-06-03", "区级", "", "a"],
            ["警示", "发改局", "2021-06-04", "区级", "", "b"],
            ["警示", "财政局", "2021-06-05", "区级", "", "c"], ["警示", "发改局", "2021-06-03", "区级", "", "a"],
            ["警示", "财政局", "2021-06-06", "区级", "", "d"]]
    out = tmp_path / "out.xlsx"
    before = head(url)
    run = cli(url, "import", write_csv(tmp_path / "a.csv", rows), "--skip-bad", "--errors", str(out))
    assert run.code == 1 and run.out.strip().endswith("3 new, 0 already present, 2 held back"), run.out + run.err
    assert head(url) == before + 3
    table = read_table(out)
    assert [r[5] for r in table[1:]] == ["a", "a"] and "identical to line 5" in table[1][6]
    with Ledger(url) as ledger:
        assert ledger.verify().ok
        commits = ledger.store.commits()
    assert commits[-1]["first_revision"] == before + 1 and commits[-1]["last_revision"] == before + 3  # one write


# ---------------------------------------------------------------- 2. equal to anything stored


def test_a_row_equal_to_a_stored_event_with_a_callers_id_is_that_event(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    event = {"type": "criticism", "unit": "jk-czj", "date": "2021-05-10", "id": "jk-czj-crt-9", "issuer_level": "city",
             "source": "吉经开〔2021〕7号"}
    assert cli(db_url, "import", write_jsonl(tmp_path / "a.jsonl", [event])).code == 0
    rows = [HEADER, ["通报批评", "财政局", "2021年5月10日", "地市级", "吉经开〔2021〕7号", ""]]
    run = cli(db_url, "import", write_csv(tmp_path / "b.csv", rows, "gbk"))
    assert run.code == 0 and "b.csv:2: already present (jk-czj-crt-9)" in run.out, run.out + run.err


# ---------------------------------------------------------------- 3. probable duplicates


def test_a_probable_duplicate_is_held_back_naming_the_stored_event(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    assert cli(db_url, "import", write_csv(tmp_path / "a.csv", [HEADER, ["警示", "发改局", "2021-06-03", "区级", DOC,
                                                                         "迟到"]])).code == 0
    before = head(db_url)
    changed = write_csv(tmp_path / "b.csv", [HEADER, ["警示", "发改局", "2021-06-03", "区级", DOC, "迟到两次"]])
    run = cli(db_url, "import", changed)
    assert run.code == 2 and head(db_url) == before
    assert f"held back as a probable duplicate of event {WARNING_ID}" in run.err
    assert "note: '迟到' → '迟到两次'" in run.err
    assert f"`ledger correct {WARNING_ID} --set note=迟到两次 --reason …`" in run.err
    run = cli(db_url, "import", changed, "--allow-duplicates")
    assert run.code == 0 and run.out.strip().endswith("1 new, 0 already present")
    assert cli(db_url, "import", changed).out.strip().endswith("0 new, 1 already present")
    # another day, or another document: another fact
    other = write_csv(tmp_path / "c.csv", [HEADER, ["警示", "发改局", "2021-06-04", "区级", DOC, "迟到"],
                                           ["警示", "发改局", "2021-06-03", "区级", "吉经开〔2021〕2号", "迟到"]])
    assert cli(db_url, "import", other).out.strip().endswith("2 new, 0 already present")


def test_ticket_and_report_keys_on_one_day(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    base = [{"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-06-01", "id": "t1", "ticket": "T1",
             "due": "2021-06-10"},
            {"type": "hotline_replied", "unit": "jk-czj", "date": "2021-06-06", "ticket": "T1", "quality": "ok"},
            {"type": "report_submitted", "unit": "jk-czj", "date": "2021-06-02", "report": "monthly_dynamics",
             "period": "2021-05"}]
    assert cli(db_url, "import", write_jsonl(tmp_path / "a.jsonl", base)).code == 0
    again = [{**base[1], "quality": "perfunctory"}, {**base[2], "quality": "poor"},
             {**base[1], "date": "2021-06-09"}]  # a second reply three days later is a new fact
    out = tmp_path / "out.csv"
    run = cli(db_url, "import", write_jsonl(tmp_path / "b.jsonl", again), "--skip-bad", "--errors", str(out))
    assert run.code == 1 and run.out.strip().endswith("1 new, 0 already present, 2 held back"), run.out + run.err
    assert "b.jsonl:1: held back as a probable duplicate of event hotline_replied-2021-06-06-" in run.err
    assert "b.jsonl:2: held back as a probable duplicate of event report_submitted-2021-06-02-" in run.err
    assert [r[0] for r in read_table(out)[1:]] == ["hotline_replied", "report_submitted"]


def test_what_is_not_a_probable_duplicate(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    # one document naming two findings (items) of one unit; a retracted event replaced
    findings = [{"type": "finding", "unit": "jk-fgj", "date": "2021-06-03", "item": item, "result": "not_met",
                 "source": DOC} for item in ("消防", "环保")]
    assert cli(db_url, "import", write_jsonl(tmp_path / "a.jsonl", findings)).out.strip().endswith("2 new, 0 already "
                                                                                                      "present")
    assert cli(db_url, "import", write_csv(tmp_path / "w.csv", [HEADER, ["警示", "发改局", "2021-06-03", "区级", DOC,
                                                                         "迟到"]])).code == 0
    assert cli(db_url, "retract", WARNING_ID, "--reason", "录入错误").code == 0
    replaced = write_csv(tmp_path / "r.csv", [HEADER, ["警示", "发改局", "2021-06-03", "县级", DOC, "迟到"]])
    run = cli(db_url, "import", replaced)
    assert run.code == 0 and run.out.strip().endswith("1 new, 0 already present"), run.err


# ---------------------------------------------------------------- 4. --skip-bad and the errors file


@pytest.mark.parametrize("out", ["待修改.xlsx", "待修改.csv"])
def test_skip_bad_writes_the_good_rows_and_the_refused_ones_with_every_problem(db_url, tmp_path, out):
    setup_units(db_url, tmp_path)
    rows = [HEADER + ["序号"],
            ["警示", "发改局", "2021/6/3", "区级", DOC, "迟到", "1"],
            ["警示", "发该局", "2021/6/31", "市级", DOC, "=1+1", "2"],  # three problems; a formula-looking note
            ["通报批评", "财政局", "2021/6/5", "区级", "", "", "3"]]
    path = write_csv(tmp_path / "台账.csv", rows)
    before = head(db_url)
    run = cli(db_url, "--lang", "zh", "import", path, "--skip-bad", "--errors", str(tmp_path / out))
    assert run.code == 1 and head(db_url) == before + 2
    assert run.out.strip().endswith("已导入：新增 2 条，已存在 0 条，1 行未导入"), run.out
    table = read_table(tmp_path / out)
    assert table[0] == HEADER + ["序号", "问题"]
    assert table[1][:7] == ["警示", "发该局", "2021/6/31", "市级", DOC, "'=1+1" if out.endswith("csv") else "=1+1", "2"]
    problems = table[1][7].split("\n")
    assert [p.split("：")[0] for p in problems] == ["字段“单位”", "字段“发文层级”", "字段“日期”"]
    assert "是否应为 发改局 (jk-fgj)？" in problems[0]  # a suggestion by the unit's name
    # fixed in that sheet, it goes in (its 问题 column left out with a notice)
    fixed = [table[0], [*table[1][:1], "发改局", "2021/6/30", "地市级", *table[1][4:]]]
    fixed_path = write_xlsx(tmp_path / "fixed.xlsx", fixed) if out.endswith("xlsx") else write_csv(tmp_path / "f.csv",
                                                                                                fixed)
    run = cli(db_url, "import", fixed_path)
    assert run.code == 0 and run.out.strip().endswith("1 new, 0 already present"), run.err
    assert "column 8 (问题) is left out" in run.err and "column 7 (序号) is left out" in run.err
    # the original again: nothing twice (its bad row is refused again)
    run = cli(db_url, "import", path, "--skip-bad", "--errors", str(tmp_path / out))
    assert run.code == 1 and run.out.strip().endswith("0 new, 2 already present, 1 held back")
    assert head(db_url) == before + 3


def test_skip_bad_needs_an_errors_file_and_a_file_problem_writes_nothing(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    good = [["警示", "发改局", "2021-06-03", "区级", DOC, "迟到"]]
    run = cli(db_url, "import", write_csv(tmp_path / "a.csv", [HEADER, *good]), "--skip-bad")
    assert run.code == 2 and "--errors" in run.err
    before = head(db_url)
    run = cli(db_url, "import", write_csv(tmp_path / "b.csv", [HEADER + ["其他"], [*good[0], "x"]]), "--skip-bad",
              "--errors", str(tmp_path / "e.csv"))
    assert run.code == 2 and "b.csv:1: field '其他'" in run.err and head(db_url) == before


# ---------------------------------------------------------------- 5. templates and decoration


def test_the_templates_extension_decides_and_its_example_row_is_skipped(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    as_csv = tmp_path / "t.csv"
    assert cli(db_url, "template", "warning", "-o", str(as_csv)).code == 0
    text = as_csv.read_bytes()
    assert text.startswith("\ufeff事件类型,单位,日期,编号".encode()) and b"PK" not in text[:4]
    example = read_table(as_csv)[1]
    assert example[3] == "示例" and "地市级" not in example  # the example's level: the first, 党中央/国务院
    run = cli(db_url, "import", str(as_csv))
    assert run.code == 0 and run.out.strip().endswith("0 new, 0 already present, 1 skipped (template example rows)")
    assert "t.csv:2: skipped: the template's example row" in run.err
    as_xlsx = tmp_path / "t.xlsx"
    assert cli(db_url, "template", "warning", "-o", str(as_xlsx)).code == 0
    book = openpyxl.load_workbook(as_xlsx)
    lists = [v.formula1 for v in book["警示"].data_validations.dataValidation]
    level = next(f for f in lists if "县级" in f)
    assert "地市级" in level and "city" not in level and "市级," not in level.replace("地市级", "")
    run = cli(db_url, "template", "warning", "-o", str(tmp_path / "x.xlsx"), "--format", "csv")
    assert run.code == 2 and "--output" in run.err
    # a JSON line with the example's id is skipped too
    example = {"type": "warning", "unit": "nobody", "date": "2021-06-03", "id": "示例"}
    lines = write_jsonl(tmp_path / "e.jsonl", [example])
    assert cli(db_url, "import", lines).out.strip().endswith("0 new, 0 already present, 1 skipped (template example "
                                                              "rows)")


def test_decoration_columns_are_left_out_with_a_notice_and_unknown_ones_refused(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    rows = [["序号", *HEADER[:3], "", HEADER[3], "问题"], ["1", "警示", "发改局", "2021-06-03", "x", "区级", "旧问题"]]
    run = cli(db_url, "import", write_csv(tmp_path / "a.csv", rows))
    assert run.code == 0 and run.out.strip().endswith("1 new, 0 already present"), run.err
    for notice in ("column 1 (序号) is left out", "column 5 (no header) is left out", "column 7 (问题) is left out"):
        assert f"notice: {tmp_path}/a.csv:1: {notice}" in run.err
    unknown = [[*HEADER[:4], "经办人"], ["警示", "发改局", "2021-06-04", "区级", "张三"]]
    path = write_csv(tmp_path / "b.csv", unknown)
    run = cli(db_url, "import", path)
    assert run.code == 2 and "field '经办人'" in run.err and "--ignore-column" in run.err
    run = cli(db_url, "import", path, "--ignore-column", "经办人")
    assert run.code == 0 and "column 5 (经办人) is left out" in run.err
    assert run.out.strip().endswith("1 new, 0 already present")


# ---------------------------------------------------------------- 6. Chinese throughout; 7. one wording


def test_intake_problems_read_in_chinese(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    monkeypatch.setenv("LEDGER_LANG", "zh")
    monkeypatch.chdir(tmp_path)
    rows = [HEADER + ["序号", "工单号", "质量"],
            ["警告", "发该局", "2021-06-03", "区级", "", "", "1", "", ""],
            ["警示", "发改局", "2021-6-31", "市级", "", "", "2", "", ""],
            ["工单答复", "财政局", "2021-06-03", "", "", "", "3", "", "很好"],
            ["警示", "发改局", "2021-06-05", "区级", "", "同", "4", "", ""],
            ["警示", "发改局", "2021-06-05", "区级", "", "同", "5", "", ""]]
    run = cli(url, "import", write_csv(Path("台账.csv"), rows), "--skip-bad", "--errors", "待修改.xlsx")
    assert run.code == 1
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) >= 9
    for line in lines:
        assert english_sentence(line) is None, line
    assert "是否应为 警示 (warning), 告诫 (admonition)？" in run.err  # the type word's suggestions, by name
    assert "字段“质量”：应为 以下之一：合格 (ok)" in run.err and "字段“工单号”：应为 一个值（必填字段）" in run.err
    for row in read_table(Path("待修改.xlsx"))[1:]:
        assert english_sentence(row[-1]) is None, row[-1]
    assert run.out.strip().startswith("已导入：新增 0 条")


def test_the_cli_and_the_web_word_an_intake_error_from_one_table(monkeypatch):
    from ledger import i18n
    from ledger.cli import base
    from ledger.errors import InputError
    from ledger.events import names
    from ledger.intake.templates import fields_of
    from ledger.web.app import page_message
    from ledger.wording import error_text, problem_text

    assert base.error_text is error_text
    error = InputError("a registered unit id (see `ledger units list`; register with `ledger units import`)",
                       origin="台账.csv", line=3, field="unit", got="'发该局'")
    monkeypatch.setenv("LEDGER_LANG", "zh")
    i18n.set_lang(None)
    said = error_text(error)
    assert said.startswith("台账.csv:3：字段“单位”：应为 已登记的单位编号")
    assert page_message("import", error, "zh") == said
    # the label is the template's header for that field: the catalogue's one name
    assert names.field_zh("unit") == "单位" and "unit" in dict(fields_of("warning"))
    assert problem_text(InputError("x", field="issuer_level")).startswith("字段“发文层级”")
    web = (ROOT / "ledger" / "web" / "app.py").read_text(encoding="utf-8")
    assert "cli.base import error_text" not in web and "from ..wording import error_text" in web


# ---------------------------------------------------------------- the clerk's loop, as README.md shows it


def readme_loop() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("The clerk's loop", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split(" #", 1)[0].split()[1:] for line in block.strip().splitlines()]


def test_the_clerks_loop_in_the_readme(db_url, tmp_path, monkeypatch):
    setup_units(db_url, tmp_path)
    monkeypatch.chdir(tmp_path)
    first, fix, again = readme_loop()
    assert first[:2] == ["import", "台账.xlsx"] and fix == ["import", "待修改.xlsx"] and again == first
    # the clerk's workbook: the template, filled in below its example row
    assert cli(db_url, "template", "warning", "-o", "台账.xlsx").code == 0
    book = openpyxl.load_workbook("台账.xlsx")
    sheet = book["警示"]
    header = [c.value for c in sheet[1]]
    for unit, day, level, note in (("发改局", 3, "区级", "迟到"), ("财政局", 4, "县级", None),
                                   ("发改局", 5, "市级", "早退"),
                                   ("发改局", 3, "区级", "迟到")):  # the last: the first row again, in error
        row = {"事件类型": "警示", "单位": unit, "日期": dt.date(2021, 6, day), "发文层级": level, "说明": note}
        sheet.append([row.get(h) for h in header])
    book.save("台账.xlsx")
    before = head(db_url)
    run = cli(db_url, *first)
    assert run.code == 1, run.err
    assert run.out.strip().endswith("1 new, 0 already present, 1 skipped (template example rows), 3 held back")
    # rows 3 and 6 (identical, no id) and row 5 (市级) held back; the clerk fixes them in 待修改.xlsx
    fixing = openpyxl.load_workbook("待修改.xlsx")
    rows = list(fixing.active.iter_rows())
    columns = [c.value for c in rows[0]]
    assert columns[-1] == "问题" and len(rows) == 4
    for cells in rows[1:]:
        if cells[columns.index("发文层级")].value == "市级":
            cells[columns.index("发文层级")].value = "地市级"
    rows[3][columns.index("说明")].value = "迟到（下午）"  # the second 迟到 (line 6) told apart
    fixing.save("待修改.xlsx")
    run = cli(db_url, *fix)
    assert run.code == 0 and run.out.strip().endswith("3 new, 0 already present"), run.out + run.err
    run = cli(db_url, *again)
    # rows 3, 4 and 6 (identical to the stored row 3) present; row 5 (市级) refused again
    assert run.code == 1 and run.out.strip().endswith("0 new, 3 already present, 1 skipped (template example rows),"
                                                      " 1 held back"), run.out + run.err
    assert head(db_url) == before + 4
    assert cli(db_url, "verify").code == 0
    os.remove("待修改.xlsx")


def test_no_english_left_in_new_catalogue_entries():
    """Every msgid this issue added has its Chinese (the .po block)."""
    po = (ROOT / "ledger" / "locale" / "zh" / "LC_MESSAGES" / "ledger.po").read_text(encoding="utf-8")
    block = po.split("# Clerk-safe intake (issue #26)", 1)[1].split("# ---- issue #34", 1)[0]
    pairs = re.findall(r'msgid "(.*)"\nmsgstr "(.*)"', block)
    worded = [(i, s) for i, s in pairs if re.sub(r"\{[^}]*\}", "", i).strip(" :")]
    assert len(worded) >= 40
    assert [i for i, s in worded if not re.search(r"[\u4e00-\u9fff]", s)] == []
