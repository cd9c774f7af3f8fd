"""12345 hotline tickets as scoring sees them: which count for the unit, and whether each was
completed, on time and satisfied (read by the rate rule and by the hotline bulletin)."""

from __future__ import annotations

import datetime as dt

from ledger.events.fact import Fact

from .context import Ctx
from .index import UnitFacts

HOTLINE_TYPES = frozenset({"hotline_ticket", "hotline_returned", "hotline_extended", "hotline_replied",
                           "hotline_callback"})


class TicketState:
    __slots__ = ("fact", "due", "completed", "on_time", "satisfied", "returned_late", "reply")

    def __init__(self, fact: Fact, due: dt.date, completed: bool, on_time: bool, satisfied: bool,
                 returned_late: bool, reply: Fact | None) -> None:
        self.fact, self.due, self.completed, self.on_time = fact, due, completed, on_time
        self.satisfied, self.returned_late, self.reply = satisfied, returned_late, reply


def hotline_tickets(uf: UnitFacts, ctx: Ctx, return_within: int, max_ext: int) -> list[TicketState]:
    """The counted tickets of the year as of ``ctx.as_of`` with their derived states."""
    key = ("hotline", return_within, max_ext)
    got = uf.cache.get(key)
    if got is not None:
        return got
    cal = ctx.cal
    returned = uf.index("hotline_returned", "ticket")
    extended = uf.index("hotline_extended", "ticket")
    replied = uf.index("hotline_replied", "ticket")
    callbacks = uf.index("hotline_callback", "ticket")
    out: list[TicketState] = []
    for t in uf.of("hotline_ticket"):
        if t.date.year != ctx.year:
            continue
        tid = t.fields.get("ticket")
        orig_due = t.fields.get("due") or t.date
        ret = returned.get(tid)
        returned_late = False
        if ret:
            if ret[0].date <= cal.add_workdays(t.date, return_within):
                continue  # returned in time: not the unit's ticket
            returned_late = True
        due = orig_due
        ext = extended.get(tid)
        if ext:
            new_due = ext[-1].fields.get("due")
            if new_due is not None:
                limit = cal.add_workdays(orig_due, max_ext)
                due = max(orig_due, min(new_due, limit))
        ok_reply = None
        if not returned_late:
            for r in replied.get(tid, ()):
                if (r.fields.get("quality") or "ok") == "ok":
                    ok_reply = r
                    break
        completed = ok_reply is not None
        if not (due <= ctx.as_of or completed):
            continue
        on_time = ok_reply is not None and ok_reply.date <= due
        cb = callbacks.get(tid)
        satisfied = bool(cb[-1].fields.get("satisfied")) if cb else False
        out.append(TicketState(t, due, completed, on_time, satisfied, returned_late, ok_reply))
    uf.cache[key] = out
    return out
