"""Worked examples for jiangxian-2021's hotline track (附件4 “12345”政务服务便民热线).

Working days are China's official 2021 calendar, checked with chinese_calendar (not guessed):
  中秋 2021-09-19..21 off, Saturday 09-18 a working day (调休);
  国庆 2021-10-01..07 off, Sunday 09-26 and Saturday 10-09 working days (调休).
Every expected number was worked out by hand; the arithmetic is in the comments.
"""

from __future__ import annotations

from decimal import Decimal as D

import chinese_calendar
from seedkit import d, fact_maker, pts, track_scorer

from ledger.policies import load_bundled_policy
from ledger.projections.scoring.context import Ctx
from ledger.projections.scoring.hotline import hotline_tickets
from ledger.projections.scoring.index import UnitFacts

POLICY = load_bundled_policy("jiangxian-2021")
F = fact_maker("2021-01-01T00:00:00Z", source="12345平台", id_format="{unit}-h{rev}")
_score = track_scorer(POLICY, "jx-hotline")


def ticket(unit, tid, received, due):
    return F(unit, "hotline_ticket", received, id=f"{unit}-{tid}", ticket=tid, due=d(due))


def reply(unit, tid, date, quality="ok"):
    return F(unit, "hotline_replied", date, ticket=tid, quality=quality)


def callback(unit, tid, date, satisfied):
    return F(unit, "hotline_callback", date, ticket=tid, satisfied=satisfied)


def returned(unit, tid, date):
    return F(unit, "hotline_returned", date, ticket=tid)


def extended(unit, tid, date, due):
    return F(unit, "hotline_extended", date, ticket=tid, due=d(due))


def finding(unit, item, result, date="2021-03-01"):
    return F(unit, "finding", date, item=item, result=result)


def score(units, facts, as_of):
    return _score("hotline", units, facts, as_of)


def failing(card, ind):
    return sorted(ln.event.split("-", 1)[1] for ln in card.lines
                  if ln.indicator == ind and ln.kind == "ticket")


def test_the_calendar_days_these_examples_rely_on():
    work = {s: chinese_calendar.is_workday(d(s)) for s in (
        "2021-09-18", "2021-09-20", "2021-09-21", "2021-09-22", "2021-09-30", "2021-10-01",
        "2021-10-07", "2021-10-08", "2021-10-09", "2021-10-10", "2021-10-11")}
    assert work == {"2021-09-18": True, "2021-09-20": False, "2021-09-21": False,
                    "2021-09-22": True, "2021-09-30": True, "2021-10-01": False,
                    "2021-10-07": False, "2021-10-08": True, "2021-10-09": True,
                    "2021-10-10": False, "2021-10-11": True}


def _h1():
    u = "H1"
    fs = [finding(u, "hotline_leader_assigned", "met"), finding(u, "hotline_ledger", "met"),
          finding(u, "hotline_confidentiality", "not_met"),
          finding(u, "hotline_attitude", "problem", "2021-09-01")]
    # T1: due Thu 09-30, extension asked to 10-12. At most 3 working days past 09-30:
    #     10-01..07 off, 10-08 (1), Sat 10-09 调休 (2), 10-11 (3) → due 10-11.
    #     The ok reply of 10-12 completes it but is late.
    fs += [ticket(u, "T1", "2021-09-28", "2021-09-30"), extended(u, "T1", "2021-09-29", "2021-10-12"),
           reply(u, "T1", "2021-10-12"), callback(u, "T1", "2021-10-14", True)]
    # T2: received Fri 09-17, returned Wed 09-22. Working days after 09-17: Sat 09-18 调休 (1),
    #     09-19..21 off, 09-22 (2) → returned on the 2nd working day: not the unit's, left out.
    fs += [ticket(u, "T2", "2021-09-17", "2021-09-30"), returned(u, "T2", "2021-09-22")]
    # T3: received Wed 09-29, returned Sat 10-09: 09-30 (1), 10-08 (2), 10-09 (3) → too late:
    #     kept, never completed, never on time (its later ok reply does not help).
    fs += [ticket(u, "T3", "2021-09-29", "2021-10-15"), returned(u, "T3", "2021-10-09"),
           reply(u, "T3", "2021-10-12")]
    # T4: received Wed 09-29, returned Fri 10-08: 09-30 (1), 10-08 (2) → in time, left out.
    fs += [ticket(u, "T4", "2021-09-29", "2021-10-15"), returned(u, "T4", "2021-10-08")]
    # T5: a perfunctory reply (10-15) does not complete it; the first ok reply (10-22) is after
    #     the due date 10-20 → completed, not on time. Latest callback satisfied.
    fs += [ticket(u, "T5", "2021-10-08", "2021-10-20"), reply(u, "T5", "2021-10-15", "perfunctory"),
           reply(u, "T5", "2021-10-22"), callback(u, "T5", "2021-10-25", False),
           callback(u, "T5", "2021-10-28", True)]
    # T6: on time; satisfied first, the latest callback is not.
    fs += [ticket(u, "T6", "2021-10-11", "2021-10-25"), reply(u, "T6", "2021-10-20"),
           callback(u, "T6", "2021-10-22", True), callback(u, "T6", "2021-10-26", False)]
    # T7: due 11-05, no reply: not counted as of 10-31, counted (not completed) as of 11-30.
    fs += [ticket(u, "T7", "2021-10-20", "2021-11-05")]
    # T8: due 11-05 but completed 10-29: counted as of 10-31, on time.
    fs += [ticket(u, "T8", "2021-10-21", "2021-11-05"), reply(u, "T8", "2021-10-29"),
           callback(u, "T8", "2021-10-30", True)]
    # T9: only a shirking reply → not completed, not on time.
    fs += [ticket(u, "T9", "2021-08-02", "2021-08-16"), reply(u, "T9", "2021-08-20", "shirked"),
           callback(u, "T9", "2021-08-25", False)]
    # T10: extended from 08-16 to 08-18 (within 08-17, 08-18, 08-19) → answered 08-18 on time.
    fs += [ticket(u, "T10", "2021-08-02", "2021-08-16"), extended(u, "T10", "2021-08-13", "2021-08-18"),
           reply(u, "T10", "2021-08-18"), callback(u, "T10", "2021-08-20", True)]
    # T11: received last year: not this year's ticket.
    fs += [ticket(u, "T11", "2020-12-28", "2021-01-08"), reply(u, "T11", "2021-01-05"),
           callback(u, "T11", "2021-01-06", False)]
    # T12: due 11-10, answered 11-02: counted only from 11-02 on; no callback.
    fs += [ticket(u, "T12", "2021-10-25", "2021-11-10"), reply(u, "T12", "2021-11-02")]
    # g01..g20: plain good tickets in July.
    for i in range(1, 21):
        t = f"g{i:02d}"
        fs += [ticket(u, t, "2021-07-05", "2021-07-16"), reply(u, t, "2021-07-12"),
               callback(u, t, "2021-07-14", True)]
    return fs


def test_ticket_states_with_holidays_and_returns():
    as_of = d("2021-10-31")
    uf = UnitFacts(_h1(), as_of)
    ctx = Ctx(as_of, 2021, POLICY.work_calendar(), 1)
    states = {t.fact.fields["ticket"]: t for t in hotline_tickets(uf, ctx, 2, 3)}
    named = {k: (str(s.due), s.completed, s.on_time, s.satisfied)
             for k, s in states.items() if not k.startswith("g")}
    assert named == {
        "T1": ("2021-10-11", True, False, True),
        "T3": ("2021-10-15", False, False, False),
        "T5": ("2021-10-20", True, False, True),
        "T6": ("2021-10-25", True, True, False),
        "T8": ("2021-11-05", True, True, True),
        "T9": ("2021-08-16", False, False, False),
        "T10": ("2021-08-18", True, True, True),
    }
    assert len(states) == 27


def test_hotline_as_of_october():
    c = score(["H1"], _h1(), "2021-10-31")["H1"]
    # counted: T1 T3 T5 T6 T8 T9 T10 + 20 good = 27
    # 4 completed 25/27 (not T3, T9) = 92.59 %: 20 − 0.5 × 7.407… = 16.296… → 16.30
    # 5 on time 23/27 (not T1, T3, T5, T9) = 85.19 %: 30 − 0.5 × 14.814… = 22.592… → 22.59
    # 6 satisfied 24/27 (not T3, T6, T9) = 88.89 %: 10 − 0.5 × 11.111… = 4.444… → 4.44
    # 1 10, 2 10, 3 not_met 0, 7 hotline_attitude problem → 0
    # total 10 + 10 + 0 + 16.30 + 22.59 + 4.44 + 0 = 63.33
    assert [pts(c, f"hotline.{i}") for i in range(1, 8)] == [
        10, 10, 0, D("16.30"), D("22.59"), D("4.44"), 0]
    assert c.total == D("63.33")
    assert failing(c, "hotline.4") == ["T3", "T9"]
    assert failing(c, "hotline.5") == ["T1", "T3", "T5", "T9"]
    assert failing(c, "hotline.6") == ["T3", "T6", "T9"]
    t1 = [ln for ln in c.lines if ln.indicator == "hotline.5" and ln.event == "H1-T1"][0]
    assert "2021-10-11" in t1.detail
    t3 = [ln for ln in c.lines if ln.indicator == "hotline.4" and ln.event == "H1-T3"][0]
    assert "returned" in t3.detail
    # hotline.7 is lost entirely, once
    assert [(ln.kind, ln.delta) for ln in c.lines if ln.indicator == "hotline.7"] == [
        ("base", 10), (None, -10)]


def test_hotline_as_of_november():
    c = score(["H1"], _h1(), "2021-11-30")["H1"]
    # now also T7 (due 11-05, never answered) and T12 (answered 11-02 ≤ 11-10, no callback): 29
    # 4 26/29 = 89.66 %: 20 − 0.5 × 10.344… = 14.827… → 14.83
    # 5 24/29 = 82.76 %: 30 − 0.5 × 17.241… = 21.379… → 21.38
    # 6 24/29 = 82.76 %: 10 − 8.620… = 1.379… → 1.38
    # total 20 + 14.83 + 21.38 + 1.38 = 57.59
    assert [pts(c, f"hotline.{i}") for i in (4, 5, 6)] == [D("14.83"), D("21.38"), D("1.38")]
    assert c.total == D("57.59")
    assert failing(c, "hotline.4") == ["T3", "T7", "T9"]


def test_single_tickets_extension_over_national_day_and_returns():
    fs = [
        # E1: T1's case answered 10-11 — the 3rd working day after 09-30 (10-08, 调休 10-09,
        #     10-11) → on time: 20 + 30 + 10
        ticket("E1", "x", "2021-09-28", "2021-09-30"), extended("E1", "x", "2021-09-29", "2021-10-12"),
        reply("E1", "x", "2021-10-11"), callback("E1", "x", "2021-10-12", True),
        # E2: answered 10-12 → completed but late: on time 0/1 = 0 % < 80 → 0; 20 + 0 + 10
        ticket("E2", "x", "2021-09-28", "2021-09-30"), extended("E2", "x", "2021-09-29", "2021-10-12"),
        reply("E2", "x", "2021-10-12"), callback("E2", "x", "2021-10-13", True),
        # E3: received Fri 09-17, returned Wed 09-22 (2nd working day: 调休 09-18, 09-22)
        #     → no counted ticket → full points 20 + 30 + 10
        ticket("E3", "x", "2021-09-17", "2021-09-30"), returned("E3", "x", "2021-09-22"),
        # E4: returned Thu 09-23, the 3rd working day → kept, never completed: 0 + 0 + 0
        ticket("E4", "x", "2021-09-17", "2021-09-30"), returned("E4", "x", "2021-09-23"),
        # E5: received 10-20, due 11-05, nothing yet: not counted as of 10-31 → full points
        ticket("E5", "x", "2021-10-20", "2021-11-05"),
    ]
    c = score(["E1", "E2", "E3", "E4", "E5"], fs, "2021-10-31")
    got = {u: tuple(pts(c[u], f"hotline.{i}") for i in (4, 5, 6)) for u in c}
    assert got == {"E1": (20, 30, 10), "E2": (20, 0, 10), "E3": (20, 30, 10),
                   "E4": (0, 0, 0), "E5": (20, 30, 10)}
    # no findings: items 1–3 earn nothing; item 7 keeps its 10
    assert c["E3"].total == D("70.00") and c["E4"].total == D("10.00")
    # ranks: E1 = E3 = E5 = 70 share place 1; E2 20 + 0 + 10 + 10 = 40 is 4th; E4 10 is 5th
    assert [c[u].rank for u in ("E1", "E2", "E3", "E4", "E5")] == [1, 4, 1, 5, 1]
    # E5 as of 11-30: the ticket is past due, never answered → 0 % for all three
    late = score(["E5"], fs, "2021-11-30")["E5"]
    assert [pts(late, f"hotline.{i}") for i in (4, 5, 6)] == [0, 0, 0]


def test_hotline_full_marks_and_attitude_finding_other_than_problem():
    u = "H3"
    fs = [finding(u, "hotline_leader_assigned", "met"), finding(u, "hotline_ledger", "met"),
          finding(u, "hotline_confidentiality", "met"), finding(u, "hotline_attitude", "no_problem"),
          ticket(u, "a", "2021-03-01", "2021-03-10"), reply(u, "a", "2021-03-09"),
          callback(u, "a", "2021-03-11", True)]
    c = score([u], fs, "2021-12-31")[u]
    # 10 + 10 + 10 + 20 + 30 + 10 + 10 = 100
    assert c.total == D("100.00") and c.grade is None and not c.vetoed and not c.downgraded
