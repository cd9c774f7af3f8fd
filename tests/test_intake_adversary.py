"""An adversary's files for the spreadsheet intake (issue #15 review): hostile cells, Excel's
oddities, the same facts in every format, and ``--errors`` files that must stay inert."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from helpers import cli, setup_units

from ledger.app import Ledger

HOSTILE = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", "<script>alert(1)</script>"]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def events(url):
    """Every stored event, by id."""
    with Ledger(url) as ledger:
        return {e["id"]: e for e in (json.loads(bytes(r.state)) for r in ledger.store.scan())}


def head(url):
    with Ledger(url) as ledger:
        return ledger.head()[0]


@pytest.mark.parametrize("out", ["errors.xlsx", "errors.csv"])
def test_the_errors_file_never_turns_hostile_text_into_formulas(db_url, tmp_path, out):
    """Each failing row's cells (item and result hold formula-looking text) are written as text:
    xlsx string cells (openpyxl would make ``=…`` a formula cell), CSV cells marked with one
    ``'`` (which import drops): importing the errors file reads the same cells as the source."""
    setup_units(db_url, tmp_path)
    rows = [["类型", "单位", "日期", "编号", "事项", "结论"]]
    rows += [["检查发现", "发改局", "2021-13-07", f"h{i}", text, "'abc"] for i, text in enumerate(HOSTILE)]
    source = write_csv(tmp_path / "h.csv", rows)
    target = tmp_path / out
    run = cli(db_url, "--lang", "en", "import", source, "--errors", str(target))
    assert run.code == 2 and "5 problems" in run.err
    if out.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(target).active
        cells = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
        assert [row[4] for row in cells] == [(text, "s") for text in HOSTILE]
        assert all(t == "s" for row in cells for _, t in row)
    else:
        with open(target, encoding="utf-8-sig", newline="") as handle:
            written = list(csv.reader(handle))
        # a spreadsheet runs a cell starting = + - @; each gets one ' (the source's own ' is kept as it was)
        assert [row[4] for row in written[1:]] == ["'" + text for text in HOSTILE[:4]] + [HOSTILE[4]]
        assert [row[5] for row in written[1:]] == ["'abc"] * 5
    # the clerk fixes the date column of the errors sheet and imports it: the cells as in the source
    fixed = tmp_path / ("fixed" + target.suffix)
    if out.endswith(".xlsx"):
        book = openpyxl.load_workbook(target)
        for row in book.active.iter_rows(min_row=2):
            row[2].value = "2021-06-07"
        book.save(fixed)
    else:
        write_csv(fixed, [written[0]] + [[*r[:2], "2021-06-07", *r[3:]] for r in written[1:]])
    assert cli(db_url, "--lang", "en", "import", str(fixed)).code == 0
    stored = events(db_url)
    assert [stored[f"h{i}"]["item"] for i in range(5)] == HOSTILE
    assert [stored[f"h{i}"]["result"] for i in range(5)] == ["abc"] * 5


def test_the_errors_workbook_takes_control_characters(tmp_path):
    """A failing row with a control character (which an xlsx cannot hold): the errors workbook
    is written (the character as its escape, visible) instead of a traceback."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    source = write_csv(tmp_path / "c.csv", [["类型", "单位", "日期", "编号", "事项", "结论"],
                                            ["检查发现", "发改局", "2021-13-07", "c1", "a\x01b", "x\x1fy"]])
    target = tmp_path / "e.xlsx"
    run = cli(url, "--lang", "en", "import", source, "--errors", str(target))
    assert run.code == 2 and "c.csv:2: field 'date'" in run.err
    row = [c.value for c in next(openpyxl.load_workbook(target).active.iter_rows(min_row=2))]
    assert row[4:6] == ["a\\x01b", "x\\x1fy"]


def test_a_very_long_value_is_shortened_in_the_vocabulary_warning(tmp_path):
    """An item no policy names is a warning quoting the value: a 100,000-character cell is
    quoted in 80 characters (as every other message quotes a value), not twice in full."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    source = write_csv(tmp_path / "l.csv", [["类型", "单位", "日期", "编号", "事项", "结论"],
                                            ["检查发现", "发改局", "2021-06-07", "l1", "x" * 100_000, "不合格"]])
    run = cli(url, "--lang", "en", "import", source)
    assert run.code == 0 and "l.csv:2: field 'item'" in run.err
    assert "x" * 77 + "..." in run.err and "x" * 78 not in run.err
    assert len(run.err) < 2000


def test_full_width_digits_in_a_period_are_stored_canonically(db_url, tmp_path):
    """A clerk's IME writes full-width digits: ２０２１年７月 is read as 2021-07 (as ２０２１年６月３日 is read as
    2021-06-03), never stored as '２０２１-07'; the same facts with ASCII digits are then already present."""
    setup_units(db_url, tmp_path)
    header = ["类型", "单位", "日期", "编号", "名称", "数值", "期间"]
    wide = write_csv(tmp_path / "w.csv", [header,
                                          ["metric", "发改局", "２０２１年６月３日", "m1", "x", "35", "２０２１年７月"],
                                          ["metric", "发改局", "2021-06-03", "m2", "x", "35", "２０２１年第３季度"]])
    assert cli(db_url, "--lang", "en", "import", wide).code == 0
    stored = [events(db_url)[i] for i in ("m1", "m2")]
    assert [(s["date"], s["period"]) for s in stored] == [("2021-06-03", "2021-07"), ("2021-06-03", "2021-Q3")]
    plain = write_csv(tmp_path / "p.csv", [header, ["metric", "jk-fgj", "2021-06-03", "m1", "x", "35", "2021-07"],
                                           ["metric", "jk-fgj", "2021-06-03", "m2", "x", "35", "2021-Q3"]])
    before = head(db_url)
    run = cli(db_url, "--lang", "en", "import", plain)
    assert run.code == 0 and "0 new, 2 already present" in run.out and head(db_url) == before


def test_a_json_line_with_a_full_width_period_is_refused(db_url, tmp_path):
    """JSON Lines are the canonical form: `２０２１-07` there is not a period (Python's \\d would
    have taken it and stored it as written, a second spelling of 2021-07); nothing is written."""
    setup_units(db_url, tmp_path)
    line = {"type": "metric", "unit": "jk-fgj", "date": "2021-06-03", "id": "m9", "name": "x", "value": 35,
            "period": "２０２１-07"}
    path = tmp_path / "wide.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    before = head(db_url)
    run = cli(db_url, "--lang", "en", "import", str(path))
    assert run.code == 2 and "period" in run.err and "2021-06" in run.err and head(db_url) == before


def test_a_bad_row_in_each_process_share_fails_the_whole_import(db_url, tmp_path, monkeypatch):
    """Batches of 5 rows: the producer validates rows 2–16, the writer rows 17–21 (every 4th
    batch). One bad row in each share: both reported, exit 2, nothing written."""
    from ledger.intake import batches, preparer
    from ledger.intake.problems import ManyProblems

    monkeypatch.setattr(preparer, "FIRST_BATCH", 5)
    monkeypatch.setattr(batches, "BATCH", 5)
    shared = []

    def prepare_chunk(chunk, roster, problems):
        shared.append((chunk[0].line, chunk[-1].line))
        return real(chunk, roster, problems)

    real = preparer.prepare_chunk
    monkeypatch.setattr(preparer, "prepare_chunk", prepare_chunk)
    setup_units(db_url, tmp_path)
    rows = [["类型", "单位", "日期", "编号", "发文层级"]]
    rows += [["警示", "发改局", f"2021-03-{n:02d}", f"w{n}", "县级"] for n in range(2, 27)]
    rows[4][2] = "2021-02-30"  # line 5: the producer's
    rows[17][4] = "市级"  # line 18: the writer's
    source = write_csv(tmp_path / "a.csv", rows)
    before = head(db_url)
    with Ledger(db_url) as ledger, pytest.raises(ManyProblems) as failed:
        ledger.import_file(source, parallel=True)
    assert [(p.line, p.field) for p in failed.value.problems] == [(5, "date"), (18, "issuer_level")]
    assert head(db_url) == before
    # PostgreSQL's pool runs threads, so the producer is spawned and reads the batch sizes afresh
    # (one batch, no writer's share): the split is this test's on SQLite
    assert shared == ([] if db_url.startswith("postgresql") else [(17, 21)])
