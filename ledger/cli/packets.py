"""Reviewer packets: `packet` writes one zip a reviewer checks with `verify-packet`, no store needed."""

from __future__ import annotations

import click

from .. import i18n
from ..reports import explain as explain_report
from ..reports.safe import file_name
from .base import Context, as_of_options, board, bom_option, main, pass_ctx, policy_options


@main.command()
@click.argument("unit")
@policy_options
@click.option("--track", help="one of the policy's tracks (default: every track)")
@as_of_options
@click.option("--output", help="the zip to write (default UNIT-POLICY.zip)")
@click.option("--pdf/--no-pdf", default=None, help="add explanation.pdf (default: when a browser is installed)")
@click.option("--for-unit", "for_unit", is_flag=True,
              help="the packet the unit itself may have: its own records in full, the peers' stream heads only and "
                   "its places in rank tables as the office states them")
@click.option("--with-evidence", "with_evidence", is_flag=True,
              help="add the evidence files' bytes (evidence-SHA256 files; the records carry their hashes anyway)")
@bom_option
@pass_ctx
def packet(c: Context, unit: str, policy_ref: str | None, policy_file: str | None, track: str | None,
           as_of: str | None, known_at: str | None, output: str | None, pdf: bool | None, for_unit: bool,
           with_evidence: bool, no_bom: bool) -> None:
    """One zip a reviewer checks and re-derives with no store: explanation (html, json, csv,
    pdf), every record the card reads with inclusion and completeness proofs, the policy file,
    the events as JSONL, a manifest of every file and the checkpoint that signs it (`ledger
    verify-packet`)."""
    from ..workflows.packets import build_packet
    from .proofs import warn_unsigned

    scored = board(c, policy_ref, policy_file, as_of, known_at, track, None, focus=unit)
    ex = explain_report.Explanation(scored, scored.card(unit, track))
    if policy_file:
        with open(policy_file, encoding="utf-8-sig") as handle:
            text = handle.read()
        origin = "draft"
    else:
        entry = c.ledger.policies.find(scored.policy.ref)  # the version the card was scored under
        text, origin = entry.text, entry.origin
    if pdf is None:
        from ..reports import pdf as pdf_engine

        try:
            pdf_engine.browser()
            pdf = pdf_engine.has_cjk_font()
        except pdf_engine.EngineMissing:
            pdf = False
    data = build_packet(c.ledger, ex, text, bom=not no_bom, policy_origin=origin, pdf=pdf,
                        scope="unit" if for_unit else "full", with_evidence=with_evidence)
    path = output or file_name(f"{unit}-{scored.policy.ref.replace('@', '-')}") + ".zip"  # in this folder
    with open(path, "wb") as handle:
        handle.write(data)
    click.echo(i18n.f("wrote {path} ({size} bytes): explanation for {unit} under {policy} as of {as_of} known at "
                      "revision {known_at}", path=path, size=f"{len(data):,}", unit=unit, policy=scored.policy.ref,
                      as_of=scored.as_of, known_at=scored.known_at))
    from .. import checkpoints

    warn_unsigned(checkpoints.load_private() is not None)


@main.command("verify-packet")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", metavar="FILE", help="the office's public key (ledger-key.vkey or ledger-key.pub): the packet "
              "must carry its valid signature")
@click.option("--allow-unsigned", "allow_unsigned", is_flag=True,
              help="check a packet without the office's key: its verdict says UNSIGNED (nothing vouches for it)")
def verify_packet(file: str, key: str | None, allow_unsigned: bool) -> None:
    """Check a packet with no store: the checkpoint's signature, every file against the signed
    manifest, every inclusion and completeness proof, and the card scored again from the
    packet alone (exit 1 naming the first thing that fails)."""
    from ..workflows.verify_packet import verify_packet as check
    from .proofs import _public_key

    report = check(file, _public_key(key) if key else None, allow_unsigned)
    for line in report.lines:
        click.echo(line)
    click.echo(f"ok: {file}: {report.verdict}")
