"""The office's desk in the workbench without a browser (issue #29): import with a preview
(counts worked out by hand from tests/desk_files.py), the confirmation bound to the file's
SHA-256, expiry, roles and CSRF; ``POST /api/import``; the record, correct and retract forms;
the decide form's corrections; the publish confirmation; a unit's home. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from desk_files import DUPLICATE, GOOD, csv_bytes, fixed, sheet, with_mistakes
from webkit import World, make_world, page_csrf

from ledger.app import Ledger
from ledger.web.pages import look_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return make_world(db_url, tmp_path)


def head(world: World) -> int:
    with Ledger(world.url) as ledger:
        return ledger.head()[0]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def cell(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}">([^<]*)<', html)
    assert found, ident
    return found.group(1)


def upload(client, path, name=None):
    return client.post("/import", data={"csrf": page_csrf(client, "/import")},
                       files={"file": (name or path.name, path.read_bytes(), XLSX)})


def token_of(html: str) -> tuple[str, str]:
    token = re.search(r'action="/import/([^/"]+)/confirm"', html)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html)
    assert token and sha, html[:2000]
    return token.group(1), sha.group(1)


def test_the_clerks_import_preview_confirm_nothing_twice(world, tmp_path):
    import hashlib

    import openpyxl

    office = world.client("office")
    before = head(world)
    bad = with_mistakes(tmp_path / "月报.xlsx")
    preview = upload(office, bad)
    assert preview.status_code == 200
    html = preview.text
    assert (cell(html, "count-new"), cell(html, "count-present"), cell(html, "count-duplicates"),
            cell(html, "count-refused")) == ("3", "0", "1", "2")
    shown = text_of(html)
    assert "字段“单位”：应为 已登记的单位编号或名称" in shown  # row 5, in Chinese
    assert "字段“日期”：应为 ISO 日期" in shown and "字段“发文层级”" in shown  # row 6: both problems
    assert hashlib.sha256(bad.read_bytes()).hexdigest() in html
    assert head(world) == before  # a preview writes nothing
    token, _sha = token_of(html)
    # The refused rows as the clerk wrote them, each with every problem in a 问题 column.
    got = office.get(f"/import/{token}/refused.xlsx")
    assert got.status_code == 200 and got.headers["content-type"] == XLSX
    assert "attachment" in got.headers["content-disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "问题" and [r[1] for r in rows[1:]] == ["zz", "a", "a"]  # rows 5, 6, 7
    assert rows[2][-1].count("\n") == 1  # row 6: two problems
    assert rows[3][2] == DUPLICATE[2] and "a-w1" in rows[3][-1]
    # The fixed file: 3 good rows and the two fixed ones; confirmed, written once.
    good = fixed(tmp_path / "月报-改.xlsx")
    html = upload(office, good).text
    assert (cell(html, "count-new"), cell(html, "count-present"), cell(html, "count-refused")) == ("5", "0", "0")
    token, sha = token_of(html)
    done = office.post(f"/import/{token}/confirm", data={"csrf": page_csrf(office, "/import"), "sha256": sha})
    assert done.status_code == 303 and done.headers["location"] == f"/import/{token}"
    written = office.get(f"/import/{token}").text
    assert cell(written, "written-new") == "5" and cell(written, "written-present") == "0"
    assert head(world) == before + 5
    with Ledger(world.url) as ledger:  # stamped with the clerk's account
        stream = ledger.store.read_stream("unit:b:2021")
        assert {r.data["actor"] for r in stream if r.data.get("date") == "2021-07-04"} == {"off"}
    # The same file again: nothing new, nothing twice.
    html = upload(office, good).text
    assert (cell(html, "count-new"), cell(html, "count-present")) == ("0", "5")
    assert 'id="confirm-button" disabled' in html
    again = office.post(f"/import/{token}/confirm", data={"csrf": page_csrf(office, "/import"), "sha256": sha})
    assert again.status_code == 409  # a preview is confirmed once
    assert head(world) == before + 5


def test_confirm_writes_only_the_file_previewed(world, tmp_path):
    from pathlib import Path

    office = world.client("office")
    before = head(world)
    html = upload(office, fixed(tmp_path / "a.xlsx")).text
    token, sha = token_of(html)
    csrf = page_csrf(office, "/import")
    # Another SHA-256 in the form: refused, nothing written.
    other = office.post(f"/import/{token}/confirm", data={"csrf": csrf, "sha256": "0" * 64})
    assert other.status_code == 409 and "SHA-256" in text_of(other.text)
    # The kept file changed after the preview (swapped on disk): hashed again, refused.
    kept = office.app.state.workbench.previews.get(token, "off")
    sheet(Path(kept.path), GOOD[:1])
    changed = office.post(f"/import/{token}/confirm", data={"csrf": csrf, "sha256": sha})
    assert changed.status_code == 409
    # Without the CSRF token: 403 before anything is read.
    assert office.post(f"/import/{token}/confirm", data={"sha256": sha}).status_code == 403
    assert office.post("/import", files={"file": ("a.xlsx", b"x", XLSX)}).status_code == 403
    assert head(world) == before


def test_previews_expire_and_are_the_uploaders_own(world, tmp_path):
    office = world.client("office")
    html = upload(office, fixed(tmp_path / "a.xlsx")).text
    token, sha = token_of(html)
    with Ledger(world.url, actor="admin") as ledger:
        from ledger import accounts

        accounts.add(ledger, "off2", "office", "office-secret-2")
    from webkit import sign_in

    second = world.client()
    sign_in(second, "off2", "office-secret-2")
    assert second.get(f"/import/{token}").status_code == 404  # another account's preview
    world.clock.advance(minutes=31)
    office = world.client("office")  # the old session expired with the clock? sign in again
    late = office.post(f"/import/{token}/confirm", data={"csrf": page_csrf(office, "/import"), "sha256": sha})
    assert late.status_code == 404 and "30" in text_of(late.text)
    assert office.get(f"/import/{token}/refused.xlsx").status_code == 404


def test_import_refuses_other_kinds_and_bad_files(world, tmp_path):
    office = world.client("office")
    csrf = page_csrf(office, "/import")
    wrong = office.post("/import", data={"csrf": csrf}, files={"file": ("a.exe", b"MZ", "application/octet-stream")})
    assert wrong.status_code == 400 and ".xlsx" in text_of(wrong.text)
    broken = office.post("/import", data={"csrf": csrf}, files={"file": ("a.xlsx", b"not a zip", XLSX)})
    assert broken.status_code == 400
    assert office.app.state.workbench.previews._kept == {}  # nothing kept of a refused upload


def test_the_desk_is_the_offices(world):
    for role in ("unit", "inspector"):
        client = world.client(role)
        csrf = page_csrf(client)
        for path in ("/import", "/events/new", "/events/new?type=criticism"):
            assert client.get(path).status_code == 403, (role, path)
        assert client.post("/import", data={"csrf": csrf}, files={"file": ("a.csv", b"x", "text/csv")}
                           ).status_code == 403
        assert client.post("/events/new", data={"csrf": csrf, "type": "criticism"}).status_code == 403
        assert client.post("/events/b-c1/retract", data={"csrf": csrf, "reason": "x"}).status_code == 403
        assert client.post("/api/import?dry_run=1", content=b"x", headers={"content-type": "text/csv"}
                           ).status_code == 403
    home = world.client("office").get("/").text
    assert 'href="/import"' in home and 'href="/events/new"' in home


def test_api_import_dry_run_and_sha256_binding(world):
    import base64
    import hashlib

    from webkit import PASSWORDS

    client = world.client()
    basic = {"authorization": "Basic " + base64.b64encode(f"off:{PASSWORDS['off']}".encode()).decode()}
    body = csv_bytes(GOOD + [["criticism", "zz", "2021-07-04", "county", "县办〔2021〕10号", "x"], DUPLICATE])
    before = head(world)
    dry = client.post("/api/import?dry_run=1", content=body, headers={**basic, "content-type": "text/csv"})
    assert dry.status_code == 200, dry.text
    doc = dry.json()
    assert (doc["new"], doc["already_present"], doc["dry_run"]) == (3, 0, True)
    assert doc["sha256"] == hashlib.sha256(body).hexdigest()
    assert [(d["line"], d["stored"]) for d in doc["duplicates"]] == [(6, "a-w1")]
    assert [r["line"] for r in doc["refused"]] == [5] and doc["refused"][0]["problems"][0]["field"] == "unit"
    assert doc["skipped"] == []
    assert head(world) == before
    # A kind it does not read, by Content-Type: 400 (text/plain is what a foreign page may send unasked).
    plain = client.post("/api/import?dry_run=1", content=body, headers={**basic, "content-type": "text/plain"})
    assert plain.status_code == 400 and plain.json()["field"] == "content_type"
    good = csv_bytes(GOOD)
    sha = hashlib.sha256(good).hexdigest()
    # Bound to the file a dry run saw: another body is refused, nothing written.
    mismatch = client.post(f"/api/import?sha256={sha}", content=body, headers={**basic, "content-type": "text/csv"})
    assert mismatch.status_code == 409 and mismatch.json()["field"] == "sha256"
    assert head(world) == before
    done = client.post(f"/api/import?sha256={sha}", content=good, headers={**basic, "content-type": "text/csv"})
    assert done.status_code == 200 and done.json()["new"] == 3 and not done.json()["dry_run"]
    assert head(world) == before + 3
    again = client.post("/api/import?dry_run=1", content=good, headers={**basic, "content-type": "text/csv"})
    assert (again.json()["new"], again.json()["already_present"]) == (0, 3)
    # All or nothing without dry_run: a file with a refused row writes nothing (400).
    refused = client.post("/api/import", content=body, headers={**basic, "content-type": "text/csv"})
    assert refused.status_code == 400 and head(world) == before + 3


def test_record_form_from_the_catalogue(world):
    office = world.client("office")
    form = office.get("/events/new?type=criticism").text
    assert '<select name="issuer_level" id="f-issuer_level" required>' in form
    assert ">县级</option>" in form and ">省级</option>" in form  # choices by their Chinese names
    assert '<input type="date" name="date" id="f-date"' in form
    assert '<option value="b">乙局（b）</option>' in form  # the unit picked by name
    assert "发文层级" in form
    before = head(world)
    csrf = page_csrf(office, "/events/new")
    data = {"csrf": csrf, "type": "criticism", "unit": "b", "date": "2021-09-09", "issuer_level": "county",
            "note": "<img src=x onerror=alert(1)>"}
    written = office.post("/events/new", data=data)
    assert written.status_code == 200
    assert cell(written.text, "revision") == str(before + 1)
    event_id = cell(written.text, "record-id")
    assert f'href="/events/{event_id}"' in written.text
    page = office.get(f"/events/{event_id}").text
    assert "&lt;img src=x" in page and "<img src=x" not in page
    again = office.post("/events/new", data=data)  # the same content: already present, nothing written
    assert "已在台账中" in again.text and head(world) == before + 1
    bad = office.post("/events/new", data={**data, "date": "2021-02-30", "unit": "b"})
    assert bad.status_code == 400
    assert "字段“日期”" in text_of(bad.text) and 'value="2021-02-30"' in bad.text  # the form comes back filled in
    assert office.get("/events/new?type=nonsense").status_code == 400
    assert office.get("/events/new?type=correction").status_code == 400  # an amendment: from the event's page
    from ledger.events.catalog import FACT_TYPES

    for type_name in sorted(FACT_TYPES):  # every fact has its form
        assert 'id="record"' in office.get(f"/events/new?type={type_name}").text, type_name
    assert head(world) == before + 1


def test_correct_and_retract_from_the_event_page(world):
    office = world.client("office")
    page = office.get("/events/b-c1").text
    assert 'action="/events/b-c1/correct"' in page and 'action="/events/b-c1/retract"' in page
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and page.count('id="correct"') == 1  # the forms once, in the page, not its title
    assert 'action="/events/b-c1/correct"' not in world.client("inspector").get("/events/b-c1").text
    before = head(world)
    csrf = page_csrf(office, "/events/b-c1")
    same = office.post("/events/b-c1/correct", data={"csrf": csrf, "issuer_level": "county", "date": "2021-04-01",
                                                     "reason": "核对"})
    assert same.status_code == 400  # nothing changed: nothing to correct
    fixed_ = office.post("/events/b-c1/correct", data={"csrf": csrf, "issuer_level": "city", "date": "2021-04-01",
                                                       "reason": "文件为市级"})
    assert fixed_.status_code == 200 and cell(fixed_.text, "revision") == str(before + 1)
    assert 'href="/events/b-c1"' in fixed_.text
    with Ledger(world.url) as ledger:
        record = next(r for r in ledger.store.read_stream("unit:b:2021") if r.type == "correction")
        assert record.data["changes"] == {"issuer_level": "city"} and record.data["actor"] == "off"
    page = office.get("/events/b-c1").text
    assert 'selected>地市级</option>' in page  # the form shows the value now
    gone = office.post("/events/b-c1/retract",
                       data={"csrf": csrf, "reason": "重复登记", "decision": "县办〔2021〕12号"})
    assert gone.status_code == 200 and cell(gone.text, "revision") == str(before + 2)
    assert 'action="/events/b-c1/retract"' not in office.get("/events/b-c1").text  # retracted: no more forms
    assert office.post("/events/no-such/retract", data={"csrf": csrf, "reason": "x"}).status_code == 404


def test_decide_form_offers_targets_and_their_fields(world):
    office = world.client("office")
    page = office.get(f"/appeals/{world.appeal_b}").text
    assert 'value="b-c1" id="r-b-c1"' in page and 'name="c0-issuer_level"' in page
    assert "事件ID 字段=值" not in page
    before = head(world)
    csrf = page_csrf(office, f"/appeals/{world.appeal_b}")
    decided = office.post(f"/appeals/{world.appeal_b}/decide",
                          data={"csrf": csrf, "outcome": "partially_upheld", "reason": "级别有误",
                                "c0-issuer_level": "city", "c0-date": "2021-04-01"})
    assert decided.status_code == 303
    with Ledger(world.url) as ledger:
        records = [r for r in ledger.store.read_stream("unit:b:2021") if r.data["revision"] > before]
    assert [(r.type, r.data.get("target"), r.data.get("changes")) for r in records] == [
        ("appeal_decided", None, None), ("correction", "b-c1", {"issuer_level": "city"})]
    # Retracting something that is not a target is refused.
    other = office.post(f"/appeals/{world.appeal_a}/decide",
                        data={"csrf": csrf, "outcome": "upheld", "reason": "x", "retract": "b-c1"})
    assert other.status_code == 400


def test_appeals_shown_by_unit_targets_and_date(world):
    office = world.client("office")
    listing = text_of(office.get("/appeals").text)
    from ledger.events.names import type_zh

    assert f"乙局 {type_zh('criticism')} b-c1" in listing and f"甲局 {type_zh('warning')} a-w1" in listing
    home = office.get("/").text
    assert f'<a href="/appeals/{world.appeal_b}" class="appeal-link">乙局 · ' in home
    card = office.get("/units/b").text
    assert f'<a href="/appeals/{world.appeal_b}" class="appeal-link">{type_zh("criticism")} b-c1 · ' in card


def test_publishing_asks_to_confirm_what_it_shows(world):
    office = world.client("office")
    csrf = page_csrf(office, "/scores/cli-test")
    pubs = office.get("/publications").text.count("/publications/pub-")
    look = office.post("/publications", data={"csrf": csrf, "policy": "cli-test", "as_of": "2021-06-30",
                                               "doc_no": "考核办〔2021〕3号"})
    assert look.status_code == 200
    html = look.text
    assert cell(html, "look-as-of") == "2021-06-30" and "cli-test@1" in cell(html, "look-policy")
    now = head(world)
    assert cell(html, "look-known-at").endswith(str(now))
    assert re.search(r'<table class="look" id="look-main">.*?<td>a</td><td>甲局</td>', html, re.S)
    assert office.get("/publications").text.count("/publications/pub-") == pubs  # nothing published yet
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)
    assert token == look_token({"policy": "cli-test@1", "as_of": "2021-06-30", "known_at": str(now),
                                "doc_no": "考核办〔2021〕3号"})
    fields = {"csrf": csrf, "policy": "cli-test@1", "as_of": "2021-06-30", "known_at": str(now),
              "doc_no": "考核办〔2021〕3号"}
    changed = office.post("/publications", data={**fields, "doc_no": "考核办〔2021〕4号", "confirm": token})
    assert changed.status_code == 409  # the token binds what was looked at
    done = office.post("/publications", data={**fields, "confirm": token})
    assert done.status_code == 303 and done.headers["location"].startswith("/publications/pub-")
    assert office.get("/publications").text.count("/publications/pub-") == pubs + 1
    scores = office.get("/scores/cli-test").text
    assert 'id="publish-look"' in scores


def test_a_units_home_holds_only_what_it_may_open(world):
    unit = world.client("unit")  # ub, unit b
    html = unit.get("/").text
    assert 'id="card-link"' in html and "乙局" in html
    links = set(re.findall(r'href="(/[^"]*)"', html)) - {"/static/style.css"}
    assert any(link.startswith("/appeals/") for link in links)  # its own appeal
    assert f"/appeals/{world.appeal_a}" not in links  # not another unit's
    for link in sorted(links):
        status = unit.get(link.replace("&amp;", "&")).status_code
        assert status == 200, (link, status)


def test_a_unit_files_and_reads_its_appeal_in_chinese(world, tmp_path):
    from webkit import sign_in

    unit = world.client("unit")
    filed = unit.post("/appeals", data={"csrf": page_csrf(unit, "/units/b"), "unit": "b", "targets": "b-m0",
                                        "grounds": "<i>重复</i>通报"})
    assert filed.status_code == 303
    page = unit.get(filed.headers["location"]).text
    shown = text_of(page)
    assert "--policy" not in shown and "expected" not in shown and "乙局" in shown
    assert f'href="/publications/{world.pub}"' in page  # the publication covering the unit, picked for it
    assert "&lt;i&gt;重复&lt;/i&gt;通报" in page
    # A unit no policy scores (d, group h): its appeal page says so in Chinese, with no CLI syntax.
    (tmp_path / "d.csv").write_text("id,name,groups\nd,丁局,h\n", encoding="utf-8")
    with Ledger(world.url, actor="admin") as ledger:
        from ledger import accounts

        ledger.import_units(str(tmp_path / "d.csv"))
        ledger.record({"type": "criticism", "unit": "d", "date": "2021-05-01", "id": "d-c1",
                       "issuer_level": "county"})
        accounts.add(ledger, "ud", "unit", "unit-d-secret-1", unit="d")
    d = world.client()
    sign_in(d, "ud", "unit-d-secret-1")
    home = d.get("/").text  # no policy scores it: no card to link (it would answer 400)
    assert 'id="card-link"' not in home and 'href="/due"' not in home and "丁局" in home
    card = d.get("/units/d")  # the nav's link to its own card: its home, which says why there is none
    assert card.status_code == 303 and card.headers["location"] == "/"
    filed = d.post("/appeals", data={"csrf": page_csrf(d, "/"), "unit": "d", "targets": "d-c1",
                                     "grounds": "x"})
    assert filed.status_code == 303
    shown = text_of(d.get(filed.headers["location"]).text)
    assert "尚无涵盖本单位的考核方案或通报结果：无法显示该申诉的影响。" in shown
    assert "--policy" not in shown and "expected" not in shown


def test_uploads_keep_to_the_limits(world, tmp_path, monkeypatch):
    office = world.client("office", max_body=20_000)
    big = office.post("/import", data={"csrf": page_csrf(office, "/import")},
                      files={"file": ("big.csv", b"x" * 30_000, "text/csv")})
    assert big.status_code == 413  # refused before the body is read (ledger/web/limits.py)
    # A sheet past the bounded reader's limits (docs/intake.md, "Limits"): 413, nothing kept or written.
    monkeypatch.setenv("LEDGER_XLSX_MAX_CELLS", "10")
    before = head(world)
    office = world.client("office")
    over = upload(office, fixed(tmp_path / "a.xlsx"))  # 6 rows × 6 columns = 36 cells
    assert over.status_code == 413 and "LEDGER_XLSX_MAX_CELLS" in over.text
    assert office.app.state.workbench.previews._kept == {} and head(world) == before


def test_the_event_page_names_its_appeals_by_date_not_by_id(world):
    """An appeal against an event is listed on the event's page by what a person knows of it
    (申诉 and the day it was filed), linked to its page — not by its id (webkit: unit a's
    appeal against a-w1)."""
    page = world.client("office").get("/events/a-w1").text
    rows = page.split('id="appeals"', 1)[1].split("</table>", 1)[0]
    assert f'href="/appeals/{world.appeal_a}"' in rows
    assert f">{world.appeal_a}<" not in rows and "申诉 · " in rows
