"""What the documents an office sends out share (the explanation page, the 通报 as HTML and
PDF): Chinese dates and periods ("2021年6月份"), the issuing office, the A4 print style with
page numbers, and tables that fit the page. See docs/documents.md."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _

if TYPE_CHECKING:
    from ..policies.model import Policy

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def h(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def date_text(day: dt.date) -> str:
    """2021年6月30日 (en: 30 June 2021)."""
    if i18n.is_zh():
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


_NUMERALS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1–31 as official documents write a month or a day: 五, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _NUMERALS[tens] + "十"
    return head + (_NUMERALS[ones] if ones or not head else "")


def chinese_date(day: dt.date) -> str:
    """The date as a 通报's sign-off writes it: 二〇二一年七月五日 (en: 5 July 2021)."""
    if not i18n.is_zh():
        return date_text(day)
    year = "".join(_NUMERALS[int(d)] for d in str(day.year))
    return f"{year}年{_chinese_number(day.month)}月{_chinese_number(day.day)}日"


def _months(period: str) -> tuple[int, int, int] | None:
    parts = [_MONTH.match(p) for p in (period or "").split("/")]
    if not parts or len(parts) > 2 or not all(parts):
        return None
    first, last = parts[0], parts[-1]
    assert first is not None and last is not None
    return int(first[1]), int(first[2]), int(last[2])


def period_text(period: str) -> str:
    """2021-06 → 2021年6月份; 2021-01/2021-04 → 2021年1-4月份 (en: June 2021, January–April 2021)."""
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
    """A bulletin table's title with its period, as a 通报 writes it: the policy's title
    "月份优化营商环境工作推进情况" or the ledger's "6月份…得分排名" → "2021年6月份…" (never
    "2021-06 月份…"). Chinese in every language: the title is the policy's own words."""
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


FONTS = ('"Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Source Han Sans SC", '
         '"WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "SimSun", "Microsoft YaHei", '
         '"PingFang SC", serif')
"""CJK fonts first (whichever the machine has), so Chinese is never drawn as boxes."""


def page_css() -> str:
    """A4 pages with a page number at the foot (第 N 页 共 M 页) and 15–20 mm margins; wide
    tables (``.wide``) on landscape pages; table headers repeated on every page."""
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
    """Smaller type for tables with more columns, so they fit the page's width."""
    return "cols-s" if columns <= 8 else "cols-m" if columns <= 11 else "cols-l"


def masthead(policy: Policy) -> str:
    name = issuer(policy)
    return f'<p class="masthead" id="issuer">{h(name)}</p><hr class="red">' if name else ""


def signature(policy: Policy, day: dt.date) -> str:
    """落款: the issuing office and the date, at the end, right-aligned."""
    name = issuer(policy)
    office = f"<p>{h(name)}</p>" if name else ""
    return f'<div class="signature" id="signature">{office}<p id="date">{h(date_text(day))}</p></div>'


def summary_pairs(policy: Policy, as_of: dt.date, known_at: int, head: tuple[int, str],
                  period: str | None = None) -> list[tuple[str, Any]]:
    """What a workbook's summary sheet says of any result: the policy, the issuing office,
    the period, as of, known at and the chain hash (label, value)."""
    pairs: list[tuple[str, Any]] = [(_("Policy"), f"{policy.title}（{policy.ref}）" if i18n.is_zh()
                                     else f"{policy.title} ({policy.ref})")]
    office = issuer(policy)
    if office:
        pairs.append((_("Issued by"), office))
    if period:
        pairs.append((_("Period"), period_text(period)))
    pairs += [(_("As of"), as_of), (_("Known at revision"), known_at), (_("Chain hash"), head[1])]
    return pairs
