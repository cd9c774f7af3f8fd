"""What every command shares: the store context, errors → exit codes, option names, the
``--format`` choices of a report and where its output goes."""

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

from ..errors import InputError, LedgerError
from ..policies.errors import CalendarError, PolicyError
from ..reports import formats
from ..store.backends import StoreUnavailable
from ..store.url import StoreUrlError

if TYPE_CHECKING:
    from ..app import Ledger
    from ..projections.scoreboard import Scoreboard

# The ledger uses no pydantic plugin; looking for them reads every installed package's metadata
# (part of each command's start-up). A user who sets the variable keeps their choice.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# Start-up: the command modules import only what every command needs (click, the error classes,
# the cheap report modules); the library (`..app`: pydantic models, policies, the store),
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
            from ..app import Ledger

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


class FormatChoice(click.Choice):
    """The formats a report registered (``ledger.reports.formats``), looked up when the
    option is parsed or shown, so a format registered anywhere is offered by every command
    that shows the report."""

    def __init__(self, report: str) -> None:
        self.report = report
        super().__init__([])

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(formats.formats(self.report))

    @choices.setter
    def choices(self, value: Any) -> None:
        pass


def format_option(report: str, default: str = "table") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` with the report's registered formats."""
    return click.option("--format", "fmt", type=FormatChoice(report), default=default,
                        help=f"one of the formats of the {report} report")


def show(report: str, fmt: str, value: Any, output: str | None = None, **options: Any) -> None:
    """Render ``value`` in a registered format: text to --output or standard output, bytes
    (xlsx) to --output or redirected standard output."""
    form = formats.get(report, fmt)
    data = form.render(value, **options)
    if isinstance(data, bytes):
        target = need_output(fmt, output)
        if isinstance(target, str):
            with open(target, "wb") as handle:
                handle.write(data)
        else:
            target.write(data)
        return
    if form.exact and not output:
        click.echo(data, nl=False)
        return
    emit(data, output)


def board(c: Context, policy_ref: str | None, policy_file: str | None, as_of: str | None, known_at: str | None,
          track: str | None, unit: str | None, focus: str | None = None) -> Scoreboard:
    pol = c.ledger.policy(policy_ref, policy_file)
    progress = Progress(f"scoring {pol.ref} (units read)")
    try:
        return c.ledger.scoreboard(pol, as_of=parse_date(as_of, "--as-of"), known_at=known_at,
                                   tracks=[track] if track else None, units=[unit] if unit else None,
                                   focus=focus, on_unit=progress.advance)
    finally:
        progress.close()


