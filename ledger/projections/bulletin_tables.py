"""Monthly bulletins (月通报): per track, a table of one month.

Policies declare their bulletin tables as data (``bulletins:`` — ✓/✗ checks or the 12345
hotline table); every other track gets the score-and-rank table as of the month's end.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..i18n import Msg
from ..policies.model import Bulletin, Policy
from .scoreboard import build_scoreboard, track_units
from .scoring.context import Ctx
from .scoring.hotline import hotline_tickets
from .scoring.index import UnitFacts
from .scoring.matching import Matcher
from .scoring.periods import labels_within

if TYPE_CHECKING:
    from ..events.fact import Fact
    from ..units import Unit
    from .scoreboard import Scoreboard
    from .snapshot import Snapshot

CHECK, CROSS = "✓", "✗"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class BulletinTable:
    track: str
    title: str
    kind: str  # checks | hotline | scores
    headers: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)


@dataclass
class BulletinReport:
    policy: Policy
    period: str
    as_of: dt.date
    known_at: int
    head: tuple[int, str]
    tables: list[BulletinTable]
    scoreboard: Scoreboard | None = None
    """The cards behind the score tables (not in the JSON): the human formats show their
    veto reasons and withheld grades (``ledger.reports.verdicts``)."""


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month (``2021-06``) or of a range of months within one year
    (``2021-01/2021-04``)."""
    parts = (period or "").split("/")
    matches = [MONTH.match(p) for p in parts]
    if len(parts) > 2 or not all(matches) or (len(parts) == 2 and not (parts[0][:4] == parts[1][:4]
                                                                        and parts[0] <= parts[1])):
        raise InputError("a month like 2021-06 or a range of months like 2021-01/2021-04", field="period",
                         got=repr(period))
    first, last = matches[0], matches[-1]
    assert first is not None and last is not None
    year, month, end = int(first[1]), int(first[2]), int(last[2])
    return dt.date(year, month, 1), dt.date(year, end, calendar.monthrange(year, end)[1])


def _rate(part: int, whole: int) -> str:
    if not whole:
        return "-"
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _months_of(period: Any) -> list[str]:
    """The months a report's period names: itself, or each month of a range."""
    if not isinstance(period, str):
        return []
    if "/" not in period:
        return [period]
    return [label for label in labels_within(period) if len(label) == 7 and "Q" not in label]


def _checks(spec: Bulletin, units: Sequence[Unit], facts: Mapping[str, list[Fact]], first: dt.date, last: dt.date,
            as_of: dt.date) -> BulletinTable:
    headers = ["单位"] + [c.name for c in spec.columns]
    months = [f"{first.year}-{m:02d}" for m in range(first.month, last.month + 1)]
    matchers = [(Matcher(c.event, c.where, c.contains) if c.event else None, c.report) for c in spec.columns]
    rows: list[list[Any]] = []
    for unit in units:
        unit_facts = facts.get(unit.id, [])
        row: list[Any] = [unit.name]
        for matcher, report in matchers:
            if matcher is None:  # a report column (a column names either `event` or `report`)
                # ✓ when every month of the bulletin has its report (or a report for a range over it)
                covered = {m for f in unit_facts if f.type == "report_submitted"
                           and f.fields.get("report") == report and f.date <= as_of
                           for m in _months_of(f.fields.get("period"))}
                ok = all(m in covered for m in months)
            else:
                ok = any(first <= f.date <= last and matcher.test(f) for f in unit_facts)
            row.append(CHECK if ok else CROSS)
        rows.append(row)
    return BulletinTable(spec.track, spec.title, "checks", headers, rows, ["注：已完成工作任务的打“√”"])


def _hotline(spec: Bulletin, policy: Policy, units: Sequence[Unit], facts: Mapping[str, list[Fact]], first: dt.date,
             last: dt.date, as_of: dt.date) -> BulletinTable:
    headers = ["序号", "承办单位", "转办数量", "办结数", "办结率", "逾期数", "逾期率", "满意数", "满意率"]
    ctx = Ctx(as_of, policy.year, policy.work_calendar(), policy.version)
    rows: list[list[Any]] = []
    for unit in units:
        tickets = [t for t in hotline_tickets(UnitFacts(facts.get(unit.id, []), as_of), ctx,
                                              spec.return_within_workdays, spec.max_extension_workdays)
                   if first <= t.fact.date <= last]
        if not tickets:
            continue  # 本月涉及“12345”转办工单的部门
        n = len(tickets)
        done = sum(t.completed for t in tickets)
        overdue = sum(not t.on_time and t.due <= as_of for t in tickets)
        happy = sum(t.satisfied for t in tickets)
        rows.append([len(rows) + 1, unit.name, n, done, _rate(done, n), overdue, _rate(overdue, n), happy,
                     _rate(happy, n)])
    notes = [f"统计口径：{first.isoformat()}至{last.isoformat()}受理的工单，截至{as_of.isoformat()}的办理状态；"
             f"{spec.return_within_workdays}个工作日内退回的工单不计；未到期且未办结的工单暂不计入。"]
    return BulletinTable(spec.track, spec.title, "hotline", headers, rows, notes)


def build_bulletin(view: Snapshot, policy: Policy, period: str, *, track: str | None = None,
                   as_of: dt.date | None = None) -> BulletinReport:
    first, last = month_bounds(period)
    if first.year != policy.year:
        raise InputError(Msg("a month of {year} (the year of {ref})", year=policy.year, ref=policy.ref),
                         field="period", got=period)
    as_of = as_of or last
    tracks = [track] if track else [t.id for t in policy.tracks]
    for t in tracks:
        if t not in {x.id for x in policy.tracks}:
            raise InputError(Msg("one of the policy's tracks: {tracks}", tracks=", ".join(x.id for x in policy.tracks)),
                             field="track", got=repr(t))
    specs = {b.track: b for b in policy.bulletins}
    roster = view.roster().values()
    tables: list[BulletinTable] = []
    score_tracks = [t for t in tracks if t not in specs]
    for t in tracks:
        if t not in specs:
            continue
        units = track_units(policy, t, roster)
        facts = view.facts_for([u.id for u in units], policy.year, as_of)
        spec = specs[t]
        if spec.kind == "checks":
            tables.append(_checks(spec, units, facts, first, last, as_of))
        else:
            tables.append(_hotline(spec, policy, units, facts, first, last, as_of))
    board = None
    if score_tracks:
        board = build_scoreboard(view, policy, as_of=as_of, tracks=score_tracks)
        for t in score_tracks:
            cards = sorted(board.cards.get(t, []), key=lambda c: (c.rank or 10**9, c.unit))
            tops = [(i.id, i.name) for i in policy.track(t).indicators]
            headers = ["排名", "单位", "名称"] + [name for _, name in tops] + ["总分", "等级"]
            rows = []
            for c in cards:
                points = {i.id: i.shown() for i in c.indicators}
                rows.append([c.rank, c.unit, c.name] + [points.get(i) for i, _ in tops] + [c.total, c.grade or ""])
            months = f"{first.month}" if first.month == last.month else f"{first.month}-{last.month}"
            tables.append(BulletinTable(t, f"{months}月份{policy.track(t).name}得分排名", "scores", headers,
                                        rows))
    order = {t: i for i, t in enumerate(tracks)}
    tables.sort(key=lambda tb: order[tb.track])
    return BulletinReport(policy, period, as_of, view.known_at, view.head, tables, board)
