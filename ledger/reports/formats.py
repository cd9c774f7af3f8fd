"""The output-format registry: each report declares its formats once, where it renders them,
and every command that shows the report offers exactly those (``--format`` choices).

    @renders("score", "csv")
    def as_csv(board: Scoreboard) -> str: ...

A renderer returns text (printed, or written to ``--output``) or, for a binary format
(``binary=True``: xlsx), bytes. Renderers take the read model and keyword options some
reports have (``by`` for explanations); they compute nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

RENDERERS = ("scores", "explain", "bulletins", "records", "policies", "diffs", "workflows", "accounts",
             "published", "due")
"""The modules of ``ledger.reports`` that register formats (imported on first lookup)."""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Format:
    report: str
    name: str
    render: Callable[..., str | bytes]
    binary: bool = False
    """Bytes (a file format): written to --output or to redirected standard output."""
    exact: bool = False
    """Printed exactly as rendered (no newline added): e.g. a policy file's own text."""


_formats: dict[str, dict[str, Format]] = {}
_loaded = False


def renders(report: str, name: str, *, binary: bool = False, exact: bool = False) -> Callable[[F], F]:
    """Register the decorated function as the ``name`` format of ``report``."""

    def register(func: F) -> F:
        _formats.setdefault(report, {})[name] = Format(report, name, func, binary, exact)
        return func

    return register


def unregister(report: str, name: str) -> None:
    """Take a format back (tests register throwaway formats)."""
    _formats.get(report, {}).pop(name, None)


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in RENDERERS:
            importlib.import_module(f"{__package__}.{module}")


def formats(report: str) -> dict[str, Format]:
    """The formats of ``report``, in the order they were registered (the first is the default)."""
    _load()
    return dict(_formats.get(report, {}))


def get(report: str, name: str) -> Format:
    return formats(report)[name]


def render(report: str, name: str, value: Any, **options: Any) -> str | bytes:
    return get(report, name).render(value, **options)
