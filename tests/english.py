"""English words left in a text meant to be Chinese (issue #34's guard): shared by the command
line's guard (tests/test_zh_guard.py), the explanation and policy checks (tests/test_i18n.py)
and — later — the workbench's pages.

A *word* is a run of ASCII letters (four or more by default). What is not a word to translate
is taken out first: hashes and keys, URLs, file names and paths, option names (``--as-of``),
environment variables (``LEDGER_KEY``), commands a person is told to type (in backticks, or a
line that starts with ``ledger``), then the ``allowed`` texts — ids, codes and words a person
typed, which a Chinese output quotes as they are. What is left is English a person would have
to read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

NOT_WORDS = re.compile("|".join((
    r"\b[a-z][a-z0-9+.-]*://[\x21-\x7e]*",                      # URLs: https://…, sqlite:///…
    r"`[^`\n]*`",                                               # a command to type: `ledger keys init`
    r"^\s*ledger\s[^#\n]*",                                     # … or a line of its own (a comment after # is read)
    r"(?<![\w-])--?[a-z][a-z0-9-]*",                            # option names: --as-of, -o
    r"\b(?:LEDGER_[A-Z_]+|COLUMNS)\b",                          # environment variables
    r"[A-Za-z0-9_.+@-]*(?:/[A-Za-z0-9_.@+-]+)+/?",               # paths: /tmp/x/y.db, origin/ledger
    r"[\w+-]+(?:\.[\w+-]+)*\.(?:db|csv|xlsx|jsonl|json|yaml|yml|zip|html|pdf|txt|pem|pub|vkey|md)\b",  # file names
    r"(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[A-Za-z])[A-Za-z0-9+/]{20,}=*",  # keys and signatures (base64)
    r"\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}\b",   # hashes
)), re.MULTILINE)
"""What is no English a person reads: hashes, keys, URLs, paths, file names, option names,
environment variables and commands to type."""


def _allowed_pattern(allowed: Iterable[str], shortest: int) -> re.Pattern[str] | None:
    """The allowed texts that hold a word (the others cannot hide one), longest first, each
    matched only where it stands apart from other letters and digits (an allowed ``en`` is no
    licence for the ``en`` of ``encoding``)."""
    word = re.compile(rf"[A-Za-z]{{{shortest},}}")
    texts = sorted({a for a in allowed if a and word.search(a)}, key=len, reverse=True)
    if not texts:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, texts)) + r")(?![A-Za-z0-9])")


def english_words(text: str, allowed: Iterable[str] = (), *, shortest: int = 4) -> set[str]:
    """ASCII words of ``shortest`` or more letters in ``text`` once what is no word
    (``NOT_WORDS``) and what is ``allowed`` (ids, codes, what a person typed) are taken out.
    Markdown's escapes and HTML's entities are undone first."""
    return _words(text, _allowed_pattern(allowed, shortest), shortest)


def _words(text: str, allowed: re.Pattern[str] | None, shortest: int) -> set[str]:
    """The words left once both are taken out, in either order (an id with a hash in it is
    allowed whole; a path through an allowed word is a path): a word is English when it is
    left both ways."""
    text = html.unescape(re.sub(r"\\(.)", r"\1", text))
    word = re.compile(rf"[A-Za-z]{{{shortest},}}")
    left = set(word.findall(NOT_WORDS.sub(" ", text if allowed is None else allowed.sub(" ", text))))
    if allowed is not None and left:
        left &= set(word.findall(allowed.sub(" ", NOT_WORDS.sub(" ", text))))
    return left


def words_by_line(text: str, allowed: Iterable[str] = (), *, shortest: int = 4) -> dict[str, str]:
    """Each English word found, with the first line it is on (what a failing test shows)."""
    pattern = _allowed_pattern(allowed, shortest)
    found: dict[str, str] = {}
    for line in text.splitlines():
        for word in _words(line, pattern, shortest):
            found.setdefault(word, line.strip()[:200])
    return found
