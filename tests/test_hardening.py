"""Issue #12 (hardening): one regression test per defect a hostile tester found, on both stores."""

from __future__ import annotations

import pytest
from helpers import cli, setup_units, write_jsonl

from ledger.app import Ledger

WARN = {"type": "warning", "unit": "jk-fgj", "issuer_level": "city"}


def head(url: str) -> int:
    with Ledger(url) as ledger:
        return ledger.head()[0]


def no_traceback(run) -> None:
    assert "Traceback" not in run.err and "Traceback" not in run.out, run.err


# --- 1. a CSV with an unclosed quote ---------------------------------------------------------

def test_a_csv_quote_left_open_is_refused_naming_the_line_it_opened(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = tmp_path / "open.csv"
    path.write_text("type,unit,date,id,issuer_level,note\n"
                    'warning,jk-fgj,2021-03-01,w1,city,"two\nlines"\n'
                    'warning,jk-fgj,2021-03-02,w2,city,"never closed\n'
                    "warning,jk-fgj,2021-03-03,w3,city,x\n"
                    "warning,jk-fgj,2021-03-04,w4,city,y\n", encoding="utf-8")
    before = head(db_url)
    run = cli(db_url, "import", str(path))
    assert run.code == 2 and "open.csv:4:" in run.err and "closing quote" in run.err, run.err
    no_traceback(run)
    assert head(db_url) == before
    # Text after a closing quote is malformed too (it would be glued to the cell).
    path.write_text('type,unit,date,id,issuer_level,note\nwarning,jk-fgj,2021-03-01,w1,city,"a"b\n',
                    encoding="utf-8")
    run = cli(db_url, "import", str(path))
    assert run.code == 2 and "open.csv:2:" in run.err and head(db_url) == before


# --- 2. formula injection in exports -----------------------------------------------------------

HOSTILE_NAME = "=HYPERLINK(\"http://x\",\"y\")|<b>&_*#"
HOSTILE_SOURCE = "-2+3 @cmd"


def _hostile_store(url, tmp_path):
    from test_cli_scoring import POLICY

    (tmp_path / "u.csv").write_text(f'id,name,groups\na,"{HOSTILE_NAME.replace(chr(34), chr(34) * 2)}",g\n'
                                    "b,乙局,g\n", encoding="utf-8")
    assert cli(url, "init").code == 0
    assert cli(url, "units", "import", str(tmp_path / "u.csv")).code == 0
    events = [WARN | {"unit": "a", "date": "2021-03-01", "id": "a-w1", "source": HOSTILE_SOURCE,
                      "issuer_level": "county"},
              {"type": "criticism", "unit": "b", "date": "2021-04-01", "id": "b-c1", "issuer_level": "county",
               "source": "@SUM(A1)"}]
    assert cli(url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    assert cli(url, "policy", "load", POLICY).code == 0


def test_exports_never_carry_live_formulas_or_markup(db_url, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    _hostile_store(db_url, tmp_path)
    # CSV: text marked with one ', numbers (a negative delta too) left as numbers.
    scored = cli(db_url, "score", "--policy", "cli-test", "--format", "csv").out
    assert scored.startswith("\ufeffpolicy,")  # the BOM comes before the marks, not instead of one
    rows = list(csv.reader(io.StringIO(scored.removeprefix("\ufeff"))))
    names = {r[5]: r[6] for r in rows[1:]}
    assert names["a"] == "'" + HOSTILE_NAME and names["b"] == "乙局"
    assert all(not r[7].startswith("'") for r in rows[1:])
    explained = list(csv.DictReader(io.StringIO(cli(db_url, "explain", "a", "--policy", "cli-test",
                                                    "--format", "csv", "--no-bom").out)))
    line = next(r for r in explained if r["event"] == "a-w1")
    assert line["source"] == "'" + HOSTILE_SOURCE and line["delta"] == "-1"
    # xlsx: string cells, never formulas (score, explain, bulletin).
    for args in (["score", "--policy", "cli-test"], ["explain", "a", "--policy", "cli-test"],
                 ["bulletin", "--policy", "cli-test", "--period", "2021-06"]):
        out = tmp_path / "x.xlsx"
        assert cli(db_url, *args, "--format", "xlsx", "--output", str(out)).code == 0
        cells = [c for ws in load_workbook(out) for row in ws.iter_rows() for c in row if c.value is not None]
        assert not [c.value for c in cells if c.data_type == "f"], args
        assert any(c.value == HOSTILE_NAME and c.data_type == "s" for c in cells) or args[0] == "explain", args
        if args[0] == "explain":
            assert any(c.value == HOSTILE_SOURCE and c.data_type == "s" for c in cells)
    # Markdown: < > & as entities, specials escaped, | never splits a cell.
    md = cli(db_url, "explain", "a", "--policy", "cli-test", "--format", "md").out
    assert md.splitlines()[0] == '# a =HYPERLINK("http://x","y")\\|&lt;b&gt;&amp;\\_\\*\\#'
    assert "<b>" not in md
    for row in (ln for ln in md.splitlines() if ln.startswith("|")):
        assert row.replace("\\|", "").count("|") in (6, 7), row  # 5 or 6 columns, whatever the text


def test_import_drops_the_export_marker_so_exports_reimport_unchanged(db_url, tmp_path):
    import csv
    import io

    from ledger.reports.safe import csv_row

    setup_units(db_url, tmp_path)
    notes = ["=1+1", "+x", "-y", "@z", "\tt", "'quoted'", "plain"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["type", "unit", "date", "id", "issuer_level", "note", "source"])
    for i, note in enumerate(notes):
        writer.writerow(csv_row(["warning", "jk-fgj", "2021-03-01", f"w{i}", "city", note, note]))
    (tmp_path / "m.csv").write_text(buffer.getvalue(), encoding="utf-8")
    run = cli(db_url, "import", str(tmp_path / "m.csv"))
    assert run.code == 0 and f"{len(notes)} new" in run.out, run.err
    with Ledger(db_url) as ledger:
        stored = {f.id: f.note for f in ledger.facts.facts("jk-fgj", 2021, None, None)}
    assert stored == {f"w{i}": note for i, note in enumerate(notes)}
    # Re-importing the same export is a no-op.
    assert "0 new, 7 already present" in cli(db_url, "import", str(tmp_path / "m.csv")).out


# --- 3. path traversal / zip-slip --------------------------------------------------------------

@pytest.mark.parametrize("bad", ["../../x", "/tmp/x", "a b", "a\\b", ".hidden", "x\x00y", "t\nab", "x" * 129])
def test_ids_given_by_callers_keep_to_the_id_character_set(db_url, tmp_path, bad):
    setup_units(db_url, tmp_path)
    before = head(db_url)
    units = tmp_path / "u.jsonl"
    units.write_text(__import__("json").dumps({"id": bad, "name": "某局", "groups": ["g"]}) + "\n", encoding="utf-8")
    run = cli(db_url, "units", "import", str(units))
    assert run.code == 2 and "u.jsonl:1: field 'id'" in run.err and "letters, digits" in run.err, run.err
    run = cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", [WARN | {"date": "2021-03-01", "id": bad}]))
    assert run.code == 2 and "e.jsonl:1: field 'id'" in run.err and "letters, digits" in run.err, run.err
    run = cli(db_url, "appeal", "file", "--unit", "jk-fgj", "--target", "nope", "--grounds", "x", "--id", bad)
    assert run.code == 2
    no_traceback(run)
    assert head(db_url) == before
    # Letters and digits of any script and - _ . : are fine.
    ok = cli(db_url, "record", "warning", "--unit", "jk-fgj", "--date", "2021-03-01", "--id", "吉-1_a.b:c",
             "--set", "issuer_level=city")
    assert ok.code == 0, ok.err


def _legacy_unit(url: str, unit: str, n: int = 0) -> None:
    """A unit registered before the id rule (written below the boundary): it stays valid."""
    from ledger.events import codec
    from ledger.events.catalog import validate
    from ledger.store.eventstore import Pending

    with Ledger(url) as ledger, ledger.store.write("legacy") as writer:
        event = validate({"type": "unit_registered", "unit": unit, "name": "旧局", "groups": ["g"],
                          "date": "2021-01-01"}, internal=True).model_copy(update={"id": f"legacy-unit-{n}"})
        text, digest = codec.encode_event(event)
        writer.append([Pending(f"legacy-unit-{n}", "unit_registered", "ledger:units", text, digest, "legacy")])


def test_packet_file_names_are_safe_whatever_the_stored_unit_id(db_url, tmp_path, monkeypatch):
    import zipfile

    from test_cli_scoring import POLICY

    setup_units(db_url, tmp_path)
    for n, evil in enumerate(("../../evil", "/tmp/abs-evil")):
        _legacy_unit(db_url, evil, n)
    assert cli(db_url, "policy", "load", POLICY).code == 0
    # Stored ids stay valid: events of the legacy unit import, and it can be re-registered.
    run = cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", [WARN | {"unit": "../../evil",
                                                                             "date": "2021-03-01", "id": "ev1"}]))
    assert run.code == 0, run.err
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for evil in ("../../evil", "/tmp/abs-evil"):
        run = cli(db_url, "packet", evil, "--policy", "cli-test")
        assert run.code == 0, run.err
        written = run.out.split("wrote ", 1)[1].split(" (", 1)[0]
        assert "/" not in written and not written.startswith(".") and (work / written).is_file()
        names = zipfile.ZipFile(work / written).namelist()
        assert names and all(not n.startswith("/") and ".." not in n for n in names), names
    assert sorted(p.name for p in tmp_path.rglob("*.zip")) == sorted(p.name for p in work.glob("*.zip"))
    assert not (tmp_path / "a" / "evil-cli-test-1.zip").exists() and not list(tmp_path.glob("evil*"))


# --- 4. ?schema=NAME on PostgreSQL URLs ------------------------------------------------------

def test_a_postgres_store_in_a_named_schema_works_end_to_end(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        # SQLite has no schemas: the option is refused, not silently ignored.
        run = cli(db_url + "?schema=ledger_x", "init")
        assert run.code == 2 and "?schema=NAME is for PostgreSQL" in run.err
        return
    from sqlalchemy.engine import make_url

    url = make_url(db_url).set(query={"schema": "ledger_x"}).render_as_string(hide_password=False)
    setup_units(url, tmp_path)
    assert cli(url, "init").code == 0  # twice is fine
    run = cli(url, "import", write_jsonl(tmp_path / "e.jsonl", [WARN | {"date": "2021-03-01", "id": "w1"}]))
    assert run.code == 0 and "1 new" in run.out, run.err
    for args in (["verify"], ["history", "jk-fgj"], ["appeal", "list"], ["score", "--policy", "jingkai-2021"],
                 ["units", "list"]):
        run = cli(url, *args)
        assert run.code == 0, (args, run.err)
    with Ledger(url) as ledger, ledger.store.backend.transaction(commit=False) as c:
        found = {(r["table_schema"], r["table_name"]) for r in ledger.store.backend.query(
            c, "SELECT table_schema, table_name FROM information_schema.tables WHERE left(table_name, 6) = 'ledger'")}
    assert {s for s, _ in found} == {"ledger_x"} and ("ledger_x", "ledger_events") in found
    assert cli(url.replace("ledger_x", "Bad-Name"), "init").code == 2


# --- 5. leaked processes ---------------------------------------------------------------------

def big_import(tmp_path, n: int = 50_000) -> str:
    """A file past PARALLEL_FROM_BYTES: imported with a producer process."""
    path = tmp_path / "big.jsonl"
    line = ('{{"type": "warning", "unit": "jk-fgj", "date": "2021-03-01", "id": "b{0}", "issuer_level": "city", '
            '"note": "' + "备注" * 20 + '"}}\n')
    path.write_text("".join(line.format(i) for i in range(n)), encoding="utf-8")
    from ledger.app import PARALLEL_FROM_BYTES

    assert path.stat().st_size >= PARALLEL_FROM_BYTES
    return str(path)


def test_killing_an_import_leaves_no_process_behind(db_url, tmp_path):
    import signal
    import subprocess
    import time

    from helpers import alive, children, ledger_command

    setup_units(db_url, tmp_path)
    before = head(db_url)
    proc = subprocess.Popen(ledger_command(db_url, "import", big_import(tmp_path)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    kids: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None and not kids:
        kids = children(proc.pid)
        time.sleep(0.01)
    time.sleep(0.3)  # the producer is working (and on PostgreSQL the resource tracker runs)
    kids |= children(proc.pid)
    assert proc.poll() is None and kids, "the import ended before it could be killed: make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(k) for k in kids):
        time.sleep(0.05)
    assert not [k for k in kids if alive(k)], "processes left behind by a killed import"
    assert head(db_url) == before
    assert cli(db_url, "verify").code == 0


# --- 6. damaged or foreign stores --------------------------------------------------------------

def _rewrite_record(url: str, revision: int, old: bytes, new: bytes) -> None:
    from test_store_verify import raw

    rows = raw(url, "SELECT originator_id, originator_version, state FROM ledger_events")
    row = next(r for r in rows if f'"revision":{revision},'.encode() in bytes(r["state"]))
    assert old in bytes(row["state"])
    raw(url, "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (bytes(row["state"]).replace(old, new), row["originator_id"], row["originator_version"]))


def test_a_damaged_stored_date_is_exit_3_naming_the_revision(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    events = [WARN | {"date": f"2021-03-0{i}", "id": f"w{i}"} for i in range(1, 4)]
    assert cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", events)).code == 0
    _rewrite_record(db_url, 4, b'"date":"2021-03-02"', b'"date":"2021-13-02"')
    for args in (["score", "--policy", "jingkai-2021"], ["explain", "jk-fgj", "--policy", "jingkai-2021"]):
        run = cli(db_url, *args)
        assert run.code == 3 and "revision 4" in run.err and "damaged" in run.err, (args, run.err)
        no_traceback(run)


def test_init_refuses_a_store_holding_someone_elses_tables(db_url, tmp_path):
    from ledger.store.backends import open_backend
    from ledger.store.url import parse_store_url

    if db_url.startswith("sqlite"):
        import sqlite3

        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    else:
        import psycopg

        with psycopg.connect(db_url.split("?")[0], autocommit=True) as con:
            schema = parse_store_url(db_url).schema or "public"
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(f'CREATE TABLE "{schema}".customers (id INTEGER PRIMARY KEY, name TEXT)')
    run = cli(db_url, "init")
    assert run.code == 3 and "customers" in run.err and "not a ledger" in run.err, run.err
    no_traceback(run)
    backend = open_backend(parse_store_url(db_url))
    try:
        with backend.recorder.datastore.transaction(commit=False) as c:
            assert backend.all_tables(c) == {"customers"}  # nothing added beside them
    finally:
        backend.close()
    # An empty SQLite file is fine.
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert cli(f"sqlite:///{empty}", "init").code == 0


def test_a_nul_is_exit_2_on_both_stores(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    first = write_jsonl(tmp_path / "a.jsonl", [WARN | {"date": "2021-03-01", "id": "w1"}])
    assert cli(db_url, "import", first).code == 0
    before = head(db_url)
    for line, field in ((WARN | {"date": "2021-03-01", "id": "w\x002"}, "id"),
                        (WARN | {"date": "2021-03-01", "id": "w3", "note": "a\x00b"}, "note"),
                        ({"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-03-01", "id": "t1",
                          "ticket": "T\x001", "due": "2021-03-09"}, "ticket"),
                        ({"type": "retraction", "unit": "jk-fgj", "date": "2021-03-02", "target": "w\x001",
                          "reason": "x"}, "target")):
        run = cli(db_url, "import", write_jsonl(tmp_path / "n.jsonl", [line]))
        assert run.code == 2 and f"n.jsonl:1: field '{field}'" in run.err, (field, run.err)
        no_traceback(run)
    for args in (["retract", "w\x001", "--reason", "x"], ["history", "jk\x00fgj"],
                 ["appeal", "file", "--unit", "jk-fgj", "--target", "w\x001", "--grounds", "g"]):
        run = cli(db_url, *args)
        assert run.code == 2, (args, run.err)
        no_traceback(run)
    assert head(db_url) == before


@pytest.mark.parametrize("damage", ["UPDATE ledger_head SET hash = '" + "f" * 64 + "'",
                                    "UPDATE ledger_head SET revision = revision + 1",
                                    "UPDATE ledger_head SET revision = revision - 1"])
def test_writing_onto_a_head_that_is_not_the_last_record_is_refused(db_url, tmp_path, damage):
    from test_store_verify import raw

    setup_units(db_url, tmp_path)
    first = write_jsonl(tmp_path / "a.jsonl", [WARN | {"date": "2021-03-01", "id": "w1"}])
    assert cli(db_url, "import", first).code == 0
    raw(db_url, damage)
    count = len(raw(db_url, "SELECT originator_id FROM ledger_events"))
    for args in (["import", write_jsonl(tmp_path / "b.jsonl", [WARN | {"date": "2021-03-02", "id": "w2"}])],
                 ["record", "warning", "--unit", "jk-fgj", "--date", "2021-03-03", "--set", "issuer_level=city"],
                 ["units", "import", str(tmp_path / "units.csv")]):
        run = cli(db_url, *args)
        assert run.code == 3 and "the head says revision" in run.err and "nothing was written" in run.err, run.err
        no_traceback(run)
    assert len(raw(db_url, "SELECT originator_id FROM ledger_events")) == count


# --- 7. validation gaps ------------------------------------------------------------------------

EVAL = {"type": "evaluation", "unit": "jk-fgj", "date": "2021-12-01", "panel": "enterprises", "evaluator": "某企业"}
TICKET = {"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-03-05", "ticket": "T1", "due": "2021-03-12"}


@pytest.mark.parametrize("line, field, expected", [
    (EVAL | {"score": -1e9}, "score", "a score from 0 to 100"),
    (EVAL | {"score": 1e300}, "score", "a score from 0 to 100"),
    (EVAL | {"score": 100.5}, "score", "a score from 0 to 100"),
    (EVAL | {"score": "90"}, "score", "a JSON number, not text"),
    ({"type": "finding", "unit": "jk-fgj", "date": "2021-03-01", "item": "x", "result": "y", "count": 2 ** 53 + 1},
     "count", "at most 2^53"),
    ({"type": "finding", "unit": "jk-fgj", "date": "2021-03-01", "item": "x", "result": "y", "count": "3"},
     "count", "as a JSON number"),
    ({"type": "metric", "unit": "jk-fgj", "date": "2021-03-01", "name": "x", "value": "98.5"}, "value",
     "a JSON number, not text"),
    (TICKET | {"due": "2021-03-04"}, "due", "on or after the day the ticket was received (2021-03-05)"),
    (TICKET | {"ticket": "T\n1"}, "ticket", "no line breaks"),
    (TICKET | {"ticket": "T\t1"}, "ticket", "control characters"),
    (WARN | {"date": "2021-03-01", "issuer": "某\u0085局"}, "issuer", "control characters"),
    (WARN | {"date": "2021-03-01", "id": "w\n1"}, "id", "letters, digits"),
    (WARN | {"date": "2021-03-01", "actor": "a\rb"}, "actor", "control characters"),
])
def test_values_out_of_range_or_of_the_wrong_type_are_refused(db_url, tmp_path, line, field, expected):
    setup_units(db_url, tmp_path)
    before = head(db_url)
    run = cli(db_url, "import", write_jsonl(tmp_path / "v.jsonl", [WARN | {"date": "2021-01-01", "id": "ok"}, line]))
    assert run.code == 2 and f"v.jsonl:2: field '{field}'" in run.err and expected in run.err, run.err
    no_traceback(run)
    assert head(db_url) == before


def test_csv_cells_convert_by_field_type_within_the_same_limits(db_url, tmp_path):
    setup_units(db_url, tmp_path)
    path = tmp_path / "v.csv"
    path.write_text("type,unit,date,id,panel,evaluator,score,item,result,count\n"
                    "evaluation,jk-fgj,2021-12-01,e1,enterprises,某企业,90.5,,,\n"
                    "finding,jk-fgj,2021-03-01,f1,,,,x,y,3\n", encoding="utf-8")
    run = cli(db_url, "import", str(path))
    assert run.code == 0 and "2 new" in run.out, run.err
    for row, field in (("evaluation,jk-fgj,2021-12-01,e2,enterprises,某企业,101,,,", "score"),
                       (f"finding,jk-fgj,2021-03-01,f2,,,,x,y,{2 ** 53 + 1}", "count")):
        path.write_text("type,unit,date,id,panel,evaluator,score,item,result,count\n" + row + "\n", encoding="utf-8")
        run = cli(db_url, "import", str(path))
        assert run.code == 2 and f"v.csv:2: field '{field}'" in run.err, run.err
    units = tmp_path / "u.jsonl"
    units.write_text('{"id": "jk-new", "name": "新\\n局", "groups": ["g"]}\n', encoding="utf-8")
    run = cli(db_url, "units", "import", str(units))
    assert run.code == 2 and "u.jsonl:1: field 'name'" in run.err and "no line breaks" in run.err, run.err


# --- 8. verify gaps ----------------------------------------------------------------------------

def test_verify_cross_checks_the_commit_log_actor_against_the_records(db_url, tmp_path):
    from test_store_verify import build, raw

    head_revision = build(db_url, tmp_path)
    with Ledger(db_url) as ledger:
        anchor = f"{head_revision}:{ledger.head()[1]}"
    # Every line naming its own actor: the commit takes the first record's, so verify stays clean.
    named = [WARN | {"date": "2021-04-01", "id": "n1", "actor": "张三"}, WARN | {"date": "2021-04-02", "id": "n2",
                                                                                  "actor": "李四"}]
    assert cli(db_url, "import", write_jsonl(tmp_path / "n.jsonl", named)).code == 0
    run = cli(db_url, "verify", "--expect", anchor)  # record hashes and anchors are unchanged
    assert run.code == 0, run.err
    raw(db_url, "UPDATE ledger_commits SET actor = 'mallory' WHERE first_revision = 3")
    run = cli(db_url, "verify")
    assert run.code == 1 and "first bad revision: 3" in run.out and "'mallory'" in run.err, run.out + run.err
    raw(db_url, "UPDATE ledger_commits SET actor = 'tester' WHERE first_revision = 3")
    assert cli(db_url, "verify").code == 0
    last = head_revision + 1
    raw(db_url, f"UPDATE ledger_commits SET actor = 'tester' WHERE first_revision = {last}")
    run = cli(db_url, "verify")
    assert run.code == 1 and f"first bad revision: {last}" in run.out, run.out + run.err


def test_a_repointed_ticket_index_entry_is_named_at_an_existing_revision(db_url, tmp_path):
    from test_store_verify import raw

    setup_units(db_url, tmp_path)
    events = [{"type": "hotline_ticket", "unit": "jk-czj", "date": "2021-05-01", "id": f"t{i}", "ticket": f"T{i}",
               "due": "2021-05-08"} for i in range(3)]
    assert cli(db_url, "import", write_jsonl(tmp_path / "t.jsonl", events)).code == 0
    raw(db_url, "UPDATE ledger_threads SET stream = 'unit:jk-czj:2020' WHERE thread = ?", ("jk-czj\x1fticket\x1fT1",))
    run = cli(db_url, "verify")
    assert run.code == 1 and "ticket/item index" in run.err
    assert "first bad revision: 4" in run.out, run.out  # t1's record, not head + 1 (= 6)
