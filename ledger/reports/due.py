"""The due list (`ledger due`): lights per unit and the items with the points each puts at risk,
as a text table, JSON (CLI.md's shape), CSV and Excel; and the group-robot message of
`ledger notify` (Markdown within the robot's size limit)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..i18n import _
from . import text as render
from . import words
from .document import summary_pairs
from .formats import renders
from .safe import csv_row, md
from .xlsx import Table, workbook_bytes

if TYPE_CHECKING:
    from ..projections.due import DueItem, DueList

LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}
STATUS_WORDS = {"overdue": "overdue", "due_soon": "due soon", "upcoming": "upcoming"}
LIGHT_WORDS = {"red": "red", "yellow": "yellow", "green": "green"}
KIND_WORDS = {"report": "report", "supervised_item": "supervised item", "quota": "quota",
              "hotline": "12345 tickets"}
"""Message ids of the words a person reads for the JSON codes (``ledger.locale``)."""


def word(table: dict[str, str], code: str) -> str:
    return _(table[code]) if code in table else code


def risk_text(points: Decimal | None) -> str:
    """Points at risk as a person reads them: −1, 0, or '-' when the policy does not price it."""
    if points is None:
        return "-"
    return render.number_text(points)


def header(due: DueList) -> str:
    return i18n.f("{title} ({ref}): as of {as_of}, due within {n} working days (until {until})",
                  title=due.policy.title, ref=due.policy.ref, as_of=due.as_of.isoformat(), n=due.within,
                  until=due.soon_until.isoformat())


def provenance(due: DueList) -> str:
    return i18n.f("policy {ref} · as of {as_of} · known at revision {known_at} · chain hash {hash}",
                  ref=due.policy.ref, as_of=due.as_of.isoformat(), known_at=due.known_at, hash=due.head[1][:16])


def names_of(due: DueList) -> dict[str, str]:
    return {u.unit: u.name for u in due.units}


def ordered_units(due: DueList) -> list[Any]:
    """Red first, then yellow, then green; by unit id within a light."""
    return sorted(due.units, key=lambda u: (LIGHT_ORDER[u.light], u.unit))


def item_rows(due: DueList) -> list[list[Any]]:
    names = names_of(due)
    return [[word(STATUS_WORDS, i.status), i.due.isoformat(), i.unit, names.get(i.unit, ""),
             words.track(due.policy, i.track), i.indicator, word(KIND_WORDS, i.kind), i.what,
             risk_text(i.points_at_risk)] for i in due.items]


ITEM_HEADERS = ["status", "due", "unit", "name", "track", "indicator", "kind", "what", "points at risk"]
UNIT_HEADERS = ["light", "unit", "name", "overdue", "due soon"]


@renders("due", "table")
def as_table(due: DueList, width: int | None = None) -> str:
    out = [header(due), ""]
    units = [[word(LIGHT_WORDS, u.light), u.unit, u.name, u.overdue, u.due_soon] for u in ordered_units(due)]
    if units:
        out.append(render.table(units, [_(h) for h in UNIT_HEADERS], width=width, keep=2))
    else:
        out.append(_("No unit is scored by this policy."))
    out.append("")
    if due.items:
        out.append(render.table(item_rows(due), [_(h) for h in ITEM_HEADERS], width=width, wrap=[7], keep=3))
    else:
        out.append(_("Nothing falls due."))
    out += ["", provenance(due)]
    return "\n".join(out)


@renders("due", "json")
def as_json(due: DueList) -> str:
    return render.to_json(due.to_dict())


@renders("due", "csv")
def as_csv(due: DueList) -> str:
    """One row per item; a unit with nothing due has one row with its light and empty item cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["policy", "as_of", "known_at", "within_workdays", "unit", "name", "light", "track", "indicator",
                     "kind", "what", "due", "status", "points_at_risk"])
    head = [due.policy.ref, due.as_of.isoformat(), due.known_at, due.within]
    by_unit: dict[str, list[DueItem]] = {}
    for item in due.items:
        by_unit.setdefault(item.unit, []).append(item)
    for u in due.units:
        items = by_unit.get(u.unit)
        if not items:
            writer.writerow(csv_row(head + [u.unit, u.name, u.light] + [""] * 7))
        for i in items or ():
            writer.writerow(csv_row(head + [u.unit, u.name, u.light, i.track, i.indicator, i.kind, i.what,
                                            i.due.isoformat(), i.status, i.points_at_risk]))
    return buffer.getvalue()


XLSX_UNITS = ["灯 light", "单位 unit", "名称 name", "逾期 overdue", "临期 due soon"]
XLSX_ITEMS = ["状态 status", "到期日 due", "单位 unit", "名称 name", "轨道 track", "指标 indicator", "类别 kind",
              "事项 what", "风险分值 points at risk"]


@renders("due", "xlsx", binary=True)
def as_xlsx(due: DueList) -> bytes:
    names = names_of(due)
    units = Table(_("Lights") if i18n.is_zh() else "lights", XLSX_UNITS,
                  [[word(LIGHT_WORDS, u.light), u.unit, u.name, u.overdue, u.due_soon] for u in ordered_units(due)],
                  title=header(due))
    items = Table(_("Items") if i18n.is_zh() else "items", XLSX_ITEMS,
                  [[word(STATUS_WORDS, i.status), i.due, i.unit, names.get(i.unit, ""), i.track, i.indicator,
                    word(KIND_WORDS, i.kind), i.what, i.points_at_risk] for i in due.items],
                  title=header(due))
    return workbook_bytes([units, items], [provenance(due)],
                          summary=summary_pairs(due.policy, due.as_of, due.known_at, due.head),
                          title=i18n.f("{policy}: what falls due", policy=due.policy.title))


# --- the group-robot message ------------------------------------------------------------------
def board_link(due: DueList, board_url: str | None) -> str | None:
    """The workbench's ``/due`` page at this policy and as-of (None without its address)."""
    if not board_url:
        return None
    from urllib.parse import urlencode

    return f"{board_url.rstrip('/')}/due?{urlencode({'policy': due.policy.ref, 'as_of': due.as_of.isoformat()})}"


def _unit_block(due: DueList, u: Any, items: list[DueItem]) -> list[str]:
    sep = "：" if i18n.is_zh() else ": "
    name = u.name
    lines = ["", f"**{md(word(LIGHT_WORDS, u.light))} {md(name)}** ({md(u.unit)})"]
    for i in items:
        risk = i18n.f(", {points} points at risk", points=risk_text(i.points_at_risk)) \
            if i.points_at_risk is not None and i.points_at_risk != 0 else ""
        lines.append(f"- {md(word(STATUS_WORDS, i.status))} {md(i.due.isoformat())}{sep}{md(i.what)}{md(risk)}")
    return lines


def message_parts(due: DueList, board_url: str | None) -> tuple[list[str], list[list[str]], list[str]]:
    """(head, one block per red or yellow unit with its overdue and due-soon items, tail) of the
    robot's Markdown; every text from the ledger is escaped (``safe.md``)."""
    counts = {light: sum(1 for u in due.units if u.light == light) for light in LIGHT_ORDER}
    head = [f"### {md(i18n.f('Early warning: {title}', title=due.policy.title))}",
            md(i18n.f("As of {as_of}; due soon: within {n} working days (until {until}).",
                      as_of=due.as_of.isoformat(), n=due.within, until=due.soon_until.isoformat())),
            "",
            md(i18n.f("Red {red} · yellow {yellow} · green {green} units", **counts))]
    by_unit: dict[str, list[DueItem]] = {}
    for item in due.items:
        if item.status != "upcoming":
            by_unit.setdefault(item.unit, []).append(item)
    blocks = [_unit_block(due, u, by_unit.get(u.unit, [])) for u in ordered_units(due) if u.light != "green"]
    tail = [""]
    link = board_link(due, board_url)
    if link:
        tail.append(f"[{md(_('Open the early-warning board'))}]({link})")
    tail.append(md(provenance(due)))
    return head, blocks, tail


def message_text(due: DueList, board_url: str | None, limit: int) -> str:
    """The Markdown in at most ``limit`` UTF-8 bytes: every red and yellow unit with its items;
    when that is longer, the counts, as many whole units as fit and how many more, and the
    link to the board."""
    head, blocks, tail = message_parts(due, board_url)

    def text(k: int) -> str:
        more = [] if k == len(blocks) else ["", md(i18n.f("… and {n} more units: see the board", n=len(blocks) - k))]
        return "\n".join(head + [line for block in blocks[:k] for line in block] + more + tail)

    low, high = 0, len(blocks)  # the most whole units that fit (the length grows with k)
    while low < high:
        mid = (low + high + 1) // 2
        if len(text(mid).encode()) <= limit:
            low = mid
        else:
            high = mid - 1
    found = text(low)
    return found if len(found.encode()) <= limit else found.encode()[:limit].decode(errors="ignore")
