"""Results: score tables, explanations, diffs and monthly bulletins."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from .. import i18n
from ..errors import InputError
from ..i18n import Msg
from ..reports import explain as explain_report
from ..reports import scores as score_report
from .base import (
    Context,
    Progress,
    as_of_options,
    board,
    bom_option,
    format_option,
    main,
    parse_date,
    pass_ctx,
    policy_options,
    show,
    warn,
)

if TYPE_CHECKING:
    from ..projections.scoreboard import Scoreboard


SERIES = ("monthly",)
"""What `score --series` offers: the month-ends of the policy year."""


def _warn_about_dates(board: Scoreboard) -> None:
    """--as-of outside the policy's year, --known-at before the first record: say so (stderr)."""
    year = board.policy.year
    if board.as_of.year != year:
        warn(i18n.f("--as-of {as_of} lies outside the policy year {year}: only events of {year} count (and "
                    "obligations of {year} due later)", as_of=board.as_of.isoformat(), year=year))
    if board.known_at < 1:
        warn(i18n.f("--known-at is before the ledger's first record: nothing was known yet, every score is "
                    "computed from no events"))


@main.command()
@policy_options
@click.option("--track", help="one of the policy's tracks (default: every track)")
@click.option("--unit", help="only this unit")
@as_of_options
@format_option("score")
@click.option("--sort", type=click.Choice(score_report.SORTS), default="rank",
              help="order of the rows: rank (1 first) or total (highest first)")
@click.option("--lowest", type=click.IntRange(min=1), metavar="N", help="only the N units with the lowest totals")
@click.option("--output", help="write to this file instead of stdout")
@click.option("--series", type=click.Choice(SERIES), metavar="monthly",
              help="the results at each month-end of the policy year, in one pass (each as --as-of that day "
                   "would give; with --as-of, the month-ends up to it)")
@bom_option
@pass_ctx
def score(c: Context, policy_ref: str | None, policy_file: str | None, track: str | None, unit: str | None,
          as_of: str | None, known_at: str | None, fmt: str, sort: str, lowest: int | None,
          output: str | None, series: str | None, no_bom: bool) -> None:
    """Scores of every unit of every track (or the ones asked for)."""
    if series:
        _series(c, policy_ref, policy_file, track, unit, as_of, known_at, fmt, sort, lowest, output, no_bom)
        return
    scored = board(c, policy_ref, policy_file, as_of, known_at, track, unit, lines=False)
    _warn_about_dates(scored)
    if lowest is not None or sort != "rank":
        if fmt == "json":  # the published shape: rows in rank order; --lowest only filters
            for track_id, cards in scored.cards.items():
                keep = {id(card) for card in score_report.ordered(cards, "rank", lowest)}
                scored.cards[track_id] = [card for card in cards if id(card) in keep]
            show("score", fmt, scored, output, bom=not no_bom)
            return
        show("score", fmt, scored, output, bom=not no_bom, sort=sort, lowest=lowest)
        return
    show("score", fmt, scored, output, bom=not no_bom)


def _series(c: Context, policy_ref: str | None, policy_file: str | None, track: str | None, unit: str | None,
            as_of: str | None, known_at: str | None, fmt: str, sort: str, lowest: int | None,
            output: str | None, no_bom: bool) -> None:
    """`score --series monthly`: one pass over the year, each month-end as `score --as-of` it."""
    if lowest is not None or sort != "rank":
        raise InputError("no --sort or --lowest with --series (each month's rows are in rank order)",
                         field="--sort" if sort != "rank" else "--lowest")
    from ..reports import formats as registry

    if fmt not in registry.formats("series"):
        choices = ", ".join(registry.formats("series"))
        raise InputError(Msg("one of the formats of a series: {formats}", formats=choices), field="--format",
                         got=repr(fmt))
    progress = Progress("scoring the month-ends (units read)")
    try:
        found = c.ledger.series(policy_ref, policy_file, last=parse_date(as_of, "--as-of"), known_at=known_at,
                                tracks=[track] if track else None, units=[unit] if unit else None,
                                on_unit=progress.advance)
    finally:
        progress.close()
    show("series", fmt, found, output, bom=not no_bom)


PER_TRACK_FORMATS = ("table", "md", "html")
"""Formats in which `explain` without --track explains each of the unit's tracks in turn (one
JSON object, workbook or PDF is one card: those need --track)."""


@main.command()
@click.argument("unit")
@policy_options
@click.option("--track", help="one of the policy's tracks (default: every track)")
@as_of_options
@click.option("--by", type=click.Choice(explain_report.GROUPINGS), default="indicator",
              help="how the lines are grouped: by indicator, by division (责任处室) or by event")
@click.option("--all-lines", "all_lines", is_flag=True,
              help="show every line, also the 0-point ones (on-time reports, met findings) folded by default")
@format_option("explain")
@click.option("--output", help="write to this file instead of stdout")
@bom_option
@pass_ctx
def explain(c: Context, unit: str, policy_ref: str | None, policy_file: str | None, track: str | None,
            as_of: str | None, known_at: str | None, by: str, all_lines: bool, fmt: str, output: str | None,
            no_bom: bool) -> None:
    """The explanation trail of one unit's score: every point to its event and clause."""
    scored = board(c, policy_ref, policy_file, as_of, known_at, track, None, focus=unit)
    _warn_about_dates(scored)
    cards = [card for card in scored.all_cards() if card.unit == unit]
    if track is None and len(cards) > 1 and fmt in PER_TRACK_FORMATS and not output:
        for i, card in enumerate(cards):
            if i:
                click.echo("")
            show("explain", fmt, explain_report.Explanation(scored, card), None, by=by, all_lines=all_lines)
        return
    show("explain", fmt, explain_report.Explanation(scored, scored.card(unit, track)), output, bom=not no_bom,
         by=by, all_lines=all_lines)


@main.command()
@policy_options
@click.option("--against", "against_ref", metavar="ID[@VERSION]|FILE",
              help="the other policy: an amended version, or a policy file")
@click.option("--against-file", "against_file", help="the other policy as an unpublished file")
@click.option("--track", help="one of the policy's tracks (default: every track)")
@as_of_options
@click.option("--against-known-at", "against_known_at", metavar="REV|TIMESTAMP",
              help="compare with what the ledger knew then (default: now)")
@click.option("--since-publication", "since", metavar="ID", help="compare a published result with now")
@format_option("diff")
@pass_ctx
def diff(c: Context, policy_ref: str | None, policy_file: str | None, against_ref: str | None,
         against_file: str | None, track: str | None, as_of: str | None, known_at: str | None,
         against_known_at: str | None, since: str | None, fmt: str) -> None:
    """Recompute under other rules or other knowledge; show what changes per unit and indicator, and why."""
    from ..projections.diff import diff as compute_diff

    day = parse_date(as_of, "--as-of")
    if since:
        from ..workflows import publishing

        pub = publishing.find(c.ledger, since)
        before_policy = publishing.policy_of(c.ledger, pub)
        policy_ref, known_at, day, track = pub.policy, str(pub.known_at), day or pub.as_of, track or pub.track
    elif not (against_ref or against_file or against_known_at or known_at):
        raise InputError("--against ID[@VERSION], --against-file FILE, --known-at/--against-known-at or "
                         "--since-publication ID", field="--against")
    else:
        before_policy = c.ledger.policy(policy_ref, policy_file, as_of=day)
    if against_ref and not against_file and (against_ref.endswith((".yaml", ".yml")) or os.path.isfile(against_ref)):
        against_ref, against_file = None, against_ref  # --against FILE: "another file" (CLI.md)
    after_policy = c.ledger.policy(against_ref, against_file, "--against", as_of=day) if (against_ref or against_file) \
        else before_policy
    tracks = [track] if track else None
    before = c.ledger.scoreboard(before_policy, as_of=day, known_at=known_at, tracks=tracks)
    after = c.ledger.scoreboard(after_policy, as_of=day, known_at=against_known_at, tracks=tracks)
    show("diff", fmt, compute_diff(before, after))


@main.command()
@policy_options
@click.option("--period", required=True, metavar="YYYY-MM", help="the month of the bulletin")
@click.option("--track", help="one of the policy's tracks (default: every track)")
@as_of_options
@format_option("bulletin")
@click.option("--output", help="write to this file instead of stdout")
@bom_option
@pass_ctx
def bulletin(c: Context, policy_ref: str | None, policy_file: str | None, period: str, track: str | None,
             as_of: str | None, known_at: str | None, fmt: str, output: str | None, no_bom: bool) -> None:
    """The monthly bulletin (月通报): the policy's own tables, else scores and ranks."""
    from ..projections.bulletin_tables import build_bulletin, month_bounds

    day = parse_date(as_of, "--as-of")
    pol = c.ledger.policy(policy_ref, policy_file, as_of=day or month_bounds(period)[1])
    report = build_bulletin(c.ledger.view(known_at), pol, period, track=track, as_of=day)
    show("bulletin", fmt, report, output, bom=not no_bom)
