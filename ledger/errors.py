"""Errors the CLI turns into exit codes: bad input → 2, failed check → 1, store → 3."""

from __future__ import annotations


class LedgerError(Exception):
    exit_code = 2


class InputError(LedgerError):
    """Bad input, located: file, line, field and what was expected."""

    def __init__(self, expected: str, *, origin: str | None = None, line: int | None = None,
                 field: str | None = None, got: str | None = None, problem: bool = False):
        self.origin, self.line, self.field, self.expected, self.got = origin, line, field, expected, got
        self.problem = problem
        where = origin or ""
        if line:  # 0: not a line of a file (the command line, an appeal decision's orders)
            where += f":{line}" if where else f"line {line}"
        parts = [where] if where else []
        if field:
            parts.append(f"field '{field}'")
        text = expected if problem else f"expected {expected}"
        if got is not None:
            text += f" (got {got})"
        parts.append(text)
        super().__init__(": ".join(parts))

    def relabelled(self, field: str | None) -> InputError:
        """The same error naming its field as the caller spells it (the CLI's option names)."""
        return InputError(self.expected, origin=self.origin, line=self.line, field=field, got=self.got,
                          problem=self.problem)


class UnknownId(InputError):
    """An id that names nothing of the kind asked for in the ledger (an event, appeal or
    publication): still bad input to the CLI (exit 2); the workbench answers 404 when the id was
    the page's own (its path), 400 when a form named it."""


class ConflictError(InputError):
    """The same event id with different content; the message names both versions."""

    def __init__(self, message: str, **where: object):
        super().__init__(message, problem=True, **where)  # type: ignore[arg-type]


class NotFound(LedgerError):
    pass


class CheckFailed(LedgerError):
    exit_code = 1
