"""An adversarial review of published documents, `verify-publication` and the workbench's
kept results (issues #19, #20): forged, swapped, padded and hostile files; documents from
another renderer version; kept cards and tables after a write, per language and per role."""

from __future__ import annotations

import re
import zipfile

import pytest
from helpers import cli
from test_documents import printer  # noqa: F401 - the fixture
from test_verify_publication import make, verify, world  # noqa: F401 - the fixture
from webkit import make_world, page_csrf, publish_fields


def _code(page: str) -> str:
    found = re.search(r'data-code="([^"]+)"', page)
    assert found
    return found.group(1)


def test_another_renderer_versions_page_verifies_by_its_values(world):  # noqa: F811
    """A page of this publication made by the other released renderer (version 1, the one
    before the 通报 head and sign-off) is rendered again by that version and verifies; an edited
    value in it is still refused; a page naming a renderer no ledger released is refused (its
    stylesheet cannot be checked: #25)."""
    url, tmp, pubs = world
    from ledger import i18n
    from ledger.app import Ledger
    from ledger.reports import formats
    from ledger.reports.published import PublishedDocument
    from ledger.workflows import publishing

    with Ledger(url) as ledger, i18n.speaking("en"):
        doc = publishing.document(ledger, publishing.find(ledger, pubs["score"]))
        assert doc.pub.renderer == "2"
        old = tmp / "old.html"
        old.write_text(formats.render("publication", "html", PublishedDocument(doc.pub, doc.result, "1")),
                       encoding="utf-8")
    assert "ledger 0.1.0/1 ·" in old.read_text(encoding="utf-8")
    run = verify(url, old)
    assert run.code == 0 and "the same bytes" in run.out and "renderer 0.1.0/1" in run.out, run.err
    (tmp / "old-edited.html").write_text(old.read_text(encoding="utf-8").replace("乙局", "丁局"), encoding="utf-8")
    run = verify(url, tmp / "old-edited.html")
    assert run.code == 1 and "丁局" in run.err, run.err
    (tmp / "later.html").write_text(old.read_text(encoding="utf-8").replace('data-version="0.1.0/1"',
                                                                         'data-version="0.1.0/0"'), encoding="utf-8")
    run = verify(url, tmp / "later.html", "--values-only")
    assert run.code == 1 and "names renderer 0.1.0/0, which no released ledger has" in run.err, run.err


def test_another_publications_content_under_a_real_code_is_refused(world):  # noqa: F811
    url, tmp, pubs = world
    score = make(url, pubs["score"], "html", tmp / "s.html").read_text(encoding="utf-8")
    bulletin = make(url, pubs["bulletin"], "html", tmp / "b.html").read_text(encoding="utf-8")
    (tmp / "swap.html").write_text(bulletin.replace(_code(bulletin), _code(score)), encoding="utf-8")
    run = verify(url, tmp / "swap.html", "--values-only")
    assert run.code == 1 and f"differs from publication {pubs['score']}" in run.err, run.err
    # Two code lines: a second, empty one naming the other publication — still compared as that one.
    version = re.search(r'data-version="([^"]+)"', score).group(1)
    two = score.replace("</footer>", f'<p id="verification" data-code="{_code(bulletin)}" '
                                     f'data-version="{version}"></p></footer>')
    (tmp / "two.html").write_text(two, encoding="utf-8")
    run = verify(url, tmp / "two.html", "--values-only")
    assert run.code == 1 and f"differs from publication {pubs['bulletin']}" in run.err, run.err


@pytest.mark.parametrize("injected, named", [
    ('<script src="https://evil.example/x.js"></script>', "<script>"),
    ('<img src="https://evil.example/t.png">', "<img>"),
])
def test_page_with_active_content_fails_even_with_values_only(world, injected, named):  # noqa: F811
    """The visible text is the publication's, but the page runs or loads something: refused,
    with --values-only too, naming what it carries."""
    url, tmp, pubs = world
    page = make(url, pubs["score"], "html", tmp / "s.html").read_text(encoding="utf-8")
    (tmp / "x.html").write_text(page.replace("</body>", injected + "</body>"), encoding="utf-8")
    for extra in ((), ("--values-only",)):
        run = verify(url, tmp / "x.html", *extra)
        assert run.code == 1 and named in run.err and "which a publication never has" in run.err, run.err
    (tmp / "on.html").write_text(page.replace("<body>", '<body onload="alert(1)">'), encoding="utf-8")
    run = verify(url, tmp / "on.html", "--values-only")
    assert run.code == 1 and "onload=" in run.err, run.err


def test_page_with_changed_styles_fails_with_values_only(world):  # noqa: F811
    """A style can print a number after each cell (`content:`) or hide a row: not text, so the
    values are equal — at this renderer version the styles are compared too."""
    url, tmp, pubs = world
    page = make(url, pubs["score"], "html", tmp / "s.html").read_text(encoding="utf-8")
    (tmp / "css.html").write_text(page.replace("</style>", 'td.n::after{content:"9"}</style>'), encoding="utf-8")
    run = verify(url, tmp / "css.html", "--values-only")
    assert run.code == 1 and "content-generating CSS" in run.err, run.err
    hidden = re.sub(r"<tr>(<td[^>]*>\d+</td><td[^>]*>乙局)", r'<tr style="display:none">\1', page, count=1)
    assert hidden != page
    (tmp / "hide.html").write_text(hidden, encoding="utf-8")
    run = verify(url, tmp / "hide.html", "--values-only")
    assert run.code == 1 and "style=" in run.err and "which no released renderer writes" in run.err, run.err


def test_workbook_hiding_or_masking_fails_with_values_only(world):  # noqa: F811
    from openpyxl import load_workbook

    url, tmp, pubs = world
    path = make(url, pubs["score"], "xlsx", tmp / "s.xlsx")
    book = load_workbook(path)
    book.worksheets[1].row_dimensions[4].hidden = True  # 乙局's row (rows: title, header, 甲, 乙, 丙)
    book.save(tmp / "row.xlsx")
    book = load_workbook(path)
    book.worksheets[1].sheet_state = "hidden"
    book.create_sheet("blank")
    book.save(tmp / "sheet.xlsx")
    book = load_workbook(path)
    cell = book.worksheets[1].cell(4, 6)
    assert cell.value == 10
    cell.number_format = '"13"'  # shows 13, holds 10
    book.save(tmp / "format.xlsx")
    book = load_workbook(path)
    book.create_sheet("extra")["A1"] = "x"
    book.save(tmp / "added.xlsx")
    for name, said in (("row.xlsx", '<row r="4" hidden="1">'), ("sheet.xlsx", 'state="hidden"'),
                       ("format.xlsx", "cell F4: number format '\"13\"' in the file, 'General' in the publication"),
                       ("added.xlsx", "sheet 'extra' cell A1: 'x' in the file, None in the publication")):
        run = verify(url, tmp / name, "--values-only")
        assert run.code == 1 and said in run.err, (name, run.err)


def test_pdf_with_an_incremental_update_fails(world, printer):  # noqa: F811
    """An update appended after printing (here: a JavaScript action) leaves the text alone."""
    url, tmp, pubs = world
    data = make(url, pubs["score"], "pdf", tmp / "s.pdf").read_bytes()
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    root = re.search(rb"/Root (\d+ \d+ R)", data).group(1).decode()
    obj = f"{size} 0 obj\n<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>\nendobj\n".encode()
    at = len(data) + 1
    tail = (f"xref\n0 1\n0000000000 65535 f \n{size} 1\n{at:010d} 00000 n \ntrailer\n<< /Size {size + 1} "
            f"/Root {root} /Prev {prev} >>\nstartxref\n{at + len(obj)}\n%%EOF\n").encode()
    (tmp / "upd.pdf").write_bytes(data + b"\n" + obj + tail)
    run = verify(url, tmp / "upd.pdf", "--values-only")
    assert run.code == 1 and "an incremental update appended" in run.err and "/JavaScript" in run.err, run.err


@pytest.mark.slow
def test_pdf_with_drawn_objects_or_annotations_fails(world, printer):  # noqa: F811
    """A text box (an annotation) or an image (an XObject) laid over the page shows what the text
    does not say; Chromium's print of a publication has neither (#25): refused, with
    --values-only too. Here the name is written over the catalog's /ViewerPreferences key, in
    place (the cross-reference offsets stay right, the text is the publication's)."""
    url, tmp, pubs = world
    data = make(url, pubs["score"], "pdf", tmp / "s.pdf").read_bytes()
    key = b"/ViewerPreferences <<"
    assert data.count(key) == 1
    for name in (b"/Annots", b"/XObject"):
        (tmp / "drawn.pdf").write_bytes(data.replace(key, name.ljust(len(key) - 2) + b"<<"))
        run = verify(url, tmp / "drawn.pdf", "--values-only")
        assert run.code == 1 and f"the PDF carries {name.decode()}" in run.err, run.err


def test_huge_file_and_zip_bomb_fail_fast(world):  # noqa: F811
    url, tmp, _pubs = world
    big = tmp / "big.html"
    with open(big, "wb") as handle:
        handle.write(b"<!doctype html>")
        handle.truncate(65 * 2**20)  # sparse: 65 MiB without writing them
    run = verify(url, big)
    assert run.code == 2 and "at most 64 MiB" in run.err and "Traceback" not in run.err, run.err
    bomb = tmp / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("docProps/core.xml", b"<a>" + b" " * (80 * 2**20) + b"</a>")
    assert bomb.stat().st_size < 2**20
    run = verify(url, bomb)
    assert run.code == 2 and "unpacks to at most 64 MiB" in run.err and str(80 * 2**20 + 7) in run.err, run.err


def test_hostile_file_name_is_printed_escaped(world):  # noqa: F811
    url, tmp, pubs = world
    page = make(url, pubs["score"], "html", tmp / "s.html").read_bytes()
    hostile = tmp / "x\x1b[31mred\nok: forged.html"
    hostile.write_bytes(page)
    run = verify(url, hostile)
    assert run.code == 0 and "\x1b" not in run.out and "x\\x1b[31mred\\nok: forged.html" in run.out, run.out
    run = verify(url, hostile.with_name("gone\x07.pdf"))
    assert run.code == 2 and "\x07" not in run.err and "gone\\x07.pdf" in run.err, run.err


def test_publication_still_verifies_after_a_correction(world):  # noqa: F811
    """A later correction changes today's table, not the publication (regenerated at its known-at)."""
    url, tmp, pubs = world
    path = make(url, pubs["score"], "xlsx", tmp / "s.xlsx")
    assert cli(url, "retract", "a-m0", "--reason", "非省级媒体").code == 0
    run = verify(url, path)
    assert run.code == 0 and "the same bytes" in run.out, run.err


# --- the workbench ---------------------------------------------------------------------------
@pytest.fixture
def web(db_url, tmp_path):
    return make_world(db_url, tmp_path)


def test_hostile_publication_ids_in_the_path_are_404(web):
    client = web.client("unit")
    for pub in ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "pub-..%2F..%2Fetc", "pub-000000000000%00"):
        response = client.get(f"/publications/{pub}/download.html")
        assert response.status_code == 404 and "<script>alert" not in response.text, (pub, response.text[:200])
    assert client.get(f"/publications/{web.pub}/download.exe").status_code == 404


def test_kept_card_and_warm_table_follow_an_appeal_decision(web):
    """The inspector's card and table of b are kept (and the warm-up computed the table) at the
    head; the office's decision retracts b-c1 (−2): both show 12 at once."""
    from ledger.web.warm import Warmer

    inspector, office = web.client("inspector"), web.client("office")
    wb = inspector.app.state.workbench
    office.app.state.workbench.cache = wb.cache  # one server's cache for both

    def total(text: str) -> str:
        found = re.search(r'id="total" data-total="([^"]*)"', text)
        assert found
        return found.group(1)

    def table(text: str) -> str:
        found = re.search(r'data-unit="b">([^<]*)<', text)
        assert found
        return found.group(1)

    import os

    os.environ["LEDGER_WEB_WARM"] = "cli-test"
    try:
        Warmer(wb).warm_now()
        assert len(wb.cache.tables) == 1
        assert total(inspector.get("/units/b?policy=cli-test").text) == "10"
        assert table(inspector.get("/scores/cli-test").text) == "10"
        decided = office.post(f"/appeals/{web.appeal_b}/decide", data={
            "outcome": "upheld", "reason": "withdrawn", "retract": "b-c1", "csrf": page_csrf(office)})
        assert decided.status_code == 303
        assert total(inspector.get("/units/b?policy=cli-test").text) == "12"
        assert table(inspector.get("/scores/cli-test").text) == "12"
        Warmer(wb).warm_now()  # the warm-up at the new head keeps a table of its own
        assert table(inspector.get("/scores/cli-test").text) == "12"
    finally:
        del os.environ["LEDGER_WEB_WARM"]


def test_kept_card_parts_per_language_and_role(web):
    """The office sees b's card first; the unit b then sees its own appeal checkboxes, and an
    English page never shows the Chinese parts kept for the first one."""
    office = web.client("office")
    unit = web.client("unit")
    unit.app.state.workbench.cache = office.app.state.workbench.cache
    zh = office.get("/units/b?policy=cli-test&lang=zh").text
    assert 'name="targets"' not in zh
    own = unit.get("/units/b?policy=cli-test&lang=zh").text
    assert 'name="targets"' in own
    assert 'name="targets"' not in office.get("/units/b?policy=cli-test&lang=zh").text
    en = office.get("/units/b?policy=cli-test&lang=en").text
    pages = list(office.app.state.workbench.cache.results._items.values())
    assert len(pages) == 1
    indicators = pages[0].parts
    assert indicators[("indicators", "zh")] != indicators[("indicators", "en")]
    assert str(indicators[("indicators", "en")]) in en and str(indicators[("indicators", "zh")]) in zh


# --- checking a received file on the publication's page (#27) -------------------------------
def _check(client, pub, name, data, csrf=None):
    csrf = csrf if csrf is not None else page_csrf(client, f"/publications/{pub}")
    return client.post(f"/publications/{pub}/verify", data={"csrf": csrf},
                       files={"file": (name, data, "application/octet-stream")})


def test_a_received_file_is_checked_on_the_publication_page(web, monkeypatch):
    """Any signed-in user uploads a file on a publication's page and reads whether it matches
    (and which publication it is); an edited file, a file of another kind and an oversized one
    are answered on the page; without the form's token, refused."""
    office, unit = web.client("office"), web.client("unit")
    page = office.get(f"/publications/{web.pub}?lang=zh").text
    assert 'id="verify"' in page and 'enctype="multipart/form-data"' in page and "核对收到的文件" in page
    genuine = office.get(f"/publications/{web.pub}/download.html?lang=zh").content
    answer = _check(office, web.pub, "通报.html", genuine)
    assert answer.status_code == 200 and 'id="verified" class="ok"' in answer.text, answer.text[-2000:]
    assert "与发布结果一致" in answer.text and "逐字节相同" in answer.text and "通报.html" in answer.text
    edited = genuine.replace("乙局".encode(), "丁局".encode())
    answer = _check(unit, web.pub, "<b>edited</b>.html", edited)
    assert answer.status_code == 200 and 'id="verified" class="error"' in answer.text
    assert "丁局" in answer.text and "&lt;b&gt;edited&lt;/b&gt;.html" in answer.text
    assert "<b>edited</b>" not in answer.text
    answer = _check(office, web.pub, "notes.txt", b"hello")
    assert 'class="error"' in answer.text and "xlsx、PDF 或 HTML" in answer.text and "另一种文件" in answer.text
    from ledger.web import pages

    monkeypatch.setattr(pages, "UPLOAD_LIMIT", 2**20)
    answer = _check(office, web.pub, "big.html", genuine + b" " * 2**20)
    assert 'class="error"' in answer.text and "不超过 1 MiB" in answer.text, answer.text[-800:]
    monkeypatch.undo()
    assert _check(office, web.pub, "x.html", genuine, csrf="forged").status_code == 403
    answer = office.post(f"/publications/{web.pub}/verify", data={"csrf": page_csrf(office, "/publications")})
    assert answer.status_code == 400 and "要核对的文件" in answer.text


def test_the_workbench_publishes_with_the_document_words(web):
    office = web.client("office")
    csrf = page_csrf(office, "/scores/cli-test")
    answer = office.post("/publications", data=publish_fields(office, {
        "csrf": csrf, "policy": "cli-test", "as_of": "2021-12-31", "doc_no": "测〔2022〕1号", "issued": "2022-01-05",
        "to": "各单位"}))  # the look, then the confirmation (issue #29)
    assert answer.status_code == 303, answer.text
    pub = answer.headers["location"].rsplit("/", 1)[1]
    page = office.get(f"/publications/{pub}?lang=zh").text
    assert '<td id="document-doc_no">测〔2022〕1号</td>' in page and '<td id="document-to">各单位</td>' in page
    document = office.get(f"/publications/{pub}/download.html?lang=zh").text
    assert 'id="doc-no">测〔2022〕1号<' in document and "二〇二二年一月五日" in document
