"""Error messages in the chosen language (issue #13): under zh a bad input gets a Chinese
sentence (exit 2) around what the person typed; under en the same message as before, byte
for byte. The sentences are ``ledger.i18n.Msg`` objects made at the raise site and translated
where they are shown."""

from __future__ import annotations

import pickle
import re

import pytest
from helpers import cli, setup_units

from ledger import i18n
from ledger.i18n import Msg

BAD_POLICY = """id: x-2021
version: 1
year: 2021
title: 测试
tracks:
  - id: main
    name: 主轨道
    group: g
    indicators:
      - id: "1"
        name: 扣分
        clause: 每件扣1分
        rule: {kind: per_event, event: criticism}
"""

CASES = [
    # (files to write, command, the English message exactly as the ledger has always said it)
    ({"bad.jsonl": '{"type": "criticism", "unit": "jk-fgj", "date": "2021-13-01", "issuer_level": "county", '
                   '"source": "x"}\n'},
     ["import", "bad.jsonl"],
     "ledger: bad.jsonl:1: field 'date': expected an ISO date YYYY-MM-DD (got '2021-13-01')"),
    ({"bad.jsonl": '{"type": "criticism", "unit": "zz-none", "date": "2021-01-01", "issuer_level": "county", '
                   '"source": "x"}\n'},
     ["import", "bad.jsonl"],
     "ledger: bad.jsonl:1: field 'unit': expected a registered unit id (see `ledger units list`; register with "
     "`ledger units import`) (got 'zz-none')"),
    ({"bad.jsonl": '{"type": "criticism", "unit": "jk-fgj", "date": "2021-01-01", "issuer_level": "moon", '
                   '"source": "x"}\n'},
     ["import", "bad.jsonl"],
     "ledger: bad.jsonl:1: field 'issuer_level': expected one of 'central', 'province', 'city', 'county', "
     "'district' or 'unit' (got 'moon')"),
    ({}, ["import", "missing.jsonl"], "ledger: missing.jsonl: expected a readable file (No such file or directory)"),
    ({"units.csv": "id,name\njk-new,新单位\n"}, ["units", "import", "units.csv"],
     "ledger: units.csv:2: field 'groups': expected the unit's groups (separated by ;) — every track scores the "
     "units of its group"),
    ({"p.yaml": "id: x-2021\nversion: 1\nyear: 2021\ntitle: t\n"}, ["policy", "load", "p.yaml"],
     "ledger: p.yaml: tracks: required key `tracks` is missing"),
    ({"p.yaml": BAD_POLICY}, ["policy", "load", "p.yaml"],
     "ledger: p.yaml: tracks[0].indicators[0].rule: exactly one of amount, amounts (with by), cases or tiers"),
    ({}, ["score", "--policy", "nosuch-2021"],
     "ledger: field '--policy': expected a bundled or published policy id (known: changbai-2020, daan-2021, "
     "jiangxian-2021, jilin-kjt-2019, jingkai-2021) (got 'nosuch-2021')"),
    ({}, ["score", "--policy", "jingkai-2021", "--known-at", "abc"],
     "ledger: field '--known-at': expected a revision number or an ISO timestamp like 2021-07-05T10:00:00+08:00 "
     "(got 'abc')"),
    ({}, ["score", "--policy", "jingkai-2021", "--track", "nosuch"],
     "ledger: field '--track': expected one of the policy's tracks: main (got 'nosuch')"),
    ({}, ["explain", "nosuch", "--policy", "jingkai-2021"],
     "ledger: field 'UNIT': expected a unit scored by jingkai-2021@1 (unit 'nosuch' is in none of its tracks' "
     "groups) (got 'nosuch')"),
    ({}, ["history", "nosuch"], "ledger: unit 'nosuch' is not registered (see `ledger units list`)"),
    ({}, ["retract", "nosuch-id", "--reason", "x"],
     "ledger: field 'ID': expected the id of an event in the ledger (got 'nosuch-id')"),
    ({}, ["appeal", "show", "nosuch"],
     "ledger: field 'APPEAL': expected the id of a filed appeal (see `ledger appeal list`) (got 'nosuch')"),
    ({}, ["bulletin", "--policy", "jingkai-2021", "--period", "2021-13"],
     "ledger: field '--period': expected a month like 2021-06 or a range of months like 2021-01/2021-04 "
     "(got '2021-13')"),
    ({}, ["correct", "nosuch-id", "--set", "title=x"], "Error: Missing option '--reason'."),
]
IDS = [" ".join(c[1]) for c in CASES]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("i18n-errors")
    url = f"sqlite:///{tmp}/ledger.db"
    setup_units(url, tmp)
    return url


def _run(store, tmp_path, monkeypatch, files, args):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = cli(store, *args)
    return run.code, run.err.strip().splitlines()[-1]


def english_sentence(text: str) -> str | None:
    """Two English words in a row outside what the person typed or may type: quoted values
    ('moon'), commands in backticks, options, file names; None when there is none."""
    text = re.sub(r"`[^`]*`|'[^']*'|“[^”]*”|--[a-z-]+|\S+\.(jsonl|csv|yaml)\b", " ", text)
    found = re.search(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b", text)
    return found.group(0) if found else None


@pytest.mark.parametrize(("files", "args", "english"), CASES, ids=IDS)
def test_errors_are_chinese_under_zh(store, tmp_path, monkeypatch, files, args, english):
    monkeypatch.setenv("LEDGER_LANG", "zh")
    code, message = _run(store, tmp_path, monkeypatch, files, args)
    assert code == 2
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert english_sentence(message) is None, message


@pytest.mark.parametrize(("files", "args", "english"), CASES, ids=IDS)
def test_errors_are_unchanged_under_en(store, tmp_path, monkeypatch, files, args, english):
    code, message = _run(store, tmp_path, monkeypatch, files, args)
    assert (code, message) == (2, english)


def test_the_chinese_message_keeps_what_was_typed(store, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_LANG", "zh")
    code, message = _run(store, tmp_path, monkeypatch, {}, ["score", "--policy", "jingkai-2021", "--track", "nosuch"])
    assert message == "ledger: 字段“--track”：应为 本考核办法的考核类别之一：main（实际为 'nosuch'）"


def test_english_sentence_finds_an_untranslated_message():
    """The check above would catch today's English (it is not vacuous)."""
    assert english_sentence("ledger: 字段“UNIT”：应为 a unit scored by jingkai-2021@1") == "unit scored"
    assert english_sentence("ledger: 字段“type”：应为 以下之一：award, criticism（实际为 'no such'）") is None


def test_msg_is_its_english_text_and_translates_where_shown(monkeypatch):
    msg = Msg("a month of {year} (the year of {ref})", year=2021, ref="jingkai-2021@1")
    assert msg == "a month of 2021 (the year of jingkai-2021@1)"  # what JSON, logs and en output see
    assert pickle.loads(pickle.dumps(msg)).values == msg.values  # crosses process boundaries whole
    monkeypatch.setenv("LEDGER_LANG", "en")
    assert i18n.tr(msg) == "a month of 2021 (the year of jingkai-2021@1)"
    monkeypatch.setenv("LEDGER_LANG", "zh")
    assert i18n.tr(msg) == "2021 年的月份（jingkai-2021@1 的考核年度）"
    nested = Msg("{problem} (got {got!r})", problem=Msg("a whole number"), got="x")
    assert i18n.tr(nested) == "整数（实际为 'x'）"
    assert i18n.tr(Msg("a sentence no catalogue has: {n}", n=1)) == "a sentence no catalogue has: 1"


# ---------------------------------------------------------------- policy-load errors of each kind

POLICY_HEAD = """id: p
version: 1
year: 2021
title: t
tracks:
  - id: t
    name: t
    group: g
    indicators:
"""
_F = "kind: formula, measures: {x: {metric: m}}"
LOAD_CASES = [
    # (the indicator, what `policy load` has always said in English after "p.yaml: ")
    (f"{{id: a, name: a, rule: {{{_F}, formula: x, round: 7}}}}",
     "tracks[0].indicators[0].rule.round: Input should be less than or equal to 6 (got 7)"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: x, return_within_workdays: -1}}}}",
     "tracks[0].indicators[0].rule.return_within_workdays: Input should be greater than or equal to 0 (got -1)"),
    ("{id: a, name: a, rule: {kind: formula, measures: {}, formula: x}}",
     "tracks[0].indicators[0].rule.measures: Dictionary should have at least 1 item after validation, not 0"),
    ("{id: a, name: a, mode: foo, rule: {kind: per_event, event: criticism, amount: 1}}",
     "tracks[0].indicators[0].mode: Input should be 'bonus' or 'deduction' (got 'foo')"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: x, round: abc}}}}",
     "tracks[0].indicators[0].rule.round: Input should be a valid integer, unable to parse string as an integer "
     "(got 'abc')"),
    ("{id: a, name: [1], rule: {kind: per_event, event: criticism, amount: 1}}",
     "tracks[0].indicators[0].name: Input should be a valid string"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: x ** 2}}}}",
     "tracks[0].indicators[0].rule: formula: only numbers, measure names, + - * /, brackets and min, max, abs, "
     "round; not Pow"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: x.real}}}}",
     "tracks[0].indicators[0].rule: formula: only numbers, measure names, + - * /, brackets and min, max, abs, "
     "round; not Attribute"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: 'x +'}}}}",
     "tracks[0].indicators[0].rule: formula: not an arithmetic expression (invalid syntax)"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: 'x + \"a\"'}}}}",
     "tracks[0].indicators[0].rule: formula: 'a' is not a number"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: 'min(x)'}}}}",
     "tracks[0].indicators[0].rule: formula: min(a, b, …)"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: 'sqrt(x)'}}}}",
     "tracks[0].indicators[0].rule: formula: the functions are min, max, abs, round (positional arguments)"),
    ("{id: a, name: a, rule: {kind: formula, measures: {x: {metric: m}, y: {metric: n}}, formula: x}}",
     "tracks[0].indicators[0].rule: measures not used by the formula: y"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: x + y}}}}",
     "tracks[0].indicators[0].rule: formula: y not among the measures (x)"),
    ("{id: a, name: a, rule: {kind: formula, measures: {min: {metric: m}}, formula: x}}",
     "tracks[0].indicators[0].rule: measures.min: a measure name is a word (letters, digits, _; not starting "
     "with a digit; not min, max, abs, round)"),
    ("{id: a, name: a, rule: {kind: formula, when_empty: full, measures: {x: {metric: m}}, formula: x}}",
     "tracks[0].indicators[0].rule: measures.x: when_empty full needs `full` (the measure's full value)"),
    (f"{{id: a, name: a, rule: {{{_F}, formula: x, min: 5, max: 1}}}}",
     "tracks[0].indicators[0].rule: min above max"),
    (f"{{id: a, name: a, rule: {{{_F}, constants: {{w: 1}}, formula: x}}}}",
     "tracks[0].indicators[0].rule: constants not used by the formula: w"),
    ("{id: a, name: a, rule: {kind: per_event, event: criticism, by: issuer_level, amounts: {city: -1}, "
     "caps: {county: 2}}}",
     "tracks[0].indicators[0].rule: caps for values without an amount: ['county']"),
    ("{id: a, name: a, rule: {kind: per_event, cases: [{amount: -1}]}}",
     "tracks[0].indicators[0].rule: cases[0] needs `event` (or give `event` on the rule)"),
    ("{id: a, name: a, rule: {kind: checklist, items: {a: 1}, earn_on: [met], deduct_on: [met]}}",
     "tracks[0].indicators[0].rule: results both earning and deducting: ['met']"),
    ("{id: a, name: a, rule: {kind: formula, measures: {x: {indicator: a}}, formula: x}}",
     "tracks[0]: indicators depend on themselves: a → a"),
    ("{id: a, name: a, rule: {kind: per_event, event: criticism, where: {issuer_level: {foo: 1}}, amount: 1}}",
     "tracks[0].indicators[0].rule.where: issuer_level: unknown operator 'foo'; expected one of eq, ne, in, "
     "not_in, gt, gte, lt, lte, exists, contains_any"),
    ("{id: a, name: a, rule: {kind: per_event, event: criticism, amount: {2021-13-01: 1}}}",
     "valid YAML with real dates (month must be in 1..12)"),
]
"""Codes a Chinese policy-load message may show besides what the file says: the formula's
functions, the operators of `where`, and the YAML format's name."""
LOAD_CODES = ("min", "max", "abs", "round", "not_in", "gte", "lte", "exists", "contains_any", "YAML")


def _load(store, tmp_path, monkeypatch, indicator):
    (tmp_path / "p.yaml").write_text(POLICY_HEAD + f"      - {indicator}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = cli(store, "policy", "load", "p.yaml")
    return run.code, run.err.strip()


@pytest.mark.parametrize(("indicator", "english"), LOAD_CASES, ids=[c[1][:60] for c in LOAD_CASES])
def test_policy_load_errors_are_chinese_under_zh_and_unchanged_under_en(store, tmp_path, monkeypatch, indicator,
                                                                         english):
    code, message = _load(store, tmp_path, monkeypatch, indicator)
    assert (code, message) == (2, f"ledger: p.yaml: {english}")
    monkeypatch.setenv("LEDGER_LANG", "zh")
    code, message = _load(store, tmp_path, monkeypatch, indicator)
    assert code == 2 and re.search(r"[\u4e00-\u9fff]", message), message
    # after the place in the file (field paths are the file's own words); quoted values are codes
    said = re.sub(r"'[^']*'", " ", message.split("：", 1)[1])
    for word in sorted(set(re.findall(r"[A-Za-z_]{3,}", said))):
        assert word in indicator or word in LOAD_CODES, (word, message)
