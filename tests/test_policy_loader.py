"""Loading policies: valid files, content hash, and PolicyError for invalid ones."""

import textwrap
from pathlib import Path

import pytest

from ledger.policies import PolicyError, load_policy_file, load_policy_text, policy_file_hash

HERE = Path(__file__).parent / "policies"

BASE = textwrap.dedent("""\
    id: p
    version: 1
    year: 2021
    title: 测试
    tracks:
      - id: t
        name: 轨
        group: g
        indicators:
          - id: a
            name: A
            points: 5
            rule: RULE
    """)


def with_rule(rule: str) -> str:
    return BASE.replace("RULE", rule)


def err(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as e:
        load_policy_text(text, "bad.yaml")
    return e.value


def test_test_policies_load_with_metadata_and_hash():
    p = load_policy_file(HERE / "events.yaml")
    assert p.ref == "test-events@3" and p.year == 2021
    assert p.sources[0].doc_number == "测〔2021〕1号"
    assert p.content_hash == policy_file_hash(HERE / "events.yaml")
    assert p.content_hash.startswith("sha256:") and len(p.content_hash) == 71
    assert p.origin.endswith("events.yaml")
    again = load_policy_text((HERE / "events.yaml").read_text(encoding="utf-8"), "x")
    assert again.content_hash == p.content_hash
    other = load_policy_text(with_rule("{kind: manual}"), "x")
    assert other.content_hash != p.content_hash


def test_amendment_fields_and_settings():
    text = BASE.replace("version: 1", "version: 2\neffective_from: 2021-07-01\nchange_note: 改第3项\n"
                        "settings: {appeal_window_workdays: 5}").replace("RULE", "{kind: manual}")
    p = load_policy_text(text, "x")
    assert p.version == 2 and str(p.effective_from) == "2021-07-01"
    assert p.change_note == "改第3项" and p.settings["appeal_window_workdays"] == 5


@pytest.mark.parametrize("rule, path, words", [
    ("{kind: per_event, event: praise, by: level, amounts: {city: lots}}",
     "tracks[0].indicators[0].rule.amounts.city", "a number"),
    ("{kind: per_event, event: praise, amounts: {city: 1}}", "tracks[0].indicators[0].rule", "by"),
    ("{kind: per_evnt, event: praise}", "tracks[0].indicators[0].rule", "per_event"),
    ("{event: praise}", "tracks[0].indicators[0].rule", "kind"),
    ("{kind: requirement, results: {met: 1}, colour: red}", "tracks[0].indicators[0].rule.colour", "unknown key"),
    ("{kind: report, report: r, every: week, due: {rule: end_of_period}}",
     "tracks[0].indicators[0].rule.every", "month"),
    ("{kind: report, report: r, every: month, due: {rule: day_of_month}}", "tracks[0].indicators[0].rule.due", "day"),
    ("{kind: report, report: r, every: quarter, periods: [5], due: {rule: end_of_period}}",
     "tracks[0].indicators[0].rule", "1..4"),
    ("{kind: per_event, event: praise, amount: 1, max_events: 0}",
     "tracks[0].indicators[0].rule.max_events", "greater than or equal to 1"),
    ("{kind: rank, by: {metric: m}}", "tracks[0].indicators[0].rule", "places"),
    ("{kind: per_event, event: praise, where: {level: {greater: 3}}, amount: 1}",
     "tracks[0].indicators[0].rule.where", "operator"),
    ("{kind: quota, event: training_session, every: year, target: {metric: m, bands: [{at_least: 1, amount: 2}]}}",
     "tracks[0].indicators[0].rule.target", "value"),
])
def test_invalid_rules_name_the_path(rule, path, words):
    e = err(with_rule(rule))
    assert e.origin == "bad.yaml"
    assert e.path == path, (e.path, e.expected)
    assert words in e.expected
    assert str(e).startswith(f"bad.yaml: {path}: ")


def test_invalid_documents():
    assert "valid YAML" in err("id: [").expected
    e = err(BASE.replace("version: 1", "version: one").replace("RULE", "{kind: manual}"))
    assert e.path == "version"
    e = err(BASE.replace("title: 测试\n", "").replace("RULE", "{kind: manual}"))
    assert e.path == "title" and "missing" in e.expected
    # rate needs mode deduction
    e = err(with_rule("{kind: rate, of: {metric: m}, per_point: 1}"))
    assert e.path == "tracks[0].indicators[0]" and "deduction" in e.expected
    # duplicate indicator ids
    dup = with_rule("{kind: manual}") + "      - {id: a, name: B, rule: {kind: manual}}\n"
    e = err(dup)
    assert e.path == "tracks[0]" and "used twice" in e.expected
    # grades must go down
    g = with_rule("{kind: manual}").replace(
        "    group: g\n", "    group: g\n    grades: [{min: 70, grade: b}, {min: 90, grade: a}]\n")
    assert "highest" in err(g).expected
    # both rule and children
    both = with_rule("{kind: manual}").replace(
        "        points: 5\n", "        points: 5\n        children: [{id: b, name: b, rule: {kind: manual}}]\n")
    assert "exactly one of rule" in err(both).expected


def test_missing_file():
    with pytest.raises(PolicyError) as e:
        load_policy_file(HERE / "nope.yaml")
    assert "nope.yaml" in str(e.value)
