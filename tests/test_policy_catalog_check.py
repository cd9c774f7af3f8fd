"""Policies are checked against the event catalog (a misspelt value would never match)."""

from __future__ import annotations

import pytest

from ledger.policies import PolicyError, load_policy_text

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
      - id: a
        name: 甲
        rule: {rule}
"""


@pytest.mark.parametrize("rule, path, expected", [
    ("{kind: per_event, event: media_report, by: level, amounts: {national: 5}}",
     "tracks[0].indicators[0].rule.amounts.national", "one of central, city, county"),
    ("{kind: per_event, event: warning, where: {issuer_level: town}, amount: -1}",
     "tracks[0].indicators[0].rule.where.issuer_level", "(not 'town')"),
    ("{kind: per_event, event: warning, where: {colour: red}, amount: -1}",
     "tracks[0].indicators[0].rule.where.colour", "a field of warning"),
    ("{kind: per_event, event: warnings, amount: -1}",
     "tracks[0].indicators[0].rule.event", "an event type of the catalog"),
    ("{kind: rank, by: {count: {event: media_report, where: {level: [province, nation]}}}, places: [3, 2]}",
     "tracks[0].indicators[0].rule.by.count.where.level", "(not 'nation')"),
])
def test_catalog_errors_name_the_path(rule, path, expected):
    with pytest.raises(PolicyError) as err:
        load_policy_text(BASE.replace("{rule}", rule), origin="p.yaml")
    assert err.value.path == path and expected in err.value.expected
    assert str(err.value).startswith(f"p.yaml: {path}: ")


def test_valid_values_and_policy_defined_words_pass():
    policy = load_policy_text(BASE.replace(
        "{rule}", "{kind: per_event, event: finding, where: {item: any_item, result: not_done}, amount: -3}"))
    assert policy.ref == "t@1"
