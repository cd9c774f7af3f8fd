"""Scoring policies: load, list, show."""

from __future__ import annotations

import click

from .. import i18n
from .base import Context, format_option, main, parse_date, pass_ctx, show


@main.group()
def policy() -> None:
    """Scoring policies: bundled seed schemes and published versions."""


@policy.command("load")
@click.argument("file")
@pass_ctx
def policy_load(c: Context, file: str) -> None:
    """Publish an immutable policy version (identical content again is a no-op)."""
    c.ledger.init()
    ref, new = c.ledger.load_policy(file)
    click.echo(ref if new else i18n.f("{ref} (already published, unchanged)", ref=ref))


@policy.command("list")
@format_option("policies")
@pass_ctx
def policy_list(c: Context, fmt: str) -> None:
    """Bundled and published versions; per policy, the version in force today (what --policy ID uses today)."""
    show("policies", fmt, c.ledger.policies.entries(), today=c.ledger.today())


@policy.command("show")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="mark the dated values in force that day, and show an ID's version in force then (default: today)")
@format_option("policy", default="tree")
@pass_ctx
def policy_show(c: Context, ref: str, as_of: str | None, fmt: str) -> None:
    """The indicator tree with points, 原文, 计分方式, 数据来源 and readings (or the policy file itself)."""
    day = parse_date(as_of, "--as-of")
    show("policy", fmt, c.ledger.policies.find(ref, "ID", as_of=day), as_of=day or c.ledger.today())
