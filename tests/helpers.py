"""Small helpers shared by tests: run the CLI in-process, write input files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from ledger.cli import main

UNITS_CSV = "id,name,groups,divisions\njk-fgj,发改局,jingkai-unit,\njk-czj,财政局,jingkai-unit;jx-hotline,\n"


@dataclass
class Run:
    code: int
    out: str
    err: str


def cli(url: str, *args: str, actor: str = "tester") -> Run:
    result = CliRunner().invoke(main, ["--db", url, "--actor", actor, *args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def write_jsonl(path: Path, events: list[dict]) -> str:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return str(path)


def setup_units(url: str, tmp: Path, text: str = UNITS_CSV) -> None:
    units = tmp / "units.csv"
    units.write_text(text, encoding="utf-8")
    assert cli(url, "init").code == 0
    run = cli(url, "units", "import", str(units))
    assert run.code == 0, run.err


from crash_bench import alive, children, ledger_command  # noqa: E402,F401 - process helpers shared with the bench
