"""Issue #31, items 2 and 3: the headers of WEB.md on every response (one walk over the route
table), the Host check, X-Forwarded-For believed from named proxies only, sign-in throttled per
name, source and overall, sign-out by POST ending the server session, sessions ending at a new
password, the last office account kept, `serve`'s options — and no existence oracle: another
unit's objects answer exactly as ids that do not exist."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import pytest
from helpers import cli
from webkit import PASSWORDS, World, csrf_of, make_world, page_csrf, sign_in

from ledger.web import auth, edge

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.routing import Mount, Route
    from starlette.testclient import TestClient


@pytest.fixture
def world(tmp_path) -> World:
    return make_world(f"sqlite:///{tmp_path}/ledger.db", tmp_path)


@pytest.fixture
def both(db_url, tmp_path) -> World:
    return make_world(db_url, tmp_path)


def assert_guarded(response, where: str) -> None:
    h = response.headers
    csp = h.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, (where, csp)
    assert "unsafe-inline" not in csp and "script-src" not in csp, (where, csp)  # no script at all
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("referrer-policy") == "same-origin", where
    if "/static/" not in where:
        assert h.get("cache-control") == "no-store", where
    if h.get("content-type", "").startswith("text/html"):
        page = response.text
        assert "<script" not in page and not re.search(r"\s(style|on[a-z]+)\s*=", page), where


def test_every_route_answers_with_the_security_headers(world):
    """Walks the app's route table: every route and method, signed in and not, plus the static
    files, an unknown path, a wrong method and a refused Host."""
    samples = {"ref": "cli-test", "policy": "cli-test", "fmt": "json", "unit": "b", "event_id": "b-c1",
               "pub_id": world.pub, "appeal_id": world.appeal_b, "name": "insp"}
    office, anonymous = world.client("office", hosts=["testserver"]), world.client(hosts=["testserver"])
    token = page_csrf(office)
    seen = 0
    routes = office.app.routes
    for route in routes:
        if isinstance(route, Mount):
            response = office.get(f"{route.path}/style.css")
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
            assert_guarded(response, route.path + "/")
            continue
        assert isinstance(route, Route)
        path = route.path
        for name in route.param_convertors:
            value = "html" if route.name == "publication_download" and name == "fmt" else samples.get(name, "x")
            path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", value, path)
        for method in sorted(route.methods or ()):
            if method == "HEAD" or (route.name == "logout"):
                continue
            for client in (office, anonymous):
                response = client.post(path, data={"csrf": token}) if method == "POST" else client.get(path)
                assert response.status_code < 500, (method, path, response.status_code)
                assert_guarded(response, f"{method} {path}")
                seen += 1
    assert seen >= 2 * len([r for r in routes if isinstance(r, Route)]) - 4
    for response, where in [(office.get("/no/such/page"), "unknown path"), (office.get("/logout"), "GET /logout"),
                            (office.post("/logout", data={"csrf": token}), "POST /logout"),
                            (office.get("/", headers={"host": "evil.example"}), "refused Host")]:
        assert_guarded(response, where)
    # the chart carries its own policy: its one <style> by hash, nothing else
    svg = world.client("office").get("/units/b/trend.svg")
    csp = svg.headers["content-security-policy"]
    assert re.fullmatch(r"default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; frame-ancestors 'none'", csp), csp
    assert b" style=" not in svg.content and b"<script" not in svg.content


def test_the_host_header_must_name_the_server(world):
    app = world.app(hosts=edge.served_names("127.0.0.1", ["ledger.example.gov.cn"]))
    client = TestClient(app, base_url="http://ledger.example.gov.cn", follow_redirects=False)
    sign_in(client, "off")
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"host": "ledger.example.gov.cn:443"}).status_code == 200
    assert client.get("/", headers={"host": "localhost:8080"}).status_code == 200  # loopback bind
    for host in ("evil.example", "ledger.example.gov.cn.evil.example", "", "[::2]:8080"):
        refused = client.get("/", headers={"host": host})
        assert refused.status_code == 400 and "Host" in refused.text, host
    assert edge.served_names("0.0.0.0", []) == frozenset()
    assert edge.served_names("::1", ["A.Example"]) == {"a.example", "::1", "localhost", "127.0.0.1"}
    assert edge.served_names("192.0.2.10", ["ledger.example"]) == {"192.0.2.10", "ledger.example"}


def _basic_failures(client: TestClient, n: int, forwarded: str | None, prefix: str) -> list[int]:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    return [client.get("/api/log", auth=(f"{prefix}{i}", "wrong-password"), headers=headers).status_code
            for i in range(n)]


@pytest.mark.slow
def test_x_forwarded_for_is_believed_from_a_named_proxy_only(world):
    """A spray across names from one source is throttled by source; behind the named proxy the
    source is the forwarded address; from anyone else the header changes nothing."""
    app = world.app(proxies=["10.1.2.3"])
    proxy = TestClient(app, client=("10.1.2.3", 40000))
    free = auth.LIMITS["source"].free
    assert _basic_failures(proxy, free, "198.51.100.1, 203.0.113.7", "a") == [401] * free
    assert proxy.get("/api/log", auth=("insp", PASSWORDS["insp"]),
                     headers={"x-forwarded-for": "203.0.113.7"}).status_code == 429  # that source waits
    assert proxy.get("/api/log", auth=("insp", PASSWORDS["insp"]),
                     headers={"x-forwarded-for": "203.0.113.8"}).status_code == 200  # another does not
    # not the proxy: X-Forwarded-For is ignored, so a fresh forwarded address per try does not help
    direct = TestClient(app, client=("192.0.2.50", 40000))
    statuses = [direct.get("/api/log", auth=(f"b{i}", "wrong-password"),
                           headers={"x-forwarded-for": f"203.0.113.{100 + i}"}).status_code for i in range(free)]
    assert statuses == [401] * free
    assert direct.get("/api/log", auth=("off", PASSWORDS["off"]),
                      headers={"x-forwarded-for": "203.0.113.250"}).status_code == 429
    # credentials verified lately are believed without a new check (no hash, so no guess): a
    # script whose source a sprayer throttles keeps working
    assert direct.get("/api/log", auth=("insp", PASSWORDS["insp"])).status_code == 200


def test_sign_in_is_throttled_per_name_per_source_and_overall():
    now = [dt.datetime(2026, 12, 1, tzinfo=dt.UTC)]
    throttle = auth.Throttle(clock=lambda: now[0])
    name, source, overall = auth.LIMITS["name"], auth.LIMITS["source"], auth.LIMITS["all"]
    for _ in range(name.free):
        throttle.failed("off", "s1")
    assert throttle.wait("off", "s9") == 1.0 and throttle.wait("other", "s1") == 0  # the name waits
    throttle.succeeded("off", "s1")  # a success clears the name's count …
    assert throttle.wait("off", "s9") == 0
    for i in range(source.free - name.free):
        throttle.failed(f"n{i}", "s1")
    assert throttle.wait("fresh", "s1") == 1.0  # … but not the source's (a sprayer could score one)
    assert throttle.wait("fresh", "s2") == 0
    now[0] += dt.timedelta(seconds=source.forget + 1)
    assert throttle.wait("fresh", "s1") == 0  # forgotten after a quiet hour
    for i in range(overall.free):
        throttle.failed(f"m{i}", f"src{i}")  # one failure per name and per source: a wide spray
    assert throttle.wait("fresh", "fresh-source") == 1.0
    throttle.failed("m-last", "src-last")
    assert throttle.wait("fresh", "fresh-source") == 2.0
    now[0] += dt.timedelta(seconds=2)
    assert throttle.wait("fresh", "fresh-source") == 0
    for _ in range(20):
        throttle.failed("x", "y")
    assert throttle.wait("z", "w") <= overall.cap  # the overall wait never grows past its cap


def test_sign_out_is_a_post_that_ends_the_server_session(world):
    client = world.client("office")
    cookie = client.cookies[auth.SESSION_COOKIE]
    assert client.get("/logout").status_code == 405  # a link or an <img> cannot sign anyone out
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    out = client.post("/logout", data={"csrf": page_csrf(client)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replay = world.client()
    replay.cookies.set(auth.SESSION_COOKIE, cookie)  # the old cookie, kept by someone
    assert replay.get("/").status_code == 303


def test_sessions_end_when_the_password_changes(world, tmp_path):
    inspector, unit = world.client("inspector"), world.client("unit")
    assert inspector.get("/").status_code == 200
    new = tmp_path / "pw"
    new.write_text("a-new-inspector-secret\n", encoding="utf-8")
    assert cli(world.url, "users", "password", "insp", "--password-file", str(new)).code == 0
    assert inspector.get("/").status_code == 303  # signed out
    assert unit.get("/").status_code == 200  # other accounts keep theirs
    again = world.client()
    sign_in(again, "insp", "a-new-inspector-secret")
    assert again.get("/").status_code == 200


def test_the_last_active_office_account_cannot_be_disabled(world, tmp_path):
    office = world.client("office")
    refused = office.post("/users/off/disable", data={"csrf": page_csrf(office, "/users")})
    assert refused.status_code == 400 and "office" in refused.text
    run = cli(world.url, "users", "disable", "off")
    assert run.code == 2 and "last one" in run.err
    pw = tmp_path / "pw"
    pw.write_text("second-office-secret\n", encoding="utf-8")
    assert cli(world.url, "users", "add", "off2", "--role", "office", "--password-file", str(pw)).code == 0
    assert cli(world.url, "users", "disable", "off").code == 0
    assert cli(world.url, "users", "disable", "off2").code == 2
    assert cli(world.url, "users", "disable", "insp").code == 0  # other roles: as before


def test_serve_options(world, monkeypatch):
    import uvicorn

    started: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    bad = cli(world.url, "serve", "--host", "0.0.0.0")
    assert bad.code == 2 and "--server-name" in bad.err and not started
    assert cli(world.url, "serve", "--proxy", "nginx.local").code == 2
    run = cli(world.url, "serve", "--server-name", "ledger.example.gov.cn", "--proxy", "127.0.0.1",
              "--secure-cookies", "--write-wait", "3", "--writers", "1")
    assert run.code == 0, run.err
    assert started["proxy_headers"] is False  # uvicorn's own reading would believe 127.0.0.1
    workbench = started["app"].state.workbench
    assert (workbench.write_wait, workbench.writers.size, workbench.secure_cookies) == (3, 1, True)
    client = TestClient(started["app"], base_url="https://ledger.example.gov.cn", follow_redirects=False)
    page = client.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()
    signed = client.post("/login", data={"name": "off", "password": PASSWORDS["off"], "csrf": csrf_of(page.text)})
    assert signed.status_code == 303 and "secure" in signed.headers["set-cookie"].lower()
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


# --- item 3: no existence oracle ----------------------------------------------------------------
def _quoted_as(text: str, ident: str) -> str:
    """``text`` with the id, wherever a message quotes it, put as ID."""
    for quote in ("“{}”", "'{}'", "&#39;{}&#39;"):
        text = text.replace(quote.format(ident), quote.format("ID"))
    return text


def _same_answer(client: TestClient, other: str, missing: str, other_id: str, missing_id: str) -> None:
    a, b = client.get(other), client.get(missing)
    assert a.status_code == b.status_code == 404, (other, a.status_code, missing, b.status_code)
    assert _quoted_as(a.text, other_id) == _quoted_as(b.text, missing_id), (other, a.text[-300:], b.text[-300:])
    assert a.headers["content-type"] == b.headers["content-type"]


@pytest.mark.slow
def test_another_units_objects_answer_as_ids_that_do_not_exist(both):
    unit = both.client("unit")  # unit b
    for lang in ("zh", "en"):
        q = f"lang={lang}"
        for other, missing, other_id, missing_id in [
            (f"/units/a?{q}", f"/units/zz?{q}", "a", "zz"),
            (f"/units/a/trend.svg?{q}", f"/units/zz/trend.svg?{q}", "a", "zz"),
            (f"/units/a/download.json?{q}", f"/units/zz/download.json?{q}", "a", "zz"),
            (f"/units/a/packet?{q}", f"/units/zz/packet?{q}", "a", "zz"),
            (f"/events/a-w1?{q}", f"/events/zz-w1?{q}", "a-w1", "zz-w1"),
            (f"/api/events/a-w1?{q}", f"/api/events/zz-w1?{q}", "a-w1", "zz-w1"),
            (f"/api/history/a?{q}", f"/api/history/zz?{q}", "a", "zz"),
            (f"/api/explain/a?policy=cli-test&{q}", f"/api/explain/zz?policy=cli-test&{q}", "a", "zz"),
            (f"/appeals/{both.appeal_a}?{q}", f"/appeals/no-such-appeal?{q}", both.appeal_a, "no-such-appeal"),
        ]:
            _same_answer(unit, other, missing, other_id, missing_id)
    # the ledger's own records (an account's) are no unit's
    log = both.client("office").get("/api/log?since=1").json()["rows"]
    user_record = next(r["id"] for r in log if r["type"] == "user_added")
    _same_answer(unit, f"/events/{user_record}", "/events/no-such-record", user_record, "no-such-record")
    # an appeal naming another unit's event is refused in the words of an unknown event, naming no unit
    token = page_csrf(unit)
    filed = {t: unit.post("/appeals", data={"unit": "b", "targets": ["b-c1", t], "grounds": "x", "csrf": token})
             for t in ("a-w1", "zz-w1")}
    assert filed["a-w1"].status_code == filed["zz-w1"].status_code == 400
    assert _quoted_as(filed["a-w1"].text, "a-w1") == _quoted_as(filed["zz-w1"].text, "zz-w1")
    assert "belongs" not in filed["a-w1"].text and "'a'" not in filed["a-w1"].text
    # routes a role may never open stay 403; the office still sees everything
    assert unit.get("/diff").status_code == 403 and unit.get("/api/log").status_code == 403
    office = both.client("office")
    assert office.get("/units/a").status_code == 200 and office.get(f"/appeals/{both.appeal_a}").status_code == 200
