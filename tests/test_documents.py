"""Documents an office sends out (issue #14): the 通报 and the explanation as HTML and PDF.

The PDFs are printed by headless Chromium and checked with poppler-utils: A4 (pdfinfo), a CJK
font embedded (pdffonts), a unit's name and a note in the text (pdftotext). Skipped where
chromium or poppler-utils are not installed, except under LEDGER_REQUIRE_BROWSER=1 (.ci/run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from helpers import cli
from test_bulletins import setup as bulletin_setup
from test_cli_scoring import setup as scoring_setup

POPPLER = ("pdfinfo", "pdffonts", "pdftotext")


@pytest.fixture
def printer():
    missing = [tool for tool in ("chromium", *POPPLER) if not shutil.which(tool)]
    if missing:
        if os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LEDGER_REQUIRE_BROWSER=1 but {', '.join(missing)} not installed")
        pytest.skip(f"{', '.join(missing)} not installed")


def poppler(tool, path, *args, out=()):
    return subprocess.run([tool, *args, str(path), *out], capture_output=True, text=True, check=True).stdout


def check_pdf(path, *texts):
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    info = poppler("pdfinfo", path, "-f", "1", "-l", "999")
    sizes = re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes and all(sorted((round(float(w)), round(float(h)))) == [595, 842] for w, h in sizes), info
    fonts = poppler("pdffonts", path)
    cjk = [line for line in fonts.splitlines() if re.search(r"WenQuanYi|Noto.*CJK|SourceHan|CJK|Hei|Song", line)]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded
    text = poppler("pdftotext", path, "-layout", out=["-"])
    for wanted in texts:
        assert wanted in text, (wanted, text[:2000])
    return text


def test_bulletin_as_a_tongbao_in_html_and_pdf(printer, tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    bulletin_setup(url, tmp_path)
    page = cli(url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--format", "html",
               "--lang", "zh").out
    # Issuing office (the labels file), the title as a 通报 writes it, each table's caption, the
    # footnote naming the mark the table shows, the signature with the date; nothing remote.
    assert '<p class="masthead" id="issuer">绛县优化营商环境领导小组办公室</p>' in page
    assert '<h1 id="title">2021年6月份考核情况通报</h1>' in page
    assert "2021年6月份优化营商环境工作推进情况" in page and "2021-06 月份" not in page
    assert "注：已完成工作任务的打“✓”" in page and "√" not in page
    assert '<p id="date">二〇二一年六月三十日</p>' in page and "@page" in page and "size: A4" in page
    assert "<script" not in page and "http" not in page
    out = tmp_path / "b.pdf"
    run = cli(url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--format", "pdf", "--lang", "zh",
              "--output", str(out))
    assert run.code == 0, run.err
    text = check_pdf(out, "县财政局", "县税务局", "注：已完成工作任务的打“✓”", "2021年6月份考核情况通报",
                     "绛县优化营商环境领导小组办公室", "二〇二一年六月三十日")
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", text), text  # page numbers, from the page's CSS
    assert "file://" not in text and ".html" not in text  # no browser header or footer
    # JSON unchanged by the documents: the notes as the policy words them.
    doc = cli(url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--format", "json").out
    assert "注：已完成工作任务的打“√”" in doc


def test_explanation_as_pdf(printer, tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    scoring_setup(url, tmp_path)
    out = tmp_path / "b.pdf"
    run = cli(url, "explain", "b", "--policy", "cli-test", "--format", "pdf", "--output", str(out))
    assert run.code == 0, run.err
    text = check_pdf(out, "乙局", "b-c1", "2021-04-01")
    assert re.search(r"Page\s*1\s*of\s*\d+", text), text
    assert "file://" not in text


def test_wide_score_tables_go_on_landscape_pages(printer, tmp_path):
    """17 columns (jiangxian's license track): a landscape A4 page, still A4 (pdfinfo)."""
    url = f"sqlite:///{tmp_path}/l.db"
    bulletin_setup(url, tmp_path)
    out = tmp_path / "w.pdf"
    assert cli(url, "bulletin", "--policy", "jiangxian-2021", "--period", "2021-06", "--track", "license",
               "--format", "pdf", "--output", str(out)).code == 0
    info = poppler("pdfinfo", out, "-f", "1", "-l", "99")
    sizes = re.findall(r"size:\s+([\d.]+ x [\d.]+ pts.*)", info)
    assert sizes and all(size == "841.92 x 594.96 pts (A4)" for size in sizes), info  # title on the same page


def test_missing_browser_or_font_is_a_message_naming_what_to_install(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/l.db"
    scoring_setup(url, tmp_path)
    out = tmp_path / "b.pdf"
    monkeypatch.setenv("LEDGER_CHROMIUM", str(tmp_path / "no-such-browser"))
    run = cli(url, "explain", "b", "--policy", "cli-test", "--format", "pdf", "--output", str(out))
    assert run.code == 2 and "apt-get install chromium" in run.err and "Traceback" not in run.err, run.err
    assert not out.exists()
    zh = cli(url, "bulletin", "--policy", "cli-test", "--period", "2021-06", "--format", "pdf", "--lang", "zh",
             "--output", str(out))
    assert zh.code == 2 and "需要无界面 Chromium" in zh.err, zh.err
    monkeypatch.delenv("LEDGER_CHROMIUM")
    monkeypatch.setattr("ledger.reports.pdf.browser", lambda: "/bin/true")
    monkeypatch.setattr("ledger.reports.pdf.has_cjk_font", lambda: False)
    run = cli(url, "explain", "b", "--policy", "cli-test", "--format", "pdf", "--output", str(out))
    assert run.code == 2 and "fonts-noto-cjk" in run.err and "fonts-wqy-zenhei" in run.err, run.err
    monkeypatch.setattr("ledger.reports.pdf.has_cjk_font", lambda: True)
    run = cli(url, "explain", "b", "--policy", "cli-test", "--format", "pdf", "--output", str(out))
    assert run.code == 2 and "Chromium could not print the PDF" in run.err, run.err  # /bin/true prints nothing


def test_pdf_is_offered_wherever_the_report_is_shown():
    from ledger.reports import formats

    assert formats.get("explain", "pdf").binary and formats.get("bulletin", "pdf").binary
    assert "html" in formats.formats("bulletin")


def test_workbooks_look_official(tmp_path):
    """score, explain and bulletin xlsx read back with openpyxl (--lang zh): the summary sheet
    first, sheet names in Chinese, a title row, borders, wrapped headers, frozen panes, an
    autofilter, A4 landscape fit to width, rates as percentages, dates as dates, text as text."""
    import datetime as dt

    from openpyxl import load_workbook

    url = f"sqlite:///{tmp_path}/l.db"
    bulletin_setup(url, tmp_path)
    books = {}
    for name, args in (("score", ["score", "--policy", "jiangxian-2021", "--track", "progress"]),
                       ("bulletin", ["bulletin", "--policy", "jiangxian-2021", "--period", "2021-06"]),
                       ("explain", ["explain", "p1", "--policy", "jiangxian-2021", "--track", "progress"])):
        out = tmp_path / f"{name}.xlsx"
        run = cli(url, *args, "--format", "xlsx", "--lang", "zh", "--output", str(out))
        assert run.code == 0, run.err
        books[name] = load_workbook(out)
    for name, book in books.items():
        summary = book.worksheets[0]
        assert summary.title == "概况" and book.active.title == "概况", name
        pairs = {row[0].value: row[1].value for row in summary.iter_rows(min_row=3) if row[0].value}
        assert pairs["考核办法"] == "绛县2021年优化营商环境工作考核（jiangxian-2021@1）", pairs
        assert pairs["发文单位"] == "绛县优化营商环境领导小组办公室"
        assert isinstance(pairs["截至日期"], dt.datetime) and isinstance(pairs["依据记录（修订号）"], int)
        assert len(pairs["链哈希"]) == 64
        for ws in book.worksheets[1:]:
            assert ws["A1"].font.b and ws["A1"].value, (name, ws.title)  # the title row
            assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:"), (name, ws.title)
            assert all(c.alignment.wrap_text and c.font.b and c.border.left.style == "thin" for c in ws[2])
            assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
            assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$2"
            assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]  # never a formula
    assert books["explain"].sheetnames == ["概况", "扣分加分明细", "指标得分"]
    card = {r[0].value: r[1].value for r in books["explain"].worksheets[0].iter_rows(min_row=3) if r[0].value}
    assert card["单位"] == "p1 县财政局" and isinstance(card["总分"], (int, float)) and "考核类别" in card
    lines = books["explain"]["扣分加分明细"]
    dates = [c for c in (row[7] for row in lines.iter_rows(min_row=3)) if c.value is not None]
    assert dates and all(isinstance(c.value, dt.datetime) and c.number_format == "yyyy-mm-dd" for c in dates)
    assert books["score"].sheetnames == ["概况", "优化营商环境工作推进情况"]
    hotline = books["bulletin"]["“12345”政务服务便民热线办理情况"]
    assert hotline["A1"].value == "2021年6月份“12345”政务服务便民热线工作办理情况统计表"
    row = [c for c in hotline[3]]
    # 转办 4 (T5 open, not yet due, counts: SEEDS.md), 办结 2 of the 3 due
    assert [c.value for c in row[1:5]] == ["县税务局", 4, 2, 0.6667] and row[4].number_format == "0.00%"
    progress = books["bulletin"]["优化营商环境工作推进情况"]
    assert progress["A3"].value == "县财政局" and progress["A3"].data_type == "s"
    assert "注：已完成工作任务的打“✓”" in [c.value for c in progress["A"]]
