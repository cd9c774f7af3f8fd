"""Policies as data: YAML files validated at load time (see docs/policies.md)."""

from .errors import CalendarError, PolicyError
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
