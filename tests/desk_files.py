"""Files for the desk tests (issue #29): an import sheet for the small world of webkit
(units a, b, c; policy cli-test) with good rows, rows with mistakes and a probable duplicate."""

from __future__ import annotations

from pathlib import Path

HEADER = ["type", "unit", "date", "issuer_level", "source", "note"]
GOOD = [["criticism", "a", "2021-07-01", "county", "县办〔2021〕7号", "迟报"],
        ["criticism", "b", "2021-07-02", "county", "县办〔2021〕8号", "漏报"],
        ["warning", "c", "2021-07-03", "city", "市办〔2021〕9号", "<script>alert(1)</script>"]]
BAD = [["criticism", "zz", "2021-07-04", "county", "县办〔2021〕10号", "未登记的单位"],  # row 5
       ["criticism", "a", "2021-13-01", "galaxy", "县办〔2021〕11号", "两处错误"]]       # row 6: date and level
DUPLICATE = ["warning", "a", "2021-03-01", "province", "某办〔2021〕1号", "同一文号"]       # like a-w1
FIXED = [["criticism", "b", "2021-07-04", "county", "县办〔2021〕10号", "未登记的单位"],
         ["criticism", "a", "2021-08-01", "county", "县办〔2021〕11号", "两处错误"]]


def sheet(path: Path, rows: list[list[str]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode("utf-8")


def with_mistakes(path: Path) -> Path:
    """3 good rows, 2 refused (rows 5 and 6; row 6 with two problems), 1 probable duplicate (row 7)."""
    return sheet(path, GOOD + BAD + [DUPLICATE])


def fixed(path: Path) -> Path:
    """The same good rows and the refused ones fixed (the duplicate left out): 5 rows."""
    return sheet(path, GOOD + FIXED)
