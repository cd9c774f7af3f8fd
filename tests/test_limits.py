"""Resource limits at the import boundary (issue #24): every hostile file of the issue exits 2
naming the file, the place and what was expected (the limit and the variable that sets it),
writes nothing, and never reaches a traceback or an abort; a damaged stored record is exit 1
naming its revision. The hostile workbooks come from benchmarks/hostile.py (the benchmark
builds them full size; here the limits are lowered where a full-size file would be slow)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import hostile
import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger
from ledger.errors import InputError
from ledger.intake import bounded, problems
from ledger.intake.bounded import OverLimit, SheetLimits


def head(url):
    with Ledger(url) as ledger:
        return ledger.head()


def refused(url, tmp_path, *args, lang="en"):
    """Import ``args``; assert exit 2 without a traceback and without a write; the message."""
    if not (tmp_path / "units.csv").exists():
        setup_units(url, tmp_path)
    before = head(url)
    run = cli(url, "--lang", lang, "import", *args)
    assert run.code == 2, (run.code, run.out, run.err)
    assert "Traceback" not in run.err and "panicked" not in run.err and run.err.startswith("ledger: ")
    assert head(url) == before
    return run.err


CASES = [  # (builder, what the message names: file:row, place, expected, found)
    ("far_cell", [":1048576: field '台账!XFD1048576'", "at most 5,000,000 cells from A1", "LEDGER_XLSX_MAX_CELLS",
                  "1,048,576 rows × 16,384 columns"]),
    ("far_cell_small_dimension", [":1048576: field '台账!XFD1048576'", "LEDGER_XLSX_MAX_CELLS"]),
    ("declared_dimension", ["field '台账!XFD1048576'", "the dimension A1:XFD1048576 the sheet declares",
                            "LEDGER_XLSX_MAX_CELLS"]),
    ("string_index_out_of_range", [":2: field '台账!A2'", "a shared-string index from 0 to 0", "(got '99')"]),
    ("text_in_number_cell", [":2: field '台账!B2'", 'a number in a number cell (t="n")', "(got '发改局')"]),
    ("lying_string_count", ["field 'xl/sharedStrings.xml'", "(got uniqueCount 2000000000)", "LEDGER_XLSX_MAX_CELLS"]),
    ("lying_inflated_size", ["an .xlsx workbook", "xl/worksheets/sheet1.xml"]),
]


@pytest.mark.parametrize("case, named", CASES, ids=[c for c, _ in CASES])
def test_each_hostile_workbook_of_the_issue_exits_2_naming_file_place_and_limit(db_url, tmp_path, case, named):
    path = hostile.XLSX_CASES[case](tmp_path / f"{case}.xlsx")
    err = refused(db_url, tmp_path, path)
    assert f"{case}.xlsx" in err
    for text in named:
        assert text in err, (text, err)


def test_a_lying_string_count_is_held_to_what_its_bytes_can_hold(tmp_path):
    path = hostile.lying_string_count(tmp_path / "a.xlsx")
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("xl/sharedStrings.xml").file_size
    with pytest.raises(OverLimit) as found:
        bounded.inspect(path, None, SheetLimits())
    assert found.value.expected.values["most"] == size // 5 + 1  # an item is at least <si/>: 5 bytes


def test_the_messages_are_chinese_by_default(db_url, tmp_path):
    err = refused(db_url, tmp_path, hostile.far_cell(tmp_path / "far.xlsx"), lang="zh")
    assert "far.xlsx:1048576：字段“台账!XFD1048576”：应为 从 A1 到最远单元格至多 5,000,000 个单元格的工作表（上限 " \
           "LEDGER_XLSX_MAX_CELLS）" in err
    assert "1,048,576 行 × 16,384 列" in err


def test_rows_past_the_cell_limit_are_refused_after_the_parse(db_url, tmp_path, monkeypatch):
    """Six million rows in 0.9 MB, shrunk: 30,000 rows (no row or cell numbers) under a limit of
    100,000 cells: the used area A1:E30001 (the header is 5 wide) is 150,005 cells."""
    monkeypatch.setenv("LEDGER_XLSX_MAX_CELLS", "100000")
    path = hostile.rows_without_numbers(tmp_path / "rows.xlsx", rows=30_000)
    err = refused(db_url, tmp_path, path)
    assert "rows.xlsx:30001: field '台账!E30001'" in err
    assert "at most 100,000 cells" in err and "30,001 rows × 5 columns" in err


def test_a_huge_shared_string_is_refused_by_its_declared_size(db_url, tmp_path, monkeypatch):
    """The 2 GiB string, shrunk: 2 MiB under a limit of 1 MB (the part declares 2,097,152
    bytes of 'x' plus its XML around them)."""
    monkeypatch.setenv("LEDGER_XLSX_MAX_STRINGS_MB", "1")
    path = hostile.huge_shared_string(tmp_path / "sst.xlsx", size=2 << 20)
    err = refused(db_url, tmp_path, path)
    assert "field 'xl/sharedStrings.xml'" in err and "at most 1 MB once inflated" in err
    assert "LEDGER_XLSX_MAX_STRINGS_MB" in err and "(got 2.0 MB declared)" in err


@pytest.mark.slow
def test_a_sheet_past_the_memory_limit_is_refused_in_the_reading_child(db_url, tmp_path, monkeypatch):
    """A 30 MB shared string is within the size limits but not within 1 MB of memory (the
    bound leaves the reading child 16 MB at least): it is refused, naming the memory limit."""
    monkeypatch.setenv("LEDGER_XLSX_MAX_MEMORY_MB", "1")
    path = hostile.huge_shared_string(tmp_path / "sst.xlsx", size=30 << 20)
    err = refused(db_url, tmp_path, path)
    assert "sst.xlsx: expected a sheet that can be read within 1 MB of memory" in err
    assert "LEDGER_XLSX_MAX_MEMORY_MB" in err


@pytest.mark.slow
@pytest.mark.parametrize("case", ["far_cell", "string_index_out_of_range"])
def test_the_producer_process_reads_within_the_same_bounds(db_url, tmp_path, case):
    """A large import reads in its producer process: an abort there (the far cell) or a
    refused cell is the same error as in the reading child."""
    setup_units(db_url, tmp_path)
    path = hostile.XLSX_CASES[case](tmp_path / f"{case}.xlsx")
    before = head(db_url)
    errors = []
    for parallel in (True, False):
        with Ledger(db_url) as ledger, pytest.raises(InputError) as failed:
            ledger.import_file(path, parallel=parallel)
        errors.append(str(failed.value))
    assert errors[0] == errors[1]
    assert (isinstance(failed.value, OverLimit)) == (case == "far_cell")
    assert head(db_url) == before


@pytest.mark.slow
def test_the_reading_child_of_the_512_gib_cell_stays_under_500_mb(tmp_path):
    """The child's peak resident memory, as the kernel counted it (the largest process the
    import started, itself included)."""
    url = f"sqlite:///{tmp_path}/l.db"
    setup_units(url, tmp_path)
    path = hostile.far_cell(tmp_path / "far.xlsx")
    code = ("import resource, sys\nfrom ledger.cli import main\n"
            "try:\n    main(['--db', sys.argv[1], 'import', sys.argv[2]])\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    run = subprocess.run([sys.executable, "-c", code, url, path], capture_output=True, text=True, timeout=60)
    exit_code, peak_kib = run.stdout.split()
    assert exit_code == "2" and "XFD1048576" in run.stderr
    assert 0 < int(peak_kib) < 500 * 1000


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LEDGER_XLSX_MAX_CELLS", "1234")
    monkeypatch.setenv("LEDGER_XLSX_MAX_MEMORY_MB", "900")
    assert SheetLimits.from_env() == SheetLimits(cells=1234, sheet_mb=256, strings_mb=64, memory_mb=900)
    monkeypatch.setenv("LEDGER_XLSX_MAX_SHEET_MB", "0")
    with pytest.raises(InputError) as bad:
        SheetLimits.from_env()
    assert bad.value.field == "LEDGER_XLSX_MAX_SHEET_MB" and bad.value.got == "'0'"


def test_a_bad_limit_variable_is_exit_2(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_XLSX_MAX_CELLS", "lots")
    path = hostile.workbook(tmp_path / "ok.xlsx", hostile.sheet_xml(hostile.HEADER + hostile.warning_row(2, "w1")))
    err = refused(db_url, tmp_path, path)
    assert "field 'LEDGER_XLSX_MAX_CELLS': expected a whole number of at least 1 (got 'lots')" in err


def test_a_workbook_within_the_limits_imports_through_the_reading_child(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    rows = "".join(hostile.warning_row(n, f"w{n}", date=f"2021-03-{n:02d}") for n in range(2, 6))
    path = hostile.workbook(tmp_path / "ok.xlsx", hostile.sheet_xml(hostile.HEADER + rows, "A1:E5"))
    run = cli(db_url, "import", path)
    assert run.code == 0 and run.out.strip() == "imported: 4 new, 0 already present", run.err
    with Ledger(db_url) as ledger:
        stored = {r.data["id"]: (r.data["date"], r.data["issuer_level"]) for r in ledger.store.read_stream(
            "unit:jk-fgj:2021")}
    assert stored == {f"w{n}": (f"2021-03-{n:02d}", "district") for n in range(2, 6)}


def test_read_bounded_is_the_uploads_call(tmp_path):
    rows = hostile.warning_row(2, "w2")
    path = hostile.workbook(tmp_path / "ok.xlsx", hostile.sheet_xml(hostile.HEADER + rows))
    lines = list(bounded.read_bounded(path))
    assert [(s.line, s.data) for s in lines] == [
        (2, {"type": "警示", "unit": "jk-fgj", "date": "2021-03-01", "id": "w2", "issuer_level": "区级"})]
    with pytest.raises(OverLimit):
        list(bounded.read_bounded(hostile.far_cell(tmp_path / "far.xlsx")))
    with pytest.raises(OverLimit) as small:
        list(bounded.read_bounded(path, SheetLimits(cells=9)))  # A1:E2 is 10 cells
    assert small.value.line == 2 and small.value.field == "台账!E2"


# ------------------------------------------------------------------------- other hostile files

def test_a_50k_deep_mapping_is_refused_by_its_nesting(db_url, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("工单编号\nT1\n", encoding="utf-8")
    err = refused(db_url, tmp_path, str(export), "--mapping", hostile.deep_mapping(tmp_path / "deep.yaml"))
    assert "deep.yaml:1: expected YAML nested at most 20 levels deep" in err


def test_a_deep_block_mapping_names_the_line_where_it_got_too_deep(db_url, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("".join(" " * i + f"a{i}:\n" for i in range(40)), encoding="utf-8")
    err = refused(db_url, tmp_path, str(tmp_path / "units.csv"), "--mapping", str(deep))
    assert "deep.yaml:21: expected YAML nested at most 20 levels deep" in err  # the 21st key opens level 21


def test_a_gbk_mapping_is_refused_naming_its_line(db_url, tmp_path):
    err = refused(db_url, tmp_path, str(tmp_path / "units.csv"), "--mapping", hostile.gbk_mapping(tmp_path / "g.yaml"))
    assert "g.yaml:2: expected UTF-8 text (invalid start byte; save the mapping file as UTF-8)" in err


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_header_row_past_the_end_is_an_error(db_url, tmp_path, kind):
    """``--header-row 5`` on a sheet of two rows imported nothing and said "imported: 0 new"."""
    if kind == "csv":
        path = tmp_path / "two.csv"
        path.write_text("type,unit,date,id,issuer_level\nwarning,jk-fgj,2021-03-01,w1,district\n", encoding="utf-8")
        path = str(path)
    else:
        path = hostile.workbook(tmp_path / "two.xlsx", hostile.sheet_xml(hostile.HEADER + hostile.warning_row(2, "w1")))
    err = refused(db_url, tmp_path, path, "--header-row", "5")
    assert f"two.{kind}: field '--header-row': expected a header row within the file (its last row with a value " \
           "is row 2) (got 5)" in err


def test_a_header_row_past_the_end_with_a_mapping_is_an_error(db_url, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("工单编号,承办单位\nT1,发改局\n", encoding="utf-8")
    err = refused(db_url, tmp_path, str(export), "--mapping", "12345-tickets", "--header-row", "3")
    assert "export.csv: field '--header-row': expected a header row within the file (its last row with a value is " \
           "row 2) (got 3)" in err


@pytest.mark.parametrize("gbk_lines", [3, 3000])  # the UTF-8 line within the first 64 KiB, and past it
def test_a_csv_mixing_gbk_and_utf8_is_refused_never_stored_as_mojibake(db_url, tmp_path, gbk_lines):
    path = hostile.mixed_encoding_csv(tmp_path / "mixed.csv", gbk_lines=gbk_lines)
    err = refused(db_url, tmp_path, path)
    assert f"mixed.csv:{gbk_lines + 2}: expected text in one encoding: the file reads as gb18030, but this line is " \
           "UTF-8 Chinese text" in err


def test_a_forced_gbk_encoding_refuses_a_utf8_line_too(db_url, tmp_path):
    path = hostile.mixed_encoding_csv(tmp_path / "mixed.csv")
    err = refused(db_url, tmp_path, path, "--encoding", "gbk")
    assert "mixed.csv:5: expected text in one encoding: the file reads as gbk" in err


def test_gbk_whose_first_words_happen_to_be_valid_utf8_is_read_as_gbk(db_url, tmp_path):
    """平台 in GBK is C6BD CCA8: valid UTF-8 (ƽ̨). The first non-ASCII line no longer decides
    alone when it reads as stray letters and the later lines are GBK."""
    setup_units(db_url, tmp_path)
    path = tmp_path / "gbk.csv"
    path.write_bytes(b"type,unit,date,id,issuer_level,source\n"
                     + "warning,jk-fgj,2021-03-01,p1,district,12345平台\n".encode("gbk")
                     + "warning,jk-fgj,2021-03-02,p2,district,发改局通报\n".encode("gbk"))
    run = cli(db_url, "import", str(path))
    assert run.code == 0, run.err
    with Ledger(db_url) as ledger:
        sources = {r.data["id"]: r.data.get("source") for r in ledger.store.read_stream("unit:jk-fgj:2021")}
    assert sources == {"p1": "12345平台", "p2": "发改局通报"}


def test_utf8_with_accents_is_still_utf8(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = tmp_path / "fr.csv"
    path.write_bytes("type,unit,date,id,issuer_level,source\nwarning,jk-fgj,2021-03-01,c1,district,café\n".encode())
    assert cli(db_url, "import", str(path)).code == 0
    with Ledger(db_url) as ledger:
        assert ledger.store.read_stream("unit:jk-fgj:2021")[0].data["source"] == "café"


def test_a_million_bad_rows_keep_only_the_first_problems_whole(tmp_path, monkeypatch):
    """Problems past ``KEPT`` are counted, not kept (3 here, for 6 bad rows): a file of a
    million bad rows costs megabytes, not gigabytes."""
    url = f"sqlite:///{tmp_path}/l.db"
    monkeypatch.setattr(problems, "KEPT", 3)
    rows = [f"nope,jk-fgj,2021-03-0{n},b{n},district" for n in range(1, 7)]
    path = tmp_path / "bad.csv"
    path.write_text("type,unit,date,id,issuer_level\n" + "\n".join(rows) + "\n", encoding="utf-8")
    err = refused(url, tmp_path, str(path))
    assert f"6 problems in {path}; nothing was imported:" in err
    assert [f"bad.csv:{n}: field 'type'" in err for n in range(2, 8)] == [True] * 3 + [False] * 3


def test_a_problem_that_stops_reading_is_shown_past_the_kept_ones(monkeypatch):
    monkeypatch.setattr(problems, "KEPT", 3)
    found = problems.Problems()
    for line in range(2, 7):
        found.add(InputError("a known type", origin="f.csv", line=line, field="type"))
    found.add(InputError("a closing quote", origin="f.csv", line=9))
    found.fatal = True
    again = problems.Problems.from_payload(found.as_payload())  # as it crosses from the producer
    for each in (found, again):
        with pytest.raises(problems.ManyProblems) as raised:
            each.raise_all()
        assert raised.value.total == 6
        assert [(e.line, e.expected) for e in raised.value.problems] == [
            (2, "a known type"), (3, "a known type"), (4, "a known type"), (9, "a closing quote")]


# ------------------------------------------------------------------------- damaged stored bytes

def _damage(url, revision):
    from test_store_verify import raw

    rows = raw(url, "SELECT originator_id, originator_version, state FROM ledger_events")
    target = next(r for r in rows if f'"revision":{revision},'.encode() in bytes(r["state"]))
    forged = bytes(target["state"]).replace(b'"district"', b'"distr\xff\xfect"')
    raw(url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (forged, target["originator_id"], target["originator_version"]))


@pytest.mark.parametrize("command", [["score", "--policy", "jingkai-2021"],
                                     ["explain", "jk-fgj", "--policy", "jingkai-2021"], ["history", "jk-fgj"]])
def test_damaged_record_bytes_are_exit_1_naming_the_revision(db_url, tmp_path, command):
    setup_units(db_url, tmp_path)
    events = [{"type": "warning", "unit": "jk-fgj", "date": f"2021-03-0{d}", "id": f"w{d}", "issuer_level": "district"}
              for d in (1, 2)]
    assert cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    _damage(db_url, 4)  # units are revisions 1-2, w1 is 3, w2 is 4
    run = cli(db_url, "--lang", "en", *command)
    assert run.code == 1, (run.code, run.err)
    assert "Traceback" not in run.err
    assert "the record at revision 4 (stream unit:jk-fgj:2021, version 2) is not a sealed ledger record" in run.err
    assert "run `ledger verify`" in run.err
    verify = cli(db_url, "verify")
    assert verify.code == 1 and "first bad revision: 4" in verify.out
    zh = cli(db_url, "--lang", "zh", *command)
    assert zh.code == 1 and "修订号 4 的记录（流 unit:jk-fgj:2021，版本 2）不是已封存的台账记录" in zh.err
