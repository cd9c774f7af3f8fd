"""The language of everything a person reads: ``zh`` (default) or ``en``.

Interface sentences are English message ids in the code, translated through a gettext
catalogue (``ledger/locale/zh/LC_MESSAGES/ledger.po``, compiled to ``ledger.mo`` with Babel:
``scripts/compile_catalog.py``; the compiled file is committed so that an installed ledger
needs no build step, and ``tests/test_i18n.py`` checks it matches the .po). The words of
events (types, fields, values) come from the event catalogue (``ledger.events.names``), the
words a policy defines from its labels (``ledger.policies.labels``).

Sentences with values (``"expected {n} columns"``) are ``Msg`` objects: the English text
itself (a ``str``: JSON, logs and English output see exactly the old f-string), which also
keeps its template and values so that ``tr`` can say it in the chosen language where it is
shown (error messages, explanation details). One mechanism for every sentence that is made
in one place and shown in another.

Start-up: this module imports only the standard library; the catalogue is read on the
first translation (a small file, stdlib ``gettext``), never by ``--version``.
JSON is never translated: its keys and values are the same in every language.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DEFAULT = "zh"
ENV = "LEDGER_LANG"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "ledger"

_chosen: str | None = None
_speaking: ContextVar[str | None] = ContextVar("ledger_speaking", default=None)
"""The language of what is being said now, when it is not the process's (``speaking``)."""


def set_lang(value: str | None) -> None:
    """Choose the language for this process (``--lang``); None goes back to LEDGER_LANG."""
    global _chosen
    _chosen = normalise(value) if value else None


def normalise(value: str) -> str:
    """zh, zh_CN, zh-CN.UTF-8 → zh; en, en_US → en; anything else → the default."""
    head = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return head if head in LANGS else DEFAULT


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Say things in ``language`` within the block, whatever the process chose: a web page in
    its visitor's language (a context variable, so requests in other threads keep theirs)."""
    token = _speaking.set(normalise(language))
    try:
        yield
    finally:
        _speaking.reset(token)


def lang() -> str:
    speaking_now = _speaking.get()
    if speaking_now is not None:
        return speaking_now
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV)
    return normalise(env) if env else DEFAULT


def is_zh() -> bool:
    return lang() == "zh"


@functools.cache
def _catalogue(language: str) -> Any:
    import gettext

    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[language], fallback=True)


def _(message: str) -> str:
    """``message`` (English, the message id) in the chosen language."""
    if not message:
        return message
    return _catalogue(lang()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """``message`` in the chosen language where the same English word needs another translation
    in another place (``pgettext("column", "year")``: 年度, not the window word 本年度); the
    .po entry carries ``msgctxt "column"``."""
    return _catalogue(lang()).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalogue(lang()).ngettext(singular, plural, n)


def pick(zh: str, en: str) -> str:
    """One of two words held as data (labels, catalogue names), by the chosen language."""
    return zh if is_zh() and zh else en


def f(message: str, **values: Any) -> str:
    """A translated sentence with named places: ``f("{n} lines", n=3)``."""
    return _(message).format(**values)


class Msg(str):
    """An English sentence made now and shown later, perhaps in another language: the value
    is the English text (``template.format(**values)``), and it keeps ``template`` (the
    message id) and ``values`` for ``tr``. Values that are ``Msg`` are translated in turn;
    other values are shown as they are (ids, numbers, dates, what the user typed)."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Msg:
        self = super().__new__(cls, template.format(**values) if values else template)
        self.template = template
        self.values = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return _remade, (type(self), self.template, self.values)


def _remade(cls: type[Msg], template: str, values: dict[str, Any]) -> Msg:
    return cls(template, **values)


Convert = Callable[[str, Any, dict[str, Any]], Any]
"""How a caller names a value in the chosen language: (key, value, all values) → shown value."""


def tr(text: Any, convert: Convert | None = None) -> str:
    """``text`` in the chosen language: a ``Msg`` by its translated template and its values
    (``convert`` may name them: policy words, event fields), other text through the catalogue
    as a whole. A translation that names other places than the code gives says it in English."""
    if text is None:
        return ""
    if not isinstance(text, Msg):
        return _(text) if isinstance(text, str) else str(text)
    if not is_zh():
        return str(text)
    values = {}
    for key, value in text.values.items():
        if isinstance(value, Msg):
            values[key] = tr(value, convert)
        elif convert is not None:
            values[key] = convert(key, value, text.values)
        else:
            values[key] = value
    try:
        return _(text.template).format(**values) if text.values else _(text.template)
    except (KeyError, IndexError, ValueError):
        return str(text)
