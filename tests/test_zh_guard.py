"""The guard of issue #34: every command, run on the demo store in Chinese (the default), says
what a person reads in Chinese — no English word (four or more ASCII letters) besides ids,
codes and words a person typed, hashes, file names, URLs, and in ``--help`` the option names,
their placeholders and choices.

The command tree is walked: a new command is covered by its ``--help`` at once, and the test
fails until it has its invocations in ``RUNS`` below (or a reason in ``NOT_RUN``). Machine
output is left out: ``--format json``, the JSON proofs of ``prove`` and the robot's message
envelope of ``notify --dry-run`` (its title and text are checked). The demo store is built once
per session (``demo_store`` in conftest.py); the commands that write run on a copy of it.
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from english import words_by_line

from ledger.cli import main

pytestmark = pytest.mark.slow

ALLOWED = {
    "ledger": "the program's name, as a person types it (`ledger keys init`)",
    "JSON": "a format's name, written so in Chinese texts",
    "JSONL": "a format's name",
    "HTML": "a format's name",
    "YAML": "a format's name",
    "Markdown": "a format's name",
    "Excel": "a program's name",
    "xlsx": "a format's name (the --format value and the file's extension)",
    "SQLite": "a program's name",
    "PostgreSQL": "a program's name",
    "Chromium": "a program's name",
    "Merkle": "a person's name: Chinese texts say Merkle 树",
    "html": "a format's name as --format takes it",
    "json": "a format's name as --format takes it",
    "jsonl": "a format's name as a file's extension",
    "base64": "an encoding's name",
    "webhook": "what 钉钉 and 企业微信 call a group robot's address (Webhook 地址)",
    "12345-tickets": "a bundled mapping's name, as --mapping takes it",
    "YYYY-MM-DD": "the form of a date a person types",
    "id,name,groups[,divisions]": "the header of a units file, as a person types it",
    "HTTP": "a protocol's name", "HTTPS": "a protocol's name",
    "HTTP Basic": "a sign-in scheme's name (HTTP 基本认证 is rarer than its name)",
    "Cookie": "what Chinese texts call it", "Host": "an HTTP header's name", "X-Forwarded-For": "an HTTP header's name",
    "JPEG": "a format's name (evidence kinds)", "docx": "a format's name (the file's extension)",
    "Word": "a program's name (Word（.docx）)",
}
"""Words a Chinese output may show, each with why (proper names a Chinese text keeps as they are)."""

@dataclass
class Said:
    args: list[str]
    out: str
    err: str
    code: int


# ------------------------------------------------------------------------ what each command runs

RUNS: dict[str, list[list[str]]] = {
    "init": [["init"]],
    "units import": [["units", "import", "{units}"]],
    "units list": [["units", "list"]],
    "types": [["types"], ["types", "criticism"], ["types", "report_submitted"]],
    "template": [["template", "criticism", "--output", "{tmp}/模板.xlsx"]],
    "record": [["record", "criticism", "--unit", "jk-fgj", "--date", "2021-05-06", "--set", "issuer_level=city",
                "--source", "吉市营商办〔2021〕9号"]],
    "import": [["import", "{events}", "--dry-run"], ["import", "{events}"], ["import", "{events}"]],
    "retract": [["retract", "zh-guard-001", "--reason", "录入错误"]],
    "correct": [["correct", "jk-fgj-med-001", "--set", "level=province", "--reason", "核对原件"]],
    "history": [["history", "jk-fgj"], ["history", "da-zrj"], ["history", "da-rsj"]],
    "attach": [["attach", "jk-fgj-med-001", "{tmp}/签收单.pdf", "--note", "整改材料"],
               ["attach", "jk-fgj-med-001", "{tmp}/units.csv"]],
    "evidence get": [["evidence", "get", "{receipt}", "--output", "{tmp}/取回.pdf"]],
    "evidence withdraw": [["evidence", "withdraw", "{receipt}", "--reason", "误传了个人信息"]],
    "verify": [["verify"], ["verify", "--checkpoint", "{tmp}/cp.txt"], ["verify", "--since", "{tmp}/cp.txt"]],
    "keys init": [["keys", "init", "--origin", "bgs.example.gov.cn/ledger"]],
    "checkpoint": [["checkpoint", "--output", "{tmp}/cp.txt"]],
    "prove consistency": [["prove", "consistency", "{tmp}/cp.txt", "{tmp}/cp.txt"]],
    "prove inclusion": [["prove", "inclusion", "jk-fgj-med-001"]],
    "migrate": [["migrate"]],
    "policy load": [["policy", "load", "{policy}"]],
    "policy list": [["policy", "list"]],
    "policy show": [["policy", "show", "jingkai-2021"]],
    "score": [["score", "--policy", p] for p in ("jingkai-2021", "jiangxian-2021", "daan-2021", "changbai-2020",
                                                 "jilin-kjt-2019")]
    + [["score", "--policy", "jiangxian-2021", "--series", "monthly"]],
    "explain": [["explain", "da-zrj", "--policy", "daan-2021", "--as-of", "2022-01-31"],
                ["explain", "kjt", "--policy", "jilin-kjt-2019", "--by", "division"]],
    "diff": [["diff", "--policy", "daan-2021", "--as-of", "2022-01-31", "--known-at", "6918"]],
    "bulletin": [["bulletin", "--policy", "jiangxian-2021", "--period", "2021-06"]],
    "publish": [["publish", "--policy", "jiangxian-2021", "--period", "2021-06", "--doc-no", "绛营商办〔2021〕6号"],
                ["publish", "--policy", "daan-2021", "--as-of", "2022-01-31"]],
    "published": [["published"], ["published", "{pub}"], ["published", "{pub}", "--format", "html", "--output",
                                                        "{tmp}/通报.html"]],
    "verify-publication": [["verify-publication", "{tmp}/通报.html"]],
    "appeal file": [["appeal", "file", "--unit", "da-zrj", "--target", "da-zrj-fnd-010", "--grounds", "系统停机所致",
                     "--late-override", "材料迟到"]],
    "appeal decide": [["appeal", "decide", "{appeal}", "--outcome", "rejected", "--reason", "理由不成立"]],
    "appeal list": [["appeal", "list"]],
    "appeal show": [["appeal", "show", "da-zrj-apl-001", "--policy", "daan-2021"]],
    "due": [["due", "--policy", "jingkai-2021", "--as-of", "2021-09-28"]],
    "notify": [["notify", "--policy", "jingkai-2021", "--as-of", "2021-09-28", "--dry-run", "--webhook",
                "https://oapi.dingtalk.com/robot/send?access_token=x"]],
    "packet": [["packet", "da-zrj", "--policy", "daan-2021", "--as-of", "2022-01-31", "--no-pdf", "--output",
                "{tmp}/复核包.zip"]],
    "verify-packet": [["verify-packet", "{tmp}/复核包.zip"], ["verify-packet", "{tmp}/复核包.zip", "--key",
                                                               "{tmp}/ledger-key.pub"]],
    "users add": [["users", "add", "王科长", "--role", "office", "--password-file", "{password}"]],
    "users password": [["users", "password", "王科长", "--password-file", "{password}"]],
    "users list": [["users", "list"]],
    "users disable": [["users", "disable", "王科长"]],
    "serve": [["serve", "--proxy", "not-an-address"]],
    "demo": [["demo"]],
}
"""Each command's runs on the demo store, in this order (later ones use what earlier ones made:
``{pub}`` is the first publication `publish` recorded, ``{appeal}`` the appeal `appeal file` filed)."""

NOT_RUN: dict[str, str] = {}
"""Commands not run here (their --help is checked all the same), each with why."""

MACHINE = {"prove consistency", "prove inclusion"}
"""Commands whose standard output is JSON (a proof): only their standard error is a person's."""


def catalogue_codes() -> set[str]:
    """The event catalogue's codes: types, fields, values (and JSON's true and false)."""
    from ledger.events import names

    codes = {"true", "false", *names.TYPES, *names.FIELDS}
    for values in names.VALUES.values():
        codes.update(values)
    return codes


SHOWS_CODES = {"types": "the catalogue: each type, field and value's code (what a person types in a JSONL file or "
                        "`ledger record`) beside its name"}
"""Commands whose output is a list of codes to type, with why."""


def leaf_commands(group: click.Group = main, path: tuple[str, ...] = ()) -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found[" ".join((*path, name))] = command
            found.update(leaf_commands(command, (*path, name)))
        else:
            found[" ".join((*path, name))] = command
    return found


def syntax_words(command: click.Command) -> set[str]:
    """What a command's --help shows as syntax: placeholders (UNIT, FILE, REV|TIMESTAMP) and
    choices (table, json …)."""
    ctx = click.Context(command, info_name="x")
    words = set()
    for param in command.params:
        words.update(re.findall(r"[A-Za-z_]+", param.make_metavar(ctx)))
        if isinstance(param.type, click.Choice):
            words.update(str(c) for c in param.type.choices)
    return words


# ------------------------------------------------------------------------ the store and what it holds

def store_words(url: str) -> set[str]:
    """What the store holds that a person typed: unit ids, names, groups and divisions; event
    ids and the events' own words (sources, notes, titles, item and ticket numbers …) — not the
    values the catalogue or a policy names (codes, which an output must show by their names)."""
    from ledger.app import Ledger
    from ledger.events import names
    from ledger.reports.words import _LABELLED

    ledger = Ledger(url)
    words: set[str] = set()
    try:
        for unit in ledger.units():
            words.update([unit.id, unit.name, *unit.groups, *unit.divisions])
            for row in ledger.history(unit.id):
                data = row.record.data
                words.add(str(data.get("actor") or ""))
                for key, value in data.items():
                    if key in ("type", "recorded_at", "hash", "revision") or names.values_of(key) or \
                            (key in _LABELLED and data.get("type") == "finding"):
                        continue
                    if key in _LABELLED and not str(data.get("type", "")).startswith("supervised_item"):
                        continue
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            words.add(item)
    finally:
        ledger.close()
    return words


def policy_words(pages: bool = False) -> set[str]:
    """What the bundled policies' authors wrote and outputs quote as it is: ids, names, titles,
    sources, groups, grades, the indicators' 原文/计分方式/数据来源/解读. ``pages``: as the
    workbench quotes them — not the tracks' ids (a page names a track by its name) nor the
    计分方式 texts (a page names the codes they quote), and lines whole (no shortened forms)."""
    from ledger.policies.loader import bundled_dir, load_bundled_policy
    from ledger.reports.records import short

    words: set[str] = set()
    for path in sorted(bundled_dir().glob("*.yaml")):
        if path.name.endswith(".labels.yaml"):
            continue
        pol = load_bundled_policy(path.stem)
        words.update([pol.ref, pol.id, pol.title, f"{pol.id}@{pol.version}"])
        for src in pol.sources:
            words.update([src.title, src.doc_number or "", src.ref or ""])
        stack = [ind for track in pol.tracks for ind in track.indicators]
        for track in pol.tracks:
            words.update([track.name, track.group, *(g.grade for g in track.grades or [])])
            if not pages:
                words.add(track.id)
        while stack:
            node = stack.pop()
            words.update([node.id, node.name])
            texts = (node.clause, node.data_source, node.reading) if pages else \
                (node.clause, node.method, node.data_source, node.reading)
            for text in texts:
                for line in (text or "").splitlines():
                    words.update([line.strip()] if pages else [line.strip(), short(line.strip(), 100)])
            stack.extend(node.children or [])
    return words


# ------------------------------------------------------------------------ running everything once

@pytest.fixture(scope="module")
def store_copy(demo_store, tmp_path_factory) -> Path:
    """A copy of the demo store the commands write to."""
    tmp = tmp_path_factory.mktemp("zh-guard")
    shutil.copy(demo_store.path, tmp / "demo.db")
    return tmp / "demo.db"


@pytest.fixture(scope="module")
def said(store_copy) -> dict[str, list[Said]]:
    return run_all(store_copy)


def run_all(store: Path) -> dict[str, list[Said]]:
    """Every command's runs (``RUNS``) on ``store`` (a copy of the demo store), in Chinese,
    unbounded (as piped: a text quoted from a policy or an event stays on one line)."""
    tmp = store.parent
    url = f"sqlite:///{store}"
    (tmp / "units.csv").write_text("id,name,groups,divisions\njk-fgj,经开区发展改革局,jingkai-unit,\n",
                                   encoding="utf-8")
    (tmp / "events.jsonl").write_text(json.dumps(
        {"type": "criticism", "id": "zh-guard-001", "unit": "jk-fgj", "date": "2021-06-01", "issuer_level": "city",
         "source": "吉市营商办〔2021〕12号", "note": "政策兑现迟缓"}, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp / "password").write_text("correct horse battery staple\n", encoding="utf-8")
    from evidence_files import pdf

    receipt = pdf(text="签收单")
    (tmp / "签收单.pdf").write_bytes(receipt)
    from ledger.policies.loader import bundled_dir

    shutil.copy(bundled_dir() / "daan-2021.yaml", tmp / "daan-2021.yaml")
    places = {"tmp": str(tmp), "units": str(tmp / "units.csv"), "events": str(tmp / "events.jsonl"),
              "password": str(tmp / "password"), "policy": str(tmp / "daan-2021.yaml"),
              "receipt": hashlib.sha256(receipt).hexdigest()}
    env = {"LEDGER_LANG": "zh", "LEDGER_KEY": str(tmp / "ledger-key.pem"), "LEDGER_STATE": str(tmp / "state")}
    places = collections.defaultdict(lambda: "(none made)", places)
    runner = CliRunner(env=env)
    results: dict[str, list[Said]] = {}
    order = list(RUNS)
    order.remove("verify")
    order.insert(order.index("prove consistency"), "verify")  # after `checkpoint` wrote the file
    for name in order:
        for args in RUNS[name]:
            args = [a.format_map(places) for a in args]
            run = runner.invoke(main, ["--db", url, "--actor", "录入员", *args], prog_name="ledger")
            assert run.exception is None or isinstance(run.exception, SystemExit), (args, run.exception)
            results.setdefault(name, []).append(Said(args, run.stdout, run.stderr, run.exit_code))
            if name in ("publish", "appeal file") and run.exit_code == 0:  # what later runs name
                places.setdefault("pub" if name == "publish" else "appeal", re.split(r"[\s:：]", run.stdout)[0])
    return results


@pytest.fixture(scope="module")
def typed(said, store_copy) -> set[str]:
    """What was typed into the store, once every command has run (the ids they made too)."""
    return store_words(f"sqlite:///{store_copy}") | policy_words()


def test_every_command_is_run_or_says_why_not():
    leaves = {name for name, cmd in leaf_commands().items() if not isinstance(cmd, click.Group)}
    missing = sorted(leaves - set(RUNS) - set(NOT_RUN))
    assert missing == [], f"add the new commands' runs to RUNS in {__file__} (or a reason to NOT_RUN)"
    assert sorted(set(RUNS) - leaves) == []  # no runs of a command that is gone


def _allowed(*more: str) -> list[str]:
    return [*ALLOWED, *more]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_command_speaks_chinese(name, said, typed):
    found: dict[str, str] = {}
    codes = catalogue_codes() if name in SHOWS_CODES else set()
    syntax = syntax_words(leaf_commands()[name])  # an argument named as the usage line names it: 字段“NAME”
    for run in said[name]:
        allowed = _allowed(*typed, *codes, *syntax, *run.args)
        texts = [run.err] + ([] if name in MACHINE else [run.out])
        if name == "notify":  # the robot's envelope is its API; the title and text are a person's
            message = json.loads(run.out)
            body = message.get("markdown") or message.get("text") or {}
            texts = [run.err, *(str(v) for v in body.values())]
        for text in texts:
            for word, line in words_by_line(text, allowed).items():
                found.setdefault(word, f"{' '.join(run.args)}: {line}")
    assert found == {}


@pytest.mark.parametrize("name", ["", *sorted(leaf_commands())])
def test_help_speaks_chinese(name, monkeypatch):
    command = leaf_commands().get(name, main)
    run = CliRunner(env={"LEDGER_LANG": "zh", "COLUMNS": "120"}).invoke(main, [*name.split(), "--help"],
                                                                     prog_name="ledger")
    assert run.exit_code == 0, run.output
    names = (n for path in leaf_commands() for n in path.split())  # the commands a group's help lists
    allowed = _allowed(*syntax_words(command), *syntax_words(main), *names)
    assert words_by_line(run.output, allowed) == {}


def test_the_packets_readme_speaks_chinese(said, typed):
    """The README a reviewer opens first (the packet of `packet` above, made in Chinese)."""
    import zipfile

    path = next(a for a in said["packet"][0].args if a.endswith(".zip"))
    with zipfile.ZipFile(path) as packet:
        readme = next(packet.read(n).decode() for n in packet.namelist() if n.endswith("/README.txt"))
    assert "如何核验" in readme
    assert words_by_line(readme, _allowed(*typed, "ledger:units", "evidence-*")) == {}  # evidence-*: file names
