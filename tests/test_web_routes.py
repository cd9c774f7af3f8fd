"""The workbench over HTTP (Starlette's TestClient) on both stores: every route for every role
of WEB.md's matrix, the JSON API byte for byte against the CLI, errors, escaping and CSRF."""

from __future__ import annotations

import json

import pytest
from helpers import cli
from webkit import ROLE_USER, World, make_world, page_csrf, publish_fields, sign_in

from ledger.web import access


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return make_world(db_url, tmp_path)


ALLOW, DENY, HIDE = "allow", "deny", "hide"
STATUS = {ALLOW: 200, DENY: 403, HIDE: 404}


def get_cases(w: World) -> list[tuple[str, dict[str, str]]]:
    """(path, expected per role) for every GET route; ``allow`` is 200, ``deny`` is 403, ``hide``
    404 (another unit's object: as if it did not exist)."""
    everyone = {"office": ALLOW, "inspector": ALLOW, "unit": ALLOW}
    staff = {"office": ALLOW, "inspector": ALLOW, "unit": DENY}
    others = {"office": ALLOW, "inspector": ALLOW, "unit": HIDE}
    published = f"as_of=2021-12-31&known_at={w.pub_known_at}"
    return [
        ("/", everyone),
        ("/policies/cli-test", everyone),
        ("/scores/cli-test", everyone),  # a unit account gets the latest publication
        (f"/scores/cli-test?{published}", everyone),
        (f"/scores/cli-test?known_at={w.rev}", staff),  # not published
        ("/scores/cli-test?as_of=2021-06-30", staff),
        ("/scores/cli-test/download.xlsx", everyone),
        (f"/scores/cli-test/download.json?known_at={w.rev}", staff),
        ("/units/b", everyone),
        ("/units/a", others),
        (f"/units/b?known_at={w.rev}", staff),  # a unit sees the latest known-at only
        ("/units/b?as_of=2021-06-30", everyone),
        ("/units/b/trend.svg", everyone),
        ("/units/a/trend.svg", others),
        ("/units/b/download.json", everyone),
        ("/units/a/download.xlsx", others),
        ("/units/b/packet", everyone),
        ("/units/a/packet", others),
        ("/events/b-c1", everyone),
        ("/events/a-w1", others),
        (f"/diff?policy=cli-test&known_at={w.rev}", staff),
        (f"/diff/download.json?policy=cli-test&known_at={w.rev}", staff),
        ("/diff", staff),
        ("/publications", everyone),
        (f"/publications/{w.pub}", everyone),
        (f"/publications/{w.pub}?check=1", everyone),
        (f"/publications/{w.pub}/download.xlsx", everyone),
        (f"/publications/{w.pub}/download.html", everyone),
        ("/appeals", everyone),
        (f"/appeals/{w.appeal_b}", everyone),
        (f"/appeals/{w.appeal_a}", others),
        ("/log", staff),
        ("/users", {"office": ALLOW, "inspector": DENY, "unit": DENY}),
        (f"/api/score?policy=cli-test&{published}", everyone),
        ("/api/score?policy=cli-test", staff),  # the head: not what was published
        ("/api/explain/b?policy=cli-test", everyone),
        ("/api/explain/a?policy=cli-test", others),
        (f"/api/explain/b?policy=cli-test&known_at={w.rev}", staff),
        ("/api/events/b-c1", everyone),
        ("/api/events/a-w1", others),
        ("/api/history/b", everyone),
        ("/api/history/a", others),
        ("/api/log", staff),
        ("/import", {"office": ALLOW, "inspector": DENY, "unit": DENY}),  # the office's desk (#29)
        ("/events/new?type=criticism", {"office": ALLOW, "inspector": DENY, "unit": DENY}),
    ]


def test_every_route_is_in_the_matrix():
    from starlette.routing import Route

    from ledger.web import create_app

    app = create_app("sqlite:///unused.db", secret="x")
    names = {r.name for r in app.routes if isinstance(r, Route)} - {"login", "logout"}
    assert names <= set(access.MATRIX), names - set(access.MATRIX)


@pytest.mark.parametrize("role", ["office", "inspector", "unit"])
def test_role_matrix(world, role):
    client = world.client(role)
    for path, expected in get_cases(world):
        response = client.get(path)
        want = STATUS[expected[role]]
        assert response.status_code == want, (role, path, response.status_code, response.text[:300])
        if path.startswith("/api/") and want != 200:
            assert response.json()["error"] and "field" in response.json()
    # Writes: publish (office), file an appeal (unit, own unit), decide (office), manage users (office).
    token = page_csrf(client)
    posts = [
        ("/publications", {"policy": "cli-test", "as_of": "2021-06-30"}, {"office"}),
        ("/appeals", {"unit": "b", "targets": "b-m0", "grounds": "reported twice"}, {"unit"}),
        (f"/appeals/{world.appeal_b}/decide", {"outcome": "rejected", "reason": "stands"}, {"office"}),
        ("/users", {"name": "new1", "role": "inspector", "password": "a-long-password"}, {"office"}),
        ("/users/insp/disable", {}, {"office"}),
    ]
    for path, data, allowed in posts:
        fields = {**data, "csrf": token}
        if path == "/publications":  # a look first, then the confirmation
            fields = publish_fields(client, fields)
        response = client.post(path, data=fields)
        want = 303 if role in allowed else 403
        assert response.status_code == want, (role, path, response.status_code, response.text[:300])
    if role == "unit":  # and never for another unit
        response = client.post("/appeals", data={"unit": "a", "targets": "a-m0", "grounds": "x", "csrf": token})
        assert response.status_code == 403


def test_anonymous_visitors_see_only_the_sign_in_page(world):
    client = world.client()
    for path, _ in get_cases(world):
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 401 and response.json()["error"], path
            assert response.headers["www-authenticate"].startswith("Basic")
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path
    assert client.get("/login").status_code == 200


def test_api_answers_the_bytes_of_the_cli(world, tmp_path):
    client = world.client("inspector")
    cases = [
        ("/api/score?policy=cli-test", ["score", "--policy", "cli-test"]),
        (f"/api/score?policy=cli-test&as_of=2021-06-30&known_at={world.rev}&track=main",
         ["score", "--policy", "cli-test", "--as-of", "2021-06-30", "--known-at", str(world.rev), "--track", "main"]),
        ("/api/score?policy=cli-test&unit=c", ["score", "--policy", "cli-test", "--unit", "c"]),
        ("/api/explain/b?policy=cli-test", ["explain", "b", "--policy", "cli-test"]),
        (f"/api/explain/c?policy=cli-test@1&as_of=2021-05-03&known_at={world.rev}",
         ["explain", "c", "--policy", "cli-test@1", "--as-of", "2021-05-03", "--known-at", str(world.rev)]),
    ]
    for n, (path, args) in enumerate(cases):
        out = tmp_path / f"cli{n}.json"
        run = cli(world.url, *args, "--format", "json", "--output", str(out))
        assert run.code == 0, run.err
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        assert response.content == out.read_bytes(), path
    # history has no --output: its standard output is the renderer's text and a newline.
    run = cli(world.url, "history", "b", "--format", "json")
    assert client.get("/api/history/b").content + b"\n" == run.out.encode()


def test_publication_documents_are_the_cli_bytes_and_verify(world, tmp_path):
    """A publication's page offers its documents: the bytes `ledger published ID --format F`
    writes (in the page's language), which `ledger verify-publication` then accepts."""
    client = world.client("unit")  # every role may fetch published documents
    page = client.get(f"/publications/{world.pub}").text
    assert f"/publications/{world.pub}/download.xlsx" in page and "带验证码的文件" in page
    for fmt in ("xlsx", "html"):
        response = client.get(f"/publications/{world.pub}/download.{fmt}?lang=en")
        assert response.status_code == 200
        assert response.headers["content-disposition"] == f'attachment; filename="{world.pub}.{fmt}"'
        out = tmp_path / f"cli.{fmt}"
        run = cli(world.url, "published", world.pub, "--format", fmt, "--output", str(out))
        assert run.code == 0, run.err
        assert response.content == out.read_bytes()
        got = tmp_path / f"web.{fmt}"
        got.write_bytes(response.content)
        assert cli(world.url, "verify-publication", str(got)).code == 0
    # the Chinese page's document is the Chinese one: it verifies too, and differs from the English
    zh = client.get(f"/publications/{world.pub}/download.html?lang=zh").content
    assert "验证码".encode() in zh and zh != (tmp_path / "cli.html").read_bytes()
    (tmp_path / "zh.html").write_bytes(zh)
    assert cli(world.url, "verify-publication", str(tmp_path / "zh.html")).code == 0
    assert client.get(f"/publications/{world.pub}/download.csv").status_code == 404
    assert client.get("/publications/pub-000000000000/download.xlsx").status_code == 404


def test_the_card_speaks_the_pages_language(world):
    """The card's lines say what happened as `explain` does, in the page's language — Chinese by
    default — whatever language the server process runs in (the tests run it in English)."""
    import re

    def text(path: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(path).text))

    client = world.client("office")
    zh = text("/units/b")
    assert "名次：" in zh and "按媒体宣传报道（层级：省级）件数 2 排第 2 名（共 3 个单位）" in zh
    assert "b-c1 通报批评：" in zh and "place 2 of 3" not in zh and "media_report" not in zh
    en = text("/units/b?lang=en")
    assert "rank: " in en and "place 2 of 3 by count of media_report[level=province] = 2" in en
    assert "b-c1 criticism: " in en and "排第" not in en
    # each language's parts are kept apart: asking again in Chinese is Chinese still
    assert "排第 2 名" in client.get("/units/b?lang=zh").text


def test_the_diff_page_shows_the_rule_and_speaks_the_pages_language(world, tmp_path):
    """/diff as `ledger diff` says it: the changed rule's values old → new and each unit's causes,
    in the page's language (Chinese by default)."""
    import re
    from pathlib import Path

    text = (Path(__file__).parent / "policies" / "cli.yaml").read_text(encoding="utf-8")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(text.replace("version: 1", "version: 2", 1)
                  .replace("{event: criticism, amount: -2}", "{event: criticism, amount: -3}"), encoding="utf-8")
    assert cli(world.url, "policy", "load", str(v2)).code == 0
    client = world.client("inspector")

    def page(lang: str) -> str:
        html = client.get(f"/diff?policy=cli-test@1&against=cli-test@2&lang={lang}").text
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    zh, en = page("zh"), page("en")
    # the pickers keep the versions the diff used, also for a ref without @VERSION
    html = client.get("/diff?policy=cli-test@1&against=cli-test@2").text
    assert "<option selected>cli-test@1</option>" in html and "<option selected>cli-test@2</option>" in html
    html = client.get(f"/diff?policy=cli-test&known_at={world.rev}").text
    assert html.count("<option selected>") == 1 and "<option selected>cli-test@" in html
    assert "有改动的规则 考核类别 指标 设置项 之前 之后 测试考核 daily (已修改) rule.cases[1].amount -2 -3" in zh
    assert "事件 b-c1（通报批评，发生于 2021-04-01）：-2 → -3" in zh
    assert "event b-c1 (criticism, dated 2021-04-01): -2 → -3" in en and "Rules that changed" in en
    assert "event b-c1" not in zh and "criticism" not in zh


def test_api_errors_are_json_with_the_cli_message(world):
    client = world.client("office")
    for path, args, field in [
        ("/api/score?policy=cli-test&as_of=2021-13-01", ["score", "--policy", "cli-test", "--as-of", "2021-13-01"],
         "as_of"),
        ("/api/score?policy=cli-test&track=nope", ["score", "--policy", "cli-test", "--track", "nope"], "track"),
        ("/api/score?policy=cli-test&known_at=99999", ["score", "--policy", "cli-test", "--known-at", "99999"],
         "known_at"),
        ("/api/explain/b?policy=cli-test&known_at=soon", ["explain", "b", "--policy", "cli-test", "--known-at",
                                                          "soon"], "known_at"),
    ]:
        response = client.get(path)
        run = cli(world.url, *args)
        assert run.code == 2
        assert response.status_code == 400, response.text
        assert response.json() == {"error": run.err.strip().removeprefix("ledger: "), "field": field}
    assert client.get("/api/events/no-such-event").status_code == 404
    assert client.get("/api/history/nobody").status_code == 404
    assert client.get("/appeals/no-such-appeal").status_code == 404
    assert client.get("/publications/pub-000000000000").status_code == 404
    # an unknown id the page's path names is 404; one a form names is bad input, 400
    token = page_csrf(client)
    assert client.post("/appeals/no-such-appeal/decide", data={"outcome": "rejected", "reason": "x",
                                                              "csrf": token}).status_code == 404
    assert client.post(f"/appeals/{world.appeal_b}/decide", data={"outcome": "upheld", "reason": "x",
                                                                  "retract": "no-such-event",
                                                                  "csrf": token}).status_code == 400


def test_api_takes_http_basic_and_log_and_events_carry_no_password(world):
    client = world.client()
    assert client.get("/api/log", auth=("insp", "wrong-password")).status_code == 401
    response = client.get("/api/log?since=1", auth=("insp", "inspector-secret-1"))
    assert response.status_code == 200
    log = response.json()
    assert {r["type"] for r in log["rows"]} >= {"user_added", "result_published", "appeal_filed"}
    assert "scrypt$" not in response.text and "password_hash" not in response.text
    user_record = next(r for r in log["rows"] if r["type"] == "user_added")
    for path in (f"/api/events/{user_record['id']}", f"/events/{user_record['id']}", "/log?since=1", "/users"):
        office = world.client("office").get(path)
        assert office.status_code == 200 and "scrypt$" not in office.text, path
    assert "scrypt$" not in cli(world.url, "users", "list", "--format", "json").out
    assert "scrypt$" not in cli(world.url, "history", "b", "--format", "json").out


def test_event_page_tells_the_whole_story(world):
    office = world.client("office")
    token = page_csrf(office)
    decided = office.post(f"/appeals/{world.appeal_b}/decide",
                          data={"outcome": "upheld", "reason": "withdrawn by the county", "retract": "b-c1",
                                "csrf": token})
    assert decided.status_code == 303
    page = office.get("/events/b-c1").text
    assert world.appeal_b in page and "withdrawn by the county" in page and "<td>撤销</td>" in page  # Chinese page
    assert "<td>retraction</td>" in office.get("/events/b-c1?lang=en").text
    assert ">off<" in page and ">ub<" in page  # who decided, who filed
    story = office.get("/api/events/b-c1").json()
    assert story["amendments"][0]["type"] == "retraction" and story["amendments"][0]["actor"] == "off"
    assert story["appeals"][0]["decision"]["reviewer"] == "off"
    # The score moved: b's criticism (−2) no longer counts.
    rows = {r["unit"]: r["total"] for r in office.get("/api/score?policy=cli-test").json()["rows"]}
    assert rows["b"] == 12
    # The decision is one write (one commit), as with the CLI.
    log = office.get("/api/log").json()["rows"]
    decision = [r for r in log if r["type"] in ("appeal_decided", "retraction") and r["actor"] == "off"]
    assert len(decision) == 2 and decision[1]["revision"] == decision[0]["revision"] + 1


def test_pages_show_provenance_and_link_xlsx_and_json(world):
    client = world.client("inspector")
    for path in ("/scores/cli-test", "/units/b", f"/diff?policy=cli-test&known_at={world.rev}"):
        page = client.get(path).text
        assert 'id="provenance"' in page and "cli-test@1" in page, path
        assert "download.json" in page or "/api/" in page, path
        assert "download.xlsx" in page or "diff" in path, path
    page = client.get("/units/b").text
    assert 'href="/events/b-c1"' in page and "/units/b/trend.svg" in page
    svg = client.get("/units/b/trend.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<script" not in svg.content
    published = client.get(f"/publications/{world.pub}?check=1").text
    assert 'id="reproduced" class="ok"' in published
    sorted_page = client.get("/scores/cli-test?sort=total&dir=asc").text
    assert sorted_page.index(">c</a>") < sorted_page.index(">a</a>")
    assert client.get("/scores/cli-test?sort=total&dir=desc").text.index(">a</a>") < \
        client.get("/scores/cli-test?sort=total&dir=desc").text.index(">c</a>")


def test_chinese_by_default_english_on_request(world):
    client = world.client("office")
    assert "考核台账" in client.get("/").text
    assert "Assessment ledger" in client.get("/?lang=en").text
    assert "Assessment ledger" in client.get("/").text  # remembered
    fresh = world.client("office")
    assert "Assessment ledger" in fresh.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text


def test_stored_markup_shows_as_text_everywhere(world, tmp_path):
    from helpers import write_jsonl

    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    events = [{"type": "criticism", "unit": "b", "date": "2021-08-01", "id": "b-evil", "issuer_level": "county",
               "source": evil, "note": evil}]
    assert cli(world.url, "import", write_jsonl(tmp_path / "evil.jsonl", events)).code == 0
    unit_client = world.client("unit")
    token = page_csrf(unit_client)
    filed = unit_client.post("/appeals", data={"unit": "b", "targets": "b-evil", "grounds": evil, "csrf": token})
    assert filed.status_code == 303
    appeal = filed.headers["location"]
    office = world.client("office")
    for client, path in [(office, "/units/b"), (office, "/events/b-evil"), (office, appeal), (office, "/appeals"),
                         (office, "/"), (unit_client, "/units/b"), (unit_client, appeal), (office, "/log")]:
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        if path != "/log":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    bad_name = office.post("/users", data={"name": "x<b>", "role": "inspector", "password": "long-enough-1",
                                           "csrf": page_csrf(office)})
    assert bad_name.status_code == 303  # a name is text: it is shown escaped
    assert "x&lt;b&gt;" in office.get("/users").text


def test_forms_without_a_valid_csrf_token_are_refused(world):
    office = world.client("office")
    other = world.client("inspector")
    foreign = page_csrf(other)  # a token of another session
    for data in ({}, {"csrf": ""}, {"csrf": "forged"}, {"csrf": foreign}):
        response = office.post("/publications", data={"policy": "cli-test", **data})
        assert response.status_code == 403, data
        assert "表单已过期" in response.text
    assert office.get("/publications").text.count("/publications/pub-") == 1  # nothing published
    # The sign-in form too.
    anon = world.client()
    assert anon.post("/login", data={"name": "off", "password": "office-secret-1"}).status_code == 403
    # Cookies: HttpOnly and SameSite.
    page = anon.get("/login")
    from webkit import csrf_of

    signed = anon.post("/login", data={"name": "off", "password": "office-secret-1", "csrf": csrf_of(page.text)})
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_dashboard_lists_supervised_items_falling_due(world, tmp_path):
    import datetime as dt

    from helpers import write_jsonl

    today = dt.date.today()
    items = [{"type": "supervised_item_assigned", "unit": "c", "date": today.isoformat(), "id": "c-item",
              "item": "督办-7", "due": (today + dt.timedelta(days=3)).isoformat()},
             {"type": "supervised_item_assigned", "unit": "c", "date": today.isoformat(), "id": "c-later",
              "item": "督办-8", "due": (today + dt.timedelta(days=60)).isoformat()}]
    cli(world.url, "import", write_jsonl(tmp_path / "items.jsonl", items))
    from ledger.app import Ledger
    from ledger.projections.due import falling_due

    with Ledger(world.url) as ledger:
        policy = ledger.policy("cli-test")
        due = falling_due(ledger.view(), [policy], today)
    assert [d["what"] for d in due if d["kind"] == "supervised_item"] == ["督办-7"]
    assert world.client("unit").get("/").text.count('id="due"') == 0


def test_users_cli_refuses_import_and_shows_no_hash(world, tmp_path):
    from helpers import write_jsonl

    bad = write_jsonl(tmp_path / "u.jsonl", [{"type": "user_added", "name": "x", "role": "office",
                                               "password_hash": "scrypt$1", "unit": "a", "date": "2021-01-01"}])
    run = cli(world.url, "import", bad)
    assert run.code == 2 and "user_added" in run.err
    run = cli(world.url, "record", "user_disabled", "--unit", "a", "--date", "2021-01-01", "--set", "name=off")
    assert run.code == 2
    listed = json.loads(cli(world.url, "users", "list", "--format", "json").out)
    assert {u["name"]: u["role"] for u in listed} == {"insp": "inspector", "off": "office", "ua": "unit",
                                                      "ub": "unit"}
    assert cli(world.url, "users", "disable", "ua").code == 0
    client = world.client()
    page = client.get("/login")
    from webkit import csrf_of

    refused = client.post("/login", data={"name": "ua", "password": "unit-a-secret-1", "csrf": csrf_of(page.text)})
    assert refused.status_code == 401


def test_the_matrix_helper_names_every_role():
    assert set(ROLE_USER) == {"office", "inspector", "unit"}
    for rules in access.MATRIX.values():
        assert set(rules) == {"office", "inspector", "unit"}


_ = sign_in


def test_error_pages_speak_the_page_language(world):
    """Issue #13: a page's error is in the page's language (Chinese by default, WEB.md); with
    ?lang=en the English the ledger always said; the API's JSON keeps the English."""
    import html
    import re

    unit, office = world.client("unit"), world.client("office")
    cases = [
        (unit, "/units/a", 404, "单位“a”未登记（见 `ledger units list`）",  # another unit's: as if it did not exist
         "unit 'a' is not registered (see `ledger units list`)"),
        (unit, "/log", 403, "被考核单位角色无权打开此页面。", "The unit role may not open this page."),  # by name
        (office, "/units/nosuch", 404, "单位“nosuch”未登记（见 `ledger units list`）",
         "unit 'nosuch' is not registered (see `ledger units list`)"),
        (office, "/units/b/download.nope", 404, "得分说明没有“nope”格式", "no format 'nope' of the explain report"),
        (office, "/events/nosuch", 404, "台账中没有事件“nosuch”", "event 'nosuch' is not in the ledger"),
        (unit, f"/units/b?known_at={world.rev}", 403, "被考核单位账户只能查看台账当前所知的结果",
         "a unit account sees results as the ledger knows them now (no known-at)"),
        (office, "/scores/cli-test?as_of=2021-13-01", 400, "应为", "expected an ISO date"),
    ]
    for client, path, status, zh, en in cases:
        sep = "&" if "?" in path else "?"
        page = client.get(path) if client.cookies.get("ledger_lang") is None else client.get(path + sep + "lang=zh")
        message = html.unescape(re.search(r'<p class="error" id="error">(.*?)</p>', page.text, re.S)[1])
        assert page.status_code == status and zh in message, (path, message)
        assert not re.search(r"\b[A-Za-z]{2,} [A-Za-z]{2,}\b", re.sub(r"`[^`]*`", "", message)), (path, message)
        english = client.get(path + sep + "lang=en")  # remembered in a cookie: hence lang=zh above
        message = html.unescape(re.search(r'<p class="error" id="error">(.*?)</p>', english.text, re.S)[1])
        assert english.status_code == status and en in message, (path, message)
    answer = office.get("/api/events/nosuch")
    assert answer.status_code == 404 and answer.json()["error"] == "event 'nosuch' is not in the ledger"
