"""A publication's documents — the workbook, the page and the PDF that circulate — each
carrying its verification code (docs/verification.md).

``ledger published ID --format xlsx|html|pdf`` renders them from the publication's own read
model (the same inputs as its hashed JSON) and nothing else: no "now" anywhere (dates are the
publication's recorded time), so rendering twice gives the same bytes and
``ledger verify-publication FILE`` can render again and compare.

The code is ``<publication id>:<first 16 hex of the sha256 of the publication's JSON>``; the
line that carries it also names the renderer's version (``<ledger version>/<RENDERER>``). A
publication is rendered by the version it was recorded with (a record naming none: version 1),
so a document sent out once comes out the same bytes again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__, i18n
from ..i18n import _
from . import verdicts
from .formats import renders

if TYPE_CHECKING:
    from ..projections.record_views import Publication
    from ..projections.scoreboard import Scoreboard
    from .tongbao import Issue, Verification

RENDERER = "2"
"""The version this ledger renders new publications with: bumped whenever a publication's
xlsx, HTML or PDF bytes change (the previous versions stay, frozen, in ``RENDERERS``)."""
RENDERERS = ("1", "2")
"""Every released renderer version: ``1`` (``renderer1``: before the 通报 of issue #27) and
``2`` (this module: the 通报 with 文号, 主送, paragraphs, sign-off and a Chinese footer)."""
CODE = re.compile(r"(pub-[0-9a-f]{12}):([0-9a-f]{16})")
LINE = re.compile(CODE.pattern + r"\s*·\s*(?:ledger|生成版本)\s+(\S+)")
"""The code line as any format carries it: the code, then the renderer's version
(``ledger 0.1.0/2``; in Chinese ``生成版本 0.1.0/2`` from version 2)."""


def version(renderer: str | None = None) -> str:
    """``<ledger version>/<renderer>`` (this ledger's renderer when none is named)."""
    return f"{__version__}/{renderer or RENDERER}"


def renderer_of(claimed: str) -> str | None:
    """The released renderer a version string names (``0.1.0/1`` → ``1``), else None."""
    found = claimed.rpartition("/")[2]
    return found if "/" in claimed and found in RENDERERS else None


def code(pub: Publication) -> str:
    return f"{pub.id}:{pub.content_sha256[:16]}"


@dataclass(frozen=True)
class PublishedDocument:
    """A publication and its read model (``Scoreboard`` or ``BulletinReport``) regenerated
    from the ledger: what its documents are rendered from, by ``renderer`` (the version the
    publication was recorded with, or the one a received file names)."""
    pub: Publication
    result: Any
    renderer: str = ""

    @property
    def version(self) -> str:
        return version(self.renderer or self.pub.renderer)

    @property
    def frozen(self) -> bool:
        """Rendered by renderer version 1 (``renderer1``), not this module."""
        return (self.renderer or self.pub.renderer) == "1"

    @property
    def code(self) -> str:
        return code(self.pub)

    @property
    def when(self) -> dt.datetime:
        """The publication's recorded time (naive UTC): the documents' only date of making."""
        moment = dt.datetime.fromisoformat(self.pub.recorded_at.replace("Z", "+00:00"))
        return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)

    @property
    def issue(self) -> Issue:
        """The head and sign-off the publication was recorded with."""
        from .tongbao import Issue

        return Issue.from_record(self.pub.document)

    @property
    def day(self) -> dt.date:
        """The date of the sign-off: the issue date given, else the day it was published."""
        return self.issue.issued or self.pub.published_on

    def line(self) -> str:
        """验证码 pub-…:… · 生成版本 0.1.0/2: the same words in every format."""
        from .tongbao import verification_line

        return verification_line(self.code, self.version)


def _score_table(board: Scoreboard, track_id: str, index: int) -> tuple[str, bool]:
    """A track's table as the 通报 prints it: rank, name, each top indicator by its name, total,
    grade (暂不评定 while it waits), and 否决 with the reason when the track has a veto."""
    from .scores import empty_reason, ordered
    from .tongbao import table_section

    track = board.policy.track(track_id)
    waiting = verdicts.hold(board, track_id)
    veto = verdicts.track_has_veto(board.policy, track_id)
    headers = [_("Rank"), _("Name")] + [i.name for i in track.indicators] + [_("Total"), _("Grade")]
    headers += [_("Veto")] if veto else []
    rows = []
    for card in ordered(board.cards.get(track_id, [])):
        points = {i.id: i.shown() for i in card.indicators}
        rows.append([card.rank, card.name] + [points.get(i.id) for i in track.indicators] +
                    [card.total, verdicts.grade(card, waiting)] + ([verdicts.veto(card)] if veto else []))
    note = verdicts.hold_note(waiting)
    return table_section(index, track_id, track.name, headers, rows, [note] if note else [],
                         empty_reason(board, track_id))


def score_heading(board: Scoreboard) -> str:
    """2021年度考核结果通报 (as of the year's end or later), else 截至2021年6月30日考核结果通报."""
    from .tongbao import period_words

    return i18n.f("Assessment results: {period}", period=period_words(board.policy, board.as_of, None))


def score_document(board: Scoreboard, issue: Issue, day: dt.date, verification: Verification | None) -> str:
    """A published score table as a 通报 (``ledger.reports.tongbao``)."""
    from . import tongbao
    from .scores import provenance

    sections = [_score_table(board, t, i) for i, t in enumerate(board.cards, start=1)]
    lead, closing = tongbao.paragraphs(issue, board.policy, board.as_of, None, board)
    return tongbao.page(board.policy, title=score_heading(board), issue=issue, day=day, lead=lead, closing=closing,
                        tables="\n".join(html for html, _w in sections), provenance=provenance(board),
                        verification=verification, first_wide=bool(sections) and sections[0][1],
                        last_wide=bool(sections) and sections[-1][1])


@renders("publication", "html")
def as_html(doc: PublishedDocument) -> str:
    """The publication as a page (the 通报 or the score table), its code in the footer."""
    from .bulletins import document_html
    from .tongbao import Verification

    if doc.frozen:
        from . import renderer1

        return renderer1.as_html(doc, doc.version)
    verification = Verification(doc.code, doc.version)
    if doc.pub.kind == "bulletin":
        return document_html(doc.result, doc.issue, verification, doc.day)
    return score_document(doc.result, doc.issue, doc.day, verification)


@renders("publication", "pdf", binary=True)
def as_pdf(doc: PublishedDocument) -> bytes:
    """The page printed by headless Chromium, its dates set to the publication's."""
    from .pdf import html_to_pdf, stable

    return stable(html_to_pdf(as_html(doc)), doc.when)


@renders("publication", "xlsx", binary=True)
def as_xlsx(doc: PublishedDocument) -> bytes:
    """The workbook of ``score``/``bulletin --format xlsx`` with the 通报's head and paragraphs
    on its summary sheet, the code in a summary cell, the document properties and every
    sheet's footer; fixed dates."""
    from .xlsx import Stamp, workbook_bytes

    if doc.frozen:
        from . import renderer1

        return renderer1.as_xlsx(doc, doc.version)
    if doc.pub.kind == "bulletin":
        from .bulletins import _workbook

        book = _workbook(doc.result, doc.issue, doc.day)
        sheets = book["sheets"]
    else:
        from . import tongbao
        from .scores import _sheets, _summary

        book, sheets = _summary(doc.result), _sheets(doc.result)
        lead, closing = tongbao.paragraphs(doc.issue, doc.result.policy, doc.result.as_of, None, doc.result)
        head, prose = tongbao.summary(doc.issue, doc.day, lead, closing)
        book = {**book, "title": score_heading(doc.result), "summary": head + book["summary"],
                "notes": [*prose, *book["notes"]]}
    from .tongbao import how_to_check

    # The footer carries the code line only: Excel allows 255 characters in a footer section.
    stamp = Stamp(doc.code, doc.when, doc.line(), language="zh-CN" if i18n.is_zh() else "en", version=doc.version)
    summary = [*book["summary"], (_("Verification code"), doc.code)]
    return workbook_bytes(sheets, [*book["notes"], how_to_check(doc.issue)], summary=summary, title=book["title"],
                          stamp=stamp)
