"""Issue #17: values taken at as-of (caps, bands, weights, formula constants, targets …) that are
dated ``{2021-01-01: a, 2021-07-01: b}`` — the line they price names which value and since when.

Hand-worked (policy below; unit u: criticisms on 03-01, 03-02, 03-03, metric m = 92 on 03-01):

    indicator  value dated                      as of 2021-06-30               as of 2021-12-31
    crit       per_event −2, cap {3, 5}         −6 capped at 3: +3 → 7          −6 capped at 5: +1 → 5
    band       ≥ {90, 95} → 5, else {2, 1}      92 ≥ 90 → 5                     92 < 95 → 1
    weight     m ÷ 100 × factor {10, 20}        0.92 × 10 = 9.2                 0.92 × 20 = 18.4
    f          n × 2, max {5, 4}                6 at most 5                     6 at most 4
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from helpers import cli, write_jsonl

from ledger.events.fact import Fact
from ledger.policies.loader import load_policy_text
from ledger.projections.scoring import score_track
from ledger.units import Unit

POLICY = """
id: dated-asof
version: 1
year: 2021
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - id: crit
        name: 通报批评
        points: 10
        mode: deduction
        rule: {kind: per_event, event: criticism, amount: -2, cap: {2021-01-01: 3, 2021-07-01: 5}}
      - id: band
        name: 指标档次
        rule:
          kind: metric_bands
          metric: m
          bands:
            - {at_least: {2021-01-01: 90, 2021-07-01: 95}, amount: 5}
            - {amount: {2021-01-01: 2, 2021-07-01: 1}}
      - id: weight
        name: 加权
        rule: {kind: ratio, numerator: {metric: m}, denominator: 100, factor: {2021-01-01: 10, 2021-07-01: 20}}
      - id: f
        name: 公式
        rule:
          kind: formula
          measures: {n: {count: {event: criticism}}}
          formula: n * 2
          max: {2021-01-01: 5, 2021-07-01: 4}
"""


def _fact(i: str, type_: str, day: str, **fields: object) -> Fact:
    return Fact(id=i, type=type_, unit="u", date=dt.date.fromisoformat(day), fields=fields, revision=int(i[1:]),
                recorded_at="2021-12-31T00:00:00Z")


FACTS = [_fact("e1", "criticism", "2021-03-01", issuer_level="county"),
         _fact("e2", "criticism", "2021-03-02", issuer_level="county"),
         _fact("e3", "criticism", "2021-03-03", issuer_level="county"),
         _fact("e4", "metric", "2021-03-01", name="m", value=92)]


def _card(as_of: str):
    policy = load_policy_text(POLICY)
    return score_track(policy, "t", [Unit("u", "u", ("g",), ())], {"u": FACTS}, dt.date.fromisoformat(as_of))[0]


def _line(card, indicator: str, kind: str | None = None):
    return next(ln for ln in card.lines if ln.indicator == indicator and (kind is None or ln.kind == kind))


def test_as_of_june_names_the_first_values():
    card = _card("2021-06-30")
    points = {i.id: i.points for i in card.indicators}
    assert points == {"crit": Decimal(7), "band": Decimal(5), "weight": Decimal("9.20"), "f": Decimal(5)}
    cap = _line(card, "crit", "cap")
    assert cap.delta == 3 and cap.detail == "rule capped at 3; cap 3 from 2021-01-01"
    assert _line(card, "band").detail == "m = 92 (≥ 90); band bound 90 from 2021-01-01"
    assert _line(card, "weight").detail == "m 92 ÷ 100 × 10 = 9.2; factor 10 from 2021-01-01"
    assert _line(card, "f", "formula").detail == "n * 2 = 3 * 2 = 6, at most 5; at most 5 from 2021-01-01"


def test_as_of_december_names_the_amended_values_and_their_points():
    card = _card("2021-12-31")
    points = {i.id: i.points for i in card.indicators}
    assert points == {"crit": Decimal(5), "band": Decimal(1), "weight": Decimal("18.40"), "f": Decimal(4)}
    cap = _line(card, "crit", "cap")
    assert cap.delta == 1 and cap.detail == "rule capped at 5; cap 5 from 2021-07-01"
    # 92 misses the amended ≥ 95: the second band, its amount amended to 1
    assert _line(card, "band").detail == "m = 92 (otherwise); band points 1 from 2021-07-01"
    assert _line(card, "weight").detail == "m 92 ÷ 100 × 20 = 18.4; factor 20 from 2021-07-01"
    assert _line(card, "f", "formula").detail == "n * 2 = 3 * 2 = 6, at most 4; at most 4 from 2021-07-01"


def test_plain_values_add_nothing():
    """A value that does not change within the version adds no words (published bytes unchanged)."""
    plain = POLICY.replace("{2021-01-01: 3, 2021-07-01: 5}", "5").replace("{2021-01-01: 5, 2021-07-01: 4}", "4")
    one_date = plain.replace("factor: {2021-01-01: 10, 2021-07-01: 20}", "factor: {2021-01-01: 20}")
    card = score_track(load_policy_text(one_date), "t", [Unit("u", "u", ("g",), ())], {"u": FACTS},
                       dt.date(2021, 12, 31))[0]
    assert _line(card, "crit", "cap").detail == "rule capped at 5"
    assert _line(card, "weight").detail == "m 92 ÷ 100 × 20 = 18.4"
    assert _line(card, "f", "formula").detail == "n * 2 = 3 * 2 = 6, at most 4"


# ---------------------------------------------------------------- through the command line, zh and en

CLI_POLICY = POLICY.replace("id: dated-asof", "id: dated-cli")


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    (tmp_path / "u.csv").write_text("id,name,groups\nu,甲局,g\n", encoding="utf-8")
    assert cli(url, "init").code == 0
    assert cli(url, "units", "import", str(tmp_path / "u.csv")).code == 0
    events = [{"type": "criticism", "unit": "u", "date": f"2021-03-0{d}", "id": f"c{d}", "issuer_level": "county"}
              for d in (1, 2, 3)]
    events.append({"type": "metric", "unit": "u", "date": "2021-03-01", "id": "m1", "name": "m", "value": 92})
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    path = tmp_path / "p.yaml"
    path.write_text(CLI_POLICY, encoding="utf-8")
    assert cli(url, "policy", "load", str(path)).code == 0
    return url


def test_explain_names_the_date_in_zh_and_en(url):
    args = ("explain", "u", "--policy", "dated-cli", "--as-of", "2021-12-31")
    for fmt in ("table", "md", "html"):
        zh = cli(url, "--lang", "zh", *args, "--format", fmt).out
        assert "封顶分值自2021-07-01起为5" in zh, fmt
        assert "档次分值自2021-07-01起为1" in zh and "系数自2021-07-01起为20" in zh, fmt
        assert "最高值自2021-07-01起为4" in zh, fmt
        en = cli(url, "--lang", "en", *args, "--format", fmt).out
        assert "cap 5 from 2021-07-01" in en and "factor 20 from 2021-07-01" in en, fmt
    june = cli(url, "--lang", "zh", "explain", "u", "--policy", "dated-cli", "--as-of", "2021-06-30").out
    assert "封顶分值自2021-01-01起为3" in june and "系数自2021-01-01起为10" in june
    # JSON: the detail key carries the English text; no key is added
    doc = json.loads(cli(url, *args, "--format", "json").out)
    cap = next(ln for ln in doc["lines"] if ln["indicator"] == "crit" and ln.get("kind") == "cap")
    assert cap["detail"] == "rule capped at 5; cap 5 from 2021-07-01"
    assert set(cap) == {"indicator", "delta", "event", "kind", "rule", "detail", "policy_version"}


# ---------------------------------------------------------------- policy show: dated values in full


def test_policy_show_lists_every_dated_value_and_marks_the_one_in_force(url):
    june = cli(url, "--lang", "en", "policy", "show", "dated-cli", "--as-of", "2021-06-30").out
    assert "dated values (✓ in force at 2021-06-30):" in june
    assert "rule.cap: 2021-01-01 → 3 ✓; 2021-07-01 → 5" in june
    assert "rule.bands[0].at_least: 2021-01-01 → 90 ✓; 2021-07-01 → 95" in june
    assert "rule.factor: 2021-01-01 → 10 ✓; 2021-07-01 → 20" in june
    assert "rule.max: 2021-01-01 → 5 ✓; 2021-07-01 → 4" in june
    zh = cli(url, "--lang", "zh", "policy", "show", "dated-cli", "--as-of", "2021-07-01").out
    assert "分期取值（✓ 为 2021-07-01 适用的值）：" in zh and "rule.cap: 2021-01-01 → 3; 2021-07-01 → 5 ✓" in zh
    doc = json.loads(cli(url, "policy", "show", "dated-cli", "--as-of", "2021-06-30", "--format", "json").out)
    # the existing keys are as they were (a dated value there is its latest value) …
    crit = doc["tracks"][0]["indicators"][0]
    assert crit["rule"]["cap"] == "5" and doc["id"] == "dated-cli" and doc["version"] == 1
    # … and dated_values lists each in full, in document order
    assert doc["as_of"] == "2021-06-30"
    assert [(d["indicator"], d["field"]) for d in doc["dated_values"]] == [
        ("crit", "rule.cap"), ("band", "rule.bands[0].at_least"), ("band", "rule.bands[1].amount"),
        ("weight", "rule.factor"), ("f", "rule.max")]
    assert doc["dated_values"][0]["values"] == [{"from": "2021-01-01", "value": "3", "in_force": True},
                                                {"from": "2021-07-01", "value": "5", "in_force": False}]
    december = json.loads(cli(url, "policy", "show", "dated-cli", "--as-of", "2021-12-31", "--format", "json").out)
    assert [v["in_force"] for v in december["dated_values"][0]["values"]] == [False, True]


def test_policy_show_of_a_policy_without_dated_values_is_unchanged(url):
    doc = json.loads(cli(url, "policy", "show", "jingkai-2021", "--format", "json").out)
    assert "dated_values" not in doc and "as_of" not in doc
    assert "dated values" not in cli(url, "--lang", "en", "policy", "show", "jingkai-2021").out


# ---------------------------------------------------------------- more kinds: starting points, indicator cap,
# a quota's target, rank places, a downgrade threshold (same three criticisms of March)

MORE = """
id: dated-more
version: 1
year: 2021
title: t
tracks:
  - id: t
    name: t
    group: g
    downgrade:
      when: [{total_below: {2021-01-01: 5, 2021-07-01: 100}}]
    indicators:
      - id: start
        name: 起扣
        points: {2021-01-01: 10, 2021-07-01: 12}
        mode: deduction
        rule: {kind: per_event, event: criticism, amount: -2}
      - id: capped
        name: 封顶
        cap: {2021-01-01: 1, 2021-07-01: 2}
        rule: {kind: per_event, event: criticism, amount: 1}
      - id: q
        name: 定额
        rule: {kind: quota, event: criticism, every: quarter, periods: [1], target: {2021-01-01: 2, 2021-07-01: 4},
               met: 1, short: -1}
      - id: r
        name: 排名
        rule: {kind: rank, by: {count: {event: criticism}}, places: [{2021-01-01: 3, 2021-07-01: 5}]}
"""


def _more(as_of: str):
    return score_track(load_policy_text(MORE), "t", [Unit("u", "u", ("g",), ())], {"u": FACTS[:3]},
                       dt.date.fromisoformat(as_of))[0]


def test_more_kinds_name_their_dated_values():
    june, december = _more("2021-06-30"), _more("2021-12-31")
    # June: 10 − 6 = 4; 3 capped at 1; Q1 3 ≥ target 2: +1; place 1: 3 → 9, not below 5
    assert [i.points for i in june.indicators] == [4, 1, 1, 3] and june.total == 9 and not june.downgraded
    assert _line(june, "start", "base").detail == "starts at 10; points 10 from 2021-01-01"
    assert _line(june, "capped", "cap").detail == "capped at 1; cap 1 from 2021-01-01"
    assert _line(june, "q", "quota").detail.endswith("; target 2 from 2021-01-01")
    assert _line(june, "r", "rank").detail.endswith("; points for place 1: 3 from 2021-01-01")
    # December: 12 − 6 = 6; capped at 2; 3 < target 4: −1; place 1: 5 → 12, below 100: downgraded
    assert [i.points for i in december.indicators] == [6, 2, -1, 5] and december.total == 12
    assert _line(december, "start", "base").detail == "starts at 12; points 12 from 2021-07-01"
    assert _line(december, "capped", "cap").detail == "capped at 2; cap 2 from 2021-07-01"
    assert _line(december, "q", "missing_obligation").detail.endswith("; target 4 from 2021-07-01")
    assert _line(december, "r", "rank").detail.endswith("; points for place 1: 5 from 2021-07-01")
    assert december.downgraded
    assert _line(december, None, "downgrade").detail == "total 12 < 100; threshold 100 from 2021-07-01"


# ---------------------------------------------------------------- formula constants: a weight amended mid-year
# Hand-worked (metric m = 92 on 03-01, the 办结率 measure):
#     as of 2021-06-30: w = 0.2 (from 2021-01-01): 0.2 × 92 + 1 = 18.4 + 1 = 19.4
#     as of 2021-12-31: w = 0.3 (from 2021-07-01): 0.3 × 92 + 1 = 27.6 + 1 = 28.6
# b = 1 is a plain constant: substituted in the numbers, no date named.

CONSTANTS = """
id: dated-constants
version: 1
year: 2021
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
      - id: k
        name: 加权办结率
        rule:
          kind: formula
          measures: {办结率: {metric: m}}
          constants: {w: {2021-01-01: 0.2, 2021-07-01: 0.3}, b: 1}
          formula: w*办结率 + b
"""


def _constants_card(as_of: str, text: str = CONSTANTS):
    return score_track(load_policy_text(text), "t", [Unit("u", "u", ("g",), ())], {"u": FACTS[3:]},
                       dt.date.fromisoformat(as_of))[0]


def test_formula_constants_are_taken_at_as_of_and_named_with_their_date():
    from ledger import i18n
    from ledger.reports.words import detail

    june, december = _constants_card("2021-06-30"), _constants_card("2021-12-31")
    assert june.indicators[0].points == Decimal("19.4") and december.indicators[0].points == Decimal("28.6")
    assert _line(june, "k", "formula").detail == "w*办结率 + b = 0.2*92 + 1 = 19.4; constant w 0.2 from 2021-01-01"
    assert _line(december, "k", "formula").detail == \
        "w*办结率 + b = 0.3*92 + 1 = 28.6; constant w 0.3 from 2021-07-01"
    policy = load_policy_text(CONSTANTS)
    i18n.set_lang("zh")
    try:
        assert detail(_line(december, "k", "formula").detail, policy) == \
            "w*办结率 + b = 0.3*92 + 1 = 28.6；常数w自2021-07-01起为0.3"
        assert detail(_line(june, "k", "formula").detail, policy).endswith("；常数w自2021-01-01起为0.2")
    finally:
        i18n.set_lang(None)
    # a constant with one value (or one date) is plain: no note
    plain = _constants_card("2021-12-31", CONSTANTS.replace("{2021-01-01: 0.2, 2021-07-01: 0.3}", "{2021-07-01: 0.3}"))
    assert _line(plain, "k", "formula").detail == "w*办结率 + b = 0.3*92 + 1 = 28.6"


def test_formula_constants_through_explain_and_policy_show(url, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(CONSTANTS, encoding="utf-8")
    assert cli(url, "policy", "load", str(path)).code == 0
    args = ("explain", "u", "--policy", "dated-constants", "--as-of", "2021-12-31")
    for fmt in ("table", "md", "html"):
        assert "常数w自2021-07-01起为0.3" in cli(url, "--lang", "zh", *args, "--format", fmt).out, fmt
        assert "constant w 0.3 from 2021-07-01" in cli(url, "--lang", "en", *args, "--format", fmt).out, fmt
    june = cli(url, "--lang", "zh", "explain", "u", "--policy", "dated-constants", "--as-of", "2021-06-30").out
    assert "常数w自2021-01-01起为0.2" in june
    doc = json.loads(cli(url, *args, "--format", "json").out)
    assert doc["lines"][-1]["detail"] == "w*办结率 + b = 0.3*92 + 1 = 28.6; constant w 0.3 from 2021-07-01"
    shown = cli(url, "--lang", "en", "policy", "show", "dated-constants", "--as-of", "2021-06-30").out
    assert "rule.constants.w: 2021-01-01 → 0.2 ✓; 2021-07-01 → 0.3" in shown


@pytest.mark.parametrize("constants, formula, expected", [
    ("{1w: 0.2}", "x", "constants.1w: a constant name is a word"),
    ("{min: 0.2}", "x", "constants.min: a constant name is a word"),
    ("{x: 0.2}", "x", "constants.x: also the name of a measure"),
    ("{w: 0.2, v: 1}", "w*x", "constants not used by the formula: v"),
    ("{w: 0.2}", "w*x + z", "formula: z not among the measures (x) or constants (w)"),
    ("{w: {2021-13-01: 0.2}}", "w*x", "valid YAML with real dates (month must be in 1..12)"),
    ("{w: {2021-07: 0.2}}", "w*x", "is not a date"),
])
def test_formula_constants_refused_at_load(constants, formula, expected):
    from ledger.policies import PolicyError

    text = CONSTANTS.replace("measures: {办结率: {metric: m}}", "measures: {x: {metric: m}}")
    text = text.replace("constants: {w: {2021-01-01: 0.2, 2021-07-01: 0.3}, b: 1}", f"constants: {constants}")
    text = text.replace("formula: w*办结率 + b", f"formula: {formula}")
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "c.yaml")
    assert expected in str(err.value)
