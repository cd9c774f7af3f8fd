"""The event catalogue's words: the Chinese name of every event type, field and enumerated
value (EVENTS.md's 中文 column, and names chosen in its spirit where it has none).

Plain data, no pydantic: renderers and the CLI read it without building the event models.
``catalog.missing_names()`` lists what the models have and this file does not name;
``tests/test_i18n.py`` keeps it empty, so a new event type, field or value comes with its words.
Where EVENTS.md gives alternatives ("党纪政纪处分 / 违纪查处") the first is the name, the
others aliases.

Each word is a ``Term``: the Chinese name and ``aliases`` — other words people use for the
same thing (通报批评 and 通报 for ``criticism``); intake (Excel headers and cells) reads
the aliases to map a spreadsheet's words to the catalogue's names. ``lookup`` does that.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    zh: str
    aliases: tuple[str, ...] = ()


def _terms(pairs: dict[str, str | tuple[str, ...]]) -> dict[str, Term]:
    """``{"criticism": "通报批评"}`` or ``{"criticism": ("通报批评", "通报")}`` (the name first)."""
    return {k: Term(v) if isinstance(v, str) else Term(v[0], tuple(v[1:])) for k, v in pairs.items()}


TYPES: dict[str, Term] = _terms({
    # sanctions and discipline
    "warning": "警示",
    "criticism": "通报批评",
    "admonition": "告诫",
    "rectification_failed": "未按要求纠正整改",
    "conduct_issue": "作风/纪律/效率/窗口服务问题经查实",
    "discipline_case": ("党纪政纪处分", "违纪查处"),
    "accountability": "行政问责（严重损害软环境）",
    "inspection_named": "督查点名批评",
    # supervised items
    "supervised_item_assigned": "督办事项交办",
    "supervised_item_closed": "督办事项办结",
    "supervised_item_finding": "督办事项核查结论",
    # publicity, recognition, innovation
    "media_report": "媒体宣传报道",
    "praise": "通报表扬",
    "endorsement": "领导肯定性批示",
    "innovation": "工作创新",
    "briefing_adopted": "简报/专报采用",
    "experience_promoted": "经验介绍/推广",
    "award": "表彰",
    "publication": "信息发布/政策宣传",
    # work done and obligations
    "training_session": "培训/学习",
    "report_submitted": "报送",
    "finding": "检查发现/核查结论",
    "metric": "指标数据",
    "evaluation": "评议打分",
    "ranking_result": "上级评价排名",
    "complaint": "投诉举报",
    "warning_sent": "本单位发出软环境警示",
    # 12345 hotline
    "hotline_ticket": "12345工单受理",
    "hotline_returned": "工单退回",
    "hotline_extended": "工单延期",
    "hotline_replied": "工单答复",
    "hotline_responded": "工单首次反馈",
    "hotline_callback": "工单回访",
    # corrections and appeals
    "retraction": "撤销",
    "correction": "更正",
    "appeal_filed": "申诉",
    "appeal_decided": "复核决定",
    # evidence
    "evidence_attached": "佐证材料",
    "evidence_withdrawn": "撤回佐证材料",
    # the ledger's own records
    "unit_registered": "单位登记",
    "policy_published": "考核办法发布",
    "result_published": "结果发布",
    "user_added": "账号开通",
    "user_password_set": "账号密码重设",
    "user_disabled": "账号停用",
    "rollback_accepted": "接受回退",
})

FIELDS: dict[str, Term] = _terms({
    # envelope
    "type": ("事件类型", "类型"), "unit": ("单位", "单位名称", "被考核单位"), "date": ("日期", "发生日期"),
    "id": ("编号", "事件编号"), "source": ("来源文件", "文号", "来源"), "note": ("说明", "备注"),
    "actor": "录入人", "evidence": "佐证材料",
    # type fields
    "issuer_level": "发文层级", "issuer": "发文单位", "of": "所涉事件", "category": "问题类别",
    "subject": "处分对象", "authority": "处分机关", "reason": "事由", "severe": "情节严重",
    "item": "事项", "due": ("办理时限", "截止日期"), "finding": "核查结论", "level": "层级", "outlet": "媒体",
    "title": "标题", "summary": "摘要", "promoted": "并在全市推广", "leader": "批示领导",
    "kind": "类别", "scope": "推广范围", "channel": "渠道", "topic": "主题", "attendees": "参加人数",
    "report": "报送事项", "period": "期间", "quality": "质量", "result": "结论", "count": "件数",
    "name": "名称", "value": "数值", "panel": "评议主体", "evaluator": "评议人", "score": "分数",
    "verdict": "评价", "indicator": "指标", "rank": "名次", "overall_rank": "总名次", "people": "人数",
    "to": "警示对象", "ticket": ("工单号", "工单编号"), "satisfied": "满意", "reached": "有效回访",
    "response_due": "反馈时限", "target": "所涉事件", "changes": "更正内容", "decision": "决定文号",
    "appeal": "申诉", "targets": "所涉事件", "grounds": "申诉理由", "publication": "所涉发布",
    "late_override": "逾期受理理由", "outcome": "复核结果", "reviewer": "复核人", "groups": "分组",
    "divisions": "处室", "policy": "考核办法", "version": "版本", "sha256": "SHA-256",
    "content": "全文", "effective_from": "生效日期", "change_note": "修订说明", "as_of": "截至日期",
    "track": "考核类别", "known_at": "依据记录", "head": "链头", "content_sha256": "内容SHA-256",
    "params": "参数", "size": "大小", "media_type": "文件类型",
    "role": "角色", "for_unit": "所属单位", "password_hash": "密码散列",
    "origin": "台账名称", "signed_size": "已签记录数", "signed_root": "已签根散列", "signed_time": "签署时间",
    "agreed_size": "一致至记录", "store_size": "恢复后记录数",
})

VALUES: dict[str, dict[str, Term]] = {
    "level": _terms({"central": ("党中央/国务院", "中央", "国家级"), "province": ("省级", "省"),
                     "city": ("市级", "地市级"), "county": ("县级", "县"),
                     "district": ("开发区/区级", "区级", "开发区"), "unit": ("单位内部", "单位")}),
    "subject": _terms({"staff": "工作人员", "responsible_person": "主要负责人"}),
    "finding": _terms({"facts_unclear": "事实不清", "improper_handling": "处置不当", "false_report": "虚假报结",
                       "accountability_missing": "未追责问责"}),
    "leader": _terms({"province_leader": "省领导", "city_leader": "市领导",
                      "city_department_leader": "市直部门领导", "zone_principal": "开发区主要领导",
                      "zone_deputy": "开发区分管领导"}),
    "kind": _terms({"replicated_practice": "复制推广先进经验", "signature_measure": "一招鲜",
                    "service_model": "十大服务标兵",
                    "highlight": "亮点特色", "unrecorded": "无受理处理记录", "escalated": "越级投诉",
                    "collective_petition": "集体上访", "score": "分数表", "bulletin": "月通报"}),
    "scope": _terms({"province": "全省", "city": "全市"}),
    "role": _terms({"office": "考核办", "inspector": "纪检", "unit": "被考核单位"}),
    "channel": _terms({"column": "营商环境专栏", "publicity": "电视报刊网站公众号宣传",
                       "disclosure": "政务公开信息报送", "gov_info": "政务信息上报",
                       "supervision_info": "互联网+监管信息报送", "supervision_exposure": "曝光台",
                       "website": ("政府网站信息", "政府网站"),
                       "hotline": "12345热线", "online": "政民互动/网络"}),
    "quality": _terms({"ok": "合格", "poor": "质量差", "perfunctory": "答复言之无物",
                       "inconsistent": "与实际不符", "shirked": "推诿扯皮"}),
    "panel": _terms({"leaders": "领导评议", "departments": "部门评议", "enterprises": "企业评议",
                     "supervisors": "监督员评议", "deputies": "代表委员评议", "government": "政府评议",
                     "office": "营商办评议"}),
    "verdict": _terms({"satisfied": "满意", "dissatisfied": "不满意"}),
    "outcome": _terms({"upheld": "申诉成立", "partially_upheld": "部分成立", "rejected": "申诉不成立"}),
    "media_type": _terms({"application/pdf": "PDF文档", "image/jpeg": "JPEG图片", "image/png": "PNG图片",
                          "application/ofd": "OFD版式文档",
                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word文档",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel表格"}),
}
"""Field → enumerated value → name. ``issuer_level`` uses ``level``'s names."""

FIELD_VALUES = {"issuer_level": "level"}
"""Fields that share another field's enumeration."""

WORD_FIELDS: tuple[str, ...] = ("title", "outlet", "summary", "category", "reason", "topic", "authority",
                                "issuer", "to", "grounds", "note")
"""Fields in the event's own words (what happened, as recorded), in the order an explanation
quotes them; ``note`` (the envelope's free text) last."""


def values_of(field: str) -> dict[str, Term]:
    return VALUES.get(FIELD_VALUES.get(field, field), {})


def type_zh(type_name: str | None) -> str | None:
    term = TYPES.get(type_name or "")
    return term.zh if term else None


def field_zh(field: str) -> str | None:
    term = FIELDS.get(field)
    return term.zh if term else None


def value_zh(field: str, value: object) -> str | None:
    term = values_of(field).get(str(value)) if isinstance(value, str) else None
    return term.zh if term else None


def lookup(word: str) -> list[tuple[str, str]]:
    """What a Chinese word (a name or an alias) names: [("type", "criticism")], [("field",
    "issuer_level")], [("value", "level:city")] … (intake maps spreadsheet words with it)."""
    word = word.strip()
    found = [("type", k) for k, t in TYPES.items() if word == t.zh or word in t.aliases]
    found += [("field", k) for k, t in FIELDS.items() if word == t.zh or word in t.aliases]
    found += [("value", f"{f}:{k}") for f, terms in VALUES.items() for k, t in terms.items()
              if word == t.zh or word in t.aliases]
    return found
