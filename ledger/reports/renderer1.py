"""Renderer version 1: a publication's xlsx, HTML and PDF exactly as the ledger made them
before the 通报 of issue #27 (masthead, title, tables, the as-of date as 落款, an English
provenance line, ``ledger 0.1.0/1`` on the code line).

FROZEN. Documents made by this version are already out in the world; the ledger renders a
publication recorded before renderer 2 (its record names no renderer) with this module, and
``ledger verify-publication`` renders a file that names version 1 with it, so that both come
out byte for byte the same as they did. Never edit what this module writes: a change is a new
renderer version (``ledger.reports.published``). It therefore keeps its own copy of every
piece of layout it uses, and imports only what cannot change a byte of its output without
breaking every other format too (HTML escaping, number text, the workbook writer, the policy's
words). ``tests/test_published_r1.py`` checks committed version-1 documents still verify.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _
from . import text as render
from .document import h

if TYPE_CHECKING:
    from ..policies.model import Policy
    from ..projections.bulletin_tables import BulletinReport, BulletinTable
    from ..projections.scoreboard import Scoreboard
    from .published import PublishedDocument

VERSION = "1"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
FONTS = ('"Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Source Han Sans SC", '
         '"WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "SimSun", "Microsoft YaHei", '
         '"PingFang SC", serif')


def date_text(day: dt.date) -> str:
    if i18n.is_zh():
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def _months(period: str) -> tuple[int, int, int] | None:
    parts = [_MONTH.match(p) for p in (period or "").split("/")]
    if not parts or len(parts) > 2 or not all(parts):
        return None
    first, last = parts[0], parts[-1]
    assert first is not None and last is not None
    return int(first[1]), int(first[2]), int(last[2])


def period_text(period: str) -> str:
    parsed = _months(period)
    if parsed is None:
        return period
    year, first, last = parsed
    if i18n.is_zh():
        months = f"{first}" if first == last else f"{first}-{last}"
        return f"{year}年{months}月份"
    months = _EN_MONTHS[first - 1] if first == last else f"{_EN_MONTHS[first - 1]}–{_EN_MONTHS[last - 1]}"
    return f"{months} {year}"


def period_title(period: str, title: str) -> str:
    parsed = _months(period)
    if parsed is None:
        return f"{period} {title}"
    year, first, last = parsed
    months = f"{first}" if first == last else f"{first}-{last}"
    for prefix in (f"{months}月份", "月份"):
        if title.startswith(prefix):
            return f"{year}年{months}月份{title[len(prefix):]}"
    return f"{year}年{months}月份{title}"


def issuer(policy: Policy) -> str:
    from ..policies.labels import issuer as policy_issuer

    return policy_issuer(policy)


def page_css() -> str:
    words = _("Page {page} of {pages}").replace("\\", "").replace('"', "")
    number = '"' + words.replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "') + '"'
    return f"""
@page {{ size: A4; margin: 18mm 15mm 18mm 15mm;
        @bottom-center {{ content: {number}; font-size: 9pt; color: #444; font-family: {FONTS}; }} }}
@page wide {{ size: A4 landscape; margin: 15mm 15mm 16mm 15mm; }}
@media print {{
  body {{ margin: 0; font-size: 10.5pt; }}
  .wide {{ page: wide; }}
  thead {{ display: table-header-group; }}
  tr, h2, h3, .caption {{ break-inside: avoid; break-after: avoid-page; }}
  tr {{ break-after: auto; }}
  .signature {{ break-inside: avoid; }}
}}"""


DOCUMENT_CSS = f"""
body {{ font-family: {FONTS}; color: #111; margin: 2em auto; max-width: 60em; line-height: 1.45; }}
.masthead {{ color: #c00; text-align: center; font-size: 22pt; font-weight: bold; letter-spacing: .08em;
            margin: 0 0 .2em; }}
hr.red {{ border: 0; border-top: 2px solid #c00; margin: 0 0 1.2em; }}
h1 {{ text-align: center; font-size: 16pt; margin: .3em 0 .2em; }}
.subtitle {{ text-align: center; margin: 0 0 1em; color: #333; }}
.caption {{ font-weight: bold; font-size: 12pt; text-align: center; margin: 1.2em 0 .4em; }}
table.doc {{ border-collapse: collapse; width: 100%; margin: 0 0 .4em; }}
table.doc th, table.doc td {{ border: 1px solid #333; padding: .2em .3em; vertical-align: middle;
                             overflow-wrap: break-word; }}
table.doc th {{ background: #f2f2f2; font-weight: bold; text-align: center; }}
table.doc td.n {{ text-align: right; white-space: nowrap; }}
table.doc td.c {{ text-align: center; white-space: nowrap; }} table.doc td.k {{ white-space: nowrap; }}
table.cols-s {{ font-size: 10.5pt; }} table.cols-m {{ font-size: 9pt; }} table.cols-l {{ font-size: 8pt; }}
.note {{ font-size: 9.5pt; margin: .2em 0 .8em; }}
.signature {{ text-align: right; margin: 2em 1em 1em auto; width: max-content; }}
.signature p {{ margin: .2em 0; text-align: center; }}
.provenance {{ color: #666; font-size: 8pt; margin-top: 2em; border-top: 1px solid #ccc; padding-top: .3em;
              overflow-wrap: anywhere; }}
"""


def size_class(columns: int) -> str:
    return "cols-s" if columns <= 8 else "cols-m" if columns <= 11 else "cols-l"


def masthead(policy: Policy) -> str:
    name = issuer(policy)
    return f'<p class="masthead" id="issuer">{h(name)}</p><hr class="red">' if name else ""


def signature(policy: Policy, day: dt.date) -> str:
    name = issuer(policy)
    office = f"<p>{h(name)}</p>" if name else ""
    return f'<div class="signature" id="signature">{office}<p id="date">{h(date_text(day))}</p></div>'


def summary_pairs(policy: Policy, as_of: dt.date, known_at: int, head: tuple[int, str],
                  period: str | None = None) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [(_("Policy"), f"{policy.title}（{policy.ref}）" if i18n.is_zh()
                                     else f"{policy.title} ({policy.ref})")]
    office = issuer(policy)
    if office:
        pairs.append((_("Issued by"), office))
    if period:
        pairs.append((_("Period"), period_text(period)))
    pairs += [(_("As of"), as_of), (_("Known at revision"), known_at), (_("Chain hash"), head[1])]
    return pairs


# --- score tables -----------------------------------------------------------------------------
FIXED = ["rank", "unit", "name"]
TAIL = ["total", "max", "grade", "vetoed", "downgraded"]
XLSX_FIXED = ["排名 rank", "单位 unit", "名称 name"]
XLSX_TAIL = ["总分 total", "满分 max", "等级 grade", "否决 vetoed", "降档 downgraded"]


def score_provenance(board: Scoreboard) -> str:
    from .scores import basis_text

    _rev, digest = board.head
    line = i18n.f("policy {ref} · as of {as_of} · known at revision {known_at} · chain hash {hash}",
                  ref=board.policy.ref, as_of=board.as_of.isoformat(), known_at=board.known_at, hash=digest[:16])
    basis = basis_text(board.policy)
    return f"{line} · {basis}" if basis else line


def _short(name: str, width: int = 8) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def track_rows(board: Scoreboard, track_id: str, workbook: bool = False) -> tuple[list[str], list[list[Any]]]:
    track = board.policy.track(track_id)
    tops = [(i.id, i.name) for i in track.indicators]
    fixed, tail = (XLSX_FIXED, XLSX_TAIL) if workbook else ([_(x) for x in FIXED], [_(x) for x in TAIL])
    headers = fixed + [f"{_short(name)} {iid}" for iid, name in tops] + tail
    rows = []
    yes = "是" if workbook else _("yes")
    cards = sorted(board.cards.get(track_id, []), key=lambda c: (c.rank or 10**9, c.unit))
    for card in cards:
        points = {i.id: i.shown() for i in card.indicators}
        rows.append([card.rank, card.unit, card.name] + [points.get(iid) for iid, _n in tops] +
                    [card.total, card.max, card.grade or "", yes if card.vetoed else "",
                     yes if card.downgraded else ""])
    return headers, rows


def empty_reason(board: Scoreboard, track_id: str) -> str:
    group = board.policy.track(track_id).group
    return i18n.f("No unit is registered in this policy's group '{group}' (ledger units import): nothing to "
                  "score.", group=group)


def _score_table(board: Scoreboard, track_id: str, index: int) -> str:
    headers, rows = track_rows(board, track_id)
    headers = [headers[0]] + headers[2:]
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
<p class="provenance" id="provenance">{h(score_provenance(board))}</p>{verification}
</footer>
</body></html>
"""


def score_book(board: Scoreboard) -> tuple[dict[str, Any], list[Any]]:
    from .xlsx import Table

    sheets = []
    for track_id in board.cards:
        track = board.policy.track(track_id)
        headers, rows = track_rows(board, track_id, workbook=True)
        sheets.append(Table(track.name if i18n.is_zh() else track_id, headers, rows,
                            title=f"{board.policy.title} — {track.name}"))
    book = {"title": i18n.f("{policy}: scores", policy=board.policy.title),
            "summary": summary_pairs(board.policy, board.as_of, board.known_at, board.head),
            "notes": [score_provenance(board)]}
    return book, sheets


# --- bulletins --------------------------------------------------------------------------------
def bulletin_provenance(report: BulletinReport) -> str:
    from .scores import basis_text

    _rev, digest = report.head
    basis = basis_text(report.policy)
    return (f"policy {report.policy.ref} · period {report.period} · as of {report.as_of.isoformat()} · "
            f"known at revision {report.known_at} · chain hash {digest[:16]}" + (f" · {basis}" if basis else ""))


def _cell(value: Any) -> str:
    return render.number_text(value) if value is not None else ""


def notes(report: BulletinReport, table: BulletinTable) -> list[str]:
    from ..projections.bulletin_tables import CHECK

    if table.kind != "checks":
        return list(table.notes)
    return [n.replace("“√”", f"“{CHECK}”").replace("\"√\"", f"\"{CHECK}\"") for n in table.notes]


def title(report: BulletinReport, table: BulletinTable) -> str:
    return period_title(report.period, table.title)


def bulletin_book(report: BulletinReport) -> dict[str, Any]:
    from .xlsx import Table

    zh = i18n.is_zh()
    sheets = [Table(report.policy.track(t.track).name if zh else f"{t.track} {report.period}", t.headers, t.rows,
                    title=title(report, t), notes=notes(report, t)) for t in report.tables]
    heading = i18n.f("{period} assessment bulletin", period=period_text(report.period))
    return {"sheets": sheets, "notes": [bulletin_provenance(report)], "title": f"{heading} — {report.policy.title}",
            "summary": summary_pairs(report.policy, report.as_of, report.known_at, report.head, report.period)}


def _html_cell(value: Any) -> str:
    from ..projections.bulletin_tables import CHECK, CROSS

    text = _cell(value)
    if value in (CHECK, CROSS):
        return f'<td class="c">{h(text)}</td>'
    if isinstance(value, (int, float)) or (text and text.replace(".", "", 1).replace("%", "").lstrip("-").isdigit()):
        return f'<td class="n">{h(text)}</td>'
    return f'<td class="k">{h(text)}</td>' if len(text) <= 16 else f"<td>{h(text)}</td>"


def _document_columns(table: BulletinTable) -> tuple[list[str], list[list[Any]]]:
    if table.kind == "scores" and table.headers[1:3] == ["单位", "名称"]:
        return [table.headers[0]] + table.headers[2:], [[row[0]] + row[2:] for row in table.rows]
    return table.headers, table.rows


def _wide(table: BulletinTable) -> bool:
    return len(_document_columns(table)[0]) > 12


def _html_table(report: BulletinReport, table: BulletinTable, index: int) -> str:
    headers, rows = _document_columns(table)
    wide = _wide(table)
    heads = "".join(f"<th>{h(x)}</th>" for x in headers)
    if rows:
        body = "".join("<tr>" + "".join(_html_cell(v) for v in row) + "</tr>" for row in rows)
    else:
        body = f'<tr><td colspan="{len(table.headers)}" class="c">{h(_("no unit in this table"))}</td></tr>'
    told = "".join(f'<p class="note">{h(n)}</p>' for n in notes(report, table))
    return (f'<section class="table{" wide" if wide else ""}" id="t{index}" data-track="{h(table.track)}">'
            f'<p class="caption">{h(title(report, table))}</p>'
            f'<table class="doc {size_class(len(headers))}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{body}</tbody></table>{told}</section>")


def bulletin_html(report: BulletinReport, verification: str = "") -> str:
    pol = report.policy
    heading = i18n.f("{period} assessment bulletin", period=period_text(report.period))
    tables = "".join(_html_table(report, t, i) for i, t in enumerate(report.tables, start=1))
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
<p class="provenance" id="provenance">{h(bulletin_provenance(report))}</p>{verification}
</footer>
</body></html>
"""


# --- a publication's documents ----------------------------------------------------------------
def line(doc: PublishedDocument, version: str) -> str:
    return i18n.f("Verification code {code} · ledger {version} · check it: ledger verify-publication FILE",
                  code=doc.code, version=version)


def _line_html(doc: PublishedDocument, version: str) -> str:
    return (f'\n<p class="provenance verification" id="verification" data-code="{h(doc.code)}" '
            f'data-version="{h(version)}">{h(line(doc, version))}</p>')


def as_html(doc: PublishedDocument, version: str) -> str:
    if doc.pub.kind == "bulletin":
        return bulletin_html(doc.result, verification=_line_html(doc, version))
    return score_html(doc.result, verification=_line_html(doc, version))


def as_xlsx(doc: PublishedDocument, version: str) -> bytes:
    from .xlsx import Stamp, workbook_bytes

    if doc.pub.kind == "bulletin":
        book = bulletin_book(doc.result)
        sheets = book["sheets"]
    else:
        book, sheets = score_book(doc.result)
    stamp = Stamp(doc.code, doc.when, line(doc, version), language="zh-CN" if i18n.is_zh() else "en",
                  version=version)
    summary = [*book["summary"], (_("Verification code"), doc.code)]
    return workbook_bytes(sheets, book["notes"], summary=summary, title=book["title"], stamp=stamp)
