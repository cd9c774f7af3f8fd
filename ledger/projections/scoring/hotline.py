"""12345 hotline tickets as scoring sees them: which count for the unit, and whether each was
completed, on time, first responded on time and satisfied (read by the rate and formula rules
and by the hotline bulletin)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from ledger.events.fact import Fact

from .card import Detail
from .context import HUNDRED, Ctx
from .index import UnitFacts

HOTLINE_TYPES = frozenset({"hotline_ticket", "hotline_returned", "hotline_extended", "hotline_responded",
                           "hotline_replied", "hotline_callback"})


class TicketState:
    __slots__ = ("fact", "due", "completed", "on_time", "satisfied", "returned_late", "reply", "counted",
                 "response_due", "responded", "has_callback", "reached")

    def __init__(self, fact: Fact, due: dt.date, completed: bool, on_time: bool, satisfied: bool,
                 returned_late: bool, reply: Fact | None, counted: bool = True,
                 response_due: dt.date | None = None, responded: dt.date | None = None,
                 has_callback: bool = False, reached: bool = False) -> None:
        self.fact, self.due, self.completed, self.on_time = fact, due, completed, on_time
        self.satisfied, self.returned_late, self.reply = satisfied, returned_late, reply
        self.counted = counted
        """Counted for completion, on time and satisfaction: due by the scoring date, or completed."""
        self.response_due, self.responded = response_due, responded
        """The 按时反馈 deadline (if the ticket has one) and the day of the first response
        (``hotline_responded`` or any reply, whichever came first)."""
        self.has_callback, self.reached = has_callback, reached
        """A callback was made; the latest one reached the citizen (有效回访)."""

    @property
    def responded_on_time(self) -> bool:
        return self.responded is not None and self.response_due is not None and self.responded <= self.response_due

    @property
    def valid_satisfied(self) -> bool:
        return self.reached and self.satisfied

    @property
    def dissatisfied(self) -> bool:
        """不满意: the latest callback reached the citizen and says not satisfied."""
        return self.has_callback and self.reached and not self.satisfied


_NONE: list[Fact] = []


def _upto(lst: list[Fact] | None, until: dt.date | None) -> list[Fact]:
    if not lst:
        return []
    if until is None:
        return lst
    return [f for f in lst if f.date <= until]


def ticket_states(uf: UnitFacts, ctx: Ctx, return_within: int, max_ext: int,
                  until: dt.date | None = None) -> list[TicketState]:
    """Every ticket of the year received by ``until`` (default: as of the scoring date) and not
    returned in time, with its states as known on ``until``."""
    if until is not None and until >= ctx.as_of:
        until = None  # the unit's facts stop at the scoring date already
    key = ("hotline-all", return_within, max_ext, until)
    got = uf.cache.get(key)
    if got is not None:
        return got
    cal = ctx.cal
    as_of = ctx.as_of if until is None else until
    year = ctx.year
    returned = uf.index("hotline_returned", "ticket")
    extended = uf.index("hotline_extended", "ticket")
    responded = uf.index("hotline_responded", "ticket")
    replied = uf.index("hotline_replied", "ticket")
    callbacks = uf.index("hotline_callback", "ticket")
    # a ticket's later events as known on ``until`` (as they are: the facts stop at the scoring date)
    upto: Callable[[list[Fact] | None], list[Fact]] = \
        (lambda lst: lst or _NONE) if until is None else (lambda lst: _upto(lst, until))
    out: list[TicketState] = []
    append = out.append
    for t in uf.of("hotline_ticket"):
        day = t.date
        if day.year != year or day > as_of:
            continue
        fields = t.fields
        tid = fields.get("ticket")
        orig_due = fields.get("due") or day
        returned_late = False
        if tid in returned:
            ret = upto(returned[tid])
            if ret:
                if ret[0].date <= cal.add_workdays(day, return_within):
                    continue  # returned in time: not the unit's ticket
                returned_late = True
        due = orig_due
        ext = upto(extended.get(tid))
        if ext:
            new_due = ext[-1].fields.get("due")
            if new_due is not None:
                limit = cal.add_workdays(orig_due, max_ext)
                due = max(orig_due, min(new_due, limit))
        replies = upto(replied.get(tid))
        ok_reply = None
        if not returned_late:
            for r in replies:
                if (r.fields.get("quality") or "ok") == "ok":
                    ok_reply = r
                    break
        completed = ok_reply is not None
        cb = upto(callbacks.get(tid))
        if cb:
            last = cb[-1].fields
            satisfied, reached = bool(last.get("satisfied")), last.get("reached") is not False
        else:
            satisfied = reached = False
        answered = upto(responded.get(tid))
        if answered and replies:
            first: dt.date | None = min(answered[0].date, replies[0].date)
        else:
            first = answered[0].date if answered else replies[0].date if replies else None
        append(TicketState(t, due, completed, ok_reply is not None and ok_reply.date <= due, satisfied,
                           returned_late, ok_reply, due <= as_of or completed, fields.get("response_due"), first,
                           bool(cb), reached))
    uf.cache[key] = out
    return out


def hotline_tickets(uf: UnitFacts, ctx: Ctx, return_within: int, max_ext: int) -> list[TicketState]:
    """The counted tickets of the year as of ``ctx.as_of`` with their derived states."""
    key = ("hotline", return_within, max_ext)
    got = uf.cache.get(key)
    if got is None:
        got = uf.cache[key] = [t for t in ticket_states(uf, ctx, return_within, max_ext) if t.counted]
    return got


# ---------------------------------------------------------------- measures

Pick = Callable[[TicketState, dt.date], bool]

MEASURES: dict[str, tuple[Detail, Pick, Pick]] = {
    # name: (what it is, which tickets form the base (denominator) as of a day, which of those count)
    "completion": (Detail("completion rate (办结率)"), lambda t, d: t.counted, lambda t, d: t.completed),
    "on_time": (Detail("on-time rate (按期回复率)"), lambda t, d: t.counted, lambda t, d: t.on_time),
    "satisfaction": (Detail("satisfaction rate (满意率)"), lambda t, d: t.counted, lambda t, d: t.satisfied),
    "first_response": (Detail("first-response on-time rate (按时反馈率)"),
                       lambda t, d: t.response_due is not None and (t.responded is not None or t.response_due <= d),
                       lambda t, d: t.responded_on_time),
    "valid_callback": (Detail("valid-callback rate (有效回访率)"), lambda t, d: t.counted and t.has_callback,
                       lambda t, d: t.reached),
    "valid_satisfaction": (Detail("satisfaction over valid callbacks (有效回访满意率)"),
                           lambda t, d: t.counted and t.reached, lambda t, d: t.satisfied),
    "dissatisfied": (Detail("dissatisfaction rate (不满意率)"), lambda t, d: t.counted,
                     lambda t, d: t.dissatisfied),
    "valid_dissatisfied": (Detail("dissatisfaction over valid callbacks (有效回访不满意率)"),
                           lambda t, d: t.counted and t.reached, lambda t, d: not t.satisfied),
    "overdue": (Detail("overdue rate (逾期率)"), lambda t, d: t.counted, lambda t, d: not t.on_time),
    "received": (Detail("tickets received (转办数量)"), lambda t, d: True, lambda t, d: True),
}
"""Hotline measures. A ticket without a ``response_due`` takes no part in ``first_response``.
``dissatisfied`` is over the counted tickets (不满意数 ÷ 工单数, as schemes publish it),
``valid_dissatisfied`` over the valid callbacks; a ticket is dissatisfied when its latest
callback reached the citizen and says not satisfied. ``received`` counts every ticket received
(not returned in time), open or not: its rate is 100 whenever there is one."""

LOWER_IS_BETTER = frozenset({"dissatisfied", "valid_dissatisfied", "overdue", "received"})
"""Measures a ``rate`` rule cannot read (it deducts for a rate below its level)."""

WHY_NOT = {"completion": Detail("no ok reply"), "satisfaction": Detail("callback not satisfied"),
           "valid_callback": Detail("callback did not reach the citizen"),
           "valid_satisfaction": Detail("callback not satisfied"),
           "dissatisfied": Detail("no valid callback saying not satisfied"),
           "valid_dissatisfied": Detail("callback satisfied"), "overdue": Detail("answered on time"),
           "received": Detail("received")}


class HotlineCount:
    """One hotline measure of one unit: the base tickets and those that count."""

    __slots__ = ("name", "base", "good", "start", "end")

    def __init__(self, name: str, base: list[TicketState], good: list[TicketState], start: dt.date,
                 end: dt.date) -> None:
        self.name, self.base, self.good, self.start, self.end = name, base, good, start, end

    @property
    def bad(self) -> list[TicketState]:
        ok = {id(t) for t in self.good}
        return [t for t in self.base if id(t) not in ok]

    def rate(self) -> Decimal | None:
        """In percent; None when the base is empty."""
        if not self.base:
            return None
        return Decimal(len(self.good)) * HUNDRED / Decimal(len(self.base))

    def why_not(self, t: TicketState) -> Detail:
        if t.returned_late:
            return Detail("returned after the time limit")
        if self.name == "on_time":
            return Detail("no ok reply by {due}", due=t.due.isoformat())
        if self.name == "first_response":
            assert t.response_due is not None
            return Detail("no response by {due}", due=t.response_due.isoformat())
        return WHY_NOT[self.name]


def hotline_count(uf: UnitFacts, ctx: Ctx, name: str, return_within: int, max_ext: int,
                  start: dt.date, end: dt.date, keep: Callable[[Fact], bool] | None = None) -> HotlineCount:
    """Measure ``name`` over the tickets received from ``start`` to ``end`` with their states as
    of ``end`` (``keep``: a filter on the ticket event, e.g. its channel)."""
    _what, in_base, counts = MEASURES[name]
    year_to_date = start == dt.date(ctx.year, 1, 1) and end == ctx.as_of
    if year_to_date and keep is None and name in ("completion", "on_time", "satisfaction"):
        states = hotline_tickets(uf, ctx, return_within, max_ext)  # exactly what the rate rule always read
    else:
        states = [t for t in ticket_states(uf, ctx, return_within, max_ext, end)
                  if start <= t.fact.date <= end and (keep is None or keep(t.fact))]
    base = [t for t in states if in_base(t, end)]
    return HotlineCount(name, base, [t for t in base if counts(t, end)], start, end)


def last_deadline(uf: UnitFacts, ctx: Ctx, return_within: int, max_ext: int,
                  keep: Callable[[Fact], bool] | None = None) -> dt.date | None:
    """The latest due date (extended, or the 按时反馈 deadline) of the unit's tickets of the year
    received by the scoring date (``keep``: a filter on the ticket event); None without tickets.
    A measure over the year is not final before it."""
    days = [d for t in ticket_states(uf, ctx, return_within, max_ext) if keep is None or keep(t.fact)
            for d in (t.due, t.response_due) if d is not None]
    return max(days) if days else None
