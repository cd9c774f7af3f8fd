"""Nothing ever twice (issue #26), as a property: whatever rows a file holds — with and without
ids, identical rows, rows like each other, tickets and their replies, in the catalogue's words or
a clerk's — once it is imported (``--skip-bad``: what can go in goes in), importing it again adds
nothing, and neither does importing the same rows as CSV, xlsx or JSON Lines."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from decimal import Decimal

import openpyxl
import pytest
from helpers import cli, setup_units
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.app import Ledger

UNITS = st.sampled_from([("jk-fgj", "发改局"), ("jk-czj", "财政局")])
DAYS = st.sampled_from([dt.date(2021, 6, 3), dt.date(2021, 6, 4)])
IDS = st.one_of(st.none(), st.none(), st.sampled_from(["a-1", "b-2", "c-3"]))
NOTES = st.sampled_from([None, "迟到", "早退", "Cafe\u0301", "Caf\u00e9", "=1+1"])
LEVEL = st.sampled_from([("district", "区级"), ("county", "县级")])
QUALITY = st.sampled_from([("ok", "合格"), ("perfunctory", "答复言之无物")])

WARNING = st.fixed_dictionaries({"type": st.just(("warning", "警示")), "unit": UNITS, "date": DAYS,
                                 "issuer_level": LEVEL, "source": st.sampled_from([None, "文1号", "文2号"]),
                                 "note": NOTES, "id": IDS})
METRIC = st.fixed_dictionaries({"type": st.just(("metric", "指标数据")), "unit": UNITS, "date": DAYS,
                                "name": st.just("网办率"),
                                "value": st.sampled_from([96, Decimal("96.5"), Decimal("0.5")]), "id": IDS})
TICKET = st.fixed_dictionaries({"type": st.just(("hotline_ticket", "12345工单受理")), "unit": UNITS, "date": DAYS,
                                "ticket": st.sampled_from(["T1", "T2"]),
                                "due": st.sampled_from([dt.date(2021, 6, 10), dt.date(2021, 6, 11)]), "id": IDS})
REPLY = st.fixed_dictionaries({"type": st.just(("hotline_replied", "工单答复")), "unit": UNITS, "date": DAYS,
                               "ticket": st.sampled_from(["T1", "T2"]), "quality": QUALITY, "id": IDS})
REPORT = st.fixed_dictionaries({"type": st.just(("report_submitted", "报送")), "unit": UNITS, "date": DAYS,
                                "report": st.just("monthly_dynamics"),
                                "period": st.sampled_from(["2021-05", "2021-06"]), "id": IDS})
ROWS = st.lists(st.one_of(WARNING, METRIC, TICKET, REPLY, REPORT), min_size=1, max_size=8)
FORMATS = st.permutations(["jsonl", "csv", "xlsx"])
CLERK_WORDS = st.booleans()


def _ordered(rows: list[dict]) -> list[dict]:
    """Tickets before replies: a reply above its ticket would be refused once and accepted the
    next time (its ticket stored by then) — a file that refers forward, not a re-import."""
    return sorted(rows, key=lambda r: r["type"][0] != "hotline_ticket")


def _cell(key: str, value: object, words: bool) -> object:
    if isinstance(value, tuple):  # (code, clerk's word)
        return value[1] if words else value[0]
    if key == "unit":
        return value[1] if words else value[0]
    return value


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def write(path, rows: list[dict], kind: str, words: bool) -> str:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if kind == "jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for r in rows:
                line = {k: _json_value(_cell(k, v, False)) for k, v in r.items() if v is not None}
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return str(path)
    table = [columns] + [[_cell(k, r.get(k), words) for k in columns] for r in rows]
    if kind == "csv":
        def text(v: object) -> str:
            if v is None:
                return ""
            v = v.strftime("%Y/%-m/%-d") if isinstance(v, dt.date) and words else str(v)
            return "'" + v if v.startswith(("=", "+", "-", "@", "'")) else v  # as spreadsheet-safe exports write it
        with open(path, "w", encoding="gb18030" if words else "utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([[text(v) for v in row] for row in table])
        return str(path)
    book = openpyxl.Workbook()
    for row in table:
        book.active.append([str(v) if isinstance(v, Decimal) else v for v in row])
    for cells in book.active.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even "=1+1"
    book.save(path)
    return str(path)


_runs = itertools.count()


@pytest.mark.slow
@settings(max_examples=20, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ROWS, formats=FORMATS, words=CLERK_WORDS)
def test_an_imported_file_imported_again_in_any_format_adds_nothing(db_url, tmp_path, rows, formats, words):
    url = db_url
    if db_url.startswith("sqlite"):  # a store per example; PostgreSQL keeps one (its rows only make it harder)
        url = f"sqlite:///{tmp_path}/l{next(_runs)}.db"
    if url != db_url or not (tmp_path / "units.csv").exists():
        setup_units(url, tmp_path)
    rows = _ordered(rows)
    number = next(_runs)
    first, *others = [write(tmp_path / f"f{number}.{kind}", rows, kind, words and kind != "jsonl")
                      for kind in formats]
    run = cli(url, "import", first, "--skip-bad", "--errors", str(tmp_path / "e.csv"))
    assert run.code in (0, 1), run.err
    with Ledger(url) as ledger:
        imported = ledger.head()
    for again in (first, *others):
        run = cli(url, "import", again, "--skip-bad", "--errors", str(tmp_path / "e.csv"))
        assert run.code in (0, 1), run.err
        assert " 0 new," in run.out, (again, run.out, run.err)
    with Ledger(url) as ledger:
        assert ledger.head() == imported
        assert ledger.verify().ok
