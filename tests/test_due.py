"""`ledger due`: hand-worked cases on two seed policies (jingkai-2021, daan-2021) and the 12345
tickets of jiangxian-2021, on both stores. Every figure below is worked out from the seed
documents and the official 2021 calendar:

* 国庆 2021: 10-01 … 10-07 off; Saturday 10-09 is a 调休 working day (and Sunday 09-26).
  From Wednesday 09-29 the working days are 09-30 (1st), 10-08 (2nd), 10-09 (3rd), 10-11 …
* jingkai-2021 daily.10: 督办事项 "办理、报结不及时,每件扣1分"; daily.8: 季度工作总结 "每季度前2个
  工作日报送上季度……未按时上报的扣1分" — Q3's deadline is Q4's 2nd working day, 10-09.
* daan-2021 A.3.2: 督办事项 "办理、报结不及时,每件扣0.5分"; A.3.1: quarterly_progress due the
  5th working day of the next quarter (10-08, 10-09, 10-11, 10-12, 10-13), "未按时上报……每次扣2分".
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from helpers import cli, setup_units, write_jsonl

UNITS = ("id,name,groups,divisions\njk-fgj,发改局,jingkai-unit,\njk-czj,财政局,jingkai-unit,\n"
         "da-fgj,大安发改局,daan-department,\njx-kfq,开发区管委会,jx-hotline,\n")
ITEM = "DB-GQ-01"


def on_time_reports(unit: str, months: range, quarters: range) -> list[dict]:
    """Every jingkai report of the months and quarters, submitted on time (a month's on its 25th;
    Q3's on 09-28, before 国庆)."""
    out = []
    for m in months:
        day = f"2021-{m:02d}-25"
        for report in ("monthly_dynamics", "double_publicity_ledger"):
            out.append({"type": "report_submitted", "id": f"{unit}-{report}-{m}", "unit": unit, "date": day,
                        "report": report, "period": f"2021-{m:02d}"})
    for q in quarters:
        day = "2021-09-28" if q == 3 else f"2021-{3 * q + 1:02d}-01"
        out.append({"type": "report_submitted", "id": f"{unit}-qs-{q}", "unit": unit, "date": day,
                    "report": "quarterly_summary", "period": f"2021-Q{q}"})
    return out


def build_store(db_url: str, tmp_path) -> str:
    """Two jingkai units (every report in; jk-czj's Q3 summary not yet), a daan department, a
    jiangxian 12345 unit, and the items of the cases below."""
    setup_units(db_url, tmp_path, UNITS)
    events = on_time_reports("jk-fgj", range(1, 10), range(1, 4)) + \
        on_time_reports("jk-czj", range(1, 10), range(1, 3))
    events += [
        {"type": "supervised_item_assigned", "id": "fgj-gq", "unit": "jk-fgj", "date": "2021-09-22",
         "item": ITEM, "due": "2021-10-09", "note": "国庆前遗留问题清零"},
        {"type": "supervised_item_assigned", "id": "da-gq", "unit": "da-fgj", "date": "2021-09-22",
         "item": ITEM, "due": "2021-10-09"},
        {"type": "report_submitted", "id": "da-q1", "unit": "da-fgj", "date": "2021-04-02",
         "report": "quarterly_progress", "period": "2021-Q1"},
        {"type": "report_submitted", "id": "da-q2", "unit": "da-fgj", "date": "2021-07-02",
         "report": "quarterly_progress", "period": "2021-Q2"},
        # 12345: one answered on time, one unanswered past its due date, one due soon
        {"type": "hotline_ticket", "id": "t1", "unit": "jx-kfq", "date": "2021-06-01", "ticket": "T1",
         "due": "2021-06-04"},
        {"type": "hotline_replied", "id": "t1-r", "unit": "jx-kfq", "date": "2021-06-03", "ticket": "T1",
         "quality": "ok"},
        {"type": "hotline_ticket", "id": "t2", "unit": "jx-kfq", "date": "2021-06-07", "ticket": "T2",
         "due": "2021-06-10"},
        {"type": "hotline_ticket", "id": "t3", "unit": "jx-kfq", "date": "2021-06-14", "ticket": "T3",
         "due": "2021-06-18"},
    ]
    run = cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", events))
    assert run.code == 0, run.err
    return db_url


@pytest.fixture
def store(db_url, tmp_path):
    return build_store(db_url, tmp_path)


def due_json(url: str, *args: str) -> dict:
    run = cli(url, "due", *args, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)


def items_of(doc: dict, unit: str) -> dict[tuple[str, str], dict]:
    return {(i["indicator"], i["what"]): i for i in doc["items"] if i["unit"] == unit}


def light(doc: dict, unit: str) -> dict:
    return next(u for u in doc["units"] if u["unit"] == unit)


def test_json_shape_is_the_contract(store):
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-09-29")
    assert list(doc) == ["policy", "as_of", "known_at", "within_workdays", "items", "units"]
    assert doc["policy"] == "jingkai-2021@1" and doc["as_of"] == "2021-09-29" and doc["within_workdays"] == 10
    keys = ["unit", "indicator", "kind", "what", "due", "status", "points_at_risk"]
    assert doc["items"] and all(list(i) == keys for i in doc["items"])
    assert [list(u) for u in doc["units"]] == [["unit", "light", "overdue", "due_soon"]] * 2
    assert {u["unit"] for u in doc["units"]} == {"jk-fgj", "jk-czj"}  # the units jingkai scores


def test_supervised_item_three_working_days_ahead_across_the_holiday_is_yellow(store):
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--within", "3")
    items = items_of(doc, "jk-fgj")
    assert list(items) == [("daily.10", f"督办事项 {ITEM}：国庆前遗留问题清零")]  # every report is in
    item = items[("daily.10", f"督办事项 {ITEM}：国庆前遗留问题清零")]
    assert item == {"unit": "jk-fgj", "indicator": "daily.10", "kind": "supervised_item",
                    "what": f"督办事项 {ITEM}：国庆前遗留问题清零", "due": "2021-10-09", "status": "due_soon",
                    "points_at_risk": -1}
    assert light(doc, "jk-fgj") == {"unit": "jk-fgj", "light": "yellow", "overdue": 0, "due_soon": 1}
    # two working days ahead reach 10-08 only: the item is assigned, due later — upcoming, green
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--within", "2")
    assert items_of(doc, "jk-fgj")[("daily.10", f"督办事项 {ITEM}：国庆前遗留问题清零")]["status"] == "upcoming"
    assert light(doc, "jk-fgj")["light"] == "green"


def test_the_same_item_a_day_late_is_red_and_in_the_score(store):
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-10-10")
    item = items_of(doc, "jk-fgj")[("daily.10", f"督办事项 {ITEM}：国庆前遗留问题清零")]
    assert (item["status"], item["points_at_risk"]) == ("overdue", -1)
    assert light(doc, "jk-fgj") == {"unit": "jk-fgj", "light": "red", "overdue": 1, "due_soon": 0}

    def total(as_of: str) -> Decimal:
        run = cli(store, "score", "--policy", "jingkai-2021", "--unit", "jk-fgj", "--as-of", as_of, "--format", "json")
        return Decimal(str(json.loads(run.out)["rows"][0]["total"]))

    assert total("2021-10-10") == total("2021-10-09") - 1  # the −1 is now in the score
    run = cli(store, "explain", "jk-fgj", "--policy", "jingkai-2021", "--as-of", "2021-10-10", "--format", "json")
    lines = [ln for ln in json.loads(run.out)["lines"] if ln["event"] == "fgj-gq"]
    assert [(ln["indicator"], ln["delta"], ln["kind"]) for ln in lines] == [("daily.10", -1, "late")]


def test_quarterly_report_due_over_national_day_with_tiaoxiu(store):
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-09-29")
    q3 = items_of(doc, "jk-czj")[("daily.8", "报送季度工作总结 2021-Q3")]
    assert (q3["due"], q3["status"], q3["points_at_risk"], q3["kind"]) == ("2021-10-09", "due_soon", -1, "report")
    # the day after its deadline it is overdue, and still costs 1 point
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-10-11")
    q3 = items_of(doc, "jk-czj")[("daily.8", "报送季度工作总结 2021-Q3")]
    assert (q3["status"], q3["points_at_risk"]) == ("overdue", -1)
    assert light(doc, "jk-czj")["light"] == "red"


def test_daan_prices_its_own_amounts(store):
    doc = due_json(store, "--policy", "daan-2021", "--as-of", "2021-09-29")
    items = items_of(doc, "da-fgj")
    supervised = items[("A.3.2", f"督办事项 {ITEM}")]
    assert (supervised["due"], supervised["status"], supervised["points_at_risk"]) == ("2021-10-09", "due_soon", -0.5)
    q3 = items[("A.3.1", "报送季度工作进展 2021-Q3")]
    assert (q3["due"], q3["status"], q3["points_at_risk"]) == ("2021-10-13", "due_soon", -2)
    assert light(doc, "da-fgj") == {"unit": "da-fgj", "light": "yellow", "overdue": 0, "due_soon": 2}


def test_hotline_tickets_are_one_item_per_indicator(store):
    """As of 06-15: T2 (due 06-10) unanswered, T3 due 06-18. On 06-18 both count: answered,
    3 of 3 (100%: 20 and 30 points); unanswered, 1 of 3 (33.33% < 80%: 0 points each)."""
    doc = due_json(store, "--policy", "jiangxian-2021", "--as-of", "2021-06-15")
    items = {i["indicator"]: i for i in doc["items"] if i["unit"] == "jx-kfq" and i["kind"] == "hotline"}
    assert set(items) == {"hotline.4", "hotline.5"}  # 办结率, 按期回复率; 满意率 has no deadline
    for indicator, points in (("hotline.4", -20), ("hotline.5", -30)):
        item = items[indicator]
        assert (item["due"], item["status"], item["points_at_risk"]) == ("2021-06-10", "overdue", points)
        assert item["what"] == "12345工单待办结：2件（最早2021-06-10到期）"
    assert light(doc, "jx-kfq") == {"unit": "jx-kfq", "light": "red", "overdue": 2, "due_soon": 0}


def test_unit_and_formats(store, tmp_path):
    doc = due_json(store, "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--unit", "jk-czj")
    assert {u["unit"] for u in doc["units"]} == {"jk-czj"} and {i["unit"] for i in doc["items"]} == {"jk-czj"}
    table = cli(store, "--lang", "zh", "due", "--policy", "jingkai-2021", "--as-of", "2021-09-29")
    assert table.code == 0 and "报送季度工作总结 2021-Q3" in table.out and "黄" in table.out
    csv_run = cli(store, "due", "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--format", "csv", "--no-bom")
    rows = csv_run.out.splitlines()
    assert rows[0].startswith("policy,as_of,known_at,within_workdays,unit,name,light")
    assert any("jk-czj" in r and "2021-10-09" in r and ",-1" in r for r in rows)
    out = tmp_path / "due.xlsx"
    run = cli(store, "due", "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--format", "xlsx",
              "--output", str(out))
    assert run.code == 0 and out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("args, field", [
    (("--within", "-1"), "--within"),
    (("--as-of", "2021-13-01"), "--as-of"),
    (("--unit", "nobody"), "--unit"),
    (("--unit", "jx-kfq"), "--unit"),  # registered, but jingkai does not score it
])
def test_bad_input_exits_2_naming_the_option(store, args, field):
    run = cli(store, "due", "--policy", "jingkai-2021", *args)
    assert run.code == 2 and field in run.err and "Traceback" not in run.err, run.err


NULL_POLICY = """
id: due-test
version: 1
year: 2021
title: 预警测试方案
tracks:
  - id: main
    name: 测试考核
    group: g
    indicators:
      - id: info
        name: 专栏信息
        points: 10
        mode: deduction
        floor: 0
        clause: 每月至少发布专栏信息1条，未发布的扣1分。
        rule: {kind: quota, event: publication, where: {channel: column}, every: month, short: -1}
      - id: rank
        name: 信息排名
        clause: 按专栏信息条数排序，前2名依次加2、1分。
        rule: {kind: rank, by: {count: {event: publication, where: {channel: column}}}, places: [2, 1]}
      - id: book
        name: 工作台账
        clause: 每月报送工作台账（不计分）。
        rule: {kind: report, report: work_book, every: month, due: {rule: end_of_period}}
      - id: train
        name: 培训
        points: 5
        mode: deduction
        floor: 0
        clause: 每月至少培训1次，未培训的扣2分，扣完为止。
        rule: {kind: quota, event: training_session, every: month, short: -2}
"""


def test_not_priced_where_peers_price_it_or_no_points_attach_and_floors_count(db_url, tmp_path):
    """As of 06-25 (window to 07-09): June's column quota is read by the rank (null), the work
    book carries no points (null, every month), June's training costs 2 points for u1, who
    trained every month so far (5 → 3), and nothing for u2, already at the floor (5 − 5×2 < 0)."""
    setup_units(db_url, tmp_path, "id,name,groups,divisions\nu1,一局,g,\nu2,二局,g,\n")
    trainings = [{"type": "training_session", "id": f"tr-{m}", "unit": "u1", "date": f"2021-{m:02d}-10",
                  "topic": "条例", "attendees": 10} for m in range(1, 6)]
    assert cli(db_url, "import", write_jsonl(tmp_path / "t.jsonl", trainings)).code == 0
    policy = tmp_path / "due-test.yaml"
    policy.write_text(NULL_POLICY, encoding="utf-8")
    doc = due_json(db_url, "--policy-file", str(policy), "--as-of", "2021-06-25")
    got = {(i["unit"], i["indicator"], i["what"]): (i["status"], i["points_at_risk"]) for i in doc["items"]}
    assert got[("u1", "info", "专栏信息 2021-06：已有0件，应有1件")] == ("due_soon", None)
    assert got[("u1", "book", "报送工作台账 2021-05")] == ("overdue", None)
    assert got[("u1", "book", "报送工作台账 2021-06")] == ("due_soon", None)
    assert got[("u1", "train", "培训 2021-06：已有0件，应有1件")] == ("due_soon", -2)
    assert got[("u2", "train", "培训 2021-06：已有0件，应有1件")] == ("due_soon", 0)
    assert ("u1", "train", "培训 2021-05：已有1件，应有1件") not in got  # a met period is nothing to do
    assert {u["unit"]: u["light"] for u in doc["units"]} == {"u1": "red", "u2": "red"}  # the work books
