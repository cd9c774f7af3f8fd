"""Documents already sent stay checkable (issue #27, item 3): the xlsx, HTML and PDF of two
jingkai publications rendered by renderer version 1 (the ledger before the 通报 of #27,
committed in tests/fixtures/published-r1/) verify against the same store rebuilt on either
backend, and the ledger still renders those publications with the renderer they were made
by. PDF needs poppler's pdftotext (and, for the same bytes, this machine's Chromium)."""

from __future__ import annotations

import shutil

import pytest
from helpers import cli
from published_r1 import DOCUMENTS, FIXTURE, build


@pytest.fixture
def r1(db_url):
    ledger, pubs = build(db_url)
    ledger.close()
    return db_url, pubs


def test_publication_ids_are_the_ones_the_documents_carry(r1):
    url, pubs = r1
    assert pubs == {"score": "pub-dc4980fc8624", "bulletin": "pub-204212795468"}
    for name in ("score.html", "bulletin.html"):
        assert pubs[name.split(".")[0]] in (FIXTURE / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n.endswith(".pdf") else n
                                  for n in sorted(DOCUMENTS)])
def test_renderer_1_documents_verify(r1, name):
    url, pubs = r1
    if name.endswith(".pdf") and shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    run = cli(url, "verify-publication", str(FIXTURE / name))
    assert run.code == 0, run.err
    assert f"publication {pubs[DOCUMENTS[name][0]]}" in run.out
    if not name.endswith(".pdf"):  # a PDF is the same bytes only with the same Chromium and fonts
        assert "the same bytes" in run.out, run.out


@pytest.mark.parametrize("name", ["score.html", "score.xlsx", "bulletin.html"])
def test_old_publications_render_with_the_renderer_they_name(r1, tmp_path, name):
    """A publication recorded before renderer 2 names none: `ledger published ID --format …`
    still writes version 1's document, byte for byte the committed one."""
    url, pubs = r1
    out = tmp_path / name
    which, fmt = DOCUMENTS[name]
    run = cli(url, "published", pubs[which], "--format", fmt, "--output", str(out), "--lang", "zh")
    assert run.code == 0, run.err
    assert out.read_bytes() == (FIXTURE / name).read_bytes()
