"""Explanation trails of one unit's score: every point to its event and clause.

Formats: table (terminal), JSON (CLI.md shape plus provenance), CSV, Markdown and a
self-contained printable HTML page; grouped by indicator (default), division or event.
"""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _
from ..projections.explanation import FOLDED_KINDS, GROUPINGS, Explanation, own_words
from . import text as render
from . import verdicts, words
from .document import FONTS, masthead, page_css, signature, summary_pairs
from .formats import renders
from .safe import csv_row, md
from .scores import provenance
from .xlsx import Table, workbook_bytes

if TYPE_CHECKING:
    from ..projections.scoring import IndicatorScore

__all__ = ["GROUPINGS", "Explanation", "as_table", "as_json", "as_csv", "as_markdown", "as_html", "as_pdf",
           "as_xlsx"]


def _delta(value: Any) -> str:
    text = render.number_text(value)
    return text if text.startswith("-") or text in ("0", "") else "+" + text


def _signed(value: Any) -> str:
    """Points in a sentence: −17, +3 (a real minus sign)."""
    return _delta(value).replace("-", "−")


def what_happened(ex: Explanation, line: dict[str, Any]) -> str:
    """依据: what the line is (event type or line kind) and what happened, in the chosen language
    (the table, Markdown, HTML and the workbench's card all say it so)."""
    policy = ex.board.policy
    if line.get("event"):
        label = words.event_type(line.get("event_type"))
        if line.get("kind"):
            label += f"（{words.kind(line['kind'])}）" if i18n.is_zh() else f" [{words.kind(line['kind'])}]"
    else:
        label = words.kind(line.get("kind"))
    sep = "：" if i18n.is_zh() else ": "
    parts = []
    fact = ex.facts.get(line["event"]) if line.get("event") else None
    if fact is not None:
        said = own_words(fact)
        if said:
            parts.append(said)
    elif line.get("what") and any(own_words(f) for f in (ex.facts.get(i) for i in line.get("events", [])) if f):
        parts.append(line["what"])
    detail = words.detail(line.get("detail"), policy)
    if detail:
        parts.append(detail)
    if not parts and line.get("what"):
        parts.append(line["what"])
    joined = ("；" if i18n.is_zh() else "; ").join(parts)
    if joined.startswith(label + "："):  # the event described in the catalogue's words names its type already
        return joined
    return label + (sep + joined if parts else "")


def evidence_text(ex: Explanation, line: dict[str, Any], full: bool = False) -> str:
    """佐证材料：签收单.pdf（120 KB，SHA-256 3f9a1c2b7e4d）、… — the files on a line's event as a
    person reads them (a withdrawn one: 已撤回); '' when it has none. ``full``: the whole hash."""
    from ..projections.evidence import size_text

    files = ex.line_evidence(line) if ex.evidence else []
    if not files:
        return ""
    zh = i18n.is_zh()
    parts = []
    for f in files:
        if f.withdrawn is not None:
            parts.append(f"{f.name}（{_('withdrawn')}）" if zh else f"{f.name} ({_('withdrawn')})")
            continue
        said = f"{size_text(f.size)}{'，' if zh else ', '}SHA-256 {f.sha256 if full else f.sha256[:12]}"
        parts.append(f"{f.name}（{said}）" if zh else f"{f.name} ({said})")
    return _("evidence: ") + ("、" if zh else ", ").join(parts)


def _cut(text: Any, width: int) -> str:
    text = "" if text is None else str(text).replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def result_text(node: IndicatorScore) -> str:
    """An indicator's result as a person reads it: its points with the declared decimal places
    (99.0), or the value it reports with its unit (50%, never 0 points)."""
    if not node.reports:
        return render.number_text(node.points, node.places)
    if node.value is None:
        return "-"
    return render.number_text(node.value, node.places) + (node.value_unit or "")


def _scores(ex: Explanation) -> dict[str, IndicatorScore]:
    return {node.id: node for top in ex.card.indicators for node in top.walk()}


def _why(lines: list[dict[str, Any]]) -> str:
    kinds = {ln.get("kind") for ln in lines if ln.get("event") is None}
    if "floor" in kinds:
        return _("nothing left to deduct")
    if "cap" in kinds:
        return _("capped")
    return ""


def heading(ex: Explanation, key: str, lines: list[dict[str, Any]], by: str) -> str:
    """A group's heading: by indicator, its points out of its maximum (all its lines, its
    sub-indicators' too) and why when the floor or cap decided (扣完为止, 封顶)."""
    ind = lines[0].get("indicator") if by == "indicator" else None
    node = _scores(ex).get(ind) if ind else None
    if node is not None and node.reports:
        return f"{key}  {i18n.f('value {value}', value=result_text(node))}"
    if node is not None:
        score = result_text(node)
        score += f" / {render.number_text(node.max)}" if node.max is not None else ""
        why = _why(lines)
        return f"{key}  {i18n.f('{points} points', points=score)}" + (f"（{why}）" if why and i18n.is_zh()
                                                                      else f" ({why})" if why else "")
    subtotal = sum((ln["delta"] for ln in lines), start=Decimal(0))
    return f"{key}  ({_delta(subtotal)})"


def fold(lines: list[dict[str, Any]], all_lines: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(lines shown, 0-point event lines folded into one count) — nothing folded with --all-lines."""
    if all_lines:
        return lines, []
    shown = [ln for ln in lines if not _foldable(ln)]
    return shown, [ln for ln in lines if _foldable(ln)]


def _foldable(line: dict[str, Any]) -> bool:
    return line["delta"] == 0 and bool(line.get("event")) and line.get("kind") not in FOLDED_KINDS


def folded_text(folded: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for ln in folded:
        label = words.kind(ln["kind"]) if ln.get("kind") else words.event_type(ln.get("event_type"))
        counts[label] = counts.get(label, 0) + 1
    parts = ("、" if i18n.is_zh() else ", ").join(f"{k} {n}" for k, n in counts.items())
    return i18n.f("{n} lines of 0 points ({parts}; --all-lines shows each)", n=len(folded), parts=parts)


def losses_text(ex: Explanation) -> str:
    """主要失分：daily.11 −17 = 党纪政纪处分1件 −10、告诫1件 −3；…"""
    rows = ex.losses()
    if not rows:
        return ""
    zh = i18n.is_zh()
    out = []
    for row in rows:
        parts = []
        for p in row["by"]:
            label = words.event_type(p["event_type"]) if p["event_type"] else words.kind(p["kind"])
            if p["event_type"] and p["kind"]:
                label += f"（{words.kind(p['kind'])}）" if zh else f" [{words.kind(p['kind'])}]"
            parts.append(i18n.f("{label} ×{count}", label=label, count=p["count"]) + f" {_signed(p['points'])}")
        out.append(f"{row['indicator']} {_signed(row['points'])} = " + ("、" if zh else ", ").join(parts))
    return _("Main losses: ") + ("；" if zh else "; ").join(out)


def total_text(ex: Explanation, grade: str | None) -> str:
    """总分 77.3 / 100 (the declared places; no "/" without a maximum), or — for a track whose
    indicators only report values — those values (不满意率 50%), never 总分 0; then the grade
    as shown (暂不评定 while it waits for pending indicators)."""
    c = ex.card
    values = [n for top in c.indicators for n in top.walk() if not n.children]
    if values and all(n.reports for n in values):
        head = "   ".join(f"{n.name} {result_text(n)}" for n in values)
        return head + ("   " + i18n.f("grade {grade}", grade=grade) if grade else "")
    total = render.number_text(c.total, c.places)
    if c.max is None:
        return i18n.f("total {total}   grade {grade}", total=total, grade=grade or "-")
    return i18n.f("total {total} / {max}   grade {grade}", total=total, max=render.number_text(c.max),
                  grade=grade or "-")


def header_lines(ex: Explanation) -> list[str]:
    """The summary, first: who, total and grade, veto/downgrade with reasons, provisional,
    the main losses, and where the result comes from."""
    c = ex.card
    pol = ex.board.policy
    out = [f"{c.unit} {c.name} — {pol.title} / {pol.track(c.track).name} ({c.track})"]
    waiting = verdicts.hold(ex.board, c.track)
    total = total_text(ex, verdicts.grade(c, waiting))
    if c.rank is not None:
        total += "   " + i18n.f("rank {rank}", rank=c.rank)
    is_provisional, until, pending = ex.provisional()
    if is_provisional:
        total += "   " + _("[provisional]")
    out.append(total)
    if c.vetoed:
        out.append(_("Veto (一票否决): ") + "；".join(words.detail(r, pol) for r in c.veto_reasons))
    if c.downgraded:
        out.append(_("Downgraded (降档): ") + "；".join(words.detail(r, pol) for r in c.downgrade_reasons))
    losses = losses_text(ex)
    if losses:
        out.append(losses)
    if is_provisional and until is not None:
        out.append(i18n.f("Provisional: as of {as_of}, {n} indicator(s) still have data or a deadline to come "
                          "(final on {until})", as_of=ex.board.as_of.isoformat(), n=len(pending),
                          until=until.isoformat()))
    elif is_provisional:
        out.append(i18n.f("Provisional: as of {as_of}, {n} indicator(s) still have data or a deadline to come "
                          "(the last deadline falls in a year the working-day calendar does not know yet)",
                          as_of=ex.board.as_of.isoformat(), n=len(pending)))
    if verdicts.withheld(c, waiting):
        out.append(verdicts.hold_note(waiting))
    out.append(provenance(ex.board))
    return out


def _rows(ex: Explanation, lines: list[dict[str, Any]], folded: list[dict[str, Any]],
          clause_width: int | None, evidence: bool = True) -> list[list[str]]:
    pol = ex.board.policy
    rows = [[_delta(ln["delta"]), ln.get("indicator") or "", _with_evidence(ex, ln) if evidence else
             what_happened(ex, ln), ln.get("date") or "",
             ln.get("source") or "", _event(ln),
             _cut(words.detail(ln.get("rule"), pol), clause_width) if clause_width
             else words.detail(ln.get("rule"), pol).replace("\n", " ")]
            for ln in lines]
    if folded:
        rows.append(["0", folded[0].get("indicator") or "", folded_text(folded), "", "", "", ""])
    return rows


def _with_evidence(ex: Explanation, line: dict[str, Any]) -> str:
    said, files = what_happened(ex, line), evidence_text(ex, line)
    return f"{said}{'；' if i18n.is_zh() else '; '}{files}" if files else said


def _event(line: dict[str, Any]) -> str:
    """The event's id (in English with its type code, which the what column names in Chinese)."""
    if not line.get("event"):
        return ""
    return line["event"] if i18n.is_zh() else f"{line['event']} ({line.get('event_type')})"


def _headers() -> list[str]:
    return [_("points"), _("indicator"), _("what happened"), _("date"), _("source"), _("event"), _("clause")]


@renders("explain", "table")
def as_table(ex: Explanation, by: str = "indicator", all_lines: bool = False, width: int | None = None) -> str:
    out = [piece for h in header_lines(ex) for piece in (render.wrap_text(h, width - 1) if width else [h])] + [""]
    for key, lines in ex.groups(by):
        shown, folded = fold(lines, all_lines)
        out.append(heading(ex, key, lines, by))
        out.extend(_lines_table(_rows(ex, shown, folded, None), width))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _lines_table(rows: list[list[str]], width: int | None) -> list[str]:
    """A group's lines as a table. On a terminal too narrow for it the clause (原文) leaves the
    table: said once under it when every line quotes the same, else under each line."""
    heads = _headers()
    if render.fits(rows, heads, width):
        return [render.table(rows, heads)]
    assert width is not None
    clauses = {r[6] for r in rows if r[6]}
    if len(clauses) > 1:
        return [render.table(rows, heads, width=width, wrap=[2], below=[6])]
    table = render.table([r[:6] for r in rows], heads[:6], width=width, wrap=[2])
    sep = "：" if i18n.is_zh() else ": "
    return [table] + [piece for clause in clauses for piece in render.wrap_text(heads[6] + sep + clause, width)]


@renders("explain", "json")
def as_json(ex: Explanation, by: str = "indicator", **_options: Any) -> str:
    return render.to_json(ex.document())


CSV_COLUMNS = ["unit", "policy", "track", "as_of", "known_at", "group", "indicator", "indicator_name",
               "delta", "event", "event_type", "kind", "date", "rule", "source", "corrections", "detail", "what",
               "evidence"]


@renders("explain", "csv")
def as_csv(ex: Explanation, by: str = "indicator", **_options: Any) -> str:
    """Every line (CSV is data: no folding); ``what`` (what happened, as in JSON), then ``evidence``
    (the files on the line's event: name, size, whole SHA-256)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(CSV_COLUMNS))
    names = ex.indicator_names()
    for group, lines in ex.groups(by):
        for ln in lines:
            writer.writerow(csv_row([ex.card.unit, ex.board.policy.ref, ex.card.track, ex.board.as_of.isoformat(),
                             ex.board.known_at, group, ln.get("indicator") or "",
                             names.get(ln.get("indicator") or "", ""), ln["delta"],
                             ln.get("event") or "", ln.get("event_type") or "", ln.get("kind") or "",
                             ln.get("date") or "", ln.get("rule") or "", ln.get("source") or "",
                             ";".join(ln.get("corrections", [])), ln.get("detail") or "", ln.get("what") or "",
                             evidence_text(ex, ln, full=True)]))
    return buffer.getvalue()


def _indicator_headers() -> list[str]:
    return [_("indicator"), _("name"), _("points"), _("max"), _("method"), _("data source")]


@renders("explain", "md")
def as_markdown(ex: Explanation, by: str = "indicator", all_lines: bool = False, **_options: Any) -> str:
    out = [f"# {md(ex.card.unit)} {md(ex.card.name)}", ""] + [f"- {md(h)}" for h in header_lines(ex)[1:]] + [""]
    notes = ex.indicator_notes()
    out += [f"## {_('Indicators')}", "", "| " + " | ".join(_indicator_headers()) + " |",
            "|---|---|---:|---:|---|---|"]
    for top in ex.card.indicators:
        for node in top.walk():
            method, data_source = notes.get(node.id, ("", ""))
            out.append(f"| {md(node.id)} | {md(node.name)} | {result_text(node)} | "
                       f"{render.number_text(node.max)} | {md(method)} | {md(data_source)} |")
    out += ["", f"## {_('Lines')}", ""]
    heads = _headers()
    for key, lines in ex.groups(by):
        shown, folded = fold(lines, all_lines)
        out += [f"### {md(heading(ex, key, lines, by))}", "",
                f"| {heads[0]} | {heads[2]} | {heads[3]} | {heads[4]} | {heads[5]} | {heads[6]} |",
                "|---:|---|---|---|---|---|"]
        for row in _rows(ex, shown, folded, None):
            out.append(f"| {row[0]} | {md(row[2])} | {md(row[3])} | {md(row[4])} | {md(row[5])} | {md(row[6])} |")
        out.append("")
    return "\n".join(out)


LINE_COLUMNS = ('<colgroup><col style="width:7%"><col style="width:31%"><col style="width:10%">'
                '<col style="width:14%"><col style="width:12%"><col style="width:26%"></colgroup>')
INDICATOR_COLUMNS = ('<colgroup><col style="width:9%"><col style="width:21%"><col style="width:8%">'
                     '<col style="width:8%"><col style="width:30%"><col style="width:24%"></colgroup>')
"""Column widths that fit the page's width (points, what happened, date, source, event, clause;
indicator, name, points, max, method, data source): long text wraps within its column."""


def _h(text: Any) -> str:
    return html.escape("" if text is None else str(text))


@renders("explain", "html")
def as_html(ex: Explanation, by: str = "indicator", all_lines: bool = False, **_options: Any) -> str:
    """A self-contained printable page: inline CSS, no scripts, no network."""
    c = ex.card
    notes = ex.indicator_notes()
    rows = []
    for top in c.indicators:
        for node in top.walk():
            depth = node.id.count(".")
            method, data_source = notes.get(node.id, ("", ""))
            rows.append(f'<tr class="d{min(depth, 3)}"><td>{_h(node.id)}</td><td>{_h(node.name)}</td>'
                        f'<td class="n">{_h(result_text(node))}</td>'
                        f'<td class="n">{_h(render.number_text(node.max))}</td>'
                        f'<td class="note">{_h(method)}</td><td class="note">{_h(data_source)}</td></tr>')
    heads = _headers()
    groups = []
    for key, lines in ex.groups(by):
        shown, folded = fold(lines, all_lines)
        table_rows = _rows(ex, shown, folded, None, evidence=False)
        files = [evidence_text(ex, ln, full=True) for ln in shown] + [""] * (len(table_rows) - len(shown))
        items = "".join(
            ('<tr class="folded">' if folded and i == len(table_rows) - 1 else "<tr>") +
            f'<td class="n">{_h(r[0])}</td><td>{_h(r[2])}'
            + (f'<div class="evidence">{_h(files[i])}</div>' if files[i] else "")
            + f'</td><td class="date">{_h(r[3])}</td>'
            f'<td>{_h(r[4])}</td><td>{_h(r[5])}</td><td class="rule">{_h(r[6])}</td></tr>'
            for i, r in enumerate(table_rows))
        groups.append(f'<section class="group"><h3>{_h(heading(ex, key, lines, by))}</h3><table class="lines">'
                      f'{LINE_COLUMNS}<thead><tr><th>{_h(heads[0])}</th><th>{_h(heads[2])}</th><th>{_h(heads[3])}</th>'
                      f'<th>{_h(heads[4])}</th><th>{_h(heads[5])}</th><th>{_h(heads[6])}</th></tr></thead>'
                      f'<tbody>{items}</tbody></table></section>')
    head = header_lines(ex)
    summary = "".join(f'<p class="summary">{_h(h)}</p>' for h in head[2:-1])
    provisional = ' <span class="provisional" id="provisional">' + _h(_("[provisional]")) + "</span>" \
        if ex.provisional()[0] else ""
    lang = "zh-CN" if i18n.is_zh() else "en"
    ind_heads = "".join(f"<th>{_h(t)}</th>" for t in _indicator_headers())
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{_h(c.unit)} {_h(c.name)} — {_h(ex.board.policy.ref)}</title>
<style>
body {{ font-family: {FONTS}; margin: 2em; color: #111; }}
.masthead {{ color: #c00; text-align: center; font-size: 20pt; font-weight: bold; letter-spacing: .08em;
            margin: 0 0 .2em; }}
hr.red {{ border: 0; border-top: 2px solid #c00; margin: 0 0 1em; }}
h1 {{ font-size: 1.5em; margin-bottom: .2em; }}
table {{ border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; font-size: .9em; table-layout: fixed; }}
th, td {{ border: 1px solid #999; padding: .25em .4em; vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #eef; }}
td.n, td.date {{ text-align: right; white-space: nowrap; }}
td.note {{ font-size: .85em; color: #333; }}
.signature {{ margin: 2em 1em 1em auto; width: max-content; text-align: center; }}
.signature p {{ margin: .2em 0; }}
tr.d0 td {{ font-weight: bold; }} tr.d2 td:first-child {{ padding-left: 1.5em; }}
tr.folded td {{ color: #555; font-style: italic; }}
.evidence {{ font-size: .8em; color: #333; margin-top: .2em; }}
.meta {{ color: #444; }} .total {{ font-size: 1.3em; font-weight: bold; }}
.provisional {{ color: #a40; border: 1px solid #a40; padding: 0 .3em; }}
.summary {{ margin: .2em 0; }}
@media print {{ body {{ font-size: 10pt; }} section.group h3 {{ break-after: avoid-page; }}
               tr {{ break-inside: avoid; }} }}
{page_css()}
</style></head>
<body>
{masthead(ex.board.policy)}
<h1 id="title">{_h(head[0])}</h1>
<p class="total" id="total" data-total="{_h(render.number_text(c.total, c.places))}">{_h(head[1])}{provisional}</p>
<div id="summary">{summary}</div>
<p class="meta" id="provenance">{_h(head[-1])}</p>
<h2>{_h(_("Indicators"))}</h2>
<table id="indicators">{INDICATOR_COLUMNS}<thead><tr>{ind_heads}</tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>{_h(_("Lines"))} ({_h(_(by))})</h2>
{''.join(groups)}
{signature(ex.board.policy, ex.board.as_of)}
</body></html>
"""


@renders("explain", "pdf", binary=True)
def as_pdf(ex: Explanation, by: str = "indicator", all_lines: bool = False, **_options: Any) -> bytes:
    """The printable page on A4 with page numbers, printed by headless Chromium (``ledger.reports.pdf``)."""
    from .pdf import html_to_pdf

    return html_to_pdf(as_html(ex, by=by, all_lines=all_lines))


def xlsx_sheets(ex: Explanation, by: str = "indicator") -> list[Table]:
    names = ex.indicator_names()
    lines = [[group, ln.get("indicator") or "", names.get(ln.get("indicator") or "", ""), ln["delta"],
              ln.get("event") or "", ln.get("event_type") or "", ln.get("kind") or "", ln.get("date") or "",
              ln.get("rule") or "", ln.get("source") or "", what_happened(ex, ln), evidence_text(ex, ln, full=True)]
             for group, group_lines in ex.groups(by) for ln in group_lines]
    notes = ex.indicator_notes()
    tree = [[node.id, node.name, node.shown(), node.max, *notes.get(node.id, ("", ""))]
            for top in ex.card.indicators for node in top.walk()]
    who = f"{ex.card.unit} {ex.card.name}"
    # A workbook is data people file and filter: its headers stay the same, both languages side
    # by side, whatever --lang; the sheet names and titles follow it (and the what-happened text).
    return [Table(_("Lines"), ["分组 group", "指标 indicator", "指标名称", "分值 delta", "事件 event", "事件类型 type",
                               "种类 kind", "日期 date", "条款 clause", "来源 source", "依据 what happened",
                               "佐证材料 evidence"], lines,
                  title=f"{who} — {_('Lines')} ({by})"),
            Table(_("Indicators"), ["指标 id", "名称 name", "得分 points", "满分 max", "计分方式 method",
                                    "数据来源 data source"], tree, title=f"{who} — {_('Indicators')}")]


def xlsx_summary(ex: Explanation) -> list[tuple[str, Any]]:
    """Whose card it is, its result, then where it comes from (the summary sheet)."""
    c, pol = ex.card, ex.board.policy
    pairs: list[tuple[str, Any]] = [(_("Unit"), f"{c.unit} {c.name}"),
                                    (_("Track"), f"{pol.track(c.track).name} ({c.track})"),
                                    (_("Total"), c.total), (_("Maximum"), c.max),
                                    (_("Grade"), verdicts.grade(c, verdicts.hold(ex.board, c.track)))]
    if c.rank is not None:
        pairs.append((_("Rank"), c.rank))
    return pairs + summary_pairs(pol, ex.board.as_of, ex.board.known_at, ex.board.head)


@renders("explain", "xlsx", binary=True)
def as_xlsx(ex: Explanation, by: str = "indicator", **_options: Any) -> bytes:
    return workbook_bytes(xlsx_sheets(ex, by), notes=header_lines(ex)[1:], summary=xlsx_summary(ex),
                          title=header_lines(ex)[0])
