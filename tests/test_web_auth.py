"""Accounts and sessions: passwords hashed (scrypt), sessions expiring after 8 idle hours
(an injectable clock), sign-in slowed after failures, the secret outside the ledger's records."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from helpers import cli
from webkit import World, csrf_of, make_world, sign_in

from ledger import accounts
from ledger.store.url import parse_store_url
from ledger.web import auth


@pytest.fixture
def world(tmp_path) -> World:
    return make_world(f"sqlite:///{tmp_path}/ledger.db", tmp_path)


def test_password_hashes_are_salted_and_checked():
    one, two = accounts.hash_password("same-password"), accounts.hash_password("same-password")
    assert one != two and one.startswith("scrypt$")
    assert accounts.check_password("same-password", one) and not accounts.check_password("other", one)
    assert not accounts.check_password("x", "garbage")


def test_users_cli_add_list_disable(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    from test_cli_scoring import setup

    setup(url, tmp_path)
    pw = tmp_path / "pw"
    pw.write_text("a-good-password\n", encoding="utf-8")
    run = cli(url, "users", "add", "li", "--role", "unit", "--unit", "b", "--password-file", str(pw))
    assert run.code == 0 and "unit of b" in run.out
    assert cli(url, "users", "add", "li", "--role", "office", "--password-file", str(pw)).code == 2
    assert cli(url, "users", "add", "wang", "--role", "unit", "--password-file", str(pw)).code == 2  # no --unit
    assert cli(url, "users", "add", "wang", "--role", "unit", "--unit", "zz", "--password-file", str(pw)).code == 2
    short = tmp_path / "short"
    short.write_text("abc\n", encoding="utf-8")
    bad = cli(url, "users", "add", "zhao", "--role", "office", "--password-file", str(short))
    assert bad.code == 2 and "at least 8" in bad.err and "abc" not in bad.err
    listed = cli(url, "users", "list").out
    assert "li" in listed and "unit" in listed and "scrypt" not in listed
    assert cli(url, "users", "disable", "li").code == 0
    assert "disabled" in cli(url, "users", "list").out
    # added again with another role: a new record, the old ones stay in the chain
    assert cli(url, "users", "add", "li", "--role", "inspector", "--password-file", str(pw)).code == 0
    assert cli(url, "users", "password", "li", "--password-file", str(pw)).code == 0
    from ledger.app import Ledger

    with Ledger(url) as ledger:
        records = ledger.store.read_stream(accounts.STREAM)
        assert [r.type for r in records] == ["user_added", "user_disabled", "user_added", "user_password_set"]
        assert accounts.authenticate(ledger, "li", "a-good-password").role == "inspector"
        assert accounts.authenticate(ledger, "li", "wrong") is None
    assert cli(url, "verify").code == 0


def test_sessions_expire_after_eight_idle_hours(world):
    client = world.client("office")
    assert client.get("/").status_code == 200
    world.clock.advance(hours=7, minutes=59)
    assert client.get("/").status_code == 200  # used: the idle time starts again
    world.clock.advance(hours=7, minutes=59)
    assert client.get("/").status_code == 200
    world.clock.advance(hours=8, seconds=1)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/log").status_code == 401


def test_sign_out_ends_the_session(world):
    client = world.client("office")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    client.cookies.clear()
    assert client.get("/").status_code == 303


def test_a_disabled_account_loses_its_sessions(world):
    unit = world.client("unit")
    assert unit.get("/units/b").status_code == 200
    office = world.client("office")
    assert office.post("/users/ub/disable", data={"csrf": csrf_of(office.get("/users").text)}).status_code == 303
    assert unit.get("/units/b").status_code == 303


def test_failed_sign_ins_are_slowed_down(world):
    slept: list[float] = []
    client = world.client(failure_delay=0.5, sleep=slept.append)

    def attempt(password: str):
        page = client.get("/login")
        return client.post("/login", data={"name": "off", "password": password, "csrf": csrf_of(page.text)})

    for _ in range(3):
        assert attempt("wrong").status_code == 401
    assert slept == [0.5, 0.5, 0.5]  # each failure answered late
    # The 4th try waits 1 s after the 3rd failure; until then even the right password is refused.
    refused = attempt("office-secret-1")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    world.clock.advance(seconds=1.1)
    assert attempt("wrong").status_code == 401
    assert attempt("office-secret-1").status_code == 429  # now 2 s
    world.clock.advance(seconds=2.1)
    assert attempt("office-secret-1").status_code == 303  # and a success clears the count
    # HTTP Basic shares the same throttle.
    api = world.client(failure_delay=0)
    for _ in range(3):
        assert api.get("/api/log", auth=("insp", "nope")).status_code == 401
    too_many = api.get("/api/log", auth=("insp", "inspector-secret-1"))
    assert too_many.status_code == 429 and int(too_many.headers["retry-after"]) >= 1


def test_the_session_secret_lives_beside_the_store_not_in_it(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    url = parse_store_url(f"sqlite:///{tmp_path}/l.db")
    first = auth.load_secret(url)
    path = tmp_path / "l.db.web-secret"
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.load_secret(url) == first and len(first) == 64
    monkeypatch.setenv(auth.SECRET_ENV, "from-the-environment")
    assert auth.load_secret(url) == b"from-the-environment"


def test_a_session_cookie_is_signed(world):
    sessions = auth.Sessions(b"k", clock=lambda: dt.datetime.now(dt.UTC))
    cookie = sessions.create("off")
    assert sessions.get(cookie).user == "off"
    sid, _, mac = cookie.rpartition(".")
    assert sessions.get(f"{sid}.{'0' * len(mac)}") is None
    assert sessions.get("nonsense") is None
    client = world.client()
    client.cookies.set(auth.SESSION_COOKIE, cookie)  # made with another secret
    assert client.get("/").status_code == 303


def test_web_writes_are_stamped_with_the_user(world):
    unit = world.client("unit")
    filed = unit.post("/appeals", data={"unit": "b", "targets": "b-m1", "grounds": "one report counted twice",
                                        "csrf": csrf_of(unit.get("/units/b").text)})
    assert filed.status_code == 303
    log = world.client("office").get("/api/log").json()["rows"]
    assert log[-1]["type"] == "appeal_filed" and log[-1]["actor"] == "ub"


_ = sign_in
