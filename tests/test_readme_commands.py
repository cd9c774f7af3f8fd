"""Every `ledger …` command the README (and docs/) shows exists in the CLI, with the options
it shows: the documentation cannot advertise a command that does not exist.

Commands are the lines starting with ``ledger `` in ```sh blocks (several on a line are
separated by `` · ``; ``#`` starts a comment) and inline code starting with ``ledger ``.
Words in capitals (``COMMAND``, ``ID``) and ``…`` are placeholders.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ledger.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
INLINE = re.compile(r"`(ledger [^`]+)`")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def shown_commands(path: Path) -> list[tuple[int, str]]:
    """(line number, command text) of every ``ledger …`` command shown in ``path``."""
    found: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(line.strip())
        if match:
            fence = match[1] if fence is None else None
            continue
        if fence is None:
            found.extend((number, text) for text in INLINE.findall(line))
        elif fence == "sh":
            for part in line.split(" · "):
                part = part.split(" #", 1)[0].strip()
                if part.startswith("ledger "):
                    found.append((number, part))
    return found


def _is_placeholder(word: str) -> bool:
    return word in ("…", "...") or word.strip("[]").replace("_", "").isupper()


def resolve(text: str) -> tuple[list[str], click.Command, list[click.Command]]:
    """The command path of ``text`` (``ledger appeal file …`` → ``["appeal", "file"]``), the
    command it reaches and every command on the way (whose options may appear too)."""
    words = text.split()[1:]
    command: click.Command = main
    chain: list[click.Command] = [main]
    path: list[str] = []
    i = 0
    while isinstance(command, click.Group) and i < len(words):
        word = words[i]
        i += 1
        if word.startswith("-"):
            option = _option(command, word)
            if option is not None and not option.is_flag and "=" not in word:
                i += 1  # its value
            continue
        if _is_placeholder(word):
            break  # e.g. `ledger COMMAND --help`: any command of this group
        sub = command.get_command(click.Context(command), word)
        assert sub is not None, (
            f"`{text}`: {' '.join(['ledger', *path])} has no command {word!r} "
            f"(it has: {', '.join(command.list_commands(click.Context(command)))})")
        path.append(word)
        command = sub
        chain.append(command)
    return path, command, chain


def _option(command: click.Command, name: str) -> click.Option | None:
    name = name.split("=", 1)[0]
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


CASES = [(f"{path.relative_to(ROOT)}:{number}", text) for path in DOCS for number, text in shown_commands(path)]


def test_the_readme_shows_commands():
    readme = [text for where, text in CASES if where.startswith("README.md:")]
    assert len(readme) >= 25, readme  # the tour, and the inline mentions
    assert any(text.startswith("ledger appeal file ") for text in readme)


@pytest.mark.parametrize("where, text", CASES, ids=[where for where, _ in CASES])
def test_documented_command_exists_with_its_options(where: str, text: str):
    path, command, chain = resolve(text)
    for option in OPTION.findall(text.split(" #", 1)[0]):
        if option == "--help":
            continue
        assert any(_option(c, option) for c in chain), (
            f"{where}: `{text}`: {' '.join(['ledger', *path])} has no option {option}")


def test_a_command_that_does_not_exist_is_caught():
    with pytest.raises(AssertionError, match="no command 'frobnicate'"):
        resolve("ledger appeal frobnicate --unit x")
    _, command, _ = resolve("ledger --db sqlite:///x.db appeal file --unit u")
    assert command.name == "file"
