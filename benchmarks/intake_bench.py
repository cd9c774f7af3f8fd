"""Spreadsheet intake speed (issue #15): the same rows as UTF-8 JSONL, GBK CSV and xlsx, in one run.

Takes the first ``--rows`` events of a synthetic year (benchmarks/synthetic.py), writes them as
UTF-8 JSON Lines, as a GBK CSV with Chinese headers (the catalogue's names: what
`ledger template` writes and Chinese Excel saves as "CSV (逗号分隔)"), as the same CSV with the
clerk's words in the cells too (Chinese type names, 2021/6/3 dates: every row read a second
time in the spreadsheet's words), and as an .xlsx sheet (Chinese headers, date cells). Each
is imported into a fresh SQLite store with `Ledger.import_file` (the default path: a producer
process reads and validates while this one writes, for every format; xlsx read by
python-calamine, or openpyxl where it is not installed). Prints seconds, rows/s and each
format's time against JSONL (goal ≤ 2×); see docs/performance.md.

    .venv/bin/python benchmarks/intake_bench.py [--rows 100000] [--units 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from runinfo import print_header  # noqa: E402

from ledger.events import names  # noqa: E402


def zh_field(key: str) -> str:
    term = names.FIELDS.get(key)
    return term.zh.split("/")[0] if term is not None else key


def cell(value: object) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def clerk_words(row: dict) -> dict:
    """The clerk's words: the type's Chinese name, dates as 2021/6/3."""
    out = dict(row)
    term = names.TYPES.get(row["type"])
    if term is not None:
        out["type"] = term.zh.split("/")[0]
    for key in ("date", "due"):
        if isinstance(out.get(key), str):
            d = dt.date.fromisoformat(out[key])
            out[key] = f"{d.year}/{d.month}/{d.day}"
    return out


def write_files(folder: Path, rows: list[dict]) -> dict[str, str]:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    header = [zh_field(c) for c in columns]
    paths = {"jsonl": str(folder / "rows.jsonl"), "csv-gbk": str(folder / "rows-gbk.csv"),
             "csv-gbk-words": str(folder / "rows-gbk-words.csv"), "xlsx": str(folder / "rows.xlsx")}
    with open(paths["jsonl"], "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    for name, convert in (("csv-gbk", None), ("csv-gbk-words", clerk_words)):
        with open(paths[name], "w", encoding="gbk", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            for r in rows:
                r = convert(r) if convert else r
                w.writerow([cell(r.get(c)) for c in columns])
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(header)
    for r in rows:
        sheet.append([dt.date.fromisoformat(r[c]) if c in ("date", "due") and c in r else cell(r.get(c)) or None
                      for c in columns])
    book.save(paths["xlsx"])
    return paths


def xlsx_reader() -> str:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl read-only"
    return "python-calamine"


def timed_import(folder: Path, name: str, units: str, path: str) -> tuple[int, float]:
    return synthetic.timed_import(f"sqlite:///{folder / (name + '.db')}", units, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the formats; each format's best counts")
    args = parser.parse_args()
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        units = str(folder / "units.csv")
        synthetic.write_units(units, args.units)
        per_unit = -(-args.rows // args.units) + 1
        rows = list(islice(synthetic.events(args.units, per_unit), args.rows))
        start = time.perf_counter()
        paths = write_files(folder, rows)
        print(f"{len(rows):,} rows of a synthetic year ({args.units} units); files written in "
              f"{time.perf_counter() - start:.1f} s: " +
              ", ".join(f"{k} {os.path.getsize(p) / 2**20:.1f} MB" for k, p in paths.items()))
        warm = folder / "warm.jsonl"  # the first import of a process builds the catalogue: not timed
        with open(paths["jsonl"], encoding="utf-8") as src, open(warm, "w", encoding="utf-8") as dst:
            dst.writelines(islice(src, 100))
        timed_import(folder, "warm", units, str(warm))
        # Rounds interleave the formats, and each format's best round counts: on a shared machine
        # a burst of other work then slows one round, not one format.
        results: dict[str, tuple[int, float]] = {}
        for round_ in range(args.repeat):
            for name, path in paths.items():
                count, secs = timed_import(folder, f"{name}-{round_}", units, path)
                if name not in results or secs < results[name][1]:
                    results[name] = (count, secs)
        base = results["jsonl"][1]
        print(f"\nbest of {args.repeat} interleaved rounds\n{'format':<44}{'events':>10}{'seconds':>10}{'rows/s':>10}"
              f"{'× JSONL':>9}")
        labels = {"jsonl": "UTF-8 JSON Lines", "csv-gbk": "GBK CSV, Chinese headers",
                  "csv-gbk-words": "GBK CSV, Chinese headers and words",
                  "xlsx": f"xlsx ({xlsx_reader()}), Chinese headers"}
        for name, (count, secs) in results.items():
            print(f"{labels[name]:<44}{count:>10,}{secs:>10.2f}{len(rows) / secs:>10,.0f}{secs / base:>9.2f}")
        worst = max(secs / base for name, (_, secs) in results.items() if name != "jsonl")
        print(f"\nslowest spreadsheet path: {worst:.2f} × JSONL   (goal ≤ 2×: {'met' if worst <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
