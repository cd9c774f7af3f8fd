"""A publication's documents (xlsx, HTML, PDF) carry a verification code and are rendered
deterministically; `ledger verify-publication FILE` accepts them and refuses edited ones,
naming what differs (issue #19). PDF tests need chromium and poppler-utils (skipped without
them, except under LEDGER_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import pytest
from helpers import cli
from test_cli_scoring import setup
from test_documents import printer  # noqa: F401 - the fixture

# Hostile names: a page must show them as text, a workbook as text cells (no formula).
HOSTILE = "id,name,groups\na,<script>alert(1)</script>,g\nb,乙局,g\nc,\"=cmd|' /C calc'!A0\",g\n"
SCRIPT, FORMULA = "<script>alert(1)</script>", "=cmd|' /C calc'!A0"


@pytest.fixture
def world(db_url, tmp_path):
    """cli-test's three units (a 12, b 10, c 2 points: tests/test_cli_scoring.py) under hostile
    names, a published score table and a published June bulletin."""
    setup(db_url, tmp_path)
    (tmp_path / "hostile.csv").write_text(HOSTILE, encoding="utf-8")
    assert cli(db_url, "units", "import", str(tmp_path / "hostile.csv")).code == 0
    pubs = {}
    for kind, args in (("score", ()), ("bulletin", ("--period", "2021-06"))):
        run = cli(db_url, "publish", "--policy", "cli-test", *args)
        assert run.code == 0, run.err
        pubs[kind] = run.out.split(":")[0]
    return db_url, tmp_path, pubs


def make(url, pub, fmt, path, *extra):
    run = cli(url, "published", pub, "--format", fmt, "--output", str(path), *extra)
    assert run.code == 0, run.err
    return path


def verify(url, path, *extra):
    return cli(url, "verify-publication", str(path), *extra)


def expected_code(url, pub):
    """The publication id and the first 16 hex of the sha256 of its JSON, worked out here."""
    content = cli(url, "published", pub, "--content").out
    return f"{pub}:{hashlib.sha256(content.encode()).hexdigest()[:16]}"


@pytest.mark.parametrize("kind", ["score", "bulletin"])
@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_documents_are_deterministic_and_verify(world, kind, fmt):
    url, tmp, pubs = world
    pub = pubs[kind]
    first, second = make(url, pub, fmt, tmp / f"one.{fmt}"), make(url, pub, fmt, tmp / f"two.{fmt}")
    assert first.read_bytes() == second.read_bytes()
    code = expected_code(url, pub)
    if fmt == "html":
        assert f'data-code="{code}"' in first.read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(first) as archive:
            assert f"<dc:identifier>{code}</dc:identifier>" in archive.read("docProps/core.xml").decode()
    run = verify(url, first)
    assert run.code == 0, run.err
    assert f"ok  code {code}" in run.out and "the same bytes" in run.out


def test_xlsx_code_dates_and_hostile_cells(world):
    url, tmp, pubs = world
    path = make(url, pubs["score"], "xlsx", tmp / "s.xlsx")
    from openpyxl import load_workbook

    recorded = json.loads(cli(url, "published", pubs["score"], "--format", "json").out)["recorded_at"]
    day, time = recorded[:10], recorded[11:19]  # e.g. 2024-05-01T08:09:10.123456Z (the table shows China time)
    with zipfile.ZipFile(path) as archive:
        moments = {info.date_time for info in archive.infolist()}
        core = archive.read("docProps/core.xml").decode()
    when = [int(x) for x in day.split("-") + time.split(":")]
    when[5] -= when[5] % 2  # a zip member's time has 2-second steps
    assert moments == {tuple(when)}  # never "now"
    assert f"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{day}T{time}Z</dcterms:created>" in core
    assert f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{day}T{time}Z</dcterms:modified>" in core
    code = expected_code(url, pubs["score"])
    book = load_workbook(path)
    summary = book.worksheets[0]
    pairs = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, summary.max_row + 1)}
    assert pairs["Verification code"] == code
    assert all(code in ws.oddFooter.left.text for ws in book.worksheets)
    table = book.worksheets[1]
    cells = {table.cell(r, 3).value: table.cell(r, 3) for r in range(3, table.max_row + 1)}
    assert cells[FORMULA].data_type == "s" and cells[SCRIPT].data_type == "s"  # text, never a formula
    assert {table.cell(r, 3).value: table.cell(r, 4 + 2).value for r in range(3, 6)} == {
        SCRIPT: 12, "乙局": 10, FORMULA: 2}


def test_html_hostile_name_is_inert(world):
    url, tmp, pubs = world
    page = make(url, pubs["score"], "html", tmp / "s.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page


def test_changed_cell_refused(world):
    url, tmp, pubs = world
    path = make(url, pubs["score"], "xlsx", tmp / "s.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    table = book.worksheets[1]
    row = next(r for r in range(3, table.max_row + 1) if table.cell(r, 3).value == "乙局")
    total = table.cell(row, 6)
    assert total.value == 10
    total.value = 13
    book.save(tmp / "edited.xlsx")
    run = verify(url, tmp / "edited.xlsx")
    assert run.code == 1, run.out
    assert f"cell {total.coordinate}: 13 in the file, 10 in the publication" in run.err
    # Saved again unchanged by another program: the values hold, the bytes do not.
    load_workbook(path).save(tmp / "resaved.xlsx")
    run = verify(url, tmp / "resaved.xlsx")
    assert run.code == 1 and "every value is the publication's, but the bytes differ" in run.err
    run = verify(url, tmp / "resaved.xlsx", "--values-only")
    assert run.code == 0 and "cells compared" in run.out, run.err


def test_changed_text_refused(world):
    url, tmp, pubs = world
    page = make(url, pubs["bulletin"], "html", tmp / "b.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><td[^>]*>\d+</td><td[^>]*>乙局</td>.*?</tr>", page)
    assert row, page
    edited = row.group(0).replace("乙局", "丁局")
    (tmp / "edited.html").write_text(page.replace(row.group(0), edited), encoding="utf-8")
    run = verify(url, tmp / "edited.html")
    assert run.code == 1 and "丁局" in run.err and "乙局" in run.err and "in the publication" in run.err, run.err
    # A code whose hash is not the publication's
    code = expected_code(url, pubs["bulletin"])
    forged = page.replace(f'data-code="{code}"', f'data-code="{code[:-1]}{"0" if code[-1] != "0" else "1"}"')
    (tmp / "forged.html").write_text(forged, encoding="utf-8")
    run = verify(url, tmp / "forged.html")
    assert run.code == 1 and "content hash" in run.err, run.err
    # A code naming a publication this ledger never recorded
    (tmp / "other.html").write_text(page.replace(pubs["bulletin"], "pub-000000000000"), encoding="utf-8")
    run = verify(url, tmp / "other.html")
    assert run.code == 1 and "pub-000000000000" in run.err and "has not recorded" in run.err, run.err


def test_missing_code_or_unreadable_is_input_error(world):
    url, tmp, pubs = world
    page = make(url, pubs["score"], "html", tmp / "s.html").read_text(encoding="utf-8")
    (tmp / "bare.html").write_text(re.sub(r'<p class="[^"]*verification"[^>]*>.*?</p>', "", page), encoding="utf-8")
    plain = tmp / "plain.xlsx"
    assert cli(url, "score", "--policy", "cli-test", "--format", "xlsx", "--output", str(plain)).code == 0
    (tmp / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    for name, said in (("bare.html", "verification code"), ("plain.xlsx", "verification code"),
                       ("notes.txt", "xlsx, PDF or HTML"), ("broken.xlsx", "Excel workbook"),
                       ("absent.pdf", "readable file")):
        run = verify(url, tmp / name)
        assert run.code == 2 and said in run.err and name in run.err and "Traceback" not in run.err, (name, run.err)


def test_other_renderer_version_compares_values(world, monkeypatch):
    """A workbook naming a renderer version this ledger does not have (a later ledger's): its
    values compared with the publication's own renderer, the version difference reported
    apart; an edited value is still refused."""
    url, tmp, pubs = world
    from ledger.reports import published

    real = published.version
    monkeypatch.setattr(published, "version", lambda renderer=None: "0.9.0/7")
    old = make(url, pubs["score"], "xlsx", tmp / "old.xlsx")
    monkeypatch.setattr(published, "version", real)
    run = verify(url, old)
    assert run.code == 0, run.err
    assert "renderer versions differ: the file names 0.9.0/7" in run.out and "cells compared" in run.out
    from openpyxl import load_workbook

    book = load_workbook(old)
    book.worksheets[1].cell(3, 6).value = 99
    book.save(tmp / "old-edited.xlsx")
    run = verify(url, tmp / "old-edited.xlsx")
    assert run.code == 1 and "99 in the file, 12 in the publication" in run.err, run.err


def test_chinese_documents_verify_in_either_language(world):
    url, tmp, pubs = world
    page = make(url, pubs["bulletin"], "html", tmp / "zh.html", "--lang", "zh")
    book = make(url, pubs["score"], "xlsx", tmp / "zh.xlsx", "--lang", "zh")
    assert "验证码 " + expected_code(url, pubs["bulletin"]) in page.read_text(encoding="utf-8")
    for path in (page, book):
        run = verify(url, path)  # asked in English: the file is rendered again in its own language
        assert run.code == 0 and "the same bytes" in run.out, run.err
    run = cli(url, "verify-publication", str(page), "--lang", "zh")
    assert run.code == 0 and "逐字节相同" in run.out, run.err


def _pdf_text(path):
    import subprocess

    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pdf_verifies_and_forgeries_are_refused(world, printer):  # noqa: F811 - the fixture
    url, tmp, pubs = world
    pub = pubs["bulletin"]
    first, second = make(url, pub, "pdf", tmp / "one.pdf"), make(url, pub, "pdf", tmp / "two.pdf")
    assert first.read_bytes() == second.read_bytes()  # the same machine's Chromium: dates fixed, no /ID
    dates = re.findall(rb"/(?:CreationDate|ModDate) \(D:(\d{14})", first.read_bytes())
    recorded = json.loads(cli(url, "published", pub, "--format", "json").out)["recorded_at"]  # UTC, as recorded
    stamp = re.sub(r"\D", "", recorded[:19]).encode()
    assert dates == [stamp, stamp]
    assert expected_code(url, pub) in _pdf_text(first)
    run = verify(url, first)
    assert run.code == 0 and "pdf: the same bytes" in run.out, run.err
    # A forgery: the page edited (乙局's row renamed) and printed, the code line kept.
    page = make(url, pub, "html", tmp / "b.html").read_text(encoding="utf-8")
    from ledger.reports.pdf import html_to_pdf

    (tmp / "forged.pdf").write_bytes(html_to_pdf(page.replace("乙局", "丁局")))
    run = verify(url, tmp / "forged.pdf")
    assert run.code == 1 and "丁局" in run.err and "in the publication" in run.err, run.err
    # Another publication's PDF verifies as that publication, never as this one.
    other = make(url, pubs["score"], "pdf", tmp / "score.pdf")
    run = verify(url, other)
    assert run.code == 0 and f"publication {pubs['score']}" in run.out and pub not in run.out, run.err


def test_published_keeps_its_listing_and_check(world):
    url, _tmp, pubs = world
    listed = cli(url, "published")
    assert listed.code == 0 and pubs["score"] in listed.out and pubs["bulletin"] in listed.out
    run = cli(url, "published", pubs["score"])
    assert run.code == 0 and "byte for byte" in run.out
    run = cli(url, "published", "--format", "xlsx", "--output", "x.xlsx")
    assert run.code == 2 and "publication ID" in run.err


# --- #25 item 6: no loopholes whatever renderer version a page names --------------------------
def _pages(url, tmp, pub):
    """The publication's page as renderer 2 (its own) and as renderer 1 made it, both genuine."""
    from ledger import i18n
    from ledger.app import Ledger
    from ledger.reports import formats
    from ledger.reports.published import PublishedDocument
    from ledger.workflows import publishing

    pages = {"2": make(url, pub, "html", tmp / "r2.html").read_text(encoding="utf-8")}
    with Ledger(url) as ledger, i18n.speaking("en"):
        doc = publishing.document(ledger, publishing.find(ledger, pub))
        pages["1"] = formats.render("publication", "html", PublishedDocument(doc.pub, doc.result, "1"))
    for version, page in pages.items():
        (tmp / f"genuine{version}.html").write_text(page, encoding="utf-8")
        run = verify(url, tmp / f"genuine{version}.html")
        assert run.code == 0 and "the same bytes" in run.out and f"0.1.0/{version}" in run.out, run.err
    return pages


@pytest.mark.parametrize("version", ["1", "2"])
def test_content_generating_css_is_refused(world, version):
    """A ::before/::after content rule shows text that is not in the page: refused, with
    --values-only too, whichever released renderer the page names."""
    url, tmp, pubs = world
    page = _pages(url, tmp, pubs["score"])[version]
    for rule in ('td.n::after{content:"9"}', "p.caption:before { content: '已撤销' }", 'td{content:"9"}'):
        (tmp / "css.html").write_text(page.replace("</style>", rule + "</style>"), encoding="utf-8")
        run = verify(url, tmp / "css.html", "--values-only")
        assert run.code == 1 and "content-generating CSS" in run.err and f"renderer 0.1.0/{version}'s" in run.err, \
            (rule, run.err)


@pytest.mark.parametrize("version", ["1", "2"])
def test_hidden_or_overlaid_elements_are_refused(world, version):
    """A row hidden, text folded away in <details>, a box laid over a figure, white-on-white:
    each refused naming what it is, whichever released renderer the page names."""
    url, tmp, pubs = world
    page = _pages(url, tmp, pubs["score"])[version]
    row = re.search(r"<tr><td[^>]*>\d+</td><td[^>]*>乙局</td>", page)
    assert row, page
    cell = re.search(r"<td[^>]*>10</td>", page)
    assert cell, page
    forgeries = {
        "hidden": (page.replace(row.group(0), row.group(0).replace("<tr>", "<tr hidden>"), 1), "hidden"),
        "details": (page.replace("<table", "<details><summary></summary><table", 1), "<details>"),
        "overlay": (page.replace(cell.group(0), cell.group(0)[:-5] + '<span style="position:absolute;'
                                 'margin-left:-2em;background:#fff">13</span></td>', 1), "style="),
        "aria": (page.replace("<h1", '<h1 aria-hidden="true"', 1), "aria-hidden="),
        "white": (page.replace("</style>", "td.n{color:#fff}</style>"), "CSS that can hide or overlay"),
        "moved": (page.replace("</style>", ".caption{position:absolute;top:-999px}</style>"), "position"),
    }
    for name, (forged, said) in forgeries.items():
        assert forged != page, name
        (tmp / f"{name}.html").write_text(forged, encoding="utf-8")
        run = verify(url, tmp / f"{name}.html", "--values-only")
        assert run.code == 1 and said in run.err, (name, run.err)


def test_a_page_naming_another_renderer_with_a_changed_stylesheet_is_refused(world):
    """The stylesheet is checked against the renderer a page names, and only a released one
    will do: a page naming an unreleased version, or renderer 1 with renderer 2's stylesheet,
    or a renderer's page with its stylesheet edited (a colour), is refused."""
    url, tmp, pubs = world
    pages = _pages(url, tmp, pubs["score"])
    later = pages["2"].replace('data-version="0.1.0/2"', 'data-version="0.1.0/9"').replace(
        "color: #c00", "color: #fff")
    (tmp / "later.html").write_text(later, encoding="utf-8")
    run = verify(url, tmp / "later.html", "--values-only")
    assert run.code == 1 and "names renderer 0.1.0/9, which no released ledger has" in run.err, run.err
    older = pages["2"].replace('data-version="0.1.0/2"', 'data-version="0.1.0/1"')
    (tmp / "older.html").write_text(older, encoding="utf-8")
    run = verify(url, tmp / "older.html", "--values-only")
    assert run.code == 1 and "a stylesheet other than renderer 0.1.0/1's" in run.err, run.err
    edited = pages["1"].replace("border-top: 2px solid #c00", "border-top: 2px solid #fff")
    assert edited != pages["1"]
    (tmp / "edited.html").write_text(edited, encoding="utf-8")
    run = verify(url, tmp / "edited.html", "--values-only")
    assert run.code == 1 and "a stylesheet other than renderer 0.1.0/1's" in run.err, run.err
