"""Issue #32: scoring in bounded memory, and a year's month-ends in one pass.

* The memory bound: scoring reads the units' facts a bounded batch at a time, and a policy with
  ranks cannot break it — peers enter as per-unit aggregates (each unit's rank measure, its
  total), never as facts held for every unit at once. Counted: the ``Fact`` objects alive (in
  the collector's view, so uncollected cycles count too) each time the fact view hands out a
  batch; the same count over the old way (every fact read first) exceeds the bound.
* The new path gives what the old one gave: every card (row and explanation) of the five demo
  policies, as a full table, at several dates and known-at revisions, and focused.
* `score --series monthly` equals twelve separate `score --as-of` results byte for byte.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import weakref
from pathlib import Path

import pytest
from helpers import cli, write_jsonl

from ledger.app import Ledger
from ledger.events.fact import Fact
from ledger.projections import fact_view
from ledger.projections.scoreboard import build_scoreboard, build_series, month_ends, track_units
from ledger.projections.scoring import score_track, track_fact_types
from ledger.reports import scores as score_report

# Units u00–u19. Unit i has 5 + i tickets in 2021 (each: received, replied ok — or, every fourth,
# perfunctory — and called back), and unit i has i % 3 criticisms: 20 units, 290 tickets, 889
# facts. The policy ranks by the count of tickets (the heavy type), so a scorer that held the
# peers' facts for the ranks would hold them all.
POLICY = """\
id: scale-test
version: 1
year: 2021
title: 规模测试
tracks:
  - id: t
    name: 测试
    group: g
    grades:
      - {min: 95, grade: 优秀}
      - {grade: 一般}
    indicators:
      - id: busy
        name: 工单数量排名
        clause: 按工单数量排序，前3名依次加3、2、1分
        rule: {kind: rank, by: {count: {event: hotline_ticket}}, places: [3, 2, 1]}
      - id: done
        name: 办结率
        points: 80
        mode: deduction
        clause: 办结率每低1个百分点扣0.5分
        rule: {kind: rate, of: {hotline: completion}, per_point: 0.5}
      - id: daily
        name: 日常考评
        points: 20
        mode: deduction
        floor: 0
        clause: 通报批评的扣2分/件次
        rule: {kind: per_event, cases: [{event: criticism, amount: -2}]}
"""
UNITS = 20


def scale_events() -> list[dict]:
    events = []
    for i in range(UNITS):
        unit = f"u{i:02d}"
        for t in range(5 + i):
            day = dt.date(2021, 1, 4) + dt.timedelta(days=(7 * t + i) % 300)
            tid = f"{unit}-T{t}"
            events.append({"type": "hotline_ticket", "unit": unit, "date": day.isoformat(), "id": tid,
                           "ticket": tid, "due": (day + dt.timedelta(days=5)).isoformat()})
            events.append({"type": "hotline_replied", "unit": unit, "date": (day + dt.timedelta(days=2)).isoformat(),
                           "id": tid + "-r", "ticket": tid, "quality": "perfunctory" if t % 4 == 3 else "ok"})
            events.append({"type": "hotline_callback", "unit": unit, "date": (day + dt.timedelta(days=3)).isoformat(),
                           "id": tid + "-c", "ticket": tid, "satisfied": True})
        for k in range(i % 3):
            events.append({"type": "criticism", "unit": unit, "date": f"2021-0{k + 3}-10", "id": f"{unit}-c{k}",
                           "issuer_level": "county"})
    return events


@pytest.fixture
def scale(db_url, tmp_path):
    (tmp_path / "u.csv").write_text("id,name,groups\n" + "".join(f"u{i:02d},单位{i:02d},g\n" for i in range(UNITS)),
                                    encoding="utf-8")
    (tmp_path / "p.yaml").write_text(POLICY, encoding="utf-8")
    assert cli(db_url, "init").code == 0
    assert cli(db_url, "units", "import", str(tmp_path / "u.csv")).code == 0
    assert cli(db_url, "import", write_jsonl(tmp_path / "e.jsonl", scale_events())).code == 0
    assert cli(db_url, "policy", "load", str(tmp_path / "p.yaml")).code == 0
    ledger = Ledger(db_url)
    yield ledger
    ledger.close()


class Alive:
    """The facts the fact view makes, counted while they are alive (a weak reference each,
    dropped when the fact is freed): a fact still held anywhere — kept by an aggregate, leaked,
    in a cycle the paused collector has not freed — stays counted."""

    def __init__(self, monkeypatch):
        made: dict[int, weakref.ref] = {}
        self.made = made

        class CountedFact(Fact):
            __slots__ = ("__weakref__",)

            def __init__(self, *args, **kwargs):
                Fact.__init__(self, *args, **kwargs)
                key = id(self)
                made[key] = weakref.ref(self, lambda _ref: made.pop(key, None))

        monkeypatch.setattr(fact_view, "Fact", CountedFact)

    def __len__(self) -> int:
        return len(self.made)


class Counted:
    """The fact view, counting the facts alive each time it hands out units' facts."""

    def __init__(self, view, alive: Alive, monkeypatch):
        self.most = self.read = 0
        inner = view.facts_view.facts_for

        def facts_for(*args, **kwargs):
            got = inner(*args, **kwargs)
            self.read += sum(len(fs) for fs in got.values())
            self.most = max(self.most, len(alive))
            return got

        monkeypatch.setattr(view.facts_view, "facts_for", facts_for)


BUDGET = 100
"""Stored records per batch in these tests (the ledger's is 20,000): 1–3 units a batch."""
BOUND = 2 * (BUDGET + 3 * (5 + UNITS))
"""At most two batches alive (the one handed out, the one before it not yet dropped), each within
the budget but for one unit's stream (the largest: 24 tickets, 3 records each, 2 criticisms)."""


def reference_cards(view, policy, as_of, tracks=None):
    """The old way: every unit's facts read at once, then ``score_track`` (what `score` did
    before issue #32, and still the engine's public seam)."""
    roster = view.roster().values()
    out = {}
    for track in tracks or [t.id for t in policy.tracks]:
        members = track_units(policy, track, roster)
        facts = view.facts_for([u.id for u in members], policy.year, as_of, track_fact_types(policy, track))
        out[track] = score_track(policy, track, members, facts, as_of)
    return out


@pytest.mark.slow  # three scorings, both stores
def test_scoring_holds_a_bounded_number_of_facts_whatever_the_ranks(scale, monkeypatch):
    monkeypatch.setattr(fact_view, "BATCH_RECORDS", BUDGET)
    policy = scale.policy("scale-test")
    view = scale.view()
    alive = Alive(monkeypatch)
    counted = Counted(view, alive, monkeypatch)
    board = build_scoreboard(view, policy, lines=False)
    # both passes read every unit: the rank pass the 290 tickets, the cards' pass all 889 facts
    assert counted.read == 290 + 889
    assert counted.most <= BOUND < 889
    cards = {c.unit: c for c in board.cards["t"]}
    # by hand: u19 has the most tickets (24), then u18, u17: 3, 2, 1 points
    assert [cards[u].indicator("busy").points for u in ("u19", "u18", "u17", "u16")] == [3, 2, 1, 0]
    # u00: 5 tickets, the fourth perfunctory → 4/5 = 80% → 80 − 0.5 × 20 = 70; no criticism
    assert cards["u00"].indicator("done").points == 70 and cards["u00"].total == 90
    # u19: 24 tickets, 6 perfunctory → 75% → 80 − 12.5 = 67.5; one criticism → 18; +3
    assert cards["u19"].total == 67.5 + 18 + 3
    # the old way breaks the bound: every fact alive at once
    board_facts = Counted(view, alive, monkeypatch)
    reference = reference_cards(view, policy, dt.date(2021, 12, 31))
    assert board_facts.most >= 889 > BOUND
    assert [c.to_row() for c in reference["t"]] == [c.to_row() for c in board.cards["t"]]
    del reference
    gc.collect()  # whatever the old way left in cycles is not the series' to count
    # a series of twelve month-ends stays within the same bound
    counted = Counted(view, alive, monkeypatch)
    boards = build_series(view, policy, month_ends(2021))
    assert counted.read == 290 + 889 and counted.most <= BOUND
    key = score_report.SERIES_ROW
    assert [{k: c.to_row()[k] for k in key} for c in boards[-1].cards["t"]] == \
        [{k: c.to_row()[k] for k in key} for c in board.cards["t"]]
    assert all(c.indicators == [] for c in boards[0].cards["t"])  # a series' cards: totals and places only


def test_a_score_table_has_no_lines_and_an_explanation_has_them(scale):
    policy = scale.policy("scale-test")
    table = scale.scoreboard(policy, lines=False)
    assert not table.lines and all(ln.indicator is None for c in table.all_cards() for ln in c.lines)
    explained = scale.scoreboard(policy, focus="u00")
    assert explained.lines and explained.card("u00").lines


DEMO_POLICIES = ["daan-2021", "jingkai-2021", "jiangxian-2021", "jilin-kjt-2019", "changbai-2020"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request, tmp_path_factory):
    from test_packet_rule_kinds import _store

    url, drop = _store(request.param, tmp_path_factory)
    assert cli(url, "demo").code == 0
    yield url
    if drop:
        drop()


@pytest.mark.slow  # the five demo policies, each scored both ways at three moments
def test_bounded_path_equals_the_old_path_on_the_demo(demo, monkeypatch):
    """Every output of the five policies is built from these cards: rows, explanations, the
    score JSON (what publications store) — equal between the new path (batches of 50 records:
    many batches) and the old (all facts at once)."""
    from ledger.demo import default_as_of, first_write_revision

    monkeypatch.setattr(fact_view, "BATCH_RECORDS", 50)
    ledger = Ledger(demo)
    first = first_write_revision(ledger)
    compared = 0
    for ref in DEMO_POLICIES:
        policy = ledger.policy(ref)
        for as_of, known_at in ((default_as_of(policy.year), None), (dt.date(policy.year, 6, 30), None),
                                (default_as_of(policy.year), first)):
            view = ledger.view(known_at)
            old = reference_cards(view, policy, as_of)
            new = build_scoreboard(view, policy, as_of=as_of)
            table = build_scoreboard(view, policy, as_of=as_of, lines=False)
            for track, cards in old.items():
                assert [(c.to_row(), c.explanation(), c.pending, c.final_on) for c in cards] == \
                    [(c.to_row(), c.explanation(), c.pending, c.final_on) for c in new.cards[track]], (ref, track)
                assert [c.to_row() for c in cards] == [c.to_row() for c in table.cards[track]]
                compared += len(cards)
                for card in cards[:3]:  # an explanation: the unit alone, peers through their rank inputs
                    focused = build_scoreboard(view, policy, as_of=as_of, tracks=[track], focus=card.unit)
                    assert focused.card(card.unit, track).explanation() == card.explanation()
            old_board = new.__class__(policy, as_of, view, old)
            assert score_report.as_json(table) == score_report.as_json(old_board)
    assert compared > 250
    ledger.close()


def series_doc(url: str, ref: str, *args: str) -> str:
    run = cli(url, "score", "--policy", ref, "--series", "monthly", "--format", "json", *args)
    assert run.code == 0, run.err
    return run.out


def separate_doc(url: str, ref: str, days: list[dt.date], known_at: int) -> str:
    """The series document put together from separate `score --as-of` runs (their rows cut to
    the series' keys), serialised the same way."""
    from ledger.reports.text import to_json

    entries = []
    top = None
    for day in days:
        run = cli(url, "score", "--policy", ref, "--as-of", day.isoformat(), "--known-at", str(known_at),
                  "--format", "json")
        assert run.code == 0, run.err
        doc = json.loads(run.out)
        top = doc["policy"]
        entries.append((doc["policy"], {"as_of": doc["as_of"],
                                        "rows": [{k: r[k] for k in score_report.SERIES_ROW} for r in doc["rows"]]}))
    series = [{"as_of": e["as_of"], **({"policy": p} if p != top else {}), "rows": e["rows"]} for p, e in entries]
    return to_json({"policy": top, "known_at": known_at, "series": series}) + "\n"


@pytest.mark.slow  # twelve separate scores per policy
@pytest.mark.parametrize("ref", ["jiangxian-2021", "daan-2021"])
def test_series_equals_twelve_separate_scores(demo, ref):
    """jiangxian-2021 (a rank by metric, monthly quotas and reports, hotline rates) and daan-2021
    (ranks by media counts, windows): each month-end of the series is `score --as-of` that day,
    byte for byte."""
    known_at = Ledger(demo).head()[0]
    got = series_doc(demo, ref, "--known-at", str(known_at))
    year = int(ref[-4:])
    assert got == separate_doc(demo, ref, month_ends(year), known_at)
    doc = json.loads(got)
    assert [e["as_of"] for e in doc["series"]] == [d.isoformat() for d in month_ends(year)]
    assert all(e["rows"] for e in doc["series"])
    months = {e["as_of"]: {(r["unit"], r["track"]): r["total"] for r in e["rows"]} for e in doc["series"]}
    assert months[f"{year}-03-31"] != months[f"{year}-12-31"]  # the totals move over the year


POLICY_FILE = Path(__file__).parent / "policies" / "cli.yaml"


def test_series_scores_each_month_under_the_version_in_force(db_url, tmp_path):
    """cli.yaml @1 (criticism −2) and @2 in force from 2021-07-01 (criticism −3). Unit b's
    criticisms on 06-15 and 07-15: June (under @1) daily 10 − 2 = 8; July (under @2) 10 − 3 − 3 = 4;
    a with its March warning 9 throughout; a's media report ranks it first from May (+3)."""
    from test_amendments import build

    build(db_url, tmp_path)  # the amendments tests' world: the same units, events and cli.yaml @1
    text = POLICY_FILE.read_text(encoding="utf-8")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(text.replace("version: 1\n", "version: 2\neffective_from: 2021-07-01\n")
                  .replace("{event: criticism, amount: -2}", "{event: criticism, amount: -3}"), encoding="utf-8")
    assert cli(db_url, "policy", "load", str(v2)).code == 0
    known_at = Ledger(db_url).head()[0]
    got = series_doc(db_url, "cli-test")
    assert got == separate_doc(db_url, "cli-test", month_ends(2021), known_at)
    doc = json.loads(got)
    assert doc["policy"] == "cli-test@2" and doc["known_at"] == known_at
    assert [e.get("policy") for e in doc["series"]] == ["cli-test@1"] * 6 + [None] * 6
    totals = {e["as_of"]: {r["unit"]: r["total"] for r in e["rows"]} for e in doc["series"]}
    assert totals["2021-02-28"] == {"a": 10, "b": 10}
    assert totals["2021-04-30"] == {"a": 9, "b": 10}
    assert totals["2021-06-30"] == {"a": 12, "b": 8}
    assert totals["2021-07-31"] == {"a": 12, "b": 4}
    # --as-of bounds the months; the human formats carry every month; refused options say why
    short = json.loads(series_doc(db_url, "cli-test@1", "--as-of", "2021-03-15"))
    assert [e["as_of"] for e in short["series"]] == ["2021-01-31", "2021-02-28"]
    table = cli(db_url, "--lang", "en", "score", "--policy", "cli-test", "--series", "monthly").out
    assert "07-31" in table and "cli-test@1: 2021-01-31" in table
    csv_text = cli(db_url, "score", "--policy", "cli-test", "--series", "monthly", "--format", "csv", "--no-bom").out
    assert csv_text.splitlines()[0] == "policy,as_of,known_at,track,rank,unit,name,total,grade"
    assert len(csv_text.splitlines()) == 1 + 12 * 2 and "cli-test@1,2021-06-30" in csv_text
    run = cli(db_url, "score", "--policy", "cli-test", "--series", "monthly", "--lowest", "1")
    assert run.code == 2 and "--lowest" in run.err and "--series" in run.err
    run = cli(db_url, "score", "--policy", "cli-test", "--series", "weekly")
    assert run.code == 2 and "weekly" in run.err


def test_the_workbench_trend_is_the_focused_series(scale):
    """The unit's month-end totals: each what a focused scoring at that month-end gives."""
    from ledger.web.readers import trend

    policy = scale.policy("scale-test")
    points = trend(scale, policy, "u19", None, None)
    view = scale.view()
    expected = [(day, build_scoreboard(view, policy, as_of=day, focus="u19").card("u19").total)
                for day in month_ends(2021)]
    assert points == expected
    assert points[0][1] != points[-1][1]
    assert [d for d, _ in trend(scale, policy, "u19", "t", None, dt.date(2021, 4, 15))] == month_ends(2021)[:3]
