"""Score tables: `ledger score` as table, JSON, CSV and Excel."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, BinaryIO

from . import text as render
from .safe import csv_row
from .xlsx import write_workbook

if TYPE_CHECKING:
    from ..projections.scoreboard import Scoreboard

FIXED = ["排名 rank", "单位 unit", "名称 name"]
TAIL = ["总分 total", "满分 max", "等级 grade", "否决 vetoed", "降档 downgraded"]


def provenance(board: Scoreboard) -> str:
    _, digest = board.head
    return (f"policy {board.policy.ref} · as of {board.as_of.isoformat()} · known at revision "
            f"{board.known_at} · chain hash {digest[:16]}")


def _short(name: str, width: int = 8) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _track_rows(board: Scoreboard, track_id: str) -> tuple[list[str], list[list[Any]]]:
    track = board.policy.track(track_id)
    tops = [(i.id, i.name) for i in track.indicators]
    headers = FIXED + [f"{_short(name)} {iid}" for iid, name in tops] + TAIL
    rows = []
    for card in sorted(board.cards.get(track_id, []), key=lambda c: (c.rank or 10**9, c.unit)):
        points = {i.id: i.shown() for i in card.indicators}
        rows.append([card.rank, card.unit, card.name] + [points.get(iid) for iid, _ in tops] +
                    [card.total, card.max, card.grade or "", "是" if card.vetoed else "",
                     "是" if card.downgraded else ""])
    return headers, rows


def as_table(board: Scoreboard) -> str:
    out = []
    for track_id in board.cards:
        track = board.policy.track(track_id)
        headers, rows = _track_rows(board, track_id)
        out.append(f"{board.policy.title} — {track.name} ({track_id})")
        out.append(render.table([[render.number_text(v) for v in row] for row in rows], headers))
        out.append("")
    out.append(provenance(board))
    return "\n".join(out)


def as_json(board: Scoreboard) -> str:
    doc = {"policy": board.policy.ref, "as_of": board.as_of.isoformat(), "known_at": board.known_at,
           "head": board.envelope()["head"],
           "rows": [card.to_row() for cards in board.cards.values()
                    for card in sorted(cards, key=lambda c: (c.rank or 10**9, c.unit))]}
    return render.to_json(doc)


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


def write_xlsx(board: Scoreboard, path: str | BinaryIO) -> None:
    sheets = []
    for track_id in board.cards:
        headers, rows = _track_rows(board, track_id)
        sheets.append((f"{track_id} {board.policy.track(track_id).name}"[:31], headers, rows))
    write_workbook(path, sheets, notes=[board.policy.title, provenance(board)])
