"""Issue #13: explanations that answer "why", in Chinese — what happened on each line, the
summary first, folded 0-point lines, headings out of the maximum, provisional results, the
terminal and the bugs (ratio denominator, heading sum, the appeal error's ":2", multi-line 原文).

Values are hand-checked against the demo data (ledger/demo_data): jk-zjj under jingkai-2021 as
of 2022-01-31 lost 17 points on daily.11 (党纪政纪处分 −10, 告诫 −3, 通报批评 −2, 未按要求纠正整改 −2).
"""

from __future__ import annotations

import json

import pytest
from helpers import cli, write_jsonl

from ledger.reports import text as render

JK = ("--policy", "jingkai-2021", "--as-of", "2022-01-31")


@pytest.fixture(scope="module")
def demo(demo_store):
    """The session's demo store (read only here: a test that writes copies it first)."""
    return demo_store.url


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("LEDGER_LANG", "zh")


def explain_json(url, unit, *extra):
    run = cli(url, "explain", unit, *extra, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)


# ---------------------------------------------------------------- Chinese by default, English on demand

def test_the_explanation_is_chinese_by_default_summary_first(demo, zh):
    run = cli(demo, "explain", "jk-zjj", *JK)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[1] == "总分 43.84 / 110   等级 不达标"
    # the main losses, with the reason of each, before any line
    assert lines[2].startswith("主要失分：daily.11 −17 = 党纪政纪处分1件 −10、告诫1件 −3、通报批评1件 −2、"
                               "未按要求纠正整改1件 −2；daily.10 −7 = ")
    assert lines[3].startswith("考核办法 jingkai-2021@1 · 截至 2022-01-31 · 依据第 ")
    # headers in one language
    assert any(ln.split()[:3] == ["分值", "指标", "依据（发生了什么）"] for ln in lines)
    assert "delta" not in run.out and "indicator" not in run.out


def test_english_with_lang_or_ledger_lang(demo, monkeypatch):
    monkeypatch.setenv("LEDGER_LANG", "zh")
    run = cli(demo, "--lang", "en", "explain", "jk-zjj", *JK)
    assert run.out.splitlines()[1] == "total 43.84 / 110   grade 不达标"
    assert "Main losses: daily.11 −17 = discipline_case ×1 −10, admonition ×1 −3" in run.out
    assert cli(demo, "explain", "jk-zjj", *JK, "--lang", "en").out == run.out  # on the command too
    assert cli(demo, "explain", "jk-zjj", *JK).out.splitlines()[1].startswith("总分")  # not sticky
    monkeypatch.setenv("LEDGER_LANG", "en")
    assert cli(demo, "explain", "jk-zjj", *JK).out == run.out


def test_help_and_errors_are_chinese_by_default(demo, zh):
    helped = cli(demo, "explain", "--help").out
    assert "用法：" in helped and "一个单位的得分说明" in helped and "--all-lines" in helped
    bad = cli(demo, "explain", "jk-zjj", "--policy", "nope")
    assert bad.code == 2 and "字段“--policy”" in bad.err and "（实际为 'nope'）" in bad.err


# ---------------------------------------------------------------- what happened, on every line

def test_each_line_says_what_happened_in_the_events_own_words(demo, zh):
    out = cli(demo, "explain", "jk-zjj", *JK).out
    row = next(ln for ln in out.splitlines() if "jk-zjj-cnd-001" in ln)
    # the type's catalogue name, the event's own words, its date and source, beside the clause
    assert "作风/纪律/效率/窗口服务问题经查实：窗口服务；明察暗访发现窗口服务问题，经查属实" in row
    assert "2021-05-11" in row and "吉经开营商办〔2021〕8号" in row and "(7)发现在机关作风" in row
    # the policy's words, labelled: report kinds and the engine's detail in Chinese
    assert "报送（逾期）：工作动态信息 2021-03 应于 2021-03-31 前报送，2021-04-07 报送" in out
    # an event with no words of its own is described in the catalogue's words, its type named once
    row = next(ln for ln in out.splitlines() if "jk-zjj-evl-020" in ln)
    assert "评议打分：企业评议 qy02 分数 5.9 不满意" in row and "评议打分：评议打分" not in row


def test_json_what_only_on_lines_with_events_and_nothing_else_new(demo):
    doc = explain_json(demo, "jk-zjj", *JK)
    by_event = {ln["event"]: ln for ln in doc["lines"] if ln["event"]}
    assert by_event["jk-zjj-cnd-001"]["what"] == "窗口服务；明察暗访发现窗口服务问题，经查属实"
    assert by_event["jk-zjj-dsc-001"]["what"] == "经开区纪工委；工作人员违规收受管理服务对象礼品"
    # an event with no words of its own is described with the catalogue's and the policy's names
    assert by_event["jk-zjj-rep-001"]["what"] == "报送：工作动态信息 2021-01"
    assert all("what" not in ln for ln in doc["lines"] if not ln["event"] and not ln.get("events"))
    assert all("what" in ln for ln in doc["lines"] if ln["event"])
    # explain JSON gains only `what` (per line) and `summary`
    old = {"unit", "name", "policy", "track", "as_of", "known_at", "head", "total", "max", "grade", "vetoed",
           "downgraded", "lines", "indicators"}
    assert set(doc) == old | {"summary"}
    line_keys = {"indicator", "delta", "event", "event_type", "date", "rule", "source", "kind", "period", "detail",
                 "events", "corrections", "policy_version"}
    assert set().union(*(ln.keys() for ln in doc["lines"])) <= line_keys | {"what"}
    # the same in English: JSON is never translated
    assert cli(demo, "--lang", "zh", "explain", "jk-zjj", *JK, "--format", "json").out == \
        cli(demo, "--lang", "en", "explain", "jk-zjj", *JK, "--format", "json").out


def test_json_summary_hand_checked(demo):
    summary = explain_json(demo, "jk-zjj", *JK)["summary"]
    assert (summary["total"], summary["max"], summary["grade"]) == (43.84, 110, "不达标")
    assert summary["vetoed"] is False and summary["veto_reasons"] == []
    assert summary["provisional"] is False and summary["pending"] == []
    first = summary["main_losses"][0]
    assert (first["indicator"], first["points"]) == ("daily.11", -17)
    assert [(p["event_type"], p["count"], p["points"]) for p in first["by"]] == [
        ("discipline_case", 1, -10), ("admonition", 1, -3), ("criticism", 1, -2), ("rectification_failed", 1, -2)]
    assert [r["indicator"] for r in summary["main_losses"]] == ["daily.11", "daily.10", "daily.1"]


def test_veto_with_its_reason_in_the_summary(demo, zh):
    doc = explain_json(demo, "jk-zrj", *JK)  # 不达标 with 否决 in the demo's score table
    assert doc["summary"]["vetoed"] and doc["summary"]["veto_reasons"]
    head = cli(demo, "explain", "jk-zrj", *JK).out.splitlines()[:5]
    assert any(ln.startswith("一票否决：" + doc["summary"]["veto_reasons"][0]) for ln in head)


# ---------------------------------------------------------------- less noise, headings

def test_zero_point_lines_fold_unless_all_lines(demo, zh):
    folded = cli(demo, "explain", "jk-zjj", *JK).out
    assert "jk-zjj-rep-001" not in folded  # an on-time report
    assert "另有 10 条0分记录（按时 10；--all-lines 逐条显示）" in folded
    every = cli(demo, "explain", "jk-zjj", *JK, "--all-lines").out
    assert "jk-zjj-rep-001" in every and "条0分记录" not in every
    # JSON keeps every line
    assert "jk-zjj-rep-001" in {ln["event"] for ln in explain_json(demo, "jk-zjj", *JK)["lines"]}
    md = cli(demo, "explain", "jk-zjj", *JK, "--format", "md").out
    html = cli(demo, "explain", "jk-zjj", *JK, "--format", "html").out
    assert "另有 10 条0分记录" in md and "另有 10 条0分记录" in html and 'class="folded"' in html


def test_group_heading_adds_the_deductions_and_says_why(demo, zh):
    # regression: the heading of `daily` added only its base and floor lines (+62); the group scores 0/40
    out = cli(demo, "explain", "jk-zjj", *JK).out
    assert "daily 日常考评  0 / 40 分（扣完为止）" in out
    assert "(+62)" not in out
    en = cli(demo, "--lang", "en", "explain", "jk-zjj", *JK).out
    assert "daily 日常考评  0 / 40 points (nothing left to deduct)" in en


# ---------------------------------------------------------------- provisional, warnings

def test_provisional_before_the_last_deadline(demo, zh):
    # as of 2021-12-31 the Q4 summary (due the 2nd working day of January) is still to come
    doc = explain_json(demo, "jk-zjj", "--policy", "jingkai-2021", "--as-of", "2021-12-31")
    assert doc["summary"]["provisional"] is True and "daily.8" in doc["summary"]["pending"]
    assert doc["summary"]["final_on"] == "2022-01-05"
    out = cli(demo, "explain", "jk-zjj", "--policy", "jingkai-2021", "--as-of", "2021-12-31").out
    assert "【暂定】" in out.splitlines()[1] and "暂定结果：截至 2021-12-31" in out
    for fmt in ("md", "html"):
        assert "【暂定】" in cli(demo, "explain", "jk-zjj", "--policy", "jingkai-2021", "--as-of", "2021-12-31",
                                "--format", fmt).out


def test_warnings_for_as_of_outside_the_year_and_known_at_before_the_first_record(demo, zh):
    run = cli(demo, "score", *JK)
    assert run.code == 0 and "--as-of 2022-01-31 不在考核年度 2021 内" in run.err
    assert "注意" not in cli(demo, "score", "--policy", "jingkai-2021").err
    early = cli(demo, "score", "--policy", "jingkai-2021", "--known-at", "0")
    assert early.code == 0 and "--known-at 早于台账的第一条记录" in early.err


# ---------------------------------------------------------------- score --sort/--lowest, empty tables

def test_score_sort_and_lowest(demo):
    out = cli(demo, "score", "--policy", "jingkai-2021", "--lowest", "3", "--sort", "total").out
    units = [ln.split()[1] for ln in out.splitlines() if ln.startswith(tuple("0123456789"))]
    assert units == ["jk-tkgs", "jk-sthj", "jk-zjj"]
    doc = json.loads(cli(demo, "score", "--policy", "jingkai-2021", "--lowest", "2", "--format", "json").out)
    assert [r["unit"] for r in doc["rows"]] == ["jk-sthj", "jk-zjj"]


def test_an_empty_table_says_why(tmp_path, zh):
    url = f"sqlite:///{tmp_path}/empty.db"
    assert cli(url, "init").code == 0
    out = cli(url, "score", "--policy", "jingkai-2021").out
    assert "本考核办法的分组“jingkai-unit”中没有登记任何单位" in out


# ---------------------------------------------------------------- several tracks, terminal width

def test_explain_without_track_explains_each_track_in_turn(demo, zh):
    out = cli(demo, "explain", "jx-zjj", "--policy", "jiangxian-2021", "--as-of", "2022-01-31").out
    titles = [ln for ln in out.splitlines() if ln.startswith("jx-zjj 县住房和城乡建设管理局 — ")]
    assert len(titles) >= 2 and titles[0].endswith("(progress)") and titles[1].endswith("(supervision)")
    assert out.count("<!DOCTYPE html>") == 0
    html = cli(demo, "explain", "jx-zjj", "--policy", "jiangxian-2021", "--format", "html").out
    assert html.count("<!DOCTYPE html>") == len(titles)
    one = cli(demo, "explain", "jx-zjj", "--policy", "jiangxian-2021", "--format", "json")
    assert one.code == 2 and "--track" in one.err


def test_tables_fit_a_terminal_and_piped_output_is_not_wrapped(demo):
    from ledger.app import Ledger
    from ledger.reports import explain as explain_report

    with Ledger(demo) as ledger:
        import datetime as dt

        board = ledger.scoreboard(ledger.policy("jingkai-2021"), as_of=dt.date(2022, 1, 31), focus="jk-zjj")
        ex = explain_report.Explanation(board, board.card("jk-zjj"))
        wide = explain_report.as_table(ex)
        fitted = explain_report.as_table(ex, width=160)
    table_lines = [ln for ln in fitted.splitlines() if ln.startswith(("+", "-", "0"))]
    assert max(render.display_width(ln) for ln in table_lines) <= 160
    assert max(render.display_width(ln) for ln in wide.splitlines()) > 160  # piped: one line per row
    assert render.wrap_text("甲乙丙丁戊己", 4) == ["甲乙", "丙丁", "戊己"]


# ---------------------------------------------------------------- the bugs

def test_ratio_line_names_a_constant_denominator_once(demo):
    # regression: "supervision_coverage 57.7 ÷ 80 80 × 30"
    doc = explain_json(demo, "jx-nyj", "--policy", "jiangxian-2021", "--track", "supervision")
    line = next(ln for ln in doc["lines"] if ln["indicator"] == "supervision.3")
    import re

    assert re.match(r"supervision_coverage [\d.]+ ÷ 80 × 30 = ", line["detail"]), line["detail"]
    assert "80 80" not in line["detail"]
    # a metric denominator is still named: numerator and denominator metrics with their values
    ratio = next(ln for ln in doc["lines"] if ln["indicator"] == "supervision.1" and ln.get("kind") == "ratio")
    assert " ÷ supervision_objects " in ratio["detail"]


def test_appeal_decision_errors_name_the_option_not_a_line_number(demo, tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    import shutil

    shutil.copy(demo.removeprefix("sqlite:///"), tmp_path / "a.db")
    filed = cli(url, "appeal", "file", "--unit", "jk-zjj", "--target", "jk-zjj-crt-001", "--grounds", "不服")
    appeal_id = filed.out.split()[0]
    bad = cli(url, "appeal", "decide", appeal_id, "--outcome", "upheld", "--reason", "x", "--retract", "nope")
    assert bad.code == 2 and "--retract nope: field 'target'" in bad.err and ":2" not in bad.err
    wrong = cli(url, "appeal", "decide", appeal_id, "--outcome", "upheld", "--reason", "x",
                "--correct", "jk-zjj-crt-001", "issuer_level=zzz")
    assert wrong.code == 2 and "--correct jk-zjj-crt-001: field 'changes.issuer_level'" in wrong.err
    recorded = cli(url, "record", "warning", "--unit", "jk-zjj", "--date", "2021-05-01", "--set", "issuer_level=x")
    assert recorded.code == 2 and "command line: field" in recorded.err  # no ":1" either


def test_policy_show_keeps_a_multi_line_clause_inside_the_tree(demo):
    out = cli(demo, "policy", "show", "jilin-kjt-2019").out
    body = out.splitlines()[1:]
    # every line belongs to the tree: indented, a track heading, or blank (a clause's second line was flush left)
    assert all(not ln or ln.startswith(("  ", "track ")) for ln in body), \
        [ln for ln in body if ln and not ln.startswith(("  ", "track "))][:3]


def test_what_of_a_line_behind_several_events(tmp_path):
    from test_cli_scoring import setup

    url = f"sqlite:///{tmp_path}/l.db"
    setup(url, tmp_path)
    extra = [{"type": "media_report", "unit": "b", "date": f"2021-03-0{i}", "level": "province",
              "outlet": "吉林日报", "title": f"报道{i}"} for i in range(1, 6)]
    assert cli(url, "import", write_jsonl(tmp_path / "m.jsonl", extra)).code == 0
    doc = explain_json(url, "b", "--policy", "cli-test")
    with_events = [ln for ln in doc["lines"] if ln.get("events") and not ln["event"]]
    for ln in with_events:
        assert ln.get("what")
