"""Request and render limits of the workbench (issue #24; WEB.md second round: bodies over the
configured size refused with 413 before they are read). The ASGI calls here count every
``receive`` the application makes, so "before it is read" is checked, not assumed."""

from __future__ import annotations

import asyncio
import base64
import threading
import time

import pytest
from webkit import PASSWORDS, World, make_world, sign_in

from ledger.reports import pdf
from ledger.web.limits import ANONYMOUS_BODY, MB


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return make_world(db_url, tmp_path, with_appeals=False)


def call(app, method: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, dict, bytes, int]:
    """One request straight to the ASGI app: (status, headers, body, how many body messages
    the app asked for)."""
    asked = 0

    async def receive():
        nonlocal asked
        asked += 1
        if asked <= len(chunks):
            return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}
        return {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, asked


FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_gigabyte_to_the_sign_in_form_is_413_before_a_byte_is_read(world):
    status, headers, body, asked = call(world.app(), "POST", "/login", {**FORM, "content-length": "1000000000"},
                                        [b"x" * 1000])
    assert (status, asked) == (413, 0)
    assert headers["connection"] == "close"
    assert body.decode() == "请求内容超过了 16 KiB 的上限。"


def test_a_chunked_body_is_counted_and_stopped_at_the_limit(world):
    """No length declared: 4 KiB pieces are read until the 17th KiB, then 413."""
    chunks = [b"a" * 4096] * 100
    status, _, body, asked = call(world.app(), "POST", "/login?lang=en", {**FORM, "transfer-encoding": "chunked"},
                                  chunks)
    assert status == 413 and asked == ANONYMOUS_BODY // 4096 + 1
    assert body.decode() == "The request body is over the limit of 16 KiB."


def test_the_sign_in_form_itself_fits(world):
    client = world.client()
    sign_in(client, "off")  # through the middleware: 303 to /


def test_a_signed_in_body_is_bounded_by_max_body(world):
    client = world.client("office", max_body=MB)
    cookie = f"ledger_session={client.cookies['ledger_session']}"
    app = client.app
    status, _, _, asked = call(app, "POST", "/publications", {**FORM, "cookie": cookie, "content-length": "30000000"},
                               [b""])
    assert (status, asked) == (413, 0)
    small = b"csrf=x&" + b"f=" + b"y" * 100_000  # 100 kB: over the anonymous limit, under --max-body
    status, _, _, asked = call(app, "POST", "/publications", {**FORM, "cookie": cookie,
                                                              "content-length": str(len(small))}, [small])
    assert status == 400 and asked == 1  # read, then its 100 kB field refused (at most 64 KiB a field)


def test_the_default_limit_is_25_mb_for_a_signed_in_user(world):
    client = world.client("office")
    cookie = f"ledger_session={client.cookies['ledger_session']}"
    over = call(client.app, "POST", "/publications", {**FORM, "cookie": cookie, "content-length": str(25 * MB + 1)},
                [b""])
    assert over[0] == 413 and "25 MB" in over[2].decode()
    under = call(client.app, "POST", "/publications", {**FORM, "cookie": cookie, "content-length": "8"},
                 [b"csrf=bad"])
    assert under[0] == 403  # read and answered by the route: the token is wrong


def test_http_basic_credentials_that_verify_lift_the_anonymous_limit(world):
    app = world.app()
    body = b"x" * (ANONYMOUS_BODY + 1)
    good = base64.b64encode(f"off:{PASSWORDS['off']}".encode()).decode()
    bad = base64.b64encode(b"off:wrong-password").decode()
    status, _, _, _ = call(app, "POST", "/api/score", {"authorization": f"Basic {good}",
                                                       "content-length": str(len(body))}, [body])
    assert status == 405  # past the limit check: the route takes GET only
    status, headers, text, asked = call(app, "POST", "/api/score", {"authorization": f"Basic {bad}",
                                                                    "content-length": str(len(body))}, [body])
    assert (status, asked) == (413, 0)
    assert headers["content-type"].startswith("application/json") and '"field":null' in text.decode()


def test_form_fields_are_bounded_in_number_and_size(world):
    client = world.client("office")
    many = "&".join(f"f{i}=1" for i in range(1001))
    response = client.post("/publications", content=many, headers=FORM)
    assert response.status_code == 400 and "Too many fields" in response.text
    response = client.post("/publications", data={"csrf": "x", "note": "字" * 30_000})  # 90 kB of UTF-8
    assert response.status_code == 400


def test_a_bad_content_length_is_400(world):
    status, _, body, asked = call(world.app(), "POST", "/login?lang=en", {**FORM, "content-length": "lots"}, [b""])
    assert (status, asked) == (400, 0) and b"whole number" in body


# ----------------------------------------------------------------------------- bounded renders

def test_render_slots_let_two_run_and_queue_the_rest():
    slots = pdf.RenderSlots(total=2, per_owner=1, wait=5.0)
    order: list[str] = []
    started = threading.Event()

    def render(owner: str, hold: float) -> None:
        with slots.slot(owner):
            order.append(f"start {owner}")
            started.set()
            time.sleep(hold)
        order.append(f"end {owner}")

    first = [threading.Thread(target=render, args=(o, 0.3)) for o in ("a", "b")]
    for t in first:
        t.start()
    started.wait()
    time.sleep(0.05)
    assert slots.running == 2
    third = threading.Thread(target=render, args=("c", 0.0))
    third.start()
    time.sleep(0.1)
    assert "start c" not in order  # queued behind the two
    for t in [*first, third]:
        t.join()
    assert order.index("start c") > min(order.index("end a"), order.index("end b"))


def test_a_render_waits_then_is_busy_and_one_user_gets_one_slot():
    slots = pdf.RenderSlots(total=2, per_owner=1, wait=0.2)
    with slots.slot("a"):
        with pytest.raises(pdf.RenderBusy) as busy, slots.slot("a"):  # a's second: a slot is free, but not for a
            pass
        assert busy.value.retry_after == 1  # the wait, rounded up to a whole second
        with slots.slot("b"), pytest.raises(pdf.RenderBusy), slots.slot("c"):  # both slots taken
            pass
    with slots.slot("a"):  # freed
        pass
    crowded = pdf.RenderSlots(total=1, per_owner=1, wait=5.0, queue=0)
    with crowded.slot("a"), pytest.raises(pdf.RenderBusy) as full, crowded.slot("b"):
        pass
    assert "waiting" in str(full.value)


def test_a_pdf_request_with_every_slot_busy_is_503_with_retry_after(world):
    client = world.client("office", renders=1, render_wait=0)
    try:
        with pdf.SLOTS.slot("someone else"):
            response = client.get("/units/a/download.pdf")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "PDF 生成通道在 0 秒内一直繁忙" in response.text
    finally:
        pdf.configure()
