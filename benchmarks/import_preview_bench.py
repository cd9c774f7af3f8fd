"""The browser's import preview against ``ledger import --dry-run`` (issue #29's speed goal):
the same 10,000-row .xlsx, the same store, one run.

    .venv/bin/python benchmarks/import_preview_bench.py [--rows 10000] [--units 200] [--repeat 3]
        [--pg postgresql://user@host:port/db]

The store: ``--units`` units and the rows' first half already imported, so a preview finds
5,000 new rows, 5,000 already present and a few refused (every 997th row names an unknown
unit) — the work a real re-upload does. Measured, each ``--repeat`` times (the median kept):

* **CLI**: ``ledger import FILE --dry-run`` as a person runs it, the whole process (start-up
  included; it exits 2 listing every problem, as it does for a file with refused rows);
* **preview**: ``POST /import`` to a running ``ledger serve`` (signed in as an office account),
  upload to the rendered preview page — the upload, the kept copy, its SHA-256, the dry run with
  every problem gathered and the page;
* for reference, ``Ledger.import_file(dry_run=True)`` in this process (the engine alone).

The goal: preview ≤ 1.5 × CLI.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from runinfo import print_header, scratch_database  # noqa: E402
from web_bench import PASSWORD, free_port, serve, signed_in_client  # noqa: E402

POLICY = HERE.parent / "tests" / "policies" / "cli.yaml"


def build(folder: Path, rows: int, units: int) -> tuple[Path, Path]:
    """(the whole sheet, its first half as JSONL to import beforehand)."""
    import json

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("事件")
    sheet.append(["type", "unit", "date", "issuer_level", "source", "note"])
    half = []
    for i in range(rows):
        unit = f"u{i % units:04d}" if i % 997 else "nobody"
        day = f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
        row = ["criticism", unit, day, "county", f"县办〔2021〕{i}号", f"第 {i} 件"]
        sheet.append(row)
        if i < rows // 2 and unit != "nobody":
            half.append(dict(zip(["type", "unit", "date", "issuer_level", "source", "note"], row, strict=True)))
    path = folder / "rows.xlsx"
    book.save(path)
    first = folder / "first-half.jsonl"
    first.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in half), encoding="utf-8")
    return path, first


def ledger_cli(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(HERE.parent / "cli.py"), "--db", url, *args], capture_output=True,
                          text=True, env={**os.environ, "LEDGER_ACTOR": "bench"})
    if check and done.returncode not in (0, 1):
        raise SystemExit(f"ledger {' '.join(args)}: {done.returncode}\n{done.stderr[-2000:]}")
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL server's URL: a scratch database on it, dropped afterwards "
                                     "(default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    print_header()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="import-preview-bench-"))
        folder = Path(tmp)
        url = stack.enter_context(scratch_database(args.pg, "preview_bench")) if args.pg else \
            f"sqlite:///{folder / 'ledger.db'}"
        sheet, first = build(folder, args.rows, args.units)
        (folder / "units.csv").write_text("id,name,groups\n" + "".join(
            f"u{i:04d},单位{i},g\n" for i in range(args.units)), encoding="utf-8")
        ledger_cli(url, "init")
        ledger_cli(url, "units", "import", str(folder / "units.csv"))
        ledger_cli(url, "policy", "load", str(POLICY))
        ledger_cli(url, "import", str(first))
        (folder / "pw.txt").write_text(PASSWORD, encoding="utf-8")
        ledger_cli(url, "users", "add", "bench", "--role", "office", "--password-file", str(folder / "pw.txt"))
        print(f"file: {sheet.stat().st_size / 1e6:.2f} MB, {args.rows} rows; store: {url.split('://')[0]}")

        cli_times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            done = ledger_cli(url, "import", str(sheet), "--dry-run", check=False)
            cli_times.append(time.perf_counter() - started)
        # exit 2: every problem listed, nothing written (the refused rows are in the file on purpose)
        print(f"CLI: exit {done.returncode}; {(done.stdout or done.stderr).strip().splitlines()[0][:160]}")

        from ledger.app import Ledger

        engine = []
        with Ledger(url, actor="bench") as ledger:
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = ledger.import_file(str(sheet), dry_run=True, skip_bad=True)
                engine.append(time.perf_counter() - started)
        print(f"engine: {result.new} new, {result.present} present, {result.held_back} held back")

        port = free_port()
        server = serve(url, port, 2)
        try:
            client = signed_in_client(f"http://127.0.0.1:{port}")
            import re

            web = []
            data = sheet.read_bytes()
            for _ in range(args.repeat):
                token = re.search(r'name="csrf" value="([^"]*)"', client.get("/import").text).group(1)  # type: ignore[union-attr]
                started = time.perf_counter()
                page = client.post("/import", data={"csrf": token}, files={"file": ("rows.xlsx", data)})
                web.append(time.perf_counter() - started)
                assert page.status_code == 200, page.text[-2000:]
            counts = [re.search(rf'id="{i}">([^<]*)<', page.text).group(1)  # type: ignore[union-attr]
                      for i in ("count-new", "count-present", "count-refused")]
            print(f"preview: {counts[0]} new, {counts[1]} present, {counts[2]} refused rows")
        finally:
            server.terminate()
            server.wait(timeout=30)

    cli_s, web_s, engine_s = (statistics.median(t) for t in (cli_times, web, engine))
    print(f"ledger import --dry-run (whole process): median {cli_s:.2f} s  {[round(t, 2) for t in cli_times]}")
    print(f"POST /import preview (upload → page):    median {web_s:.2f} s  {[round(t, 2) for t in web]}")
    print(f"Ledger.import_file(dry_run) in process:   median {engine_s:.2f} s  {[round(t, 2) for t in engine]}")
    print(f"ratio preview / CLI: {web_s / cli_s:.2f} (goal ≤ 1.5); preview / engine alone: {web_s / engine_s:.2f}")


if __name__ == "__main__":
    main()
