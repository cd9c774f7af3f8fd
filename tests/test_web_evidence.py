"""Evidence on the workbench (WEB.md second round, issue #33) on both stores: the office attaches
on an event's page, a unit with its own appeal; downloads only through an event the user may
read, always as attachments; another unit's files answer 404 as if they did not exist."""

from __future__ import annotations

import hashlib
import re

import evidence_files as files
import pytest
from webkit import World, make_world, page_csrf

RECEIPT = files.pdf(text="receipt b")
SHOT = files.png(4, 3)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return make_world(db_url, tmp_path)


def upload(client, event: str, *named: tuple[str, bytes], note: str | None = None, page: str | None = None):
    token = page_csrf(client, page or "/")
    data = {"csrf": token, **({"note": note} if note else {})}
    return client.post(f"/events/{event}/evidence", data=data,
                       files=[("file", (name, content, "application/octet-stream")) for name, content in named])


def test_the_office_attaches_on_the_event_page_and_anyone_who_reads_the_event_downloads(world):
    office = world.client("office")
    response = upload(office, "b-c1", ("签收单.pdf", RECEIPT), ("截图.png", SHOT), note="整改材料")
    assert response.status_code == 303 and response.headers["location"] == "/events/b-c1#evidence"
    page = office.get("/events/b-c1").text
    section = re.search(r'<section id="evidence">.*?</section>', page, re.S).group(0)
    assert "签收单.pdf" in section and "截图.png" in section and "整改材料" in section
    assert 'id="evidence-form"' in section
    # the attachments are not amendments of the event (they have their own section)
    assert 'id="amendments"' not in page
    link = f"/events/b-c1/evidence/{sha(RECEIPT)}"
    assert f'href="{link}"' in section
    for role in ("office", "inspector", "unit"):  # the unit account is b's
        got = world.client(role).get(link)
        assert got.status_code == 200 and got.content == RECEIPT, role
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"] == (
            f"attachment; filename=\"evidence-{sha(RECEIPT)[:12]}.pdf\"; filename*=UTF-8''"
            "%E7%AD%BE%E6%94%B6%E5%8D%95.pdf")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-security-policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
        assert got.headers["cache-control"] == "no-store"
    # the card's line links the files; the inspector's event page has no upload form
    card = office.get("/units/b").text
    assert f'href="{link}"' in card and f'href="/events/b-c1/evidence/{sha(SHOT)}"' in card
    assert 'id="evidence-form"' not in world.client("inspector").get("/events/b-c1").text
    # the packet from the card, with the files
    import io
    import zipfile

    packed = world.client("unit").get("/units/b/packet?with_evidence=1")
    names = {n.rsplit("/", 1)[-1] for n in zipfile.ZipFile(io.BytesIO(packed.content)).namelist()}
    assert {f"evidence-{sha(RECEIPT)}.pdf", f"evidence-{sha(SHOT)}.png"} <= names
    assert 'id="packet-evidence"' in card
    # the history the API gives names them
    history = world.client("inspector").get("/api/history/b").json()
    assert next(h for h in history if h["id"] == "b-c1")["evidence"][0]["sha256"] == sha(RECEIPT)


def test_a_unit_is_refused_another_units_evidence_as_if_it_did_not_exist(world):
    office = world.client("office")
    assert upload(office, "a-w1", ("a.pdf", RECEIPT)).status_code == 303
    assert upload(office, "b-c1", ("b.png", SHOT)).status_code == 303
    unit_b = world.client("unit")
    theirs = unit_b.get(f"/events/a-w1/evidence/{sha(RECEIPT)}")
    missing = unit_b.get(f"/events/no-such-event/evidence/{sha(RECEIPT)}")
    assert theirs.status_code == 404 == missing.status_code
    assert theirs.text.replace("a-w1", "X") == missing.text.replace("no-such-event", "X")
    # the same bytes through its own event that does not carry them: no file by hash alone
    assert unit_b.get(f"/events/b-c1/evidence/{sha(RECEIPT)}").status_code == 404
    assert unit_b.get(f"/events/b-c1/evidence/{sha(SHOT)}").status_code == 200
    assert office.get(f"/events/b-c1/evidence/{sha(RECEIPT)}").status_code == 404
    assert office.get("/events/b-c1/evidence/not-a-hash").status_code == 404


def test_who_may_attach(world):
    revision = world.client("office").get("/api/log").json()["head"]
    unit_b = world.client("unit")
    assert upload(unit_b, "a-w1", ("x.pdf", RECEIPT)).status_code == 404  # another unit's event
    assert upload(unit_b, "b-c1", ("x.pdf", RECEIPT)).status_code == 403  # its own event, not an appeal
    assert upload(world.client("inspector"), "b-c1", ("x.pdf", RECEIPT)).status_code == 403
    assert upload(world.client("ua"), world.appeal_b, ("x.pdf", RECEIPT)).status_code == 404
    assert world.client("office").get("/api/log").json()["head"] == revision  # nothing written
    response = upload(unit_b, world.appeal_b, ("签收单.pdf", RECEIPT), page=f"/appeals/{world.appeal_b}")
    assert response.status_code == 303
    page = unit_b.get(f"/appeals/{world.appeal_b}").text
    assert f'href="/events/{world.appeal_b}/evidence/{sha(RECEIPT)}"' in page and 'id="evidence-form"' in page
    # the office reads it on the line the appeal is against
    card = world.client("office").get("/units/b").text
    assert f"/events/{world.appeal_b}/evidence/{sha(RECEIPT)}" in card and world.appeal_b in card


@pytest.mark.parametrize("name, data, said", [
    ("申报表.pdf", files.windows_program(), "a Windows program"),
    ("通知.pdf", files.HTML, "an HTML page"),
    ("图.svg", files.SVG_SCRIPT, "an SVG image with a script"),
])
def test_hostile_uploads_are_refused_naming_what_they_are(world, name, data, said):
    office = world.client("office")
    revision = office.get("/api/log").json()["head"]
    response = upload(office, "b-c1", ("ok.pdf", RECEIPT), (name, data))
    assert response.status_code == 400 and name in response.text
    english = office.post("/events/b-c1/evidence?lang=en", data={"csrf": page_csrf(office)},
                          files=[("file", (name, data, "application/pdf"))])
    assert english.status_code == 400 and said in english.text
    assert office.get("/api/log").json()["head"] == revision
    # with an appeal: refused before the appeal is written
    unit_b = world.client("unit")
    response = unit_b.post("/appeals", data={"unit": "b", "targets": "b-m0", "grounds": "重复", "csrf":
                                             page_csrf(unit_b, "/units/b")},
                           files=[("file", (name, data, "application/pdf"))])
    assert response.status_code == 400 and office.get("/api/log").json()["head"] == revision


def test_a_unit_files_an_appeal_with_its_proof(world):
    unit_b = world.client("unit")
    response = unit_b.post("/appeals", data={"unit": "b", "targets": "b-m0", "grounds": "报道已刊发",
                                             "csrf": page_csrf(unit_b, "/units/b")},
                           files=[("file", ("刊发截图.png", SHOT, "image/png"))])
    assert response.status_code == 303
    appeal = response.headers["location"].rsplit("/", 1)[-1]
    got = world.client("office").get(f"/events/{appeal}/evidence/{sha(SHOT)}")
    assert got.status_code == 200 and got.content == SHOT and got.headers["content-type"] == "image/png"


def test_a_withdrawn_file_says_so_and_is_gone(world):
    from ledger.app import Ledger
    from ledger.workflows.evidence import withdraw

    office = world.client("office")
    assert upload(office, "b-c1", ("身份证.png", SHOT)).status_code == 303
    with Ledger(world.url, actor="off") as ledger:
        withdraw(ledger, sha(SHOT), "含身份证号")
    got = office.get(f"/events/b-c1/evidence/{sha(SHOT)}")
    assert got.status_code == 410 and "含身份证号" in got.text and got.content != SHOT
    page = office.get("/events/b-c1").text
    assert "已撤回" in page and f'href="/events/b-c1/evidence/{sha(SHOT)}"' not in page
    assert "已撤回" in office.get("/units/b").text


def test_a_file_name_cannot_break_out_of_its_header_or_page(world):
    office = world.client("office")
    name = 'a";\r\nSet-Cookie: x=1; <img src=x onerror=alert(1)>.pdf'
    assert upload(office, "b-c1", (name, RECEIPT)).status_code == 303
    got = office.get(f"/events/b-c1/evidence/{sha(RECEIPT)}")
    assert "set-cookie" not in got.headers and "\r" not in got.headers["content-disposition"]
    assert got.headers["content-disposition"].startswith(f'attachment; filename="evidence-{sha(RECEIPT)[:12]}.pdf"')
    page = office.get("/events/b-c1").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
