"""The workbench at a desk and on a phone (issue #34): every page of every role on the demo store
(tests/webpages.py: found in the app's route table), loaded by Debian's chromium at 1440 and at
390 px wide, is no wider than the window — a wide table scrolls inside its own box, forms stack,
headers keep their words whole. A screenshot of each is saved under the test's temporary folder
(or $LEDGER_SCREENSHOTS). On SQLite: a page's width is its markup and style sheet's, the same
whichever store served its data (the pages' contents on PostgreSQL are read by the guard,
tests/test_zh_guard_web.py, on both stores) — one store keeps CI's time for other tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_web_browser import browser, go, serving  # noqa: F401 - the browser fixture
from webpages import ACCOUNTS, Store, build, pages_of

from ledger.app import Ledger

pytestmark = pytest.mark.slow

WIDTHS = {"desk": (1440, 1000), "phone": (390, 844)}


def sign_in(driver, base: str, role: str) -> None:
    from selenium.webdriver.common.by import By

    name, password, _unit = ACCOUNTS[role]
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    go(driver, driver.find_element(By.ID, "signin"))
    assert driver.find_element(By.ID, "who").text == name


def shot_name(role: str, width: str, path: str) -> str:
    return f"{width}-{role}-" + "".join(c if c.isalnum() or c in "-_@" else "_" for c in path.strip("/"))[:90]


def test_no_page_is_wider_than_the_window(browser, tmp_path):  # noqa: F811 - the fixture
    db_url = f"sqlite:///{tmp_path}/ledger.db"
    world = build(db_url, tmp_path)
    from ledger.web import create_app

    app = create_app(db_url, secret="phone-secret", failure_delay=0, warm=False)
    with Ledger(db_url) as ledger:
        store = Store(world, ledger)
        # the pages a GET opens (not those a write answers with: desk_pages, read by the guard)
        pages = {role: [path for path, _status, _html in pages_of(app, store, role)
                        if path.startswith("/") and not path.startswith("/import/")] for role in ACCOUNTS}
    shots = tmp_path / "screenshots"
    shots.mkdir()
    target = os.environ.get("LEDGER_SCREENSHOTS")
    too_wide: dict[str, tuple[int, int]] = {}
    seen = 0
    with serving(db_url, tmp_path) as base:
        for role, paths in pages.items():
            sign_in(browser, base, role)
            for width, (w, h) in WIDTHS.items():
                browser.set_window_size(w, h)
                assert browser.execute_script("return window.innerWidth") == w  # headless: no frame
                for path in paths:
                    browser.get(base + path)
                    wide, inner = browser.execute_script(
                        "return [document.documentElement.scrollWidth, window.innerWidth]")
                    if wide > inner:
                        too_wide[f"{width} {role} {path}"] = (wide, inner)
                    shot = shots / (shot_name(role, width, path) + ".png")
                    browser.save_screenshot(str(shot))
                    if target:
                        Path(target).mkdir(parents=True, exist_ok=True)
                        shutil.copy(shot, Path(target) / shot.name)
                    seen += 1
    assert too_wide == {}
    assert seen >= 2 * 3 * 20  # every role's pages at both widths (a page the role may not open: its error page)
    assert len(list(shots.glob("phone-*.png"))) == seen // 2


def test_a_wide_table_scrolls_inside_its_box_on_a_phone(browser, db_url, tmp_path):  # noqa: F811
    """The score table at 390 px: wider than the window, it scrolls inside itself; its headers
    keep their words on one line (no header one character a line); the publish form (a write)
    stands in a box of its own, apart from the pickers (reads)."""
    build(db_url, tmp_path)
    with serving(db_url, tmp_path) as base:
        sign_in(browser, base, "office")
        browser.set_window_size(390, 844)
        browser.get(base + "/scores/jingkai-2021")
        table = browser.find_element("css selector", "table.scores")
        box = browser.execute_script("const s = getComputedStyle(arguments[0]); return [arguments[0].scrollWidth, "
                                     "arguments[0].clientWidth, s.overflowX]", table)
        assert box[0] > box[1] and box[2] == "auto"  # the table is wider than its box, which scrolls
        heights = browser.execute_script(
            "return [...arguments[0].querySelectorAll('thead th')].map(th => th.getBoundingClientRect().height)",
            table)
        line = browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight) || 20",
                                      table.find_element("css selector", "thead th"))
        assert max(heights) < 2.5 * line  # one line of text (plus padding), not one character a line
        publish = browser.find_element("id", "publish")
        pickers = browser.find_element("id", "pickers")
        assert publish.value_of_css_property("display") == "block"
        assert publish.rect["y"] >= pickers.rect["y"] + pickers.rect["height"]  # below the pickers, not beside
        for form in (publish, pickers):  # fields stack: each label a line of its own
            labels = form.find_elements("css selector", "label")
            ys = [lab.rect["y"] for lab in labels]
            assert ys == sorted(ys) and len(set(ys)) == len(ys)
