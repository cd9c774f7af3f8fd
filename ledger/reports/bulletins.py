"""Bulletin renderers: terminal table, CSV, JSON, Excel (one sheet per table) and the 通报 as
a document (HTML and PDF: ``ledger.reports.tongbao``). The human formats show a score table's
grade as 暂不评定 while it waits for pending indicators and add a 否决 column with each veto's
reason (``ledger.reports.verdicts``); CSV and JSON keep the tables as built."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Any, BinaryIO

from .. import i18n
from ..i18n import _
from . import text as render
from . import verdicts
from .document import period_text, period_title, summary_pairs
from .formats import renders
from .safe import csv_row
from .xlsx import Table, workbook_bytes, write_workbook

if TYPE_CHECKING:
    from ..projections.bulletin_tables import BulletinReport, BulletinTable
    from .tongbao import Issue, Verification


def provenance(report: BulletinReport) -> str:
    _, digest = report.head
    from .scores import basis_text

    basis = basis_text(report.policy)
    line = i18n.f("policy {ref} · period {period} · as of {as_of} · known at revision {known_at} · chain hash {hash}",
                  ref=report.policy.ref, period=report.period, as_of=report.as_of.isoformat(),
                  known_at=report.known_at, hash=digest[:16])
    return line + (f" · {basis}" if basis else "")


def _cell(value) -> str:
    return render.number_text(value) if value is not None else ""


def notes(report: BulletinReport, table: BulletinTable) -> list[str]:
    """A table's notes as a person reads them: the footnote names the mark the table shows
    (the policy's 打“√” while the cells carry ✓). The JSON keeps the notes as built."""
    from ..projections.bulletin_tables import CHECK

    if table.kind != "checks":
        return list(table.notes)
    return [n.replace("“√”", f"“{CHECK}”").replace("\"√\"", f"\"{CHECK}\"") for n in table.notes]


def title(report: BulletinReport, table: BulletinTable) -> str:
    """2021年6月份优化营商环境工作推进情况 (never "2021-06 月份…")."""
    return period_title(report.period, table.title)


def shown(report: BulletinReport, table: BulletinTable, text: bool = False
          ) -> tuple[list[str], list[list[Any]], list[str]]:
    """A table as a person reads it: (headers, rows, notes) — ``BulletinTable.shown`` (data-only
    columns left out; ``text``: declared places as text). A score table's grade is 暂不评定
    while it waits for pending indicators (a note says why) and, when the track has a veto, a
    否决 column carries each veto's reason; other tables as built."""
    told = notes(report, table)
    board = report.scoreboard
    base_headers, base_rows = table.shown(text=text)
    if table.kind != "scores" or board is None or table.track not in board.cards or "等级" not in base_headers:
        return base_headers, base_rows, told
    cards = {c.unit: c for c in board.cards[table.track]}
    hold = verdicts.hold(board, table.track)
    at, veto = base_headers.index("等级"), verdicts.track_has_veto(board.policy, table.track)
    headers = base_headers + (["否决"] if veto else [])
    rows = []
    for row in base_rows:
        card = cards.get(row[1])
        shown_row = list(row)
        if card is not None:
            shown_row[at] = verdicts.grade(card, hold)
        rows.append(shown_row + ([verdicts.veto(card) if card else ""] if veto else []))
    note = verdicts.hold_note(hold)
    return headers, rows, told + ([note] if note else [])


@renders("bulletin", "table")
def as_table(report: BulletinReport, width: int | None = None) -> str:
    out = []
    for table in report.tables:
        headers, rows, told = shown(report, table, text=True)
        out.append(f"{title(report, table)} ({table.track})")
        out.append(render.table([[_cell(v) for v in row] for row in rows], headers, width=width, keep=1))
        out.extend(told)
        out.append("")
    out.append(provenance(report))
    return "\n".join(out) + "\n"


@renders("bulletin", "csv")
def as_csv(report: BulletinReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, table in enumerate(report.tables):
        if i:
            writer.writerow([])
        writer.writerow(csv_row([title(report, table), table.track, report.policy.ref]))
        headers, rows = table.shown()
        writer.writerow(csv_row(headers))
        writer.writerows([csv_row(row) for row in rows])
    return buffer.getvalue()


@renders("bulletin", "json")
def as_json(report: BulletinReport) -> str:
    return render.to_json({"policy": report.policy.ref, "period": report.period, "as_of": report.as_of,
                           "known_at": report.known_at,
                           "head": {"revision": report.head[0], "hash": report.head[1]},
                           "tables": [{"track": t.track, "title": t.title, "kind": t.kind, "headers": t.headers,
                                       "rows": t.rows, "notes": t.notes} for t in report.tables]})


def heading(report: BulletinReport) -> str:
    """2021年6月份考核情况通报."""
    return i18n.f("{period} assessment bulletin", period=period_text(report.period))


def _workbook(report: BulletinReport, issue: Issue | None = None, day: dt.date | None = None) -> dict[str, Any]:
    """The summary sheet — the 通报's head (文号, 主送, 抄送, issue date), the policy and
    provenance, the lead and closing paragraphs — then one sheet per table: named by the track
    in the chosen language (its name; in English its id and the period), titled as the 通报
    titles it, notes under it. ``day``: a publication's issue date (a draft has none)."""
    from . import tongbao

    zh = i18n.is_zh()
    sheets = []
    for t in report.tables:
        headers, rows, told = shown(report, t)
        sheets.append(Table(report.policy.track(t.track).name if zh else f"{t.track} {report.period}", headers,
                            rows, title=title(report, t), notes=told))
    issue = issue or tongbao.draft(report.policy)
    lead, closing = tongbao.paragraphs(issue, report.policy, report.as_of, report.period, report.scoreboard)
    head, prose = tongbao.summary(issue, day, lead, closing)
    return {"sheets": sheets, "notes": [*prose, provenance(report)],
            "title": f"{heading(report)} — {report.policy.title}",
            "summary": head + summary_pairs(report.policy, report.as_of, report.known_at, report.head,
                                            report.period)}


def write_xlsx(report: BulletinReport, path: str | BinaryIO) -> None:
    book = _workbook(report)
    write_workbook(path, book["sheets"], book["notes"], summary=book["summary"], title=book["title"])


@renders("bulletin", "xlsx", binary=True)
def as_xlsx(report: BulletinReport) -> bytes:
    book = _workbook(report)
    return workbook_bytes(book["sheets"], book["notes"], summary=book["summary"], title=book["title"])


def _document_columns(headers: list[str], rows: list[list[Any]], table: BulletinTable
                      ) -> tuple[list[str], list[list[Any]]]:
    """A score table as a 通报 prints it: rank, name and points (the ledger's unit ids, the
    "单位" column, stay in the data formats)."""
    if table.kind == "scores" and headers[1:3] == ["单位", "名称"]:
        return [headers[0]] + headers[2:], [[row[0]] + row[2:] for row in rows]
    return headers, rows


def _html_table(report: BulletinReport, table: BulletinTable, index: int) -> tuple[str, bool]:
    """The table's section and whether it goes on a landscape page."""
    from .tongbao import table_section

    all_headers, all_rows, told = shown(report, table, text=True)
    headers, rows = _document_columns(all_headers, all_rows, table)
    return table_section(index, table.track, title(report, table), headers, rows, told,
                         _("no unit in this table"))


def document_html(report: BulletinReport, issue: Issue | None = None, verification: Verification | None = None,
                  day: dt.date | None = None) -> str:
    """The 通报 page of a bulletin: a draft (the policy's words, dated by its as-of) or a
    publication's (its recorded 文号, 主送, code, and ``day``: its issue date)."""
    from . import tongbao

    issue = issue or tongbao.draft(report.policy)
    sections = [_html_table(report, t, i) for i, t in enumerate(report.tables, start=1)]
    lead, closing = tongbao.paragraphs(issue, report.policy, report.as_of, report.period, report.scoreboard)
    # The head on the first table's page, the sign-off on the last one's (a wide table's page
    # is landscape: no half-empty portrait page before or after it).
    return tongbao.page(report.policy, title=heading(report), issue=issue, day=day or report.as_of,
                        lead=lead, closing=closing, tables="\n".join(html for html, _w in sections),
                        provenance=provenance(report), verification=verification,
                        first_wide=bool(sections) and sections[0][1], last_wide=bool(sections) and sections[-1][1])


@renders("bulletin", "html")
def as_html(report: BulletinReport) -> str:
    """The 通报 as a self-contained page (inline CSS, no scripts, no network), printable on A4."""
    return document_html(report)


@renders("bulletin", "pdf", binary=True)
def as_pdf(report: BulletinReport) -> bytes:
    """The 通报 printed to A4 by headless Chromium (``ledger.reports.pdf``)."""
    from .pdf import html_to_pdf

    return html_to_pdf(as_html(report))
