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
from ..policies.model import Bulletin, HotlineColumn, Policy
from .scoreboard import build_scoreboard, track_units
from .scoring import compile_track
from .scoring.context import Ctx
from .scoring.hotline import MEASURES, TicketState, ticket_states
from .scoring.index import UnitFacts
from .scoring.matching import Matcher
from .scoring.periods import labels_within

if TYPE_CHECKING:
    from ..events.fact import Fact
    from ..units import Unit
    from .scoreboard import Scoreboard
    from .snapshot import Snapshot

CHECK, CROSS = "✓", "✗"
NO_RATE = "—"
"""A rate over no tickets (none due or completed yet)."""
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TABLES = 2
"""How the tables count, recorded with each publication (``params.tables``) so that a
publication reproduces as it was published. 1: a hotline row counted only the tickets due or
completed by the bulletin date — a unit whose only ticket of the month was still open and not
yet due was left out. 2 (SEEDS.md): 转办数量 counts every ticket received in the period and not
returned as outside the unit's remit, open or not; the rates stay over the tickets due or
completed (none: —)."""


@dataclass
class BulletinTable:
    track: str
    title: str
    kind: str  # checks | hotline | scores
    headers: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    data_only: tuple[str, ...] = ()
    """Columns only the data (JSON, whose bytes are frozen) carries; a person is not shown them
    (the 总分 of a track whose indicators only report values)."""
    places: tuple[int | None, ...] = ()
    """Per column, the decimal places the policy declares for its numbers (a person reads 70.0
    where the scheme publishes 70.0); empty or None: none declared."""

    def shown(self, text: bool = False) -> tuple[list[str], list[list[Any]]]:
        """The headers and rows a person is shown (``data_only`` columns left out); ``text``:
        numbers of a column with declared places as text with those places (a workbook keeps
        numbers as numbers)."""
        keep = [i for i, h in enumerate(self.headers) if h not in self.data_only]
        places = [self.places[i] if i < len(self.places) else None for i in keep]
        rows = [[row[i] for i in keep] for row in self.rows]
        if text and any(p is not None for p in places):
            rows = [[f"{v:.{p}f}" if p is not None and isinstance(v, Decimal) else v for v, p in zip(row, places,
                                                                                                     strict=True)]
                    for row in rows]
        return [self.headers[i] for i in keep], rows


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
        return NO_RATE
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
    headers = ["单位"] + [c.name for c in spec.check_columns]
    months = [f"{first.year}-{m:02d}" for m in range(first.month, last.month + 1)]
    matchers = [(Matcher(c.event, c.where, c.contains) if c.event else None, c.report) for c in spec.check_columns]
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


LEGACY_HEADERS = ["序号", "承办单位", "转办数量", "办结数", "办结率", "逾期数", "逾期率", "满意数", "满意率"]
"""The hotline table of a policy that chooses no columns (jiangxian's 附件)."""


def _hotline(spec: Bulletin, policy: Policy, units: Sequence[Unit], facts: Mapping[str, list[Fact]], first: dt.date,
             last: dt.date, as_of: dt.date, tables: int) -> BulletinTable:
    """The 12345 tickets each unit received in the period (not returned in time; ``where``: only
    those it keeps), with their states as of the bulletin date: one row per unit that received
    any. The rates are over the tickets already due or completed ("counted")."""
    ctx = Ctx(as_of, policy.year, policy.work_calendar(), policy.version)
    keep = Matcher(["hotline_ticket"], spec.where).test if spec.where else None
    chosen = spec.hotline_columns
    headers = ["序号", "承办单位"] + [c.name for c in chosen] if chosen else list(LEGACY_HEADERS)
    rows: list[list[Any]] = []
    for unit in units:
        received = [t for t in ticket_states(UnitFacts(facts.get(unit.id, []), as_of), ctx,
                                             spec.return_within_workdays, spec.max_extension_workdays)
                    if first <= t.fact.date <= last and (keep is None or keep(t.fact))]
        counted = [t for t in received if t.counted]
        if not (received if tables >= 2 else counted):
            continue  # 本月涉及“12345”转办工单的部门
        if chosen:
            cells = [_measured(c, received, as_of) for c in chosen]
        else:
            cells = _legacy_cells(received if tables >= 2 else counted, counted, as_of)
        rows.append([len(rows) + 1, unit.name, *cells])
    return BulletinTable(spec.track, spec.title, "hotline", headers, rows, [_hotline_note(spec, first, last, as_of,
                                                                                          tables)])


def _measured(column: HotlineColumn, received: list[TicketState], as_of: dt.date) -> Any:
    """One chosen column of a unit's row: the measure over the tickets it received."""
    _what, in_base, counts = MEASURES[column.hotline]
    base = [t for t in received if in_base(t, as_of)]
    good = sum(1 for t in base if counts(t, as_of))
    if column.value == "count":
        return good
    if column.value == "base":
        return len(base)
    return _rate(good, len(base))


def _legacy_cells(received: list[TicketState], counted: list[TicketState], as_of: dt.date) -> list[Any]:
    """转办数量, 办结数, 办结率, 逾期数, 逾期率, 满意数, 满意率 (the rates over the counted tickets)."""
    n = len(counted)
    done = sum(t.completed for t in counted)
    overdue = sum(not t.on_time and t.due <= as_of for t in counted)
    happy = sum(t.satisfied for t in counted)
    return [len(received), done, _rate(done, n), overdue, _rate(overdue, n), happy, _rate(happy, n)]


def _hotline_note(spec: Bulletin, first: dt.date, last: dt.date, as_of: dt.date, tables: int) -> str:
    head = (f"统计口径：{first.isoformat()}至{last.isoformat()}受理的工单，截至{as_of.isoformat()}的办理状态；"
            f"{spec.return_within_workdays}个工作日内退回的工单不计；")
    if tables < 2:
        return head + "未到期且未办结的工单暂不计入。"
    kept = f"只计{_where_text(spec.where)}的工单；" if spec.where else ""
    return head + kept + "转办数量含未到期、未办结的工单，各项比率只计已到期或已办结的工单（无则为—）。"


def _where_text(where: Mapping[str, Any]) -> str:
    """A ticket filter in the catalogue's Chinese words: 渠道为12345热线."""
    from ..events.names import field_zh, value_zh

    def named(field: str, v: Any) -> str:
        return (value_zh(field, v) or str(v)) if isinstance(v, str) else str(v)

    said = {"eq": "为", "in": "为", "ne": "不为", "not_in": "不为", "gt": "大于", "gte": "不少于", "lt": "小于",
            "lte": "不超过", "contains_any": "含"}
    parts = []
    for name, cond in where.items():
        label = field_zh(name) or name
        ops = cond if isinstance(cond, dict) else {"in": cond}
        for op, v in ops.items():
            if op == "exists":
                parts.append(("有" if v else "无") + label)
            else:
                parts.append(label + said[op] + "、".join(named(name, x) for x in (v if isinstance(v, list) else [v])))
    return "，".join(parts)


def build_bulletin(view: Snapshot, policy: Policy, period: str, *, track: str | None = None,
                   as_of: dt.date | None = None, tables: int = TABLES) -> BulletinReport:
    """The bulletin of ``period``; ``tables``: how its tables count (``TABLES``; a publication
    reproduces with the version it recorded)."""
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
    out: list[BulletinTable] = []
    score_tracks = [t for t in tracks if t not in specs]
    for t in tracks:
        if t not in specs:
            continue
        units = track_units(policy, t, roster)
        facts = view.facts_for([u.id for u in units], policy.year, as_of)
        spec = specs[t]
        if spec.kind == "checks":
            out.append(_checks(spec, units, facts, first, last, as_of))
        else:
            out.append(_hotline(spec, policy, units, facts, first, last, as_of, tables))
    board = None
    if score_tracks:
        board = build_scoreboard(view, policy, as_of=as_of, tracks=score_tracks)
        for t in score_tracks:
            cards = sorted(board.cards.get(t, []), key=lambda c: (c.rank or 10**9, c.unit))
            tops = [(i.id, i.name) for i in policy.track(t).indicators]
            headers = ["排名", "单位", "名称"] + [name for _, name in tops] + ["总分", "等级"]
            ct = compile_track(policy, t, as_of)
            places = (None, None, None, *(ct.by_id[i].places for i, _ in tops), ct.places, None)
            rows = []
            for c in cards:
                points = {i.id: i.shown() for i in c.indicators}
                rows.append([c.rank, c.unit, c.name] + [points.get(i) for i, _ in tops] + [c.total, c.grade or ""])
            months = f"{first.month}" if first.month == last.month else f"{first.month}-{last.month}"
            out.append(BulletinTable(t, f"{months}月份{policy.track(t).name}得分排名", "scores", headers,
                                     rows, data_only=("总分",) if ct.value_only else (), places=places))
    order = {t: i for i, t in enumerate(tracks)}
    out.sort(key=lambda tb: order[tb.track])
    return BulletinReport(policy, period, as_of, view.known_at, view.head, out, board)
