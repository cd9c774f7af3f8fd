"""Bulletin renderers: terminal table, CSV, JSON, Excel (one sheet per table) and the 通报 as
a document (HTML and PDF: masthead, title, tables, notes, issuing office and date)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, BinaryIO

from .. import i18n
from ..i18n import _
from . import text as render
from .document import (
    DOCUMENT_CSS,
    h,
    masthead,
    page_css,
    period_text,
    period_title,
    signature,
    size_class,
    summary_pairs,
)
from .formats import renders
from .safe import csv_row
from .xlsx import Table, workbook_bytes, write_workbook

if TYPE_CHECKING:
    from ..projections.bulletin_tables import BulletinReport, BulletinTable


def provenance(report: BulletinReport) -> str:
    _, digest = report.head
    from .scores import basis_text

    basis = basis_text(report.policy)
    return (f"policy {report.policy.ref} · period {report.period} · as of {report.as_of.isoformat()} · "
            f"known at revision {report.known_at} · chain hash {digest[:16]}" + (f" · {basis}" if basis else ""))


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


@renders("bulletin", "table")
def as_table(report: BulletinReport) -> str:
    out = []
    for table in report.tables:
        out.append(f"{title(report, table)} ({table.track})")
        headers, rows = table.shown(text=True)
        out.append(render.table([[_cell(v) for v in row] for row in rows], headers))
        out.extend(notes(report, table))
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


def _workbook(report: BulletinReport) -> dict[str, Any]:
    """The summary sheet, then one sheet per table: named by the track in the chosen language
    (its name; in English its id and the period), titled as the 通报 titles it, notes under it."""
    zh = i18n.is_zh()
    sheets = [Table(report.policy.track(t.track).name if zh else f"{t.track} {report.period}", *t.shown(),
                    title=title(report, t), notes=notes(report, t)) for t in report.tables]
    heading = i18n.f("{period} assessment bulletin", period=period_text(report.period))
    return {"sheets": sheets, "notes": [provenance(report)], "title": f"{heading} — {report.policy.title}",
            "summary": summary_pairs(report.policy, report.as_of, report.known_at, report.head, report.period)}


def write_xlsx(report: BulletinReport, path: str | BinaryIO) -> None:
    book = _workbook(report)
    write_workbook(path, book["sheets"], book["notes"], summary=book["summary"], title=book["title"])


@renders("bulletin", "xlsx", binary=True)
def as_xlsx(report: BulletinReport) -> bytes:
    book = _workbook(report)
    return workbook_bytes(book["sheets"], book["notes"], summary=book["summary"], title=book["title"])


def _html_cell(value: Any) -> str:
    from ..projections.bulletin_tables import CHECK, CROSS

    text = _cell(value)
    if value in (CHECK, CROSS):
        return f'<td class="c">{h(text)}</td>'
    if isinstance(value, (int, float)) or (text and text.replace(".", "", 1).replace("%", "").lstrip("-").isdigit()):
        return f'<td class="n">{h(text)}</td>'
    return f'<td class="k">{h(text)}</td>' if len(text) <= 16 else f"<td>{h(text)}</td>"  # k: kept on one line


def _document_columns(table: BulletinTable) -> tuple[list[str], list[list[Any]]]:
    """A score table as a 通报 prints it: rank, name and points (the ledger's unit ids, the
    "单位" column, stay in the data formats)."""
    headers, rows = table.shown(text=True)
    if table.kind == "scores" and headers[1:3] == ["单位", "名称"]:
        return [headers[0]] + headers[2:], [[row[0]] + row[2:] for row in rows]
    return headers, rows


def _wide(table: BulletinTable) -> bool:
    """More than 12 columns: printed on a landscape A4 page."""
    return len(_document_columns(table)[0]) > 12


def _html_table(report: BulletinReport, table: BulletinTable, index: int) -> str:
    headers, rows = _document_columns(table)
    wide = _wide(table)
    heads = "".join(f"<th>{h(x)}</th>" for x in headers)
    if rows:
        body = "".join("<tr>" + "".join(_html_cell(v) for v in row) + "</tr>" for row in rows)
    else:
        body = f'<tr><td colspan="{len(headers)}" class="c">{h(_("no unit in this table"))}</td></tr>'
    told = "".join(f'<p class="note">{h(n)}</p>' for n in notes(report, table))
    return (f'<section class="table{" wide" if wide else ""}" id="t{index}" data-track="{h(table.track)}">'
            f'<p class="caption">{h(title(report, table))}</p>'
            f'<table class="doc {size_class(len(headers))}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{body}</tbody></table>{told}</section>")


@renders("bulletin", "html")
def as_html(report: BulletinReport, verification: str = "") -> str:
    """The 通报 as a self-contained page (inline CSS, no scripts, no network), printable on A4;
    ``verification``: a published bulletin's code line (HTML, ``ledger.reports.published``)."""
    pol = report.policy
    heading = i18n.f("{period} assessment bulletin", period=period_text(report.period))
    tables = "".join(_html_table(report, t, i) for i, t in enumerate(report.tables, start=1))
    # The masthead and title on the first table's page, the signature on the last one's (a wide
    # table's page is landscape: no half-empty portrait page before or after it).
    first = " wide" if report.tables and _wide(report.tables[0]) else ""
    last = " wide" if report.tables and _wide(report.tables[-1]) else ""
    lang = "zh-CN" if i18n.is_zh() else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{h(heading)} — {h(pol.title)}</title>
<style>{DOCUMENT_CSS}{page_css()}</style></head>
<body>
<header class="front{first}">
{masthead(pol)}
<h1 id="title">{h(heading)}</h1>
<p class="subtitle" id="policy">{h(pol.title)}</p>
</header>
{tables}
<footer class="end{last}">
{signature(pol, report.as_of)}
<p class="provenance" id="provenance">{h(provenance(report))}</p>{verification}
</footer>
</body></html>
"""


@renders("bulletin", "pdf", binary=True)
def as_pdf(report: BulletinReport) -> bytes:
    """The 通报 printed to A4 by headless Chromium (``ledger.reports.pdf``)."""
    from .pdf import html_to_pdf

    return html_to_pdf(as_html(report))
