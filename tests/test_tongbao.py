"""The 通报 an office can send as it is (issue #27): 文号, 主送, lead paragraph, sign-off with the
issue date in Chinese, 抄送, a Chinese footer; grades withheld while the indicators they depend
on are pending (暂不评定); the 否决 column with each veto's reason; the appeal window from the
later of the recorded and issue dates.

The store is five jingkai units of the sample year (tests/published_r1.py), in which jk-zrj is
vetoed by a city's 通报批评 (jk-zrj-crt-001, 2021-08-26, 吉市营商办〔2021〕1号: veto (2) of the
policy). Expected figures are read from `score --format json` (the frozen machine contract), not
from the human formats under test."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest
from helpers import cli
from published_r1 import CHINA, Clock, build
from test_documents import printer  # noqa: F401 - the fixture

from ledger.app import Ledger
from ledger.workflows import appeals, publishing

VETO = "一票否决(2)：被省、市营商环境办公室警示、通报批评、告诫的"
VETO_EVENT = "吉市营商办〔2021〕1号，2021年8月26日"
DOC_NO = "吉经开营商办〔2022〕3号"
TO = "各局(室、公司)、各基层单位、各双管单位"
CC = "区党工委、管委会领导"


@pytest.fixture
def store(db_url):
    ledger, pubs = build(db_url)
    ledger.close()
    return db_url


def rows(url, *args):
    run = cli(url, "score", "--policy", "jingkai-2021", *args, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)["rows"]


def publish(url, *args):
    run = cli(url, "publish", "--policy", "jingkai-2021", *args)
    assert run.code == 0, run.err
    return run.out.split(":")[0]


def english_words(text: str) -> list[str]:
    """ASCII words left once the codes a document carries on purpose are taken out: the
    verification code, hashes, the policy's id@version, the renderer's version number."""
    text = re.sub(r"pub-[0-9a-f]{12}:[0-9a-f]{16}", " ", text)
    text = re.sub(r"\b[0-9a-f]{16,64}\b", " ", text)
    text = re.sub(r"\b[a-z]+(?:-[a-z]+)*-\d{4}@\d+\b", " ", text)
    text = re.sub(r"\b\d+\.\d+\.\d+/\d+\b", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


def test_english_words_finds_what_it_should():
    assert english_words("验证码 pub-0123456789ab:0123456789abcdef · 生成版本 0.1.0/2 jingkai-2021@1") == []
    assert english_words("policy jingkai-2021@1 · known at revision 3") == ["policy", "known", "at", "revision"]


@pytest.mark.slow
def test_published_jingkai_pdf_is_a_tongbao_in_chinese(store, tmp_path, printer):  # noqa: F811
    """Done when: the PDF text (pdftotext) of a published jingkai result holds the 文号, 主送,
    the issue date in Chinese and no English; and it verifies."""
    url = store
    pub = publish(url, "--as-of", "2022-01-31", "--doc-no", DOC_NO, "--issued", "2022-02-10", "--to", TO,
                  "--cc", CC)
    out = tmp_path / "通报.pdf"
    run = cli(url, "published", pub, "--format", "pdf", "--output", str(out), "--lang", "zh")
    assert run.code == 0, run.err
    text = _pdf_text(out)
    flat = "".join(text.split())
    for wanted in (DOC_NO, TO + "：", "二〇二二年二月十日", "吉林经开区营商环境办公室", f"抄送：{CC}。",
                   "2021年度考核结果通报", "验证码", "生成版本", "一票否决(2)", "吉市营商办〔2021〕1号"):
        assert "".join(wanted.split()) in flat, (wanted, text[:3000])
    assert english_words(text) == [], english_words(text)
    run = cli(url, "verify-publication", str(out))
    assert run.code == 0 and "pdf: the same bytes" in run.out, run.err


def _pdf_text(path):
    import subprocess

    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_page_has_head_lead_tables_closing_signoff_and_footer(store, tmp_path):
    url = store
    pub = publish(url, "--as-of", "2022-01-31", "--doc-no", DOC_NO, "--issued", "2022-02-10", "--cc", CC)
    page = cli(url, "published", pub, "--format", "html", "--lang", "zh").out
    # the head in the order an official document has it
    parts = ('id="issuer">吉林经开区营商环境办公室<', f'id="doc-no">{DOC_NO}<', '<hr class="red">',
             'id="title">2021年度考核结果通报<', f'id="to">{TO}：<', 'id="lead"', 'id="t1"', 'id="closing"',
             'id="signature"', 'id="cc"', 'id="verification"', 'id="provenance"')
    order = [page.index(x) for x in parts]
    assert order == sorted(order), order
    # the lead paragraph's figures, worked out from the JSON
    result = rows(url, "--as-of", "2022-01-31")
    grades = Counter(r["grade"] for r in result)
    best = max(result, key=lambda r: r["total"])
    low = min(result, key=lambda r: r["total"])
    vetoed = sum(r["vetoed"] for r in result)
    assert (grades, vetoed) == (Counter({"优秀": 2, "达标": 1, "不达标": 2}), 1)
    lead = re.search(r'<div class="lead" id="lead"><p>(.*?)</p>', page).group(1)
    assert lead.startswith("根据《吉林经开区2021年营商环境建设考核评价工作实施方案》")
    assert f"本次共考核{len(result)}个单位，优秀2个、达标1个、不达标2个（其中一票否决1个）。" in lead
    assert f"总分最高的是{best['name']}（{best['total']}分），最低的是{low['name']}（{low['total']}分）。" in lead
    assert "请于通报印发之日起5个工作日内向吉林经开区营商环境办公室书面提出复核申请" in page
    # the sign-off: office and issue date in Chinese over the seal area
    assert ('<div class="seal-area" id="seal"><p class="office">吉林经开区营商环境办公室</p>'
            '<p id="date">二〇二二年二月十日</p></div>') in page
    # the 否决 column: the reason, the event's document and date
    zrj = re.search(r"<tr><td[^>]*>\d+</td><td[^>]*>经开区自然资源局</td>.*?</tr>", page).group(0)
    assert f"{VETO}（{VETO_EVENT}）" in zrj and "不达标" in zrj
    assert page.count(VETO) == 1  # only jk-zrj's row
    # the footer in Chinese: the code and whom a recipient asks
    footer = page[page.index('id="check"'):]
    assert "验证码 pub-" in footer and "请向吉林经开区营商环境办公室查询" in footer
    assert "ledger verify-publication" not in page


def test_june_bulletin_withholds_grades(store, tmp_path):
    """The June bulletin: every jingkai grade is 不达标 in the JSON (the year-end panels score 0),
    the human formats say 暂不评定 with a note naming the pending indicators."""
    url = store
    doc = json.loads(cli(url, "bulletin", "--policy", "jingkai-2021", "--period", "2021-06", "--format", "json").out)
    table = doc["tables"][0]
    at = table["headers"].index("等级")
    assert {row[at] for row in table["rows"]} == {"不达标"}  # JSON as CLI.md freezes it
    text = cli(url, "bulletin", "--policy", "jingkai-2021", "--period", "2021-06", "--lang", "zh").out
    lines = [line for line in text.splitlines() if line.split()[:1] and line.split()[0].isdigit()]
    assert len(lines) == len(table["rows"]) == 5 and all("暂不评定" in line and "不达标" not in line for line in lines)
    assert "注：等级暂不评定。" in text and "年终评议" in text and "二〇" not in text
    page = cli(url, "bulletin", "--policy", "jingkai-2021", "--period", "2021-06", "--format", "html",
               "--lang", "zh").out
    assert page.count(">暂不评定<") == 5 and "不达标" not in page and '<p class="note">注：等级暂不评定。' in page
    assert "本次共考核5个单位，等级暂不评定。" in page
    xlsx = tmp_path / "b.xlsx"
    assert cli(url, "bulletin", "--policy", "jingkai-2021", "--period", "2021-06", "--format", "xlsx", "--lang", "zh",
               "--output", str(xlsx)).code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).worksheets[1]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert values.count("暂不评定") == 5 and "不达标" not in values and "否决" in values
    english = cli(url, "bulletin", "--policy", "jingkai-2021", "--period", "2021-06").out
    assert english.count("not yet graded") == 5 and "Not yet graded:" in english


def test_a_vetoed_unit_keeps_its_grade_while_the_others_wait(store, tmp_path):
    """September: jk-zrj was vetoed on 2021-08-26; its grade is the veto's (不达标), the others
    wait. The score table (text, xlsx) and the explanation say the same."""
    url = store
    result = {r["unit"]: r for r in rows(url, "--as-of", "2021-09-30")}
    assert result["jk-zrj"]["vetoed"] and result["jk-zrj"]["grade"] == "不达标"
    assert not any(r["vetoed"] for u, r in result.items() if u != "jk-zrj")
    text = cli(url, "score", "--policy", "jingkai-2021", "--as-of", "2021-09-30", "--lang", "zh").out
    by_unit = {line.split()[1]: line for line in text.splitlines() if line.startswith(tuple("12345"))}
    assert "不达标" in by_unit["jk-zrj"] and f"{VETO}（{VETO_EVENT}）" in by_unit["jk-zrj"]
    assert all("暂不评定" in by_unit[u] and VETO not in by_unit[u] for u in by_unit if u != "jk-zrj")
    out = tmp_path / "s.xlsx"
    assert cli(url, "score", "--policy", "jingkai-2021", "--as-of", "2021-09-30", "--format", "xlsx", "--lang", "zh",
               "--output", str(out)).code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(out).worksheets[1]
    headers = [c.value for c in sheet[2]]
    grade, veto = headers.index("等级 grade") + 1, headers.index("否决 vetoed") + 1
    by_unit = {sheet.cell(r, 2).value: (sheet.cell(r, grade).value, sheet.cell(r, veto).value)
               for r in range(3, 8)}
    assert by_unit["jk-zrj"] == ("不达标", f"{VETO}（{VETO_EVENT}）")
    assert {u: v for u, v in by_unit.items() if u != "jk-zrj"} == {u: ("暂不评定", None) for u in
                                                                    ("jk-scj", "jk-fgj", "jk-tkgs", "jk-zjj")}
    assert any(str(c.value).startswith("注：等级暂不评定。") for c in sheet["A"] if c.value)
    card = cli(url, "explain", "jk-scj", "--policy", "jingkai-2021", "--as-of", "2021-09-30", "--lang", "zh").out
    assert "等级 暂不评定" in card and "注：等级暂不评定。" in card
    json_card = json.loads(cli(url, "explain", "jk-scj", "--policy", "jingkai-2021", "--as-of", "2021-09-30",
                               "--format", "json").out)
    assert json_card["grade"] == "不达标"  # JSON unchanged


def test_year_end_grades_stand_and_csv_keeps_the_data(store):
    url = store
    text = cli(url, "score", "--policy", "jingkai-2021", "--as-of", "2022-01-31", "--lang", "zh").out
    assert "暂不评定" not in text and "优秀" in text
    csv = cli(url, "score", "--policy", "jingkai-2021", "--as-of", "2021-06-30", "--format", "csv").out
    assert "暂不评定" not in csv and "not yet graded" not in csv and ",不达标," in csv


def test_publish_records_the_document_beside_an_unchanged_publication(store):
    """The publication's id is still derived from its content alone, its content is the JSON
    of `score --format json`, and the document's words sit beside it: publishing it again with
    the same words (or none) is a no-op, with other words refused."""
    import hashlib

    url = store
    known = cli(url, "score", "--policy", "jingkai-2021", "--format", "json").out
    known_at = str(json.loads(known)["known_at"])
    pub = publish(url, "--as-of", "2022-01-31", "--known-at", known_at, "--doc-no", DOC_NO, "--issued", "2022-02-10")
    content = cli(url, "published", pub, "--content").out
    score_json = cli(url, "score", "--policy", "jingkai-2021", "--as-of", "2022-01-31", "--known-at", known_at,
                     "--format", "json").out
    assert content == score_json.rstrip("\n")
    listed = json.loads(cli(url, "published", "--format", "json").out)
    mine = next(p for p in listed if p["id"] == pub)
    key = (f"score|jingkai-2021@1|{mine['policy_sha256']}|2022-01-31|None|None|{known_at}|"
           f"{hashlib.sha256(content.encode()).hexdigest()}")
    assert pub == "pub-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    assert mine["document"] == {"doc_no": DOC_NO, "issued": "2022-02-10", "to": TO, "cc": None} or \
        mine["document"] == {"doc_no": DOC_NO, "issued": "2022-02-10", "to": TO, "cc": ""}
    old = [p for p in listed if p["id"] in ("pub-dc4980fc8624", "pub-204212795468")]
    assert len(old) == 2 and all("document" not in p for p in old)  # records from before list as they did
    again = cli(url, "publish", "--policy", "jingkai-2021", "--as-of", "2022-01-31", "--known-at", known_at)
    assert again.code == 0 and f"{pub} (already published)" in again.out, again.err
    again = cli(url, "publish", "--policy", "jingkai-2021", "--as-of", "2022-01-31", "--known-at", known_at,
                "--doc-no", DOC_NO)
    assert again.code == 0 and "(already published)" in again.out, again.err
    other = cli(url, "publish", "--policy", "jingkai-2021", "--as-of", "2022-01-31", "--known-at", known_at,
                "--doc-no", "吉经开营商办〔2022〕4号")
    assert other.code == 2 and DOC_NO in other.err and "--doc-no" in other.err and "Traceback" not in other.err
    table = cli(url, "published").out
    assert DOC_NO in table
    assert cli(url, "verify").code == 0


@pytest.mark.parametrize("args, said", [
    (("--issued", "2022-01-30"), "issue date from the as-of date 2022-01-31"),
    (("--issued", "2099-01-01"), "31 days after today"),
    (("--issued", "2022-2-10"), "ISO date"),
    (("--doc-no", "吉经开\n〔2022〕3号"), "one line of at most 60 characters"),
    (("--to", "x" * 301), "one line of at most 300 characters"),
])
def test_bad_document_words_are_refused(store, args, said):
    url = store
    before = cli(url, "published").out
    run = cli(url, "publish", "--policy", "jingkai-2021", "--as-of", "2022-01-31", *args)
    assert run.code == 2 and said in run.err and "Traceback" not in run.err, run.err
    assert cli(url, "published").out == before  # nothing recorded


def test_hostile_words_stay_text(store, tmp_path):
    url = store
    hostile = '<script>alert(1)</script>=cmd|" /C calc"!A0'
    pub = publish(url, "--as-of", "2022-01-31", "--to", hostile, "--doc-no", "=1+1")
    page = cli(url, "published", pub, "--format", "html").out
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    out = tmp_path / "h.xlsx"
    assert cli(url, "published", pub, "--format", "xlsx", "--output", str(out)).code == 0
    from openpyxl import load_workbook

    summary = load_workbook(out).worksheets[0]
    cells = {c.value: c for row in summary.iter_rows() for c in row if c.value is not None}
    assert cells["=1+1"].data_type == "s" and cells[hostile].data_type == "s"
    assert cli(url, "verify-publication", str(out)).code == 0


def test_appeal_window_counts_from_the_later_of_recorded_and_issued(db_url):
    """Recorded on Monday 2022-02-14, issued on Friday 2022-02-18: five working days after the
    issue date end on Friday 2022-02-25 (from the day recorded they ended on Monday 2022-02-21)."""
    from ledger.errors import InputError

    ledger, _pubs = build(db_url)  # its last write: 2022-02-08
    clock = ledger.store.clock
    assert isinstance(clock, Clock)
    try:
        clock.now = dt.datetime(2022, 2, 14, 9, tzinfo=CHINA)
        late, _ = publishing.publish(ledger, "jingkai-2021", as_of=dt.date(2021, 12, 31), period=None, track=None,
                                     known_at=None, issued=dt.date(2022, 2, 18))
        assert late.published_on == dt.date(2022, 2, 14) and late.window_opens == dt.date(2022, 2, 18)
        clock.now = dt.datetime(2022, 2, 24, 9, tzinfo=CHINA)
        _id, _rev, note = appeals.file(ledger, "jk-zrj", ["jk-zrj-crt-001"], "not ours", publication=late.id)
        assert "published 2022-02-18" in note and "until 2022-02-25" in note
        clock.now = dt.datetime(2022, 2, 28, 9, tzinfo=CHINA)
        with pytest.raises(InputError, match="last day 2022-02-25"):
            appeals.file(ledger, "jk-zrj", ["jk-zrj-crt-001"], "too late", publication=late.id)
        # an issue date before the day recorded: the window counts from the day recorded
        early, _ = publishing.publish(ledger, "jingkai-2021", as_of=dt.date(2021, 12, 31), period=None, track=None,
                                      known_at=None, issued=dt.date(2022, 2, 1))
        assert early.published_on == early.window_opens == dt.date(2022, 2, 28)
    finally:
        ledger.close()


def test_labels_templates_are_checked(monkeypatch):
    from ledger.errors import InputError
    from ledger.policies import labels
    from ledger.policies.loader import bundled_policy_files, load_policy_file
    from ledger.reports import tongbao

    path = next(p for p in bundled_policy_files() if p.name == "jingkai-2021.yaml")
    for document, said in (({"lead": "根据{policy.__class__}"}, "{policy.__class__}"),
                           ({"closing": "请于{deadline}前"}, "{deadline}"),
                           ({"each": "共{units个"}, "no lone brace"),
                           ({"to": ["a"]}, "a text"),
                           ({"seal": "x"}, "document.seal")):
        policy = load_policy_file(path)
        monkeypatch.setattr(labels, "_labels_data", lambda _id, d=document: {"document": d})
        with pytest.raises(InputError, match=re.escape(said)) as caught:
            tongbao.draft(policy)
        assert "jingkai-2021.labels.yaml" in str(caught.value)


def test_workbench_tables_show_vetoes_and_withheld_grades(store):
    from webkit import PASSWORDS, TestClient, sign_in

    from ledger import accounts
    from ledger.web import create_app

    url = store
    with Ledger(url, actor="admin") as ledger:
        accounts.add(ledger, "off", "office", PASSWORDS["off"])
    client = TestClient(create_app(url, secret="s", failure_delay=0), follow_redirects=False)
    sign_in(client, "off")
    page = client.get("/scores/jingkai-2021?as_of=2021-09-30&lang=zh").text
    zrj = re.search(r'<tr><td class="n">\d+</td>\s*<td><a class="unit-link"[^>]*>jk-zrj</a>.*?</tr>', page, re.S)
    assert zrj and f"{VETO}（{VETO_EVENT}）" in zrj.group(0) and ">不达标<" in zrj.group(0)
    assert page.count(">暂不评定<") == 4 and "注：等级暂不评定。" in page and "<th>否决</th>" in page
    page = client.get("/scores/jingkai-2021?as_of=2022-01-31&lang=zh").text
    assert "暂不评定" not in page and page.count(VETO) == 1


def test_a_published_bulletin_is_signed_on_the_day_it_was_recorded(db_url):
    """Without --issued the sign-off's date is the day the publication was recorded (China
    time), not the bulletin's month end; the workbook's summary says the same."""
    import io

    from openpyxl import load_workbook

    from ledger import i18n
    from ledger.reports import formats

    ledger, _pubs = build(db_url)
    try:
        ledger.store.clock.now = dt.datetime(2022, 2, 9, 10, tzinfo=CHINA)
        pub, _new = publishing.publish(ledger, "jingkai-2021", as_of=None, period="2021-06", track=None, known_at=None)
        with i18n.speaking("zh"):
            doc = publishing.document(ledger, pub)
            page = formats.render("publication", "html", doc)
            book = load_workbook(io.BytesIO(formats.render("publication", "xlsx", doc)))
    finally:
        ledger.close()
    assert '<p id="date">二〇二二年二月九日</p>' in page and "二〇二一年六月三十日" not in page
    assert 'id="doc-no"' not in page and f'id="to">{TO}：<' in page  # no 文号 given; 主送 from the labels
    pairs = {r[0].value: r[1].value for r in book.worksheets[0].iter_rows(min_row=3) if r[0].value}
    assert pairs["印发日期"] == "二〇二二年二月九日" and pairs["主送"] == TO and "文号" not in pairs
    notes = [r[0].value for r in book.worksheets[0].iter_rows() if r[0].value]
    assert any(str(n).startswith("根据《吉林经开区2021年营商环境建设考核评价工作实施方案》") for n in notes)
    assert any("请向吉林经开区营商环境办公室查询" in str(n) for n in notes)
