"""Shared by the web tests: a small world (tests/policies/cli.yaml: units a, b, c), accounts of
every role, one published score table and two open appeals; sign-in through the real form."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field

from helpers import cli
from test_cli_scoring import setup

from ledger import accounts
from ledger.app import Ledger
from ledger.workflows import appeals, publishing

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx is what is packaged everywhere
    from starlette.testclient import TestClient

PASSWORDS = {"off": "office-secret-1", "insp": "inspector-secret-1", "ub": "unit-b-secret-1",
             "ua": "unit-a-secret-1"}
ROLE_USER = {"office": "off", "inspector": "insp", "unit": "ub"}


class Clock:
    """Real time plus whatever the test adds (sessions expire, sign-in pauses pass)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


@dataclass
class World:
    url: str
    pub: str
    pub_known_at: int
    rev: int
    """The head after the facts were imported (an unpublished known-at)."""
    appeal_a: str
    appeal_b: str
    clock: Clock = field(default_factory=Clock)

    def app(self, **options):
        from ledger.web import create_app

        options.setdefault("secret", "test-secret")
        options.setdefault("failure_delay", 0)
        return create_app(self.url, clock=self.clock, **options)

    def client(self, role: str | None = None, **options) -> TestClient:
        client = TestClient(self.app(**options), follow_redirects=False)
        if role is not None:
            sign_in(client, ROLE_USER.get(role, role))
        return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str | None = None):
    page = client.get("/login")
    response = client.post("/login", data={"name": name, "password": password or PASSWORDS[name],
                                           "csrf": csrf_of(page.text), "next": "/"})
    assert response.status_code == 303, response.text
    return response


def page_csrf(client: TestClient, path: str = "/") -> str:
    return csrf_of(client.get(path).text)


def make_world(url: str, tmp_path, with_appeals: bool = True) -> World:
    setup(url, tmp_path)
    with Ledger(url, actor="admin") as ledger:
        rev = ledger.head()[0]
        accounts.add(ledger, "off", "office", PASSWORDS["off"])
        accounts.add(ledger, "insp", "inspector", PASSWORDS["insp"])
        accounts.add(ledger, "ub", "unit", PASSWORDS["ub"], unit="b")
        accounts.add(ledger, "ua", "unit", PASSWORDS["ua"], unit="a")
        ledger.actor = "off"
        pub, _ = publishing.publish(ledger, "cli-test", as_of=None, period=None, track=None, known_at=None)
        appeal_a = appeal_b = ""
        if with_appeals:
            ledger.actor = "ub"
            appeal_b, _, _ = appeals.file(ledger, "b", ["b-c1"], "the criticism was withdrawn")
            ledger.actor = "ua"
            appeal_a, _, _ = appeals.file(ledger, "a", ["a-w1"], "wrong unit")
    assert cli(url, "verify").code == 0
    return World(url, pub.id, pub.known_at, rev, appeal_a, appeal_b)


def publish_fields(client: TestClient, data: dict[str, str]) -> dict[str, str]:
    """The publish form's fields as its confirmation page sends them (issue #29: publishing is
    a look, then a confirmation bound to what was looked at); ``data`` as given when the look
    is refused (a role that may not publish)."""
    look = client.post("/publications", data=data)
    if look.status_code != 200:
        return data
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">',
                             look.text.split('id="publish-confirm"', 1)[1]))
    import html

    return {k: html.unescape(v) for k, v in fields.items()} | {"csrf": data.get("csrf", fields.get("csrf", ""))}
