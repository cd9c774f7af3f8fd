"""The unit's monthly trend as a server-side SVG (pygal, installed with the package: no script,
no CDN — the chart is an <img>, drawn by the browser from the SVG alone)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal


def trend_svg(unit: str, policy: str, points: list[tuple[dt.date, Decimal]], lang: str = "zh") -> bytes:
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", foreground="#222", foreground_strong="#111",
                  foreground_subtle="#666", colors=("#1f5fa8",), font_family="sans-serif")
    title = f"{unit} — {policy}: " + ("总分月度走势" if lang == "zh" else "total at each month-end")
    chart = pygal.Line(style=style, width=720, height=300, show_legend=False, js=[], title=title,
                       disable_xml_declaration=False, x_label_rotation=0, dots_size=3,
                       print_values=False, explicit_size=True)
    chart.x_labels = [f"{d.month}月" if lang == "zh" else d.strftime("%b") for d, _ in points]
    chart.add(unit, [float(v) for _, v in points])
    data = chart.render()
    svg = data if isinstance(data, bytes) else str(data).encode("utf-8")
    # pygal inlines its tooltip configuration as a <script> even with js=[]: the chart is static,
    # so it goes (text from the ledger is escaped by pygal's XML writer and cannot match this).
    svg = re.sub(rb"<script\b.*?</script>", b"", svg, flags=re.S)
    # and the empty tooltip's inline style (the page's CSP allows the chart's <style> by its hash, no
    # style attribute): without script there is no tooltip to hide.
    return svg.replace(b' style="opacity: 0" class="tooltip"', b' class="tooltip"')
