"""The rule-kind registry: the one place the policy loader, the scoring engine and the fact
view learn which rule kinds exist.

A rule kind is a policy model (what a policy may write), an evaluator (how it scores) and the
fact types it reads. Kinds register themselves (``ledger.projections.scoring.rules``, one
module per family); the policy model's ``rule`` union, the engine's compiler and the fact
view's type filter are all derived from here.
"""

from __future__ import annotations

import importlib
import threading
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..i18n import Msg
from .vocabulary import RuleSpec

BUILTIN_KINDS = "ledger.projections.scoring.rules"
"""The package whose modules register the bundled kinds (imported on first use)."""


@dataclass(frozen=True)
class RuleKind:
    name: str
    model: type[RuleSpec]
    evaluator: type[Any]
    reads: frozenset[str]
    """Fact types the kind reads besides the event types its conditions name."""


_kinds: dict[str, RuleKind] = {}
_generation = 0
_builtins_loaded = False


def kind_name(model: type[RuleSpec]) -> str:
    """The kind a rule model declares with ``kind: Literal["<name>"]``."""
    field = model.model_fields.get("kind")
    args = typing.get_args(field.annotation) if field is not None else ()
    if len(args) != 1 or not isinstance(args[0], str):
        raise TypeError(f"{model.__name__} must declare kind: Literal['<name>']")
    return args[0]


def register(model: type[RuleSpec], evaluator: type[Any], *, reads: Iterable[str]) -> RuleKind:
    """Add a kind (its name is the model's ``kind`` literal); a name is registered once."""
    global _generation
    name = kind_name(model)
    if name in _kinds and _kinds[name].model is not model:
        raise ValueError(Msg("rule kind {name!r} is already registered by {name_2}",
                             name=name, name_2=_kinds[name].model.__name__))
    kind = RuleKind(name, model, evaluator, frozenset(reads))
    model.reads = kind.reads
    _kinds[name] = kind
    _generation += 1
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests register throwaway kinds and take them back)."""
    global _generation
    if _kinds.pop(name, None) is not None:
        _generation += 1


_loading = threading.RLock()


def _load_builtins() -> None:
    """Import the built-in kinds once; a thread arriving while another imports them waits (the
    web's first requests come together: an empty registry there made an empty union)."""
    global _builtins_loaded
    if _builtins_loaded:
        return
    with _loading:
        if not _builtins_loaded:
            importlib.import_module(BUILTIN_KINDS)
            _builtins_loaded = True


def kinds() -> Mapping[str, RuleKind]:
    _load_builtins()
    return dict(_kinds)


def get(name: str) -> RuleKind:
    _load_builtins()
    return _kinds[name]


def generation() -> int:
    """Changes whenever a kind is added or removed (derived structures rebuild then)."""
    _load_builtins()
    return _generation
