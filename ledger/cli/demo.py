"""The bundled sample year: what `make demo` runs."""

from __future__ import annotations

import click

from .. import i18n
from ..reports import explain as explain_report
from ..reports import scores as score_report
from ..reports import text as render
from .base import Context, main, parse_date, pass_ctx


@main.command()
@click.option("--as-of", "as_of", default="2022-01-31", show_default=True, metavar="DATE",
              help="score the sample year as of this date (after the Q4 reports are due)")
@pass_ctx
def demo(c: Context, as_of: str) -> None:
    """Load the bundled sample roster and year (jingkai-2021, jiangxian-2021) into the store,
    then print score tables and the explanation of the unit that lost most points."""
    from ..demo import DEMO_POLICIES, biggest_loser, demo_files

    units_file, events_file = demo_files()
    c.ledger.init()
    changed, same = c.ledger.import_units(units_file)
    result = c.ledger.import_file(events_file)
    revision, digest = c.ledger.head()
    click.echo(i18n.f("sample data: {units} units, {new} new events ({present} already present); ledger head "
                      "revision {revision} {digest}", units=changed + same, new=result.new, present=result.present,
                      revision=revision, digest=digest[:16]) + "\n")
    day = parse_date(as_of, "--as-of")
    boards = [c.ledger.scoreboard(c.ledger.policy(ref), as_of=day) for ref in DEMO_POLICIES]
    for board in boards:
        click.echo(score_report.as_table(board))
        click.echo("")
    card, lost = biggest_loser(boards[0])
    board = c.ledger.scoreboard(boards[0].policy, as_of=day, focus=card.unit)
    click.echo(i18n.f("The unit that lost most points under {policy}: {unit} {name} (−{lost} in deductions)",
                      policy=boards[0].policy.ref, unit=card.unit, name=card.name,
                      lost=render.number_text(lost)) + "\n")
    click.echo(explain_report.as_table(explain_report.Explanation(board, board.card(card.unit, card.track))))
