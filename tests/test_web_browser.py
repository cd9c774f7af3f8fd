"""The workbench in a real browser: Debian's chromium driven by Selenium through Debian's
chromium-driver (no browser download). `ledger serve` runs on a free loopback port; each role
signs in; the inspector walks score table → unit → event; a unit files an appeal, the office
decides it and the score changes. Screenshots are saved under the test's temporary folder
(and copied to $LEDGER_SCREENSHOTS when set, e.g. to refresh docs/).

Skipped where chromium, chromedriver or selenium are missing — except under
LEDGER_REQUIRE_BROWSER=1 (.ci/run), where it must run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from webkit import PASSWORDS, make_world

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)


def _missing() -> str | None:
    if not CHROMIUM:
        return "chromium is not installed"
    if not DRIVER:
        return "chromedriver (Debian's chromium-driver) is not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


@pytest.fixture
def browser(tmp_path):
    problem = _missing()
    if problem:
        if os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LEDGER_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1100", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=zh-CN", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations are reported there
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db_url: str, tmp_path: Path) -> Iterator[str]:
    """``ledger serve`` on a free loopback port over ``db_url`` until the block ends: its base URL."""
    port = free_port()
    env = {**os.environ, "LEDGER_WEB_SECRET": "browser-test-secret"}
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "--db", db_url, "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("ledger serve did not start: " + (tmp_path / "serve.log").read_text())
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def server(db_url, tmp_path):
    world = make_world(db_url, tmp_path, with_appeals=False)
    with serving(db_url, tmp_path) as base:
        yield world, base


class Shots:
    def __init__(self, driver, folder: Path):
        self.driver, self.folder = driver, folder
        folder.mkdir(exist_ok=True)
        self.saved: list[Path] = []

    def __call__(self, name: str) -> None:
        path = self.folder / f"{name}.png"
        self.driver.save_screenshot(str(path))
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        self.saved.append(path)
        target = os.environ.get("LEDGER_SCREENSHOTS")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(target) / path.name)


def go(driver, element) -> None:
    """Click a link or a submit button and wait for the next page (a click does not wait)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def gone(_: object) -> bool:
        # staleness_of, also when chromedriver catches the old page mid-teardown: it answers
        # "Node with given id does not belong to the document" rather than a stale reference
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" not in str(exc):
                raise
            return True
        return False

    WebDriverWait(driver, 30).until(gone)


def sign_in(driver, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[name])
    go(driver, driver.find_element(By.ID, "signin"))
    assert driver.find_element(By.ID, "who").text == name


def total_of(driver, unit: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'td.total[data-unit="{unit}"]').text


def test_each_role_does_its_work_in_a_browser(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    world, base = server
    d = browser
    shot = Shots(d, tmp_path / "screenshots")

    # The inspector: score table → unit → event, the log.
    sign_in(d, base, "insp")
    shot("home-inspector")
    go(d, d.find_element(By.CSS_SELECTOR, "a.scores-link[href='/scores/cli-test@1']"))
    assert "得分表" in d.title and total_of(d, "b") == "10"
    shot("scores")
    go(d, d.find_element(By.LINK_TEXT, "b"))
    assert d.find_element(By.ID, "title").text.startswith("b 乙局")
    assert d.find_element(By.ID, "trend").get_attribute("naturalWidth") not in (None, "0")
    shot("unit-card")
    go(d, d.find_element(By.CSS_SELECTOR, "a.event-link[href='/events/b-c1']"))
    assert d.find_element(By.ID, "event-id").text == "b-c1"
    shot("event")
    d.get(base + "/log")
    assert "修订日志" in d.page_source

    # A unit: its own card from the published table, an appeal against b-c1.
    sign_in(d, base, "ub")
    d.get(base + "/scores/cli-test")
    assert total_of(d, "b") == "10"
    go(d, d.find_element(By.LINK_TEXT, "b"))
    d.find_element(By.ID, "t-b-c1").click()
    d.find_element(By.ID, "grounds").send_keys("该批评已由县里撤回")
    shot("unit-appeal-form")
    go(d, d.find_element(By.ID, "file-appeal"))
    appeal_id = d.find_element(By.ID, "appeal-id").text
    assert "待复核" in d.find_element(By.ID, "status").text
    d.get(base + "/units/a")
    assert "未找到" in d.page_source  # another unit's card: as if it did not exist
    d.get(base + "/units/b")
    go(d, d.find_element(By.ID, "logout"))  # signing out is a POST, and the server forgets the session
    assert d.current_url.endswith("/login")
    d.get(base + "/units/b")
    assert "/login?next=" in d.current_url

    # The office: sees before/after, decides (retracting b-c1), the score changes.
    sign_in(d, base, "off")
    d.get(base + "/appeals")
    go(d, d.find_element(By.CSS_SELECTOR, f"a[href='/appeals/{appeal_id}']"))  # shown by unit and targets
    shot("appeal-office")
    d.find_element(By.ID, "r-b-c1").click()
    d.find_element(By.ID, "reason").send_keys("撤回属实")
    go(d, d.find_element(By.ID, "decide-button"))
    assert "支持" in d.find_element(By.ID, "status").text
    d.get(base + "/scores/cli-test")
    assert total_of(d, "b") == "12"
    shot("scores-after")
    d.get(base + "/events/b-c1")
    assert appeal_id in d.page_source and "<td>撤销</td>" in d.page_source  # the Chinese page names the retraction
    assert len(shot.saved) == 7 and all(p.stat().st_size > 10_000 for p in shot.saved)
    # The pages and the chart keep to their Content-Security-Policy: nothing was blocked.
    d.get(base + "/policies/cli-test")
    d.get(base + "/units/b/trend.svg")
    blocked = [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
    assert blocked == []
