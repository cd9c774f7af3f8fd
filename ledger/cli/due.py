"""Early warnings: what falls due and what a miss will cost (`due`), and the same list posted
to a group robot (`notify`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from ..i18n import _
from .base import Context, Progress, bom_option, emit, format_option, main, parse_date, pass_ctx, policy_options, show

if TYPE_CHECKING:
    from ..projections.due import DueList

WITHIN = click.IntRange(min=0, max=250)


def due_options(func: click.decorators.FC) -> click.decorators.FC:
    """--unit, --as-of, --known-at and --within of `due` and `notify`."""
    func = click.option("--within", type=WITHIN, default=10, show_default=True, metavar="N",
                        help="working days ahead that count as due soon (official holidays and 调休 of the "
                             "policy's calendar)")(func)
    func = click.option("--known-at", "known_at", metavar="REV|TIMESTAMP",
                        help="what the ledger knew at a revision or moment (default: now)")(func)
    func = click.option("--as-of", "as_of", metavar="DATE",
                        help="the day to look from (default: today in the policy's year, else its last day)")(func)
    return click.option("--unit", help="only this unit")(func)


def due_list(c: Context, policy_ref: str | None, policy_file: str | None, unit: str | None, as_of: str | None,
             known_at: str | None, within: int) -> DueList:
    from ..projections.due import build_due, default_as_of

    day = parse_date(as_of, "--as-of")
    policy = c.ledger.policy(policy_ref, policy_file, as_of=day)
    day = day or default_as_of(policy, c.ledger.today())
    progress = Progress(_("{policy} (units read)").format(policy=policy.ref))
    try:
        return build_due(c.ledger.view(known_at), policy, as_of=day, within=within,
                         units=[unit] if unit else None, on_unit=progress.advance)
    finally:
        progress.close()


@main.command()
@policy_options
@due_options
@format_option("due")
@click.option("--output", help="write to this file instead of stdout")
@bom_option
@pass_ctx
def due(c: Context, policy_ref: str | None, policy_file: str | None, unit: str | None, as_of: str | None,
        known_at: str | None, within: int, fmt: str, output: str | None, no_bom: bool) -> None:
    """What falls due within N working days and what is overdue, per unit, with the points each
    item puts at risk under the policy; a red, yellow or green light per unit."""
    show("due", fmt, due_list(c, policy_ref, policy_file, unit, as_of, known_at, within), output, bom=not no_bom)


@main.command()
@policy_options
@click.option("--webhook", required=True, metavar="URL", help="the group robot's webhook (钉钉 or 企业微信)")
@click.option("--robot", type=click.Choice(["dingtalk", "wecom"]),
              help="which robot (default: from the webhook's host)")
@click.option("--board", "board_url", metavar="URL",
              help="the workbench's address: the message links its /due page")
@due_options
@click.option("--dry-run", "dry_run", is_flag=True, help="print the JSON that would be posted; post nothing")
@pass_ctx
def notify(c: Context, policy_ref: str | None, policy_file: str | None, webhook: str, robot: str | None,
           board_url: str | None, unit: str | None, as_of: str | None, known_at: str | None, within: int,
           dry_run: bool) -> None:
    """Post the due list to a group robot as one Markdown message, within the robot's size limit
    (the 钉钉 signing secret from LEDGER_WEBHOOK_SECRET); exit 1 when it is not delivered."""
    from ..i18n import f
    from ..reports import due as due_report
    from ..reports.text import to_json
    from ..workflows import notify as robots

    target = robots.robot_for(webhook, robot)
    found = due_list(c, policy_ref, policy_file, unit, as_of, known_at, within)
    text = due_report.message_text(found, board_url, target.limit)
    body = target.body(f("Early warning: {title}", title=found.policy.title), text)
    if dry_run:
        emit(to_json(body), None)
        return
    robots.post(target, webhook, body, os.environ.get("LEDGER_WEBHOOK_SECRET") or None)
    click.echo(_("sent"), err=True)
