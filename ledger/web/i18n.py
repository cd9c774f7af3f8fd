"""The workbench's page chrome in one place: English message ids, Chinese (the default) and
English texts. Templates call ``_("Scores")``; the gettext catalogue can take these ids over
as they are (``msgid "Scores"`` / ``msgstr "得分"``).

The language: ``?lang=en|zh`` (remembered in a cookie), else the browser's Accept-Language
(English first → English), else Chinese.
"""

from __future__ import annotations

from collections.abc import Callable

ZH: dict[str, str] = {
    "Assessment ledger": "考核台账",
    "Workbench": "工作台",
    "Sign in": "登录",
    "Sign out": "退出",
    "Name": "名称",
    "User name": "用户名",
    "Password": "密码",
    "Signed in as": "当前用户",
    "Home": "首页",
    "Policies": "考核方案",
    "Policy": "方案",
    "Scores": "得分",
    "Score table": "得分表",
    "Units": "单位",
    "Unit": "单位",
    "Events": "事件",
    "Event": "事件",
    "Diff": "对比",
    "Publications": "通报",
    "Publication": "通报",
    "Appeals": "申诉复核",
    "Appeal": "申诉",
    "Revision log": "修订日志",
    "Users": "账户",
    "Packet": "复核材料包",
    "Latest publications": "最新通报",
    "Open appeals": "待复核申诉",
    "Falling due in the next 10 working days": "未来10个工作日到期事项",
    "Nothing falls due.": "近期无到期事项。",
    "None.": "无。",
    "Versions": "版本",
    "Indicators": "指标",
    "Indicator": "指标",
    "Original text": "原文",
    "Scoring method": "计分方式",
    "Data source": "数据来源",
    "Points": "分值",
    "Max": "满分",
    "Total": "总分",
    "Rank": "排名",
    "Grade": "等级",
    "Track": "考核类别",
    "As of": "截至日期",
    "Known at": "知悉时点",
    "revision or date-time": "修订号或日期时间",
    "Revision": "修订号",
    "Chain hash": "链哈希",
    "Show": "查看",
    "Download": "下载",
    "Result": "结果",
    "Summary": "概要",
    "Lines": "扣分加分明细",
    "What happened": "依据",
    "Date": "日期",
    "Clause": "条款",
    "Source": "来源",
    "Monthly trend of the total": "总分月度走势",
    "Recorded": "记录于",
    "By": "记录人",
    "Type": "类型",
    "Stream": "数据流",
    "Fields": "字段",
    "Corrections and retractions": "更正与撤销",
    "Amends": "所修正的事件",
    "Before": "之前",
    "After": "之后",
    "Because": "原因",
    "Status": "状态",
    "open": "待复核",
    "Filed": "提交日期",
    "Targets": "申诉事件",
    "Grounds": "申诉理由",
    "File an appeal against the marked events": "对所选事件提出申诉",
    "Decide": "复核决定",
    "Outcome": "结论",
    "upheld": "支持",
    "partially_upheld": "部分支持",
    "rejected": "驳回",
    "Reason": "理由",
    "Retract": "撤销",
    "Corrections (one per line: ID field=value)": "更正（每行一条：事件ID 字段=值）",
    "The unit": "本单位",
    "Other units whose rank or rank-based points change": "排名或按排名计分变化的其他单位",
    "no change": "无变化",
    "What upholding it in full would change": "若全部支持将带来的变化",
    "Decision": "决定",
    "Orders": "执行记录",
    "Publish this table": "发布此得分表",
    "Regenerate and compare": "重新生成并比对",
    "Documents with the verification code": "带验证码的文件",
    "Rules that changed": "有改动的规则",
    "Setting": "设置项",
    "Rule text": "规则原文",
    "changed": "已修改",
    "added": "新增",
    "removed": "已删除",
    "total": "总分",
    "rank": "名次",
    "grade": "等级",
    "vetoed": "否决",
    "downgraded": "降档",
    "reproduced byte for byte": "逐字节一致",
    "DIFFERS from what was published": "与发布内容不一致",
    "Published": "发布时间",
    "Kind": "种类",
    "Against policy": "对比方案",
    "Against known at": "对比知悉时点",
    "Changes": "变化",
    "Rule changes": "规则变化",
    "Since": "起",
    "Until": "止",
    "Role": "角色",
    "Active": "有效",
    "Add": "添加",
    "Disable": "停用",
    "office": "考核办",
    "inspector": "纪检",
    "unit": "被考核单位",
    "Error": "错误",
    "Not allowed": "无权访问",
    "Not found": "未找到",
    "Not signed in": "未登录",
    "Too many failed sign-ins: try again in": "登录失败次数过多，请稍后再试（秒）：",
    "Wrong name or password.": "用户名或密码错误。",
    "The form expired or was not sent from this site: reload the page and try again.":
        "表单已过期或并非来自本站：请刷新页面后重试。",
    "Sort": "排序",
    "History": "历史",
    "as published": "已发布结果",
    "Reporting due": "报送到期",
    "Supervised item due": "督办事项到期",
}


def language(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> str:
    for choice in (query_lang, cookie_lang):
        if choice in ("zh", "en"):
            return choice
    if accept:
        first = accept.split(",")[0].strip().lower()
        if first.startswith("en"):
            return "en"
    return "zh"


def translator(lang: str) -> Callable[[str], str]:
    if lang == "en":
        return lambda msgid: msgid
    return lambda msgid: ZH.get(msgid, msgid)
