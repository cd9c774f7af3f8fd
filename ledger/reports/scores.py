"""Score tables: `ledger score` as table, JSON, CSV and Excel. The table and the workbook show
a grade as 暂不评定 while it waits for pending indicators (with a note) and each veto's reason
in the 否决 column (``ledger.reports.verdicts``); JSON and CSV keep the cards' values."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, BinaryIO

from .. import i18n
from ..i18n import _
from . import text as render
from . import verdicts
from .document import summary_pairs
from .formats import renders
from .safe import csv_row
from .xlsx import Table, workbook_bytes, write_workbook

if TYPE_CHECKING:
    from ..policies.model import Policy
    from ..projections.scoreboard import Scoreboard, Series
    from ..projections.scoring import ScoreCard

FIXED = ["rank", "unit", "name"]
TAIL = ["total", "max", "grade", "vetoed", "downgraded"]
"""Column headers (message ids: one language on screen, ``--lang``)."""
SORTS = ("rank", "total")
XLSX_FIXED = ["排名 rank", "单位 unit", "名称 name"]
XLSX_TAIL = ["总分 total", "满分 max", "等级 grade", "否决 vetoed", "降档 downgraded"]
"""A workbook's headers stay the same whatever --lang (both languages, as people file them)."""


def provenance(board: Scoreboard) -> str:
    _rev, digest = board.head
    line = i18n.f("policy {ref} · as of {as_of} · known at revision {known_at} · chain hash {hash}",
                  ref=board.policy.ref, as_of=board.as_of.isoformat(), known_at=board.known_at, hash=digest[:16])
    basis = basis_text(board.policy)
    return f"{line} · {basis}" if basis else line


def basis_text(policy: Policy) -> str:
    """Which version was used and why (forced, in force at as-of, a what-if), for what a person
    reads; empty when the policy was not chosen by a command (JSON never carries it)."""
    basis = policy.basis
    if not basis:
        return ""
    if basis[0] == "forced":
        return i18n.f("version @{version} as asked", version=policy.version)
    if basis[0] == "in_force" and basis[2]:
        return i18n.f("version @{version}: in force at {day} (effective from {since})", version=policy.version,
                      day=basis[1], since=basis[2])
    if basis[0] == "in_force":
        return i18n.f("version @{version}: in force at {day} (no effective date: the latest)",
                      version=policy.version, day=basis[1])
    if basis[0] == "earliest":
        return i18n.f("version @{version}: none in force yet at {day}, the earliest", version=policy.version,
                      day=basis[1])
    return i18n.f("WHAT-IF: unpublished file {file}, not an official result", file=basis[1])


def ordered(cards: list[ScoreCard], sort: str = "rank", lowest: int | None = None) -> list[ScoreCard]:
    """Cards by rank (1 first) or by total (highest first); ``lowest``: only the N lowest totals."""
    if lowest is not None:
        keep = {id(c) for c in sorted(cards, key=lambda c: (c.total, c.unit))[:max(lowest, 0)]}
        cards = [c for c in cards if id(c) in keep]
    if sort == "total":
        return sorted(cards, key=lambda c: (-c.total, c.unit))
    return sorted(cards, key=lambda c: (c.rank or 10**9, c.unit))


def _short(name: str, width: int = 8) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _track_rows(board: Scoreboard, track_id: str, sort: str = "rank",
               lowest: int | None = None, workbook: bool = False) -> tuple[list[str], list[list[Any]]]:
    track = board.policy.track(track_id)
    tops = [(i.id, i.name) for i in track.indicators]
    fixed, tail = (XLSX_FIXED, XLSX_TAIL) if workbook else ([_(h) for h in FIXED], [_(h) for h in TAIL])
    headers = fixed + [f"{_short(name)} {iid}" for iid, name in tops] + tail
    rows = []
    yes = "是" if workbook else _("yes")
    hold = verdicts.hold(board, track_id)
    for card in ordered(board.cards.get(track_id, []), sort, lowest):
        points = {i.id: i.shown() for i in card.indicators}
        rows.append([card.rank, card.unit, card.name] + [points.get(iid) for iid, _n in tops] +
                    [card.total, card.max, verdicts.grade(card, hold), verdicts.veto(card),
                     yes if card.downgraded else ""])
    return headers, rows


def track_notes(board: Scoreboard, track_id: str) -> list[str]:
    """What a person reads under a track's table: why its grades are not given yet."""
    note = verdicts.hold_note(verdicts.hold(board, track_id))
    return [note] if note else []


def empty_reason(board: Scoreboard, track_id: str) -> str:
    """Why a track's table has no row."""
    group = board.policy.track(track_id).group
    return i18n.f("No unit is registered in this policy's group '{group}' (ledger units import): nothing to "
                  "score.", group=group)


def _fitted_table(cells: list[list[str]], headers: list[str], width: int | None) -> str:
    """The track's table; on a terminal too narrow for it, the totals, grades and vetoes come
    right after the unit (what a reader looks for first) and the indicators follow, in blocks
    that repeat the unit, and the veto reasons fold."""
    veto = len(headers) - 2
    if render.fits(cells, headers, width):
        return render.table(cells, headers)
    lead, tail = len(FIXED), len(TAIL)
    order = [*range(lead), *range(len(headers) - tail, len(headers)), *range(lead, len(headers) - tail)]
    return render.table([[row[i] for i in order] for row in cells], [headers[i] for i in order], width=width,
                        wrap=[order.index(veto)], keep=lead)


@renders("score", "table")
def as_table(board: Scoreboard, sort: str = "rank", lowest: int | None = None, width: int | None = None) -> str:
    out = []
    for track_id in board.cards:
        track = board.policy.track(track_id)
        headers, rows = _track_rows(board, track_id, sort, lowest)
        out.append(f"{board.policy.title} — {track.name} ({track_id})")
        if rows:
            cells = [[render.number_text(v) for v in row] for row in rows]
            out.append(_fitted_table(cells, headers, width))
            out.extend(track_notes(board, track_id))
        else:
            out.append(empty_reason(board, track_id))
        out.append("")
    if not board.cards:
        out += [_("No track of this policy scores the units asked for."), ""]
    out.append(provenance(board))
    return "\n".join(out)


@renders("score", "json")
def as_json(board: Scoreboard) -> str:
    doc = {"policy": board.policy.ref, "as_of": board.as_of.isoformat(), "known_at": board.known_at,
           "head": board.envelope()["head"], "rows": json_rows(board)}
    return render.to_json(doc)


@renders("score", "csv")
def as_csv(board: Scoreboard) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["policy", "as_of", "known_at", "track", "rank", "unit", "name", "total", "max", "grade",
                     "vetoed", "downgraded", "indicator", "indicator_name", "points"])
    for track_id, cards in board.cards.items():
        for card in sorted(cards, key=lambda c: (c.rank or 10**9, c.unit)):
            base = [board.policy.ref, board.as_of.isoformat(), board.known_at, track_id, card.rank, card.unit,
                    card.name, card.total, card.max, card.grade or "",
                    str(card.vetoed).lower(), str(card.downgraded).lower()]
            for top in card.indicators:
                for node in top.walk():
                    writer.writerow(csv_row(base + [node.id, node.name, node.value if node.reports else node.points]))
    return buffer.getvalue()


def _sheets(board: Scoreboard) -> list[Table]:
    """One sheet per track, named by the track in the chosen language (its name, or its id in English)."""
    sheets = []
    for track_id in board.cards:
        track = board.policy.track(track_id)
        headers, rows = _track_rows(board, track_id, workbook=True)
        sheets.append(Table(track.name if i18n.is_zh() else track_id, headers, rows,
                            title=f"{board.policy.title} — {track.name}", notes=track_notes(board, track_id)))
    return sheets


def _summary(board: Scoreboard) -> dict[str, Any]:
    return {"title": i18n.f("{policy}: scores", policy=board.policy.title),
            "summary": summary_pairs(board.policy, board.as_of, board.known_at, board.head),
            "notes": [provenance(board)]}


def write_xlsx(board: Scoreboard, path: str | BinaryIO) -> None:
    book = _summary(board)
    write_workbook(path, _sheets(board), book["notes"], summary=book["summary"], title=book["title"])


@renders("score", "xlsx", binary=True)
def as_xlsx(board: Scoreboard) -> bytes:
    book = _summary(board)
    return workbook_bytes(_sheets(board), book["notes"], summary=book["summary"], title=book["title"])


# --- a series of month-end results (`score --series monthly`) ------------------------------
SERIES_ROW = ("unit", "track", "total", "rank", "grade")
"""The keys of a series row (CLI.md): a score row without the indicators."""


def series_rows(board: Scoreboard) -> list[dict[str, Any]]:
    """The board's rows as `score --format json` orders them, with the series' keys only."""
    return [{key: row[key] for key in SERIES_ROW} for row in json_rows(board)]


def json_rows(board: Scoreboard) -> list[dict[str, Any]]:
    return [card.to_row() for cards in board.cards.values()
            for card in sorted(cards, key=lambda c: (c.rank or 10**9, c.unit))]


@renders("series", "json")
def series_json(series: Series) -> str:
    """``{"policy", "known_at", "series": [{"as_of", "rows"}]}``; a month scored under another
    version than the last month's names it (``"policy"`` in its entry)."""
    top = series.policy.ref
    entries = [{"as_of": board.as_of.isoformat(), **({"policy": board.policy.ref} if board.policy.ref != top else {}),
                "rows": series_rows(board)} for board in series.boards]
    return render.to_json({"policy": top, "known_at": series.known_at, "series": entries})


def series_provenance(series: Series) -> str:
    _rev, digest = series.head
    first, last = series.boards[0].as_of.isoformat(), series.boards[-1].as_of.isoformat()
    line = i18n.f("policy {ref} · month-ends {first} to {last} · known at revision {known_at} · chain hash {hash}",
                  ref=series.policy.ref, first=first, last=last, known_at=series.known_at, hash=digest[:16])
    other = [b for b in series.boards if b.policy.ref != series.policy.ref]
    if other:
        line += " · " + i18n.f("scored under {ref}: {months}", ref=other[0].policy.ref,
                               months=", ".join(b.as_of.isoformat() for b in other))
    return line


def _series_tracks(series: Series) -> list[str]:
    return list(dict.fromkeys(t for board in series.boards for t in board.cards))


def _series_table(series: Series, track_id: str, workbook: bool = False) -> tuple[list[str], list[list[Any]]]:
    """One row per unit: its total at each month-end, ordered by the last month's rank."""
    fixed = XLSX_FIXED if workbook else [_(h) for h in FIXED]
    headers = fixed + [board.as_of.strftime("%m-%d") for board in series.boards]
    totals: dict[str, dict[Any, Any]] = {}
    names: dict[str, str] = {}
    for board in series.boards:
        for card in board.cards.get(track_id, []):
            totals.setdefault(card.unit, {})[board.as_of] = card.total
            names[card.unit] = card.name
    last = {card.unit: card.rank for card in series.boards[-1].cards.get(track_id, [])}
    order = sorted(totals, key=lambda u: (last.get(u) or 10**9, u))
    rows = [[last.get(u), u, names[u]] + [totals[u].get(board.as_of) for board in series.boards] for u in order]
    return headers, rows


@renders("series", "table")
def series_table(series: Series, width: int | None = None) -> str:
    out = []
    for track_id in _series_tracks(series):
        track = series.policy.track(track_id)
        headers, rows = _series_table(series, track_id)
        out.append(f"{series.policy.title} — {track.name} ({track_id}) · {_('month-end totals')}")
        out.append(render.table([[render.number_text(v) for v in row] for row in rows], headers))
        out.append("")
    out.append(series_provenance(series))
    return "\n".join(out)


@renders("series", "csv")
def series_csv(series: Series) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["policy", "as_of", "known_at", "track", "rank", "unit", "name", "total", "grade"])
    for board in series.boards:
        for track_id, cards in board.cards.items():
            for card in sorted(cards, key=lambda c: (c.rank or 10**9, c.unit)):
                writer.writerow(csv_row([board.policy.ref, board.as_of.isoformat(), board.known_at, track_id,
                                         card.rank, card.unit, card.name, card.total, card.grade or ""]))
    return buffer.getvalue()


@renders("series", "xlsx", binary=True)
def series_xlsx(series: Series) -> bytes:
    sheets = []
    for track_id in _series_tracks(series):
        track = series.policy.track(track_id)
        headers, rows = _series_table(series, track_id, workbook=True)
        sheets.append(Table(track.name if i18n.is_zh() else track_id, headers, rows,
                            title=f"{series.policy.title} — {track.name}"))
    notes = [series_provenance(series)]
    summary = summary_pairs(series.policy, series.boards[-1].as_of, series.known_at, series.head)
    return workbook_bytes(sheets, notes, summary=summary, title=i18n.f("{policy}: month-end totals",
                                                                       policy=series.policy.title))
