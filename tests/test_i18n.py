"""The two sources of words (issue #13): the event catalogue's names and the gettext catalogue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from ledger import i18n
from ledger.events import names
from ledger.events.catalog import missing_names

ROOT = Path(__file__).resolve().parents[1]


def test_every_event_type_field_and_value_has_a_chinese_name():
    assert missing_names() == []
    assert names.type_zh("criticism") == "通报批评" and names.value_zh("issuer_level", "city") == "市级"


def test_aliases_map_other_words_to_the_catalogue():
    assert ("type", "discipline_case") in names.lookup("违纪查处")  # EVENTS.md's alternative name
    assert names.lookup("通报批评") == [("type", "criticism")]


def test_the_compiled_catalogue_matches_the_po():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_catalog.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_every_help_text_is_translated(monkeypatch):
    from ledger.cli import main
    from ledger.cli.base import _help

    monkeypatch.setenv("LEDGER_LANG", "zh")
    i18n.set_lang(None)
    missing = []

    def walk(cmd: click.Command) -> None:
        # the English originals (an earlier --help in this process may have translated them in place)
        texts = [cmd.__dict__.get("_help_en", (cmd.help,))[0]]
        texts += [p.__dict__.get("_help_en", getattr(p, "help", None)) for p in cmd.params]
        for text in texts:
            if text and _help(text) == text:
                missing.append(text)
        if isinstance(cmd, click.Group):
            for sub in cmd.commands.values():
                walk(sub)

    walk(main)
    assert missing == []


@pytest.mark.parametrize(("value", "lang"), [("zh_CN.UTF-8", "zh"), ("en_US", "en"), ("fr", "zh"), ("EN", "en")])
def test_ledger_lang_values(value, lang):
    assert i18n.normalise(value) == lang


def test_policy_labels_file_is_not_part_of_the_policy_hash():
    from ledger.policies import load_bundled_policy
    from ledger.policies.labels import labels_file, labels_of

    policy = load_bundled_policy("jingkai-2021")
    assert labels_file("jingkai-2021").is_file()
    assert labels_of(policy)["reports"]["monthly_dynamics"] == "工作动态信息"  # from the labels file
    assert labels_of(policy)["items"]["three_year_plan_task"] == "三年行动方案重点任务"  # derived from the policy


def test_a_policy_may_carry_its_own_labels():
    from ledger.policies import load_policy_text
    from ledger.policies.labels import labels_of

    text = (ROOT / "tests" / "policies" / "cli.yaml").read_text(encoding="utf-8")
    policy = load_policy_text(text + "labels:\n  results: {found: 发现问题}\n", "x.yaml")
    assert labels_of(policy)["results"] == {"found": "发现问题"}
    assert load_policy_text(text, "y.yaml").labels is None  # optional: older policies load unchanged


# ---------------------------------------------------------------- no English in a Chinese explanation

DEMO_POLICIES = ("changbai-2020", "daan-2021", "jiangxian-2021", "jilin-kjt-2019", "jingkai-2021")
ALLOWED_WORDS = {"PDF"}
"""ASCII words a Chinese explanation may show besides the codes a person typed."""


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory):
    from helpers import cli

    from ledger.app import Ledger

    url = f"sqlite:///{tmp_path_factory.mktemp('zh-demo')}/demo.db"
    assert cli(url, "demo").code == 0
    return Ledger(url)


def _typed(ex) -> list[str]:
    """What a person typed and an explanation quotes as it is: the policy's ids, names,
    clauses, methods and data sources; the unit's id and name; the events' ids, sources,
    own words, ticket numbers and supervised-item ids."""
    from ledger.projections.explanation import own_words

    pol, card = ex.board.policy, ex.card
    track = pol.track(card.track)
    typed = [pol.ref, pol.id, pol.title, track.id, track.name, card.unit, card.name]

    def walk(nodes):
        for n in nodes or []:
            typed.extend([n.id, n.name, n.method or "", n.data_source or ""])
            walk(n.children)

    walk(track.indicators)
    for ln in ex.lines():
        typed.extend(str(ln.get(k) or "") for k in ("rule", "source", "event"))
        typed.extend(ln.get("events", []))
    for fact in ex.facts.values():
        typed.extend([fact.id, own_words(fact), str(fact.fields.get("ticket") or "")])
        if fact.type.startswith("supervised_item"):
            typed.append(str(fact.fields.get("item") or ""))
    return sorted({t for t in typed if t}, key=len, reverse=True)


def english_words(text: str, typed: list[str]) -> set[str]:
    """ASCII words of three or more letters left in ``text`` once what was typed is taken out
    (Markdown's escapes undone first; the chain hash and options such as --all-lines are not
    words)."""
    import html
    import re

    text = re.sub(r"\b[0-9a-f]{16,64}\b|--[a-z-]+", " ", html.unescape(re.sub(r"\\(.)", r"\1", text)))
    for t in typed:
        text = text.replace(t, " ")
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_WORDS}


@pytest.mark.parametrize("policy_id", DEMO_POLICIES)
def test_a_chinese_explanation_has_no_english_words(demo_ledger, policy_id, monkeypatch):
    """Every unit of every demo policy, table and Markdown, every line shown: the engine's
    details (quota, hotline, formula, rounding …) are said in Chinese; only codes a person
    typed remain."""
    from ledger.reports import explain as report

    monkeypatch.setenv("LEDGER_LANG", "zh")
    board = demo_ledger.scoreboard(demo_ledger.policy(policy_id))
    found: dict[str, str] = {}
    for card in board.all_cards():
        ex = report.Explanation(board, card)
        typed = _typed(ex)
        for text in (report.as_table(ex, all_lines=True), report.as_markdown(ex, all_lines=True)):
            for line in text.splitlines():
                for word in english_words(line, typed):
                    found.setdefault(word, f"{card.unit}: {line.strip()[:160]}")
    assert found == {}
