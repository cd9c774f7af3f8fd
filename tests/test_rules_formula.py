"""Issue #16 — rules real offices write: formulas, precision, hotline measures, windows and
filters, reported values, period ranges, adoption levels, bonus-only maxima. Every number is
worked out by hand in the comments (policies: tests/policies/{hotline-12345, adoption-levels,
rate-report, formula}.yaml)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from seedkit import assert_lines_add_up, fact_maker, lines, pts

from ledger.events.catalog import EventValidationError, validate
from ledger.policies import PolicyError, load_policy_file, load_policy_text
from ledger.projections.scoring import score_track
from ledger.units import Unit

HERE = Path(__file__).parent / "policies"
H12345 = load_policy_file(HERE / "hotline-12345.yaml")
ADOPTION = load_policy_file(HERE / "adoption-levels.yaml")
RATES = load_policy_file(HERE / "rate-report.yaml")
FORMULA = load_policy_file(HERE / "formula.yaml")

_fact = fact_maker(recorded_at="x", id_format="{unit}-{rev}")


def F(type_, date, id=None, unit="u1", **fields):
    return _fact(unit, type_, date, id, **fields)


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def ticket(tid, received, due, unit="u1", **fields):
    return F("hotline_ticket", received, id=tid, unit=unit, ticket=tid, due=day(due), **fields)


def score(policy, track, facts_by_unit, as_of="2023-03-31", units=("u1",)):
    cards = score_track(policy, track, [Unit(u, u, ("g",)) for u in units], facts_by_unit, day(as_of))
    assert_lines_add_up(cards)
    return cards


# ---------------------------------------------------------------- the weighted-rate 12345 scheme


def hotline_facts(unit="u1"):
    """Five tickets of one unit (2023, as of 2023-03-31)."""
    return [
        # T1: first response on its deadline, completed on time, callback reached and satisfied
        ticket("T1", "2023-01-03", "2023-01-10", unit, channel="hotline", response_due=day("2023-01-04")),
        F("hotline_responded", "2023-01-04", unit=unit, ticket="T1"),
        F("hotline_replied", "2023-01-09", unit=unit, ticket="T1", quality="ok"),
        F("hotline_callback", "2023-01-12", unit=unit, ticket="T1", satisfied=True),
        # T2: first response late (01-09 > 01-06), completed; callback reached, not satisfied
        ticket("T2", "2023-01-05", "2023-01-12", unit, channel="hotline", response_due=day("2023-01-06")),
        F("hotline_responded", "2023-01-09", unit=unit, ticket="T2"),
        F("hotline_replied", "2023-01-11", unit=unit, ticket="T2", quality="ok"),
        F("hotline_callback", "2023-01-13", unit=unit, ticket="T2", satisfied=False, reached=True),
        # T3: no separate response, but replied (ok) on the response deadline; callback not reached
        ticket("T3", "2023-02-06", "2023-02-13", unit, channel="hotline", response_due=day("2023-02-07")),
        F("hotline_replied", "2023-02-07", unit=unit, ticket="T3", quality="ok"),
        F("hotline_callback", "2023-02-10", unit=unit, ticket="T3", satisfied=False, reached=False),
        # T4 (online): responded on time, never completed, due 03-08: counted, overdue
        ticket("T4", "2023-03-01", "2023-03-08", unit, channel="online", response_due=day("2023-03-02")),
        F("hotline_responded", "2023-03-02", unit=unit, ticket="T4"),
        # T5 (online): responded on time; due 04-10, not completed: not yet counted for completion
        ticket("T5", "2023-03-20", "2023-04-10", unit, channel="online", response_due=day("2023-03-21")),
        F("hotline_responded", "2023-03-21", unit=unit, ticket="T5"),
    ]


def test_weighted_12345_scheme_scores_and_explains_the_published_formula():
    (c,) = score(H12345, "hotline", {"u1": hotline_facts()})
    # 办结率: counted T1..T4 (T5 not due, not completed), completed T1 T2 T3 → 3/4 = 75
    # 满意率 over valid callbacks: counted and reached T1 T2 → satisfied T1 → 1/2 = 50
    # 按时反馈率: every ticket has a response deadline ≤ 03-31 → T1 T3 T4 T5 on time → 4/5 = 80
    # 有效回访率: counted with a callback T1 T2 T3 → reached T1 T2 → 2/3 = 66.666…
    # 0.2×75 + 0.3×50 + 0.3×80 + 0.2×66.666… = 15 + 15 + 24 + 13.333… = 67.333… → one decimal: 67.3
    assert pts(c, "1") == D("67.3")
    ls = lines(c, "1")
    assert [ln.kind for ln in ls] == ["formula_term"] * 4 + ["formula", "rounding"]
    assert all(ln.delta == 0 for ln in ls[:4])
    assert ls[0].detail.startswith("办结率 = 75% (completion rate (办结率) 3/4")
    assert ls[1].detail.startswith("满意率 = 50% (satisfaction over valid callbacks")
    assert ls[2].detail.startswith("按时反馈率 = 80% (first-response on-time rate (按时反馈率) 4/5")
    assert ls[3].detail.startswith("有效回访率 = 66.6667% (valid-callback rate (有效回访率) 2/3")
    assert set(ls[0].events) == {"T1", "T2", "T3", "T4"}
    assert ls[4].detail == ("0.2*办结率 + 0.3*满意率 + 0.3*按时反馈率 + 0.2*有效回访率 = "
                            "0.2*75 + 0.3*50 + 0.3*80 + 0.2*66.6667 = 67.3333")
    assert (ls[4].delta, ls[5].delta) == (D("67.33"), D("-0.03"))  # shown half-up to 2 places, then to 1
    assert ls[5].detail == "half-up to 1 place, as the policy declares"
    # 2: online tickets counted for 按期: T4 only (T5 not due) → base 1, on time 0 → −1 × (1 − 0) = −1
    assert pts(c, "2") == D("9.00")
    assert c.total == D("76.3") and c.max == D("100")  # 67.3 + 9, to one decimal (no change)


def test_first_response_needs_a_deadline_and_counts_before_completion():
    facts = [ticket("A", "2023-03-01", "2023-03-20"),  # no response_due: takes no part in 按时反馈率
             ticket("B", "2023-03-01", "2023-03-20", response_due=day("2023-03-03")),
             F("hotline_responded", "2023-03-02", ticket="B")]
    (c,) = score(H12345, "hotline", {"u1": facts}, as_of="2023-03-10")
    ls = lines(c, "1")
    # as of 03-10 neither ticket is due nor completed: 办结率, 满意率, 有效回访率 have no tickets
    # (when_empty full → 100); 按时反馈率: B responded 03-02 ≤ 03-03 → 1/1 = 100 → 100
    assert ls[2].detail.startswith("按时反馈率 = 100% (first-response on-time rate (按时反馈率) 1/1")
    assert "when_empty full → 100" in ls[0].detail
    assert pts(c, "1") == D("100.0")


# ---------------------------------------------------------------- adoption by level, bonus-only maximum


def test_adoptions_scored_by_the_adopting_level():
    pub = {"title": "信息"}
    facts = [F("publication", "2023-02-01", channel="gov_info", level="county", **pub),    # 本级 5
             F("publication", "2023-02-02", channel="gov_info", level="city", **pub),      # 上级 10
             F("publication", "2023-02-03", channel="gov_info", level="province", **pub),  # 上级 10
             F("publication", "2023-02-04", channel="gov_info", **pub),                    # no level: none
             F("publication", "2023-03-01", channel="disclosure", level="city", **pub),
             F("publication", "2023-03-02", channel="disclosure", level="central", **pub),
             F("publication", "2023-03-03", channel="disclosure", level="county", **pub)]
    (c,) = score(ADOPTION, "info", {"u1": facts})
    # 1: 5 + 10 + 10 = 25, capped at 20
    assert pts(c, "1") == D("20.00")
    assert [ln.kind for ln in lines(c, "1")] == [None, None, None, "cap"]
    # 2: adopted above the county: 2 (city, central) → 2 × 2 = 4
    assert pts(c, "2") == D("4.00")
    assert c.total == D("24.00")
    # a bonus-only track without max or cap: the indicators' caps, 20 + 10 + 6 — never 0
    assert c.max == D("36")
    assert c.indicators[0].max is None  # the indicator tree is unchanged (published bytes)


def test_bonus_only_track_without_caps_has_no_made_up_maximum():
    text = """
id: t-bonus
version: 1
year: 2023
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - {id: a, name: a, rule: {kind: per_event, event: praise, amount: 1}}
"""
    pol = load_policy_text(text, "bonus.yaml")
    (c,) = score(pol, "t", {"u1": [F("praise", "2023-01-05", issuer_level="city")]})
    assert c.total == D("1.00") and c.max is None  # unknown, not 0
    assert c.to_row()["max"] is None


# ---------------------------------------------------------------- a scheme that reports a rate


def test_rate_reporting_scheme_reports_values_and_ranks_them_lowest_first():
    def unit_tickets(unit, specs):
        out = []
        for tid, cb in specs:
            out += [ticket(tid, "2023-01-03", "2023-01-10", unit),
                    F("hotline_replied", "2023-01-05", unit=unit, ticket=tid, quality="ok")]
            if cb is not None:
                out.append(F("hotline_callback", "2023-01-06", unit=unit, ticket=tid, **cb))
        return out

    facts = {
        # u1: valid callbacks A (satisfied) and B (not); C not reached → 1/2 satisfied → 不满意率 50%
        "u1": unit_tickets("u1", [("A", {"satisfied": True}), ("B", {"satisfied": False}),
                                  ("C", {"satisfied": False, "reached": False})]),
        # u2: one valid, satisfied callback → 0%
        "u2": unit_tickets("u2", [("D", {"satisfied": True})]),
        # u3: no callback → no valid callbacks → no value (when_empty missing)
        "u3": unit_tickets("u3", [("E", None)]),
    }
    cards = {c.unit: c for c in score(RATES, "rates", facts, units=("u1", "u2", "u3"))}
    u1 = cards["u1"].indicator("dissatisfied")
    assert (u1.points, u1.value, u1.value_unit, u1.reports) == (D(0), D("50.00"), "%", True)
    assert cards["u2"].indicator("dissatisfied").value == D("0.00")
    assert cards["u3"].indicator("dissatisfied").value is None
    # asc: u2 (0) first, u1 (50) second, u3 unranked; the track has no points: cards by that place
    assert [cards[u].rank for u in ("u1", "u2", "u3")] == [2, 1, None]
    assert [cards[u].indicator("volume").value for u in ("u1", "u2", "u3")] == [D("3.00"), D(1), D(1)]
    assert [cards[u].indicator("volume").value_rank for u in ("u1", "u2", "u3")] == [1, 2, 2]  # desc
    assert cards["u1"].total == 0 and cards["u1"].max is None
    row = cards["u1"].to_row()["indicators"][0]
    assert row == {"id": "dissatisfied", "name": "不满意率", "points": None, "value": D("50.00"), "value_unit": "%"}
    ls = lines(cards["u1"], "dissatisfied")
    assert [ln.kind for ln in ls] == ["formula_term", "value"] and all(ln.delta == 0 for ln in ls)
    assert ls[1].detail == "100 - 满意率 = 100 - 50 = 50 → value 50% (reported, no points)"
    assert [ln.kind for ln in lines(cards["u3"], "dissatisfied")] == ["formula_term", "missing_data"]
    assert cards["u1"].indicator("dissatisfied").shown() == "50%（第2）"


# ---------------------------------------------------------------- measures, windows, when_empty, references


def formula_facts():
    pub = {"title": "信息", "channel": "gov_info"}
    return [
        ticket("T1", "2023-01-03", "2023-01-10", category="供暖"),
        F("hotline_replied", "2023-01-09", ticket="T1", quality="ok"),
        ticket("T3", "2023-02-06", "2023-02-13"),
        F("hotline_replied", "2023-02-07", ticket="T3", quality="ok"),
        ticket("T6", "2023-02-20", "2023-02-27", category="供暖"),
        F("hotline_replied", "2023-03-03", ticket="T6", quality="ok"),  # after February
        ticket("T4", "2023-03-01", "2023-03-08"),
        F("hotline_replied", "2023-03-07", ticket="T4", quality="ok"),
        ticket("T5", "2023-03-20", "2023-04-10"),
        F("training_session", "2023-01-10", topic="a", attendees=30),
        F("training_session", "2023-02-15", topic="b", attendees=20),
        F("training_session", "2023-03-10", topic="c", attendees=50),
        F("training_session", "2023-04-02", topic="d", attendees=10),
        F("metric", "2023-01-15", name="coverage", value=D(60)),
        F("metric", "2023-02-20", id="cov-feb", name="coverage", value=D(70)),
        F("metric", "2023-03-10", name="coverage", value=D(90)),
        F("publication", "2023-01-05", level="city", **pub),
        F("publication", "2023-02-05", level="city", **pub),
        F("publication", "2023-02-06", level="county", **pub),
        F("praise", "2023-01-05", issuer_level="city"),
        F("praise", "2023-01-06", issuer_level="city"),
        F("praise", "2023-01-07", issuer_level="city"),
        F("award", "2023-01-05", kind="a"),
        F("award", "2023-01-06", kind="b"),
        F("award", "2023-01-07", kind="c"),
    ]


def test_formula_measures_windows_and_references():
    (c,) = score(FORMULA, "f", {"u1": formula_facts()})
    # month (March to 03-31): T4 completed (T5 not due) → 1/1 = 100 → 100 / 10 = 10
    assert pts(c, "month") == D("10.00")
    # 2023-02 as of its end (02-28): T3 completed, T6 due 02-27 and replied only 03-03 → 1/2 → 5
    assert pts(c, "feb") == D("5.00")
    assert "[2023-02: 2023-02-01…2023-02-28]" in lines(c, "feb")[0].detail
    # tickets of category 供暖 counted: T1, T6 → 2
    assert pts(c, "heating") == D("2.00")
    # Q1 to 03-31: 3 sessions; attendees over the year 30+20+50 = 100 → 0.5×3 + 100/100 = 2.5
    assert pts(c, "training") == D("2.50")
    # latest coverage dated in 2023-01/2023-02: 70 (the 90 of March is outside) → 70/20 = 3.5
    assert pts(c, "metric") == D("3.50")
    assert lines(c, "metric")[0].events == ("cov-feb",)
    # later (document order after `combined`): 2 city publications × 2 = 4
    # combined: 0.5 × 2.5 + 4 = 5.25 → (at most 6) → half-up to 1 place → 5.3
    assert pts(c, "combined") == D("5.30")
    assert lines(c, "combined")[-1].detail == "0.5*甲 + 乙 = 0.5*2.5 + 4 = 5.25, rounded half-up to 1 place: 5.3"
    assert pts(c, "later") == D("4.00")
    assert [ln.indicator for ln in c.lines].index("later") > [ln.indicator for ln in c.lines].index("combined")
    assert len(lines(c, "later")) == 2  # worked out once, shown once
    # empty: 零 → 0, 满 → its full value 80 → 0 + 80/40 = 2 → at most 1.5
    assert pts(c, "empty") == D("1.50")
    assert lines(c, "empty")[-1].detail == "零 + 满 / 40 = 0 + 80 / 40 = 2, at most 1.5"
    assert [ln.detail.split("; ")[-1] for ln in lines(c, "empty")[:2]] == ["when_empty zero → 0",
                                                                           "when_empty full → 80"]
    # missing: no metric, when_empty missing → not computed, a deduction indicator keeps its 3
    assert pts(c, "missing") == D("3.00")
    assert [ln.kind for ln in lines(c, "missing")] == ["base", "formula_term", "missing_data"]
    # 0 / 0 → not computed, shown
    assert pts(c, "div0") == 0
    assert "divides by zero" in lines(c, "div0")[-1].detail
    # 10 + 5 + 2 + 2.5 + 3.5 + 5.3 + 4 + 1.5 + 3 + 0 = 36.8
    assert c.total == D("36.80")


def test_windows_move_with_the_scoring_date():
    (c,) = score(FORMULA, "f", {"u1": formula_facts()}, as_of="2023-04-15")
    # Q2 to 04-15: 1 session (04-02); attendees 30+20+50+10 = 110 → 0.5×1 + 110/100 = 1.6
    assert pts(c, "training") == D("1.60")
    # April to 04-15: no ticket received → no base → when_empty zero → 0
    assert pts(c, "month") == 0
    assert "when_empty zero → 0" in lines(c, "month")[0].detail
    (c,) = score(FORMULA, "f", {"u1": formula_facts()}, as_of="2023-03-05")
    # March to 03-05: T4 not due yet, not completed → no base → 0
    assert pts(c, "month") == 0


def test_precision_per_indicator_and_per_track():
    (c,) = score(FORMULA, "p", {"u1": formula_facts()})
    # halves: 3 × 0.5 = 1.5 (default half-up to 2 places)
    assert pts(c, "halves") == D("1.50")
    # down: 3 × 0.9 = 2.7 → down to 0 places → 2 (a rounding line of −0.7)
    assert pts(c, "down") == D("2")
    assert [(ln.kind, ln.delta) for ln in lines(c, "down")][-1] == ("rounding", D("-0.70"))
    # track total 1.5 + 2 = 3.5 → half-up to 0 places → 4 (a track rounding line of +0.5)
    assert c.total == D("4")
    last = c.lines[-1]
    assert (last.indicator, last.kind, last.delta) == (None, "rounding", D("0.5"))
    assert last.rule == "track p total rounded half-up to 0 places"


# ---------------------------------------------------------------- load-time checks

BASE = """
id: t-check
version: 1
year: 2023
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
"""


def load(indicators: str):
    return load_policy_text(BASE + indicators, "check.yaml")


@pytest.mark.parametrize("indicators, expected", [
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {indicator: a}}, formula: x}}
""", "depend on themselves: a → a"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {indicator: b}}, formula: x}}
      - {id: b, name: b, rule: {kind: formula, measures: {y: {indicator: a}}, formula: y}}
""", "depend on themselves: a → b → a"),
    ("""      - id: p
        name: p
        children:
          - {id: c, name: c, rule: {kind: formula, measures: {x: {indicator: p}}, formula: x}}
""", "depend on themselves: p → c → p"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {indicator: zz}}, formula: x}}
""", "zz not in the track"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}}, formula: x + y}}
""", "y not among the measures"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}, y: {metric: n}}, formula: x}}
""", "measures not used by the formula: y"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}}, formula: x.real}}
""", "not Attribute"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}}, formula: "__import__('os')"}}
""", "the functions are"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}}, formula: x ** 2}}
""", "not Pow"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}}, formula: "x +"}}
""", "not an arithmetic expression"),
    ("""      - {id: a, name: a, rule: {kind: formula, when_empty: full, measures: {x: {metric: m}}, formula: x}}
""", "when_empty full needs `full`"),
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {hotline: completion, window: 2023-05/2023-02}},
           formula: x}}
""", "a range within one year"),
    ("""      - {id: a, name: a, reports: value, value_unit: "%",
         rule: {kind: formula, measures: {x: {metric: m}}, formula: x}}
""", "needs rank_order"),
    ("""      - {id: a, name: a, points: 5, reports: value, rank_order: asc,
         rule: {kind: formula, measures: {x: {metric: m}}, formula: x}}
""", "has no points"),
    ("""      - {id: a, name: a, reports: value, rank_order: asc, rule: {kind: manual}}
""", "one `rule` of kind formula"),
])
def test_formula_and_value_shapes_refused_at_load(indicators, expected):
    with pytest.raises(PolicyError) as err:
        load(indicators)
    assert expected in str(err.value)


@pytest.mark.parametrize("indicators, expected", [
    # a ticket filter on a field hotline tickets do not have
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {hotline: completion, where: {chanel: online}}},
           formula: x}}
""", "a field of hotline_ticket"),
    # the catalog's word for 国家级 is central
    ("""      - {id: a, name: a, rule: {kind: per_event, event: publication, where: {level: national}, amount: 1}}
""", "one of central, city, county, district, province, unit"),
    # a sum over a text field
    ("""      - {id: a, name: a, rule: {kind: formula, measures: {x: {sum: {event: training_session, field: topic}}},
           formula: x}}
""", "a number field of training_session"),
    ("""      - {id: a, name: a, points: 5, mode: deduction,
         rule: {kind: rate, of: {hotline: completion, where: {categry: x}}, per_point: 1}}
""", "a field of hotline_ticket"),
])
def test_words_no_event_uses_are_refused(indicators, expected):
    with pytest.raises(PolicyError) as err:
        load(indicators)
    assert expected in str(err.value)


def test_sums_over_whole_number_fields_load():
    load("""      - {id: a, name: a, rule: {kind: formula,
           measures: {x: {sum: {event: training_session, field: attendees}}}, formula: x}}
""")


# ---------------------------------------------------------------- event additions and period ranges


def test_event_additions_are_optional_and_checked():
    base = {"type": "hotline_ticket", "unit": "u", "date": "2023-01-03", "ticket": "T", "due": "2023-01-10"}
    validate(base)  # old events stay valid
    validate({**base, "channel": "online", "category": "供暖", "response_due": "2023-01-04"})
    with pytest.raises(EventValidationError, match="response_due"):
        validate({**base, "response_due": "2023-01-02"})
    validate({"type": "hotline_responded", "unit": "u", "date": "2023-01-04", "ticket": "T"})
    cb = {"type": "hotline_callback", "unit": "u", "date": "2023-01-04", "ticket": "T", "satisfied": True}
    assert validate(cb).reached is None  # absent: reached (default true)
    assert validate({**cb, "reached": False}).reached is False
    pub = {"type": "publication", "unit": "u", "date": "2023-01-04", "channel": "gov_info", "title": "x"}
    validate(pub)
    validate({**pub, "level": "city"})
    with pytest.raises(EventValidationError, match="level"):
        validate({**pub, "level": "national"})


@pytest.mark.parametrize("period, ok", [
    ("2023-01/2023-04", True), ("2023-Q1/2023-Q2", True), ("2023-03/2023-03", True),
    ("2023-04/2023-01", False), ("2023-01/2024-02", False), ("2023-01/2023-Q2", False), ("2023/2023", False),
])
def test_period_ranges_in_events(period, ok):
    ev = {"type": "report_submitted", "unit": "u", "date": "2023-05-02", "report": "r", "period": period}
    if ok:
        assert validate(ev).ledger_year() == 2023
    else:
        with pytest.raises(EventValidationError, match="period"):
            validate(ev)


def test_a_report_for_a_range_covers_the_monthly_obligations_inside_it():
    pol = load("""      - id: a
        name: 月报
        rule: {kind: report, report: monthly, every: month, periods: [1, 2, 3, 4, 5],
               due: {rule: day_of_next_month, day: 10}, on_time: 1, late: 0.5}
""")
    facts = [F("report_submitted", "2023-02-08", report="monthly", period="2023-01"),
             # filed 05-05 for Feb–Apr at once: on time for April (due 05-10), late for Feb and March
             F("report_submitted", "2023-05-05", report="monthly", period="2023-02/2023-04")]
    (c,) = score(pol, "t", {"u1": facts}, as_of="2023-06-30")
    got = [(ln.period, ln.kind, ln.delta) for ln in lines(c, "a")]
    # Jan on time 1; Feb, Mar late 0.5 each; Apr on time 1; May missing 0 → 3
    assert got == [("2023-01", "on_time", 1), ("2023-02", "late", D("0.5")), ("2023-03", "late", D("0.5")),
                   ("2023-04", "on_time", 1), ("2023-05", "missing_obligation", 0)]
    assert c.total == D("3.00")


# ---------------------------------------------------------------- through a real store and the CLI


def test_cli_scores_explains_and_bulletins_reported_values_and_formulas(tmp_path):
    import json

    from helpers import cli, setup_units, write_jsonl

    url = f"sqlite:///{tmp_path / 'l.db'}"
    setup_units(url, tmp_path, "id,name,groups\nu1,一局,g\nu2,二局,g\n")
    events = []
    for unit, tid, satisfied in (("u1", "A", True), ("u1", "B", False), ("u2", "C", True)):
        events += [{"type": "hotline_ticket", "unit": unit, "date": "2023-01-03", "ticket": tid, "due": "2023-01-10",
                    "channel": "hotline", "response_due": "2023-01-04"},
                   {"type": "hotline_responded", "unit": unit, "date": "2023-01-04", "ticket": tid},
                   {"type": "hotline_replied", "unit": unit, "date": "2023-01-05", "ticket": tid, "quality": "ok"},
                   {"type": "hotline_callback", "unit": unit, "date": "2023-01-06", "ticket": tid,
                    "satisfied": satisfied}]
    run = cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events))
    assert run.code == 0, run.err
    rates = str(HERE / "rate-report.yaml")
    doc = json.loads(cli(url, "score", "--policy-file", rates, "--as-of", "2023-03-31", "--format", "json").out)
    rows = {r["unit"]: r for r in doc["rows"]}
    # u1: 1 of 2 valid callbacks satisfied → 不满意率 50; u2: 0 → u2 ranks first (asc)
    assert rows["u1"]["indicators"][0] == {"id": "dissatisfied", "name": "不满意率", "points": None,
                                           "value": 50.0, "value_unit": "%"}
    assert (rows["u1"]["rank"], rows["u2"]["rank"], rows["u1"]["max"]) == (2, 1, None)
    table = cli(url, "score", "--policy-file", rates, "--as-of", "2023-03-31").out
    assert "50%（第2）" in table and "0%（第1）" in table
    explain = json.loads(cli(url, "explain", "u1", "--policy-file", rates, "--as-of", "2023-03-31",
                             "--format", "json").out)
    assert [ln["kind"] for ln in explain["lines"]] == ["formula_term", "value"] * 3
    # the county's bulletin: 12345-channel tickets, 转办数量, 不满意数, 不满意率 (over the tickets):
    # u1 A satisfied, B not (reached by default) → 2, 1, 50%; u2 C satisfied → 1, 0, 0%
    bulletin = json.loads(cli(url, "bulletin", "--policy-file", rates, "--period", "2023-01/2023-03",
                              "--format", "json").out)
    table = bulletin["tables"][0]
    assert (table["title"], table["kind"]) == ("月份12345热线工单不满意情况", "hotline")
    assert table["headers"] == ["序号", "承办单位", "转办数量", "不满意数", "不满意率"]
    assert table["rows"] == [[1, "一局", 2, 1, "50.00%"], [2, "二局", 1, 0, "0.00%"]]
    # the weighted scheme reads its tickets through the fact view: 100 on every rate for u2
    doc = json.loads(cli(url, "score", "--policy-file", str(HERE / "hotline-12345.yaml"), "--as-of", "2023-03-31",
                         "--format", "json").out)
    rows = {r["unit"]: r for r in doc["rows"]}
    # u1: 办结率 100, 满意率 50, 按时反馈率 100, 有效回访率 100 → 20 + 15 + 30 + 20 = 85; + 10 (no online) = 95
    assert (rows["u1"]["total"], rows["u2"]["total"]) == (95.0, 100.0)


def test_the_documented_examples_load():
    """docs/policies.md: the formula, formula-constants, adoption and reported-value examples load
    as written."""
    import re
    import textwrap

    doc = (Path(__file__).parents[1] / "docs" / "policies.md").read_text(encoding="utf-8")
    start = doc.index("### formula")
    blocks = re.findall(r"```yaml\n(.*?)```", doc[start:doc.index("## Precision")], re.S)
    assert len(blocks) == 4  # the 12345 scheme, its dated constants, adoptions, a reported value
    for block in blocks:
        pol = load(textwrap.indent(block, "      "))
        assert pol.tracks[0].indicators
