"""The office's desk in a real browser (issue #29): Debian's chromium through Selenium against
`ledger serve` on a free loopback port (tests/test_web_browser.py's fixtures), on SQLite and
PostgreSQL. The clerk's journey — a sheet with mistakes → preview → the refused rows
downloaded → fixed → preview → confirm → the same sheet again adds nothing — the record form,
correct from the event page, the decide form, the publish confirmation and a unit's home.
Counts worked out by hand in tests/desk_files.py."""

from __future__ import annotations

import io

import openpyxl
import pytest
from desk_files import fixed, with_mistakes
from test_web_browser import Shots, browser, go, serving, sign_in  # noqa: F401 - the fixture
from webkit import make_world


@pytest.fixture
def desk(db_url, tmp_path):
    world = make_world(db_url, tmp_path, with_appeals=True)
    with serving(db_url, tmp_path) as base:
        yield world, base


def by_id(d, ident: str) -> str:
    from selenium.webdriver.common.by import By

    return d.find_element(By.ID, ident).text


def fetch(d, url: str):
    """A download as the signed-in browser would get it (its session cookie)."""
    import httpx

    cookies = {c["name"]: c["value"] for c in d.get_cookies()}
    return httpx.get(url, cookies=cookies, follow_redirects=False)


def set_date(d, element, value: str) -> None:
    """A date input's value: typed as chromium's zh-CN date field takes it."""
    element.send_keys(value.replace("-", ""))
    if element.get_attribute("value") != value:
        d.execute_script("arguments[0].value = arguments[1]", element, value)
    assert element.get_attribute("value") == value


def test_the_office_desk_in_a_browser(browser, desk, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    world, base = desk
    d = browser
    shot = Shots(d, tmp_path / "screenshots")
    sign_in(d, base, "off")

    # The clerk's journey: a sheet with mistakes, previewed; nothing written.
    go(d, d.find_element(By.ID, "import-link"))
    d.find_element(By.ID, "file").send_keys(str(with_mistakes(tmp_path / "月报.xlsx")))
    go(d, d.find_element(By.ID, "preview-button"))
    assert [by_id(d, i) for i in ("count-new", "count-present", "count-duplicates", "count-refused")] == \
        ["3", "0", "1", "2"]
    refused = by_id(d, "refused")
    assert "字段“单位”" in refused and "字段“日期”" in refused and "字段“发文层级”" in refused
    shot("import-preview")
    link = d.find_element(By.ID, "refused-download").get_attribute("href")
    got = fetch(d, link)
    assert got.status_code == 200 and got.content[:2] == b"PK"
    rows = list(openpyxl.load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "问题" and [r[1] for r in rows[1:]] == ["zz", "a", "a"]
    # Fixed, uploaded again, confirmed: five rows written.
    d.get(base + "/import")
    d.find_element(By.ID, "file").send_keys(str(fixed(tmp_path / "月报-改.xlsx")))
    go(d, d.find_element(By.ID, "preview-button"))
    assert [by_id(d, i) for i in ("count-new", "count-present", "count-refused")] == ["5", "0", "0"]
    go(d, d.find_element(By.ID, "confirm-button"))
    assert by_id(d, "written-new") == "5" and by_id(d, "written-present") == "0"
    shot("import-written")
    # The same sheet again: nothing new, nothing twice; the confirmation is not offered.
    go(d, d.find_element(By.ID, "again"))
    d.find_element(By.ID, "file").send_keys(str(tmp_path / "月报-改.xlsx"))
    go(d, d.find_element(By.ID, "preview-button"))
    assert by_id(d, "count-new") == "0" and by_id(d, "count-present") == "5"
    assert not d.find_element(By.ID, "confirm-button").is_enabled()

    # The record form from the catalogue.
    d.get(base + "/events/new")
    Select(d.find_element(By.ID, "type")).select_by_visible_text("通报批评")
    go(d, d.find_element(By.ID, "pick-type-button"))
    Select(d.find_element(By.ID, "f-unit")).select_by_visible_text("丙局（c）")
    set_date(d, d.find_element(By.ID, "f-date"), "2021-09-09")
    level = Select(d.find_element(By.ID, "f-issuer_level"))
    assert "县级" in [o.text for o in level.options]
    level.select_by_visible_text("县级")
    d.find_element(By.ID, "f-note").send_keys("<b>迟报</b>")
    shot("record-form")
    go(d, d.find_element(By.ID, "record-button"))
    assert "已登记" in d.find_element(By.TAG_NAME, "h1").text and by_id(d, "revision").isdigit()
    go(d, d.find_element(By.ID, "event-link"))
    assert "<b>迟报</b>" in by_id(d, "event")  # shown as text
    # Corrected from the event page.
    Select(d.find_element(By.ID, "f-issuer_level")).select_by_visible_text("地市级")
    d.find_element(By.ID, "correct-reason").send_keys("文件为市级")
    go(d, d.find_element(By.ID, "correct-button"))
    assert "已更正" in d.find_element(By.TAG_NAME, "h1").text
    go(d, d.find_element(By.ID, "event-link"))
    assert "文件为市级" in by_id(d, "amendments")

    # The decide form: the appeal's target to correct, by its fields.
    d.get(base + "/appeals")
    go(d, d.find_element(By.CSS_SELECTOR, f"a[href='/appeals/{world.appeal_b}']"))
    assert "乙局" in d.find_element(By.TAG_NAME, "h1").text
    Select(d.find_element(By.ID, "outcome")).select_by_value("partially_upheld")
    Select(d.find_element(By.ID, "c0-issuer_level")).select_by_visible_text("地市级")
    d.find_element(By.ID, "reason").send_keys("级别有误")
    shot("decide-form")
    go(d, d.find_element(By.ID, "decide-button"))
    assert "部分支持" in by_id(d, "status")
    assert d.find_element(By.CSS_SELECTOR, "a.order").text == "更正"  # its order, by its Chinese name

    # Publishing: a look first, then the confirmation.
    d.get(base + "/scores/cli-test")
    d.find_element(By.NAME, "doc_no").send_keys("考核办〔2022〕2号")
    go(d, d.find_element(By.ID, "publish-look"))
    assert "确认通报" in d.find_element(By.TAG_NAME, "h1").text
    assert "cli-test@1" in by_id(d, "look-policy") and by_id(d, "look-as-of") == "2021-12-31"
    assert "甲局" in by_id(d, "look-main")
    shot("publish-look")
    go(d, d.find_element(By.ID, "publish-button"))
    assert "/publications/pub-" in d.current_url and "考核办〔2022〕2号" in d.page_source

    # A unit's home: its schemes, card and appeals; every link opens.
    sign_in(d, base, "ub")
    assert "乙局" in d.find_element(By.TAG_NAME, "h1").text
    shot("unit-home")
    links = {a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "main a")}
    assert any("/appeals/" in link for link in links)
    for link in sorted(links):
        assert fetch(d, link).status_code == 200, link
    go(d, d.find_element(By.ID, "card-link"))
    assert d.find_element(By.ID, "title").text.startswith("b 乙局")
    blocked = [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
    assert blocked == []
