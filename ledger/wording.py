"""How an error reads to a person: one place for the command line, the workbench and the
errors file of an import (issue #26).

An ``InputError``'s parts — where (file, line), the field, what was expected, what came — are
put together around the translated sentence; in Chinese a field of an event is named by its
catalogue name (``ledger.events.names``: 单位, not ``unit``), the same table the templates'
headers and ``ledger types`` use. A ``PolicyError`` likewise (file, place in the document,
what was wrong); any other error's message is an ``i18n.Msg`` (or a catalogue message id)
translated as a whole. English is the errors' own text, unchanged.
"""

from __future__ import annotations

from . import i18n
from .errors import InputError


def field_label(field: str) -> str:
    """An error's field as a person reads it: in Chinese the event field's catalogue name
    (``changes.value`` → 更改内容.数值); an option (``--policy``), a column the person wrote or
    anything else the catalogue does not name stays as it is."""
    if not i18n.is_zh() or field.startswith("-"):
        return field
    from .events.names import field_zh

    parts = field.split(".")
    return ".".join(field_zh(p) or p for p in parts)


def where(exc: InputError) -> str:
    """``file:line`` (第 N 行 without a file), or ''."""
    text = exc.origin or ""
    if exc.line:
        text += f":{exc.line}" if text else (f"第 {exc.line} 行" if i18n.is_zh() else f"line {exc.line}")
    return text


def what(exc: InputError) -> str:
    """What was expected (or the problem itself), and what came, in the chosen language."""
    text = i18n.tr(exc.expected) if exc.problem else i18n.f("expected {expected}", expected=i18n.tr(exc.expected))
    if exc.got is not None:  # what came is shown as it came, unless the ledger worded it (a Msg)
        text += i18n.f(" (got {got})", got=i18n.tr(exc.got) if isinstance(exc.got, i18n.Msg) else exc.got)
    return text


def problem_text(exc: InputError) -> str:
    """One problem of a row without its place: ``字段“单位”：应为…`` (an errors file's 问题 cell)."""
    if exc.field:
        return i18n.f("field '{field}'", field=field_label(exc.field)) + ("：" if i18n.is_zh() else ": ") + what(exc)
    return what(exc)


def error_text(exc: BaseException) -> str:
    """A library error in the chosen language (see the module's text)."""
    if not i18n.is_zh():
        return str(exc)
    from .policies.errors import PolicyError

    if isinstance(exc, PolicyError):
        place = f"{exc.origin}: {exc.path}" if exc.path else exc.origin
        return f"{place}：{i18n.tr(exc.expected)}"
    if not isinstance(exc, InputError):
        message = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], i18n.Msg) else str(exc)
        return i18n.tr(message)
    problems = getattr(exc, "problems", None)
    if problems:
        from .intake.problems import MAX_SHOWN

        shown = problems[:MAX_SHOWN]
        head = i18n.f("{n} problems in {file}; nothing was imported", n=getattr(exc, "total", len(problems)),
                      file=exc.origin or "")
        if len(problems) > len(shown):
            head += i18n.f(" (the first {n} listed)", n=len(shown))
        return head + "：\n" + "\n".join("  " + error_text(p) for p in shown)
    parts = [place] if (place := where(exc)) else []
    if exc.field:
        parts.append(i18n.f("field '{field}'", field=field_label(exc.field)))
    parts.append(what(exc))
    return "：".join(parts)
