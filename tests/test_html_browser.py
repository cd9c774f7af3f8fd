"""The printable explanation page in a real headless browser (Debian's chromium).

Skipped where chromium is not installed, except under LEDGER_REQUIRE_BROWSER=1 (.ci/run),
where it must run.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

import pytest
from helpers import cli
from test_cli_scoring import setup

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def chromium():
    if not CHROMIUM:
        if os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail("LEDGER_REQUIRE_BROWSER=1 but chromium is not installed")
        pytest.skip("chromium not installed")
    return CHROMIUM


def run_chromium(binary, tmp_path, *args):
    profile = tmp_path / "profile"
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def test_explanation_page_renders(chromium, tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    setup(url, tmp_path)
    page = tmp_path / "b.html"
    assert cli(url, "explain", "b", "--policy", "cli-test", "--format", "html", "--output", str(page)).code == 0
    dom = run_chromium(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout
    # The browser parsed our page: title, total, every indicator row and every line.
    assert '<h1 id="title">b 乙局 — 命令行测试方案 / 测试考核 (main)</h1>' in dom
    assert 'data-total="10"' in dom
    assert dom.count("<tr class=\"d0\">") == 2  # daily, media
    assert "被警示的扣1分/件次" in dom and "b-c1 (criticism)" in dom
    assert "<script" not in dom
    shot = tmp_path / "b.png"
    run_chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 1400) and len(data) > 20_000
    # Chinese text is drawn with a CJK font (not tofu boxes): the printed PDF embeds one.
    pdf = tmp_path / "b.pdf"
    run_chromium(chromium, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    pdffonts = shutil.which("pdffonts")
    if pdffonts:
        fonts = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True).stdout
        assert any(name in fonts for name in ("WenQuanYi", "Noto", "CJK", "Hei")), fonts
    else:
        assert pdf.stat().st_size > 5_000
