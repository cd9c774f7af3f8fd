"""Issue #28 — the policy language, second round: indicators final once their own windows and
deadlines have passed, hotline bulletins with `where` and chosen columns, windows on the
counting kinds, 不满意数/不满意率, the `website` channel, explanations in Chinese, and jiangxian's
12345 table as SEEDS.md reads it. Every number is worked out by hand in the comments; the three
real schemes are the fixtures tests/policies/{hotline-12345, adoption-levels, rate-report}.yaml."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal as D

import pytest
from helpers import cli, setup_units, write_jsonl
from seedkit import lines, pts
from test_rules_formula import ADOPTION, HERE, RATES, F, day, load, score

from ledger.events.catalog import validate
from ledger.policies import PolicyError, load_policy_file, load_policy_text
from ledger.projections.scoring import pending_indicators

# ---------------------------------------------------------------- 1. provisional by the indicator's own window

Q1_FORMULA = """      - {id: q1, name: 一季度表扬,
         rule: {kind: formula, measures: {n: {count: {event: praise}, window: 2023-Q1}}, formula: n}}
"""


def test_a_formula_over_a_closed_quarter_is_final_on_its_last_day():
    pol = load(Q1_FORMULA)
    facts = {"u1": [F("praise", "2023-02-01", issuer_level="city")]}
    (c,) = score(pol, "t", facts, "2023-03-30")
    assert c.provisional and c.pending == ("q1",) and c.final_on == day("2023-03-31")
    (c,) = score(pol, "t", facts, "2023-03-31")  # the repro: the window closed on as-of
    assert not c.provisional and c.pending == () and c.final_on == day("2023-03-31")
    assert pts(c, "q1") == 1


def test_each_kind_closes_with_its_window_periods_and_deadlines():
    pol = load("""      - {id: rep, name: 一季度月报,
         rule: {kind: report, report: monthly, every: month, periods: [1, 2, 3],
                due: {rule: day_of_next_month, day: 10}, on_time: 1}}
      - {id: qtr, name: 本季度表扬, rule: {kind: per_event, event: praise, amount: 1, window: quarter}}
      - {id: ref, name: 引用, rule: {kind: formula, measures: {x: {indicator: q1}}, formula: 2 * x}}
""" + Q1_FORMULA)
    # rep: its last period is March, reported by 04-10; qtr: the scoring date's quarter; ref reads q1 (Q1)
    assert pending_indicators(pol, "t", day("2023-03-31")) == pending_indicators(pol, "t", day("2023-03-31"))
    got = pending_indicators(pol, "t", day("2023-03-31"))
    assert got.indicators == ("rep",) and got.final_on == day("2023-04-10") and got.provisional
    got = pending_indicators(pol, "t", day("2023-04-10"))
    # qtr's window is now Q2, open until 06-30; rep, q1 and ref are final
    assert got.indicators == ("qtr",) and got.final_on == day("2023-06-30")
    got = pending_indicators(pol, "t", day("2023-06-30"))
    assert got.indicators == () and not got.provisional and got.final_on == day("2023-06-30")
    got = pending_indicators(pol, "t", day("2023-03-15"))
    assert got.indicators == ("rep", "qtr", "ref", "q1")  # document order; ref waits for q1


def test_a_rate_over_the_year_waits_for_the_due_dates_of_its_tickets():
    pol = load("""      - {id: h, name: 办结率, points: 10, mode: deduction,
         rule: {kind: rate, of: {hotline: completion}, per_point: 0.5}}
""")

    def ticket(unit, tid, received, due):
        return F("hotline_ticket", received, id=f"{unit}-{tid}", unit=unit, ticket=tid, due=day(due))

    facts = {"u1": [ticket("u1", "A", "2023-12-01", "2023-12-08"),
                    F("hotline_replied", "2023-12-05", unit="u1", ticket="A", quality="ok")],
             # u2's ticket of 12-28 is due 2024-01-05: not counted as of 12-31, counted from its due date on
             "u2": [ticket("u2", "B", "2023-12-28", "2024-01-05")]}
    cards = {c.unit: c for c in score(pol, "t", facts, "2023-12-31", units=("u1", "u2"))}
    assert not cards["u1"].provisional and cards["u1"].final_on == day("2023-12-31")
    assert cards["u2"].pending == ("h",) and cards["u2"].final_on == day("2024-01-05")
    # the policy alone knows no ticket: final at the year's end
    assert not pending_indicators(pol, "t", day("2023-12-31")).provisional
    assert pending_indicators(pol, "t", day("2023-12-31"), facts["u2"]).final_on == day("2024-01-05")
    (c,) = score(pol, "t", {"u2": facts["u2"]}, "2024-01-05", units=("u2",))
    assert not c.provisional
    # as of 01-05 B is due and not completed: 0/1 → 10 − 0.5 × 100 → 0 (floored by the rate's points)
    assert pts(c, "h") == 0


def test_supervised_items_wait_for_the_due_date_of_an_item_still_open():
    pol = load("""      - {id: s, name: 督办, points: 5, mode: deduction, rule: {kind: supervised_items, late: -1}}
""")
    facts = {"u1": [F("supervised_item_assigned", "2023-12-20", item="i1", due=day("2024-01-10"))]}
    (c,) = score(pol, "t", facts, "2023-12-31")
    assert c.pending == ("s",) and c.final_on == day("2024-01-10")
    closed = facts["u1"] + [F("supervised_item_closed", "2023-12-29", item="i1")]
    (c,) = score(pol, "t", {"u1": closed}, "2023-12-31")
    assert not c.provisional  # closed: its due date no longer matters


def test_a_deadline_in_a_year_without_a_calendar_is_still_to_come():
    """A 2040 scheme (its own calendar vouches for 2040, nobody's for 2041): scoring mid-year
    needs no 2041 day, so it scores; the Q4 report due in January 2041 keeps the result
    provisional, on a day not known yet."""
    text = """
id: t-2040
version: 1
year: 2040
title: t
calendar: {years: [2040]}
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - {id: r, name: 季报, rule: {kind: report, report: q, every: quarter, due: {rule: workday_of_next_period, n: 5},
                                 on_time: 1}}
"""
    pol = load_policy_text(text, "2040.yaml")
    (c,) = score(pol, "t", {"u1": [F("report_submitted", "2040-04-02", report="q", period="2040-Q1")]}, "2040-06-30")
    assert pts(c, "r") == 1  # Q1 by the 5th working day of April (2040's own calendar)
    assert c.pending == ("r",) and c.final_on is None and c.provisional


def test_explain_says_final_for_a_closed_window_on_both_stores(db_url, tmp_path):
    setup_units(db_url, tmp_path, "id,name,groups\nu1,一局,g\n")
    assert cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", [
        {"type": "praise", "unit": "u1", "date": "2023-02-01", "issuer_level": "city"}])).code == 0
    file = tmp_path / "q1.yaml"
    file.write_text(f"id: t-q1\nversion: 1\nyear: 2023\ntitle: 一季度\ntracks:\n  - id: t\n    name: t\n"
                    f"    group: g\n    indicators:\n{Q1_FORMULA}", encoding="utf-8")
    doc = json.loads(cli(db_url, "explain", "u1", "--policy-file", str(file), "--as-of", "2023-03-31",
                         "--format", "json").out)
    assert (doc["summary"]["provisional"], doc["summary"]["pending"], doc["summary"]["final_on"]) == \
        (False, [], "2023-03-31")
    assert "【暂定】" not in cli(db_url, "--lang", "zh", "explain", "u1", "--policy-file", str(file),
                                "--as-of", "2023-03-31").out
    early = json.loads(cli(db_url, "explain", "u1", "--policy-file", str(file), "--as-of", "2023-03-20",
                           "--format", "json").out)["summary"]
    assert (early["provisional"], early["pending"]) == (True, ["q1"])


# ---------------------------------------------------------------- 2. hotline bulletins: where, chosen columns

def hotline_events():
    """March 2023 (all 12345-channel unless said):
    u1 A 03-01 due 03-08, 按时反馈 by 03-02 (responded 03-02), ok 03-06, callback satisfied
       B 03-02 due 03-09, 按时反馈 by 03-03, first response = its ok reply 03-10 (late), callback not satisfied
       C 03-20 due 04-10, 按时反馈 by 03-21, responded 03-21; open, not yet due
       D online 03-05: left out by `where`
       E 03-03 (Fri), returned 03-06 — the 1st working day after: not the unit's
       F 02-27: February's
    u2 G 03-28 due 04-06, open, no 按时反馈 deadline
    u3 H online only: no row"""
    def t(unit, tid, received, due, channel="hotline", **more):
        return {"type": "hotline_ticket", "unit": unit, "date": received, "id": tid, "ticket": tid, "due": due,
                "channel": channel, **more}

    def e(type_, unit, date, tid, **more):
        return {"type": type_, "unit": unit, "date": date, "ticket": tid, **more}

    return [
        t("u1", "A", "2023-03-01", "2023-03-08", response_due="2023-03-02"),
        e("hotline_responded", "u1", "2023-03-02", "A"), e("hotline_replied", "u1", "2023-03-06", "A", quality="ok"),
        e("hotline_callback", "u1", "2023-03-07", "A", satisfied=True),
        t("u1", "B", "2023-03-02", "2023-03-09", response_due="2023-03-03"),
        e("hotline_replied", "u1", "2023-03-10", "B", quality="ok"),
        e("hotline_callback", "u1", "2023-03-12", "B", satisfied=False),
        t("u1", "C", "2023-03-20", "2023-04-10", response_due="2023-03-21"),
        e("hotline_responded", "u1", "2023-03-21", "C"),
        t("u1", "D", "2023-03-05", "2023-03-12", channel="online"),
        e("hotline_replied", "u1", "2023-03-08", "D", quality="ok"),
        t("u1", "E", "2023-03-03", "2023-03-10"), e("hotline_returned", "u1", "2023-03-06", "E"),
        t("u1", "F", "2023-02-27", "2023-03-06"),
        t("u2", "G", "2023-03-28", "2023-04-06"),
        t("u3", "H", "2023-03-10", "2023-03-17", channel="online"),
    ]


UNITS = "id,name,groups\nu1,一局,g\nu2,二局,g\nu3,三局,g\n"


def hotline_store(url, tmp_path):
    setup_units(url, tmp_path, UNITS)
    run = cli(url, "import", write_jsonl(tmp_path / "h.jsonl", hotline_events()))
    assert run.code == 0, run.err


def test_a_hotline_bulletin_with_where_and_chosen_columns(db_url, tmp_path):
    hotline_store(db_url, tmp_path)
    doc = json.loads(cli(db_url, "bulletin", "--policy-file", str(HERE / "hotline-12345.yaml"), "--period", "2023-03",
                         "--format", "json").out)
    (table,) = doc["tables"]
    assert (table["kind"], table["title"]) == ("hotline", "月份12345热线工单办理情况")
    assert table["headers"] == ["序号", "承办单位", "转办数量", "办结数", "办结率", "按时反馈率", "有效回访率",
                                "满意率", "不满意数"]
    # u1: 转办 A B C = 3; counted (due or completed) A B: 办结 2 → 100%; 按时反馈 over A B C (deadlines
    # passed or responded): A, C on time → 2/3 = 66.67%; callbacks A B, both reached → 100%; 满意率 over
    # the valid callbacks A B: A → 50%; 不满意 B → 1.
    # u2: 转办 G = 1, nothing due or completed: every rate — (none); u3: online only, no row.
    assert table["rows"] == [[1, "一局", 3, 2, "100.00%", "66.67%", "100.00%", "50.00%", 1],
                             [2, "二局", 1, 0, "—", "—", "—", "—", 0]]
    assert "只计渠道为12345热线的工单" in table["notes"][0]
    # the human formats carry the same columns and rows
    text = cli(db_url, "bulletin", "--policy-file", str(HERE / "hotline-12345.yaml"), "--period", "2023-03").out
    assert "按时反馈率" in text and "66.67%" in text and "三局" not in text
    # `where` alone: the standard columns over the 12345-channel tickets — u1 转办 A B C; over A B:
    # 办结 2 (100%), 逾期 B (replied 03-10, due 03-09) 1 (50%), 满意 A 1 (50%)
    yaml = (HERE / "hotline-12345.yaml").read_text(encoding="utf-8")
    where_only = tmp_path / "where-only.yaml"
    where_only.write_text(yaml[:yaml.index("    columns:")], encoding="utf-8")
    doc = json.loads(cli(db_url, "bulletin", "--policy-file", str(where_only), "--period", "2023-03",
                         "--format", "json").out)
    assert doc["tables"][0]["rows"] == [[1, "一局", 3, 2, "100.00%", 1, "50.00%", 1, "50.00%"],
                                        [2, "二局", 1, 0, "—", 0, "—", 0, "—"]]


def test_hostile_column_names_reach_every_format_escaped(tmp_path):
    url = f"sqlite:///{tmp_path / 'l.db'}"
    hotline_store(url, tmp_path)
    text = (HERE / "rate-report.yaml").read_text(encoding="utf-8").replace(
        "columns: [转办数量, 不满意数, 不满意率]",
        'columns: [{name: "=HYPERLINK(\\"http://x\\")", hotline: received, value: count},'
        ' {name: "<script>alert(1)</script>", hotline: dissatisfied}]')
    file = tmp_path / "hostile.yaml"
    file.write_text(text, encoding="utf-8")
    csv_out = cli(url, "bulletin", "--policy-file", str(file), "--period", "2023-03", "--format", "csv").out
    assert "'=HYPERLINK" in csv_out and ',=HYPERLINK' not in csv_out
    html = cli(url, "bulletin", "--policy-file", str(file), "--period", "2023-03", "--format", "html").out
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("bulletin, expected", [
    ("{track: rates, title: x, kind: hotline, columns: [办结量]}", "one of 转办数量"),
    ("{track: rates, title: x, kind: hotline, where: {chanel: hotline}}", "a field of hotline_ticket"),
    ("{track: rates, title: x, kind: checks, where: {channel: hotline}, columns: [{name: a, event: praise}]}",
     "`where` filters a hotline bulletin"),
    ("{track: rates, title: x, kind: hotline, columns: [{name: a, event: praise}]}", "a hotline measure"),
    ("{track: rates, title: x, kind: checks, columns: [办结率]}", "a ✓/✗ column"),
    ("{track: rates, title: x, kind: hotline, columns: [{name: a, hotline: happiness}]}", "completion"),
])
def test_bulletin_shapes_refused_at_load(bulletin, expected):
    text = (HERE / "rate-report.yaml").read_text(encoding="utf-8")
    text = text[:text.index("bulletins:")] + f"bulletins:\n  - {bulletin}\n"
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "bad.yaml")
    assert expected in str(err.value) and "bulletins[0]" in str(err.value)


def test_a_value_only_track_is_shown_without_a_total(tmp_path):
    """The score-and-rank table of a track that only reports values: its JSON keeps 总分 (published
    bytes), a person is shown the values alone."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    hotline_store(url, tmp_path)
    text = (HERE / "rate-report.yaml").read_text(encoding="utf-8")
    file = tmp_path / "no-bulletin.yaml"
    file.write_text(text[:text.index("bulletins:")], encoding="utf-8")
    doc = json.loads(cli(url, "bulletin", "--policy-file", str(file), "--period", "2023-03", "--format", "json").out)
    assert "总分" in doc["tables"][0]["headers"]
    for fmt in ("table", "csv", "html"):
        out = cli(url, "bulletin", "--policy-file", str(file), "--period", "2023-03", "--format", fmt).out
        assert "不满意率" in out and "总分" not in out, fmt


# ---------------------------------------------------------------- 3. windows on the counting kinds

def website(date, level=None, unit="u1"):
    return F("publication", date, unit=unit, channel="website", title=f"网站信息{date}",
             **({"level": level} if level else {}))


def test_a_quarter_only_per_event_keeps_its_lines():
    facts = {"u1": [website("2023-02-10", "county"), website("2023-04-05", "city"), website("2023-05-06", "province"),
                    website("2023-05-07", "county"), website("2023-06-01", "city"), website("2023-06-02")]}
    # as of 06-30 the window is Q2: city 2 + province 2 + county 1 + city 2 = 7 → capped at 6; the Q1
    # adoption and the one without a level do not count
    (c,) = score(ADOPTION, "info", facts, "2023-06-30")
    got = lines(c, "3")
    assert [(ln.kind, ln.delta, ln.date) for ln in got] == [
        (None, 2, day("2023-04-05")), (None, 2, day("2023-05-06")), (None, 1, day("2023-05-07")),
        (None, 2, day("2023-06-01")), ("cap", -1, None)]
    assert pts(c, "3") == 6
    (c,) = score(ADOPTION, "info", facts, "2023-03-31")  # Q1: the county adoption, 1
    assert pts(c, "3") == 1 and [ln.date for ln in lines(c, "3")] == [day("2023-02-10")]
    (c,) = score(ADOPTION, "info", facts, "2023-05-06")  # Q2 to 05-06: 2 + 2
    assert pts(c, "3") == 4


def test_per_event_rank_and_supervised_items_take_a_period_window():
    pol = load("""      - {id: pe, name: 一季度, rule: {kind: per_event, event: praise, amount: 1, window: 2023-Q1}}
      - {id: rk, name: 二月排名, rule: {kind: rank, by: {count: {event: praise}}, window: 2023-02, places: [3, 2]}}
      - {id: sv, name: 一季度督办, points: 5, mode: deduction,
         rule: {kind: supervised_items, late: -1, window: 2023-Q1}}
""")
    facts = {"u1": [F("praise", "2023-01-05", issuer_level="city"), F("praise", "2023-02-05", issuer_level="city"),
                    F("praise", "2023-04-05", issuer_level="city"),
                    F("supervised_item_assigned", "2023-03-01", item="i1", due=day("2023-03-10")),
                    F("supervised_item_assigned", "2023-04-01", item="i2", due=day("2023-04-10"))],
             "u2": [F("praise", "2023-02-06", unit="u2", issuer_level="city"),
                    F("praise", "2023-02-07", unit="u2", issuer_level="city")]}
    cards = {c.unit: c for c in score(pol, "t", facts, "2023-06-30", units=("u1", "u2"))}
    u1 = cards["u1"]
    assert pts(u1, "pe") == 2  # January and February; April is outside Q1
    # February: u2 has 2, u1 1 → u2 first (3), u1 second (2)
    assert (pts(u1, "rk"), pts(cards["u2"], "rk")) == (2, 3)
    assert "[2023-02: 2023-02-01…2023-02-28]" in lines(u1, "rk")[0].detail
    assert pts(u1, "sv") == 4  # i1 (assigned in Q1) still open after 03-10: −1; i2 is Q2's
    assert not u1.provisional  # every window is over by 06-30 and i2 is not counted


# ---------------------------------------------------------------- 4. measures and the website channel

def test_dissatisfied_over_the_tickets_of_one_channel():
    def t(tid, channel="hotline", **cb):
        out = [F("hotline_ticket", "2023-01-03", id=tid, ticket=tid, due=day("2023-01-10"), channel=channel),
               F("hotline_replied", "2023-01-05", ticket=tid, quality="ok")]
        return out + ([F("hotline_callback", "2023-01-06", ticket=tid, **cb)] if cb else [])

    facts = {"u1": t("A", satisfied=True) + t("B", satisfied=False) + t("C", satisfied=False, reached=False)
             + t("E", "online", satisfied=False)}
    (c,) = score(RATES, "rates", facts, "2023-03-31")
    # 12345 tickets A B C; dissatisfied: B (C's callback did not reach the citizen) → 1/3 = 33.33… → 33.3
    v = c.indicator("hotline")
    assert (v.value, v.places) == (D("33.3"), 1)
    assert lines(c, "hotline")[-1].detail.endswith("→ value 33.3% (reported, no points)")
    # the valid-callback 不满意率 of the same scheme (indicator dissatisfied): 100 − satisfied over the
    # reached callbacks A B E → 100 − 1/3 × 100 = 66.67 (every channel)
    assert c.indicator("dissatisfied").value == D("66.67")
    pol = load("""      - {id: v, name: v, reports: value, rank_order: asc,
         rule: {kind: formula, measures: {x: {hotline: valid_dissatisfied}}, formula: x}}
      - {id: o, name: o, reports: value, rank_order: asc,
         rule: {kind: formula, measures: {x: {hotline: overdue, value: count}, y: {hotline: received, value: count}},
                formula: 10 * x + y}}
""")
    late = [F("hotline_ticket", "2023-01-03", id="L", ticket="L", due=day("2023-01-10")),
            F("hotline_replied", "2023-01-12", ticket="L", quality="ok"),
            F("hotline_ticket", "2023-03-30", id="N", ticket="N", due=day("2023-04-10"))]
    (c,) = score(pol, "t", {"u1": facts["u1"] + late}, "2023-03-31")
    # valid callbacks A B E: not satisfied B E → 2/3 = 66.67
    assert c.indicator("v").value == D("66.67")
    # overdue: L (answered 01-12 after 01-10) → 1; received: A B C E L N = 6 → 10 + 6 = 16
    assert c.indicator("o").value == D("16.00")


def test_a_rate_rule_refuses_a_measure_that_is_better_low():
    with pytest.raises(PolicyError, match="better the lower"):
        load("""      - {id: a, name: a, points: 5, mode: deduction, rule: {kind: rate, of: {hotline: dissatisfied},
                                                         per_point: 1}}
""")


def test_the_website_channel():
    ev = validate({"type": "publication", "unit": "u", "date": "2023-01-04", "channel": "website", "title": "x",
                   "level": "city"})
    assert ev.channel == "website"
    from ledger.events.names import value_zh
    assert value_zh("channel", "website") == "政府网站信息"


def test_windows_and_measures_through_the_store(db_url, tmp_path):
    """Items 3 and 4 as `score` computes them from a store: the quarter-only website adoptions and
    the 12345-channel 不满意率."""
    url = three_schemes_store(db_url, tmp_path)
    more = [{"type": "publication", "unit": "u1", "date": d, "channel": "website", "title": f"网站{d}", "level": lv,
             "id": f"W-{d}"} for d, lv in (("2023-01-10", "county"), ("2023-04-03", "province"))]
    assert cli(url, "import", write_jsonl(tmp_path / "w.jsonl", more)).code == 0
    rows = json.loads(cli(url, "score", "--policy-file", str(HERE / "adoption-levels.yaml"), "--as-of", "2023-03-31",
                          "--format", "json").out)["rows"]
    u1 = next(r for r in rows if r["unit"] == "u1")
    # Q1 website adoptions: 03-03 city 2 + 01-10 county 1 = 3 (April's is Q2's)
    assert next(i for i in u1["indicators"] if i["id"] == "3")["points"] == 3.0
    rows = json.loads(cli(url, "score", "--policy-file", str(HERE / "rate-report.yaml"), "--as-of", "2023-03-31",
                          "--format", "json").out)["rows"]
    u1 = next(r for r in rows if r["unit"] == "u1")
    # u1's 12345-channel tickets counted as of 03-31: A B F (C not due; D online; E returned in time);
    # dissatisfied B → 1/3 = 33.3 (one place)
    assert u1["indicators"][2] == {"id": "hotline", "name": "热线不满意率", "points": None, "value": 33.3,
                                   "value_unit": "%"}


# ---------------------------------------------------------------- 5. explanations in Chinese

def three_schemes_store(url, tmp_path):
    hotline_store(url, tmp_path)
    more = [{"type": "publication", "unit": "u1", "date": "2023-03-02", "channel": "disclosure", "title": title,
             "level": lv, "id": f"P-{lv}"} for lv, title in (("city", "市级公开"), ("county", "县级公开"))]
    more += [{"type": "publication", "unit": "u1", "date": "2023-03-03", "channel": "website", "title": "网站信息",
              "level": "city", "id": "P-web"}]
    assert cli(url, "import", write_jsonl(tmp_path / "p.jsonl", more)).code == 0
    return url


def test_explanations_of_the_three_schemes_in_chinese(db_url, tmp_path, monkeypatch):
    from test_i18n import english_words

    monkeypatch.setenv("LEDGER_LANG", "zh")
    url = three_schemes_store(db_url, tmp_path)
    out = {}
    for name in ("hotline-12345", "adoption-levels", "rate-report"):
        out[name] = cli(url, "explain", "u1", "--policy-file", str(HERE / f"{name}.yaml"), "--as-of", "2023-03-31",
                        "--all-lines").out
        pol = load_policy_file(HERE / f"{name}.yaml")
        typed = [i.id for t in pol.tracks for i in t.indicators] + ["u1", "P-city", "P-county", "P-web"]
        for line in out[name].splitlines()[1:]:  # the title names the track id; the provenance a file
            if not line.startswith("考核办法 "):
                assert not english_words(line, typed), line
        assert "formula_term" not in out[name] and "= 3 = 3" not in out[name]
    weighted = out["hotline-12345"]
    # 办结率 over u1's counted tickets of the year (every channel): A B D F, completed A B D → 75%
    assert "计算项：办结率 = 75%（办结率 3/4）" in weighted and "公式计算：" in weighted
    adoption = out["adoption-levels"]
    assert "层级：市级、省级、党中央/国务院" in adoption and "['" not in adoption
    rates = out["rate-report"]
    # a value-only track: its values, never 总分 0
    assert rates.splitlines()[1].startswith("不满意率 ") and "总分" not in rates.splitlines()[1]
    assert "报告数值：" in rates and "热线不满意率  数值 " in rates
    # a bonus-only track without caps has no maximum: its total is shown without " / "
    uncapped = tmp_path / "uncapped.yaml"
    uncapped.write_text("id: t-bonus\nversion: 1\nyear: 2023\ntitle: 表扬\ntracks:\n  - id: t\n    name: t\n"
                        "    group: g\n    indicators:\n"
                        "      - {id: a, name: 表扬, rule: {kind: per_event, event: praise, amount: 1}}\n",
                        encoding="utf-8")
    head = cli(url, "explain", "u1", "--policy-file", str(uncapped), "--as-of", "2023-03-31").out.splitlines()[1]
    assert head.startswith("总分 0   等级 -") and "/" not in head


def test_a_window_is_said_once_and_declared_places_are_shown(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_LANG", "zh")
    url = three_schemes_store(db_url, tmp_path)
    file = tmp_path / "q.yaml"
    file.write_text("""id: t-window
version: 1
year: 2023
title: 季度办结率
precision: {places: 1}
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - id: "1"
        name: 本季度办结率
        clause: 按季度办结率计分
        points: 100
        precision: {places: 1}
        rule: {kind: formula, measures: {办结率: {hotline: completion, window: quarter}}, formula: 办结率,
               when_empty: full}
      - id: "2"
        name: 一季度扣分
        points: 10
        mode: deduction
        rule: {kind: rate, of: {hotline: completion, window: 2023-Q1}, per_point: 0.1}
""", encoding="utf-8")
    out = cli(url, "explain", "u1", "--policy-file", str(file), "--as-of", "2023-03-31").out
    # u1's tickets of Q1 (no filter): A B D completed, F (02-27, due 03-06) not; C not due yet, E
    # returned in time → 3/4 = 75 → 1: 75.0 (one place declared); 2: 10 − 0.1 × 25 = 7.5; total 82.5
    assert "1 本季度办结率  75.0 / 100 分" in out and "总分 82.5 / 110" in out
    measure = next(line for line in out.splitlines() if "计算项：" in line)
    assert measure.count("本季度") == 1 and measure.count("2023-01-01至2023-03-31") == 1
    rate = next(line for line in out.splitlines() if "比率：" in line)
    assert rate.count("2023-Q1") == 1 and rate.count("2023-01-01至2023-03-31") == 1


# ---------------------------------------------------------------- 6. jiangxian's December 12345 table

JX_UNITS = "id,name,groups\nh1,县一局,jx-hotline\nh2,县二局,jx-hotline\n"
JX_EVENTS = [
    # h1: received 12-01, due 12-08, ok reply 12-06, satisfied → 转办 1, 办结 1, 0 overdue, 满意 1
    {"type": "hotline_ticket", "unit": "h1", "date": "2021-12-01", "id": "h1-T1", "ticket": "T1", "due": "2021-12-08"},
    {"type": "hotline_replied", "unit": "h1", "date": "2021-12-06", "ticket": "T1", "quality": "ok"},
    {"type": "hotline_callback", "unit": "h1", "date": "2021-12-07", "ticket": "T1", "satisfied": True},
    # h2: its only December ticket, received 12-27 and due 2022-01-07: open and not yet due on 12-31
    {"type": "hotline_ticket", "unit": "h2", "date": "2021-12-27", "id": "h2-T2", "ticket": "T2", "due": "2022-01-07"},
]
H1_ROW = [1, "县一局", 1, 1, "100.00%", 0, "0.00%", 1, "100.00%"]


def _record_as_before(url):
    """A December bulletin published the way the ledger published before tables were versioned:
    its content counted as version 1 and its record names no version."""
    from ledger.app import Ledger
    from ledger.events import codec
    from ledger.projections import bulletin_tables
    from ledger.store.eventstore import Pending
    from ledger.workflows import publishing

    ledger = Ledger(url)
    policy, sha = publishing._pin_policy(ledger, "jiangxian-2021", dt.date(2021, 12, 31))
    view = ledger.view(None)
    known, head = view.head
    report = bulletin_tables.build_bulletin(view, policy, "2021-12", as_of=dt.date(2021, 12, 31), tables=1)
    content = publishing.content_of("bulletin", report)
    content_sha = hashlib.sha256(content.encode()).hexdigest()
    pub_id = "pub-" + hashlib.sha256(f"old|{content_sha}".encode()).hexdigest()[:12]
    event = validate({"type": "result_published", "id": pub_id, "date": "2022-01-04", "kind": "bulletin",
                      "policy": policy.ref, "as_of": "2021-12-31", "period": "2021-12", "track": None,
                      "known_at": known, "head": head, "content_sha256": content_sha,
                      "params": {"policy_sha256": sha}}, internal=True)
    text, digest = codec.encode_event(event)
    with ledger.store.write("tester") as writer:
        writer.append([Pending(pub_id, "result_published", publishing.STREAM, text, digest, "tester")])
    return pub_id, json.loads(content)


def test_jiangxian_december_counts_an_open_ticket_and_old_publications_reproduce(db_url, tmp_path):
    setup_units(db_url, tmp_path, JX_UNITS)
    assert cli(db_url, "import", write_jsonl(tmp_path / "jx.jsonl", JX_EVENTS)).code == 0
    old_id, old = _record_as_before(db_url)
    old_hotline = next(t for t in old["tables"] if t["track"] == "hotline")
    assert old_hotline["rows"] == [H1_ROW]  # as it was published: h2 missing
    # the ledger reproduces the old publication byte for byte, by the version it was made with
    run = cli(db_url, "published", old_id)
    assert run.code == 0, run.out + run.err
    # today's table: h2 with 转办数量 1 and no ticket due or completed → every rate —
    doc = json.loads(cli(db_url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-12",
                         "--format", "json").out)
    hotline = next(t for t in doc["tables"] if t["track"] == "hotline")
    assert hotline["rows"] == [H1_ROW, [2, "县二局", 1, 0, "—", 0, "—", 0, "—"]]
    assert "转办数量含未到期" in hotline["notes"][0]
    # a new publication records the version it counted with, and reproduces too
    run = cli(db_url, "publish", "--policy", "jiangxian-2021", "--period", "2021-12")
    assert run.code == 0, run.err
    new_id = run.out.split(":")[0]
    from ledger.app import Ledger
    from ledger.workflows import publishing
    pubs = {p.id: p for p in publishing.publications(Ledger(db_url))}
    assert (pubs[old_id].tables, pubs[new_id].tables) == (1, 2)
    assert cli(db_url, "published", new_id).code == 0
    assert json.loads(cli(db_url, "published", new_id, "--content").out) != old
