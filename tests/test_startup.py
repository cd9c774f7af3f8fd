"""Start-up stays lean: what a command does not need is not imported (issue #10, item 4).

Timing is `benchmarks/startup_bench.py`'s job; these tests check the cause instead — which
modules a new process has loaded — so they fail the same way on any machine. They also pin the
two shortcuts that replace a heavy import by a cheap path: SQLite store URLs read without
SQLAlchemy, and the bundled policies' headers read without parsing the whole file.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from ledger.policies.loader import bundled_policy_files
from ledger.policies.registry import HEADER_KEYS, _header, header_text
from ledger.store.url import StoreUrl, StoreUrlError, parse_store_url

HEAVY = ("openpyxl", "psycopg", "psycopg_pool", "sqlalchemy", "yaml", "pydantic", "chinese_calendar",
         "eventsourcing", "tabulate", "ledger.app")


def loaded_after(code: str) -> set[str]:
    """The top-level names (and ledger modules) in sys.modules after running ``code`` in a new
    interpreter; a SystemExit (click's --version, --help) ends ``code`` as in the real CLI."""
    probe = ("import json, sys\ntry:\n" + "".join(f"    {line}\n" for line in code.splitlines()) +
             "except SystemExit:\n    pass\n"
             "sys.stdout.flush()\n"
             "print('\\nMODULES=' + json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    names = json.loads(out.rsplit("MODULES=", 1)[1])
    return {n.split(".")[0] for n in names} | {n for n in names if n.startswith("ledger.")}


def run_cli(*args: str) -> str:
    return f"import sys\nsys.argv = ['ledger', *{list(args)!r}]\nfrom ledger.cli import main\nmain()"


def test_importing_the_cli_loads_only_click_and_the_error_classes():
    loaded = loaded_after("import ledger.cli")
    assert "click" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["explain", "--help"]])
def test_version_and_help_load_neither_the_library_nor_its_dependencies(args):
    loaded = loaded_after(run_cli(*args))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_reading_a_sqlite_store_loads_no_postgres_driver_sqlalchemy_or_openpyxl(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    subprocess.run([sys.executable, "-c", run_cli("--db", url, "init")], check=True, capture_output=True)
    loaded = loaded_after(run_cli("--db", url, "--actor", "tester", "score", "--policy", "jingkai-2021"))
    assert "ledger.app" in loaded and "pydantic" in loaded  # it did run the command
    unwanted = {"psycopg", "psycopg_pool", "sqlalchemy", "openpyxl", "ledger.intake.batches", "ledger.store.verify"}
    assert not loaded & unwanted, sorted(loaded & unwanted)
    # A command that reads no policy loads neither the policies nor the scoring engine.
    loaded = loaded_after(run_cli("--db", url, "units", "list"))
    assert "ledger.app" in loaded
    unwanted |= {"yaml", "chinese_calendar", "ledger.policies.model", "ledger.projections.scoreboard"}
    assert not loaded & unwanted, sorted(loaded & unwanted)


def _make_url_store(text: str) -> StoreUrl | str:
    """What parse_store_url gives for a sqlite:/// URL when it asks SQLAlchemy (a query such as
    ?=0 is refused: SQLite stores take no options)."""
    url = make_url(text)
    if not url.database or url.database == ":memory:" or url.query:  # a SQLite URL takes no options
        return "error"
    return StoreUrl("sqlite", url.database)


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_sqlite_urls_read_without_sqlalchemy_as_sqlalchemy_reads_them(path):
    text = "sqlite:///" + path
    try:
        ours: StoreUrl | str = parse_store_url(text)
    except StoreUrlError:
        ours = "error"
    assert ours == _make_url_store(text)


@pytest.mark.parametrize("path", sorted(bundled_policy_files()), ids=lambda p: p.name)
def test_a_bundled_policy_header_is_cut_and_reads_as_in_the_whole_file(path):
    text = path.read_text(encoding="utf-8-sig")
    cut = header_text(text)
    assert cut is not None  # bundled files stay plain enough for the cheap path
    whole = yaml.safe_load(text)
    assert yaml.safe_load(cut) == {key: whole[key] for key in HEADER_KEYS if key in whole}


@pytest.mark.parametrize("text", [
    "---\nid: a\nversion: 1\nyear: 2021\ntitle: t\n",  # a document marker
    "{id: a, version: 1, year: 2021, title: t}\n",  # flow style
    "id: a\nversion: 1\nyear: 2021\ntitle: &t 标题\nsources: [*t]\n",  # an anchor the cut keeps
    "base: &b {id: a, version: 1, year: 2021, title: t}\n<<: *b\ntracks: []\n",  # a merge key
    "id: a\nversion: 1\nyear: 2021\ntitle: *t\nsources: &t x\n",  # an alias the cut drops
    "id: a\nversion: 1\nyear: 2021\ntitle: a long\ntitle wrapped\n",  # a plain scalar on two lines
    "id: a\nversion: 1\nyear: 2021\ntitle: |+\n  kept\n\n# a comment\n\ntracks: []\nchange_note: >\n  n\n",
])
def test_a_header_reads_as_the_whole_file_or_the_whole_file_is_read(text):
    try:
        whole = yaml.safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            _header(text)
        return
    expected = {key: whole[key] for key in HEADER_KEYS if key in whole}
    assert {key: value for key, value in _header(text).items() if key in HEADER_KEYS} == expected
