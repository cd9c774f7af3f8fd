"""The workbench words a route's errors as the route's command does, from a table
(``ledger.option_labels``) instead of importing the command line: the table must say what the
commands' own parameters say, and the web must load without the CLI package (design card: the
web never imports the CLI)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ledger.cli import main
from ledger.cli.base import option_label as cli_label
from ledger.option_labels import OPTION_LABELS, option_label
from ledger.web.app import CLI_COMMAND

CONCEPT_OF_PARAM = {"event_id": "event", "appeal_id": "appeal", "pub_id": "publication", "policy_ref": "policy"}


def command(path: str):
    found = main
    for word in path.split():
        found = found.commands[word]
    return found


def test_every_route_command_is_in_the_table():
    assert set(CLI_COMMAND.values()) <= set(OPTION_LABELS)


@pytest.mark.parametrize("path", sorted(OPTION_LABELS))
def test_the_table_says_what_the_command_says(path):
    cmd = command(path)
    for param in cmd.params:
        concept = CONCEPT_OF_PARAM.get(param.name or "", param.name)
        if concept == "lang":
            continue
        assert option_label(path, concept) == cli_label(cmd, concept), (path, concept)
    assert option_label(path, "no_such_concept") == "no_such_concept"


def test_the_web_loads_without_the_command_line():
    code = ("import sys, ledger.web.app, ledger.web.pages, ledger.web.api, ledger.web.forms, ledger.web.desk; "
            "print(sorted(m for m in sys.modules if m == 'ledger.cli' or m.startswith('ledger.cli.')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
