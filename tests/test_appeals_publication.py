"""Publishing, reproducing, appeals (申诉复核) — worked by hand on tests/policies/cli.yaml.

Roster a, b, c (group g). Facts (see test_cli_scoring): a 1 warning + 3 provincial reports;
b 1 criticism + 2 provincial reports + b-m2, a report recorded as *city* level; c 6 criticisms
+ 2 provincial reports. Published table (as of 2021-12-31):
    a: daily 9 + media place 1 → 3 = 12   rank 1
    b: daily 8 + media place 2 → 2 = 10   rank 2
    c: daily 0 (floor) + place 2 → 2 = 2  rank 3
b appeals: b-m2 was a provincial report (吉林日报). Upheld with the correction level=province:
    b has 3 provincial reports and ties a at place 1 → b media 3, total 11;
    c is now place 3 → media 1, total 1 (a peer's rank-based points fall: 2 → 1);
    a keeps place 1 and 12.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers import cli, write_jsonl
from test_cli_scoring import POLICY, UNITS, events

from ledger.app import Ledger
from ledger.errors import InputError
from ledger.workflows import appeals, publishing

CHINA = dt.timezone(dt.timedelta(hours=8))


class Clock:
    def __init__(self, moment: dt.datetime):
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, year, month, day, hour=10):
        self.now = dt.datetime(year, month, day, hour, tzinfo=CHINA)


@pytest.fixture
def world(db_url, tmp_path):
    clock = Clock(dt.datetime(2022, 1, 5, 9, tzinfo=CHINA))
    ledger = Ledger(db_url, actor="office", clock=clock)
    ledger.init()
    (tmp_path / "u.csv").write_text(UNITS, encoding="utf-8")
    ledger.import_units(str(tmp_path / "u.csv"))
    city_report = {"type": "media_report", "unit": "b", "date": "2021-09-01", "id": "b-m2", "level": "city",
                   "outlet": "吉林日报", "title": "优化营商环境"}
    ledger.import_file(write_jsonl(tmp_path / "e.jsonl", events() + [city_report]))
    ledger.load_policy(POLICY)
    yield ledger, clock, db_url
    ledger.close()


def totals(ledger, **kw):
    board = ledger.scoreboard(ledger.policy("cli-test"), **kw)
    return {c.unit: (c.total, c.indicator("media").points, c.rank) for c in board.cards["main"]}


def test_upheld_appeal_changes_unit_and_peers_with_full_trail(world):
    ledger, clock, url = world
    assert totals(ledger) == {"a": (12, 3, 1), "b": (10, 2, 2), "c": (2, 2, 3)}
    clock.set(2022, 1, 10)
    pub, new = publishing.publish(ledger, "cli-test", as_of=None, period=None, track=None, known_at=None)
    assert new and pub.published_on == dt.date(2022, 1, 10) and pub.as_of == dt.date(2021, 12, 31)
    published_rows = json.loads(publishing.reproduce(ledger, pub)[0])["rows"]

    # The window: 5 working days after 2022-01-10 → 01-11 … 01-14, 01-17: last day 2022-01-17.
    clock.set(2022, 1, 12)
    appeal_id, _, note = appeals.file(ledger, "b", ["b-m2"], "该报道为省级媒体吉林日报刊发，应按省级计",
                                      appeal_id="ap-b1")
    assert appeal_id == "ap-b1" and "until 2022-01-17" in note
    clock.set(2022, 1, 18)
    with pytest.raises(InputError) as late:
        appeals.file(ledger, "c", ["c-c1"], "重复通报")
    assert "last day 2022-01-17" in str(late.value) and "--late-override" in str(late.value)
    late_id, _, note = appeals.file(ledger, "c", ["c-c1"], "重复通报", late_override="材料邮寄延误，经主任批准")
    assert "accepted by override" in note
    assert appeals.get(ledger, late_id).late_override == "材料邮寄延误，经主任批准"

    with pytest.raises(InputError):
        appeals.decide(ledger, "ap-b1", "rejected", "x", retract=["b-m2"])
    with pytest.raises(InputError):
        appeals.decide(ledger, "ap-b1", "upheld", "x")
    written = appeals.decide(ledger, "ap-b1", "upheld", "经核实为省级媒体", correct=[("b-m2", {"level": "province"})],
                             reviewer="复核组张三")
    (decision_id, decision_rev), (correction_id, correction_rev) = written
    assert correction_rev == decision_rev + 1  # one write, consecutive revisions
    with pytest.raises(InputError):
        appeals.decide(ledger, "ap-b1", "upheld", "again", correct=[("b-m2", {"level": "province"})])

    assert totals(ledger) == {"a": (12, 3, 1), "b": (11, 3, 2), "c": (1, 1, 3)}
    effect = appeals.effect(ledger, "ap-b1")
    unit = {(c.indicator): (c.before, c.after) for c in effect.unit_changes}
    assert unit["media"] == (2, 3) and unit["total"] == (10, 11)
    assert any("b-m2" in cause and "corrected by" in cause and "level→province" in cause
               for c in effect.unit_changes if c.indicator == "media" for cause in c.causes)
    peers = {(c.unit, c.indicator): (c.before, c.after) for c in effect.peer_changes}
    assert peers == {("c", "media"): (2, 1), ("c", "total"): (2, 1)}
    (cause,) = next(c for c in effect.peer_changes if c.indicator == "media").causes
    assert "ranking changed" in cause and "b-m2" in cause

    listed = {a.id: a for a in appeals.appeals(ledger)}
    b1 = listed["ap-b1"]
    assert b1.decision["outcome"] == "upheld" and b1.decision["reviewer"] == "复核组张三"
    assert [(o["id"], o["type"], o["target"]) for o in b1.orders] == [(correction_id, "correction", "b-m2")]
    assert listed[late_id].open
    history = {h.record.id: h for h in ledger.history("b")}
    assert history["b-m2"].corrected_by == [correction_id] and history["b-m2"].record.data["level"] == "city"

    # What was published is reproduced byte for byte, after the decision.
    content, same = publishing.reproduce(ledger, pub)
    assert same and json.loads(content)["rows"] == published_rows
    run = cli(url, "published", pub.id)
    assert run.code == 0 and "yes, byte for byte" in run.out
    doc = json.loads(cli(url, "diff", "--since-publication", pub.id, "--format", "json").out)
    moved = {(c["unit"], c["indicator"]): (c["before"], c["after"]) for c in doc["changes"]}
    assert moved[("b", "total")] == (10, 11) and moved[("c", "total")] == (2, 1)
    assert ("a", "total") not in moved
    shown = cli(url, "appeal", "show", "ap-b1")
    assert shown.code == 0 and "upheld by 复核组张三" in shown.out and "other units whose rank" in shown.out
    assert "appeal_decided" in cli(url, "history", "b").out


def test_open_appeal_shows_what_upholding_it_would_change(world):
    ledger, clock, url = world
    clock.set(2022, 1, 10)
    publishing.publish(ledger, "cli-test", as_of=None, period=None, track=None, known_at=None)
    clock.set(2022, 1, 11)
    # a appeals its warning: retracting it gives a 13 — nobody else moves.
    appeals.file(ledger, "a", ["a-w1"], "警示对象有误", appeal_id="ap-a1")
    effect = appeals.effect(ledger, "ap-a1")
    assert effect.hypothetical
    assert {c.indicator: (c.before, c.after) for c in effect.unit_changes} == {"daily": (9, 10), "total": (12, 13)}
    assert effect.peer_changes == []
    listed = cli(url, "appeal", "list", "--open")
    assert "ap-a1" in listed.out and "open" in listed.out
    bad = cli(url, "appeal", "file", "--unit", "a", "--target", "b-c1", "--grounds", "x")
    assert bad.code == 2 and "belongs to 'b'" in bad.err


def test_published_june_bulletin_reproduced_after_later_corrections(world, tmp_path):
    ledger, clock, url = world
    clock.set(2021, 7, 1)
    pub, _ = publishing.publish(ledger, "cli-test", as_of=None, period="2021-06", track=None, known_at=None)
    june = publishing.reproduce(ledger, pub)[0]
    # June, as of 06-30: a 9 + media 3 (3 June reports), b 8 + 2, c 0 (6 May criticisms) + 2.
    rows = json.loads(june)["tables"][0]["rows"]
    assert [(r[1], r[-2]) for r in rows] == [("a", 12), ("b", 10), ("c", 2)]
    clock.set(2021, 7, 20)
    ledger.retract("c-c1", "重复录入")                                   # a retraction
    ledger.correct("b-c1", {"date": "2021-07-02"}, "日期录入错误")       # a correction (moves it out of June)
    ledger.import_file(write_jsonl(tmp_path / "late.jsonl", [            # a late-arriving June event
        {"type": "warning", "unit": "a", "date": "2021-06-20", "id": "a-w-late", "issuer_level": "county"}]))
    content, same = publishing.reproduce(ledger, pub)
    assert same and content == june
    now = json.loads(cli(url, "bulletin", "--policy", "cli-test", "--period", "2021-06", "--format", "json").out)
    assert [(r[1], r[-2]) for r in now["tables"][0]["rows"]] == [("b", 12), ("a", 11), ("c", 2)]
    doc = json.loads(cli(url, "diff", "--since-publication", pub.id, "--format", "json").out)
    causes = {(c["unit"], c["indicator"]): " | ".join(c["causes"]) for c in doc["changes"]}
    assert "a-w-late" in causes[("a", "daily")] and "recorded late" in causes[("a", "daily")]
    assert "b-c1" in causes[("b", "daily")] and "corrected by" in causes[("b", "daily")]
    # c: 6 → 5 criticisms still floors daily at 0: no change to report.
    assert ("c", "daily") not in causes


def test_imported_references_must_name_the_right_kind_of_record(world, tmp_path):
    """`of` names a sanction of the same unit; an imported appeal's `publication` names a
    published result. Ids of the wrong kind are refused, naming the field."""
    ledger, clock, _ = world
    clock.set(2022, 1, 10)
    pub, _ = publishing.publish(ledger, "cli-test", as_of=None, period=None, track=None, known_at=None)
    good = [{"type": "rectification_failed", "unit": "a", "date": "2021-05-01", "id": "rf1", "of": "a-w1"},
            {"type": "appeal_filed", "unit": "b", "date": "2022-01-11", "id": "ap1", "targets": ["b-c1"],
             "grounds": "已整改", "publication": pub.id}]
    assert ledger.import_file(write_jsonl(tmp_path / "ok.jsonl", good)).new == 2
    before = ledger.head()
    for line, field, expected in [
        ({"type": "rectification_failed", "unit": "a", "date": "2021-05-01", "of": "a-m0"}, "of",
         "is a media_report of unit 'a'"),
        ({"type": "rectification_failed", "unit": "a", "date": "2021-05-01", "of": "b-c1"}, "of",
         "is a criticism of unit 'b'"),
        ({"type": "rectification_failed", "unit": "a", "date": "2021-05-01", "of": "nope"}, "of",
         "the id of an event already in the ledger"),
        ({"type": "appeal_filed", "unit": "b", "date": "2022-01-11", "targets": ["b-c1"], "grounds": "g",
          "publication": "a-w1"}, "publication", "the id of a published result"),
    ]:
        with pytest.raises(InputError) as raised:
            ledger.import_file(write_jsonl(tmp_path / "bad.jsonl", [line]))
        assert raised.value.field == field and expected in str(raised.value), str(raised.value)
    assert ledger.head() == before
