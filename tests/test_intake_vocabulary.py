"""The vocabulary check (issue #15): an item, report kind, metric, panel or channel that no
policy of the event's year names for the unit's groups is a warning listing what the policies
name (an error with --strict); a year without any policy is one warning per file."""

from __future__ import annotations

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.intake.vocabulary import named
from ledger.policies import load_policy_text


def finding(i, item, date="2021-06-07", unit="jk-fgj"):
    return {"type": "finding", "unit": unit, "date": date, "id": f"f{i}", "item": item, "result": "not_done"}


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    return url


def test_an_item_no_policy_names_is_a_warning_listing_the_named_ones(url, tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [finding(1, "three_year_plan"), finding(2, "three_year_plan_task"),
                                              finding(3, "three_year_plan")])
    run = cli(url, "import", path)
    assert run.code == 0 and "3 new" in run.out
    warnings = [line for line in run.err.splitlines() if "three_year_plan'" in line]
    assert len(warnings) == 1  # one per distinct value, with the first line and the count
    assert f"{path}:1" in warnings[0] and "field 'item'" in warnings[0] and "2 lines give it" in warnings[0]
    assert "three_year_plan_task" in warnings[0] and "jingkai-unit" in warnings[0]


def test_strict_refuses_and_writes_nothing(url, tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [finding(1, "three_year_plan_task"), finding(2, "three_year_plan")])
    run = cli(url, "import", path, "--strict")
    assert run.code == 2 and f"{path}:2" in run.err and "three_year_plan_task" in run.err
    assert cli(url, "import", write_jsonl(tmp_path / "ok.jsonl", [finding(1, "three_year_plan_task")]),
               "--strict").code == 0


def test_a_year_without_any_policy_is_one_warning_per_file(url, tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [finding(1, "a", "2031-01-05"), finding(2, "b", "2031-02-05")])
    run = cli(url, "import", path, "--strict")
    assert run.code == 0, run.err
    notes = [line for line in run.err.splitlines() if "no policy" in line]
    assert len(notes) == 1 and "2031" in notes[0] and path in notes[0]


def test_groups_decide_what_a_unit_may_report(url, tmp_path):
    # jk-czj is also in the hotline group; jingkai's item is named for jingkai-unit, which both share,
    # but a unit with a group no policy tracks is told what the policies name for it: nothing
    setup_units(url, tmp_path, "id,name,groups,divisions\nlone,孤立单位,no-such-group,\n")
    path = write_jsonl(tmp_path / "f.jsonl", [finding(1, "three_year_plan_task", unit="lone")])
    run = cli(url, "import", path)
    assert run.code == 0 and "no-such-group" in run.err and ": none" in run.err


def test_loaded_policies_count_too(url, tmp_path):
    policy = tmp_path / "extra.yaml"
    policy.write_text("""
id: extra
version: 1
year: 2021
title: 额外
tracks:
  - id: main
    name: 额外
    group: jingkai-unit
    indicators:
      - {id: plan, name: 规划, rule: {kind: per_event, event: finding, where: {item: three_year_plan}, amount: -1}}
""", encoding="utf-8")
    assert cli(url, "policy", "load", str(policy)).code == 0
    run = cli(url, "import", write_jsonl(tmp_path / "f.jsonl", [finding(1, "three_year_plan")]), "--strict")
    assert run.code == 0, run.err


BASE = """
id: t
version: 1
year: 2021
title: 测试
tracks:
  - id: main
    name: 测试
    group: g
    indicators:
{indicators}
"""


@pytest.mark.parametrize("indicator, kind, expected", [
    ("{id: a, name: 甲, rule: {kind: metric_bands, metric: gdp, bands: [{below: 70, amount: -2}]}}", "metric", {"gdp"}),
    ("{id: a, name: 甲, rule: {kind: panel, panel: enterprises}}", "evaluation", {"enterprises"}),
    ("{id: fire, name: 甲, points: 2, rule: {kind: requirement, results: {met: 2}}}", "finding", {"fire"}),
    ("{id: a, name: 甲, rule: {kind: per_event, event: finding, amount: -1}}", "finding", None),
    ("{id: a, name: 甲, rule: {kind: per_event, event: publication, where: {channel: [column, publicity]}, "
     "amount: 1}}", "publication", {"column", "publicity"}),
])
def test_what_a_policy_names(indicator, kind, expected):
    policy = load_policy_text(BASE.replace("{indicators}", "      - " + indicator), origin="p.yaml")
    assert named(policy)["g"][kind] == expected
