"""Evidence files (issue #33): attaching and verifying beside sha256sum and a plain copy.

Writes ``--files`` (100) PDFs of ``--mb`` (5) MB each (pseudo-random content, fixed seeds), then in
one run times, over the same bytes:

* ``sha256sum`` of the files (the fastest a file's hash is checked on this machine) and a plain
  copy of them (``cp`` into another folder: what any backup of the files costs at least);
* ``ledger attach EVENT FILE…`` — all of them onto one event in one command (each file read,
  recognised by its content, hashed; then, in the write, read again and stored);
* ``ledger verify`` — the log's checks plus every stored file read back and re-hashed.

Each as MB/s (MB = 10^6 bytes, as the limit is given) and as a ratio of sha256sum's figure,
with the peak RSS of the two ledger commands. With ``--pg URL`` the ledger's figures again on a
fresh PostgreSQL database on that server (created and dropped here).

    .venv/bin/python benchmarks/evidence_bench.py [--files 100] [--mb 5] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from runinfo import print_header, run_measured, scratch_database  # noqa: E402

CLI = [sys.executable, str(HERE.parent / "cli.py")]
MB = 1000 * 1000


def make_files(folder: Path, count: int, size: int) -> list[Path]:
    from evidence_files import pdf

    paths = []
    for i in range(count):
        noise = random.Random(i).randbytes(size - 600).replace(b"/", b"_").replace(b"%", b"_")
        path = folder / f"佐证材料-{i:03d}.pdf"
        path.write_bytes(pdf(noise, text=f"file {i}"))
        paths.append(path)
    return paths


def run_ledger(url: str, *args: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of a ledger command as a new process."""
    wall, _cpu, rss, code, out, err = run_measured([*CLI, "--db", url, "--lang", "en", *args],
                                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if code:
        raise SystemExit(f"ledger {' '.join(args[:2])} failed ({code}): {err.decode()[-500:]}")
    return wall, rss, out.decode()


def prepare(url: str, folder: Path) -> None:
    units = folder / "units.csv"
    units.write_text("id,name,groups\njk-fgj,发改局,jingkai-unit\n", encoding="utf-8")
    for args in (("init",), ("units", "import", str(units)),
                 ("record", "criticism", "--unit", "jk-fgj", "--date", "2021-05-01", "--id", "c1",
                  "--set", "issuer_level=district")):
        run_ledger(url, *args)


def ledger_figures(label: str, url: str, folder: Path, paths: list[Path], total: int, base: float) -> None:
    prepare(url, folder)
    attach_s, attach_mb, _ = run_ledger(url, "attach", "c1", *map(str, paths))
    verify_s, verify_mb, out = run_ledger(url, "verify")
    assert f"evidence: {len(paths)} files, {total} bytes" in out, out
    for what, secs, rss in ((f"{label} attach", attach_s, attach_mb), (f"{label} verify", verify_s, verify_mb)):
        rate = total / MB / secs
        print(f"{what:<24}{secs:>9.2f}{rate:>10.0f}{rate / base:>10.2f}{rss:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--pg", metavar="URL", help="also on a fresh database of this PostgreSQL server")
    args = parser.parse_args()
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "files").mkdir()
        paths = make_files(folder / "files", args.files, int(args.mb * MB))
        total = sum(p.stat().st_size for p in paths)
        print(f"{args.files} PDF files, {total / MB:,.1f} MB in all\n")
        print(f"{'':<24}{'seconds':>9}{'MB/s':>10}{'× sha256':>10}{'peak MB':>10}")
        start = time.perf_counter()
        subprocess.run(["sha256sum", *map(str, paths)], check=True, stdout=subprocess.DEVNULL)
        sha_s = time.perf_counter() - start
        base = total / MB / sha_s
        print(f"{'sha256sum':<24}{sha_s:>9.2f}{base:>10.0f}{1:>10.2f}{'':>10}")
        start = time.perf_counter()
        subprocess.run(["cp", *map(str, paths), str(folder)], check=True)
        os.sync()
        copy_s = time.perf_counter() - start
        print(f"{'cp (+ sync)':<24}{copy_s:>9.2f}{total / MB / copy_s:>10.0f}{total / MB / copy_s / base:>10.2f}"
              f"{'':>10}")
        for p in paths:
            (folder / p.name).unlink()
        ledger_figures("SQLite", f"sqlite:///{folder / 'evidence.db'}", folder, paths, total, base)
        if args.pg:
            with scratch_database(args.pg, "ledger_bench_evidence") as url:
                ledger_figures("PostgreSQL", url, folder, paths, total, base)
        shutil.rmtree(folder / "files")
    print("\n(attach: one `ledger attach` of every file onto one event — read, recognised by content and hashed, "
          "then read again and stored in one write; verify: `ledger verify`, the log's checks and every file "
          "read back from the store and re-hashed; both as new processes, start-up included; × sha256: the "
          "rate as a multiple of sha256sum's over the same bytes)")


if __name__ == "__main__":
    main()
