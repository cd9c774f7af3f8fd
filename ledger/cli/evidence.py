"""Evidence files (佐证材料): attach, get, withdraw (docs/evidence.md)."""

from __future__ import annotations

import click

from .. import i18n
from .base import Context, main, need_output, pass_ctx
from .records import revision_text


@main.command()
@click.argument("event_id", metavar="EVENT")
@click.argument("files", metavar="FILE...", nargs=-1, required=True)
@click.option("--note", help="what the files show (kept with each attachment)")
@pass_ctx
def attach(c: Context, event_id: str, files: tuple[str, ...], note: str | None) -> None:
    """Attach evidence files (佐证材料) to an event: PDF, JPEG, PNG, OFD, .docx or .xlsx, checked by
    their content (anything else exit 2), at most 20 MB each (LEDGER_EVIDENCE_MAX_MB); each file is
    kept once by its SHA-256 and recorded as an evidence record (evidence_attached) in the event's
    stream."""
    from ..workflows.evidence import Upload
    from ..workflows.evidence import attach as run

    uploads = [Upload.of_file(path) for path in files]
    for a in run(c.ledger, event_id, uploads, note):
        said = i18n.f("revision {revision}", revision=a.revision) if a.new else i18n._("already attached")
        size = i18n.f("{n} bytes", n=a.size)
        click.echo(f"{a.sha256}  {a.name}  {size}  {a.media_type}  → {a.target} ({said})")


@main.group()
def evidence() -> None:
    """Evidence files (佐证材料): get a file's bytes by its SHA-256, withdraw one."""


@evidence.command("get")
@click.argument("sha256", metavar="SHA256")
@click.option("--output", metavar="F", help="where to write the file (default: standard output, when redirected)")
@pass_ctx
def evidence_get(c: Context, sha256: str, output: str | None) -> None:
    """Write an evidence file's bytes (exit 2 when the hash names no file or the file was withdrawn)."""
    from ..workflows.evidence import read

    file, data = read(c.ledger, sha256)
    target = need_output(file.media_type, output)
    if isinstance(target, str):
        with open(target, "wb") as handle:
            handle.write(data)
        click.echo(i18n.f("wrote {path} ({name}, {size} bytes, {media_type})", path=target, name=file.name,
                          size=file.size, media_type=file.media_type), err=True)
    else:
        target.write(data)


@evidence.command("withdraw")
@click.argument("sha256", metavar="SHA256")
@click.option("--reason", required=True, help="why (e.g. personal data uploaded by mistake)")
@pass_ctx
def evidence_withdraw(c: Context, sha256: str, reason: str) -> None:
    """Remove an evidence file's bytes (personal data uploaded by mistake) and record why; the hash
    and the records stay, and pages show the file as withdrawn."""
    from ..workflows.evidence import withdraw

    for record_id, revision in withdraw(c.ledger, sha256, reason):
        click.echo(revision_text(record_id, revision))
