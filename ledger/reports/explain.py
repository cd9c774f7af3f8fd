"""Explanation trails of one unit's score: every point to its event and clause.

Formats: table (terminal), JSON (CLI.md shape plus provenance), CSV, Markdown and a
self-contained printable HTML page; grouped by indicator (default), division or event.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import text as render
from .safe import csv_row, md
from .scores import provenance

if TYPE_CHECKING:
    from ..projections.scoreboard import Scoreboard
    from ..projections.scoring import ScoreCard

GROUPINGS = ("indicator", "division", "event")


@dataclass
class Explanation:
    board: Scoreboard
    card: ScoreCard

    def indicator_names(self) -> dict[str, str]:
        return {node.id: node.name for top in self.card.indicators for node in top.walk()}

    def indicator_notes(self) -> dict[str, tuple[str, str]]:
        """Indicator id → (计分方式, 数据来源) from the policy, shown beside the scores."""
        notes: dict[str, tuple[str, str]] = {}

        def walk(nodes: Any) -> None:
            for n in nodes or []:
                notes[n.id] = (n.method or "", n.data_source or "")
                walk(n.children)

        walk(self.board.policy.track(self.card.track).indicators)
        return notes

    def document(self) -> dict[str, Any]:
        body = self.card.explanation()
        lines = body.pop("lines")
        indicators = body.pop("indicators")
        return {"unit": self.card.unit, "name": self.card.name, "policy": self.board.policy.ref,
                "track": self.card.track, "as_of": self.board.as_of.isoformat(),
                "known_at": self.board.known_at, "head": self.board.envelope()["head"],
                "total": body["total"], "max": self.card.max, "grade": body["grade"],
                "vetoed": body["vetoed"], "downgraded": body["downgraded"],
                "lines": lines, "indicators": indicators}

    def groups(self, by: str) -> list[tuple[str, list[dict[str, Any]]]]:
        """Lines grouped for display; every line appears in exactly one group. By division,
        a line goes to its indicator's lead division (牵头, the first named; the others are
        named on the line as 配合), and an indicator short of its points with no line yet
        (no finding) shows as a 0-point ``gap`` row, so each division sees every gap it owns."""
        lines = [ln.to_dict() for ln in self.card.lines]
        names = self.indicator_names()
        if by == "division":
            lines += self._gaps({ln.get("indicator") for ln in lines})
        groups: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            ind = line.get("indicator")
            if by == "division":
                divisions = self.card.divisions_of(ind) if ind else ()
                key = f"{divisions[0]} (牵头)" if divisions else "(未指定处室 no division)"
                if len(divisions) > 1:
                    line["detail"] = " ".join(filter(None, [line.get("detail"), "配合: " + "、".join(divisions[1:])]))
            elif by == "event":
                key = line["event"] or f"({line.get('kind')})"
            else:
                key = f"{ind} {names.get(ind, '')}".strip() if ind else "(整体 track)"
            groups.setdefault(key, []).append(line)
        return list(groups.items())


    def _gaps(self, explained: set[Any]) -> list[dict[str, Any]]:
        """Leaf indicators below their points that no line explains yet."""
        return [{"indicator": node.id, "delta": Decimal(0), "event": None, "kind": "gap",
                 "rule": node.name, "detail": f"{render.number_text(node.points)} of "
                                              f"{render.number_text(node.max)}: no evidence recorded yet"}
                for top in self.card.indicators for node in top.walk()
                if not node.children and node.max is not None and node.points < node.max and node.id not in explained]


def _delta(value: Any) -> str:
    text = render.number_text(value)
    return text if text.startswith("-") or text in ("0", "") else "+" + text


def _what(line: dict[str, Any]) -> str:
    detail = f" {line['detail']}" if line.get("detail") else ""
    if line.get("event"):
        kind = f" [{line['kind']}]" if line.get("kind") else ""
        return f"{line['event']} ({line.get('event_type')}){kind}{detail}"
    return f"[{line.get('kind')}]{detail}"


def _cut(text: Any, width: int) -> str:
    text = "" if text is None else str(text).replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def header_lines(ex: Explanation) -> list[str]:
    c = ex.card
    flags = [f for f, on in (("vetoed 一票否决", c.vetoed), ("downgraded 降档", c.downgraded)) if on]
    return [f"{c.unit} {c.name} — {ex.board.policy.title} / {ex.board.policy.track(c.track).name} ({c.track})",
            f"total {render.number_text(c.total)} / {render.number_text(c.max)}   grade {c.grade or '-'}"
            + (f"   rank {c.rank}" if c.rank is not None else "") + ("   " + ", ".join(flags) if flags else ""),
            provenance(ex.board)]


def as_table(ex: Explanation, by: str = "indicator") -> str:
    out = header_lines(ex) + [""]
    for key, lines in ex.groups(by):
        subtotal = sum((ln["delta"] for ln in lines), start=type(lines[0]["delta"])(0))
        out.append(f"{key}  ({_delta(subtotal)})")
        rows = [[_delta(ln["delta"]), ln.get("indicator") or "", _what(ln), ln.get("date") or "",
                 _cut(ln.get("rule"), 48), _cut(ln.get("source"), 24)] for ln in lines]
        out.append(render.table(rows, ["分值 delta", "指标 indicator", "依据 event/kind", "日期 date",
                                       "条款 clause", "来源 source"]))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def as_json(ex: Explanation) -> str:
    return render.to_json(ex.document())


CSV_COLUMNS = ["unit", "policy", "track", "as_of", "known_at", "group", "indicator", "indicator_name",
               "delta", "event", "event_type", "kind", "date", "rule", "source", "corrections", "detail"]


def as_csv(ex: Explanation, by: str = "indicator") -> str:
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
                             ";".join(ln.get("corrections", [])), ln.get("detail") or ""]))
    return buffer.getvalue()


def as_markdown(ex: Explanation, by: str = "indicator") -> str:
    out = [f"# {md(ex.card.unit)} {md(ex.card.name)}", ""] + [f"- {md(h)}" for h in header_lines(ex)[1:]] + [""]
    notes = ex.indicator_notes()
    out += ["## 指标得分 Indicators", "", "| 指标 | 名称 | 得分 | 满分 | 计分方式 | 数据来源 |",
            "|---|---|---:|---:|---|---|"]
    for top in ex.card.indicators:
        for node in top.walk():
            method, data_source = notes.get(node.id, ("", ""))
            out.append(f"| {md(node.id)} | {md(node.name)} | {render.number_text(node.shown())} | "
                       f"{render.number_text(node.max)} | {md(method)} | {md(data_source)} |")
    out += ["", "## 扣分加分明细 Lines", ""]
    for key, lines in ex.groups(by):
        out += [f"### {md(key)}", "", "| 分值 | 依据 | 日期 | 条款 | 来源 |", "|---:|---|---|---|---|"]
        for ln in lines:
            out.append(f"| {_delta(ln['delta'])} | {md(_what(ln))} | {md(ln.get('date'))} | "
                       f"{md(ln.get('rule'))} | {md(ln.get('source'))} |")
        out.append("")
    return "\n".join(out)


def _h(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def as_html(ex: Explanation, by: str = "indicator") -> str:
    """A self-contained printable page: inline CSS, no scripts, no network."""
    c = ex.card
    notes = ex.indicator_notes()
    rows = []
    for top in c.indicators:
        for node in top.walk():
            depth = node.id.count(".")
            method, data_source = notes.get(node.id, ("", ""))
            rows.append(f'<tr class="d{min(depth, 3)}"><td>{_h(node.id)}</td><td>{_h(node.name)}</td>'
                        f'<td class="n">{_h(render.number_text(node.shown()))}</td>'
                        f'<td class="n">{_h(render.number_text(node.max))}</td>'
                        f'<td class="note">{_h(method)}</td><td class="note">{_h(data_source)}</td></tr>')
    groups = []
    for key, lines in ex.groups(by):
        items = "".join(
            f'<tr><td class="n">{_h(_delta(ln["delta"]))}</td><td>{_h(_what(ln))}</td>'
            f'<td>{_h(ln.get("date"))}</td><td class="rule">{_h(ln.get("rule"))}</td>'
            f'<td>{_h(ln.get("source"))}</td></tr>' for ln in lines)
        groups.append(f'<section class="group"><h3>{_h(key)}</h3><table class="lines">'
                      '<thead><tr><th>分值</th><th>依据 event</th><th>日期</th><th>条款 原文</th>'
                      f'<th>来源</th></tr></thead><tbody>{items}</tbody></table></section>')
    head = header_lines(ex)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{_h(c.unit)} {_h(c.name)} — {_h(ex.board.policy.ref)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 2em; color: #111; }}
h1 {{ font-size: 1.5em; margin-bottom: .2em; }}
table {{ border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; font-size: .9em; }}
th, td {{ border: 1px solid #999; padding: .25em .5em; vertical-align: top; }}
th {{ background: #eef; }}
td.n {{ text-align: right; white-space: nowrap; }}
td.rule {{ max-width: 36em; }}
td.note {{ max-width: 24em; font-size: .85em; color: #333; }}
tr.d0 td {{ font-weight: bold; }} tr.d2 td:first-child {{ padding-left: 1.5em; }}
.meta {{ color: #444; }} .total {{ font-size: 1.3em; font-weight: bold; }}
@media print {{ body {{ margin: 1cm; }} section.group {{ break-inside: avoid; }} }}
</style></head>
<body>
<h1 id="title">{_h(head[0])}</h1>
<p class="total" id="total" data-total="{_h(render.number_text(c.total))}">{_h(head[1])}</p>
<p class="meta" id="provenance">{_h(head[2])}</p>
<h2>指标得分 Indicators</h2>
<table id="indicators"><thead><tr><th>指标</th><th>名称</th><th>得分</th><th>满分</th><th>计分方式</th>
<th>数据来源</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>扣分加分明细 Explanation lines (by {by})</h2>
{''.join(groups)}
</body></html>
"""


def xlsx_sheets(ex: Explanation, by: str = "indicator") -> list[tuple[str, list[str], list[list[Any]]]]:
    names = ex.indicator_names()
    lines = [[group, ln.get("indicator") or "", names.get(ln.get("indicator") or "", ""), ln["delta"],
              ln.get("event") or "", ln.get("event_type") or "", ln.get("kind") or "", ln.get("date") or "",
              ln.get("rule") or "", ln.get("source") or ""]
             for group, group_lines in ex.groups(by) for ln in group_lines]
    notes = ex.indicator_notes()
    tree = [[node.id, node.name, node.shown(), node.max, *notes.get(node.id, ("", ""))]
            for top in ex.card.indicators for node in top.walk()]
    return [("明细 lines", ["分组 group", "指标 indicator", "指标名称", "分值 delta", "事件 event", "事件类型 type",
                           "种类 kind", "日期 date", "条款 clause", "来源 source"], lines),
            ("指标 indicators", ["指标 id", "名称 name", "得分 points", "满分 max", "计分方式 method",
                                  "数据来源 data source"], tree)]
