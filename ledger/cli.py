"""The `ledger` command line: parse, call the library, render. No domain logic here."""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

# The ledger uses no pydantic plugin; looking for them reads every installed package's metadata
# (~20 ms of each command's start-up). A user who sets the variable keeps their choice.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from .errors import InputError, LedgerError
from .policies.errors import CalendarError, PolicyError
from .reports import explain as explain_report
from .reports import scores as score_report
from .reports import text as render
from .reports.safe import file_name
from .reports.xlsx import write_workbook
from .store.backends import StoreUnavailable
from .store.url import StoreUrlError

if TYPE_CHECKING:
    from .app import Ledger

# Start-up: this module imports only what every command needs (click and the error classes,
# the report modules are cheap); the library (`.app`: pydantic models, policies, the store),
# openpyxl, PostgreSQL drivers and the rest are imported inside the commands that use them.
# `benchmarks/startup_bench.py` times it; tests/test_startup.py keeps it so.


class Context:
    def __init__(self, db: str | None, actor: str | None):
        self.db, self.actor = db, actor
        self._ledger: Ledger | None = None

    CREATING = {"init", "demo", "units import", "policy load"}

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            names: list[str] = []
            ctx = click.get_current_context()
            while ctx.parent is not None:  # the subcommand names, whatever the program is called
                names.insert(0, ctx.info_name or "")
                ctx = ctx.parent
            command = " ".join(names)
            from .app import Ledger

            self._ledger = Ledger(self.db, actor=self.actor, create=command in self.CREATING)
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()


class Progress:
    """Progress on stderr when it is a terminal; silent when piped."""

    def __init__(self, label: str, total: int | None = None):
        self.label, self.total, self.done = label, total, 0
        self.enabled = sys.stderr.isatty()
        self.start = self.last = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self.last > 0.2:
            self.last = now
            pct = f" {100 * self.done / self.total:5.1f}%" if self.total else f" {self.done:,}"
            sys.stderr.write(f"\r{self.label}:{pct}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\r" + " " * (len(self.label) + 12) + "\r")
            sys.stderr.flush()


def fail(message: str, code: int = 2) -> None:
    click.echo(f"ledger: {message}", err=True)
    sys.exit(code)


_PARAM_OF_CONCEPT = {"event": "event_id", "appeal": "appeal_id", "publication": "pub_id", "policy": "policy_ref"}
"""Concepts the library names in errors whose command parameter has another name."""


def option_label(command: click.Command, concept: str | None) -> str | None:
    """How this command spells a concept the library named in an error: ``track`` is
    ``--track``, ``unit`` is ``UNIT`` for ``explain`` and ``--unit`` for ``score``."""
    if not concept:
        return concept
    wanted = {concept, _PARAM_OF_CONCEPT.get(concept, concept)}
    for param in command.params:
        if param.name in wanted:
            if isinstance(param, click.Option):
                return max(param.opts, key=len)
            name = param.human_readable_name
            return name[1:-1] if name.startswith("[") and name.endswith("]") else name  # optional: [ID]
    return concept


class LedgerCommand(click.Command):
    """Names a library error's field as this command's option or argument."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            label = option_label(self, exc.field)
            if label == exc.field:
                raise
            raise exc.relabelled(label) from None


class CommandGroup(click.Group):
    """A command group (``units``, ``policy``, ``appeal``) whose commands name fields as above."""

    command_class = LedgerCommand


class LedgerGroup(click.Group):
    """Turns library errors into messages and exit codes (2 input, 1 check, 3 store)."""

    command_class = LedgerCommand
    group_class = CommandGroup

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreUrlError as exc:
            fail(str(exc), 2)
        except StoreUnavailable as exc:
            fail(f"store unavailable: {exc}", 3)
        except LedgerError as exc:
            fail(str(exc), exc.exit_code)
        except (PolicyError, CalendarError) as exc:
            fail(str(exc), 2)
        except BrokenPipeError:  # the reader of our output went away (`ledger history X | head`)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as exc:  # e.g. --output into a folder that does not exist
            fail(f"{exc.filename or 'file'}: {exc.strerror or exc}", 2)
        finally:
            obj = ctx.obj
            if isinstance(obj, Context):
                obj.close()


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("an ISO date YYYY-MM-DD", field=option, got=repr(value)) from None


def parse_sets(pairs: tuple[str, ...], option: str = "--set") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError("field=value", field=option, got=repr(pair))
        key, value = pair.split("=", 1)
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                out[key.strip()] = json.loads(text)
                continue
            except json.JSONDecodeError:
                pass
        out[key.strip()] = value
    return out


@click.group(cls=LedgerGroup)
@click.option("--db", envvar="LEDGER_DB", help="sqlite:///path.db (default ./ledger.db) or postgresql://user@host:port/db")
@click.option("--actor", envvar="LEDGER_ACTOR", help="who is writing (stamped on every record)")
@click.version_option(package_name="ledger")
@click.pass_context
def main(ctx: click.Context, db: str | None, actor: str | None) -> None:
    """The assessment ledger: immutable unit event streams, scores replayed from policy."""
    ctx.obj = Context(db, actor)
    # A command is one short process: the interpreter's final collection at exit would only
    # walk the objects the imports made (tens of ms of a cold `explain`); freeze them first.
    atexit.register(gc.freeze)


pass_ctx = click.make_pass_decorator(Context)


@main.command()
@pass_ctx
def init(c: Context) -> None:
    """Create the store (safe to run twice)."""
    c.ledger.init()
    revision, digest = c.ledger.head()
    click.echo(f"store ready: {c.ledger.url.display} (head revision {revision}, {digest[:16]})")


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
    click.echo(f"units: {changed} registered or updated, {same} unchanged")


@units.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def units_list(c: Context, fmt: str) -> None:
    rows = c.ledger.units()
    if fmt == "json":
        click.echo(render.to_json([{"id": u.id, "name": u.name, "groups": list(u.groups),
                                    "divisions": list(u.divisions)} for u in rows]))
        return
    click.echo(render.table([(u.id, u.name, ";".join(u.groups), ";".join(u.divisions)) for u in rows],
                            ["id", "name", "groups", "divisions"]))


@main.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--unit", required=True)
@click.option("--date", "date", required=True, help="ISO date the fact happened")
@click.option("--id", "event_id")
@click.option("--source")
@click.option("--note")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE")
@pass_ctx
def record(c: Context, type_name: str, unit: str, date: str, event_id: str | None, source: str | None,
           note: str | None, sets: tuple[str, ...]) -> None:
    """Record one event; prints its id and revision."""
    fields = parse_sets(sets)
    named = sorted(set(fields) & {"type", "unit", "date", "id", "source", "note"})
    if named:
        raise InputError(f"--unit/--date/--id/--source/--note for envelope keys, not --set {named[0]}=…",
                         field="--set")
    data = {"type": type_name, "unit": unit, "date": date, "id": event_id, "source": source,
            "note": note, **fields}
    event_id, revision = c.ledger.record(data)
    click.echo(f"{event_id} revision {revision}")


@main.command("import")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="validate everything, write nothing")
@pass_ctx
def import_(c: Context, file: str, dry_run: bool) -> None:
    """Bulk import per EVENTS.md (all-or-nothing, idempotent on id)."""
    size = os.path.getsize(file) if os.path.exists(file) else None
    progress = Progress(f"importing {os.path.basename(file)}", size)
    try:
        result = c.ledger.import_file(file, dry_run=dry_run, on_bytes=progress.advance)
    finally:
        progress.close()
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb}: {result.new} new, {result.present} already present")


@main.command()
@click.argument("event_id", metavar="ID")
@click.option("--reason", required=True)
@click.option("--decision", help="document reference of the decision")
@click.option("--date", help="date of the retraction (default today)")
@pass_ctx
def retract(c: Context, event_id: str, reason: str, decision: str | None, date: str | None) -> None:
    """Retract an event: it stops counting for every as-of date, from now on."""
    new_id, revision = c.ledger.retract(event_id, reason, decision, parse_date(date, "--date"))
    click.echo(f"{new_id} revision {revision}")


@main.command()
@click.argument("event_id", metavar="ID")
@click.option("--set", "sets", multiple=True, required=True, metavar="FIELD=VALUE")
@click.option("--reason", required=True)
@click.option("--date", help="date of the correction (default today)")
@pass_ctx
def correct(c: Context, event_id: str, sets: tuple[str, ...], reason: str, date: str | None) -> None:
    """Correct fields of an event; the original stays in history."""
    new_id, revision = c.ledger.correct(event_id, parse_sets(sets), reason, parse_date(date, "--date"))
    click.echo(f"{new_id} revision {revision}")


@main.command()
@click.argument("unit")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def history(c: Context, unit: str, fmt: str) -> None:
    """Every event of a unit with revision, recorded_at, actor and what amended it."""
    rows = c.ledger.history(unit)
    if fmt == "json":
        click.echo(render.to_json([{**{k: v for k, v in h.record.data.items() if k != "hash"},
                                    "stream": h.record.stream, "retracted_by": h.retracted_by,
                                    "corrected_by": h.corrected_by} for h in rows]))
        return
    out = []
    for h in rows:
        d = h.record.data
        detail = {k: v for k, v in d.items() if k not in
                  ("type", "unit", "date", "id", "actor", "recorded_at", "revision", "hash")}
        status = f"retracted by {h.retracted_by}" if h.retracted_by else ""
        if h.corrected_by:
            status = (status + "; " if status else "") + "corrected by " + ", ".join(h.corrected_by)
        out.append((d["revision"], d["recorded_at"][:19] + "Z", d["actor"], d["date"], d["type"], d["id"],
                    _short(render.to_json(detail, indent=None)), status))
    click.echo(render.table(out, ["rev", "recorded_at", "actor", "date", "type", "id", "fields", "status"]))


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


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
    progress = Progress("verifying")
    try:
        result = c.ledger.verify(progress.advance)
    finally:
        progress.close()
    if not result.ok:
        click.echo(f"TAMPERED: {result.problem}", err=True)
        # Every record checked out when the problem lies in an index table or the head.
        click.echo(f"first bad revision: {result.bad_revision}" if result.bad_revision is not None else
                   f"first bad record: none (all {result.records} records intact; an index table or the head "
                   "was altered)")
        sys.exit(1)
    for revision, digest in expected:
        actual = c.ledger.store.hash_at(revision) if revision <= result.revision else None
        if actual != digest:
            click.echo(f"TAMPERED: the chain hash at revision {revision} is {actual or 'missing'}, which does "
                       f"not match the anchor {digest} (history rewritten or cut)", err=True)
            click.echo(f"first bad revision: {revision}")
            sys.exit(1)
    click.echo(f"ok: {result.records} records, head revision {result.revision} {result.hash}" +
               (f"; {len(expected)} anchor(s) match" if expected else ""))


# --- policies and scores -------------------------------------------------------------------

def emit(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def need_output(fmt: str, output: str | None) -> Any:
    """Where a binary format goes: the file, or standard output when it is redirected (not
    onto a terminal, which would only show bytes)."""
    if output:
        return output
    if sys.stdout.isatty():
        raise InputError(f"--output FILE, or standard output redirected to a file (the {fmt} format is binary)",
                         field="--output")
    sys.stdout.flush()
    return sys.stdout.buffer


def policy_options(func: Callable) -> Callable:
    func = click.option("--policy-file", "policy_file", help="score with an unpublished policy file (what-if)")(func)
    return click.option("--policy", "policy_ref", metavar="ID[@VERSION]", help="a bundled or published policy")(func)


def as_of_options(func: Callable) -> Callable:
    func = click.option("--known-at", "known_at", metavar="REV|TIMESTAMP",
                        help="what the ledger knew at a revision or moment (default: now)")(func)
    return click.option("--as-of", "as_of", metavar="DATE",
                        help="what had happened by this date (default: the policy year's last day)")(func)


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
    click.echo(ref if new else f"{ref} (already published, unchanged)")


@policy.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def policy_list(c: Context, fmt: str) -> None:
    entries = c.ledger.policies.entries()
    rows: list[dict[str, Any]] = [
        {"policy": e.ref, "year": e.year, "title": e.title, "origin": e.origin, "sha256": e.sha256,
         "effective_from": e.effective_from, "change_note": e.change_note} for e in entries]
    if fmt == "json":
        click.echo(render.to_json(rows))
        return
    click.echo(render.table([(r["policy"], r["year"], r["title"], r["origin"], r["sha256"][7:23])
                             for r in rows], ["policy", "year", "title", "origin", "sha256"]))


@policy.command("show")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option("--format", "fmt", type=click.Choice(["tree", "yaml", "json"]), default="tree")
@pass_ctx
def policy_show(c: Context, ref: str, fmt: str) -> None:
    """The indicator tree with points, 原文, 计分方式, 数据来源 and readings (or the policy file itself)."""
    entry = c.ledger.policies.find(ref, "ID")
    if fmt == "yaml":
        click.echo(entry.text, nl=False)
        return
    pol = entry.policy()
    if fmt == "json":
        click.echo(render.to_json(pol.model_dump(mode="json", exclude_none=True)))
        return
    click.echo(f"{pol.ref}  {pol.title}  (year {pol.year}; {entry.origin}; {entry.sha256[:23]}…)")
    for src in pol.sources:
        click.echo(f"  source: {src.title} {src.doc_number or ''} {src.ref or ''}".rstrip())
    for track in pol.tracks:
        grades = ", ".join(f"{g.grade}≥{g.min}" if g.min is not None else g.grade for g in track.grades or [])
        click.echo(f"\ntrack {track.id} {track.name} — group {track.group}" + (f"; grades {grades}" if grades else ""))

        def walk(nodes, depth):
            for n in nodes:
                points = f" ({render.number_text(n.points)})" if n.points is not None else ""
                click.echo(f"{'  ' * depth}{n.id} {n.name}{points}")
                for label, text in (("原文", n.clause), ("计分方式", n.method), ("数据来源", n.data_source),
                                    ("解读 reading", n.reading)):
                    if text:
                        click.echo(f"{'  ' * depth}  {label}: {_short(text, 100)}")
                walk(n.children or [], depth + 1)
        walk(track.indicators, 1)


def _board(c: Context, policy_ref, policy_file, as_of, known_at, track, unit, focus=None):
    pol = c.ledger.policy(policy_ref, policy_file)
    progress = Progress(f"scoring {pol.ref} (units read)")
    try:
        return c.ledger.scoreboard(pol, as_of=parse_date(as_of, "--as-of"), known_at=known_at,
                                   tracks=[track] if track else None, units=[unit] if unit else None,
                                   focus=focus, on_unit=progress.advance)
    finally:
        progress.close()


@main.command()
@policy_options
@click.option("--track")
@click.option("--unit")
@as_of_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table")
@click.option("--output", help="write to this file instead of stdout")
@pass_ctx
def score(c: Context, policy_ref, policy_file, track, unit, as_of, known_at, fmt, output) -> None:
    """Scores of every unit of every track (or the ones asked for)."""
    board = _board(c, policy_ref, policy_file, as_of, known_at, track, unit)
    if fmt == "xlsx":
        score_report.write_xlsx(board, need_output(fmt, output))
        return
    emit({"table": score_report.as_table, "json": score_report.as_json, "csv": score_report.as_csv}[fmt](board),
         output)


@main.command()
@click.argument("unit")
@policy_options
@click.option("--track")
@as_of_options
@click.option("--by", type=click.Choice(explain_report.GROUPINGS), default="indicator")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "md", "html", "xlsx"]),
              default="table")
@click.option("--output", help="write to this file instead of stdout")
@pass_ctx
def explain(c: Context, unit, policy_ref, policy_file, track, as_of, known_at, by, fmt, output) -> None:
    """The explanation trail of one unit's score: every point to its event and clause."""
    board = _board(c, policy_ref, policy_file, as_of, known_at, track, None, focus=unit)
    ex = explain_report.Explanation(board, board.card(unit, track))
    if fmt == "xlsx":
        write_workbook(need_output(fmt, output), explain_report.xlsx_sheets(ex, by),
                       notes=explain_report.header_lines(ex))
        return
    renderers = {"table": lambda: explain_report.as_table(ex, by), "json": lambda: explain_report.as_json(ex),
                 "csv": lambda: explain_report.as_csv(ex, by), "md": lambda: explain_report.as_markdown(ex, by),
                 "html": lambda: explain_report.as_html(ex, by)}
    emit(renderers[fmt](), output)


@main.command()
@policy_options
@click.option("--against", "against_ref", metavar="ID[@VERSION]|FILE",
              help="the other policy: an amended version, or a policy file")
@click.option("--against-file", "against_file", help="the other policy as an unpublished file")
@click.option("--track")
@as_of_options
@click.option("--against-known-at", "against_known_at", metavar="REV|TIMESTAMP",
              help="compare with what the ledger knew then (default: now)")
@click.option("--since-publication", "since", metavar="ID", help="compare a published result with now")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def diff(c: Context, policy_ref, policy_file, against_ref, against_file, track, as_of, known_at, against_known_at,
         since, fmt) -> None:
    """Recompute under other rules or other knowledge; show what changes per unit and indicator, and why."""
    from .projections.diff import diff as compute_diff

    day = parse_date(as_of, "--as-of")
    if since:
        from .workflows import publishing

        pub = publishing.find(c.ledger, since)
        before_policy = publishing.policy_of(c.ledger, pub)
        policy_ref, known_at, day, track = pub.policy, str(pub.known_at), day or pub.as_of, track or pub.track
    elif not (against_ref or against_file or against_known_at or known_at):
        raise InputError("--against ID[@VERSION], --against-file FILE, --known-at/--against-known-at or "
                         "--since-publication ID", field="--against")
    else:
        before_policy = c.ledger.policy(policy_ref, policy_file)
    if against_ref and not against_file and (against_ref.endswith((".yaml", ".yml")) or os.path.isfile(against_ref)):
        against_ref, against_file = None, against_ref  # --against FILE: "another file" (CLI.md)
    after_policy = c.ledger.policy(against_ref, against_file, "--against") if (against_ref or against_file) \
        else before_policy
    tracks = [track] if track else None
    before = c.ledger.scoreboard(before_policy, as_of=day, known_at=known_at, tracks=tracks)
    after = c.ledger.scoreboard(after_policy, as_of=day, known_at=against_known_at, tracks=tracks)
    result = compute_diff(before, after)
    if fmt == "json":
        click.echo(render.to_json(result.to_dict()))
        return
    click.echo(f"before: {before.policy.ref} as of {before.as_of} known at {before.known_at}")
    click.echo(f"after:  {after.policy.ref} as of {after.as_of} known at {after.known_at}")
    if result.rule_changes:
        click.echo("\nrule changes:")
        for note in result.rule_changes:
            click.echo(f"  - {note}")
    if not result.changes:
        click.echo("\nno unit's score changes")
        return
    rows = [(ch.track, ch.unit, ch.name, ch.indicator, render.number_text(ch.before), render.number_text(ch.after),
             render.number_text(ch.delta) if ch.delta is not None else "", "\n".join(ch.causes))
            for ch in result.changes]
    click.echo("")
    click.echo(render.table(rows, ["track", "unit", "name", "indicator", "before", "after", "Δ", "because"]))


@main.command()
@policy_options
@click.option("--period", required=True, metavar="YYYY-MM", help="the month of the bulletin")
@click.option("--track")
@as_of_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table")
@click.option("--output", help="write to this file instead of stdout")
@pass_ctx
def bulletin(c: Context, policy_ref, policy_file, period, track, as_of, known_at, fmt, output) -> None:
    """The monthly bulletin (月通报): the policy's own tables, else scores and ranks."""
    from .projections.bulletin_tables import build_bulletin
    from .reports import bulletins as bulletin_report

    pol = c.ledger.policy(policy_ref, policy_file)
    report = build_bulletin(c.ledger.view(known_at), pol, period, track=track, as_of=parse_date(as_of, "--as-of"))
    if fmt == "xlsx":
        bulletin_report.write_xlsx(report, need_output(fmt, output))
        return
    emit({"table": bulletin_report.as_table, "csv": bulletin_report.as_csv,
          "json": bulletin_report.as_json}[fmt](report), output)


# --- publication, appeals, packets ----------------------------------------------------------

@main.command()
@click.option("--policy", "policy_ref", required=True, metavar="ID[@VERSION]")
@click.option("--as-of", "as_of", metavar="DATE")
@click.option("--period", metavar="YYYY-MM", help="publish the monthly bulletin of this month")
@click.option("--track")
@click.option("--known-at", "known_at", metavar="REV|TIMESTAMP")
@pass_ctx
def publish(c: Context, policy_ref, as_of, period, track, known_at) -> None:
    """Record that a score table (or, with --period, a bulletin) was published."""
    from .workflows import publishing

    pub, new = publishing.publish(c.ledger, policy_ref, as_of=parse_date(as_of, "--as-of"), period=period,
                                  track=track, known_at=known_at)
    click.echo(f"{pub.id}{'' if new else ' (already published)'}: {pub.kind} {pub.policy} as of {pub.as_of}"
               f"{' period ' + pub.period if pub.period else ''} known at revision {pub.known_at} "
               f"chain hash {pub.head[:16]} content sha256 {pub.content_sha256[:16]}")


@main.command()
@click.argument("pub_id", metavar="[ID]", required=False)
@click.option("--content", is_flag=True, help="print the regenerated published content")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def published(c: Context, pub_id, content, fmt) -> None:
    """List publications; with ID, regenerate it and check it byte for byte."""
    from .workflows import publishing

    if pub_id is None:
        pubs = publishing.publications(c.ledger)
        if fmt == "json":
            click.echo(render.to_json([p.to_dict() for p in pubs]))
            return
        click.echo(render.table([(p.id, p.kind, p.policy, p.as_of, p.period or "", p.track or "", p.known_at,
                                  p.recorded_at[:19] + "Z", p.actor, p.content_sha256[:16]) for p in pubs],
                                ["id", "kind", "policy", "as_of", "period", "track", "known_at", "published",
                                 "actor", "sha256"]))
        return
    pub = publishing.find(c.ledger, pub_id)
    text, same = publishing.reproduce(c.ledger, pub)
    if content:
        click.echo(text, nl=False)
        return
    if fmt == "json":
        click.echo(render.to_json({**pub.to_dict(), "reproduced": same}))
    else:
        for key, value in pub.to_dict().items():
            click.echo(f"{key:>15}: {value}")
        click.echo(f"{'reproduced':>15}: " + ("yes, byte for byte (sha256 matches)" if same else
                                               "NO — the regenerated content differs"))
    if not same:
        sys.exit(1)


@main.group()
def appeal() -> None:
    """Appeals (申诉复核): file, decide, list, show."""


@appeal.command("file")
@click.option("--unit", required=True)
@click.option("--target", "targets", multiple=True, required=True, metavar="ID")
@click.option("--grounds", required=True)
@click.option("--id", "appeal_id")
@click.option("--publication", help="the publication appealed against (default: the latest covering the unit)")
@click.option("--late-override", "late_override", metavar="REASON", help="accept an appeal filed after the window")
@pass_ctx
def appeal_file(c: Context, unit, targets, grounds, appeal_id, publication, late_override) -> None:
    from .workflows import appeals

    new_id, revision, note = appeals.file(c.ledger, unit, list(targets), grounds, appeal_id=appeal_id,
                                          publication=publication, late_override=late_override)
    click.echo(f"{new_id} revision {revision}  ({note})")


@appeal.command("decide")
@click.argument("appeal_id", metavar="APPEAL")
@click.option("--outcome", required=True, type=click.Choice(["upheld", "partially_upheld", "rejected"]))
@click.option("--reason", required=True)
@click.option("--retract", "retracts", multiple=True, metavar="ID")
@click.option("--correct", "corrects", multiple=True, nargs=2, metavar="ID FIELD=VALUE")
@click.option("--reviewer")
@pass_ctx
def appeal_decide(c: Context, appeal_id, outcome, reason, retracts, corrects, reviewer) -> None:
    """Record the decision with the retractions/corrections it orders, in one write."""
    from .workflows import appeals

    grouped: dict[str, dict[str, Any]] = {}
    for target, pair in corrects:
        grouped.setdefault(target, {}).update(parse_sets((pair,), "--correct"))
    written = appeals.decide(c.ledger, appeal_id, outcome, reason, retract=list(retracts),
                             correct=list(grouped.items()), reviewer=reviewer)
    for event_id, revision in written:
        click.echo(f"{event_id} revision {revision}")


@appeal.command("list")
@click.option("--open", "only_open", is_flag=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def appeal_list(c: Context, only_open, fmt) -> None:
    from .workflows import appeals

    rows = [a for a in appeals.appeals(c.ledger) if a.open or not only_open]
    if fmt == "json":
        click.echo(render.to_json([a.to_dict() for a in rows]))
        return
    click.echo(render.table([(a.id, a.unit, a.date, ", ".join(a.targets), _short(a.grounds, 30),
                              a.publication or "", "open" if a.decision is None else a.decision["outcome"],
                              "" if a.decision is None else a.decision.get("reviewer") or "",
                              ", ".join(o["id"] for o in a.orders),
                              "late: " + a.late_override if a.late_override else "")
                             for a in rows],
                            ["id", "unit", "filed", "targets", "grounds", "publication", "status", "reviewer",
                             "orders", "note"]))


@appeal.command("show")
@click.argument("appeal_id", metavar="APPEAL")
@click.option("--policy", "policy_ref", metavar="ID[@VERSION]", help="default: the appealed publication's")
@click.option("--as-of", "as_of", metavar="DATE")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def appeal_show(c: Context, appeal_id, policy_ref, as_of, fmt) -> None:
    """Before/after of the unit and of every peer whose rank or rank-based points move."""
    from .workflows import appeals

    eff = appeals.effect(c.ledger, appeal_id, policy_ref=policy_ref, as_of=parse_date(as_of, "--as-of"))
    a = eff.appeal
    doc = {"appeal": a.to_dict(), "hypothetical": eff.hypothetical,
           "before": {"policy": eff.before.policy.ref, "as_of": eff.before.as_of, "known_at": eff.before.known_at},
           "after": {"policy": eff.after.policy.ref, "as_of": eff.after.as_of, "known_at": eff.after.known_at},
           "unit": [ch.to_dict() for ch in eff.unit_changes], "peers": [ch.to_dict() for ch in eff.peer_changes]}
    if fmt == "json":
        click.echo(render.to_json(doc))
        return
    status = "open — what upholding it in full would change" if a.decision is None else \
        f"{a.decision['outcome']} by {a.decision.get('reviewer')}: {a.decision['reason']}"
    click.echo(f"appeal {a.id} of {a.unit} filed {a.date}: {a.grounds}")
    click.echo(f"targets: {', '.join(a.targets)}   status: {status}")
    if a.late_override:
        click.echo(f"accepted late: {a.late_override}")
    for order in a.orders:
        click.echo(f"  order {order['id']} ({order['type']} of {order['target']}) revision {order['revision']}")
    click.echo(f"before: known at {eff.before.known_at}   after: known at {eff.after.known_at}   "
               f"({eff.after.policy.ref}, as of {eff.after.as_of})")

    def rows(changes):
        return [(ch.unit, ch.name, ch.track, ch.indicator, render.number_text(ch.before),
                 render.number_text(ch.after), "\n".join(ch.causes)) for ch in changes]
    click.echo("\nthe unit:")
    click.echo(render.table(rows(eff.unit_changes), ["unit", "name", "track", "indicator", "before", "after",
                                                     "because"]) if eff.unit_changes else "  no change")
    click.echo("\nother units whose rank or rank-based points change:")
    click.echo(render.table(rows(eff.peer_changes), ["unit", "name", "track", "indicator", "before", "after",
                                                     "because"]) if eff.peer_changes else "  none")


@main.command()
@click.argument("unit")
@policy_options
@click.option("--track")
@as_of_options
@click.option("--output", help="the zip to write (default UNIT-POLICY.zip)")
@pass_ctx
def packet(c: Context, unit, policy_ref, policy_file, track, as_of, known_at, output) -> None:
    """One zip for a reviewer: explanation (html, json, csv), cited events with their
    history, the policy file, the pinned chain hash and how to verify and re-derive."""
    from .workflows.packets import build_packet

    board = _board(c, policy_ref, policy_file, as_of, known_at, track, None, focus=unit)
    ex = explain_report.Explanation(board, board.card(unit, track))
    if policy_file:
        with open(policy_file, encoding="utf-8-sig") as handle:
            text = handle.read()
    else:
        text = c.ledger.policies.find(policy_ref).text
    data = build_packet(c.ledger, ex, text)
    path = output or file_name(f"{unit}-{board.policy.ref.replace('@', '-')}") + ".zip"  # in this folder
    with open(path, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {path} ({len(data):,} bytes): explanation for {unit} under {board.policy.ref} as of "
               f"{board.as_of} known at revision {board.known_at}")


@main.command()
@click.option("--as-of", "as_of", default="2022-01-31", show_default=True, metavar="DATE",
              help="score the sample year as of this date (after the Q4 reports are due)")
@pass_ctx
def demo(c: Context, as_of: str) -> None:
    """Load the bundled sample roster and year (jingkai-2021, jiangxian-2021) into the store,
    then print score tables and the explanation of the unit that lost most points."""
    from .demo import DEMO_POLICIES, biggest_loser, demo_files

    units_file, events_file = demo_files()
    c.ledger.init()
    changed, same = c.ledger.import_units(units_file)
    result = c.ledger.import_file(events_file)
    revision, digest = c.ledger.head()
    click.echo(f"sample data: {changed + same} units, {result.new} new events ({result.present} already present); "
               f"ledger head revision {revision} {digest[:16]}\n")
    day = parse_date(as_of, "--as-of")
    boards = [c.ledger.scoreboard(c.ledger.policy(ref), as_of=day) for ref in DEMO_POLICIES]
    for board in boards:
        click.echo(score_report.as_table(board))
        click.echo("")
    card, lost = biggest_loser(boards[0])
    board = c.ledger.scoreboard(boards[0].policy, as_of=day, focus=card.unit)
    click.echo(f"The unit that lost most points under {boards[0].policy.ref}: {card.unit} {card.name} "
               f"(−{render.number_text(lost)} in deductions)\n")
    click.echo(explain_report.as_table(explain_report.Explanation(board, board.card(card.unit, card.track))))


# --- the Merkle log (issue #18): keys, checkpoints, proofs, migrations ------------------------
from . import cli_proofs  # noqa: E402 - registered after `main` exists

for _command in cli_proofs.COMMANDS:
    main.add_command(_command)
cli_proofs.extend_verify(main.commands["verify"])


if __name__ == "__main__":  # pragma: no cover
    main()
