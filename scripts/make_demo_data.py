"""Generate the sample years that `ledger demo` loads, for the five bundled policies.

Writes, next to the package, in the public formats (EVENTS.md):

* ``ledger/demo_data/units.csv``    -- the roster: ``id,name,groups,divisions`` (lists ';'-separated);
* ``ledger/demo_data/events.jsonl`` -- the sample years, one event per line, each with a stable ``id``
  (the first write);
* ``ledger/demo_data/late.jsonl``   -- what reaches the ledger later (the second write): findings and
  reports registered late, a late media report, a correction, a retraction and an appeal filed;
* ``ledger/demo_data/appeal.jsonl`` -- the appeal's decision and the retraction it orders, one write,
  as `ledger appeal decide` records them (the decision's id is ``<appeal>/decision``, the
  order names the appeal and its reason starts with ``申诉复核 <appeal>:``).

The data is invented but shaped like a real assessment year for each policy:

* ``jingkai-2021`` (吉林经开区2021年营商环境建设考核评价工作实施方案): 13 局/室/公司 of the
  development zone, group ``jingkai-unit``. Monthly 工作动态信息 and 《“双公示”台账》, quarterly
  工作总结 (mostly on time, some late or missing), 督察 findings, 明察暗访 conduct issues,
  督办事项, district warnings/criticisms (one later retracted), one city-level criticism (a
  veto), a staff discipline case, the four year-end panels, and the bonus items (批示, 通报表扬,
  media reports with and without the keywords, 十大服务标兵).
* ``jiangxian-2021`` (绛协调发〔2021〕8号): real unit names from the five annexes (a subset per
  annex; a unit can be in several annexes) plus eight township 便民服务中心. 台账 and 月报表,
  专栏/宣传/互联网+监管 publications, trainings, innovations, checklist findings (a June
  inspection and a December re-inspection), the 互联网+监管 and 双告知 metrics (one metric later
  corrected), and a few hundred 12345 hotline tickets with replies of mixed quality,
  extensions, returns, callbacks.
* ``daan-2021`` (大安市营商环境考核评价指标体系): 12 大安市 departments (``daan-department``) and
  10 乡镇/街道 (``daan-township``), real names (the document lists none). Half-year checks and
  year-end re-checks of every requirement, counted findings, the three ratio metrics (one
  keyed wrongly, corrected later), quarterly_progress reports (due on the 5th working day),
  督办事项, county-level sanctions (市软环境办), the province's ranking results, four panels,
  innovations, praise, national and provincial media reports (ranked within the track),
  briefings, experience promoted; for townships also 政府工作报告 findings, warnings sent and
  complaints (a collective petition). 自然资源局's September criticism is appealed and
  retracted by the decision; two Q4 reports and one media report are registered late.
* ``changbai-2020`` (长白县政数局2020年绩效考评细则): 12 长白县 departments (``cb-unit``), dated
  in 2020: 政务公开 checks, 漏报 and one 泄密, trainings, monthly 政务公开信息, 放管服 findings,
  criticisms (city, county: 直接降档; one county criticism retracted in January 2021), 政务信息
  sent and adopted, the office panel.
* ``jilin-kjt-2019`` (吉林省科学技术厅营商环境考核评价实施方案): the 科技厅 itself (``kjt``, with its
  divisions), dated in 2019: 法规处's quarter-end check of each of the 23 indicators; the
  December results of three of them are registered late.

Every word the policies read (event types, finding items/results, report kinds, metric names,
publication channels, panels) is taken from ledger/policies/bundled/*.yaml, so the scores are
meaningful: one clear best unit, one unit that loses many points, vetoed or downgraded units
where the policy has them, and ties.

Deterministic: every random draw comes from ``random.Random`` seeded with a fixed string per
section and unit, so re-running the script writes byte-identical files, and changing one
section does not reshuffle the others. Run from the repository root or anywhere:

    python scripts/make_demo_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SEED = "ledger-demo-2021"
OUT = Path(__file__).resolve().parent.parent / "ledger" / "demo_data"
YEAR = 2021

# ------------------------------------------------------------------------------------------
# Calendar: China's official 2021 (and January 2022) holidays and 调休 working weekends, so
# that deadlines here agree with the ledger's working-day calendar.

HOLIDAYS = {dt.date.fromisoformat(s) for s in (
    "2021-01-01 2021-01-02 2021-01-03 2021-02-11 2021-02-12 2021-02-13 2021-02-14 2021-02-15 "
    "2021-02-16 2021-02-17 2021-04-03 2021-04-04 2021-04-05 2021-05-01 2021-05-02 2021-05-03 "
    "2021-05-04 2021-05-05 2021-06-12 2021-06-13 2021-06-14 2021-09-19 2021-09-20 2021-09-21 "
    "2021-10-01 2021-10-02 2021-10-03 2021-10-04 2021-10-05 2021-10-06 2021-10-07 2022-01-01 "
    "2022-01-02 2022-01-03 2022-01-31").split()}
WORKING_WEEKENDS = {dt.date.fromisoformat(s) for s in (
    "2021-02-07 2021-02-20 2021-04-25 2021-05-08 2021-09-18 2021-09-26 2021-10-09 "
    "2022-01-29 2022-01-30").split()}
# changbai-2020 and jilin-kjt-2019 score 2020 and 2019 (2020's Spring Festival was extended to
# 2 February, and its 1 February working Saturday cancelled).
HOLIDAYS |= {dt.date.fromisoformat(s) for s in (
    "2019-01-01 2019-02-04 2019-02-05 2019-02-06 2019-02-07 2019-02-08 2019-02-09 2019-02-10 "
    "2019-04-05 2019-04-06 2019-04-07 2019-05-01 2019-05-02 2019-05-03 2019-05-04 2019-06-07 "
    "2019-06-08 2019-06-09 2019-09-13 2019-09-14 2019-09-15 2019-10-01 2019-10-02 2019-10-03 "
    "2019-10-04 2019-10-05 2019-10-06 2019-10-07 2020-01-01 2020-01-24 2020-01-25 2020-01-26 "
    "2020-01-27 2020-01-28 2020-01-29 2020-01-30 2020-01-31 2020-02-01 2020-02-02 2020-04-04 "
    "2020-04-05 2020-04-06 2020-05-01 2020-05-02 2020-05-03 2020-05-04 2020-05-05 2020-06-25 "
    "2020-06-26 2020-06-27 2020-10-01 2020-10-02 2020-10-03 2020-10-04 2020-10-05 2020-10-06 "
    "2020-10-07 2020-10-08").split()}
WORKING_WEEKENDS |= {dt.date.fromisoformat(s) for s in (
    "2019-02-02 2019-02-03 2019-04-28 2019-05-05 2019-09-29 2019-10-12 2020-01-19 2020-04-26 "
    "2020-05-09 2020-06-28 2020-09-27 2020-10-10").split()}


def is_workday(day: dt.date) -> bool:
    if day in WORKING_WEEKENDS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def add_workdays(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def date(month: int, day: int, year: int = YEAR) -> dt.date:
    return dt.date(year, month, day)


def month_end(month: int, year: int = YEAR) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def workday_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A random working day in [start, end] (start itself if there is none)."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if is_workday(d)]
    return rng.choice(days) if days else start


def next_month(month: int) -> tuple[int, int]:
    """(year, month) of the month after ``month`` of YEAR."""
    return (YEAR + 1, 1) if month == 12 else (YEAR, month + 1)


def rng_for(*parts: object) -> random.Random:
    return random.Random(":".join([SEED, *map(str, parts)]))


# ------------------------------------------------------------------------------------------
# The event book: collects events, gives each a stable id, numbers documents by date.

ABBR = {
    "report_submitted": "rep", "finding": "fnd", "conduct_issue": "cnd", "warning": "wrn",
    "criticism": "crt", "admonition": "adm", "rectification_failed": "rcf",
    "discipline_case": "dsc", "evaluation": "evl", "endorsement": "end", "praise": "prs",
    "media_report": "med", "award": "awd", "publication": "pub", "training_session": "trn",
    "innovation": "inn", "metric": "met", "retraction": "ret", "correction": "cor",
    "supervised_item_finding": "sif", "ranking_result": "rnk", "complaint": "cpl", "warning_sent": "wsn",
    "briefing_adopted": "brf", "experience_promoted": "exp", "inspection_named": "isn", "appeal_filed": "apl",
}
DOC_MARK = re.compile(r"⟦doc:(\d+)⟧")


@dataclass
class Book:
    events: list[dict] = field(default_factory=list)
    counters: Counter = field(default_factory=Counter)
    docs: list[tuple[str, dt.date, str]] = field(default_factory=list)
    doc_index: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, type_: str, unit: str, day: dt.date, *, id: str | None = None,
            source: str | None = None, note: str | None = None, **fields) -> str:
        if id is None:
            key = (unit, ABBR[type_])
            self.counters[key] += 1
            id = f"{unit}-{ABBR[type_]}-{self.counters[key]:03d}"
        event = {"type": type_, "id": id, "unit": unit, "date": day.isoformat(), **fields}
        if source:
            event["source"] = source
        if note:
            event["note"] = note
        self.events.append(event)
        return id

    def doc(self, series: str, day: dt.date, topic: str) -> str:
        """A placeholder for document ``series〔2021〕N号``; one number per (series, topic),
        numbered in date order when the book is written."""
        key = (series, topic)
        if key not in self.doc_index:
            self.doc_index[key] = len(self.docs)
            self.docs.append((series, day, topic))
        return f"⟦doc:{self.doc_index[key]}⟧"

    def numbered_docs(self) -> dict[int, str]:
        by_series: dict[str, list[int]] = defaultdict(list)
        for i, (series, _, _) in enumerate(self.docs):
            by_series[series].append(i)
        names = {}
        for series, idxs in by_series.items():
            idxs.sort(key=lambda i: (self.docs[i][1], self.docs[i][2]))
            for n, i in enumerate(idxs, start=1):
                year = self.docs[i][1].year
                names[i] = f"{series}〔{year}〕{n}号"
        return names

    def lines(self) -> list[str]:
        names = self.numbered_docs()
        ordered = sorted(enumerate(self.events), key=lambda p: (p[1]["date"], p[0]))
        out = []
        for _, event in ordered:
            text = json.dumps(event, ensure_ascii=False)
            out.append(DOC_MARK.sub(lambda m: names[int(m.group(1))], text))
        return out


# ------------------------------------------------------------------------------------------
# Rosters

JINGKAI_UNITS = [
    ("jk-dzb", "经开区党政办公室"),
    ("jk-fgj", "经开区发展改革局"),
    ("jk-czj", "经开区财政局"),
    ("jk-jfj", "经开区经济发展局"),
    ("jk-zsj", "经开区招商局"),
    ("jk-zrj", "经开区自然资源局"),
    ("jk-zjj", "经开区住房和城乡建设局"),
    ("jk-scj", "经开区市场监督管理局"),
    ("jk-yjj", "经开区应急管理局"),
    ("jk-shj", "经开区社会事业局"),
    ("jk-zwj", "经开区政务服务局"),
    ("jk-sthj", "经开区生态环境分局"),
    ("jk-tkgs", "吉林经开投资控股集团有限公司"),
]

# Jiangxian: names as printed in the annexes (附件1's spelling where annexes differ).
JIANGXIAN_UNITS = [
    ("jx-wbb", "县委编办"),
    ("jx-fgw", "县发展和改革委员会"),
    ("jx-czj", "县财政局"),
    ("jx-jtj", "县交通运输局"),
    ("jx-spj", "县行政审批服务管理局"),
    ("jx-swj", "县税务局"),
    ("jx-zrj", "县自然资源局"),
    ("jx-zjj", "县住房和城乡建设管理局"),
    ("jx-rsj", "县人力资源和社会保障局"),
    ("jx-gdgs", "国网绛县供电公司"),
    ("jx-scj", "县市场监督管理局"),
    ("jx-yjj", "县应急管理局"),
    ("jx-sthj", "运城市生态环境局绛县分局"),
    ("jx-gaj", "县公安局"),
    ("jx-nyj", "县农业农村局"),
    ("jx-wlj", "县文化和旅游局"),
    ("jx-xfdd", "县消防救援大队"),
    ("jx-ycgs", "县烟草公司"),
    ("jx-kfqspj", "绛县经济开发区行政审批服务管理局"),
    ("jx-kfq", "绛县经济开发区管委会"),
    ("jx-gsz", "县供水站"),
    ("jx-gjzzf", "古绛镇人民政府"),
    ("jx-hszzf", "横水镇人民政府"),
    ("jx-gjz", "古绛镇便民服务中心"),
    ("jx-hsz", "横水镇便民服务中心"),
    ("jx-ccz", "陈村镇便民服务中心"),
    ("jx-wzz", "卫庄镇便民服务中心"),
    ("jx-nfz", "南樊镇便民服务中心"),
    ("jx-ayz", "安峪镇便民服务中心"),
    ("jx-djz", "大交镇便民服务中心"),
    ("jx-lkx", "冷口乡便民服务中心"),
]

JX_PROGRESS = ["jx-wbb", "jx-fgw", "jx-czj", "jx-jtj", "jx-spj", "jx-swj", "jx-zrj", "jx-zjj",
               "jx-rsj", "jx-gdgs", "jx-scj"]
JX_SUPERVISION = ["jx-fgw", "jx-czj", "jx-jtj", "jx-yjj", "jx-zjj", "jx-sthj", "jx-gaj",
                  "jx-nyj", "jx-wlj", "jx-scj"]
JX_LICENSE = ["jx-spj", "jx-czj", "jx-yjj", "jx-fgw", "jx-jtj", "jx-xfdd", "jx-zjj", "jx-ycgs",
              "jx-scj", "jx-kfqspj"]
JX_HOTLINE = ["jx-kfq", "jx-czj", "jx-zjj", "jx-scj", "jx-gaj", "jx-rsj", "jx-jtj", "jx-gsz",
              "jx-gjzzf", "jx-hszzf"]
JX_CENTER = ["jx-gjz", "jx-hsz", "jx-ccz", "jx-wzz", "jx-nfz", "jx-ayz", "jx-djz", "jx-lkx"]
JX_GROUPS = [("jx-progress", JX_PROGRESS), ("jx-supervision", JX_SUPERVISION),
             ("jx-license", JX_LICENSE), ("jx-hotline", JX_HOTLINE), ("jx-center", JX_CENTER)]


def roster() -> list[tuple[str, str, str, str]]:
    """(id, name, groups, divisions) of every unit of the five schemes."""
    rows = [(uid, name, "jingkai-unit", "") for uid, name in JINGKAI_UNITS]
    for uid, name in JIANGXIAN_UNITS:
        groups = [g for g, members in JX_GROUPS if uid in members]
        rows.append((uid, name, ";".join(groups), ""))
    rows += [(uid, name, "daan-department", "") for uid, name in DAAN_DEPARTMENTS]
    rows += [(uid, name, "daan-township", "") for uid, name in DAAN_TOWNSHIPS]
    rows += [(uid, name, "cb-unit", "") for uid, name in CHANGBAI_UNITS]
    rows += [(uid, name, "kjt", ";".join(KJT_DIVISIONS)) for uid, name in KJT_UNITS]
    return rows


# ==========================================================================================
# jingkai-2021
#
# Each unit's year is described by a profile; the generator turns it into dated events.
# Deductions (daily 日常考评): late/missing reports, 督察 findings, conduct issues, 督办事项,
# sanctions. Year-end panels: target means. Bonus: explicit events.

JK_OFFICE = "吉经开营商办"
JK_LEADERS = [f"ld{i:02d}" for i in range(1, 7)]         # 管委会领导
JK_ENTERPRISES = [f"qy{i:02d}" for i in range(1, 9)]     # 评议企业
JK_SUPERVISORS = [f"jdy{i:02d}" for i in range(1, 6)]    # 营商环境监督员


@dataclass
class JkProfile:
    monthly_late: tuple = ()          # months whose 工作动态信息 came in late
    monthly_missing: tuple = ()
    dp_late: tuple = ()               # 《“双公示”台账》
    dp_missing: tuple = ()
    quarter_late: tuple = ()          # 季度工作总结
    findings: tuple = ()              # (item, result, count, month)
    conduct: tuple = ()               # (month, category)
    sanctions: tuple = ()             # (type, issuer_level, month)
    rectification_failed: int = 0
    staff_discipline: int = 0
    supervised: int = 3               # 督办事项 assigned
    supervised_late: int = 0          # closed after the due date
    supervised_open: int = 0          # still open past the due date
    supervised_findings: tuple = ()   # improper_handling / false_report
    panels: tuple = (27.0, 8.5, 8.5, 8.5)   # target means: leaders, departments, enterprises, supervisors
    dissatisfied: int = 0             # enterprises rating the unit 不满意
    panel_seed: str = ""              # same seed → same score multisets (a deliberate tie)
    bonus: tuple = ()                 # (type, month, fields)


# (title, summary): the first ones name a keyword in the title, the last two only in the summary.
MEDIA_OK = [
    ("{u}优化营商环境 助力企业发展", None), ("{u}：“政务服务”提速护航项目建设", None), ("{u}扎实推进诚信建设", None),
    ("{u}持续改善投资环境 重点项目加速落地", None), ("{u}狠抓工作作风 提升服务效能", None),
    ("{u}推动“互联网+监管”全覆盖", None),
    ("{u}：“企业吹哨、部门报到”机制见实效", "报道{u}建立企业诉求快速响应机制、持续优化营商环境的做法。"),
    ("{u}“审批不见面”跑出项目加速度", "介绍{u}深化政务服务改革、压缩审批时限的经验。"),
]
# Reports without any of the ten words: they earn nothing (bonus.3).
MEDIA_OTHER = {
    "major": [("吉林经开区碳纤维产业集群加速崛起", "报道经开区碳纤维产业链重点项目建设进展。"),
              ("{u}：重点项目建设跑出“加速度”", None)],
    "local": [("{u}开展义务植树活动", None), ("{u}举办职工趣味运动会", None),
              ("{u}组织开展“学党史 办实事”主题党日活动", None)],
}
OUTLETS = {"central": ["人民网", "中国经济网", "新华网"],
           "province": ["吉林日报", "吉林电视台", "新文化报"],
           "city": ["江城日报", "吉林市广播电视台", "北华时报"],
           "district": ["经开区融媒体中心", "吉林经开区微信公众号"]}


def jk_profiles() -> dict[str, JkProfile]:
    P = JkProfile
    return {
        # the clear best: nothing missed, strong panels, bonus capped at 10
        "jk-scj": P(panels=(29.2, 9.6, 9.5, 9.6), supervised=4,
                    bonus=(("endorsement", 6, {"leader": "city_leader"}),
                           ("media_report", 4, {"level": "province", "ok": True}),
                           ("media_report", 9, {"level": "district", "ok": True}),
                           ("award", 12, {"kind": "service_model"}))),
        "jk-zwj": P(monthly_late=(2,), panels=(28.6, 9.2, 9.3, 9.2), supervised=4,
                    bonus=(("praise", 7, {"issuer_level": "city", "promoted": True}),
                           ("praise", 11, {"issuer_level": "city", "promoted": False}),
                           ("award", 12, {"kind": "service_model"}),
                           ("media_report", 5, {"level": "district", "ok": True}),
                           ("media_report", 8, {"level": "district", "ok": True}),
                           ("media_report", 10, {"level": "district", "ok": False}))),
        "jk-fgj": P(dp_late=(10,), findings=(("jinsheng_task", "not_done", 1, 6),),
                    panels=(28.0, 9.0, 8.8, 9.0), supervised_late=1,
                    bonus=(("endorsement", 9, {"leader": "zone_principal"}),
                           ("media_report", 3, {"level": "city", "ok": True}),
                           ("media_report", 11, {"level": "central", "ok": False}))),
        # a tie: different events, same deductions (−2), same bonus (+4), same panel scores
        "jk-czj": P(monthly_late=(7,), dp_late=(3,), panels=(27.4, 8.8, 8.6, 8.7), panel_seed="twin",
                    bonus=(("endorsement", 5, {"leader": "zone_deputy"}),)),
        "jk-jfj": P(quarter_late=(3,), monthly_missing=(8,), panels=(27.4, 8.8, 8.6, 8.7),
                    panel_seed="twin",
                    bonus=(("praise", 10, {"issuer_level": "district"}),
                           ("media_report", 8, {"level": "city", "ok": True}),
                           ("media_report", 6, {"level": "city", "ok": False}))),
        "jk-dzb": P(monthly_late=(1, 9), quarter_late=(1,), panels=(27.0, 8.6, 8.2, 8.4),
                    findings=(("disclosure_task", "not_done", 1, 9),),
                    bonus=(("media_report", 7, {"level": "district", "ok": True}),
                           ("media_report", 12, {"level": "district", "ok": True}))),
        "jk-zsj": P(dp_missing=(2,), monthly_late=(11,), conduct=((8, "办事效率"),),
                    panels=(27.8, 8.4, 9.0, 8.6), supervised=5, supervised_late=1,
                    bonus=(("media_report", 6, {"level": "province", "ok": True}),
                           ("media_report", 9, {"level": "city", "ok": True}),
                           ("praise", 12, {"issuer_level": "district"}))),
        # vetoed: a decent total, but criticised by the city office → 不达标 whatever the total
        "jk-zrj": P(monthly_late=(4,), dp_late=(4, 5), sanctions=(("criticism", "city", 8),),
                    findings=(("three_year_plan_task", "not_done", 1, 9),),
                    panels=(26.4, 8.2, 7.9, 8.0), supervised=4, supervised_late=2,
                    bonus=(("media_report", 10, {"level": "city", "ok": True}),)),
        # loses the most: daily section deducted to the floor, weak panels, an enterprise 不满意
        "jk-zjj": P(monthly_late=(3, 6, 10), monthly_missing=(12,), dp_late=(1, 7), dp_missing=(9,),
                    quarter_late=(2, 4),
                    findings=(("three_year_plan_task", "not_done", 2, 6),
                              ("jinsheng_task", "not_done", 1, 6),
                              ("data_upload", "late", 2, 9),
                              ("internet_supervision_task", "not_done", 1, 12)),
                    conduct=((5, "窗口服务"), (10, "工作纪律")),
                    sanctions=(("criticism", "district", 6), ("admonition", "district", 9)),
                    rectification_failed=1, staff_discipline=1,
                    supervised=5, supervised_late=2, supervised_open=1,
                    supervised_findings=("improper_handling", "false_report"),
                    panels=(22.5, 7.2, 6.4, 7.0), dissatisfied=2,
                    bonus=(("media_report", 11, {"level": "district", "ok": False}),)),
        "jk-yjj": P(sanctions=(("warning", "district", 5),), monthly_late=(2,),
                    findings=(("data_upload", "late", 1, 3),),
                    panels=(26.8, 8.4, 8.5, 8.6),
                    bonus=(("media_report", 6, {"level": "city", "ok": True}),)),
        # its April criticism is retracted in June (see jk_retraction)
        "jk-shj": P(sanctions=(("criticism", "district", 4),), dp_late=(6,),
                    panels=(27.2, 8.7, 8.4, 8.6),
                    bonus=(("endorsement", 11, {"leader": "zone_deputy"}),
                           ("media_report", 9, {"level": "district", "ok": True}))),
        "jk-sthj": P(findings=(("internet_supervision_task", "not_done", 1, 3),
                               ("three_level_secretary_task", "not_done", 1, 9)),
                     monthly_late=(5, 8), conduct=((7, "机关作风"),),
                     panels=(25.6, 7.9, 7.6, 8.1), dissatisfied=1, supervised_late=1,
                     supervised_findings=("improper_handling",)),
        "jk-tkgs": P(sanctions=(("warning", "district", 3), ("warning", "district", 10)),
                     conduct=((3, "窗口服务"),), dp_late=(2, 8, 11), quarter_late=(3,),
                     findings=(("data_upload", "late", 1, 6),),
                     panels=(25.0, 7.6, 8.0, 7.7), supervised=4, supervised_open=1,
                     bonus=(("media_report", 5, {"level": "district", "ok": True}),
                            ("media_report", 9, {"level": "district", "ok": False}))),
    }


def jk_reports(book: Book, unit: str, p: JkProfile) -> None:
    """工作动态信息 and 《“双公示”台账》 (monthly, due month end), 季度工作总结 (2nd working day)."""
    rng = rng_for("jk-reports", unit)
    for report, late, missing in (("monthly_dynamics", p.monthly_late, p.monthly_missing),
                                  ("double_publicity_ledger", p.dp_late, p.dp_missing)):
        for month in range(1, 13):
            if month in missing:
                continue
            due = month_end(month)
            if month in late:
                y, m = next_month(month)
                day = workday_between(rng, date(m, 3, y), date(m, 12, y))
            else:
                day = workday_between(rng, date(month, 22), due)
            quality = "poor" if rng.random() < 0.05 else "ok"
            book.add("report_submitted", unit, day, source="政务服务局收文登记", report=report,
                     period=f"{YEAR}-{month:02d}", quality=quality)
    for q in range(1, 5):
        y, m = next_month(q * 3)
        first = add_workdays(date(m, 1, y) - dt.timedelta(days=1), 1)   # due on the 2nd working day
        if q in p.quarter_late:
            day = add_workdays(first, rng.choice((3, 4, 6)))
        else:
            day = rng.choice((first, workday_between(rng, date(q * 3, 25), month_end(q * 3))))
        book.add("report_submitted", unit, day, source="政务服务局收文登记", report="quarterly_summary",
                 period=f"{YEAR}-Q{q}")


FINDING_NOTES = {
    "three_year_plan_task": "三年行动方案部门重点任务未开展",
    "three_level_secretary_task": "三级书记抓营商环境重点工作未落实",
    "jinsheng_task": "“进升年”实施方案任务未列出工作措施和完成时限",
    "disclosure_task": "政务公开重点任务未落实",
    "data_upload": "未按数据共享方案更新周期上传数据",
    "internet_supervision_task": "“互联网+监管”数据对接工作未开展",
}


def jk_findings(book: Book, unit: str, p: JkProfile) -> None:
    rng = rng_for("jk-findings", unit)
    for item, result, count, month in p.findings:
        day = workday_between(rng, date(month, 20), month_end(month))
        source = book.doc(JK_OFFICE, date(month, 28), f"督察通报{month:02d}")
        book.add("finding", unit, day, source=source, note=FINDING_NOTES[item], item=item,
                 result=result, count=count)
    for month, category in p.conduct:
        day = workday_between(rng, date(month, 5), date(month, 25))
        book.add("conduct_issue", unit, day, source=book.doc(JK_OFFICE, day, f"明察暗访{unit}{month}"),
                 note=f"明察暗访发现{category}问题，经查属实", category=category)


SUPERVISED_TOPICS = ["企业反映项目审批材料反复补正问题", "明察暗访反馈窗口人员离岗问题", "企业诉求：厂区周边道路破损",
                     "营商环境监督员反映政策兑现迟缓", "12345转办企业诉求回复不及时", "企业反映涉企检查频次过多",
                     "明察暗访反馈办事指南未及时更新"]


def jk_supervised(book: Book, unit: str, p: JkProfile) -> None:
    """督办事项: most closed on time; ``supervised_late`` closed late, ``supervised_open`` never."""
    rng = rng_for("jk-supervised", unit)
    months = sorted(rng.sample(range(2, 12), p.supervised))
    findings = list(p.supervised_findings)
    for n, month in enumerate(months, start=1):
        item = f"DB-2021-{unit[3:]}-{n:02d}"
        assigned = workday_between(rng, date(month, 1), date(month, 15))
        due = add_workdays(assigned, rng.choice((10, 15)))
        book.add("supervised_item_assigned", unit, assigned, id=f"{item}-assigned",
                 source=book.doc("吉经开营商办督", assigned, item), note=rng.choice(SUPERVISED_TOPICS),
                 item=item, due=due.isoformat(), issuer="区营商环境办公室")
        index_from_end = len(months) - n
        if index_from_end < p.supervised_open:
            continue
        late = n <= p.supervised_late
        closed = add_workdays(due, rng.choice((3, 5, 8))) if late else add_workdays(assigned, rng.choice((4, 6, 8)))
        book.add("supervised_item_closed", unit, closed, id=f"{item}-closed", source="督办事项报结单", item=item)
        if findings and late:
            book.add("supervised_item_finding", unit, add_workdays(closed, 5),
                     source=book.doc(JK_OFFICE, closed, f"复核{item}"),
                     note="复核发现整改不到位" if findings[0] == "improper_handling" else "报结情况与实际不符",
                     item=item, finding=findings.pop(0))


JK_HOLIDAY_ITEMS = [
    # (unit, assigned, due, closed, topic): 督办事项 assigned before 国庆 and due across it (10-09
    # is a 调休 Saturday, a working day), closed on time after the holiday — on
    # `ledger due --policy jingkai-2021 --as-of 2021-09-28` they are due soon (yellow), each
    # putting 1 point at risk; closed on time, they change no score of the year.
    ("jk-fgj", date(9, 22), date(10, 9), date(10, 8), "国庆假期前企业开办“一网通办”遗留问题清零"),
    ("jk-scj", date(9, 23), date(10, 11), date(10, 11), "节日市场价格监管投诉件限期办结"),
    ("jk-zsj", date(9, 24), date(10, 12), date(10, 9), "签约项目“拿地即开工”协调问题反馈"),
]


def jk_holiday_items(book: Book) -> None:
    for unit, assigned, due, closed, topic in JK_HOLIDAY_ITEMS:
        item = f"DB-2021-{unit[3:]}-GQ"
        book.add("supervised_item_assigned", unit, assigned, id=f"{item}-assigned",
                 source=book.doc("吉经开营商办督（节前）", assigned, item), note=topic,
                 item=item, due=due.isoformat(), issuer="区营商环境办公室")
        book.add("supervised_item_closed", unit, closed, id=f"{item}-closed", source="督办事项报结单", item=item)


def jk_sanctions(book: Book, unit: str, p: JkProfile) -> list[str]:
    rng = rng_for("jk-sanctions", unit)
    ids = []
    reasons = {"warning": "工作推进滞后，予以警示", "criticism": "营商环境工作落实不力，予以通报批评",
               "admonition": "问题整改不到位，予以告诫"}
    for kind, level, month in p.sanctions:
        day = workday_between(rng, date(month, 8), date(month, 26))
        if level == "city":
            source, issuer = book.doc("吉市营商办", day, f"{kind}{unit}"), "吉林市营商环境建设办公室"
        else:
            source, issuer = book.doc(JK_OFFICE, day, f"{kind}{unit}{month}"), "经开区营商环境办公室"
        ids.append(book.add(kind, unit, day, source=source, note=reasons[kind], issuer_level=level,
                            issuer=issuer))
    for _ in range(p.rectification_failed):
        day = workday_between(rng, date(11, 1), date(11, 20))
        book.add("rectification_failed", unit, day, source=book.doc(JK_OFFICE, day, f"整改{unit}"),
                 note="被告诫后未按期完成整改", of=ids[-1])
    for _ in range(p.staff_discipline):
        day = workday_between(rng, date(9, 1), date(9, 30))
        book.add("discipline_case", unit, day, source=book.doc("吉经开纪发", day, unit),
                 note="工作人员违规收受管理服务对象礼品", subject="staff", authority="经开区纪工委")
    return ids


def jk_panel_scores(p: JkProfile, unit: str, panel: int, n: int, top: float) -> list[float]:
    """n scores within ±8% of ``top`` around the profile's target mean, one decimal, 0–top."""
    rng = rng_for("jk-panels", p.panel_seed or unit, panel)
    target, spread = p.panels[panel], top * 0.08
    return [min(top, max(0.0, round(target + rng.uniform(-spread, spread), 1))) for _ in range(n)]


def jk_evaluations(book: Book, unit: str, p: JkProfile) -> None:
    rng = rng_for("jk-eval-dates", unit)
    others = [u for u, _ in JINGKAI_UNITS if u != unit]
    panels = (("leaders", JK_LEADERS, 30.0, "2021年度年终评议管委会领导打分表"),
              ("departments", others, 10.0, "2021年度年终评议部门打分表"),
              ("enterprises", JK_ENTERPRISES, 10.0, "企业评议部门调查问卷"),
              ("supervisors", JK_SUPERVISORS, 10.0, "营商环境监督员评议问卷"))
    for index, (panel, evaluators, top, source) in enumerate(panels):
        scores = jk_panel_scores(p, unit, index, len(evaluators), top)
        if panel == "enterprises":
            for k in range(p.dissatisfied):
                scores[k] = round(5.0 + k * 0.5, 1)
        order = rng_for("jk-eval-order", unit, panel)
        order.shuffle(scores)
        for evaluator, score in zip(evaluators, scores, strict=True):  # a score per evaluator
            day = workday_between(rng, date(12, 13), date(12, 28))
            fields = {"panel": panel, "evaluator": evaluator, "score": score}
            if panel == "enterprises":
                fields["verdict"] = "dissatisfied" if score < 6 else "satisfied"
            book.add("evaluation", unit, day, source=source, **fields)


def jk_bonus(book: Book, unit: str, name: str, p: JkProfile) -> None:
    rng = rng_for("jk-bonus", unit)
    for kind, month, spec in p.bonus:
        day = workday_between(rng, date(month, 3), date(month, 26))
        if kind == "media_report":
            level = spec["level"]
            pool = MEDIA_OK if spec["ok"] else MEDIA_OTHER["major" if level in ("central", "province") else "local"]
            title, summary = rng.choice(pool)
            outlet = rng.choice(OUTLETS[level])
            fields = {"level": level, "outlet": outlet, "title": title.format(u=name)}
            if summary:
                fields["summary"] = summary.format(u=name)
            book.add("media_report", unit, day, source=outlet, **fields)
        elif kind == "endorsement":
            leader = spec["leader"]
            who = {"city_leader": "吉林市政府主要领导", "city_department_leader": "市政数局主要负责同志",
                   "zone_principal": "经开区党工委主要领导", "zone_deputy": "经开区管委会副主任"}[leader]
            book.add("endorsement", unit, day, source="领导批示件",
                     note=f"{who}对{name}营商环境工作作出肯定性批示", leader=leader)
        elif kind == "praise":
            if spec["issuer_level"] == "city":
                source, issuer = book.doc("吉市政数发", day, f"表扬{unit}"), "吉林市政务服务和数字化建设管理局"
            else:
                source, issuer = book.doc("吉经开政务服务局", day, f"表扬{unit}{month}"), "经开区政务服务局"
            book.add("praise", unit, day, source=source, issuer_level=spec["issuer_level"], issuer=issuer,
                     promoted=spec.get("promoted", False))
        elif kind == "award":
            book.add("award", unit, date(12, 30), source=book.doc("吉经开党工委", date(12, 30), "十大服务标兵"),
                     note="本单位工作人员被评为2021年度“十大服务标兵”", kind=spec["kind"])


def jk_retraction(book: Book, criticism_id: str) -> None:
    """jk-shj's April criticism is withdrawn after review: history keeps both."""
    day = date(6, 18)
    book.add("retraction", "jk-shj", day, source=book.doc(JK_OFFICE, day, "撤销通报jk-shj"),
             target=criticism_id,
             reason="经复核，通报所涉学校入学登记延误系市级招生系统故障所致，不属于社会事业局责任，撤销该通报批评",
             decision=book.doc(JK_OFFICE, day, "撤销通报jk-shj"))


def make_jingkai(book: Book) -> None:
    profiles = jk_profiles()
    for unit, name in JINGKAI_UNITS:
        p = profiles[unit]
        jk_reports(book, unit, p)
        jk_findings(book, unit, p)
        jk_supervised(book, unit, p)
        sanction_ids = jk_sanctions(book, unit, p)
        jk_evaluations(book, unit, p)
        jk_bonus(book, unit, name, p)
        if unit == "jk-shj":
            jk_retraction(book, sanction_ids[0])
    jk_holiday_items(book)


# ==========================================================================================
# jiangxian-2021
#
# Each unit has a diligence d (0–1): the chance of doing each duty well. Requirements get a
# June inspection (met / not_met) and a December re-inspection of what was not met.

JX_OFFICE = "绛营商办"
JX_DILIGENCE = {
    "jx-wbb": 0.80, "jx-fgw": 0.88, "jx-czj": 0.93, "jx-jtj": 0.72, "jx-spj": 0.99, "jx-swj": 0.90,
    "jx-zrj": 0.62, "jx-zjj": 0.45, "jx-rsj": 0.85, "jx-gdgs": 0.78, "jx-scj": 0.95, "jx-yjj": 0.82,
    "jx-sthj": 0.80, "jx-gaj": 0.92, "jx-nyj": 0.55, "jx-wlj": 0.84, "jx-xfdd": 0.75,
    "jx-ycgs": 0.60, "jx-kfqspj": 0.90, "jx-kfq": 0.88, "jx-gsz": 0.70, "jx-gjzzf": 0.80,
    "jx-hszzf": 0.65, "jx-gjz": 0.95, "jx-hsz": 0.85, "jx-ccz": 0.80, "jx-wzz": 0.85,
    "jx-nfz": 0.60, "jx-ayz": 0.75, "jx-djz": 0.80, "jx-lkx": 0.45,
}
NAMES = dict(JINGKAI_UNITS + JIANGXIAN_UNITS)


def jx_display(unit: str) -> str:
    """The name as it reads outside the county: 县财政局 → 绛县财政局."""
    name = NAMES[unit]
    return "绛" + name if name.startswith("县") else name


def jx_checklist(book: Book, unit: str, items: list[str], source: str, tag: str) -> None:
    """June inspection of every item; December re-inspection of the ones not met."""
    d = JX_DILIGENCE[unit]
    rng = rng_for("jx-check", tag, unit)
    june = workday_between(rng, date(6, 7), date(6, 25))
    december = workday_between(rng, date(12, 6), date(12, 17))
    for item in items:
        met = rng.random() < d
        book.add("finding", unit, june, source=f"{source}（2021年6月）", item=item,
                 result="met" if met else "not_met")
        if not met:
            fixed = rng.random() < d * 0.8
            book.add("finding", unit, december, source=f"{source}（2021年12月复查）", item=item,
                     result="met" if fixed else "not_met", note=None if fixed else "复查仍未整改到位")


def jx_monthly_report(book: Book, unit: str, report: str, months: range, source: str) -> None:
    """A report covering month m, due on the 20th of m: on time, late or missing."""
    d = JX_DILIGENCE[unit]
    rng = rng_for("jx-report", report, unit)
    for month in months:
        r = rng.random()
        if r < (1 - d) * 0.3:
            continue
        if r < (1 - d) * 0.9:
            day = workday_between(rng, date(month, 21), date(month, 28))
        else:
            day = workday_between(rng, date(month, 10), date(month, 20))
        book.add("report_submitted", unit, day, source=source, report=report, period=f"{YEAR}-{month:02d}")


COLUMN_TITLES = ["{u}优化营商环境工作动态（{m}月）", "{u}深化“放管服效”改革推进情况", "{u}“一件事一次办”办事指南更新",
                 "{u}涉企政策解读", "{u}优化营商环境典型做法"]
PUBLICITY = [("绛县融媒体中心", "{u}宣传优化营商环境政策措施"), ("运城日报", "{u}：让企业办事更便捷"),
             ("{u}微信公众号", "一图读懂{u}惠企政策"), ("绛县电视台", "{u}开展“证照分离”改革政策宣传"),
             ("绛县人民政府网", "{u}“放管服效”改革再提速")]


def posts_per_month(rng: random.Random, d: float) -> int:
    """0 with probability ~0.9(1−d), mostly 1, sometimes 2 or 3 (extras earn +0.5 each)."""
    r = rng.random()
    if r < (1 - d) * 0.9:
        return 0
    if r < 0.88:
        return 1
    return 2 if r < 0.98 else 3


def jx_publications(book: Book, unit: str, channel: str) -> None:
    d = JX_DILIGENCE[unit]
    rng = rng_for("jx-pub", channel, unit)
    short = jx_display(unit)
    for month in range(1, 13):
        for _ in range(posts_per_month(rng, d)):
            day = workday_between(rng, date(month, 1), month_end(month))
            if channel == "column":
                title = rng.choice(COLUMN_TITLES).format(u=short, m=month)
                source = "绛县人民政府门户网站·优化营商环境专栏"
            else:
                outlet, title = rng.choice(PUBLICITY)
                source, title = outlet.format(u=short), title.format(u=short)
            book.add("publication", unit, day, source=source, channel=channel, title=title)


TRAINING_TOPICS = ["《优化营商环境条例》专题学习", "《山西省优化营商环境条例》解读", "“证照分离”改革全覆盖业务培训",
                   "“互联网+监管”系统操作培训", "12345热线工单办理规范培训", "政务服务“好差评”制度学习",
                   "“双随机、一公开”监管业务培训"]
INNOVATIONS = [("highlight", "推行“容缺受理+承诺制”审批"), ("signature_measure", "首创“企业服务专员”包联机制"),
               ("replicated_practice", "复制推广“一枚印章管审批”经验"), ("highlight", "开设“办不成事”反映窗口"),
               ("highlight", "推出“帮办代办”全程服务"), ("signature_measure", "“项目管家”全程跟踪服务"),
               ("replicated_practice", "借鉴先进地区“拿地即开工”做法"), ("highlight", "涉企收费“一张清单”公示")]


def jx_trainings(book: Book, unit: str) -> None:
    d = JX_DILIGENCE[unit]
    rng = rng_for("jx-training", unit)
    count = 2 + sum(rng.random() < d for _ in range(4))
    months = sorted(rng.sample(range(2, 13), count))
    for month in months:
        day = workday_between(rng, date(month, 5), date(month, 25))
        book.add("training_session", unit, day, source="培训通知、签到表及照片", topic=rng.choice(TRAINING_TOPICS),
                 attendees=rng.randint(12, 60))


def jx_innovations(book: Book, unit: str) -> None:
    d = JX_DILIGENCE[unit]
    rng = rng_for("jx-innovation", unit)
    count = sum(rng.random() < d * 0.85 for _ in range(6)) - 1
    for kind, title in rng.sample(INNOVATIONS, max(0, count)):
        day = workday_between(rng, date(3, 1), date(11, 30))
        book.add("innovation", unit, day, source=book.doc(JX_OFFICE, day, f"创新认定{unit}{title}"),
                 kind=kind, title=title)


PROGRESS_ITEMS = ["one_report", "task_list", "problem_list", "rectification_list", "leading_group",
                  "work_rules", "designated_person"]


def make_progress(book: Book) -> None:
    for unit in JX_PROGRESS:
        jx_checklist(book, unit, PROGRESS_ITEMS, "县优化营商环境领导小组办公室核查", "progress")
        jx_monthly_report(book, unit, "progress_ledger", range(5, 13), "县优化营商环境领导小组办公室报送登记")
        jx_publications(book, unit, "column")
    for unit in sorted(set(JX_PROGRESS) | set(JX_LICENSE)):
        jx_publications(book, unit, "publicity")
        jx_trainings(book, unit)
    for unit in JX_PROGRESS:
        jx_innovations(book, unit)


# 互联网+监管: supervision_items decides the tier (annex 2 names the units of each tier).
SUPERVISION = {  # unit: (items, objects, final actions/objects, coverage)
    "jx-scj": (186, 1420, 1.08, 93.5), "jx-gaj": (96, 610, 1.02, 88.0), "jx-jtj": (72, 380, 0.94, 85.6),
    "jx-wlj": (58, 240, 0.97, 82.4), "jx-zjj": (44, 320, 0.71, 64.0), "jx-sthj": (38, 260, 1.00, 90.2),
    "jx-nyj": (31, 210, 0.52, 58.5), "jx-yjj": (27, 180, 0.88, 81.0), "jx-fgw": (14, 60, 1.00, 95.0),
    "jx-czj": (9, 40, 0.95, 86.0),
}


KEYING_ERRORS = {("jx-jtj", "2021-12"): 58.6}   # December coverage as first keyed in (see jx_correction)


def jx_supervision_metrics(book: Book, unit: str) -> None:
    items, objects, ratio, coverage = SUPERVISION[unit]
    rng = rng_for("jx-supmetric", unit)
    src = "山西省“互联网+监管”系统"
    book.add("metric", unit, date(1, 31), source=src, name="supervision_items", value=items, period="2021")
    book.add("metric", unit, date(1, 31), source=src, name="supervision_objects", value=objects, period="2021")
    final = round(objects * ratio)
    for month in range(1, 13):
        actions = round(final * month / 12 * rng.uniform(0.9, 1.0)) if month < 12 else final
        book.add("metric", unit, month_end(month), source=src, name="supervision_actions", value=actions,
                 period=f"{YEAR}-{month:02d}")
        if month % 3 == 0:
            cov = coverage if month == 12 else round(coverage * rng.uniform(0.75, 0.98), 1)
            cov = KEYING_ERRORS.get((unit, f"{YEAR}-{month:02d}"), cov)
            book.add("metric", unit, month_end(month), source=src, name="supervision_coverage", value=cov,
                     period=f"{YEAR}-{month:02d}")


def supervision_quota(items: int) -> int:
    return 6 if items >= 150 else 4 if items >= 50 else 2 if items >= 20 else 1


def jx_supervision_info(book: Book, unit: str) -> None:
    d = JX_DILIGENCE[unit]
    quota = supervision_quota(SUPERVISION[unit][0])
    rng = rng_for("jx-supinfo", unit)
    short = jx_display(unit)
    src = "山西省“互联网+监管”系统"
    for month in range(1, 13):
        n = quota if rng.random() < d else rng.randint(0, quota - 1)
        for k in range(n):
            day = workday_between(rng, date(month, 1), month_end(month))
            book.add("publication", unit, day, source=src, channel="supervision_info",
                     title=f"{short}{month}月监管工作信息（{k + 1}）")
    exposures = quota if rng.random() < d + 0.05 else quota - 1
    for k in range(exposures):
        day = workday_between(rng, date(3, 1), date(12, 20))
        book.add("publication", unit, day, source=src, channel="supervision_exposure",
                 title=f"{short}曝光台：典型违法案例通报（{k + 1}）")


def jx_office_scores(book: Book, unit: str) -> None:
    d = JX_DILIGENCE[unit]
    rng = rng_for("jx-office", unit)
    for evaluator in ("bgs01", "bgs02", "bgs03"):
        score = min(5.0, round(2 * (3.0 + 2.0 * d + rng.uniform(-0.4, 0.4))) / 2)
        book.add("evaluation", unit, workday_between(rng, date(12, 20), date(12, 30)),
                 source="县优化营商环境领导小组办公室日常工作评分", panel="office", evaluator=evaluator, score=score)


def make_supervision(book: Book) -> None:
    for unit in JX_SUPERVISION:
        jx_supervision_metrics(book, unit)
        jx_supervision_info(book, unit)
        jx_office_scores(book, unit)


def jx_correction(book: Book) -> None:
    """County 交通运输局's December coverage was keyed as 58.6 instead of 85.6 (KEYING_ERRORS);
    the office corrects it in January: the history shows both values."""
    target = next(e["id"] for e in book.events if e["unit"] == "jx-jtj" and e.get("name") == "supervision_coverage"
                  and e["period"] == "2021-12")
    book.add("correction", "jx-jtj", date(1, 10, YEAR + 1), source="山西省“互联网+监管”系统数据核对单",
             target=target, changes={"value": 85.6},
             reason="录入时数字颠倒（85.6误录为58.6），经与系统导出数据核对更正")


LICENSE_ITEMS = ["coordination_mechanism", "leadership_meeting", "deployment_document", "item_list", "publicized"]
# year-end 抽查 by 县市场监管局: (unpublished_license_info, missing_enforcement_feedback, missing_supervision_measure)
LICENSE_SPOT_CHECK = {
    "jx-spj": (0, 0, 0), "jx-czj": (3, 0, 1), "jx-yjj": (6, 1, 1), "jx-fgw": (2, 0, 0), "jx-jtj": (9, 2, 2),
    "jx-xfdd": (5, 1, 3), "jx-zjj": (14, 3, 4), "jx-ycgs": (4, 2, 0), "jx-scj": (1, 0, 0), "jx-kfqspj": (0, 1, 1),
}
CLAIM_RATE = {"jx-spj": 100, "jx-czj": 99.5, "jx-yjj": 98.8, "jx-fgw": 100, "jx-jtj": 98.2, "jx-xfdd": 97.6,
              "jx-zjj": 96.4, "jx-ycgs": 99.0, "jx-scj": 100, "jx-kfqspj": 99.6}


def jx_license_checks(book: Book, unit: str) -> None:
    rng = rng_for("jx-license", unit)
    day = workday_between(rng, date(12, 13), date(12, 24))
    source = "县市场监管局年底随机抽查"
    for item, count in zip(("unpublished_license_info", "missing_enforcement_feedback",
                            "missing_supervision_measure"), LICENSE_SPOT_CHECK[unit], strict=True):
        if count:
            book.add("finding", unit, day, source=source, item=item, result="found", count=count)
    if unit == "jx-ycgs":
        book.add("finding", unit, day, source=source, item="supervision_not_implemented", result="found",
                 note="烟草专卖零售许可事项未开展“双随机、一公开”抽查")
    final = CLAIM_RATE[unit]
    for q in range(1, 5):
        value = final if q == 4 else round(max(90.0, final - rng.uniform(0.5, 4.0)), 1)
        book.add("metric", unit, month_end(q * 3), source="国家企业信用信息公示系统（部门协同监管平台—山西）",
                 name="dual_notice_claim_rate", value=value, period=f"{YEAR}-Q{q}")


def make_license(book: Book) -> None:
    for unit in JX_LICENSE:
        jx_checklist(book, unit, LICENSE_ITEMS, "县行政审批局核查", "license")
        jx_monthly_report(book, unit, "license_monthly", range(1, 13), "县行政审批局报送登记")
        jx_license_checks(book, unit)


CENTER_ITEMS = ["site", "signage", "leadership", "staff", "catalog", "guide", "rules", "platform",
                "village_points", "one_window", "operations", "market_ab_roles", "market_archives",
                "market_quality", "market_no_shirking", "village_site", "village_staff", "village_guide",
                "village_agency", "village_signage", "village_org", "village_rules", "village_phone",
                "village_ledger"]


def make_center(book: Book) -> None:
    for unit in JX_CENTER:
        jx_checklist(book, unit, CENTER_ITEMS, "县优化营商环境领导小组办公室实地检查", "center")


# ------------------------------------------------------------------------------------------
# 12345 hotline: the bulk of the year.

@dataclass(frozen=True)
class HotlineProfile:
    tickets: int
    late: float = 0.03        # first ok reply after the due date
    poor: float = 0.03        # first reply perfunctory / shirked / inconsistent
    fixed: float = 0.7        # a poor reply later followed by an ok one
    returned: float = 0.04    # returned within 2 working days (not the unit's)
    returned_late: float = 0.0
    extended: float = 0.03
    unsatisfied: float = 0.03
    no_callback: float = 0.02


HOTLINE = {
    "jx-gaj": HotlineProfile(48, late=0, poor=0, returned=0.04, extended=0.04, unsatisfied=0, no_callback=0),
    "jx-scj": HotlineProfile(56, late=0.02, poor=0.02, unsatisfied=0.02, no_callback=0.01),
    "jx-kfq": HotlineProfile(38, late=0.04, poor=0.03, returned=0.06, unsatisfied=0.04),
    "jx-czj": HotlineProfile(18, late=0.05, poor=0.0, returned=0.1),
    "jx-zjj": HotlineProfile(64, late=0.12, poor=0.12, fixed=0.4, returned=0.05, returned_late=0.04,
                             extended=0.06, unsatisfied=0.12, no_callback=0.05),
    "jx-rsj": HotlineProfile(46, late=0.05, poor=0.05, unsatisfied=0.05),
    "jx-jtj": HotlineProfile(30, late=0.08, poor=0.06, returned=0.08, returned_late=0.03, unsatisfied=0.06),
    "jx-gsz": HotlineProfile(58, late=0.16, poor=0.08, fixed=0.6, extended=0.08, unsatisfied=0.1, no_callback=0.04),
    "jx-gjzzf": HotlineProfile(34, late=0.03, poor=0.03, returned=0.06, unsatisfied=0.03),
    "jx-hszzf": HotlineProfile(26, late=0.08, poor=0.08, fixed=0.5, returned=0.04, unsatisfied=0.08),
}
HOTLINE_REQUIREMENTS = ["hotline_leader_assigned", "hotline_ledger", "hotline_confidentiality"]
MONTH_WEIGHTS = [6, 5, 7, 8, 9, 11, 12, 11, 9, 8, 7, 7]   # more calls in summer (water, heat, roads)
POOR = ["perfunctory", "perfunctory", "shirked", "inconsistent"]
SUBJECTS = {
    "jx-gaj": ["户籍迁移办理咨询", "夜间噪音扰民", "身份证补办进度"],
    "jx-scj": ["食品安全投诉", "预付卡退费纠纷", "价格欺诈举报"],
    "jx-kfq": ["企业用地手续办理", "园区道路照明不亮", "企业用工招聘咨询"],
    "jx-czj": ["惠农补贴发放查询", "政府采购付款进度"],
    "jx-zjj": ["小区物业管理纠纷", "房屋维修基金使用", "建筑工地夜间施工", "农民工工资拖欠"],
    "jx-rsj": ["社保缴费基数咨询", "灵活就业人员社保", "农民工工资拖欠"],
    "jx-jtj": ["城乡公交班次减少", "道路破损坑洼"],
    "jx-gsz": ["小区停水", "自来水水质浑浊", "水费计量异常", "供水管道漏水"],
    "jx-gjzzf": ["村道路灯损坏", "农村人居环境整治"], "jx-hszzf": ["宅基地审批咨询", "村内排水不畅"],
}


def ticket_dates(rng: random.Random, count: int) -> list[dt.date]:
    months = rng.choices(range(1, 13), weights=MONTH_WEIGHTS, k=count)
    return sorted(workday_between(rng, date(m, 1), month_end(m)) for m in months)


def hotline_ticket(book: Book, unit: str, ticket: str, received: dt.date, p: HotlineProfile,
                   rng: random.Random) -> None:
    """One ticket: received, then returned, or replied (possibly poorly first), then called back."""
    due = add_workdays(received, 5)
    tid = f"12345-{ticket}"
    book.add("hotline_ticket", unit, received, id=tid, source="12345平台", note=rng.choice(SUBJECTS[unit]),
             ticket=ticket, due=due.isoformat())
    r = rng.random()
    if r < p.returned:
        book.add("hotline_returned", unit, add_workdays(received, rng.choice((0, 1))), id=f"{tid}-ret",
                 source="12345平台", note="经核实不属于本单位职责，已说明理由退回县行政审批局", ticket=ticket)
        return
    if r < p.returned + p.returned_late:
        book.add("hotline_returned", unit, add_workdays(received, rng.choice((4, 5))), id=f"{tid}-ret",
                 source="12345平台", note="超过2个工作日退回", ticket=ticket)
        return
    if rng.random() < p.extended:
        new_due = add_workdays(due, rng.choice((3, 3, 5)))
        book.add("hotline_extended", unit, add_workdays(received, 3), id=f"{tid}-ext", source="12345平台",
                 note="情况复杂，申请延期并告知诉求人", ticket=ticket, due=new_due.isoformat())
        due = new_due
    last = replied = add_workdays(received, rng.randint(1, 4))
    ok = True
    if rng.random() < p.poor:
        book.add("hotline_replied", unit, replied, id=f"{tid}-rep1", source="12345平台", ticket=ticket,
                 quality=rng.choice(POOR))
        ok = rng.random() < p.fixed
        if ok:
            last = add_workdays(replied, rng.randint(2, 6))
            book.add("hotline_replied", unit, last, id=f"{tid}-rep2", source="12345平台", ticket=ticket, quality="ok")
    else:
        if rng.random() < p.late:
            last = add_workdays(due, rng.randint(1, 4))
        book.add("hotline_replied", unit, last, id=f"{tid}-rep1", source="12345平台", ticket=ticket, quality="ok")
    if rng.random() < p.no_callback:
        return
    satisfied = ok and rng.random() >= p.unsatisfied
    book.add("hotline_callback", unit, add_workdays(last, rng.randint(1, 3)), id=f"{tid}-cb",
             source="市12345政务服务受理中心回访", ticket=ticket, satisfied=satisfied)


def make_hotline(book: Book) -> None:
    serial: Counter = Counter()
    tickets = []
    for unit in JX_HOTLINE:
        jx_checklist(book, unit, HOTLINE_REQUIREMENTS, "县行政审批局12345热线核查", "hotline")
        rng = rng_for("jx-hotline-dates", unit)
        tickets += [(day, unit) for day in ticket_dates(rng, HOTLINE[unit].tickets)]
    for day, unit in sorted(tickets):
        serial[day] += 1
        ticket = f"{day:%Y%m%d}{serial[day]:04d}"
        hotline_ticket(book, unit, ticket, day, HOTLINE[unit], rng_for("jx-hotline", ticket))
    book.add("finding", "jx-zjj", date(8, 17), source="县行政审批局12345热线核查（2021年8月）",
             note="承办人员电话回访中对诉求人态度生硬、推托", item="hotline_attitude", result="problem")


def make_jiangxian(book: Book) -> None:
    make_progress(book)
    make_supervision(book)
    jx_correction(book)
    make_license(book)
    make_hotline(book)
    make_center(book)


# ==========================================================================================
# daan-2021 (大安市营商环境考核评价指标体系): 12 市直部门 (group daan-department) and 10 乡镇、
# 街道 (daan-township). The document lists no units: the names are Da'an's real bodies. Each
# unit has a diligence d (0–1) that drives the routine (checks, reports, metrics, panels);
# sanctions, rankings, complaints and the recognition that ranks the units are explicit.

DAAN_DEPARTMENTS = [
    ("da-fgj", "大安市发展和改革局"),
    ("da-czj", "大安市财政局"),
    ("da-swj", "大安市商务局"),
    ("da-scj", "大安市市场监督管理局"),
    ("da-zrj", "大安市自然资源局"),
    ("da-zjj", "大安市住房和城乡建设局"),
    ("da-jtj", "大安市交通运输局"),
    ("da-rsj", "大安市人力资源和社会保障局"),
    ("da-zwj", "大安市政务服务和数字化建设管理局"),
    ("da-nyj", "大安市农业农村局"),
    ("da-wjj", "大安市卫生健康局"),
    ("da-sthj", "白城市生态环境局大安市分局"),
]
DAAN_TOWNSHIPS = [
    ("da-hyjd", "大安市慧阳街道办事处"),
    ("da-ljjd", "大安市临江街道办事处"),
    ("da-jhjd", "大安市锦华街道办事处"),
    ("da-chjd", "大安市长虹街道办事处"),
    ("da-agz", "大安市安广镇人民政府"),
    ("da-ylpz", "大安市月亮泡镇人民政府"),
    ("da-ljzz", "大安市两家子镇人民政府"),
    ("da-slz", "大安市舍力镇人民政府"),
    ("da-fsz", "大安市丰收镇人民政府"),
    ("da-cgz", "大安市叉干镇人民政府"),
]
DA_DEPARTMENT_IDS = [u for u, _ in DAAN_DEPARTMENTS]
DA_TOWNSHIP_IDS = [u for u, _ in DAAN_TOWNSHIPS]
DA_OFFICE = "大软环办"     # 大安市软环境建设办公室: issuer_level county (SEEDS.md)
DA_DILIGENCE = {
    "da-zwj": 0.98, "da-scj": 0.93, "da-czj": 0.9, "da-fgj": 0.88, "da-rsj": 0.84, "da-wjj": 0.82,
    "da-swj": 0.8, "da-zrj": 0.8, "da-nyj": 0.74, "da-sthj": 0.72, "da-jtj": 0.68, "da-zjj": 0.5,
    "da-agz": 0.95, "da-hyjd": 0.9, "da-ljjd": 0.86, "da-ylpz": 0.84, "da-jhjd": 0.8, "da-fsz": 0.78,
    "da-chjd": 0.75, "da-ljzz": 0.7, "da-slz": 0.64, "da-cgz": 0.48,
}
# 具有行政管理、执法和服务职能的部门 (1.4 行业禁令 applies to them only)
DA_ENFORCEMENT = {"da-scj", "da-zrj", "da-zjj", "da-jtj", "da-rsj", "da-nyj", "da-wjj", "da-sthj", "da-swj"}
# item: the results a failed check records (the milder one first)
DA_REQUIREMENTS = {
    "annual_plan": ("not_published", "not_made"),
    "liaison": ("change_not_reported", "missing"),
    "key_tasks": ("not_started",),
    "industry_bans": ("not_made",),
    "run_once": ("not_met",),
    "credit_pledge": ("not_met",),
    "double_publicity": ("not_met",),
    "policy_consultation": ("not_met",),
}
DA_REQUIREMENT_NOTES = {
    "not_published": "年度营商环境实施计划已制定，未在部门网站公开", "not_made": "未制定年度营商环境建设实施方案",
    "change_not_reported": "营商环境建设联络员变更未及时报备", "missing": "未配备营商环境建设联络员",
    "not_started": "年度营商环境建设重点工作任务未分解落实",
}
# checks failed in June and still failed in December, whatever the draws
DA_NOT_FIXED = {("da-jtj", "industry_bans"), ("da-cgz", "regulation_study"), ("da-slz", "regulation_study")}
# (item, chances): found problems counted in the autumn 专项核查, each chance fails with 1 − d
DA_COUNTED = [("key_task_overdue", 4, "重点工作任务未按时限和标准完成"),
              ("resource_disclosure_irregular", 5, "公共资源配置领域信息未按规定时限、范围公开"),
              ("resource_response_missing", 3, "政策解读与回应关切工作未做好"),
              ("service_standard", 6, "服务指南未公开发布或申报材料存在兜底性条款"),
              ("policy_measures_unpublished", 2, "落实政策的具体措施未向社会公布"),
              ("policy_interpretation_missing", 2, "政策未及时跟进解读、回应关切")]
# 省对大安市评价 (吉林省营商环境评价): the indicator each department answers for, its rank; 大安 overall 18th
DA_OVERALL_RANK = 18
DA_RANKINGS = {"da-scj": ("开办企业", 9), "da-fgj": ("获得电力", 15), "da-zjj": ("办理建筑许可", 24),
               "da-zrj": ("登记财产", 21), "da-czj": ("政府采购", 12), "da-swj": ("跨境贸易", 20),
               "da-rsj": ("劳动力市场监管", 19), "da-zwj": ("政务服务", 6), "da-wjj": ("获得用水用气", 17)}
# explicit county-level sanctions (大软环办): (type, month, note)
DA_SANCTIONS = {
    "da-zrj": [("criticism", 9, "不动产登记办理超出承诺时限，予以通报批评")],      # appealed (see daan_appeal)
    "da-zjj": [("warning", 4, "施工许可审批进度滞后，予以警示"),
               ("admonition", 7, "明察暗访反馈问题整改不到位，予以告诫"),
               ("criticism", 10, "工程建设项目审批“体外循环”，予以通报批评")],
    "da-jtj": [("warning", 6, "道路运输证照办理推诿，予以警示")],
    "da-sthj": [("warning", 8, "环评审批材料反复补正，予以警示")],
    "da-cgz": [("warning", 5, "便民服务中心窗口无人值守，予以警示"),
               ("criticism", 9, "企业诉求久拖不决，予以通报批评")],
    "da-slz": [("warning", 7, "营商环境重点工作推进滞后，予以警示")],
}
DA_RECTIFICATION_FAILED = {"da-zjj": "admonition"}
DA_CONDUCT = {"da-zjj": [(5, "窗口服务"), (11, "办事效率")], "da-jtj": [(8, "工作纪律")],
              "da-sthj": [(6, "机关作风")], "da-cgz": [(10, "办事效率")]}
# provincial media reports a year (9.1 / 13.1 rank them within the track), national ones
DA_PROVINCE_MEDIA = {"da-zwj": 5, "da-scj": 4, "da-fgj": 3, "da-czj": 3, "da-swj": 2, "da-rsj": 2, "da-wjj": 1,
                     "da-zrj": 1, "da-nyj": 1, "da-sthj": 1,
                     "da-agz": 3, "da-hyjd": 2, "da-ljjd": 2, "da-ylpz": 1, "da-jhjd": 1, "da-fsz": 1}
DA_CENTRAL_MEDIA = {"da-zwj": 1, "da-agz": 1}
DA_PRAISE = {"da-zwj": ("province", "city"), "da-scj": ("city",), "da-fgj": ("city",), "da-agz": ("city", "city"),
             "da-hyjd": ("province",), "da-ljjd": ("city",)}
DA_BRIEFINGS = {"da-zwj": 3, "da-scj": 2, "da-fgj": 1, "da-czj": 1, "da-agz": 2, "da-hyjd": 1}
DA_PROMOTED = {"da-zwj": 1, "da-agz": 1}
# townships: 政府工作报告 items missing (10.1), warnings sent (10.2), complaints (10.3)
DA_WORK_REPORT_MISSING = {"da-cgz": 2, "da-slz": 1}
DA_WARNINGS_SENT = {"da-agz": 3, "da-hyjd": 2, "da-ljjd": 2, "da-jhjd": 1, "da-chjd": 1, "da-ylpz": 2,
                    "da-ljzz": 1, "da-slz": 1, "da-fsz": 1}   # da-cgz sent none
DA_COMPLAINTS = {"da-cgz": [("collective_petition", 6, 35), ("escalated", 8, None), ("unrecorded", 3, None)],
                 "da-slz": [("unrecorded", 4, None), ("unrecorded", 9, None)],
                 "da-ljzz": [("escalated", 7, None)], "da-chjd": [("unrecorded", 11, None)]}
# Records that reach the ledger late (the later writes, see make_daan_late)
DA_LATE_Q4 = ("da-zrj", "da-ljjd")       # Q4 reports submitted on time, registered in February
DA_KEYING_ERRORS = {("da-rsj", "data_collection_ratio", "2021-Q4"): 48.5}   # corrected to 84.5
DA_METRIC_FINAL = {  # data_collection_ratio, online_service_ratio, one_window_ratio at year end
    "da-zwj": (98.6, 96.2, 92.5), "da-scj": (95.2, 91.8, 88.0), "da-czj": (92.4, None, None),
    "da-fgj": (90.1, 82.5, 80.2), "da-rsj": (84.5, 86.4, 78.5), "da-wjj": (80.2, 74.8, 72.0),
    "da-swj": (78.6, 71.5, 70.4), "da-zrj": (82.0, 78.2, 75.6), "da-nyj": (72.4, 70.6, 71.2),
    "da-sthj": (76.8, 68.5, 73.0), "da-jtj": (70.2, 72.6, 66.5), "da-zjj": (46.5, 64.2, 62.8),
}
DA_PANELS = (("deputies", [f"rd{i:02d}" for i in range(1, 9)] + [f"zx{i:02d}" for i in range(1, 7)],
              "市人大代表、市政协委员评议表"),
             ("government", [f"zf{i:02d}" for i in range(1, 6)], "市政府评议表"),
             ("enterprises", [f"qy{i:02d}" for i in range(1, 21)], "企业和个体工商户评议问卷"),
             ("supervisors", [f"jdy{i:02d}" for i in range(1, 21)], "软环境监督员评议表"))
DA_MEDIA_TITLES = ["{u}深化“放管服”改革 优化营商环境", "{u}：“只跑一次”让企业办事更省心", "{u}推行“帮办代办”服务",
                   "{u}：政策送上门 服务零距离", "{u}打造“无差别”综合窗口", "{u}涉企服务跑出“加速度”"]
DA_PROVINCE_OUTLETS = ["吉林日报", "吉林电视台", "中国吉林网", "吉林新闻联播"]
DA_INNOVATIONS = [("replicated_practice", "复制推广“证照分离”改革经验"),
                  ("signature_measure", "首创“项目秘书”帮办机制"),
                  ("replicated_practice", "借鉴推广“一业一证”做法"), ("signature_measure", "推行“企业开办一日办结”"),
                  ("replicated_practice", "学习推广“拿地即开工”审批模式")]


def da_checks(book: Book, unit: str, items: dict[str, tuple[str, ...]]) -> None:
    """A June check of every requirement and a December re-check of the ones failed."""
    d = DA_DILIGENCE[unit]
    rng = rng_for("da-check", unit)
    june = workday_between(rng, date(6, 7), date(6, 25))
    december = workday_between(rng, date(12, 6), date(12, 17))
    for item, failures in items.items():
        if item == "industry_bans" and unit not in DA_ENFORCEMENT:
            continue
        chance = d if item != "key_tasks" else 1 - (1 - d) * 0.4
        source = f"{DA_OFFICE}营商环境建设半年核查"
        forced = (unit, item) in DA_NOT_FIXED
        if rng.random() < chance and not forced:
            book.add("finding", unit, june, source=source, item=item, result="met")
            continue
        result = failures[-1] if len(failures) > 1 and d < 0.6 and rng.random() < 0.5 else failures[0]
        book.add("finding", unit, june, source=source, item=item, result=result,
                 note=DA_REQUIREMENT_NOTES.get(result))
        fixed = rng.random() < d * 0.8 and not forced
        book.add("finding", unit, december, source=f"{DA_OFFICE}年终复查", item=item,
                 result="met" if fixed else result, note=None if fixed else "复查仍未整改到位")


def da_counted(book: Book, unit: str) -> None:
    d = DA_DILIGENCE[unit]
    rng = rng_for("da-counted", unit)
    for item, chances, note in DA_COUNTED:
        count = sum(rng.random() < 1 - d for _ in range(chances))
        if count:
            day = workday_between(rng, date(9, 6), date(11, 26))
            book.add("finding", unit, day, source=book.doc(DA_OFFICE, day, f"专项核查{unit}{item}"), note=note,
                     item=item, result="found", count=count)


def da_metrics(book: Book, unit: str) -> None:
    rng = rng_for("da-metric", unit)
    finals = DA_METRIC_FINAL[unit]
    sources = ("白城市公共信用信息平台、电子证照库归集统计", "吉林省一体化在线政务服务平台",
               "大安市政务服务中心“一窗”受理统计")
    for name, final, source in zip(("data_collection_ratio", "online_service_ratio", "one_window_ratio"),
                                   finals, sources, strict=True):
        if final is None:
            continue
        for q in range(1, 5):
            value = final if q == 4 else round(final - rng.uniform(2, 12) * (4 - q) / 3, 1)
            value = DA_KEYING_ERRORS.get((unit, name, f"{YEAR}-Q{q}"), value)
            book.add("metric", unit, month_end(q * 3), source=source, name=name, value=value, period=f"{YEAR}-Q{q}")


def da_quarter_due(q: int) -> dt.date:
    """The 5th working day of the quarter after ``q``."""
    y, m = next_month(q * 3)
    return add_workdays(date(m, 1, y) - dt.timedelta(days=1), 5)


def da_reports(book: Book, unit: str, late_book: Book) -> None:
    """quarterly_progress, due on the 5th working day of the next quarter: mostly on time."""
    d = DA_DILIGENCE[unit]
    rng = rng_for("da-report", unit)
    for q in range(1, 5):
        due = da_quarter_due(q)
        r = rng.random()
        if r < (1 - d) * 0.25:
            continue                                  # never submitted
        y, m = next_month(q * 3)
        if r < (1 - d) * 0.7:
            day, quality = add_workdays(due, rng.randint(2, 8)), "ok"
        else:
            day = workday_between(rng, date(m, 1, y), due)
            quality = "poor" if rng.random() < (1 - d) * 0.5 else "ok"
        target = late_book if q == 4 and unit in DA_LATE_Q4 else book
        note = "纸质报送件当时漏登，次年2月补录" if target is late_book else None
        target.add("report_submitted", unit, day, source="市软环境办收文登记", note=note,
                   report="quarterly_progress", period=f"{YEAR}-Q{q}", quality=quality)


DA_SUPERVISED_TOPICS = ["企业反映项目审批材料反复补正", "明察暗访发现窗口人员脱岗", "企业反映惠企资金兑现迟缓",
                        "群众反映不动产证办理超时", "软环境监督员反映执法检查频次过多", "企业反映用水报装周期长"]


def da_supervised(book: Book, unit: str) -> None:
    d = DA_DILIGENCE[unit]
    rng = rng_for("da-supervised", unit)
    count = 2 + (rng.random() < 0.6) + (unit in ("da-zjj", "da-cgz"))
    for n, month in enumerate(sorted(rng.sample(range(2, 12), count)), start=1):
        item = f"DB-DA-2021-{unit[3:]}-{n:02d}"
        assigned = workday_between(rng, date(month, 1), date(month, 15))
        due = add_workdays(assigned, 10)
        book.add("supervised_item_assigned", unit, assigned, id=f"{item}-assigned",
                 source=book.doc(DA_OFFICE + "督", assigned, item), note=rng.choice(DA_SUPERVISED_TOPICS),
                 item=item, due=due.isoformat(), issuer="大安市软环境建设办公室")
        if unit == "da-zjj" and n == count:
            continue                                      # still open at year end
        late = rng.random() < (1 - d) * 0.8
        closed = add_workdays(due, rng.choice((2, 4, 7))) if late else add_workdays(assigned, rng.choice((4, 6, 8)))
        book.add("supervised_item_closed", unit, closed, id=f"{item}-closed", source="督办事项报结单", item=item)
        if late and rng.random() < 1 - d:
            finding = rng.choice(("facts_unclear", "improper_handling", "false_report"))
            if unit == "da-zjj" and n == 1:
                finding = "accountability_missing"
            book.add("supervised_item_finding", unit, add_workdays(closed, 5),
                     source=book.doc(DA_OFFICE, closed, f"复核{item}"), note="报结复核发现问题", item=item,
                     finding=finding)


def da_sanctions(book: Book, unit: str) -> dict[str, str]:
    rng = rng_for("da-sanctions", unit)
    ids = {}
    for kind, month, note in DA_SANCTIONS.get(unit, []):
        day = workday_between(rng, date(month, 8), date(month, 26))
        ids[kind] = book.add(kind, unit, day, source=book.doc(DA_OFFICE, day, f"{kind}{unit}"), note=note,
                             issuer_level="county", issuer="大安市软环境建设办公室")
    if unit in DA_RECTIFICATION_FAILED:
        day = workday_between(rng, date(11, 1), date(11, 20))
        book.add("rectification_failed", unit, day, source=book.doc(DA_OFFICE, day, f"整改{unit}"),
                 note="被告诫后未按要求整改", of=ids[DA_RECTIFICATION_FAILED[unit]])
    for month, category in DA_CONDUCT.get(unit, []):
        day = workday_between(rng, date(month, 5), date(month, 25))
        book.add("conduct_issue", unit, day, source=book.doc(DA_OFFICE, day, f"明察暗访{unit}{month}"),
                 note=f"明察暗访发现{category}问题，经查属实", category=category)
    return ids


def da_panels(book: Book, unit: str) -> None:
    d = DA_DILIGENCE[unit]
    rng = rng_for("da-panels", unit)
    for panel, evaluators, source in DA_PANELS:
        target = 3.1 + 1.8 * d + {"enterprises": -0.15, "supervisors": -0.05}.get(panel, 0.0)
        for evaluator in evaluators:
            score = min(5.0, max(0.0, round(target + rng.uniform(-0.45, 0.45), 1)))
            book.add("evaluation", unit, workday_between(rng, date(12, 13), date(12, 28)), source=source,
                     panel=panel, evaluator=evaluator, score=score)


def da_recognition(book: Book, unit: str, name: str) -> None:
    d = DA_DILIGENCE[unit]
    rng = rng_for("da-recognition", unit)
    for level, count in (("province", DA_PROVINCE_MEDIA.get(unit, 0)), ("central", DA_CENTRAL_MEDIA.get(unit, 0))):
        for _ in range(count):
            day = workday_between(rng, date(3, 1), date(12, 10))
            outlet = rng.choice(DA_PROVINCE_OUTLETS) if level == "province" else rng.choice(("人民网", "新华网"))
            book.add("media_report", unit, day, source=outlet, level=level, outlet=outlet,
                     title=rng.choice(DA_MEDIA_TITLES).format(u=name))
    for level in DA_PRAISE.get(unit, ()):
        day = workday_between(rng, date(4, 1), date(12, 20))
        series, issuer = (("吉政办", "吉林省人民政府办公厅") if level == "province"
                          else ("白政办", "白城市人民政府办公室"))
        book.add("praise", unit, day, source=book.doc(series, day, f"表扬{unit}{day}"), issuer_level=level,
                 issuer=issuer)
    for _ in range(DA_BRIEFINGS.get(unit, 0)):
        day = workday_between(rng, date(3, 1), date(12, 15))
        book.add("briefing_adopted", unit, day, source="吉林省软环境建设办公室《软环境建设专报》",
                 note="报送的优化营商环境工作信息被省软环境办采用", issuer_level="province")
    for _ in range(DA_PROMOTED.get(unit, 0)):
        day = workday_between(rng, date(9, 1), date(11, 30))
        book.add("experience_promoted", unit, day, source="全省软环境建设工作推进会",
                 note="在全省软环境建设工作推进会上作经验介绍", scope="province")
    if unit in DA_DEPARTMENT_IDS:
        count = sum(rng.random() < d - 0.35 for _ in range(4))
        for kind, title in rng.sample(DA_INNOVATIONS, count):
            day = workday_between(rng, date(3, 1), date(11, 30))
            book.add("innovation", unit, day, source=book.doc(DA_OFFICE, day, f"创新认定{unit}{title}"),
                     kind=kind, title=title)


def da_township(book: Book, unit: str) -> None:
    rng = rng_for("da-township", unit)
    missing = DA_WORK_REPORT_MISSING.get(unit, 0)
    if missing:
        book.add("finding", unit, date(3, 19), source=f"{DA_OFFICE}对乡镇（街道）2021年政府工作报告的审查",
                 note="政府工作报告中优化营商环境目标任务、办法举措、责任时限不全", item="work_report_items",
                 result="found", count=missing)
    villages = ["东风村", "长山村", "新发村", "永和村", "胜利村", "红光村"]
    for _ in range(DA_WARNINGS_SENT.get(unit, 0)):
        day = workday_between(rng, date(3, 1), date(11, 30))
        book.add("warning_sent", unit, day, source="软环境建设工作警示单", to=f"{rng.choice(villages)}村民委员会")
    for kind, month, people in DA_COMPLAINTS.get(unit, []):
        day = workday_between(rng, date(month, 3), date(month, 25))
        notes = {"unrecorded": "群众来电反映问题，无受理、处理记录",
                 "escalated": "投诉未及时妥善处理，群众越级投诉至白城市",
                 "collective_petition": "土地流转纠纷处置不当，发生集体上访"}
        fields = {"kind": kind} | ({"people": people} if people else {})
        book.add("complaint", unit, day, source=book.doc(DA_OFFICE, day, f"投诉{unit}{month}"), note=notes[kind],
                 **fields)


def make_daan(book: Book, late: Book) -> dict[str, dict[str, str]]:
    sanctions = {}
    for unit, name in DAAN_DEPARTMENTS + DAAN_TOWNSHIPS:
        if unit in DA_DEPARTMENT_IDS:
            da_checks(book, unit, DA_REQUIREMENTS)
            da_counted(book, unit)
            da_metrics(book, unit)
            if unit in DA_RANKINGS:
                indicator, rank = DA_RANKINGS[unit]
                book.add("ranking_result", unit, date(11, 18), source="吉林省2021年度营商环境评价结果（县域）",
                         indicator=indicator, rank=rank, overall_rank=DA_OVERALL_RANK)
        else:
            da_checks(book, unit, {"regulation_study": ("not_as_required", "not_done")})
            da_township(book, unit)
        da_reports(book, unit, late)
        da_supervised(book, unit)
        sanctions[unit] = da_sanctions(book, unit)
        da_panels(book, unit)
        da_recognition(book, unit, name)
    return sanctions


def make_daan_late(late: Book, decision: Book, sanctions: dict[str, dict[str, str]], main: Book) -> None:
    """What reaches the ledger after the year's file: a keying error corrected, a provincial
    media report found late (it moves the township ranking of 13.1), and 自然资源局's appeal
    against its September criticism (filed here; decided, with the retraction it orders, in
    the next write — as `ledger appeal decide` records it)."""
    target = next(e["id"] for e in main.events if e["unit"] == "da-rsj" and e.get("name") == "data_collection_ratio"
                  and e["period"] == f"{YEAR}-Q4")
    late.add("correction", "da-rsj", date(2, 9, YEAR + 1), source="白城市公共信用信息平台数据核对单", target=target,
             changes={"value": 84.5}, reason="录入时数字颠倒（84.5误录为48.5），经与平台导出数据核对更正")
    late.add("media_report", "da-ylpz", date(12, 20), source="吉林日报", note="剪报于次年2月报送，补录",
             level="province", outlet="吉林日报", title="大安市月亮泡镇：“帮办代办”让群众少跑腿")
    criticism = sanctions["da-zrj"]["criticism"]
    appeal = late.add("appeal_filed", "da-zrj", date(2, 8, YEAR + 1), targets=[criticism],
                      grounds="9月通报批评所涉不动产登记超时，系吉林省不动产登记信息平台升级停机所致，"
                              "附省自然资源厅停机通知及受理记录")
    reason = "经核实，超时系省级平台升级停机造成，非本单位责任，撤销该通报批评"
    decision.add("appeal_decided", "da-zrj", date(2, 15, YEAR + 1), id=f"{appeal}/decision", appeal=appeal,
                 outcome="upheld", reason=reason, reviewer="大安市软环境建设办公室")
    decision.add("retraction", "da-zrj", date(2, 15, YEAR + 1), target=criticism, reason=f"申诉复核 {appeal}: {reason}",
                 appeal=appeal)


# ==========================================================================================
# changbai-2020 (长白县政务服务和数字化建设管理局2020年绩效考评细则): 12 县直部门 (group cb-unit)
# scored on three tracks: 政务公开, “放管服”改革 (grades and 直接降档) and 政务信息. Dated in 2020.

CB_YEAR = 2020
CHANGBAI_UNITS = [
    ("cb-fgj", "长白县发展和改革局"),
    ("cb-czj", "长白县财政局"),
    ("cb-scj", "长白县市场监督管理局"),
    ("cb-zrj", "长白县自然资源局"),
    ("cb-zjj", "长白县住房和城乡建设局"),
    ("cb-jtj", "长白县交通运输局"),
    ("cb-jyj", "长白县教育局"),
    ("cb-wjj", "长白县卫生健康局"),
    ("cb-rsj", "长白县人力资源和社会保障局"),
    ("cb-nyj", "长白县农业农村局"),
    ("cb-wlj", "长白县文化广播电视和旅游局"),
    ("cb-yjj", "长白县应急管理局"),
]
CB_OFFICE = "长政数"     # 长白县政务服务和数字化建设管理局


@dataclass
class CbProfile:
    org_missing: tuple = ()        # 组织保障 items found missing
    annual_report: str = "met"
    missed: tuple = ()             # (month, count) of 漏报 found in the 公开专栏
    leak: int = 0                  # month of a 泄密 (0: none)
    interpretation: str = "met"
    trainings: int = 2
    daily_work: str = "met"
    disclosure_gaps: tuple = ()    # months without a 政务公开信息 sent
    reform: tuple = ()             # (item, count, month) found by 日常考评
    criticisms: tuple = ()         # (issuer_level, month)
    gov_info: int = 42             # 政务信息 sent in the year (standard 40)
    adopted: int = 12              # 政务信息 adopted (standard 12)
    info_rules: str = "met"
    office: float = 16.0           # office panel target (0–20)


def cb_profiles() -> dict[str, CbProfile]:
    P = CbProfile
    return {
        # the clear best: nothing missed, more information sent and adopted than the standard
        "cb-scj": P(gov_info=63, adopted=21, office=19.2, trainings=3),
        "cb-fgj": P(reform=(("late_dispatch", 1, 4),), disclosure_gaps=(2,), gov_info=55, adopted=17, office=18.4),
        "cb-czj": P(missed=((6, 1),), reform=(("leader_not_personal", 1, 3),), gov_info=48, adopted=15, office=17.6),
        "cb-jyj": P(disclosure_gaps=(2,), reform=(("no_publicity", 1, 9), ("post_supervision_missing", 1, 10)),
                    gov_info=44, adopted=13, office=16.8),
        "cb-rsj": P(org_missing=("special_meeting",), reform=(("late_dispatch", 1, 7),), gov_info=41, adopted=12,
                    office=16.2),
        # 减权放权工作不力: −15 and 直接降档 whatever the total
        "cb-zrj": P(reform=(("decentralization_failure", 1, 8), ("late_dispatch", 1, 5)), missed=((9, 2),),
                    gov_info=38, adopted=10, office=15.4),
        # two county criticisms → 直接降档; one is retracted in the later write (make_changbai_late)
        "cb-jtj": P(criticisms=(("county", 5), ("county", 10)), reform=(("rules_not_implemented", 1, 6),),
                    disclosure_gaps=(2, 8), gov_info=36, adopted=9, office=15.0),
        # a city criticism → 直接降档
        "cb-wjj": P(criticisms=(("city", 7),), reform=(("uncooperative", 1, 4),), disclosure_gaps=(11,),
                    gov_info=46, adopted=14,
                    office=16.6),
        # 泄密: the 公开专栏 item scores 0
        "cb-nyj": P(leak=8, missed=((4, 1),), interpretation="not_met", reform=(("late_dispatch", 2, 8),),
                    gov_info=33, adopted=8, office=14.6),
        "cb-wlj": P(org_missing=("annual_summary",), reform=(("false_material", 1, 11),), disclosure_gaps=(2,),
                    gov_info=39, adopted=11, office=15.8),
        "cb-yjj": P(reform=(("weak_mechanism", 1, 3), ("late_dispatch", 2, 9)), missed=((10, 1),),
                    gov_info=35, adopted=10, office=15.2),
        # loses the most: 不合格 (< 70) and so 直接降档; weak on every track
        "cb-zjj": P(org_missing=("special_meeting", "annual_plan", "annual_summary"), annual_report="not_met",
                    missed=((3, 2), (7, 2), (11, 1)), interpretation="not_met", trainings=0, daily_work="not_met",
                    disclosure_gaps=(2, 5, 8, 12),
                    reform=(("no_office", 1, 3), ("rules_not_implemented", 1, 4), ("no_publicity", 1, 6),
                            ("late_dispatch", 2, 6), ("false_material", 2, 9), ("uncooperative", 1, 10),
                            ("power_list_stale", 1, 11), ("service_list_nonstandard", 1, 11),
                            ("intermediary_issue", 1, 12)),
                    criticisms=(("county", 9),), gov_info=22, adopted=5, info_rules="not_met", office=11.8),
    }


CB_REFORM_NOTES = {
    "leader_not_personal": "部门主要领导未亲自部署改革工作", "no_leading_group": "未成立改革工作领导小组",
    "no_office": "未指定专门科室并明确专人负责", "weak_mechanism": "领导机制不健全，改革推进滞后",
    "no_rules": "未出台改革配套制度", "rules_not_implemented": "配套制度已出台未落实",
    "no_publicity": "未宣传改革成效", "late_dispatch": "未按季调度、月报送时间节点报送工作推进情况",
    "false_material": "报送材料与《任务台账》不符，一项目标任务缺佐证材料", "uncooperative": "改革推进中不协同、不配合",
    "decentralization_failure": "应下放的行政审批事项未落实下放",
    "power_list_stale": "权责清单发生变化未及时提出调整方案",
    "service_list_nonstandard": "政务服务事项未达到“三级四同”标准",
    "post_supervision_missing": "放权后事中事后监管措施未制定",
    "intermediary_issue": "清单之外设置中介服务事项",
}
CB_INFO_TITLES = ["{u}扎实推进“最多跑一次”改革", "{u}召开优化营商环境工作会议", "{u}开展政策进企业活动",
                  "{u}多措并举抓好疫情防控和复工复产", "{u}推进政务服务“一网通办”", "{u}深入开展“万人进万企”活动",
                  "{u}优化审批流程压缩办理时限", "{u}扎实开展“放管服”改革宣传月活动"]


def cb_date(month: int, day: int) -> dt.date:
    return date(month, day, CB_YEAR)


def cb_disclosure(book: Book, unit: str, name: str, p: CbProfile) -> None:
    rng = rng_for("cb-disclosure", unit)
    check = workday_between(rng, cb_date(12, 7), cb_date(12, 18))
    source = "县政数局政务公开年度检查（原始文件、政府信息公开专栏）"
    for item in ("leading_group", "responsible_body", "designated_person", "special_meeting", "annual_plan",
                 "annual_summary"):
        book.add("finding", unit, check, source=source, item=item,
                 result="missing" if item in p.org_missing else "met")
    book.add("finding", unit, cb_date(3, 31), source="政府信息公开专栏", item="annual_report", result=p.annual_report,
             note="2019年度政府信息公开工作年度报告" + ("已公布" if p.annual_report == "met" else "未编制公布"))
    for month, count in p.missed:
        day = workday_between(rng, cb_date(month, 20), month_end(month, CB_YEAR))
        book.add("finding", unit, day, source="政府信息公开专栏月度检查", note="主动公开文件未在专栏发布",
                 item="missed_disclosure", result="found", count=count)
    if p.leak:
        day = workday_between(rng, cb_date(p.leak, 5), cb_date(p.leak, 25))
        book.add("finding", unit, day, source=book.doc(CB_OFFICE, day, f"泄密{unit}"),
                 note="政府信息公开专栏发布的文件附件含未脱敏个人信息", item="leak", result="found")
    book.add("finding", unit, check, source=source, item="policy_interpretation", result=p.interpretation)
    book.add("finding", unit, check, source="日常考核记录", item="daily_work", result=p.daily_work)
    for month in sorted(rng.sample(range(3, 12), p.trainings)):
        day = workday_between(rng, cb_date(month, 5), cb_date(month, 25))
        book.add("training_session", unit, day, source="学习资料、学习签到、学习照片",
                 topic=rng.choice(("《政府信息公开条例》学习", "政务公开标准化规范化培训", "政策解读工作专题学习")),
                 attendees=rng.randint(15, 45))
    for month in range(1, 13):
        if month in p.disclosure_gaps:
            continue
        for k in range(1 + (rng.random() < 0.35)):
            day = workday_between(rng, cb_date(month, 1), month_end(month, CB_YEAR))
            book.add("publication", unit, day, source="政务公开信息报送邮箱", channel="disclosure",
                     title=f"{name}{month}月政务公开信息" + (f"（{k + 1}）" if k else ""))


def cb_reform(book: Book, unit: str, p: CbProfile) -> list[str]:
    rng = rng_for("cb-reform", unit)
    for item, count, month in p.reform:
        day = workday_between(rng, cb_date(month, 5), cb_date(month, 25))
        book.add("finding", unit, day, source=book.doc(CB_OFFICE, day, f"督导{unit}{item}"), note=CB_REFORM_NOTES[item],
                 item=item, result="found", count=count)
    ids = []
    issuers = {"county": ("长办发", "中共长白县委办公室、长白县人民政府办公室"),
               "city": ("白办发", "中共白山市委办公室、白山市人民政府办公室")}
    for level, month in p.criticisms:
        day = workday_between(rng, cb_date(month, 8), cb_date(month, 26))
        series, issuer = issuers[level]
        ids.append(book.add("criticism", unit, day, source=book.doc(series, day, f"通报{unit}{month}"),
                            note="“放管服”和“最多跑一次”改革任务推进不力，予以通报批评",
                            issuer_level=level, issuer=issuer))
    return ids


def cb_info(book: Book, unit: str, name: str, p: CbProfile) -> None:
    rng = rng_for("cb-info", unit)
    weights = [6, 3, 9, 9, 9, 9, 8, 8, 9, 8, 9, 8]      # fewer in February (epidemic)
    months = sorted(rng.choices(range(1, 13), weights=weights, k=p.gov_info))
    for month in months:
        day = workday_between(rng, cb_date(month, 1), month_end(month, CB_YEAR))
        book.add("publication", unit, day, source="长白县人民政府网站政务信息报送系统", channel="gov_info",
                 title=rng.choice(CB_INFO_TITLES).format(u=name))
    for _ in range(p.adopted):
        day = workday_between(rng, cb_date(2, 15), cb_date(12, 25))
        level = rng.choices(("county", "city", "province"), weights=(6, 3, 1))[0]
        outlet = {"county": "长白县人民政府网站", "city": "白山市人民政府网站", "province": "吉林省人民政府网站"}[level]
        book.add("briefing_adopted", unit, day, source=outlet, note="报送的政务信息被采用", issuer_level=level)
    book.add("finding", unit, cb_date(12, 15), source="县政数局年终检查（报送制度、领导签批纸质版）", item="info_rules",
             result=p.info_rules)
    for evaluator in ("zsj01", "zsj02", "zsj03"):
        score = min(20.0, round(p.office + rng.uniform(-0.8, 0.8), 1))
        book.add("evaluation", unit, workday_between(rng, cb_date(12, 21), cb_date(12, 30)),
                 source="县政数局政务信息工作评议", panel="office", evaluator=evaluator, score=score)


def make_changbai(book: Book, late: Book) -> None:
    profiles = cb_profiles()
    for unit, name in CHANGBAI_UNITS:
        p = profiles.get(unit, CbProfile())
        cb_disclosure(book, unit, name, p)
        criticism_ids = cb_reform(book, unit, p)
        cb_info(book, unit, name, p)
        if unit == "cb-jtj":
            # The May criticism is withdrawn in January 2021, after the year's scores were first
            # computed: at the revision before the later writes the unit is still downgraded.
            late.add("retraction", unit, date(1, 14, CB_YEAR + 1), source="长办发〔2021〕2号",
                     target=criticism_ids[0], decision="长办发〔2021〕2号",
                     reason="经复核，道路运输许可延办系省级系统升级停机所致，不属于县交通运输局责任，撤销该通报批评")


# ==========================================================================================
# jilin-kjt-2019 (吉林省科学技术厅营商环境考核评价实施方案): the plan assesses one body, the
# 科技厅 itself (group kjt); its 23 indicators belong to its divisions (责任处室). 法规处 checks
# every indicator at each quarter's end (月调度, 每季度末报厅主要领导并报省软环境办): a
# `finding` per indicator, met or not_met. Dated in 2019.

KJT_YEAR = 2019
KJT_UNITS = [("kjt", "吉林省科学技术厅")]
KJT_DIVISIONS = ["法规处", "规划处", "办公室", "审批办", "诚信处", "机关党委"]
# indicator → its result at the end of Q1…Q4 (m met, n not_met, - not yet checked)
KJT_PROGRESS = {
    "1": "nmmm", "2": "mmmm", "3": "nmmm", "4": "-nmm", "5": "mmnm", "6": "mmmm", "7": "--nn", "8": "nnmm",
    "9": "nnnm", "10": "nmmm", "11": "mmmm", "12": "nnmm", "13": "nmmm", "14": "mmmm", "15": "mmmm",
    "16": "mmnn", "17": "mmmm", "18": "-nnm", "19": "--mm", "20": "nnnn", "21": "-mmm", "22": "nnmm", "23": "nnnm",
}
KJT_NOTES = {
    ("1", "n"): "2019年度营商环境建设实施方案尚未在厅网站公开", ("4", "n"): "行业禁令文件正在起草",
    ("5", "n"): "明察暗访发现窗口服务问题，尚在整改", ("7", "n"): "长春市参评全国营商环境评价相关指标排序靠后",
    ("8", "n"): "科技计划项目评审结果公开不及时", ("9", "n"): "行业信用信息数据归集未完成",
    ("10", "n"): "省级政务服务事项网上可办率82%，低于90%", ("12", "n"): "办事材料精简不足60%",
    ("13", "n"): "部分许可事项服务指南存在兜底性条款", ("16", "n"): "第二季度工作进展未在前5个工作日内报送",
    ("18", "n"): "复制推广典型经验做法尚在研究", ("20", "n"): "年度内未获党中央、国务院通报表扬",
    ("22", "n"): "报送信息尚未被省软环境办采用", ("23", "n"): "尚未在全省会议上作经验介绍",
    ("23", "m"): "在全省软环境建设工作会议上介绍科技领域“放管服”改革经验",
    ("9", "m"): "行业信用信息数据归集工作完成", ("18", "m"): "复制推广国务院大督查“科技成果转化”典型经验",
}
KJT_LATE = ("9", "18", "23")   # the December results for these reach the ledger in January 2020


def make_kjt(book: Book, late: Book) -> None:
    ends = [date(3, 29, KJT_YEAR), date(6, 28, KJT_YEAR), date(9, 27, KJT_YEAR), date(12, 27, KJT_YEAR)]
    for item, progress in KJT_PROGRESS.items():
        for q, (mark, day) in enumerate(zip(progress, ends, strict=True), start=1):
            if mark == "-":
                continue
            target = late if q == 4 and item in KJT_LATE else book
            target.add("finding", "kjt", day, source=f"法规处{KJT_YEAR}年第{q}季度调度（报厅主要领导、省软环境办）",
                       note=KJT_NOTES.get((item, mark)), item=item, result="met" if mark == "m" else "not_met")


# ------------------------------------------------------------------------------------------

def write_units(path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "name", "groups", "divisions"])
    writer.writerows(roster())
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_events(path: Path, book: Book) -> None:
    path.write_text("\n".join(book.lines()) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the sample years that `ledger demo` loads.")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder to write to (default {OUT})")
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    book = Book()
    late = Book(counters=book.counters)   # one id sequence per unit across the files
    decision = Book(counters=book.counters)
    make_jingkai(book)
    make_jiangxian(book)
    sanctions = make_daan(book, late)
    make_changbai(book, late)
    make_kjt(book, late)
    make_daan_late(late, decision, sanctions, book)
    write_units(out / "units.csv")
    for name, written in (("events.jsonl", book), ("late.jsonl", late), ("appeal.jsonl", decision)):
        write_events(out / name, written)
        counts = Counter(e["type"] for e in written.events)
        print(f"{name}: {len(written.events)} events")
        for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {kind:26} {n}")
    print(f"{len(roster())} units; files written to {out}")


if __name__ == "__main__":
    main()
