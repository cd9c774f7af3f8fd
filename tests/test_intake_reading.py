"""The fast reading of spreadsheet rows (issue #15's speed goal): rows read in their words once
and validated once, .xlsx read by python-calamine in the producer process — with the same
events and the same errors as the careful path (validate as written, then in other words)
and as openpyxl."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from helpers import cli, setup_units

from ledger.app import Ledger
from ledger.intake import bounded, sources
from ledger.intake.words import Reading, canonical

UNITS = {"发改局": "jk-fgj", "jk-fgj": "jk-fgj", "财政局": "jk-czj", "jk-czj": "jk-czj"}


def test_reading_gives_the_canonical_row():
    reading = Reading(UNITS)
    row = {"type": "通报批评", "unit": "发改局", "date": "2021/6/3", "id": "c1", "issuer_level": "区级"}
    assert reading.convert(row) == {"type": "criticism", "unit": "jk-fgj", "date": "2021-06-03", "id": "c1",
                                    "issuer_level": "district"}
    finding = {"type": "检查发现", "unit": "jk-fgj", "date": "2021年6月7日", "id": "f1", "item": "消防",
               "result": "不合格", "count": "35.0"}
    assert reading.convert(finding) == {"type": "finding", "unit": "jk-fgj", "date": "2021-06-07", "id": "f1",
                                        "item": "消防", "result": "不合格", "count": "35"}
    replied = {"type": "工单答复", "unit": "财政局", "date": "2021-06-06", "ticket": "T1", "quality": "合格"}
    assert reading.convert(replied)["quality"] == "ok"
    canonical_row = {"type": "warning", "unit": "jk-fgj", "date": "2021-06-04", "issuer_level": "county"}
    assert reading.convert(canonical_row) == canonical_row
    for given in (row, finding, replied, canonical_row):  # what the careful path reads
        assert reading.convert(given) == canonical(given, UNITS)


def test_rows_the_fast_reading_cannot_be_sure_of():
    reading = Reading(UNITS, {"issuer_level": {"县里": "county"}, "item": {"消防检查": "fire"}})
    base = {"type": "warning", "unit": "jk-fgj", "date": "2021-06-04", "issuer_level": "county"}
    assert reading.convert({**base, "unit": " 发改局"}) is None  # as written it is a valid (unregistered) name
    assert reading.convert({**base, "issuer_level": "县里"}) is None  # a --mapping value word
    finding = {"type": "检查发现", "unit": "jk-fgj", "date": "2021-06-07", "item": "消防检查", "result": "x"}
    assert reading.convert(finding) is None  # in a text field too
    assert reading.convert({**base, "issuer_level": "市级"}) is None  # a relative level: refused, with choices
    unknown = {**base, "type": "警告函"}
    assert reading.convert(unknown) is unknown  # no type to read by: the validator names it


def test_a_unit_with_spaces_is_read_as_before(tmp_path):
    """As the careful path reads it: a row valid as written keeps its unit as written (a name
    with a space before it is no registered name); a row read in other words (its type in
    Chinese) has the unit's spaces trimmed first."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = tmp_path / "a.csv"
    path.write_text("类型,单位,日期,发文层级,编号\nwarning, 发改局,2021-03-01,county,w1\n"
                    "警示, 发改局,2021-03-01,县级,w2\n", encoding="utf-8")
    run = cli(url, "--lang", "en", "import", str(path))
    assert run.code == 2
    assert "a.csv:2: field 'unit'" in run.err and "did you mean 发改局 (jk-fgj)?" in run.err
    assert "a.csv:3" not in run.err


HEADER = ["类型", "单位", "日期", "编号", "发文层级", "件数", "事项", "结论"]


def ledger_book(path, rows=(), *, corner="A1"):
    """A clerk's workbook: a title row, a blank row, the header, rows; ``corner``: where the
    title row starts (a sheet may leave its first column empty)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    column = ord(corner[0]) - ord("A")
    for cells in [["2021年度扣分台账"], [], HEADER, *rows]:
        sheet.append([None] * column + list(cells))
    book.save(path)
    return str(path)


ROWS = [["警示", "发改局", dt.datetime(2021, 6, 3), "w1", "县级"],
        ["检查发现", "jk-fgj", dt.date(2021, 6, 7), "f1", None, 35.0, "消防", True]]


def calamine_grid(path):
    limits = bounded.SheetLimits()
    return bounded._calamine_grid(path, bounded.inspect(path, None, limits), limits)


@pytest.mark.parametrize("corner", ["A1", "C1"])
def test_calamine_reads_the_sheet_as_openpyxl_does(tmp_path, corner):
    path = ledger_book(tmp_path / "a.xlsx", ROWS, corner=corner)
    fast = list(calamine_grid(path))  # read by calamine, not the fallback (None)
    pad = [""] * (ord(corner[0]) - ord("A"))
    assert fast == [(1, pad + ["2021年度扣分台账"]), (3, pad + HEADER),
                    (4, pad + ["警示", "发改局", "2021-06-03", "w1", "县级"]),
                    (5, pad + ["检查发现", "jk-fgj", "2021-06-07", "f1", "", "35", "消防", "true"])]
    limits = bounded.SheetLimits()
    assert list(bounded._openpyxl_rows(path, bounded.inspect(path, None, limits), limits)) == fast
    assert list(sources.sheet_rows(path, None)) == fast  # the reading child's rows: the same


def test_error_cells_are_read_as_their_text(tmp_path):
    """calamine reads #N/A as a blank cell: such a workbook is read by openpyxl, so the
    error names the cell's value instead of a missing field."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = ledger_book(tmp_path / "a.xlsx", [["警示", "#N/A", "2021-06-03", "w1", "县级"]])
    assert calamine_grid(path) is None
    run = cli(url, "--lang", "en", "import", path)
    assert run.code == 2 and "a.xlsx:4: field 'unit'" in run.err and "'#N/A'" in run.err


def test_xlsx_through_the_producer_as_in_one_process(tmp_path):
    """The same workbook imported with the producer process and without: the same problems,
    word for word, then (fixed) the same events."""
    bad = [["警示", "发改局", f"2021-03-{day:02d}", f"w{day}", "县级" if day % 7 else "市级"] for day in range(1, 29)]
    bad.append(["工单答复", "财政局", "2021-03-06", "r1", None, None, None, None])  # no ticket
    path = ledger_book(tmp_path / "a.xlsx", bad)
    errors = []
    for parallel in (True, False):
        url = f"sqlite:///{tmp_path}/{parallel}.db"
        setup_units(url, tmp_path)
        with Ledger(url) as ledger, pytest.raises(Exception) as failed:
            ledger.import_file(path, parallel=parallel)
        errors.append(str(failed.value))
    assert errors[0] == errors[1]
    # 4 relative levels, and the reply's two: no ticket, no quality (every problem of a row, issue #26)
    assert "6 problems" in errors[0] and errors[0].count("(got '市级')") == 4
    assert [f"a.xlsx:{line}: field 'issuer_level'" in errors[0] for line in (10, 17, 24, 31)] == [True] * 4
    assert "a.xlsx:32: field 'ticket': expected a value (required field)" in errors[0]
    good = ledger_book(tmp_path / "b.xlsx", [row for row in bad[:-1] if row[4] != "市级"])
    heads = []
    for parallel in (True, False):
        with Ledger(f"sqlite:///{tmp_path}/{parallel}.db") as ledger:
            result = ledger.import_file(good, parallel=parallel)
            assert result.new == 24
            heads.append(sorted(ledger.store.lookup_ids([f"w{d}" for d in range(1, 29) if d % 7])))
    assert heads[0] == heads[1] and len(heads[0]) == 24


def test_the_writers_share_of_a_large_file_reports_as_the_producer_does(tmp_path, monkeypatch):
    """Past the first four batches (500 rows, then 5,000 each) the writer validates every fourth
    batch itself (rows 10,501–15,500 here): its problems, and "(follows from line N)" across the
    two processes, read as in one process."""
    header = "type,unit,date,id,issuer_level,ticket,due,quality,target,reason\n"
    rows = [f"warning,jk-fgj,2021-03-01,w{i},county,,,,," for i in range(1, 16_101)]
    rows[999] = "hotline_ticket,jk-czj,2021-03-05,t1,,T1,2021-03-01,,,"  # line 1001: due before it was received
    rows[1999] = "warning,jk-fgj,2021-02-30,dup,county,,,,,"  # line 2001: no such date
    rows[11_999] = "hotline_replied,jk-czj,2021-03-06,t1r,,T1,,ok,,"  # line 12001: follows from 1001
    rows[12_499] = "warning,jk-fgj,2021-02-31,dup,county,,,,,"  # line 12501: no such date, dup again
    rows[15_999] = "retraction,jk-fgj,2021-03-09,r1,,,,,dup,wrong"  # line 16001: follows from 2001
    path = tmp_path / "big.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    from ledger.intake import preparer

    shared = []  # the batches this process (the writer) validated: the producer's copy records its own

    def prepare_chunk(chunk, roster, problems):
        shared.append((chunk[0].line, chunk[-1].line))
        return real(chunk, roster, problems)

    real = preparer.prepare_chunk
    monkeypatch.setattr(preparer, "prepare_chunk", prepare_chunk)
    errors = []
    for parallel in (True, False):
        url = f"sqlite:///{tmp_path}/{parallel}.db"
        setup_units(url, tmp_path)
        with Ledger(url) as ledger, pytest.raises(Exception) as failed:
            ledger.import_file(str(path), parallel=parallel)
        errors.append(str(failed.value))
    assert shared == [(10_502, 15_501)]
    assert errors[0] == errors[1]
    assert "5 problems" in errors[0]
    lines = [line.strip() for line in errors[0].splitlines()[1:]]
    assert [line.split(":")[1] for line in lines] == ["1001", "2001", "12001", "12501", "16001"]
    assert "(follows from line 1001)" in lines[2] and "(follows from line 2001)" in lines[4]


WORDS = ["warning", "警示", "通报批评", "criticism", "hotline_ticket", "12345工单受理", "工单答复", "工单回访",
         "检查发现", "finding", " warning", "warnung", "", " ", "2021-06-03", "2021/6/3", "2021年6月3日",
         "20210603",
         "2021-02-30", " 2021-06-03", "2021-06-03 00:00", "２０２１-06-03", "2021-7", "2021年7月", "2021年第三季度",
         "2021-Q3", "2021-01/2021-04", "35", "35.0", " 35 ", "3.5", "-1", "１２", "TRUE", "true", "1", "yes",
         "是", "否",
         "满意", "不满意", "N", "区级", "县级", "市级", "本级", "district", "County", "合格", "ok", "poor", "发改局",
         " 发改局", "财政局", "jk-fgj", "jk-czj", "nobody", "T1", "t1", "消防", "'=x", "'"]
FIELDS = ["type", "unit", "date", "id", "issuer_level", "ticket", "due", "quality", "satisfied", "count", "item",
          "result", "period", "metric", "value", "recorded_at"]


@pytest.mark.parametrize("values", [None, {"issuer_level": {"县里": "county", "district": "city"},
                                           "item": {"消防": "fire"}, "quality": {"ok": "poor"}}])
def test_the_fast_reading_decides_as_the_careful_path(monkeypatch, values):
    """Rows drawn from the words the reading handles (and ones it must not): each prepared with
    the fast reading and again with the careful path alone gives the same event or the same error."""
    import random

    from ledger.errors import InputError
    from ledger.intake import batches
    from ledger.intake.sources import SourceLine

    units = {"jk-fgj": type("U", (), {"name": "发改局"})(), "jk-czj": type("U", (), {"name": "财政局"})()}
    roster = batches.Roster.of(units, values)
    draw = random.Random(15)
    templates = [{"type": "warning", "unit": "jk-fgj", "date": "2021-06-03", "issuer_level": "county"},
                 {"type": "通报批评", "unit": "发改局", "date": "2021/6/3", "issuer_level": "区级"},
                 {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-06-03", "ticket": "T1",
                  "due": "2021-06-09"},
                 {"type": "工单答复", "unit": "财政局", "date": "2021-06-04", "ticket": "T1", "quality": "合格"},
                 {"type": "检查发现", "unit": "jk-fgj", "date": "2021年6月5日", "item": "消防", "result": "不合格",
                  "count": "35.0"}]
    rows = []
    for n in range(3000):
        row = {**draw.choice(templates), "id": f"x{n}"}
        for field in draw.sample(FIELDS, draw.randint(0, 2)):
            row[field] = draw.choice(WORDS)
        rows.append(row)

    def outcome(row):
        try:
            return batches.prepare(SourceLine("f.csv", 2, row), roster)
        except InputError as exc:
            return str(exc)

    fast = [outcome(row) for row in rows]
    monkeypatch.setattr(batches, "_read_row", lambda data, roster: None)
    careful = [outcome(row) for row in rows]
    assert fast == careful
    assert 300 < sum(not isinstance(o, str) for o in fast) < 2700  # both kinds are drawn
