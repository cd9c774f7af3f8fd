"""Each family of similar things is registered in one place: a rule kind (and, below, an output
format) registered from this module is picked up by the policy loader, the engine's fact-type
filter and the compiler with no other edit."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D
from typing import Literal

import pytest

from ledger.events.fact import Fact
from ledger.policies import PolicyError, load_policy_text, rule_kinds
from ledger.policies.vocabulary import Amount, RuleSpec
from ledger.projections.scoring import score_track, track_fact_types
from ledger.projections.scoring.card import Line
from ledger.projections.scoring.context import Ctx, Site, aggregate_line
from ledger.projections.scoring.index import UnitFacts
from ledger.projections.scoring.rules.base import Evaluator, rule_kind
from ledger.units import Unit

_rev = itertools.count(1)


class PraiseCount(RuleSpec):
    """A throwaway kind: ``each`` points per praise of the year, whatever the praise."""

    kind: Literal["test_praise_count"]
    each: Amount


@pytest.fixture
def praise_kind():
    @rule_kind(PraiseCount, reads={"praise"})
    class PraiseCountRule(Evaluator[PraiseCount]):
        __slots__ = ("each",)

        def setup(self, rule: PraiseCount, site: Site) -> None:
            self.each = rule.each

        def evaluate(self, ctx: Ctx, uf: UnitFacts, node: Site, out: list[Line]) -> None:
            praises = [f for f in uf.of("praise") if f.date.year == ctx.year]
            out.append(aggregate_line(node, self.each * len(praises), "test_count", self.text, ctx,
                                      detail=f"{len(praises)} praise(s)", events=tuple(f.id for f in praises)))

    yield PraiseCountRule
    rule_kinds.unregister("test_praise_count")


POLICY = """\
id: registry-test
version: 1
year: 2021
title: 注册测试
tracks:
  - id: t
    name: 测试
    group: g
    indicators:
      - id: p
        name: 表扬
        points: 10
        clause: 每受表扬一次加0.5分
        rule: {kind: test_praise_count, each: 0.5}
"""


def F(type_, date, **fields):
    rev = next(_rev)
    return Fact(id=f"e{rev}", type=type_, unit="u1", date=dt.date.fromisoformat(date), fields=fields,
                revision=rev, recorded_at="2021-01-01T00:00:00Z", source="src")


def test_a_rule_kind_registered_here_loads_scores_and_filters_fact_types(praise_kind):
    policy = load_policy_text(POLICY, "registry-test.yaml")
    assert track_fact_types(policy, "t") == frozenset({"praise"})  # its declared reads, nothing else
    facts = [F("praise", "2021-03-01", issuer_level="city"), F("praise", "2021-05-01", issuer_level="county"),
             F("praise", "2020-12-31", issuer_level="city"), F("warning", "2021-04-01", issuer_level="city")]
    [card] = score_track(policy, "t", [Unit("u1", "单位一", ("g",))], {"u1": facts}, dt.date(2021, 12, 31))
    assert card.total == D("1.00")  # 2 praises of 2021 × 0.5
    [line] = card.lines
    assert (line.kind, line.rule, line.events) == ("test_count", "每受表扬一次加0.5分", ("e1", "e2"))


def test_an_unregistered_kind_is_a_policy_error_naming_the_registered_ones(praise_kind):
    rule_kinds.unregister("test_praise_count")
    with pytest.raises(PolicyError) as err:
        load_policy_text(POLICY, "registry-test.yaml")
    assert "tracks[0].indicators[0].rule" in str(err.value)
    listed, _, given = str(err.value).partition(", not ")
    assert "'per_event'" in listed and "test_praise_count" not in listed and given == "'test_praise_count'"


def test_a_kind_name_is_registered_once():
    class Other(RuleSpec):
        kind: Literal["per_event"]

    with pytest.raises(ValueError, match="already registered"):
        rule_kind(Other, reads=())(type("OtherRule", (Evaluator,), {}))


# --- output formats -------------------------------------------------------------------------


@pytest.fixture
def tsv_format():
    from ledger.reports import formats

    @formats.renders("score", "test_tsv")
    def as_tsv(board) -> str:
        return "\n".join(f"{c.unit}\t{c.total}" for c in board.all_cards()) or "no cards"

    yield as_tsv
    formats.unregister("score", "test_tsv")


def test_a_format_registered_here_is_offered_and_rendered_by_the_command(tsv_format, tmp_path):
    from click.testing import CliRunner

    from ledger.cli import main

    db = f"sqlite:///{tmp_path}/ledger.db"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db, "init"]).exit_code == 0
    (tmp_path / "units.csv").write_text("id,name,groups\nu1,单位一,jingkai-unit\n", encoding="utf-8")
    assert runner.invoke(main, ["--db", db, "units", "import", str(tmp_path / "units.csv")]).exit_code == 0
    assert "test_tsv" in runner.invoke(main, ["score", "--help"]).output
    assert "test_tsv" not in runner.invoke(main, ["explain", "--help"]).output  # a format of score only
    result = runner.invoke(main, ["--db", db, "score", "--policy", "jingkai-2021", "--as-of", "2021-01-01",
                                  "--format", "test_tsv"])
    assert result.exit_code == 0, result.output
    unit, total = result.output.strip().split("\t")
    assert unit == "u1" and float(total) >= 0  # the one registered unit, rendered by the format above


def test_an_unregistered_format_is_refused_with_the_registered_choices(tmp_path):
    from click.testing import CliRunner

    from ledger.cli import main

    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path}/x.db", "score", "--policy", "jingkai-2021",
                                       "--format", "test_tsv"])
    assert result.exit_code == 2 and "'table', 'json', 'csv', 'xlsx'" in result.output
