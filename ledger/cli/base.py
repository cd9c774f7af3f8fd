"""What every command shares: the store context, errors → exit codes, option names, the
``--format`` choices of a report and where its output goes."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .. import i18n
from ..errors import InputError, LedgerError
from ..i18n import Msg, _
from ..inputs import parse_date, parse_sets  # noqa: F401 - the commands' (and tests') import place
from ..policies.errors import CalendarError, PolicyError
from ..reports import formats
from ..store.backends import StoreUnavailable
from ..store.url import StoreUrlError
from ..wording import error_text  # the command line's errors read as the workbench's

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
            from ..reports.text import display_width  # a Chinese label takes two cells a character

            sys.stderr.write("\r" + " " * (display_width(self.label) + 12) + "\r")
            sys.stderr.flush()


def fail(message: str, code: int = 2) -> None:
    click.echo(f"ledger: {message}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    """A warning on standard error (the output itself stays as it is)."""
    click.echo(_("ledger: warning: ") + message, err=True)


# ---------------------------------------------------------------- language (--lang, LEDGER_LANG)

def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value or ctx.parent is None:  # the program's own --lang (or none: LEDGER_LANG) starts each run
        i18n.set_lang(value)
    _click_speaks(i18n.lang())
    return value


def lang_option() -> click.Option:
    """``--lang zh|en`` on the group and on every command (eager: it also sets --help's language)."""
    return click.Option(["--lang"], type=click.Choice(i18n.LANGS), is_eager=True, expose_value=False,
                        callback=_set_lang, help="language of what a person reads: zh (default) or en; "
                                                 "also LEDGER_LANG")


_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "types", "parser", "termui", "utils")


def _click_speaks(language: str) -> None:
    """Click's own words (Usage:, Options, Error: …) through the ledger's catalogue, and help
    texts folded by display width (Chinese has no spaces to break at)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = i18n._  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]
    from click import formatting

    if formatting.wrap_text is not _help_wrap:
        _help_wrap.ascii = formatting.wrap_text  # type: ignore[attr-defined]
        formatting.wrap_text = _help_wrap


def _help_wrap(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
               preserve_paragraphs: bool = False) -> str:
    """Click's ``wrap_text`` for help with Chinese in it: lines of ``width`` display cells
    (click counts characters and breaks only at spaces, so a Chinese sentence ran past the
    terminal); paragraphs as click keeps them, a ``\\b`` block unfolded. ASCII text: click's own."""
    if text.isascii() and initial_indent.isascii() and subsequent_indent.isascii():
        return str(_help_wrap.ascii(text, width, initial_indent, subsequent_indent,  # type: ignore[attr-defined]
                                    preserve_paragraphs))
    from ..reports.text import display_width, wrap_text

    paragraphs = [p for p in (text.split("\n\n") if preserve_paragraphs else [text]) if p.strip()]
    out = []
    for para in paragraphs:
        lines = para.splitlines()
        if lines and lines[0].strip() == "\b":
            out.append("\n".join(initial_indent + line for line in lines[1:]))
            continue
        indent = " " * (len(lines[0]) - len(lines[0].lstrip())) if lines else ""
        room = max(width - display_width(subsequent_indent + indent), 10)
        pieces = wrap_text(" ".join(para.split()), room)
        out.append("\n".join((initial_indent if i == 0 else subsequent_indent) + indent + piece
                             for i, piece in enumerate(pieces)))
    return "\n\n".join(out)


def _localise(command: click.Command) -> None:
    """Translate a command's help texts (English message ids in the code) just before they are shown."""
    if getattr(command, "_localised", None) == i18n.lang():
        return
    original = command.__dict__.setdefault("_help_en", (command.help, command.short_help, command.epilog))
    command.help, command.short_help, command.epilog = (_help(t) for t in original)
    for param in command.params:
        en = param.__dict__.setdefault("_help_en", getattr(param, "help", None))
        if en:
            param.help = _help(en)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _localise(sub)
    command._localised = i18n.lang()  # type: ignore[attr-defined]


def _help(text: str | None) -> str | None:
    """A help text translated: its message id is the text with whitespace folded (docstrings)."""
    if not text:
        return text
    key = " ".join(text.split())
    got = _(key)
    return text if got == key else got


class Localised(click.Command):
    """Help in the chosen language; ``--lang`` accepted here too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(lang_option())

    def get_help(self, ctx: click.Context) -> str:
        _click_speaks(i18n.lang())
        _localise(self)
        help_option = self.get_help_option(ctx)
        if help_option is not None:  # made before --lang was read (the program's own --help)
            help_option.help = _("Show this message and exit.")
        return super().get_help(ctx)

    def get_usage(self, ctx: click.Context) -> str:
        _click_speaks(i18n.lang())
        return super().get_usage(ctx)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        self.options_metavar = _("[OPTIONS]")
        if isinstance(self, click.Group):
            setattr(self, "subcommand_metavar", _("COMMAND [ARGS]..."))  # noqa: B010 - a group's (Localised is both)
        return super().collect_usage_pieces(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence, cut to ``limit`` display cells (click's own cut counts
        characters and breaks only at spaces: a Chinese sentence came out as "...")."""
        _localise(self)
        text = " ".join((self.short_help or self.help or "").split())
        if not text or text.isascii():
            return super().get_short_help_str(limit)
        from ..reports.text import display_width

        sentence = text.split("。")[0] + ("。" if "。" in text else "")
        if display_width(sentence) <= limit:
            return sentence
        cut = ""
        for ch in sentence:
            if display_width(cut + ch) > limit - 1:
                break
            cut += ch
        return cut.rstrip("，、；：（ ") + "…"


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


class LedgerCommand(Localised):
    """Names a library error's field as this command's option or argument."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            label = option_label(self, exc.field)
            if label == exc.field:
                raise
            raise exc.relabelled(label) from None


class CommandGroup(Localised, click.Group):
    """A command group (``units``, ``policy``, ``appeal``) whose commands name fields as above."""

    command_class = LedgerCommand


class LedgerGroup(Localised, click.Group):
    """Turns library errors into messages and exit codes (2 input, 1 check, 3 store)."""

    command_class = LedgerCommand
    group_class = CommandGroup

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreUrlError as exc:
            fail(error_text(exc), 2)
        except StoreUnavailable as exc:
            fail(i18n.f("store unavailable: {reason}", reason=error_text(exc)), 3)
        except LedgerError as exc:
            fail(error_text(exc), exc.exit_code)
        except (PolicyError, CalendarError) as exc:
            fail(error_text(exc), 2)
        except BrokenPipeError:  # the reader of our output went away (`ledger history X | head`)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as exc:  # e.g. --output into a folder that does not exist
            fail(f"{exc.filename or _('file')}: {_(exc.strerror) if exc.strerror else exc}", 2)
        finally:
            obj = ctx.obj
            if isinstance(obj, Context):
                obj.close()


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
        click.echo(i18n.f("wrote {path}", path=output), err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def need_output(fmt: str, output: str | None) -> Any:
    """Where a binary format goes: the file, or standard output when it is redirected (not
    onto a terminal, which would only show bytes)."""
    if output:
        return output
    if sys.stdout.isatty():
        raise InputError(Msg("--output FILE, or standard output redirected to a file (the {fmt} format is binary)",
                             fmt=fmt),
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
    """``--format`` with the report's registered formats, and ``--wide`` (its text formats fit
    the terminal unless told not to)."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--format", "fmt", type=FormatChoice(report), default=default,
                            help=f"one of the formats of the {report} report")(func)
        return wide_option(func)

    return decorate


WIDE = "ledger.wide"
"""Where ``--wide`` is kept (the click context's ``meta``, shared by the command and its group)."""


def _set_wide(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[WIDE] = True
    return value


def wide_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--wide``: text tables unfolded, one line per row, however wide (as when piped). The
    one option of every command that prints a text table (``format_option`` adds it; a
    command printing a table without ``--format`` takes it with this decorator)."""
    return click.option("--wide", is_flag=True, expose_value=False, callback=_set_wide,
                        help="text tables unfolded, one line per row however wide (by default they fit the "
                             "terminal: COLUMNS, else its width; unbounded when piped)")(func)


def terminal_width(output: str | None) -> int | None:
    """The columns text tables fit: COLUMNS when set, else the terminal's width; None (nothing
    folded) when written to a file, with ``--wide``, or when piped without COLUMNS."""
    ctx = click.get_current_context(silent=True)
    if output or (ctx is not None and ctx.meta.get(WIDE)):
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def bom_option(func: Callable) -> Callable:
    """``--no-bom``: CSV without the UTF-8 byte order mark written by default (for machines)."""
    return click.option("--no-bom", "no_bom", is_flag=True,
                        help="CSV without the UTF-8 byte order mark (BOM) that Excel needs (for machines)")(func)


def show(report: str, fmt: str, value: Any, output: str | None = None, *, bom: bool = True,
         **options: Any) -> None:
    """Render ``value`` in a registered format: text to --output or standard output, bytes
    (xlsx, pdf) to --output or redirected standard output. Options a renderer does not take
    are left out (``width``: a terminal's columns, for the table formats that fit it). CSV
    starts with a UTF-8 byte order mark unless ``bom`` is false (``--no-bom``)."""
    import inspect

    form = formats.get(report, fmt)
    accepted = inspect.signature(form.render).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        options = {k: v for k, v in options.items() if k in accepted}
    if "width" in accepted and "width" not in options:
        options["width"] = terminal_width(output)
    data = form.render(value, **options)
    if isinstance(data, str) and options.get("width"):  # a text table's titles and notes fit too
        from ..reports.text import fit_lines

        data = fit_lines(data, options["width"])
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
    if fmt == "csv":
        from ..reports.safe import with_bom

        data = with_bom(data, bom)
    emit(data, output)


def board(c: Context, policy_ref: str | None, policy_file: str | None, as_of: str | None, known_at: str | None,
          track: str | None, unit: str | None, focus: str | None = None, lines: bool = True) -> Scoreboard:
    """``lines=False``: a score table's board (no explanation lines: its memory stays flat)."""
    day = parse_date(as_of, "--as-of")
    pol = c.ledger.policy(policy_ref, policy_file, as_of=day)
    progress = Progress(i18n.f("scoring {policy} (units read)", policy=pol.ref))
    try:
        return c.ledger.scoreboard(pol, as_of=day, known_at=known_at,
                                   tracks=[track] if track else None, units=[unit] if unit else None,
                                   focus=focus, on_unit=progress.advance, lines=lines)
    finally:
        progress.close()


