"""Bulletin renderers: terminal table, CSV, JSON and Excel (one sheet per table)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, BinaryIO

from . import text as render
from .formats import renders
from .safe import csv_row
from .xlsx import workbook_bytes, write_workbook

if TYPE_CHECKING:
    from ..projections.bulletin_tables import BulletinReport


def provenance(report: BulletinReport) -> str:
    _, digest = report.head
    from .scores import basis_text

    basis = basis_text(report.policy)
    return (f"policy {report.policy.ref} · period {report.period} · as of {report.as_of.isoformat()} · "
            f"known at revision {report.known_at} · chain hash {digest[:16]}" + (f" · {basis}" if basis else ""))


def _cell(value) -> str:
    return render.number_text(value) if value is not None else ""


@renders("bulletin", "table")
def as_table(report: BulletinReport) -> str:
    out = []
    for table in report.tables:
        out.append(f"{report.period} {table.title} ({table.track})")
        out.append(render.table([[_cell(v) for v in row] for row in table.rows], table.headers))
        out.extend(table.notes)
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
        writer.writerow(csv_row([f"{report.period} {table.title}", table.track, report.policy.ref]))
        writer.writerow(csv_row(table.headers))
        writer.writerows([csv_row(row) for row in table.rows])
    return buffer.getvalue()


@renders("bulletin", "json")
def as_json(report: BulletinReport) -> str:
    return render.to_json({"policy": report.policy.ref, "period": report.period, "as_of": report.as_of,
                           "known_at": report.known_at,
                           "head": {"revision": report.head[0], "hash": report.head[1]},
                           "tables": [{"track": t.track, "title": t.title, "kind": t.kind, "headers": t.headers,
                                       "rows": t.rows, "notes": t.notes} for t in report.tables]})


def _workbook(report: BulletinReport) -> tuple[list[tuple[str, list[str], list[list[Any]]]], list[str]]:
    sheets = [(f"{t.track} {report.period}", t.headers, t.rows) for t in report.tables]
    notes = [f"{report.period} {t.title}: {' '.join(t.notes)}" for t in report.tables] + [provenance(report)]
    return sheets, notes


def write_xlsx(report: BulletinReport, path: str | BinaryIO) -> None:
    write_workbook(path, *_workbook(report))


@renders("bulletin", "xlsx", binary=True)
def as_xlsx(report: BulletinReport) -> bytes:
    return workbook_bytes(*_workbook(report))
