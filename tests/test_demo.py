"""`ledger demo` loads the bundled sample years of the five policies in several writes,
explains the unit that lost most points and names the revision to try with --known-at."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import cli

from ledger.app import Ledger
from ledger.demo import (
    DEMO_POLICIES,
    DEMO_TRACKS,
    DEMO_WRITES,
    FOLDER,
    KNOWN_AT_EXAMPLE,
    biggest_loser,
    default_as_of,
    first_write_revision,
    known_at_example,
    points_lost,
)
from ledger.workflows import appeals

ROOT = Path(__file__).resolve().parent.parent
HINT = re.compile(r"What the ledger knew before the later writes: revision (\d+)\.")


def test_demo_runs_twice_and_explains_the_biggest_loser(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.db"
    first = cli(url, "demo")
    assert first.code == 0, first.err
    for ref in DEMO_POLICIES:
        assert f"{ref}@1" in first.out
        assert f"({DEMO_TRACKS[ref]})" in first.out  # one table per policy
    for name, _ in DEMO_WRITES:
        assert name in first.out
    again = cli(url, "demo")
    assert again.code == 0 and "0 new events" in again.out  # idempotent re-load
    with Ledger(url) as ledger:
        board = ledger.scoreboard(ledger.policy("jingkai-2021"), as_of=dt.date(2022, 1, 31))
        card, lost = biggest_loser(board)
        assert lost == max(points_lost(c) for c in board.all_cards()) and lost > 0
        # The explanation printed is that unit's, and its lines add up to its total.
        assert f"The unit that lost most points under jingkai-2021@1: {card.unit}" in first.out
        assert sum(line.delta for line in card.lines) == card.total
        # Both runs name the same revision: the one just before the later writes.
        revision = first_write_revision(ledger)
        assert revision is not None
        assert HINT.search(first.out)[1] == HINT.search(again.out)[1] == str(revision)
        assert ledger.verify().ok
    # README's example is what a fresh demo store prints (make demo starts from an empty file).
    ref, unit = KNOWN_AT_EXAMPLE
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"explain {unit} --policy {ref} --as-of 2022-01-31 --known-at {revision}" in readme
    assert f"--known-at {revision}" in first.out


def test_demo_loads_every_policy_on_both_stores(db_url):
    run = cli(db_url, "demo")
    assert run.code == 0, run.err
    with Ledger(db_url) as ledger:
        roster = ledger.units()
        for ref in DEMO_POLICIES:
            policy = ledger.policy(ref)
            board = ledger.scoreboard(policy, as_of=default_as_of(policy.year))
            for track in policy.tracks:
                members = {u.id for u in roster if track.group in u.groups}
                cards = board.cards[track.id]
                assert members and {c.unit for c in cards} == members, (ref, track.id)
                totals = [c.total for c in cards]
                assert all(t > 0 for t in totals), (ref, track.id)
                if len(cards) > 1:  # a spread: a clear best and a clear last
                    ordered = sorted(totals)
                    assert ordered[-1] > ordered[-2] and ordered[0] < ordered[1], (ref, track.id, ordered)
                    assert ordered[-1] - ordered[0] >= 10, (ref, track.id)
                for card in cards:
                    assert sum(line.delta for line in card.lines) == card.total, (ref, card.unit)
        # the policies' vetoes and downgrades are triggered
        jingkai = ledger.scoreboard(ledger.policy("jingkai-2021"), as_of=dt.date(2022, 1, 31))
        assert [c.unit for c in jingkai.all_cards() if c.vetoed] == ["jk-zrj"]
        changbai = ledger.scoreboard(ledger.policy("changbai-2020"), as_of=dt.date(2021, 1, 31), tracks=["reform"])
        assert {c.unit for c in changbai.all_cards() if c.downgraded} == {"cb-zrj", "cb-wjj", "cb-zjj"}
        assert ledger.verify().ok


def _leaves(indicators):
    for ind in indicators:
        if ind.children:
            yield from _leaves(ind.children)
        else:
            yield ind


def test_every_scored_indicator_has_evidence(tmp_path):
    """The sample years exercise every indicator a policy scores: each leaf with points has a
    line from an event, or a non-zero line, for some unit of its track."""
    url = f"sqlite:///{tmp_path}/demo.db"
    assert cli(url, "demo").code == 0
    with Ledger(url) as ledger:
        for ref in DEMO_POLICIES:
            policy = ledger.policy(ref)
            board = ledger.scoreboard(policy, as_of=default_as_of(policy.year))
            for track in policy.tracks:
                touched = {ln.indicator for c in board.cards[track.id] for ln in c.lines
                           if ln.event or ln.events or (ln.delta and ln.kind != "base")}
                idle = [i.id for i in _leaves(track.indicators) if i.points != 0 and i.id not in touched]
                assert idle == [], (ref, track.id)


def test_later_writes_change_what_known_at_shows(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.db"
    assert cli(url, "demo").code == 0
    with Ledger(url) as ledger:
        example = known_at_example(ledger)
        assert example is not None and (example.policy, example.unit) == KNOWN_AT_EXAMPLE
        # the late Q4 report (−2 gone) and the appeal's retraction of the criticism (−2 gone)
        assert example.now.total - example.then.total == Decimal(4)
        revision = example.revision
        # The explanation at that revision is the one before; the CLI prints both.
        before = cli(url, "explain", example.unit, "--policy", example.policy, "--as-of", "2022-01-31",
                     "--known-at", str(revision), "--format", "json")
        after = cli(url, "explain", example.unit, "--policy", example.policy, "--as-of", "2022-01-31",
                    "--format", "json")
        assert before.out != after.out and f'"known_at": {revision}' in before.out
        # changbai-2020: the retracted county criticism lifts 交通运输局's downgrade.
        cb = ledger.policy("changbai-2020")
        then = ledger.scoreboard(cb, as_of=dt.date(2021, 1, 31), known_at=revision).card("cb-jtj", "reform")
        now = ledger.scoreboard(cb, as_of=dt.date(2021, 1, 31)).card("cb-jtj", "reform")
        assert then.downgraded and not now.downgraded
        # jilin-kjt-2019: three December results registered late.
        kjt = ledger.policy("jilin-kjt-2019")
        assert ledger.scoreboard(kjt, known_at=revision).card("kjt").total == 17
        assert ledger.scoreboard(kjt).card("kjt").total == 20
        # The appeal is what `ledger appeal decide` would have recorded: decided, with its order.
        (appeal,) = appeals.appeals(ledger)
        assert appeal.unit == "da-zrj" and appeal.decision["outcome"] == "upheld"
        assert [(o["type"], o["target"]) for o in appeal.orders] == [("retraction", appeal.targets[0])]
        assert appeal.decision["revision"] > revision + 1  # a write of its own, after the filing


def test_the_files_are_regenerated_byte_for_byte(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_data.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True, check=True)
    assert "79 units" in run.stdout
    names = ["units.csv", *(name for name, _ in DEMO_WRITES)]
    for name in names:
        assert (tmp_path / name).read_bytes() == (FOLDER / name).read_bytes(), name


@pytest.mark.parametrize("name", [name for name, _ in DEMO_WRITES])
def test_the_files_date_each_policy_in_its_year(name):
    """changbai-2020 and jilin-kjt-2019 score 2020 and 2019: their units' events are dated then
    (a retraction may come early in the next year)."""
    import json

    years = {"cb-": 2020, "kjt": 2019}
    for line in (FOLDER / name).read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        year = years.get(event["unit"][:3])
        if year is not None:
            assert int(event["date"][:4]) in (year, year + 1), event["id"]
            if event["type"] != "retraction":
                assert int(event["date"][:4]) == year, event["id"]
