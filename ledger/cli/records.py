"""Writing and reading the record: init, units, record, import, retract, correct, history, verify."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from .. import i18n
from ..errors import InputError
from ..i18n import Msg
from .base import Context, Progress, format_option, main, parse_date, parse_sets, pass_ctx, show, wide_option

if TYPE_CHECKING:
    from ..intake.batches import IntakeResult


@main.command()
@pass_ctx
def init(c: Context) -> None:
    """Create the store (safe to run twice)."""
    c.ledger.init()
    revision, digest = c.ledger.head()
    click.echo(i18n.f("store ready: {url} (head revision {revision}, {hash})", url=c.ledger.url.display,
                      revision=revision, hash=digest[:16]))


@main.group()
def units() -> None:
    """The unit roster (考核对象)."""


@units.command("import")
@click.argument("file")
@pass_ctx
def units_import(c: Context, file: str) -> None:
    """Register or update units from CSV/JSONL: id,name,groups[,divisions] (';'-separated)."""
    c.ledger.init()
    changed, same = c.ledger.import_units(file)
    click.echo(i18n.f("units: {changed} registered or updated, {same} unchanged", changed=changed, same=same))


@units.command("list")
@format_option("units")
@pass_ctx
def units_list(c: Context, fmt: str) -> None:
    show("units", fmt, c.ledger.units())


@main.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--unit", required=True, help="the unit's id")
@click.option("--date", "date", required=True, help="ISO date the fact happened")
@click.option("--id", "event_id", help="the event's id (default: derived from its content)")
@click.option("--source", help="the document it comes from (文号)")
@click.option("--note", help="what happened, in a few words")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="a field of the event (repeatable)")
@pass_ctx
def record(c: Context, type_name: str, unit: str, date: str, event_id: str | None, source: str | None,
           note: str | None, sets: tuple[str, ...]) -> None:
    """Record one event; prints its id and revision."""
    fields = parse_sets(sets)
    named = sorted(set(fields) & {"type", "unit", "date", "id", "source", "note"})
    if named:
        raise InputError(Msg("--unit/--date/--id/--source/--note for envelope keys, not --set {named}=…",
                             named=named[0]),
                         field="--set")
    data = {"type": type_name, "unit": unit, "date": date, "id": event_id, "source": source,
            "note": note, **fields}
    head, _ = c.ledger.head()
    event_id, revision = c.ledger.record(data)
    # Without --id the event's id is derived from its content: recording it again adds nothing.
    click.echo(revision_text(event_id, revision) + (i18n._(" (already present)") if revision <= head else ""))


def revision_text(event_id: str, revision: int) -> str:
    """What a write prints: the event's id first (scripts take it), then its revision."""
    return i18n.f("{id} revision {revision}", id=event_id, revision=revision)


@main.command("import")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="validate everything, write nothing")
@click.option("--sheet", metavar="S", help="the .xlsx sheet to read (name or number; default the first)")
@click.option("--header-row", type=click.IntRange(min=1), metavar="N",
              help="the header row (default: found among the first 20 rows)")
@click.option("--encoding", metavar="E", help="a CSV file's encoding (default: detected; e.g. gb18030, utf-16)")
@click.option("--errors", "errors_out", metavar="OUT",
              help="write the refused rows, each with a 问题 column listing its problems, to OUT.csv or OUT.xlsx")
@click.option("--skip-bad", is_flag=True,
              help="write the rows without problems (one atomic write) and the refused ones to --errors OUT; "
                   "exit 1 when rows were held back")
@click.option("--allow-duplicates", is_flag=True,
              help="record probable duplicates of stored events (same unit, type, date and document or "
                   "ticket/item/report key, other content) instead of holding them back")
@click.option("--ignore-column", "ignore_columns", multiple=True, metavar="NAME",
              help="leave out a column that names no event field (repeatable)")
@click.option("--mapping", "mapping_file", metavar="FILE.yaml",
              help="read a platform export through a mapping (its columns → events; words → values); "
                   "a bundled one by name, e.g. 12345-tickets")
@click.option("--strict", is_flag=True,
              help="refuse items, report kinds, metrics, panels and channels no policy of the year names")
@pass_ctx
def import_(c: Context, file: str, dry_run: bool, sheet: str | None, header_row: int | None,
            encoding: str | None, errors_out: str | None, skip_bad: bool, allow_duplicates: bool,
            ignore_columns: tuple[str, ...], mapping_file: str | None, strict: bool) -> None:
    """Bulk import per EVENTS.md: JSONL, CSV or .xlsx (all-or-nothing unless --skip-bad; nothing twice: rows
    without an id are known by their content; every problem in one pass)."""
    from ..intake.sources import ReadOptions

    if errors_out and not errors_out.lower().endswith((".csv", ".xlsx")):
        raise InputError("a file name ending in .csv or .xlsx", field="--errors", got=repr(errors_out))
    if skip_bad and not errors_out:
        raise InputError("--errors OUT.xlsx|OUT.csv with --skip-bad (where the refused rows go)", field="--skip-bad")
    mapping = None
    if mapping_file:
        from ..intake.mapping import bundled, load_mapping

        if not os.path.exists(mapping_file) and os.path.isfile(bundled(mapping_file + ".yaml")):
            mapping_file = bundled(mapping_file + ".yaml")
        mapping = load_mapping(mapping_file)
        header_row = header_row or mapping.header_row
    options = ReadOptions(encoding=encoding, sheet=sheet, header_row=header_row, mapping=mapping,
                          ignore_columns=frozenset(n.strip() for n in ignore_columns))
    size = os.path.getsize(file) if os.path.exists(file) else None
    progress = Progress(i18n.f("importing {file}", file=os.path.basename(file)), size)
    try:
        result = c.ledger.import_file(file, dry_run=dry_run, on_bytes=progress.advance, options=options,
                                      strict=strict, allow_duplicates=allow_duplicates, skip_bad=skip_bad)
    except InputError as exc:
        if errors_out and os.path.isfile(file):
            from ..intake.problems import ManyProblems

            problems = exc.problems if isinstance(exc, ManyProblems) else [exc]
            _write_errors(file, options, problems, errors_out)
        raise
    finally:
        progress.close()
    _report_import(result, dry_run)
    if result.refused:
        assert errors_out is not None
        _write_errors(file, options, result.refused, errors_out)
        from ..wording import error_text

        for problem in result.refused[:MAX_LISTED]:
            click.echo("  " + error_text(problem), err=True)
        if len(result.refused) > MAX_LISTED:
            click.echo(i18n.f("  … and {n} more problems", n=len(result.refused) - MAX_LISTED), err=True)
        sys.exit(1)


MAX_LISTED = 200
"""Problems and notices an import lists on standard error (the errors file holds every row)."""


def _write_errors(file: str, options: object, problems: list[InputError], target: str) -> None:
    from ..intake.errors_file import write_errors

    written = write_errors(file, options, problems, target)  # type: ignore[arg-type]
    click.echo(i18n.f("{n} refused rows written to {path}", n=written, path=target), err=True)


def _report_import(result: IntakeResult, dry_run: bool) -> None:
    """Notices and warnings on standard error; the rows already present (their line and the
    stored id) and the counts on standard output, the counts last."""
    from ..wording import error_text

    for notice in result.notices[:MAX_LISTED]:
        click.echo(i18n.f("notice: {text}", text=error_text(notice)), err=True)
    for warning in result.warnings:
        click.echo(i18n.f("warning: {text}", text=warning), err=True)
    for origin, line, stored in result.present_rows:
        click.echo(i18n.f("{origin}:{line}: already present ({id})", origin=origin, line=line, id=stored))
    if result.present > len(result.present_rows) and result.present_rows:
        click.echo(i18n.f("… and {n} more rows already present", n=result.present - len(result.present_rows)))
    verb = i18n._("would import") if dry_run else i18n._("imported")
    counts = i18n.f("{new} new, {present} already present", new=result.new, present=result.present)
    if result.skipped:
        counts += i18n.f(", {n} skipped (template example rows)", n=result.skipped)
    if result.refused:
        counts += i18n.f(", {n} held back", n=result.held_back)
    click.echo(i18n.f("{verb}: {counts}", verb=verb, counts=counts))


@main.command()
@click.argument("event_id", metavar="ID")
@click.option("--reason", required=True, help="why (recorded with it)")
@click.option("--decision", help="document reference of the decision")
@click.option("--date", help="date of the retraction (default today)")
@pass_ctx
def retract(c: Context, event_id: str, reason: str, decision: str | None, date: str | None) -> None:
    """Retract an event: it stops counting for every as-of date, from now on."""
    new_id, revision = c.ledger.retract(event_id, reason, decision, parse_date(date, "--date"))
    click.echo(revision_text(new_id, revision))


@main.command()
@click.argument("event_id", metavar="ID")
@click.option("--set", "sets", multiple=True, required=True, metavar="FIELD=VALUE",
              help="a field of the event (repeatable)")
@click.option("--reason", required=True, help="why (recorded with it)")
@click.option("--date", help="date of the correction (default today)")
@pass_ctx
def correct(c: Context, event_id: str, sets: tuple[str, ...], reason: str, date: str | None) -> None:
    """Correct fields of an event; the original stays in history."""
    new_id, revision = c.ledger.correct(event_id, parse_sets(sets), reason, parse_date(date, "--date"))
    click.echo(revision_text(new_id, revision))


@main.command()
@click.argument("unit")
@format_option("history")
@pass_ctx
def history(c: Context, unit: str, fmt: str) -> None:
    """Every event of a unit with revision, recorded_at, actor and what amended it."""
    rows = c.ledger.history(unit)
    show("history", fmt, rows, policies=_naming_policies(c, unit, rows) if i18n.is_zh() and fmt != "json" else ())


def _naming_policies(c: Context, unit: str, rows: list) -> list:
    """The policies whose words name the unit's codes (report kinds, finding items …): those
    of its events' years with a track for one of its groups."""
    from ..policies.labels import policies_scoring

    groups = next((u.groups for u in c.ledger.units() if u.id == unit), ())
    years = {int(h.record.stream.rsplit(":", 1)[1]) for h in rows if h.record.stream.rsplit(":", 1)[1].isdigit()}
    return policies_scoring(c.ledger.policies.entries(), groups, years)


@main.command()
@click.option("--expect", "anchors", multiple=True, metavar="REV:HASH",
              help="a chain hash kept outside the ledger (e.g. from a published result) that must match")
@pass_ctx
def verify(c: Context, anchors: tuple[str, ...]) -> None:
    """Recompute the hash chain from the raw rows; exit 1 at the first bad record."""
    expected: list[tuple[int, str]] = []
    for anchor in anchors:
        rev_text, _, digest = anchor.partition(":")
        if not rev_text.isdigit() or len(digest) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in digest):
            raise InputError("REV:HASH, a revision and its 64-hex chain hash", field="--expect", got=repr(anchor))
        expected.append((int(rev_text), digest.lower()))
    progress = Progress(i18n._("verifying"))
    try:
        result = c.ledger.verify(progress.advance)
    finally:
        progress.close()
    if not result.ok:
        click.echo(i18n.f("TAMPERED: {problem}", problem=i18n.tr(result.problem)), err=True)
        # Every record checked out when the problem lies in an index table or the head.
        if result.evidence is not None and result.evidence.bad_file is not None:
            click.echo(i18n.f("first bad evidence file: {file} (all {records} records intact)",
                              file=result.evidence.bad_file, records=result.records))
            sys.exit(1)
        click.echo(i18n.f("first bad revision: {revision}", revision=result.bad_revision)
                   if result.bad_revision is not None else
                   i18n.f("first bad record: none (all {records} records intact; an index table or the head was "
                          "altered)", records=result.records))
        sys.exit(1)
    for revision, digest in expected:
        actual = c.ledger.store.hash_at(revision) if revision <= result.revision else None
        if actual != digest:
            click.echo(i18n.f("TAMPERED: the chain hash at revision {revision} is {actual}, which does not match the "
                              "anchor {digest} (history rewritten or cut)", revision=revision,
                              actual=actual or i18n._("missing"), digest=digest), err=True)
            click.echo(i18n.f("first bad revision: {revision}", revision=revision))
            sys.exit(1)
    click.echo(i18n.f("ok: {records} records, head revision {revision} {hash}", records=result.records,
                      revision=result.revision, hash=result.hash) +
               (i18n.f("; {n} anchor(s) match", n=len(expected)) if expected else ""))
    if result.evidence is not None:
        totals = result.evidence
        click.echo(i18n.f("evidence: {files} files, {bytes} bytes, each re-hashed", files=totals.files,
                          bytes=totals.bytes)
                   + (i18n.f("; {n} withdrawn (bytes removed, records kept)", n=totals.withdrawn)
                      if totals.withdrawn else ""))


@main.command("types")
@click.argument("type_name", metavar="[TYPE]", required=False)
@wide_option
@pass_ctx
def types_(c: Context, type_name: str | None) -> None:
    """Event types and their fields: Chinese names, required or optional, allowed values."""
    from ..intake.templates import describe

    show("types", "table", describe(type_name))


@main.command("template")
@click.argument("type_names", metavar="TYPE...", nargs=-1, required=True)
@click.option("--output", "-o", metavar="FILE", help="where to write: F.xlsx (one sheet per type, drop-downs, a "
              "notes sheet) or F.csv (one type); the extension decides the format (default: template.xlsx)")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="the format, for an output of another name (default: the output's extension)")
@pass_ctx
def template(c: Context, type_names: tuple[str, ...], fmt: str | None, output: str | None) -> None:
    """Write a fill-in template (Chinese headers, drop-downs in Chinese, a marked example row import skips)."""
    from ..intake.templates import template_format, write_template

    path = output or ("template.xlsx" if fmt in (None, "xlsx") else f"{type_names[0]}.csv")
    write_template(list(type_names), path, template_format(path, fmt))
    click.echo(path)
