"""The bundled sample years: what `make demo` runs."""

from __future__ import annotations

import datetime as dt

import click

from .. import i18n
from ..reports import explain as explain_report
from ..reports import scores as score_report
from ..reports import text as render
from .base import Context, main, parse_date, pass_ctx, terminal_width, wide_option


@main.command()
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="score every sample year as of this date (default: 31 January after each policy's year, "
                   "once the Q4 reports are due)")
@wide_option
@pass_ctx
def demo(c: Context, as_of: str | None) -> None:
    """Load the bundled sample roster and years of the five bundled policies into the store, in
    several writes (the years, then late records, a correction, a retraction and an appeal, then
    the appeal's decision); print one score table per policy, the explanation of the unit that
    lost most points, and the revision to try with --known-at. Running it again adds nothing."""
    from ..demo import DEMO_POLICIES, DEMO_TRACKS, biggest_loser, default_as_of, demo_files, demo_writes

    units_file, _ = demo_files()
    c.ledger.init()
    changed, same = c.ledger.import_units(units_file)
    lines, new, present = [], 0, 0
    for path, what in demo_writes():
        result = c.ledger.import_file(path)
        new, present = new + result.new, present + result.present
        count = i18n.f("{new} new", new=f"{result.new:5}")
        lines.append(f"  {path.rsplit('/', 1)[-1]:14} {count}  {i18n._(what)}")
    revision, digest = c.ledger.head()
    click.echo(i18n.f("sample data: {units} units, {new} new events ({present} already present); ledger head "
                      "revision {revision} {digest}", units=changed + same, new=new, present=present,
                      revision=revision, digest=digest[:16]))
    click.echo("\n".join(lines) + "\n")
    fixed = parse_date(as_of, "--as-of") if as_of else None
    width = terminal_width(None)
    boards = []
    for ref in DEMO_POLICIES:
        policy = c.ledger.policy(ref)
        board = c.ledger.scoreboard(policy, as_of=fixed or default_as_of(policy.year), tracks=[DEMO_TRACKS[ref]])
        boards.append(board)
        click.echo(render.fit_lines(score_report.as_table(board, width=width), width))
        click.echo("")
    others = [f"{b.policy.ref.split('@')[0]} ({', '.join(t.id for t in b.policy.tracks if t.id not in b.cards)})"
              for b in boards if len(b.policy.tracks) > 1]
    click.echo(render.fit_lines(i18n._("One track per policy; the others: ledger score --policy ID [--track T] — ")
                                + "; ".join(others), width) + "\n")
    card, lost = biggest_loser(boards[0])
    board = c.ledger.scoreboard(boards[0].policy, as_of=boards[0].as_of, focus=card.unit)
    click.echo(render.fit_lines(i18n.f("The unit that lost most points under {policy}: {unit} {name} (−{lost} in "
                                       "deductions)", policy=boards[0].policy.ref, unit=card.unit, name=card.name,
                                       lost=render.number_text(lost)), width) + "\n")
    ex = explain_report.Explanation(board, board.card(card.unit, card.track))
    click.echo(render.fit_lines(explain_report.as_table(ex, width=width), width))
    _known_at_hint(c, fixed, width)


def _known_at_hint(c: Context, as_of: dt.date | None, width: int | None) -> None:
    """Which revision to try with --known-at, and the unit whose score it changes."""
    from ..demo import KNOWN_AT_WHY, known_at_example

    example = known_at_example(c.ledger, as_of)
    if example is None:
        return
    db = f"--db {c.db} " if c.db else ""
    args = f"{example.unit} --policy {example.policy} --as-of {example.as_of.isoformat()}"
    click.echo("\n" + render.fit_lines(
        i18n.f("What the ledger knew before the later writes: revision {revision}.", revision=example.revision) + "\n"
        + i18n.f("{unit} {name} under {policy} ({track}): {then} then, {now} now ({why}). Compare:",
                 unit=example.unit, name=example.name, policy=example.policy, track=example.track,
                 then=render.number_text(example.then.total), now=render.number_text(example.now.total),
                 why=i18n._(KNOWN_AT_WHY)), width))
    # the commands stay whole, to be copied
    click.echo(f"  ledger {db}explain {args} --known-at {example.revision}")
    click.echo(f"  ledger {db}explain {args}")
    click.echo(f"  ledger {db}diff --policy {example.policy} --as-of {example.as_of.isoformat()} "
               f"--known-at {example.revision}    # " + i18n._("every unit that moved since, and why"))
