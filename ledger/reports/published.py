"""A publication's documents — the workbook, the page and the PDF that circulate — each
carrying its verification code (docs/verification.md).

``ledger published ID --format xlsx|html|pdf`` renders them from the publication's own read
model (the same inputs as its hashed JSON) and nothing else: no "now" anywhere (dates are the
publication's recorded time), so rendering twice gives the same bytes and
``ledger verify-publication FILE`` can render again and compare.

The code is ``<publication id>:<first 16 hex of the sha256 of the publication's JSON>``; the
line that carries it also names the renderer's version (``ledger <version>/<RENDERER>``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__, i18n
from ..i18n import _
from . import text as render
from .document import DOCUMENT_CSS, h, masthead, page_css, signature, size_class
from .formats import renders

if TYPE_CHECKING:
    from ..projections.record_views import Publication
    from ..projections.scoreboard import Scoreboard

RENDERER = "2"
"""This module's version: bumped whenever a publication's xlsx, HTML or PDF bytes change."""
CODE = re.compile(r"(pub-[0-9a-f]{12}):([0-9a-f]{16})")
LINE = re.compile(CODE.pattern + r"\s*·\s*ledger\s+(\S+)")
"""The code line as any format carries it: the code, then the renderer's version."""


def version() -> str:
    return f"{__version__}/{RENDERER}"


def code(pub: Publication) -> str:
    return f"{pub.id}:{pub.content_sha256[:16]}"


@dataclass(frozen=True)
class PublishedDocument:
    """A publication and its read model (``Scoreboard`` or ``BulletinReport``) regenerated
    from the ledger: what its documents are rendered from."""
    pub: Publication
    result: Any

    @property
    def code(self) -> str:
        return code(self.pub)

    @property
    def when(self) -> dt.datetime:
        """The publication's recorded time (naive UTC): the documents' only date of making."""
        moment = dt.datetime.fromisoformat(self.pub.recorded_at.replace("Z", "+00:00"))
        return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)

    def line(self) -> str:
        """验证码 pub-…:… · ledger 0.1.0/1 · …: the same words in every format."""
        return i18n.f("Verification code {code} · ledger {version} · check it: ledger verify-publication FILE",
                      code=self.code, version=version())


def _line_html(doc: PublishedDocument) -> str:
    return (f'\n<p class="provenance verification" id="verification" data-code="{h(doc.code)}" '
            f'data-version="{h(version())}">{h(doc.line())}</p>')


def _score_table(board: Scoreboard, track_id: str, index: int) -> str:
    from .scores import _track_rows, empty_reason

    headers, rows = _track_rows(board, track_id)
    headers = [headers[0]] + headers[2:]  # a document names units; their ids stay in the data formats
    rows = [[row[0]] + row[2:] for row in rows]
    heads = "".join(f"<th>{h(x)}</th>" for x in headers)
    if rows:
        body = "".join("<tr>" + "".join(
            f'<td class="n">{h(render.number_text(v))}</td>' if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{h(render.number_text(v) if v is not None else '')}</td>" for v in row) + "</tr>"
            for row in rows)
    else:
        body = f'<tr><td colspan="{len(headers)}" class="c">{h(empty_reason(board, track_id))}</td></tr>'
    track = board.policy.track(track_id)
    wide = " wide" if len(headers) > 12 else ""
    return (f'<section class="table{wide}" id="t{index}" data-track="{h(track_id)}">'
            f'<p class="caption">{h(track.name)}</p>'
            f'<table class="doc {size_class(len(headers))}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def score_html(board: Scoreboard, verification: str = "") -> str:
    """A published score table as a document: masthead, title, one table per track, the
    issuing office and date, provenance and the code line."""
    from .scores import provenance

    pol = board.policy
    heading = i18n.f("{policy}: scores", policy=pol.title)
    tables = "".join(_score_table(board, t, i) for i, t in enumerate(board.cards, start=1))
    lang = "zh-CN" if i18n.is_zh() else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{h(heading)}</title>
<style>{DOCUMENT_CSS}{page_css()}</style></head>
<body>
<header class="front">
{masthead(pol)}
<h1 id="title">{h(heading)}</h1>
</header>
{tables}
<footer class="end">
{signature(pol, board.as_of)}
<p class="provenance" id="provenance">{h(provenance(board))}</p>{verification}
</footer>
</body></html>
"""


@renders("publication", "html")
def as_html(doc: PublishedDocument) -> str:
    """The publication as a page (the 通报 or the score table), its code in the footer."""
    from .bulletins import as_html as bulletin_html

    if doc.pub.kind == "bulletin":
        return bulletin_html(doc.result, verification=_line_html(doc))
    return score_html(doc.result, verification=_line_html(doc))


@renders("publication", "pdf", binary=True)
def as_pdf(doc: PublishedDocument) -> bytes:
    """The page printed by headless Chromium, its dates set to the publication's."""
    from .pdf import html_to_pdf, stable

    return stable(html_to_pdf(as_html(doc)), doc.when)


@renders("publication", "xlsx", binary=True)
def as_xlsx(doc: PublishedDocument) -> bytes:
    """The workbook of ``score``/``bulletin --format xlsx``, with the code in a summary cell,
    the document properties and every sheet's footer; fixed dates."""
    from .xlsx import Stamp, workbook_bytes

    if doc.pub.kind == "bulletin":
        from .bulletins import _workbook

        book = _workbook(doc.result)
        sheets = book["sheets"]
    else:
        from .scores import _sheets, _summary

        book, sheets = _summary(doc.result), _sheets(doc.result)
    stamp = Stamp(doc.code, doc.when, doc.line(), language="zh-CN" if i18n.is_zh() else "en", version=version())
    summary = [*book["summary"], (_("Verification code"), doc.code)]
    return workbook_bytes(sheets, book["notes"], summary=summary, title=book["title"], stamp=stamp)
