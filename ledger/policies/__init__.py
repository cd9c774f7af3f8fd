"""Policies as data: YAML files validated at load time (see docs/policies.md)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import CalendarError, PolicyError

if TYPE_CHECKING:
    from .loader import (
        bundled_dir,
        bundled_policy_files,
        load_bundled_policy,
        load_policy_file,
        load_policy_text,
        policy_file_hash,
        policy_text_hash,
    )
    from .model import Indicator, Policy, Track
    from .workdays import WorkCalendar, add_workdays, is_workday, nth_workday_of_month, nth_workday_of_quarter

__all__ = [
    "CalendarError", "PolicyError", "Policy", "Track", "Indicator",
    "WorkCalendar", "is_workday", "add_workdays", "nth_workday_of_month", "nth_workday_of_quarter",
    "load_policy_file", "load_policy_text", "policy_file_hash", "policy_text_hash",
    "bundled_dir", "bundled_policy_files", "load_bundled_policy",
]

# Start-up: the error classes are cheap and the CLI needs them for every command; the rest
# (pydantic models, yaml, the chinese_calendar data) is imported on first use of a name.
_LAZY = {
    **dict.fromkeys(["bundled_dir", "bundled_policy_files", "load_bundled_policy", "load_policy_file",
                     "load_policy_text", "policy_file_hash", "policy_text_hash"], "loader"),
    **dict.fromkeys(["Indicator", "Policy", "Track"], "model"),
    **dict.fromkeys(["WorkCalendar", "add_workdays", "is_workday", "nth_workday_of_month",
                     "nth_workday_of_quarter"], "workdays"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
