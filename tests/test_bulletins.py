"""Monthly bulletins (月通报) of jiangxian-2021 and the score-and-rank table, by hand.

June 2021, jiangxian progress (✓ = done that month):
  P1: progress_ledger for 2021-06 filed 06-18, a column post 06-05, no publicity, a training
      06-10                                              → ✓ ✓ ✗ ✓
  P2: only a column post in May                          → ✗ ✗ ✗ ✗
June 2021, 12345 (tickets received in June, as of 06-30):
  T1 06-01 due 06-08, ok reply 06-07, satisfied          → completed, on time, satisfied
  T2 06-02 due 06-09, ok reply 06-11, not satisfied      → completed, overdue
  T3 06-03 due 06-10, perfunctory reply 06-09            → not completed, overdue
  T4 06-21 (Mon) returned 06-22 (1st working day after)  → not the unit's: left out
  T5 06-25 due 07-05, no reply yet                       → 转办 (SEEDS.md: open or not), not yet due:
                                                            in no rate
  T6 05-28 (a May ticket)                                → not in June's table
  → 转办 4; over the 3 due or completed: 办结 2 (66.67%), 逾期 2 (66.67%), 满意 1 (33.33%)
"""

from __future__ import annotations

import json

from helpers import cli, write_jsonl

UNITS = ("id,name,groups\np1,县财政局,jx-progress\np2,县林业局,jx-progress\nh1,县税务局,jx-hotline\n"
         "jk1,发改局,jingkai-unit\njk2,财政局,jingkai-unit\n")


def ev(unit, date, kind, eid, **fields):
    return {"type": kind, "unit": unit, "date": date, "id": eid, **fields}


def ticket(n, received, due):
    return ev("h1", received, "hotline_ticket", f"T{n}", ticket=f"T{n}", due=due)


EVENTS = [
    ev("p1", "2021-06-18", "report_submitted", "p1-r", report="progress_ledger", period="2021-06"),
    ev("p1", "2021-06-05", "publication", "p1-c", channel="column", title="营商环境动态"),
    ev("p1", "2021-06-10", "training_session", "p1-t", topic="优化营商环境条例"),
    ev("p2", "2021-05-20", "publication", "p2-c", channel="column", title="五月动态"),
    ticket(1, "2021-06-01", "2021-06-08"), ev("h1", "2021-06-07", "hotline_replied", "T1r", ticket="T1", quality="ok"),
    ev("h1", "2021-06-08", "hotline_callback", "T1c", ticket="T1", satisfied=True),
    ticket(2, "2021-06-02", "2021-06-09"), ev("h1", "2021-06-11", "hotline_replied", "T2r", ticket="T2", quality="ok"),
    ev("h1", "2021-06-12", "hotline_callback", "T2c", ticket="T2", satisfied=False),
    ticket(3, "2021-06-03", "2021-06-10"),
    ev("h1", "2021-06-09", "hotline_replied", "T3r", ticket="T3", quality="perfunctory"),
    ticket(4, "2021-06-21", "2021-06-28"), ev("h1", "2021-06-22", "hotline_returned", "T4x", ticket="T4"),
    ticket(5, "2021-06-25", "2021-07-05"),
    ticket(6, "2021-05-28", "2021-06-04"), ev("h1", "2021-06-03", "hotline_replied", "T6r", ticket="T6", quality="ok"),
    ev("jk1", "2021-03-01", "warning", "jk1-w", issuer_level="district"),
]


def setup(url, tmp_path):
    (tmp_path / "u.csv").write_text(UNITS, encoding="utf-8")
    cli(url, "init")
    assert cli(url, "units", "import", str(tmp_path / "u.csv")).code == 0
    run = cli(url, "import", write_jsonl(tmp_path / "e.jsonl", EVENTS))
    assert run.code == 0, run.err


def test_jiangxian_progress_and_hotline_tables(db_url, tmp_path):
    setup(db_url, tmp_path)
    doc = json.loads(cli(db_url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--format",
                         "json").out)
    tables = {t["track"]: t for t in doc["tables"]}
    progress = tables["progress"]
    assert progress["headers"] == ["单位", "工作推进台账报送情况", "专栏信息发布情况", "宣传政策和措施情况",
                                   "政策法规、业务知识培训情况"]
    assert progress["rows"] == [["县财政局", "✓", "✓", "✗", "✓"], ["县林业局", "✗", "✗", "✗", "✗"]]
    hotline = tables["hotline"]
    assert hotline["rows"] == [[1, "县税务局", 4, 2, "66.67%", 2, "66.67%", 1, "33.33%"]]
    assert doc["as_of"] == "2021-06-30" and doc["policy"] == "jiangxian-2021@1"
    # Tracks without a declared table get scores and ranks (license has no units here).
    assert tables["license"]["kind"] == "scores" and tables["license"]["rows"] == []
    text = cli(db_url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--track", "progress").out
    assert "县财政局" in text and "✓" in text and "known at revision" in text


def test_score_and_rank_bulletin_and_xlsx(db_url, tmp_path):
    setup(db_url, tmp_path)
    run = cli(db_url, "bulletin", "--policy", "jingkai-2021", "--period", "2021-06", "--format", "csv")
    assert run.out.startswith("\ufeff2021年6月份各局")  # the UTF-8 BOM, then the first table's title row
    rows = [line.split(",") for line in run.out.removeprefix("\ufeff").splitlines()]
    assert rows[1][:3] == ["排名", "单位", "名称"] and rows[1][-2:] == ["总分", "等级"]
    # As of 06-30 both units lack the monthly reports of Jan–Jun (6 × −1 dynamics, −1 Q1
    # summary due 04-02, 6 × −1 双公示): daily 40 − 13 = 27; jk1 also has a district warning: 26.
    assert [(r[0], r[1], r[-2]) for r in rows[2:4]] == [("1", "jk2", "27"), ("2", "jk1", "26")]
    out = tmp_path / "b.xlsx"
    assert cli(db_url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--format", "xlsx",
               "--output", str(out)).code == 0
    from openpyxl import load_workbook
    book = load_workbook(out)
    assert book.sheetnames[0] == "Summary"  # LEDGER_LANG=en here; the tables' sheets: track and month
    ws = book["progress 2021-06"]
    assert ws.freeze_panes == "A3" and ws["A1"].value == "2021年6月份优化营商环境工作推进情况"  # the title row
    assert [c.value for c in ws[2]] == ["单位", "工作推进台账报送情况", "专栏信息发布情况", "宣传政策和措施情况",
                                       "政策法规、业务知识培训情况"]
    assert [c.value for c in ws[3]] == ["县财政局", "✓", "✓", "✗", "✓"]
    assert ws.column_dimensions["B"].width >= 22  # the Chinese header fits
    bad = cli(db_url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-13")
    assert bad.code == 2 and "--period" in bad.err
    bad = cli(db_url, "bulletin", "--policy", "jiangxian-2021", "--period", "2020-06")
    assert bad.code == 2 and "a month of 2021" in bad.err
