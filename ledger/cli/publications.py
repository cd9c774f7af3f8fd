"""Publications (通报): record what was published, list, regenerate and check byte for byte."""

from __future__ import annotations

import sys

import click

from ..errors import InputError
from .base import Context, format_option, main, parse_date, pass_ctx, show


@main.command()
@click.option("--policy", "policy_ref", metavar="ID[@VERSION]", help="a bundled or published policy")
@click.option("--policy-file", "policy_file", help="refused: a what-if (draft) is never published; load it first")
@click.option("--as-of", "as_of", metavar="DATE",
              help="what had happened by this date (default: the policy year's last day)")
@click.option("--period", metavar="YYYY-MM", help="publish the monthly bulletin of this month")
@click.option("--track", help="one of the policy's tracks (default: every track)")
@click.option("--known-at", "known_at", metavar="REV|TIMESTAMP",
              help="what the ledger knew at a revision or moment (default: now)")
@click.option("--doc-no", "doc_no", metavar="文号", help="the document number its 通报 prints under the masthead")
@click.option("--issued", metavar="DATE", help="the issue date its 通报 is signed with (default: the day it is "
                                               "recorded); the appeal window counts from the later of the two")
@click.option("--to", "to", metavar="主送", help="whom its 通报 is addressed to (default: the policy's labels)")
@click.option("--cc", "cc", metavar="抄送", help="whom copies go to (default: the policy's labels, else none)")
@pass_ctx
def publish(c: Context, policy_ref: str | None, policy_file: str | None, as_of: str | None, period: str | None,
            track: str | None, known_at: str | None, doc_no: str | None, issued: str | None, to: str | None,
            cc: str | None) -> None:
    """Record that a score table (or, with --period, a bulletin) was published."""
    from ..workflows import publishing

    if policy_file:
        raise InputError("--policy ID[@VERSION]: a what-if result (--policy-file, marked +draft) is never "
                         "published; publish the file as a version with `ledger policy load` first",
                         field="--policy-file", got=repr(policy_file))
    if not policy_ref:
        raise InputError("--policy ID[@VERSION]", field="--policy")

    pub, new = publishing.publish(c.ledger, policy_ref, as_of=parse_date(as_of, "--as-of"), period=period,
                                  track=track, known_at=known_at, doc_no=doc_no, issued=parse_date(issued, "--issued"),
                                  to=to, cc=cc)
    from .. import i18n
    from ..reports.words import value

    click.echo(i18n.f("{id}{again}: {kind} {policy} as of {as_of}{period} known at revision {known_at} chain hash "
                      "{head} content sha256 {sha256}", id=pub.id, again="" if new else i18n._(" (already published)"),
                      kind=value("kind", pub.kind), policy=pub.policy, as_of=pub.as_of,
                      period=i18n.f(" period {period}", period=pub.period) if pub.period else "",
                      known_at=pub.known_at, head=pub.head[:16], sha256=pub.content_sha256[:16]))
    from .. import checkpoints
    from .proofs import warn_unsigned

    warn_unsigned(checkpoints.load_private() is not None)


@main.command()
@click.argument("pub_id", metavar="[ID]", required=False)
@click.option("--content", is_flag=True, help="print the regenerated published content")
@format_option("publication")
@click.option("--output", help="the file to write (xlsx and pdf need one, or redirected output)")
@pass_ctx
def published(c: Context, pub_id: str | None, content: bool, fmt: str, output: str | None) -> None:
    """List publications; with ID, regenerate it and check it byte for byte; with --format
    xlsx, html or pdf, write its document carrying a verification code (`ledger
    verify-publication FILE` checks it)."""
    from ..workflows import publishing

    if pub_id is None:
        if fmt in publishing.DOCUMENTS:
            raise InputError("a publication ID with --format xlsx, html or pdf", field="ID", got=fmt)
        show("publications", fmt, publishing.publications(c.ledger), output)
        return
    pub = publishing.find(c.ledger, pub_id)
    if fmt in publishing.DOCUMENTS and not content:
        show("publication", fmt, publishing.document(c.ledger, pub), output)
        return
    _result, text, same = publishing.regenerate(c.ledger, pub)
    if content:
        click.echo(text, nl=False)
        return
    show("publication", fmt, (pub, same), output)
    if not same:
        sys.exit(1)


@main.command("verify-publication")
@click.argument("file")
@click.option("--values-only", "values_only", is_flag=True,
              help="accept a file whose values are the publication's though its bytes differ (saved again by "
                   "another program)")
@pass_ctx
def verify_publication(c: Context, file: str, values_only: bool) -> None:
    """Check a received xlsx, HTML or PDF of a publication against this ledger: its code
    names the publication, which is rendered again and compared (byte for byte, or value by
    value when the renderer differs); exit 1 naming what differs."""
    from ..workflows.verify_publication import shown
    from ..workflows.verify_publication import verify_publication as check

    report = check(c.ledger, file, values_only=values_only)
    for line in report.lines:
        click.echo(line)
    click.echo(f"ok: {shown(file)}")
