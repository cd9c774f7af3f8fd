"""Tables that fit a terminal (issue #34): text tables fit COLUMNS (else the terminal's width),
measured in display cells (a CJK character takes two); unbounded when piped without COLUMNS
and with ``--wide``. ``score``, ``diff``, ``history`` and ``explain`` at COLUMNS=120 on the demo
store, all five policies, are no wider than 120 cells."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.reports import text as render

POLICIES = ("changbai-2020", "daan-2021", "jiangxian-2021", "jilin-kjt-2019", "jingkai-2021")


def run(url: str, *args: str, columns: str | None = "120", lang: str = "zh") -> str:
    env = {"LEDGER_LANG": lang, "COLUMNS": columns}
    result = CliRunner(env=env).invoke(main, ["--db", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def widest(text: str) -> int:
    return max(render.display_width(line) for line in text.splitlines())


@pytest.fixture(scope="module")
def known_before(demo_store) -> int:
    """The revision before the demo's later writes (what `diff --known-at` compares with)."""
    from ledger.app import Ledger
    from ledger.demo import first_write_revision

    with Ledger(demo_store.url) as ledger:
        revision = first_write_revision(ledger)
    assert revision is not None
    return revision


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
def test_score_diff_history_explain_fit_120_columns(demo_store, known_before, policy):
    from ledger.app import Ledger

    url = demo_store.url
    with Ledger(url) as ledger:
        pol = ledger.policy(policy)
        units = sorted({card.unit for card in ledger.scoreboard(pol).all_cards()})
    as_of = dt.date(pol.year + 1, 1, 31).isoformat()
    outputs = {
        "score": run(url, "score", "--policy", policy),
        "diff": run(url, "diff", "--policy", policy, "--as-of", as_of, "--known-at", str(known_before)),
        "history": run(url, "history", units[0]),
        "explain": run(url, "explain", units[0], "--policy", policy, "--as-of", as_of, "--all-lines"),
    }
    assert {name: widest(text) for name, text in outputs.items() if widest(text) > 120} == {}
    # the same, unbounded when piped (no COLUMNS): the widest score tables and the history's
    # fields run past 120 cells on one line per row
    assert widest(run(url, "history", units[0], columns=None)) > 120
    if policy in ("jiangxian-2021", "changbai-2020", "jingkai-2021"):
        assert widest(run(url, "score", "--policy", policy, columns=None)) > 120
        assert run(url, "score", "--policy", policy, "--wide") == run(url, "score", "--policy", policy, columns=None)


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
def test_every_explanation_fits_120_columns(demo_store, policy):
    """Every unit's explanation, every line, both languages: within 120 cells."""
    from ledger import i18n
    from ledger.app import Ledger
    from ledger.reports import explain as report

    with Ledger(demo_store.url) as ledger:
        pol = ledger.policy(policy)
        board = ledger.scoreboard(pol, as_of=dt.date(pol.year + 1, 1, 31))
        too_wide = {}
        for lang in ("zh", "en"):
            with i18n.speaking(lang):
                for card in board.all_cards():
                    text = render.fit_lines(report.as_table(report.Explanation(board, card), all_lines=True,
                                                            width=120), 120)
                    if widest(text) > 120:
                        too_wide[(lang, card.unit, card.track)] = widest(text)
    assert too_wide == {}


def test_history_lists_fields_by_their_names_in_china_time(demo_store):
    out = run(demo_store.url, "history", "da-rsj", columns=None)
    rows = {ln.split()[6]: ln for ln in out.splitlines()[2:]}  # rev, recorded (day, time), actor, date, type, id …
    # the correction of the demo: its changes by the field's name, the target by its id
    assert "所涉事件：da-rsj-met-004" in rows["da-rsj-cor-001"] and "更正内容：数值→84.5" in rows["da-rsj-cor-001"]
    # a report by the policy's word for it, its quality by the catalogue's
    report = rows["da-rsj-rep-001"]
    assert "报送事项：季度工作进展" in report and "质量：合格" in report and "quarterly" not in report
    # the metric corrected: listed with what corrected it
    assert rows["da-rsj-met-004"].rstrip().endswith("已被 da-rsj-cor-001 更正")
    # recorded at: China time to the second (no microseconds, no Z)
    for line in rows.values():
        assert dt.datetime.strptime(" ".join(line.split()[1:3]), "%Y-%m-%d %H:%M:%S")


def test_recorded_times_are_china_time_to_the_second():
    assert render.china_time("2026-12-07T23:25:16.469612Z") == "2026-12-08 07:25:16"
    assert render.china_time("2021-06-30T16:00:00+00:00") == "2021-07-01 00:00:00"
    assert render.china_time("not a time") == "not a time"


# ---------------------------------------------------------------- the table itself

HEADERS = ["名次", "单位", "名称", "日常考评 daily", "否决"]
ROWS = [["1", "jk-scj", "经开区市场监督管理局", "40", ""],
        ["10", "jk-zrj", "经开区自然资源局", "32",
         "一票否决(2)：被省、市营商环境办公室警示、通报批评、告诫的（吉市营商办〔2021〕1号，2021年8月26日）"]]


def test_an_unbounded_table_is_as_before():
    import tabulate

    tabulate.WIDE_CHARS_MODE = True
    plain = tabulate.tabulate(ROWS, headers=HEADERS, tablefmt="simple", disable_numparse=True)
    assert render.table(ROWS, HEADERS) == plain
    assert render.table(ROWS, HEADERS, width=500) == plain  # it fits: nothing changes


def test_a_wrapped_column_folds_to_fit():
    out = render.table(ROWS, HEADERS, width=60, wrap=[4])
    lines = out.splitlines()
    assert widest(out) <= 60 and len(lines) > 4
    assert "".join(ln[ln.index("一票") if "一票" in ln else 0:] for ln in lines if "一票" in ln)  # starts on its row
    assert "吉市营商办〔2021〕1号" in out.replace("\n", "") or "〔2021〕1号" in out  # the document number kept whole
    # headers break at their spaces first
    assert any(ln.split()[-1:] == ["daily"] for ln in lines[:3])


def test_text_below_each_row_and_blocks_that_repeat_the_unit():
    fields = "来源文件：政务服务局收文登记；报送事项：工作动态信息；期间：2021-01；质量：合格"
    rows = [["1290", "2026-12-08 07:25:16", "jk-fgj-rep-001", fields]]
    out = render.table(rows, ["记录号", "录入时间", "编号", "内容"], width=50, keep=1, below=[3])
    lines = out.splitlines()
    assert lines[0].split() == ["记录号", "录入时间", "编号"]  # the fields left the table
    under = [ln for ln in lines if ln.startswith(" " * render.BELOW_INDENT) and ln.strip()]
    assert "".join(ln.strip() for ln in under) == fields and widest(out) <= 50
    wide = [[str(i), "jk-scj"] + [f"{i}.5"] * 12 for i in range(3)]
    heads = ["名次", "单位"] + [f"指标{i} d{i:02d}" for i in range(12)]
    out = render.table(wide, heads, width=60, keep=2)
    blocks = out.split("\n\n")
    assert len(blocks) > 1 and widest(out) <= 60
    assert all(block.splitlines()[0].split()[:2] == ["名次", "单位"] for block in blocks)  # repeated in each block
    shown = [h.split()[-1] for h in heads[2:]]
    assert all(sum(block.count(h) for block in blocks) == 1 for h in shown)  # every indicator once


def test_lines_break_where_chinese_does():
    assert render.wrap_text("甲乙丙丁戊己", 4) == ["甲乙", "丙丁", "戊己"]
    # an id or a number is never cut when it fits a line of its own
    assert render.wrap_text("办理时限：2021-03-29；发文单位", 14) == ["办理时限：", "2021-03-29；发", "文单位"]
    # no line starts with a closing mark, none ends with an opening one
    assert render.wrap_text("甲乙，丙丁", 4) == ["甲", "乙，", "丙丁"]
    assert render.wrap_text("推行“企业开办”", 6) == ["推行", "“企业", "开办”"]
    assert render.wrap_text("the quick brown fox", 10) == ["the quick", "brown fox"]
