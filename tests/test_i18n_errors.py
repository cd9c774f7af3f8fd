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
