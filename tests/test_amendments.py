"""Issue #17 "Amended rules, honestly": what-ifs marked, the version in force, dated values
inside a version, diffs that show the rule.

The policy is tests/policies/cli.yaml (daily 10 − 1/warning − 2/criticism, floor 0; media
ranked 3, 2, 1). Hand-worked amendment: from 2021-07-01 a criticism costs 3 points, not 2.
Unit b has criticisms on 2021-06-15 and 2021-07-15:
    under @1 (−2 each)                         → daily 10 − 2 − 2 = 6
    under @2 (−3 each, in force from 07-01)    → daily 10 − 3 − 3 = 4 (the version decides)
    under @3 (amount {2021-01-01: −2, 2021-07-01: −3}) → daily 10 − 2 − 3 = 5 (the event's date decides)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers import cli, write_jsonl

POLICY = Path(__file__).parent / "policies" / "cli.yaml"
UNITS = "id,name,groups\na,甲局,g\nb,乙局,g\n"
BASE = POLICY.read_text(encoding="utf-8")


def version(n: int, effective_from: str | None = None, criticism: str = "-2", extra: str = "") -> str:
    head = f"version: {n}\n" + (f"effective_from: {effective_from}\n" if effective_from else "")
    head += f"change_note: 第{n}版\n" if n > 1 else ""
    return (BASE.replace("version: 1\n", head + extra)
            .replace("{event: criticism, amount: -2}", f"{{event: criticism, amount: {criticism}}}"))


def build(url: str, tmp_path: Path) -> str:
    """Units a and b (group g); a's warning 03-01 and media report 05-01, b's criticisms 06-15
    and 07-15; cli.yaml @1 loaded."""
    (tmp_path / "u.csv").write_text(UNITS, encoding="utf-8")
    assert cli(url, "init").code == 0
    assert cli(url, "units", "import", str(tmp_path / "u.csv")).code == 0
    events = [{"type": "warning", "unit": "a", "date": "2021-03-01", "id": "a-w1", "issuer_level": "county"},
              {"type": "criticism", "unit": "b", "date": "2021-06-15", "id": "b-c6", "issuer_level": "county"},
              {"type": "criticism", "unit": "b", "date": "2021-07-15", "id": "b-c7", "issuer_level": "county"},
              {"type": "media_report", "unit": "a", "date": "2021-05-01", "id": "a-m1", "level": "province",
               "outlet": "吉林日报", "title": "t"}]
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    assert cli(url, "policy", "load", str(POLICY)).code == 0
    return url


@pytest.fixture
def url(tmp_path):
    return build(f"sqlite:///{tmp_path}/ledger.db", tmp_path)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def daily(url: str, *args: str) -> tuple[str, dict[str, float]]:
    doc = json.loads(cli(url, "score", "--format", "json", *args).out)
    return doc["policy"], {r["unit"]: next(i["points"] for i in r["indicators"] if i["id"] == "daily")
                           for r in doc["rows"]}


# ---------------------------------------------------------------- (1) what-ifs are marked


def test_what_if_is_marked_in_every_format_and_never_published(url, tmp_path):
    draft = write(tmp_path, "draft.yaml", version(2, criticism="-3"))
    mark = "cli-test@2+draft:" + hashlib.sha256(Path(draft).read_bytes()).hexdigest()[:8]
    ref, points = daily(url, "--policy-file", draft)
    assert ref == mark and points["b"] == 4
    table = cli(url, "score", "--policy-file", draft).out
    assert mark in table and "WHAT-IF" in table and "not an official result" in table
    assert "模拟测算" in cli(url, "--lang", "zh", "score", "--policy-file", draft).out
    csv_text = cli(url, "score", "--policy-file", draft, "--format", "csv").out
    assert all(line.startswith(mark + ",") for line in csv_text.splitlines()[1:])
    out = tmp_path / "s.xlsx"
    assert cli(url, "score", "--policy-file", draft, "--format", "xlsx", "--output", str(out)).code == 0
    from openpyxl import load_workbook
    summary = load_workbook(out).worksheets[0]  # the summary sheet comes first
    cells = [str(cell.value) for row in summary.iter_rows() for cell in row if cell.value is not None]
    assert any(mark in text for text in cells) and any("WHAT-IF" in text for text in cells)
    html = cli(url, "explain", "b", "--policy-file", draft, "--format", "html").out
    assert f"<title>b 乙局 — {mark}</title>" in html and "WHAT-IF" in html
    md = cli(url, "explain", "b", "--policy-file", draft, "--format", "md").out
    assert mark in md
    explained = json.loads(cli(url, "explain", "b", "--policy-file", draft, "--format", "json").out)
    assert explained["policy"] == mark
    bulletin = json.loads(cli(url, "bulletin", "--policy-file", draft, "--period", "2021-07", "--format", "json").out)
    assert bulletin["policy"] == mark
    diffed = json.loads(cli(url, "diff", "--policy", "cli-test@1", "--against", draft, "--format", "json").out)
    assert diffed["before"]["policy"] == "cli-test@1" and diffed["after"]["policy"] == mark
    # refused by publish, in either spelling; never stored as a version
    run = cli(url, "publish", "--policy-file", draft)
    assert run.code == 2 and "never published" in run.err
    run = cli(url, "publish", "--policy", mark)
    assert run.code == 2 and "what-if" in run.err
    assert cli(url, "published").out.count("pub-") == 0
    assert "cli-test@2" not in cli(url, "policy", "list").out
    # the same text loaded is a version: no longer a draft
    assert cli(url, "policy", "load", draft).code == 0
    assert daily(url, "--policy", "cli-test@2")[0] == "cli-test@2"


def test_a_normal_result_is_unchanged(url):
    """JSON of a non-draft result is byte for byte what it was (no basis, no mark)."""
    doc = json.loads(cli(url, "score", "--policy", "cli-test", "--format", "json").out)
    assert doc["policy"] == "cli-test@1" and set(doc) == {"policy", "as_of", "known_at", "head", "rows"}


# ---------------------------------------------------------------- (2) which version


def test_effective_from_picks_the_default_at_as_of_only(url, tmp_path):
    assert cli(url, "policy", "load", write(tmp_path, "v2.yaml", version(2, "2021-07-01", "-3"))).code == 0
    assert daily(url, "--policy", "cli-test", "--as-of", "2021-06-30") == ("cli-test@1", {"a": 9, "b": 8})
    assert daily(url, "--policy", "cli-test", "--as-of", "2021-07-01") == ("cli-test@2", {"a": 9, "b": 7})
    assert daily(url, "--policy", "cli-test")[0] == "cli-test@2"  # as of the year's end
    assert daily(url, "--policy", "cli-test@1")[0] == "cli-test@1"  # @N forces
    assert daily(url, "--policy", "cli-test@2", "--as-of", "2021-06-30")[0] == "cli-test@2"
    # every human-readable output says which version and why
    june = cli(url, "--lang", "zh", "score", "--policy", "cli-test", "--as-of", "2021-06-30").out
    assert "版本 @1：2021-06-30 时有效" in june
    july = cli(url, "--lang", "en", "score", "--policy", "cli-test", "--as-of", "2021-07-31").out
    assert "version @2: in force at 2021-07-31 (effective from 2021-07-01)" in july
    forced = cli(url, "--lang", "en", "explain", "b", "--policy", "cli-test@1").out
    assert "version @1 as asked" in forced
    assert "2021-06-30" in cli(url, "bulletin", "--policy", "cli-test", "--period", "2021-06").out
    assert "cli-test@1" in cli(url, "bulletin", "--policy", "cli-test", "--period", "2021-06").out
    listed = json.loads(cli(url, "policy", "list", "--format", "json").out)
    live = {r["policy"]: r["in_force_today"] for r in listed if r["policy"].startswith("cli-test")}
    assert live == {"cli-test@1": False, "cli-test@2": True}
    assert "今日现行" in cli(url, "--lang", "zh", "policy", "list").out


def test_a_version_not_yet_in_force_and_publications_keep_their_version(url, tmp_path):
    assert cli(url, "policy", "load", write(tmp_path, "v1.yaml", BASE)).code == 0
    run = cli(url, "publish", "--policy", "cli-test", "--as-of", "2021-06-30")
    assert run.code == 0 and "cli-test@1" in run.out
    pub = run.out.split(":")[0]
    before = cli(url, "published", pub, "--content").out
    assert cli(url, "policy", "load", write(tmp_path, "v2.yaml", version(2, "2021-01-01", "-3"))).code == 0
    # @2 is now in force at 2021-06-30, yet the publication names @1 and regenerates byte for byte
    assert daily(url, "--policy", "cli-test", "--as-of", "2021-06-30")[0] == "cli-test@2"
    assert cli(url, "published", pub, "--content").out == before
    check = cli(url, "published", pub)
    assert check.code == 0, check.out + check.err


# ---------------------------------------------------------------- (3) dated values inside a version

DATED = "{2021-01-01: -2, 2021-07-01: -3}"


def test_a_mid_year_amendment_prices_june_and_july_events_differently(url, tmp_path):
    amended = write(tmp_path, "v3.yaml", version(3, criticism=DATED))
    assert cli(url, "policy", "load", amended).code == 0
    assert daily(url, "--policy", "cli-test@3") == ("cli-test@3", {"a": 9, "b": 5})  # 10 − 2 − 3
    assert daily(url, "--policy", "cli-test@3", "--as-of", "2021-06-30")[1]["b"] == 8  # only June's −2
    doc = json.loads(cli(url, "explain", "b", "--policy", "cli-test@3", "--format", "json").out)
    lines = {ln["event"]: ln for ln in doc["lines"] if ln.get("event")}
    assert (lines["b-c6"]["delta"], lines["b-c7"]["delta"]) == (-2, -3)
    assert "from 2021-07-01: minus 3 per event" in lines["b-c7"]["detail"]
    zh = cli(url, "--lang", "zh", "explain", "b", "--policy", "cli-test@3").out
    assert "自2021-07-01起每件次扣3分" in zh and "自2021-01-01起每件次扣2分" in zh


def test_as_of_values_and_obligations_use_their_dates(url, tmp_path):
    # the indicator's starting points are an as-of value: 10 until June, 12 from July
    text = version(4, criticism=DATED).replace("points: 10\n", "points: {2021-01-01: 10, 2021-07-01: 12}\n")
    path = write(tmp_path, "v4.yaml", text)
    assert daily(url, "--policy-file", path, "--as-of", "2021-06-30")[1]["b"] == 8
    assert daily(url, "--policy-file", path, "--as-of", "2021-07-31")[1]["b"] == 7  # 12 − 2 − 3
    bad = write(tmp_path, "bad.yaml", version(5, criticism="{July: -3}"))
    run = cli(url, "score", "--policy-file", bad)
    assert run.code == 2 and "is not a date" in run.err


def test_a_report_obligation_is_priced_at_its_deadline():
    import datetime as dt

    from ledger.policies.loader import load_policy_text
    from ledger.projections.scoring import score_track
    from ledger.units import Unit

    text = """
id: dated-report
version: 1
year: 2021
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - id: r
        name: 月报
        points: 10
        mode: deduction
        rule: {kind: report, report: monthly, every: month, periods: [5, 6], due: {rule: day_of_next_month, day: 5},
               missing: {2021-01-01: -1, 2021-06-06: -2}}
"""
    policy = load_policy_text(text)
    cards = score_track(policy, "t", [Unit("u", "u", ("g",), ())], {}, dt.date(2021, 12, 31))
    missing = [ln for ln in cards[0].lines if ln.kind == "missing_obligation"]
    # May's report was due 2021-06-05 (−1), June's 2021-07-05 (−2 from 2021-06-06)
    assert [ln.delta for ln in missing] == [-1, -2]
    assert "value from 2021-06-06: -2" in missing[1].detail


# ---------------------------------------------------------------- (4) diff shows the rule


@pytest.mark.parametrize("change, field, old, new, moved", [
    ("{event: criticism, amount: -3}", "rule.cases[1].amount", "-2", "-3", ("-2 → -3", "b-c6", "b-c7")),
    (f"{{event: criticism, amount: {DATED}}}", "rule.cases[1].amount", "-2", "{2021-01-01: -2, 2021-07-01: -3}",
     ("b-c7", "-2 → -3")),
])
def test_diff_shows_old_and_new_values_and_the_events_they_move(url, tmp_path, change, field, old, new, moved):
    text = BASE.replace("version: 1", "version: 2").replace("{event: criticism, amount: -2}", change)
    doc = json.loads(cli(url, "diff", "--policy", "cli-test@1", "--against", write(tmp_path, "x.yaml", text),
                         "--format", "json").out)
    rule = next(r for r in doc["rules"] if r["indicator"] == "daily")
    assert {"field": field, "before": old, "after": new} in rule["values"]
    assert rule["text_before"] == rule["text_after"] and rule["text_before"].startswith("被警示的扣1分")
    causes = next(c for c in doc["changes"] if c["unit"] == "b" and c["indicator"] == "daily")["causes"]
    assert all(any(m in c for c in causes) for m in moved)


def test_diff_of_a_clause_a_floor_a_track_setting_and_an_added_indicator(url, tmp_path):
    text = (BASE.replace("version: 1", "version: 2").replace("floor: 0", "floor: 9")
            .replace("扣完为止。", "扣至9分为止。").replace("{min: 12, grade: 优秀}", "{min: 11, grade: 优秀}")
            + "      - {id: extra, name: 附加, rule: {kind: per_event, event: warning, amount: 1}}\n")
    table = cli(url, "diff", "--policy", "cli-test@1", "--against", write(tmp_path, "y.yaml", text)).out
    assert "floor: 0 → 9" in table and "grades[0].min: 12 → 11" in table
    assert "rule text before: 被警示的扣1分/件次,通报批评的扣2分/件次,扣完为止。" in table
    assert "rule text after:  被警示的扣1分/件次,通报批评的扣2分/件次,扣至9分为止。" in table
    assert "main/extra added" in table


def test_a_quota_is_priced_at_each_periods_deadline():
    """Issue #17: obligations at their deadline — a quota too, not at as-of."""
    import datetime as dt

    from ledger.policies.loader import load_policy_text
    from ledger.projections.scoring import score_track
    from ledger.units import Unit

    text = """
id: dated-quota
version: 1
year: 2021
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - id: q
        name: 专栏信息
        points: 10
        mode: deduction
        rule: {kind: quota, event: training_session, every: month, periods: [5, 6, 7], target: 1,
               short: {2021-01-01: -1, 2021-06-30: -2}}
"""
    policy = load_policy_text(text)
    cards = score_track(policy, "t", [Unit("u", "u", ("g",), ())], {}, dt.date(2021, 12, 31))
    short = [ln for ln in cards[0].lines if ln.kind == "missing_obligation"]
    # no training in May, June or July; each month is due at its last day (end_of_period):
    # May 31 → −1; June 30 → −2 (in force from 2021-06-30); July 31 → −2. At as-of all would be −2.
    assert [ln.period for ln in short] == ["2021-05", "2021-06", "2021-07"]
    assert [ln.delta for ln in short] == [-1, -2, -2]
    assert cards[0].total == 10 - 5
    assert "value from 2021-06-30: -2" in short[1].detail and "value from" in short[0].detail


def test_diff_speaks_chinese_under_zh(url, tmp_path):
    """Every label, heading and cause of the diff table in Chinese; English and JSON as before."""
    text = (BASE.replace("version: 1", "version: 2").replace("floor: 0", "floor: 5")
            .replace("{event: criticism, amount: -2}", f"{{event: criticism, amount: {DATED}}}"))
    assert cli(url, "policy", "load", write(tmp_path, "v2.yaml", text)).code == 0
    zh = cli(url, "--lang", "zh", "diff", "--policy", "cli-test@1", "--against", "cli-test@2").out
    for said in ("变更前：cli-test@1 · 截至 2021-12-31", "变更后：cli-test@2", "规则变化：",
                 "测试考核/daily 有修改（floor, rule）：被警示的扣1分", "测试考核/daily 有修改：", "floor: 0 → 5",
                 "条款（未修改）：被警示的扣1分/件次", "考核类别", "原因",
                 "规则：测试考核/daily 有修改（floor, rule）",
                 "事件 b-c7（通报批评，发生于 2021-07-15）：-2 → -3"):  # b: 10 − 2 − 3 = 5, was 10 − 2 − 2 = 6
        assert said in zh, said
    assert "总分" in zh  # b's total 6 → 5
    for english in ("before:", "after:", "rule changes", "rule text", "event ", "because", "indicator", "changed"):
        assert english not in zh, english
    en = cli(url, "--lang", "en", "diff", "--policy", "cli-test@1", "--against", "cli-test@2").out
    assert "event b-c7 (criticism, dated 2021-07-15): -2 → -3" in en and "rule text (unchanged):" in en
    # a change of knowledge: the retraction and its reason, in Chinese
    known = json.loads(cli(url, "score", "--policy", "cli-test@1", "--format", "json").out)["known_at"]
    assert cli(url, "retract", "b-c6", "--reason", "错报").code == 0
    zh = cli(url, "--lang", "zh", "diff", "--policy", "cli-test@1", "--known-at", str(known)).out
    assert "事件 b-c6（通报批评）已被 " in zh and f"撤销（第 {known + 1} 号记录）：错报" in zh
    doc = json.loads(cli(url, "--lang", "zh", "diff", "--policy", "cli-test@1", "--known-at", str(known),
                         "--format", "json").out)
    cause = next(c for c in doc["changes"] if c["indicator"] == "daily")["causes"][0]
    assert cause.startswith("event b-c6 (criticism) retracted by ") and cause.endswith(f"at revision {known + 1}: 错报")
