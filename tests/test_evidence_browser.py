"""Evidence in a real browser (issue #33): a unit files an appeal with its proof attached, and the
office downloads the file from the line of the unit's card — chromium through Selenium, as
tests/test_web_browser.py drives it (skipped without chromium unless LEDGER_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import hashlib
import time

import evidence_files as files
import pytest
from test_web_browser import browser, go, serving, sign_in  # noqa: F401 - the browser fixture
from webkit import make_world


@pytest.mark.slow
def test_a_unit_attaches_to_its_appeal_and_the_office_downloads_it_from_the_line(browser, db_url, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    make_world(db_url, tmp_path, with_appeals=False)
    proof = tmp_path / "签收单.pdf"
    proof.write_bytes(files.pdf(text="signed receipt"))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = browser
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    with serving(db_url, tmp_path) as base:
        # the unit: its card, the criticism marked, grounds and the receipt, filed
        sign_in(d, base, "ub")
        d.get(base + "/units/b")
        d.find_element(By.ID, "t-b-c1").click()
        d.find_element(By.ID, "grounds").send_keys("整改已完成，附签收单")
        d.find_element(By.ID, "appeal-files").send_keys(str(proof))
        go(d, d.find_element(By.ID, "file-appeal"))
        appeal_id = d.find_element(By.ID, "appeal-id").text
        listed = d.find_element(By.ID, "evidence-files").text
        assert "签收单.pdf" in listed and "PDF文档" in listed

        # the office: the unit's card, the criticism's line names the file sent with the appeal
        sign_in(d, base, "off")
        d.get(base + "/units/b")
        link = d.find_element(By.CSS_SELECTOR, f"a.evidence-link[href^='/events/{appeal_id}/evidence/']")
        assert link.text == "签收单.pdf"
        row = link.find_element(By.XPATH, "ancestor::tr")
        assert "b-c1" in row.text and appeal_id in row.text
        link.click()
        target = downloads / "签收单.pdf"
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert target.exists(), list(downloads.iterdir())
        time.sleep(0.3)  # the rename from .crdownload is the last step
        assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(proof.read_bytes()).digest()
        assert d.current_url.endswith("/units/b")  # downloaded, never shown in the page
        blocked = [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
        assert blocked == []
