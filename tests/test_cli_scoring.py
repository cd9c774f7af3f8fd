"""`policy`, `score`, `explain` and `diff` end to end, on SQLite and PostgreSQL.

Hand-worked numbers (tests/policies/cli.yaml: daily 10 − 1/warning − 2/criticism, floor 0;
media: provincial report counts ranked, places 1–3 get 3, 2, 1, ties share the better place):

    a: 1 warning, 3 provincial reports → daily 9, media rank 1 → 3 → total 12 (优秀)
    b: 1 criticism, 2 reports          → daily 8, media rank 2 → 2 → total 10
    c: 6 criticisms, 2 reports         → daily 10 − 12 → floor 0, media rank 2 → 2 → total 2
    ranks by total: a 1, b 2, c 3.
Then retracting one of a's reports (a: 2 reports) ties a, b and c at 2 reports → all
place 1 → 3 points each: a 12, b 11, c 3 — a retraction moved b's and c's points.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import cli, write_jsonl

POLICY = str(Path(__file__).parent / "policies" / "cli.yaml")
UNITS = "id,name,groups\na,甲局,g\nb,乙局,g\nc,丙局,g\n"


def events():
    out = [{"type": "warning", "unit": "a", "date": "2021-03-01", "id": "a-w1", "issuer_level": "county",
            "source": "某办〔2021〕1号"},
           {"type": "criticism", "unit": "b", "date": "2021-04-01", "id": "b-c1", "issuer_level": "county"}]
    out += [{"type": "criticism", "unit": "c", "date": f"2021-05-{d:02d}", "id": f"c-c{d}",
             "issuer_level": "county"} for d in range(1, 7)]
    for unit, n in (("a", 3), ("b", 2), ("c", 2)):
        out += [{"type": "media_report", "unit": unit, "date": f"2021-06-{i + 1:02d}", "id": f"{unit}-m{i}",
                 "level": "province", "outlet": "吉林日报", "title": "优化营商环境"} for i in range(n)]
    return out


def setup(url, tmp_path):
    (tmp_path / "u.csv").write_text(UNITS, encoding="utf-8")
    assert cli(url, "init").code == 0
    assert cli(url, "units", "import", str(tmp_path / "u.csv")).code == 0
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events())).code == 0
    run = cli(url, "policy", "load", POLICY)
    assert run.code == 0 and run.out.strip() == "cli-test@1", run.err


def totals(url, *extra):
    doc = json.loads(cli(url, "score", "--policy", "cli-test", "--format", "json", *extra).out)
    return {r["unit"]: (r["total"], r["rank"], r["grade"]) for r in doc["rows"]}, doc


def test_policy_load_is_immutable(db_url, tmp_path):
    setup(db_url, tmp_path)
    again = cli(db_url, "policy", "load", POLICY)
    assert again.code == 0 and "already published" in again.out
    changed = tmp_path / "cli.yaml"
    changed.write_text(Path(POLICY).read_text(encoding="utf-8").replace("amount: -1}", "amount: -2}"),
                       encoding="utf-8")
    run = cli(db_url, "policy", "load", str(changed))
    assert run.code == 2 and "cli-test@1 is already published" in run.err and "field 'version'" in run.err
    listed = cli(db_url, "policy", "list").out
    assert "cli-test@1" in listed and "revision" in listed
    shown = cli(db_url, "policy", "show", "cli-test@1", "--lang", "zh").out
    assert "原文: 被警示的扣1分/件次" in shown
    shown = cli(db_url, "policy", "show", "cli-test@1", "--format", "yaml").out
    assert shown == Path(POLICY).read_text(encoding="utf-8")


def test_score_json_and_a_retraction_moving_peers(db_url, tmp_path):
    setup(db_url, tmp_path)
    rows, doc = totals(db_url)
    assert rows == {"a": (12, 1, "优秀"), "b": (10, 2, "一般"), "c": (2, 3, "一般")}
    assert doc["policy"] == "cli-test@1" and doc["as_of"] == "2021-12-31"
    published_at = doc["known_at"]
    assert doc["head"]["revision"] == published_at
    row_c = next(r for r in doc["rows"] if r["unit"] == "c")
    assert row_c["indicators"][0] == {"id": "daily", "name": "日常考评", "points": 0.0, "max": 10,
                                      "divisions": ["法规处", "办公室"]}
    assert cli(db_url, "retract", "a-m0", "--reason", "非省级媒体").code == 0
    rows, _ = totals(db_url)
    assert rows == {"a": (12, 1, "优秀"), "b": (11, 2, "一般"), "c": (3, 3, "一般")}
    # What was known before the retraction is still reproducible.
    rows, _ = totals(db_url, "--known-at", str(published_at))
    assert rows["b"] == (10, 2, "一般")
    # As of 2021-04-30 (before c's criticisms and any media report): a 9, b 8, c 10.
    rows, _ = totals(db_url, "--as-of", "2021-04-30")
    assert rows == {"c": (10, 1, "一般"), "a": (9, 2, "一般"), "b": (8, 3, "一般")}


def test_score_table_csv_xlsx_and_track_unit_filters(db_url, tmp_path):
    setup(db_url, tmp_path)
    table = cli(db_url, "score", "--policy", "cli-test").out
    lines = table.splitlines()
    header = next(line for line in lines if " total " in line)  # headers in one language (LEDGER_LANG=en here)
    row_b = next(line for line in lines if " b " in f" {line} " and "乙局" in line)
    # Chinese columns line up: the total column starts at the same display offset.
    from wcwidth import wcswidth
    assert wcswidth(header[:header.index(" total ") + 1]) == wcswidth(row_b[:row_b.index(" 10 ") + 1])
    assert "known at revision" in table
    csv_text = cli(db_url, "score", "--policy", "cli-test", "--format", "csv").out
    assert "cli-test@1,2021-12-31," in csv_text
    # A UTF-8 BOM first (Excel on Chinese Windows), once; --no-bom: the same CSV without it (machines).
    assert csv_text.startswith("\ufeffpolicy,as_of,") and csv_text.count("\ufeff") == 1
    assert cli(db_url, "score", "--policy", "cli-test", "--format", "csv", "--no-bom").out == csv_text[1:]
    out_csv = tmp_path / "scores.csv"
    assert cli(db_url, "score", "--policy", "cli-test", "--format", "csv", "--output", str(out_csv)).code == 0
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbfpolicy,")
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    b_daily = next(r for r in rows if r["unit"] == "b" and r["indicator"] == "daily")
    assert (b_daily["rank"], b_daily["name"], b_daily["total"], b_daily["grade"], b_daily["points"]) == \
        ("2", "乙局", "10", "一般", "8")
    assert {r["indicator"] for r in rows if r["unit"] == "b"} == {"daily", "media"}
    one = json.loads(cli(db_url, "score", "--policy", "cli-test", "--unit", "c", "--format", "json").out)
    assert [(r["unit"], r["rank"]) for r in one["rows"]] == [("c", 3)]
    out = tmp_path / "scores.xlsx"
    assert cli(db_url, "score", "--policy", "cli-test", "--format", "xlsx", "--output", str(out)).code == 0
    from openpyxl import load_workbook
    ws = load_workbook(out).worksheets[1]  # after the summary sheet; a title row, then the headers
    assert ws.freeze_panes == "A3" and ws.cell(2, 2).value == "单位 unit"
    assert [ws.cell(r, 2).value for r in (3, 4, 5)] == ["a", "b", "c"]
    # Without --output the workbook goes to standard output when it is redirected …
    from io import BytesIO

    from click.testing import CliRunner

    from ledger.cli import main
    piped = CliRunner().invoke(main, ["--db", db_url, "score", "--policy", "cli-test", "--format", "xlsx"])
    assert piped.exit_code == 0
    assert [load_workbook(BytesIO(piped.stdout_bytes)).worksheets[1].cell(r, 2).value for r in (3, 4, 5)] == \
        ["a", "b", "c"]
    bad = cli(db_url, "score", "--policy", "cli-test", "--track", "nope")
    assert bad.code == 2 and "--track" in bad.err
    bad = cli(db_url, "score", "--policy", "nope")
    assert bad.code == 2 and "cli-test" in bad.err


def test_explain_json_lines_add_up_and_point_to_events(db_url, tmp_path):
    setup(db_url, tmp_path)
    doc = json.loads(cli(db_url, "explain", "a", "--policy", "cli-test", "--format", "json").out)
    assert doc["unit"] == "a" and doc["policy"] == "cli-test@1" and doc["track"] == "main"
    assert doc["total"] == 12 and doc["grade"] == "优秀"
    assert round(sum(line["delta"] for line in doc["lines"]), 2) == 12
    warning = next(line for line in doc["lines"] if line["event"] == "a-w1")
    assert warning["delta"] == -1 and warning["event_type"] == "warning" and warning["date"] == "2021-03-01"
    assert warning["rule"].startswith("被警示的扣1分") and warning["source"] == "某办〔2021〕1号"
    base = next(line for line in doc["lines"] if line.get("kind") == "base")
    assert base["event"] is None and base["delta"] == 10
    # Corrected facts show their corrected values and the correction's id.
    run = cli(db_url, "correct", "a-w1", "--set", "source=某办〔2021〕2号", "--reason", "文号有误")
    corr = run.out.split()[0]
    doc = json.loads(cli(db_url, "explain", "a", "--policy", "cli-test", "--format", "json").out)
    warning = next(line for line in doc["lines"] if line["event"] == "a-w1")
    assert warning["source"] == "某办〔2021〕2号" and warning["corrections"] == [corr]


def test_explain_by_division_and_other_formats(db_url, tmp_path):
    setup(db_url, tmp_path)
    table = cli(db_url, "explain", "b", "--policy", "cli-test", "--by", "division").out
    assert "法规处 (牵头)" in table and "配合: 办公室" in table and "宣传处 (牵头)" in table
    md = cli(db_url, "explain", "b", "--policy", "cli-test", "--format", "md").out
    assert md.startswith("# b 乙局") and "| daily | 日常考评 | 8 | 10 | 直接扣分法 | 通报文件 |" in md
    csv_text = cli(db_url, "explain", "b", "--policy", "cli-test", "--format", "csv", "--by", "event").out
    assert csv_text.startswith("\ufeffunit,policy,")
    assert any(line.startswith("b,cli-test@1,main,2021-12-31,") and ",b-c1,criticism," in line
               for line in csv_text.splitlines())
    html = cli(db_url, "explain", "b", "--policy", "cli-test", "--format", "html").out
    assert "<html" in html and "乙局" in html and "http" not in html.split("</style>")[0]
    missing = cli(db_url, "explain", "zz", "--policy", "cli-test")
    assert missing.code == 2 and "unit 'zz' is in none of its tracks' groups" in missing.err


def test_diff_between_revisions_and_policy_versions(db_url, tmp_path):
    setup(db_url, tmp_path)
    before = json.loads(cli(db_url, "score", "--policy", "cli-test", "--format", "json").out)["known_at"]
    cli(db_url, "retract", "a-m0", "--reason", "非省级媒体")
    doc = json.loads(cli(db_url, "diff", "--policy", "cli-test", "--known-at", str(before), "--format", "json").out)
    by = {(c["unit"], c["indicator"]): c for c in doc["changes"]}
    assert by[("b", "media")]["before"] == 2 and by[("b", "media")]["after"] == 3
    (cause,) = by[("b", "media")]["causes"]
    assert "ranking changed" in cause and "a-m0" in cause and "retracted by" in cause
    assert ("a", "media") not in by  # a keeps place 1 and its 3 points
    assert by[("c", "total")]["before"] == 2 and by[("c", "total")]["after"] == 3
    # An amended version: warnings now cost 2.
    amended = tmp_path / "cli-v2.yaml"
    amended.write_text(Path(POLICY).read_text(encoding="utf-8")
                       .replace("version: 1", "version: 2\nchange_note: 警示改为扣2分")
                       .replace("{event: warning, amount: -1}", "{event: warning, amount: -2}"), encoding="utf-8")
    assert cli(db_url, "policy", "load", str(amended)).out.strip() == "cli-test@2"
    doc = json.loads(cli(db_url, "diff", "--policy", "cli-test@1", "--against", "cli-test@2", "--format",
                         "json").out)
    assert any("警示改为扣2分" in n for n in doc["rule_changes"])
    daily_a = next(c for c in doc["changes"] if c["unit"] == "a" and c["indicator"] == "daily")
    assert (daily_a["before"], daily_a["after"]) == (9, 8)
    assert any(c.startswith("rule: main/daily changed") for c in daily_a["causes"])
    assert not any(c["unit"] == "b" and c["indicator"] == "daily" for c in doc["changes"])
    text = cli(db_url, "diff", "--policy", "cli-test@1", "--against", "cli-test@2").out
    assert "rule changes:" in text and "警示改为扣2分" in text


def test_diff_names_the_fact_a_retracted_retraction_restores(db_url, tmp_path):
    setup(db_url, tmp_path)
    retraction = cli(db_url, "retract", "a-m0", "--reason", "x").out.split()[0]
    known = json.loads(cli(db_url, "score", "--policy", "cli-test", "--format", "json").out)["known_at"]
    assert cli(db_url, "retract", retraction, "--reason", "撤回有误").code == 0
    doc = json.loads(cli(db_url, "diff", "--policy", "cli-test", "--known-at", str(known), "--format", "json").out)
    by = {(c["unit"], c["indicator"]): c for c in doc["changes"]}
    # a-m0 counts again: a 3 reports again → b back to place 2 (3 → 2 points).
    assert (by[("b", "media")]["before"], by[("b", "media")]["after"]) == (3, 2)
    (cause,) = by[("b", "media")]["causes"]
    assert "a-m0" in cause and "counts again" in cause and retraction in cause


def test_policy_file_what_if_and_invalid_policy(db_url, tmp_path):
    setup(db_url, tmp_path)
    what_if = tmp_path / "what-if.yaml"
    what_if.write_text(Path(POLICY).read_text(encoding="utf-8").replace("version: 1", "version: 9")
                       .replace("places: [3, 2, 1]", "places: [5, 4, 3]"), encoding="utf-8")
    doc = json.loads(cli(db_url, "score", "--policy-file", str(what_if), "--format", "json").out)
    # a 9 + 5 = 14, b 8 + 4 = 12, c 0 + 4 = 4 — and nothing was published; the result names
    # itself a draft (CLI.md additions, issue #17).
    import hashlib
    assert doc["policy"] == "cli-test@9+draft:" + hashlib.sha256(what_if.read_bytes()).hexdigest()[:8]
    assert {r["unit"]: r["total"] for r in doc["rows"]} == {"a": 14, "b": 12, "c": 4}
    assert "cli-test@9" not in cli(db_url, "policy", "list").out
    broken = tmp_path / "broken.yaml"
    broken.write_text(Path(POLICY).read_text(encoding="utf-8").replace("kind: rank", "kind: ranking"),
                      encoding="utf-8")
    run = cli(db_url, "score", "--policy-file", str(broken))
    assert run.code == 2 and "broken.yaml: tracks[0].indicators[1].rule" in run.err and "Traceback" not in run.err
    run = cli(db_url, "policy", "load", str(broken))
    assert run.code == 2 and "broken.yaml" in run.err


def test_explain_xlsx_workbook(db_url, tmp_path):
    setup(db_url, tmp_path)
    out = tmp_path / "b.xlsx"
    assert cli(db_url, "explain", "b", "--policy", "cli-test", "--format", "xlsx", "--output", str(out)).code == 0
    from openpyxl import load_workbook
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Lines", "Indicators"]  # LEDGER_LANG=en here
    lines = book["Lines"]
    doc = json.loads(cli(db_url, "explain", "b", "--policy", "cli-test", "--format", "json").out)
    assert lines.freeze_panes == "A3" and lines.max_row - 2 == len(doc["lines"])
    rows = [[c.value for c in row] for row in lines.iter_rows(min_row=3)]
    criticism = next(r for r in rows if r[4] == "b-c1")
    assert criticism[1] == "daily" and criticism[3] == -2 and criticism[8].startswith("被警示的扣1分")
    tree = book["Indicators"]
    assert [c.value for c in tree[2]][4:] == ["计分方式 method", "数据来源 data source"]
    assert [c.value for c in tree[3]] == ["daily", "日常考评", 8, 10, "直接扣分法", "通报文件"]


def test_diff_across_years_names_each_event_with_the_year_and_policy_that_scores_it(db_url, tmp_path):
    """Next year's rules against this year's: each side scores its own year's streams, and a
    changed line names the event and which side's year it belongs to."""
    setup(db_url, tmp_path)
    next_year = tmp_path / "cli-2022.yaml"
    next_year.write_text(Path(POLICY).read_text(encoding="utf-8").replace("id: cli-test", "id: cli-test-2022")
                         .replace("year: 2021", "year: 2022"), encoding="utf-8")
    assert cli(db_url, "policy", "load", str(next_year)).out.strip() == "cli-test-2022@1"
    later = [{"type": "warning", "unit": "a", "date": f"2022-02-0{d}", "id": f"a-w22-{d}", "issuer_level": "county"}
             for d in (1, 2)]
    assert cli(db_url, "import", write_jsonl(tmp_path / "2022.jsonl", later)).code == 0
    doc = json.loads(cli(db_url, "diff", "--policy", "cli-test@1", "--against", "cli-test-2022@1",
                         "--format", "json").out)
    by = {(c["unit"], c["indicator"]): c for c in doc["changes"]}
    # a: 2021 one warning → daily 9; 2022 two warnings → 8.  b: 2021 one criticism → 8; 2022 → 10.
    assert (by[("a", "daily")]["before"], by[("a", "daily")]["after"]) == (9, 8)
    assert (by[("b", "daily")]["before"], by[("b", "daily")]["after"]) == (8, 10)
    causes = by[("a", "daily")]["causes"]
    assert "event a-w1 (warning, dated 2021-03-01) belongs to 2021, scored only by cli-test@1" in causes
    assert "event a-w22-2 (warning, dated 2022-02-02) belongs to 2022, scored only by cli-test-2022@1" in causes
    assert by[("b", "daily")]["causes"] == ["event b-c1 (criticism, dated 2021-04-01) belongs to 2021, "
                                            "scored only by cli-test@1"]


def test_an_averaged_line_names_the_correction_of_an_event_it_averages(tmp_path):
    """jingkai-2021 year_end.1 (领导评议): the average of the leaders' scores. Two leaders give
    20 and 30 → 25; correcting the 20 to 26 → (26 + 30) / 2 = 28, and the average line then
    names the correction beside the events it averages."""
    url = f"sqlite:///{tmp_path}/l.db"
    (tmp_path / "u.csv").write_text("id,name,groups\njk-fgj,发改局,jingkai-unit\n", encoding="utf-8")
    assert cli(url, "init").code == 0 and cli(url, "units", "import", str(tmp_path / "u.csv")).code == 0
    scores = [{"type": "evaluation", "unit": "jk-fgj", "date": "2021-12-13", "id": f"e{i}", "panel": "leaders",
               "evaluator": f"ld0{i}", "score": s} for i, s in ((1, 20), (2, 30))]
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", scores)).code == 0

    def year_end_1():
        doc = json.loads(cli(url, "explain", "jk-fgj", "--policy", "jingkai-2021", "--as-of", "2021-12-31",
                             "--format", "json").out)
        (line,) = [ln for ln in doc["lines"] if ln["indicator"] == "year_end.1"]
        return line

    before = year_end_1()
    assert before["delta"] == 25 and sorted(before["events"]) == ["e1", "e2"] and "corrections" not in before
    fixed = cli(url, "correct", "e1", "--set", "score=26", "--reason", "录入有误")
    assert fixed.code == 0, fixed.err
    correction = fixed.out.split()[0]
    after = year_end_1()
    assert after["delta"] == 28 and after["corrections"] == [correction]


def test_a_binary_format_is_not_written_onto_a_terminal(monkeypatch):
    """… and never onto a terminal: exit 2 asking for --output."""
    import io
    import sys

    import pytest

    from ledger.cli.base import need_output
    from ledger.errors import InputError

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    with pytest.raises(InputError, match="--output FILE, or standard output redirected"):
        need_output("xlsx", None)
    assert need_output("xlsx", "out.xlsx") == "out.xlsx"


def test_diff_against_a_file_and_options_that_exclude_each_other(db_url, tmp_path):
    setup(db_url, tmp_path)
    amended = tmp_path / "cli-v2.yaml"
    amended.write_text(Path(POLICY).read_text(encoding="utf-8").replace("version: 1", "version: 2")
                       .replace("{event: warning, amount: -1}", "{event: warning, amount: -2}"), encoding="utf-8")
    doc = json.loads(cli(db_url, "diff", "--policy", "cli-test@1", "--against", str(amended), "--format", "json").out)
    daily_a = next(c for c in doc["changes"] if c["unit"] == "a" and c["indicator"] == "daily")
    assert (daily_a["before"], daily_a["after"]) == (9, 8) and doc["after"]["policy"].startswith("cli-test@2+draft:")
    bad = cli(db_url, "diff", "--policy", "cli-test@1", "--against", "nope@3")
    assert bad.code == 2 and "field '--against'" in bad.err
    both = cli(db_url, "score", "--policy", "cli-test", "--policy-file", str(amended))
    assert both.code == 2 and "either --policy or --policy-file, not both" in both.err
    shown = cli(db_url, "policy", "show", "nope")
    assert shown.code == 2 and "field 'ID'" in shown.err
