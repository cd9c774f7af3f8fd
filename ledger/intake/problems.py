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

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, error: InputError, refs: tuple[str, ...] = ()) -> None:
        error.__traceback__ = error.__context__ = error.__cause__ = None  # its frames would keep whole batches alive
        if len(self.items) >= KEPT:
            self.left_out += 1
            self.latest = error
            return
        self.items.append((error, refs))

    def failed_line(self, error: InputError, data: Any) -> None:
        """A line refused before resolution: remember its keys for "(follows from line N)"."""
        self.add(error)
        if self.left_out:
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
        return ([(e.expected, e.origin, e.line, e.field, e.got, e.problem, refs) for e, refs in self.items],
                self.failed_keys, self.fatal, self.left_out,
                None if latest is None else (latest.expected, latest.origin, latest.line, latest.field, latest.got,
                                             latest.problem))

    @classmethod
    def from_payload(cls, payload: tuple[list[tuple[Any, ...]], dict[str, int], bool, int, Any]) -> Problems:
        rows, keys, fatal, left_out, latest = payload
        items = [(InputError(x, origin=o, line=n, field=f, got=g, problem=p), tuple(r)) for x, o, n, f, g, p, r in rows]
        last = None if latest is None else InputError(latest[0], origin=latest[1], line=latest[2], field=latest[3],
                                                      got=latest[4], problem=latest[5])
        return cls(items, dict(keys), fatal, left_out, last)
