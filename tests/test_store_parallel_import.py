"""Large files are prepared by a second process: same records, same errors, nothing written
on a bad line (forced here on small files with parallel=True)."""

from __future__ import annotations

import pytest
import synthetic

from ledger.app import Ledger
from ledger.errors import InputError


def load(url, tmp_path, parallel):
    ledger = Ledger(url, actor="t")
    ledger.init()
    synthetic.write_units(str(tmp_path / "u.csv"), 40)
    ledger.import_units(str(tmp_path / "u.csv"))
    result = ledger.import_file(str(tmp_path / "e.jsonl"), parallel=parallel)
    return ledger, result


def stored(ledger):
    out = []
    for row in ledger.store.scan():
        data = ledger_loads(row.state)
        data.pop("recorded_at"), data.pop("hash")
        if data["type"] != "unit_registered":
            out.append((row.originator_id, row.originator_version, data))
    return out


def ledger_loads(state):
    from ledger.events import codec
    return codec.loads(state)


@pytest.mark.slow
def test_parallel_import_equals_serial(db_url, tmp_path):
    synthetic.write_events(str(tmp_path / "e.jsonl"), 40, 60)  # ~2,400 events, every type
    (tmp_path / "s").mkdir()
    serial, r1 = load(f"sqlite:///{tmp_path}/s/l.db", tmp_path, parallel=False)
    parallel, r2 = load(db_url, tmp_path, parallel=True)
    assert r1.new == r2.new > 2000 and r2.present == 0
    assert stored(parallel) == stored(serial)
    again = parallel.import_file(str(tmp_path / "e.jsonl"), parallel=True)
    assert (again.new, again.present) == (0, r1.new)
    assert parallel.verify().ok
    serial.close()
    parallel.close()


@pytest.mark.slow
def test_parallel_import_bad_line_names_it_and_writes_nothing(db_url, tmp_path):
    synthetic.write_events(str(tmp_path / "e.jsonl"), 40, 300)  # > 2 batches
    lines = (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()
    bad_at = 9_001
    lines[bad_at - 1] = lines[bad_at - 1].replace('"unit": "u', '"unit": "nobody-u')
    (tmp_path / "e.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ledger = Ledger(db_url, actor="t")
    ledger.init()
    synthetic.write_units(str(tmp_path / "u.csv"), 40)
    ledger.import_units(str(tmp_path / "u.csv"))
    before = ledger.head()
    try:
        ledger.import_file(str(tmp_path / "e.jsonl"), parallel=True)
    except InputError as exc:
        assert exc.line == bad_at and exc.field == "unit" and exc.origin.endswith("e.jsonl")
    else:
        raise AssertionError("the bad line was accepted")
    assert ledger.head() == before
    ledger.close()


def test_parallel_csv_import_with_bom(tmp_path):
    units = tmp_path / "u.csv"
    units.write_text("id,name,groups\njk-fgj,发改局,jingkai-unit\n", encoding="utf-8")
    rows = ["type,unit,date,id,issuer_level,name,value"]
    rows += [f"warning,jk-fgj,2021-03-{1 + i % 28:02d},w{i},district,," for i in range(6000)]
    rows += ["metric,jk-fgj,2021-05-01,m1,,coverage,98.5"]
    path = tmp_path / "big.csv"
    path.write_bytes("\ufeff".encode() + ("\r\n".join(rows) + "\r\n").encode())
    ledger = Ledger(f"sqlite:///{tmp_path}/l.db", actor="t")
    ledger.init()
    ledger.import_units(str(units))
    result = ledger.import_file(str(path), parallel=True)
    assert (result.new, result.present) == (6001, 0)
    facts = ledger.facts.facts("jk-fgj", 2021, None, None)
    assert len(facts) == 6001 and str(next(f for f in facts if f.id == "m1").fields["value"]) == "98.5"
    ledger.close()


def test_producer_forks_only_when_this_process_has_no_other_thread():
    import threading

    from ledger.intake import preparer

    assert preparer._context().get_start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert preparer._context().get_start_method() == "spawn"
    finally:
        stop.set()
        other.join()


def test_spawned_producer_gives_the_same_records(tmp_path, monkeypatch):
    """The spawn path (taken when threads run, e.g. beside a PostgreSQL pool) on SQLite too."""
    import multiprocessing

    from ledger.intake import preparer

    synthetic.write_events(str(tmp_path / "e.jsonl"), 40, 20)
    (tmp_path / "s").mkdir()
    serial, r1 = load(f"sqlite:///{tmp_path}/s/l.db", tmp_path, parallel=False)
    monkeypatch.setattr(preparer, "_context", lambda: multiprocessing.get_context("spawn"))
    spawned, r2 = load(f"sqlite:///{tmp_path}/l.db", tmp_path, parallel=True)
    assert r1.new == r2.new > 500
    assert stored(spawned) == stored(serial)
    serial.close()
    spawned.close()
