"""The 通报 as an office sends it (renderer 2): the issuing office's red head with the 文号, the
title, the 主送, a lead paragraph, the tables, a closing paragraph, the sign-off (office and
issue date in Chinese over the seal area), the 抄送, and — for a publication — its
verification code with how a recipient has it checked (docs/documents.md).

The lead and closing paragraphs come from templates: the policy's labels file
(``document:`` in ``bundled/<id>.labels.yaml``), else the ledger's own words. A publication
records the words it was published with (``Issue``), so its document never changes when a
labels file is edited later.
"""

from __future__ import annotations

import datetime as dt
import string
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..errors import InputError
from ..i18n import Msg, _
from . import text as render
from .document import DOCUMENT_CSS, chinese_date, h, issuer, page_css, period_text, size_class
from .verdicts import holds

if TYPE_CHECKING:
    from ..policies.model import Policy
    from ..projections.grading import GradeHold
    from ..projections.scoreboard import Scoreboard

TEMPLATES = ("lead", "each", "each_ungraded", "closing")
DEFAULTS = {
    "lead": "Under {policy}, the assessment for {period} is reported as follows.",
    "each": "{track}: {units} units assessed, {counts}; the highest total is {best}, the lowest {lowest}.",
    "each_ungraded": "{track}: {units} units assessed; the highest total is {best}, the lowest {lowest}.",
    "closing": "Each unit should check its results against this bulletin and put right what it lacks. A unit that "
               "disputes its result may appeal to {office} within {appeal_days} working days of the issue date.",
}
"""The ledger's own templates (message ids: English, and Chinese from the catalogue) where a
labels file gives none."""
FIELDS = {"lead": {"policy", "period", "office", "as_of"},
          "each": {"track", "units", "counts", "best", "lowest", "period", "office"},
          "closing": {"office", "appeal_days", "period", "policy"}}
FIELDS["each_ungraded"] = FIELDS["each"]
DEFAULT_APPEAL_DAYS = 5


@dataclass(frozen=True)
class Issue:
    """What the 通报 prints in its head and sign-off: 文号, 主送, 抄送, the issuing office, the
    issue date (None: a draft, dated by its as-of), whom a recipient asks, and the Chinese
    templates of its paragraphs. A publication records these (``to_record``); a draft takes
    the policy's (``draft``)."""
    doc_no: str = ""
    issued: dt.date | None = None
    to: str = ""
    cc: str = ""
    office: str = ""
    contact: str = ""
    appeal_days: int = DEFAULT_APPEAL_DAYS
    templates: dict[str, str] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return {"doc_no": self.doc_no, "issued": self.issued.isoformat() if self.issued else None, "to": self.to,
                "cc": self.cc, "office": self.office, "contact": self.contact, "appeal_days": self.appeal_days,
                "templates": dict(self.templates)}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Issue:
        issued = data.get("issued")
        for key, text in (data.get("templates") or {}).items():
            if key in TEMPLATES:
                check_template(key, str(text), "the publication record")
        return cls(str(data.get("doc_no") or ""), dt.date.fromisoformat(issued) if issued else None,
                   str(data.get("to") or ""), str(data.get("cc") or ""), str(data.get("office") or ""),
                   str(data.get("contact") or ""), int(data.get("appeal_days") or DEFAULT_APPEAL_DAYS),
                   {k: str(v) for k, v in (data.get("templates") or {}).items() if k in TEMPLATES})


def appeal_days(policy: Policy) -> int:
    """The policy's appeal window in working days (``settings.appeal_window_workdays``, as the
    appeal workflow reads it)."""
    value = policy.settings.get("appeal_window_workdays", DEFAULT_APPEAL_DAYS)
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_APPEAL_DAYS


def draft(policy: Policy, *, doc_no: str = "", issued: dt.date | None = None, to: str | None = None,
          cc: str | None = None) -> Issue:
    """The policy's document words (its labels file's ``document:``, else the ledger's Chinese
    defaults), with what was given instead of them."""
    from ..policies.labels import document_words

    words = document_words(policy)
    with i18n.speaking("zh"):  # recorded in the office's language; English is said when rendered
        templates = {key: words.get(key) or _(DEFAULTS[key]) for key in TEMPLATES}
    for key, text in templates.items():
        check_template(key, text, f"{policy.id}.labels.yaml")
    return Issue(doc_no, issued, to if to is not None else words.get("to", ""),
                 cc if cc is not None else words.get("cc", ""), issuer(policy), words.get("contact", ""),
                 appeal_days(policy), templates)


def check_template(key: str, text: str, origin: str) -> None:
    """A template names only the fields it may use ({office}, {period} …): an unknown one is an
    input error naming the labels file, not a traceback when the document is rendered."""
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise InputError("a template with named places in braces and no lone brace", origin=origin,
                         field=f"document.{key}", got=str(exc)) from None
    unknown = sorted(names - FIELDS[key])
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(FIELDS[key]))
        raise InputError(Msg("places among {allowed}", allowed=allowed), origin=origin, field=f"document.{key}",
                         got=", ".join(f"{{{name}}}" for name in unknown))


def _template(issue: Issue, key: str) -> str:
    """The template in the language being spoken: the recorded Chinese one, or the ledger's
    English."""
    if i18n.is_zh():
        return issue.templates.get(key) or _(DEFAULTS[key])
    return DEFAULTS[key]


# --- the figures the paragraphs quote ---------------------------------------------------------
def period_words(policy: Policy, as_of: dt.date, period: str | None) -> str:
    """2021年6月份 (a bulletin), 2021年度 (a result as of the year's end or later), else
    截至2021年6月30日."""
    from .document import date_text

    if period:
        return period_text(period)
    if as_of >= dt.date(policy.year, 12, 31):
        return f"{policy.year}年度" if i18n.is_zh() else str(policy.year)
    return i18n.f("as of {day}", day=date_text(as_of))


def _units(names: list[str], points: Any) -> str:
    sep = "、" if i18n.is_zh() else ", "
    return i18n.f("{units} ({points} points)", units=sep.join(names), points=render.number_text(points))


def _counts(policy: Policy, track_id: str, cards: list[Any], hold: GradeHold | None) -> str:
    vetoed = sum(1 for c in cards if c.vetoed)
    veto = i18n.f(" ({n} vetoed)", n=vetoed) if vetoed else ""
    if hold is not None:
        return _("grades not yet given") + veto
    counted = Counter(c.grade for c in cards if c.grade)
    order = [g.grade for g in policy.track(track_id).grades or []]
    sep = "、" if i18n.is_zh() else ", "
    return sep.join(i18n.f("{grade} {n}", grade=g, n=counted[g]) for g in order if counted[g]) + veto


def _each(issue: Issue, board: Scoreboard, track_id: str, hold: GradeHold | None, values: dict[str, Any]) -> str:
    cards = board.cards.get(track_id, [])
    if not cards:
        return ""
    top, low = max(c.total for c in cards), min(c.total for c in cards)
    graded = bool(board.policy.track(track_id).grades)
    figures = {**values, "track": board.policy.track(track_id).name, "units": len(cards),
               "counts": _counts(board.policy, track_id, cards, hold) if graded else "",
               "best": _units([c.name for c in cards if c.total == top], top),
               "lowest": _units([c.name for c in cards if c.total == low], low)}
    return _template(issue, "each" if graded else "each_ungraded").format_map(figures)


def paragraphs(issue: Issue, policy: Policy, as_of: dt.date, period: str | None,
               board: Scoreboard | None) -> tuple[str, str]:
    """(lead paragraph, closing paragraph)."""
    office = issue.office or _("the assessment office")
    values: dict[str, Any] = {"policy": policy.title, "period": period_words(policy, as_of, period),
                              "office": office, "as_of": chinese_date(as_of), "appeal_days": issue.appeal_days}
    lead = _template(issue, "lead").format_map(values)
    if board is not None:
        waiting = holds(board)
        sentences = [_each(issue, board, t, waiting.get(t), values) for t in board.cards]
        lead = ("" if i18n.is_zh() else " ").join([lead, *(x for x in sentences if x)])
    return lead, _template(issue, "closing").format_map(values)


# --- the page -----------------------------------------------------------------------------------
TONGBAO_CSS = """
.doc-no { text-align: center; margin: .3em 0 .4em; font-size: 12pt; }
.addressee { margin: 1em 0 .4em; }
.lead p, .closing p { text-indent: 2em; margin: .4em 0; }
table.doc th.k { white-space: nowrap; }
table.doc td.reason { font-size: 90%; min-width: 14em; }
.closing { margin-top: 1em; }
.signoff { margin: 1em 2em .5em auto; width: max-content; }
.seal-area { min-width: 44mm; min-height: 36mm; padding: 11mm 4mm 2mm; box-sizing: border-box;
             text-align: center; border-radius: 50%; }
.seal-area p { margin: .2em 0; }
.cc { margin: 1.2em 0 0; padding: .3em 0; border-top: 1px solid #333; border-bottom: 1px solid #333;
      font-size: 10.5pt; }
.check { color: #444; font-size: 8.5pt; margin-top: .8em; border-top: 1px solid #ccc; padding-top: .3em; }
.check p { margin: .1em 0; overflow-wrap: anywhere; }
@media screen { .seal-area { outline: 1px dashed #e3b5b5; outline-offset: -2mm; } }
@media print { .signoff, .cc, .check { break-inside: avoid; } }
"""
"""The 通报's own layout on top of the documents' shared style. The seal area is the space
the office stamps over its name and the date: outlined on screen, blank on paper."""


def cell(value: Any) -> str:
    """One cell of a document's table: numbers right-aligned, ✓/✗ centred, short text kept on
    one line (a name, a grade), long text (a veto's reason) wrapped."""
    from ..projections.bulletin_tables import CHECK, CROSS

    text = render.number_text(value) if value is not None else ""
    if value in (CHECK, CROSS):
        return f'<td class="c">{h(text)}</td>'
    if (isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)) or \
            (text and text.replace(".", "", 1).replace("%", "").lstrip("-").isdigit()):
        return f'<td class="n">{h(text)}</td>'
    return f'<td class="k">{h(text)}</td>' if len(text) <= 16 else f'<td class="reason">{h(text)}</td>'


def table_section(index: int, track: str, caption: str, headers: list[str], rows: list[list[Any]],
                  notes: list[str], empty: str) -> tuple[str, bool]:
    """A table of the 通报 with its caption and notes, and whether it goes on a landscape page
    (more than 12 columns). Short headers stay on one line, so a long reason column cannot
    squeeze the others to a character each."""
    wide = len(headers) > 12
    heads = "".join(f'<th class="k">{h(x)}</th>' if len(x) <= 6 else f"<th>{h(x)}</th>" for x in headers)
    if rows:
        body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    else:
        body = f'<tr><td colspan="{len(headers)}" class="c">{h(empty)}</td></tr>'
    told = "".join(f'<p class="note">{h(n)}</p>' for n in notes)
    return (f'<section class="table{" wide" if wide else ""}" id="t{index}" data-track="{h(track)}">'
            f'<p class="caption">{h(caption)}</p>'
            f'<table class="doc {size_class(len(headers))}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{body}</tbody></table>{told}</section>"), wide


@dataclass
class Verification:
    """A publication's code line and how a recipient has the file checked."""
    code: str
    version: str


def verification_line(code: str, version: str) -> str:
    return i18n.f("Verification code {code} · ledger {version}", code=code, version=version)


def how_to_check(issue: Issue) -> str:
    office = issue.office or _("the assessment office")
    text = i18n.f("To check that this file is the one issued, ask {office}: the office uploads it on the "
                  "publication's page of its assessment ledger, which says whether every value matches.",
                  office=office)
    return text + (i18n.f(" Contact: {contact}.", contact=issue.contact) if issue.contact else "")


def page(policy: Policy, *, title: str, issue: Issue, day: dt.date, lead: str, closing: str, tables: str,
         provenance: str, verification: Verification | None = None, first_wide: bool = False,
         last_wide: bool = False) -> str:
    """The whole 通报 page (self-contained: inline CSS, no scripts, nothing loaded)."""
    office = issue.office
    lang = "zh-CN" if i18n.is_zh() else "en"
    head = [f'<p class="masthead" id="issuer">{h(office)}</p>' if office else ""]
    if issue.doc_no:
        head.append(f'<p class="doc-no" id="doc-no">{h(issue.doc_no)}</p>')
    head.append('<hr class="red">' if office or issue.doc_no else "")
    head.append(f'<h1 id="title">{h(title)}</h1>')
    if issue.to:
        head.append(f'<p class="addressee" id="to">{h(issue.to)}{"：" if i18n.is_zh() else ":"}</p>')
    head.append(f'<div class="lead" id="lead"><p>{h(lead)}</p></div>')
    sign = f'<p class="office">{h(office)}</p>' if office else ""
    end = [f'<div class="closing" id="closing"><p>{h(closing)}</p></div>',
           f'<div class="signoff" id="signature"><div class="seal-area" id="seal">{sign}'
           f'<p id="date">{h(chinese_date(day))}</p></div></div>']
    if issue.cc:
        end.append(f'<p class="cc" id="cc">{h(i18n.f("Copy to: {cc}", cc=issue.cc.rstrip("。.")))}</p>')
    if verification is not None:
        end.append(f'<div class="check" id="check"><p class="verification" id="verification" '
                   f'data-code="{h(verification.code)}" data-version="{h(verification.version)}">'
                   f"{h(verification_line(verification.code, verification.version))}</p>"
                   f'<p class="how" id="how">{h(how_to_check(issue))}</p></div>')
    end.append(f'<p class="provenance" id="provenance">{h(provenance)}</p>')
    front = "\n".join(x for x in head if x)
    back = "\n".join(end)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{h(title)} — {h(policy.title)}</title>
<style>{DOCUMENT_CSS}{TONGBAO_CSS}{page_css()}</style></head>
<body>
<header class="front{' wide' if first_wide else ''}">
{front}
</header>
{tables}
<footer class="end{' wide' if last_wide else ''}">
{back}
</footer>
</body></html>
"""


def summary(issue: Issue, day: dt.date | None, lead: str, closing: str) -> tuple[list[tuple[str, Any]], list[str]]:
    """What a workbook's summary sheet adds for a 通报: (label, value) pairs — 文号, 主送, 抄送,
    issue date (a publication's; a draft has none) — and the paragraphs as notes."""
    pairs: list[tuple[str, Any]] = []
    if issue.doc_no:
        pairs.append((_("Document number"), issue.doc_no))
    if issue.to:
        pairs.append((_("To"), issue.to))
    if issue.cc:
        pairs.append((_("Copy to"), issue.cc))
    if day is not None:
        pairs.append((_("Issued on"), chinese_date(day)))
    return pairs, [lead, closing]
