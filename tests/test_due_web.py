"""The early-warning board in the workbench, on both stores: ``/due`` per role (a unit account
sees its own unit only), ``/api/due`` byte for byte the CLI's JSON, filters, downloads,
escaping; and the board in a real browser (chromium through Selenium) with its lights."""

from __future__ import annotations

import pytest
from helpers import cli
from test_due import build_store
from test_web_browser import (
    Shots,
    browser,  # noqa: F401 - chromium through Selenium (skips or fails as CI says)
    serving,
)
from test_web_browser import sign_in as browser_sign_in
from webkit import PASSWORDS, TestClient, sign_in

from ledger import accounts
from ledger.app import Ledger

BOARD = "/due?policy=jingkai-2021&as_of=2021-09-29"


@pytest.fixture
def web(db_url, tmp_path):
    store = build_store(db_url, tmp_path)
    with Ledger(store, actor="admin") as ledger:
        accounts.add(ledger, "off", "office", PASSWORDS["off"])
        accounts.add(ledger, "insp", "inspector", PASSWORDS["insp"])
        accounts.add(ledger, "ub", "unit", PASSWORDS["ub"], unit="jk-fgj")
    return store


def client(url: str, name: str) -> TestClient:
    from ledger.web import create_app

    found = TestClient(create_app(url, secret="test-secret", failure_delay=0), follow_redirects=False)
    sign_in(found, name)
    return found


def test_the_office_sees_every_unit_and_the_api_is_the_cli_json(web, tmp_path):
    office = client(web, "off")
    page = office.get(BOARD)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'data-unit="jk-fgj" data-light="yellow"' in page.text
    assert 'data-unit="jk-czj" data-light="yellow"' in page.text
    assert "报送季度工作总结 2021-Q3" in page.text and "2021-10-09" in page.text
    out = tmp_path / "due.json"
    assert cli(web, "due", "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--format", "json",
               "--output", str(out)).code == 0
    api = office.get("/api/due?policy=jingkai-2021&as_of=2021-09-29")
    assert api.status_code == 200 and api.content == out.read_bytes()
    assert office.get("/").text.count('href="/due"') == 1  # the home links the board


def test_a_unit_account_sees_only_itself(web, tmp_path):
    unit = client(web, "ub")
    page = unit.get(BOARD)
    assert page.status_code == 200
    assert 'data-unit="jk-fgj"' in page.text and "jk-czj" not in page.text
    assert unit.get(BOARD + "&unit=jk-czj").status_code == 404
    assert unit.get(BOARD + "&known_at=3").status_code == 403  # as the ledger knows it now only
    out = tmp_path / "own.json"
    cli(web, "due", "--policy", "jingkai-2021", "--as-of", "2021-09-29", "--unit", "jk-fgj", "--format", "json",
        "--output", str(out))
    assert unit.get("/api/due?policy=jingkai-2021&as_of=2021-09-29").content == out.read_bytes()
    assert unit.get("/due").status_code == 200  # opens on the policy that scores its unit
    assert "jingkai-2021@1" in unit.get("/due").text


def test_filters_downloads_and_errors(web):
    office = client(web, "insp")
    reports = office.get(BOARD + "&kind=report").text
    assert "报送季度工作总结 2021-Q3" in reports and "DB-GQ-01" not in reports
    supervised = office.get(BOARD + "&kind=supervised_item").text
    assert "DB-GQ-01" in supervised and "报送季度工作总结" not in supervised
    assert 'data-unit="jk-czj" data-light="green"' in supervised  # no supervised item of its own
    xlsx = office.get("/due/download.xlsx?policy=jingkai-2021&as_of=2021-09-29")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = office.get("/due/download.csv?policy=jingkai-2021&as_of=2021-09-29")
    assert csv.content.startswith("\ufeff".encode()) and "jk-czj" in csv.text
    assert office.get("/due/download.table?policy=jingkai-2021").status_code == 404
    bad = office.get("/api/due?policy=jingkai-2021&within=x")
    assert bad.status_code == 400 and bad.json()["field"] == "within"
    assert office.get("/due?policy=jingkai-2021&as_of=2021-02-30").status_code == 400


def test_hostile_names_are_escaped(web, tmp_path):
    units = tmp_path / "more.csv"
    units.write_text('id,name,groups,divisions\njk-x,"<script>alert(1)</script>",jingkai-unit,\n', encoding="utf-8")
    assert cli(web, "units", "import", str(units)).code == 0
    page = client(web, "off").get(BOARD).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# --- the board in a real browser -----------------------------------------------------------------
@pytest.mark.slow
def test_the_board_in_a_browser(browser, web, tmp_path):  # noqa: F811 - the fixture imported above
    from selenium.webdriver.common.by import By

    with serving(web, tmp_path) as base:
        d = browser
        shot = Shots(d, tmp_path / "screenshots")

        def lamps() -> dict[str, tuple[str, str]]:
            found = {}
            for li in d.find_elements(By.CSS_SELECTOR, "li.light"):
                lamp = li.find_element(By.CSS_SELECTOR, ".lamp")
                assert lamp.is_displayed() and lamp.size["width"] > 0
                found[li.get_attribute("data-unit")] = (li.get_attribute("data-light"),
                                                        lamp.value_of_css_property("background-color"))
            return found

        browser_sign_in(d, base, "insp")
        d.get(base + "/due?policy=jingkai-2021&as_of=2021-10-10")
        seen = lamps()
        assert seen["jk-fgj"] == ("red", "rgba(212, 48, 43, 1)")  # the supervised item a day late
        assert seen["jk-czj"] == ("red", "rgba(212, 48, 43, 1)")  # Q3's summary due 10-09
        d.get(base + "/due?policy=jingkai-2021&as_of=2021-09-29&kind=supervised_item")
        seen = lamps()
        assert seen["jk-fgj"] == ("yellow", "rgba(224, 168, 0, 1)") and seen["jk-czj"][0] == "green"
        assert seen["jk-czj"][1] == "rgba(46, 139, 62, 1)"
        assert "督办事项 DB-GQ-01" in d.find_element(By.ID, "items").text
        shot("due-board")

        browser_sign_in(d, base, "ub")  # the unit account of jk-fgj
        d.get(base + "/due?policy=jingkai-2021&as_of=2021-09-29")
        assert list(lamps()) == ["jk-fgj"]
        assert "jk-czj" not in d.find_element(By.TAG_NAME, "body").text
        shot("due-board-unit")


def test_the_homes_falling_due_list_is_read_once_per_head(web, monkeypatch, tmp_path):
    """The home's list decodes every deadline of the store: kept per head revision and day, read
    again once something is recorded (what the list shows is then the new head's)."""
    from ledger.projections import due

    calls = []
    real = due.falling_due
    monkeypatch.setattr(due, "falling_due", lambda *a, **k: calls.append(1) or real(*a, **k))
    office, inspector = client(web, "off"), client(web, "insp")
    first = office.get("/").text
    assert office.get("/").text == first and inspector.get("/").status_code == 200
    assert len(calls) in (1, 2)  # once per app (each client has its own server here), not per request
    before = len(calls)
    assert office.get("/").status_code == 200 and len(calls) == before
    with Ledger(web, actor="admin") as ledger:
        ledger.record({"type": "criticism", "unit": "jk-fgj", "date": "2021-09-01", "id": "home-c1",
                       "issuer_level": "county"})
    office.get("/")
    assert len(calls) == before + 1
