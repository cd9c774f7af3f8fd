"""Reviewer packets: one zip with the explanation, cited events, the policy and how to check."""

from __future__ import annotations

import click

from ..reports import explain as explain_report
from ..reports.safe import file_name
from .base import Context, as_of_options, board, bom_option, main, pass_ctx, policy_options


@main.command()
@click.argument("unit")
@policy_options
@click.option("--track")
@as_of_options
@click.option("--output", help="the zip to write (default UNIT-POLICY.zip)")
@bom_option
@pass_ctx
def packet(c: Context, unit: str, policy_ref: str | None, policy_file: str | None, track: str | None,
           as_of: str | None, known_at: str | None, output: str | None, no_bom: bool) -> None:
    """One zip for a reviewer: explanation (html, json, csv), cited events with their
    history, the policy file, the pinned chain hash and how to verify and re-derive."""
    from ..workflows.packets import build_packet

    scored = board(c, policy_ref, policy_file, as_of, known_at, track, None, focus=unit)
    ex = explain_report.Explanation(scored, scored.card(unit, track))
    if policy_file:
        with open(policy_file, encoding="utf-8-sig") as handle:
            text = handle.read()
    else:
        text = c.ledger.policies.find(scored.policy.ref).text  # the version the card was scored under
    data = build_packet(c.ledger, ex, text, bom=not no_bom)
    path = output or file_name(f"{unit}-{scored.policy.ref.replace('@', '-')}") + ".zip"  # in this folder
    with open(path, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {path} ({len(data):,} bytes): explanation for {unit} under {scored.policy.ref} as of "
               f"{scored.as_of} known at revision {scored.known_at}")
