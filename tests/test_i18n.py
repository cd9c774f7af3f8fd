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
def demo_ledger(demo_store):
    """The session's demo store, read only."""
    from ledger.app import Ledger

    ledger = Ledger(demo_store.url)
    yield ledger
    ledger.close()


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
    (tests/english.py: the chain hash, options such as --all-lines, file names are not words)."""
    from english import english_words as words

    return words(text, [*typed, *ALLOWED_WORDS], shortest=3)


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


# ---------------------------------------------------------------- policy list and policy show under zh


def _policy_typed(pol) -> list[str]:
    """What the policy's authors wrote and `policy show` quotes as it is: ids, names, the title,
    sources, groups, grades and the indicators' 原文/计分方式/数据来源/解读 (which quote event
    types, fields and the policy's own codes: `finding item three_year_plan_task`), each line
    also as the tree cuts it to 100 characters."""
    from ledger.reports.records import short

    typed = [pol.ref, pol.id, pol.title]
    for src in pol.sources:
        typed.extend([src.title, src.doc_number or "", src.ref or ""])

    def walk(nodes):
        for n in nodes or []:
            typed.extend([n.id, n.name])
            for text in (n.clause, n.method, n.data_source, n.reading):
                for line in (text or "").splitlines():
                    typed.extend([line.strip(), short(line.strip(), 100)])
            walk(n.children)

    for track in pol.tracks:
        typed.extend([track.id, track.name, track.group, *(g.grade for g in track.grades or [])])
        walk(track.indicators)
    return sorted({t for t in typed if t}, key=len, reverse=True)


@pytest.fixture
def store_with_a_loaded_version(tmp_path):
    """A store with a second version of a bundled policy loaded (origin: a revision)."""
    from helpers import cli

    from ledger.policies.loader import bundled_dir

    url = f"sqlite:///{tmp_path}/l.db"
    assert cli(url, "init").code == 0
    text = (bundled_dir() / "daan-2021.yaml").read_text(encoding="utf-8").replace("\nversion: 1\n", "\nversion: 2\n", 1)
    (tmp_path / "daan2.yaml").write_text(text, encoding="utf-8")
    assert cli(url, "policy", "load", str(tmp_path / "daan2.yaml")).code == 0
    return url


def test_policy_list_and_show_in_chinese_have_no_english_words(store_with_a_loaded_version):
    from helpers import cli

    from ledger.policies.loader import load_bundled_policy

    url = store_with_a_loaded_version
    listed = cli(url, "--lang", "zh", "policy", "list").out
    head = listed.splitlines()[0].split()
    assert head == ["考核办法", "年度", "名称", "来源", "sha256摘要", "生效日期", "今日现行"]
    assert "内置" in listed and "第 1 号记录" in listed
    pols = {p: load_bundled_policy(p) for p in DEMO_POLICIES}
    # sha256 is the digest's own name (the tree writes digests as `sha256:…`), not a word to translate
    typed = sorted({t for p in pols.values() for t in (p.ref, p.id, p.title, "daan-2021@2", "sha256")}, key=len,
                   reverse=True)
    assert english_words(listed, typed) == set()
    found: dict[str, str] = {}
    for ref, pol in [*((p, pols[p]) for p in DEMO_POLICIES), ("daan-2021@2", pols["daan-2021"])]:
        shown = cli(url, "--lang", "zh", "policy", "show", ref).out
        typed = [ref, "sha256", *_policy_typed(pol)]
        for line in shown.splitlines():
            for word in english_words(line, typed):
                found.setdefault(word, f"{ref}: {line.strip()[:160]}")
    assert found == {}
    shown = cli(url, "--lang", "zh", "policy", "show", "daan-2021@2").out.splitlines()
    assert shown[0].endswith("（2021年度；第 1 号记录；sha256:" + shown[0].split("sha256:")[1].split("…")[0] + "…）")
    assert shown[1].startswith("  来源文件: ")
    assert "考核类别 department 各部门 — 分组 daan-department" in shown
    jingkai = cli(url, "--lang", "zh", "policy", "show", "jingkai-2021").out
    assert "考核类别 main 各局(室、公司)、各基层单位、各双管单位 — 分组 jingkai-unit；等次 优秀≥90, 达标≥70, 不达标" \
        in jingkai


def test_policy_list_and_show_in_english_are_as_before(store_with_a_loaded_version):
    from helpers import cli

    url = store_with_a_loaded_version
    listed = cli(url, "--lang", "en", "policy", "list").out.splitlines()
    assert listed[0].split() == ["policy", "year", "title", "origin", "sha256", "effective_from", "in", "force",
                                 "today"]
    assert any(line.startswith("daan-2021@2 ") and " revision 1 " in line for line in listed)
    assert any(line.startswith("jingkai-2021@1 ") and " bundled " in line for line in listed)
    shown = cli(url, "--lang", "en", "policy", "show", "daan-2021@2").out.splitlines()
    assert shown[0].startswith("daan-2021@2  大安市") and "  (year 2021; revision 1; sha256:" in shown[0]
    assert shown[1].startswith("  source: 大安市")
    assert "track department 各部门 — group daan-department" in shown
    jingkai = cli(url, "--lang", "en", "policy", "show", "jingkai-2021").out
    assert "track main 各局(室、公司)、各基层单位、各双管单位 — group jingkai-unit; grades 优秀≥90, 达标≥70, 不达标" \
        in jingkai
    assert cli(url, "--lang", "en", "policy", "load", str(Path(url[10:]).parent / "daan2.yaml")).out == \
        "daan-2021@2 (already published, unchanged)\n"
    assert cli(url, "--lang", "zh", "policy", "load", str(Path(url[10:]).parent / "daan2.yaml")).out == \
        "daan-2021@2（已发布，内容未变）\n"
