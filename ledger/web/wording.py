"""How the workbench's pages name codes and moments (issue #34), registered once as Jinja
filters and globals (``register``): a page shows a track, an event field, a stream, a
publication's kind, a policy's origin, a download's format or a recorded moment as a person
reads it — in Chinese by its catalogue or policy name and in China time to the second; in
English (``?lang=en``) by its code. Every function speaks the language of the page being
rendered (``Workbench.page`` renders inside ``i18n.speaking(page language)``).

Ids, hashes, file names and what a person typed are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import i18n as lib_i18n
from ..reports import words
from ..reports.text import china_time
from . import i18n

if TYPE_CHECKING:
    import jinja2

    from ..policies.model import Policy

RECORD_FIELDS = {
    "policy_sha256": "Policy sha256", "revision": "Revision", "recorded_at": "Recorded", "tables": "Tables",
    "renderer": "Renderer version", "document": "Document", "text": "Policy text", "doc_no": "Document number",
    "issued": "Issued on", "cc": "Copy to", "lead": "Lead paragraph", "each": "Each table's paragraph",
    "each_ungraded": "Paragraph of a table without grades", "closing": "Closing paragraph", "contact": "Contact",
    "office": "Office", "actor": "By", "id": "ID", "options": "Options", "stream": "Stream",
    "appeal_days": "Appeal window (working days)", "templates": "Paragraph templates",
}
"""Fields of the ledger's own records the event catalogue does not name (a publication's, a
policy's): their English message ids (``i18n.ZH`` has the Chinese)."""

DOCUMENT_FIELDS = {"to": "To", "issued": "Issued on", "office": "Office", "policy": "Policy"}
"""A publication's 通报 settings whose names the catalogue gives another meaning (``to``: 主送, not 警示对象)."""

FORMATS = {"md": "Markdown", "json": "JSON", "csv": "CSV", "html": "HTML", "pdf": "PDF", "xlsx": "xlsx"}
"""A download's format as its link says it."""

GROUPINGS = {"indicator": "by indicator", "division": "by division", "event": "by event"}
"""The unit card's groupings of its lines (``explain --by``)."""

STREAMS = {"ledger:units": "Unit register", "ledger:policies": "Policies", "ledger:publications": "Publications",
           "ledger:users": "Users", "ledger:appeals": "Appeals", "ledger:evidence": "Evidence"}


def _zh() -> bool:
    return lib_i18n.is_zh()


def _t(msgid: str) -> str:
    return i18n.translator("zh" if _zh() else "en")(msgid)


def when(stamp: Any) -> str:
    """A recorded moment (UTC with microseconds) in China time to the second."""
    return china_time(str(stamp)) if stamp else ""


def field_label(name: str, within: str | None = None) -> str:
    """An event's or record's field: the catalogue's name, else the workbench's, else the code
    (``within``: the field holding it, e.g. a publication's ``document``)."""
    if not _zh():
        return name
    if within in ("document", "templates") and name in {**DOCUMENT_FIELDS, **RECORD_FIELDS}:
        return _t({**RECORD_FIELDS, **DOCUMENT_FIELDS}[name])
    named = words.field(name)
    if named != name:
        return named
    return _t(RECORD_FIELDS[name]) if name in RECORD_FIELDS else name


def field_text(name: str, value: Any, policies: Sequence[Policy] = ()) -> str:
    """An event field's value: catalogue values and policy words by their names, yes/no, lists
    and a correction's changes item by item (``reports.words.field_value``); a record's own
    settings (a publication's document) as label：value."""
    if isinstance(value, dict) and _zh() and name != "changes":
        return "；".join(f"{field_label(str(k), name)}：{field_text(str(k), v, policies)}" for k, v in value.items()
                        if v not in (None, "", [], {}))
    if name == "recorded_at":
        return when(value)
    if name == "password_hash":
        return _t("(redacted)")
    if value == "(redacted)":
        return _t("(redacted)")
    return words.field_value(name, value, policies)


def track_label(track_id: str | None, *policies: Policy | None) -> str:
    """A track by its name (the first of ``policies`` that has it) in Chinese; its id in English."""
    return words.track(None, track_id, *policies) if track_id else ""


def stream_label(stream: str | None) -> str:
    """A stream: a unit's year (单位 da-zrj 2021年) or the ledger's own (账户 …)."""
    if not stream or not _zh():
        return stream or ""
    if stream in STREAMS:
        return _t(STREAMS[stream])
    found = re.fullmatch(r"unit:(.+):(\d{4})", stream)
    if found:
        return f"{_t('Unit')} {found.group(1)} · {found.group(2)}年"
    return stream


def origin_label(origin: str | None) -> str:
    """Where a policy version came from: 内置 (bundled), 修订号 N (loaded at revision N)."""
    if not origin or not _zh():
        return origin or ""
    if origin == "bundled":
        return lib_i18n._("bundled")
    found = re.fullmatch(r"revision (\d+)", origin)
    return f"{_t('Revision')} {found.group(1)}" if found else origin


def kind_label(kind: str | None) -> str:
    """A publication's kind: 分数表 / 月通报."""
    return words.value("kind", kind) if kind else ""


def format_label(fmt: str) -> str:
    return FORMATS.get(fmt, fmt)


def grouping_label(by: str) -> str:
    return _t(GROUPINGS[by]) if by in GROUPINGS else by


def change_target(indicator: str) -> str:
    """A changed row's subject in a diff or an appeal's effect: total, rank, grade … or an indicator's id."""
    if indicator in ("total", "rank", "grade", "vetoed", "downgraded"):
        return _t(indicator)
    return indicator


def setting_text(value: Any) -> str:
    """A rule's setting in a diff: yes/no for a switch, — for none, else as written."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return lib_i18n._("yes") if value else lib_i18n._("no")
    return str(value)


def cell(value: Any) -> str:
    """A changed value in a diff or an appeal's effect: a number as a person reads it, yes/no."""
    if isinstance(value, bool):
        return setting_text(value)
    from ..reports.text import number_text

    return number_text(value)


def register(env: jinja2.Environment) -> None:
    """Every wording helper as the templates call it."""
    env.filters["when"] = when
    env.filters["fmt"] = format_label
    env.filters["codes"] = words.named_codes
    env.filters["cell"] = cell
    env.globals.update(field_label=field_label, field_text=field_text, track_label=track_label,
                       stream_label=stream_label, origin_label=origin_label, kind_label=kind_label,
                       grouping_label=grouping_label, change_target=change_target,
                       setting_text=setting_text)
