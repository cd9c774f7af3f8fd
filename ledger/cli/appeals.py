"""Appeals (申诉复核): file, decide, list, show."""

from __future__ import annotations

from typing import Any

import click

from .. import i18n
from .base import Context, format_option, main, parse_date, parse_sets, pass_ctx, show
from .records import revision_text


@main.group()
def appeal() -> None:
    """Appeals (申诉复核): file, decide, list, show."""


@appeal.command("file")
@click.option("--unit", required=True, help="the appealing unit")
@click.option("--target", "targets", multiple=True, required=True, metavar="ID",
              help="an event appealed against (repeatable)")
@click.option("--grounds", required=True, help="the grounds of the appeal")
@click.option("--id", "appeal_id", help="the appeal's id (default: derived from its content)")
@click.option("--publication", help="the publication appealed against (default: the latest covering the unit)")
@click.option("--late-override", "late_override", metavar="REASON", help="accept an appeal filed after the window")
@pass_ctx
def appeal_file(c: Context, unit: str, targets: tuple[str, ...], grounds: str, appeal_id: str | None,
                publication: str | None, late_override: str | None) -> None:
    from ..workflows import appeals

    new_id, revision, note = appeals.file(c.ledger, unit, list(targets), grounds, appeal_id=appeal_id,
                                          publication=publication, late_override=late_override)
    click.echo(revision_text(new_id, revision) + ("  （{}）" if i18n.is_zh() else "  ({})").format(i18n.tr(note)))


@appeal.command("decide")
@click.argument("appeal_id", metavar="APPEAL")
@click.option("--outcome", required=True, type=click.Choice(["upheld", "partially_upheld", "rejected"]),
              help="the decision: upheld, partially_upheld or rejected")
@click.option("--reason", required=True, help="why (recorded with it)")
@click.option("--retract", "retracts", multiple=True, metavar="ID", help="an event the decision retracts (repeatable)")
@click.option("--correct", "corrects", multiple=True, nargs=2, metavar="ID FIELD=VALUE",
              help="an event the decision corrects, and the field's new value (repeatable)")
@click.option("--reviewer", help="who reviewed the appeal")
@pass_ctx
def appeal_decide(c: Context, appeal_id: str, outcome: str, reason: str, retracts: tuple[str, ...],
                  corrects: tuple[tuple[str, str], ...], reviewer: str | None) -> None:
    """Record the decision with the retractions/corrections it orders, in one write."""
    from ..workflows import appeals

    grouped: dict[str, dict[str, Any]] = {}
    for target, pair in corrects:
        grouped.setdefault(target, {}).update(parse_sets((pair,), "--correct"))
    written = appeals.decide(c.ledger, appeal_id, outcome, reason, retract=list(retracts),
                             correct=list(grouped.items()), reviewer=reviewer)
    for event_id, revision in written:
        click.echo(revision_text(event_id, revision))


@appeal.command("list")
@click.option("--open", "only_open", is_flag=True, help="only the appeals not decided yet")
@format_option("appeals")
@pass_ctx
def appeal_list(c: Context, only_open: bool, fmt: str) -> None:
    from ..workflows import appeals

    show("appeals", fmt, [a for a in appeals.appeals(c.ledger) if a.open or not only_open])


@appeal.command("show")
@click.argument("appeal_id", metavar="APPEAL")
@click.option("--policy", "policy_ref", metavar="ID[@VERSION]", help="default: the appealed publication's")
@click.option("--as-of", "as_of", metavar="DATE", help="the day compared (default: the appealed publication's)")
@format_option("appeal")
@pass_ctx
def appeal_show(c: Context, appeal_id: str, policy_ref: str | None, as_of: str | None, fmt: str) -> None:
    """Before/after of the unit and of every peer whose rank or rank-based points move."""
    from ..workflows import appeals

    show("appeal", fmt, appeals.effect(c.ledger, appeal_id, policy_ref=policy_ref, as_of=parse_date(as_of, "--as-of")))
