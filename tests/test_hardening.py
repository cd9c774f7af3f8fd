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
