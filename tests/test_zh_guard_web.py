"""The guard of issue #34 over the workbench: every page of every role, on the demo store, in
Chinese (the default) shows no English word (four or more ASCII letters) in what a person
reads — besides ids, codes in ``<code>``, hashes, file names, what was typed into the store or
the policies' own words, and the proper names of tests/test_zh_guard.py's ``ALLOWED``.

The pages come from the app's route table (tests/webpages.py): a new page without path
parameters is covered at once; one with parameters fails ``test_every_page_is_visited`` until
it has samples (or a reason not to be read as a page). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from english import words_by_line
from test_zh_guard import ALLOWED, catalogue_codes, policy_words, store_words
from webpages import (
    ACCOUNTS,
    NOT_PAGES,
    SAMPLES,
    Store,
    build,
    get_routes,
    pages_of,
    record_ids,
    unplaced,
    visible_text,
)

from ledger.app import Ledger

pytestmark = pytest.mark.slow

WEB_ALLOWED = {
    "English": "the language switch's own word for English (中文 | English)",
    "API": "the programming interface's name (API JSON)",
    "Markdown": "a format's name (the download link of .md)",
    "CSV": "a format's name", "PDF": "a format's name", "OFD": "a format's name", "PNG": "a format's name",
}
"""Words the workbench's Chinese pages may show besides ``ALLOWED``, each with why."""

SHOWS_CODES = {"POST /import (登记表.csv)": "a refused row's problem lists the values a clerk may type: each "
                                          "choice's name with its code, as `ledger import` says it"}
"""Pages that show the catalogue's codes beside their names (what a person may type), with why
(and the same preview opened again at its address, ``/import/TOKEN``)."""

TYPED_IN_PATHS = {"no-such-unit", "no-such-event", "no-such-appeal", "not-a-date", "no-such-preview", "criticism",
                  "galaxy", "county", "2021-13-01", "登记表.csv"}
"""What the error pages' addresses typed (tests/webpages.py ``ERRORS``) and what the uploaded sheet
(``IMPORT_SHEET``) says, which their messages quote."""


def _pg_store(request) -> str:
    from conftest import new_pg_database

    url, drop = new_pg_database()
    request.addfinalizer(drop)
    return url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def walked(request, tmp_path_factory):
    """The app, each role's pages (path → status, HTML) and the words typed into the demo store, once per store."""
    tmp = tmp_path_factory.mktemp("zh-web")
    url = f"sqlite:///{tmp}/demo.db" if request.param == "sqlite" else _pg_store(request)
    world = build(url, tmp)
    from ledger.web import create_app

    app = create_app(url, secret="guard-secret", failure_delay=0, warm=False)
    ledger = Ledger(url)
    try:
        store = Store(world, ledger)
        seen = {role: {path: (status, html) for path, status, html in pages_of(app, store, role)}
                for role in [*ACCOUNTS, None]}
        typed = store_words(url) | policy_words(pages=True) | {name for name, _p, _u in ACCOUNTS.values()} | \
            set(record_ids(ledger)) | TYPED_IN_PATHS
    finally:
        ledger.close()
    return app, seen, typed


def test_every_page_is_visited(walked):
    app, seen, _typed = walked
    routes = get_routes(app)
    assert unplaced(routes) == [], "give the new pages samples in tests/webpages.py SAMPLES (or a reason in NOT_PAGES)"
    assert sorted((set(SAMPLES) | set(NOT_PAGES)) - set(routes)) == []  # no samples of a route that is gone
    office = seen["office"]
    assert sum(status == 200 for status, _html in office.values()) >= 40, sorted(office)
    for role in ACCOUNTS:  # each role's own pages answer (not only error pages)
        assert "/" in seen[role] and seen[role]["/"][0] == 200
        assert "<html" in seen[role]["/"][1]
    assert seen["unit"]["/units/da-zrj?policy=daan-2021&as_of=2022-01-31"][0] == 200
    assert seen["inspector"]["/users"][0] == 403


@pytest.mark.parametrize("role", [*ACCOUNTS, "signed out"])
def test_every_page_speaks_chinese(walked, role):
    _app, seen, typed = walked
    allowed = [*ALLOWED, *WEB_ALLOWED, *typed]
    found: dict[str, str] = {}
    codes = catalogue_codes()
    for path, (status, html) in seen[None if role == "signed out" else role].items():
        shown = [*allowed, *codes] if path in SHOWS_CODES or path.startswith("/import/") else allowed
        for word, line in words_by_line(visible_text(html), shown).items():
            found.setdefault(word, f"{path} ({status}): {line}")
    assert found == {}


def test_the_guard_sees_english(walked):
    """The guard finds what it is for: an English page has words (the switch works, the text
    extraction reads the page)."""
    app, _seen, typed = walked
    from webpages import client

    english = client(app, "office", lang="en").get("/appeals?lang=en").text
    assert {"Appeals", "Filed", "Targets", "Grounds", "Status"} <= set(
        words_by_line(visible_text(english), [*ALLOWED, *typed]))
