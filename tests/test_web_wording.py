"""How the workbench names codes and moments (issue #34, ledger/web/wording.py and
reports.words.named_codes): Chinese names on a Chinese page, the codes on an English one."""

from __future__ import annotations

import pytest

from ledger import i18n
from ledger.policies.loader import load_bundled_policy
from ledger.reports.words import named_codes
from ledger.web import wording


@pytest.fixture(scope="module")
def jingkai():
    return load_bundled_policy("jingkai-2021")


def test_the_scoring_method_names_the_codes_it_quotes(jingkai):
    method = "每项未开展扣3分，不封顶（finding item three_year_plan_task，result not_done，按 count 计项数）。"
    with i18n.speaking("zh"):
        # type 检查发现/核查结论, field 事项, the policy's item, field 结论, the policy's result, field 件数
        assert named_codes(method, jingkai) == \
            "每项未开展扣3分，不封顶（检查发现/核查结论 事项 三年行动方案重点任务，结论 未开展，按 件数 计项数）。"
        # a parenthesis that only repeats the words before it goes; one that says more stays
        said = named_codes("年内有任一企业评议(evaluation panel enterprises)结论为不满意(dissatisfied)的", jingkai)
        assert said == "年内有任一企业评议(评议打分 评议主体 企业评议)结论为不满意的"
        assert named_codes("纠正处理不到位(improper_handling)每件扣2分", jingkai) == "纠正处理不到位(处置不当)每件扣2分"
        assert named_codes("(praise issuer_level city, promoted true)", jingkai) == \
            "(通报表扬 发文层级 市级, 并在全市推广 是)"
        assert named_codes("达标计分：按 SEEDS.md 计分", jingkai) == "达标计分：按 SEEDS.md 计分"  # a file name stays
    with i18n.speaking("en"):
        assert named_codes(method, jingkai) == method


def test_codes_by_their_names_in_chinese_and_as_codes_in_english(jingkai):
    with i18n.speaking("zh"):
        assert wording.track_label("main", jingkai) == "各局(室、公司)、各基层单位、各双管单位"
        assert wording.track_label("nope", None, jingkai) == "nope"  # no policy has it: its id
        assert wording.stream_label("unit:da-zrj:2021") == "单位 da-zrj · 2021年"
        assert wording.stream_label("ledger:users") == "账户"
        assert wording.origin_label("bundled") == "内置" and wording.origin_label("revision 12") == "修订号 12"
        assert wording.kind_label("bulletin") == "月通报" and wording.kind_label("score") == "分数表"
        assert wording.field_label("policy_sha256") == "方案 SHA-256"
        assert wording.field_label("to", "document") == "主送" and wording.field_label("to") == "警示对象"
        assert wording.grouping_label("division") == "按责任处室"
        assert wording.cell(True) == "是" and wording.cell(None) == "" and wording.setting_text(None) == "—"
        assert wording.field_text("password_hash", "scrypt$16384$8$1$x$y") == "（已隐去）"
        assert wording.field_text("document", {"doc_no": "绛营商办〔2021〕6号", "to": "各成员单位", "cc": ""}) == \
            "文号：绛营商办〔2021〕6号；主送：各成员单位"
    with i18n.speaking("en"):
        assert wording.track_label("main", jingkai) == "main"
        assert wording.stream_label("unit:da-zrj:2021") == "unit:da-zrj:2021"
        assert wording.origin_label("bundled") == "bundled"
        assert wording.field_label("policy_sha256") == "policy_sha256"
    assert wording.format_label("md") == "Markdown" and wording.format_label("xlsx") == "xlsx"


def test_a_recorded_moment_in_china_time_to_the_second():
    assert wording.when("2026-12-07T23:25:16.469612Z") == "2026-12-08 07:25:16"  # UTC+8, across midnight
    assert wording.when("2021-06-30T16:00:00+00:00") == "2021-07-01 00:00:00"
    assert wording.when(None) == ""
