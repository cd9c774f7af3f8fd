"""Every problem of one import, gathered in one pass (issue #15).

An import checks every line and keeps going after a bad one: the lines that fail are left
out (nothing is written anyway: the import ends by raising every problem, and the caller's
transaction rolls back). A line that fails only because an earlier line failed (a follow-up
of a ticket whose opening line was refused, a retraction of a refused event) says
"(follows from line N)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..i18n import Msg

MAX_SHOWN = 200
"""Problems listed in the message; the total is always given."""
KEPT = 10_000
"""Problems kept whole (and rows written by ``--errors``); later ones are only counted, so that a
file of a million bad rows costs megabytes, not gigabytes (issue #24)."""

REF_FIELDS = ("target", "targets", "of", "appeal", "ticket", "item")
"""Fields naming another line's event or thread: an error on them may follow from that line."""


class Notice(InputError):
    """Not a problem: what the import did that the clerk should know (a decoration column
    ignored, a template's example row skipped). Listed, never refusing a row."""


class ExampleRow(Notice):
    """A row ``ledger template`` wrote as its example: skipped and counted (EVENTS.md)."""

    def __init__(self, origin: str | None = None, line: int | None = None):
        super().__init__("skipped: the template's example row (its id 示例 marks it)", origin=origin, line=line,
                         problem=True)


class ColumnProblem(InputError):
    """A column of the header that names no field (and is not left out): the file's problem,
    not a row's — an import with one writes nothing, ``--skip-bad`` or not."""


class ProbableDuplicate(InputError):
    """A new event like a stored one (same unit, type, date and document or ticket/item/report
    key) but with other content: held back unless ``--allow-duplicates``. ``stored``: the
    stored event's id."""

    def __init__(self, message: str, stored: str, **where: Any):
        super().__init__(message, problem=True, **where)
        self.stored = stored

    def relabelled(self, field: str | None) -> InputError:
        return ProbableDuplicate(self.expected, self.stored, origin=self.origin, line=self.line, field=field,
                                 got=self.got)


_KINDS: dict[str, type[InputError]] = {"problem": InputError, "notice": Notice, "example": ExampleRow,
                                       "duplicate": ProbableDuplicate, "column": ColumnProblem}


def _kind(error: InputError) -> str:
    return next(k for k, cls in reversed(_KINDS.items()) if isinstance(error, cls))


def _remade(kind: str, expected: str, origin: str | None, line: int | None, field: str | None, got: str | None,
            problem: bool, extra: str | None) -> InputError:
    if kind == "example":
        return ExampleRow(origin, line)
    if kind == "duplicate":
        return ProbableDuplicate(expected, extra or "", origin=origin, line=line, field=field, got=got)
    return _KINDS[kind](expected, origin=origin, line=line, field=field, got=got, problem=problem)


class ManyProblems(InputError):
    """An import with more than one problem: ``problems`` in line order (the first ``KEPT``; ``total`` counts all)."""

    def __init__(self, problems: list[InputError], origin: str | None, left_out: int = 0):
        self.problems = problems
        self.total = len(problems) + left_out
        """Every problem found; ``problems`` holds the first ``KEPT``."""
        shown = problems[:MAX_SHOWN]
        head = f"{self.total} problems" + (f" in {origin}" if origin else "") + "; nothing was imported"
        if len(problems) > len(shown):
            head += f" (the first {len(shown)} listed)"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in shown), origin=origin, problem=True)
        self.line, self.field = problems[0].line, problems[0].field  # the first, as a single error names it


@dataclass
class Problems:
    """Problems of one import, and the keys (ids, ticket and item keys) of the lines that failed."""

    items: list[tuple[InputError, tuple[str, ...]]] = field(default_factory=list)
    failed_keys: dict[str, int] = field(default_factory=dict)
    fatal: bool = False
    """A problem that stops reading the file (an unreadable file, a quote left open)."""
    left_out: int = 0
    """Problems counted past the ``KEPT`` first."""
    latest: InputError | None = None
    """The last of those (a problem that stops reading comes last: shown when ``fatal``)."""
    notices: list[InputError] = field(default_factory=list)
    """``Notice``s: columns ignored, example rows skipped (``ExampleRow``) — listed, not problems."""

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, error: InputError, refs: tuple[str, ...] = ()) -> None:
        error.__traceback__ = error.__context__ = error.__cause__ = None  # its frames would keep whole batches alive
        if isinstance(error, Notice):
            self.notices.append(error)
            return
        if len(self.items) >= KEPT:
            self.left_out += 1
            self.latest = error
            return
        self.items.append((error, refs))

    @property
    def skipped(self) -> list[InputError]:
        """The template example rows skipped."""
        return [n for n in self.notices if isinstance(n, ExampleRow)]

    def failed_line(self, error: InputError, data: Any) -> None:
        """A line refused before resolution: remember its keys for "(follows from line N)"."""
        self.add(error)
        if isinstance(error, Notice) or self.left_out:
            return
        if isinstance(data, bytes):
            try:
                data = json.loads(data)
            except ValueError:
                return
        if isinstance(data, dict) and error.line:
            for key in ("id", "ticket", "item"):
                value = data.get(key)
                if isinstance(value, str) and value not in self.failed_keys:
                    self.failed_keys[value] = error.line

    def merge(self, other: Problems) -> None:
        """``other``'s problems too; a key that failed in both keeps its first line (the
        producer's lines and the writer's share of them interleave)."""
        self.items.extend(other.items)
        self.left_out += other.left_out + max(0, len(self.items) - KEPT)
        if len(self.items) > KEPT:
            self.latest = self.items[-1][0]
            del self.items[KEPT:]
        self.latest = other.latest or self.latest
        self.notices.extend(other.notices)
        for key, line in other.failed_keys.items():
            if line < self.failed_keys.get(key, line + 1):
                self.failed_keys[key] = line
        self.fatal = self.fatal or other.fatal

    def errors(self) -> list[InputError]:
        """Every problem in file order, those that follow from an earlier failed line saying so."""
        out = []
        items = self.items + [(self.latest, ())] if self.fatal and self.latest is not None else self.items
        for error, refs in items:
            if error.field and error.field.split(".")[0] in REF_FIELDS and error.line:
                earlier = [self.failed_keys[r] for r in refs if self.failed_keys.get(r, error.line) < error.line]
                if earlier:
                    error = InputError(Msg("{expected} (follows from line {earlier})",
                                           expected=error.expected, earlier=min(earlier)), origin=error.origin,
                                       line=error.line, field=error.field, got=error.got, problem=error.problem)
            out.append(error)
        out.sort(key=lambda e: (e.origin or "", e.line or 0))
        return out

    @property
    def whole_file(self) -> bool:
        """A problem no row holds: the file unreadable, or a column naming no field."""
        return self.fatal or any(isinstance(e, ColumnProblem) for e, _ in self.items)

    def raise_all(self) -> None:
        if not self.items:
            return
        errors = self.errors()
        left_out = self.left_out - (len(errors) - len(self.items))
        if len(errors) == 1 and not left_out:
            raise errors[0]
        raise ManyProblems(errors, errors[0].origin, left_out)

    def as_payload(self) -> tuple[list[tuple[Any, ...]], dict[str, int], bool, int, Any]:
        """Plain values (to cross from the producer process)."""
        latest = self.latest
        return ([(_kind(e), e.expected, e.origin, e.line, e.field, e.got, e.problem, getattr(e, "stored", None), refs)
                 for e, refs in [*self.items, *((n, ()) for n in self.notices)]], self.failed_keys, self.fatal,
                self.left_out, None if latest is None else (_kind(latest), latest.expected, latest.origin, latest.line,
                                                            latest.field, latest.got, latest.problem,
                                                            getattr(latest, "stored", None)))

    @classmethod
    def from_payload(cls, payload: tuple[list[tuple[Any, ...]], dict[str, int], bool, int, Any]) -> Problems:
        rows, keys, fatal, left_out, latest = payload
        found = cls(failed_keys=dict(keys), fatal=fatal)
        for *parts, refs in rows:
            found.add(_remade(*parts), tuple(refs))
        found.left_out = left_out
        found.latest = None if latest is None else _remade(*latest)
        return found
