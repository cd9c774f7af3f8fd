"""The unit roster (考核对象): who is assessed, in which groups, with which divisions."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Unit:
    """An assessed unit. ``groups`` decide which policy tracks score it; ``divisions``
    (责任处室) are the unit's internal divisions, used by ``explain --by division``."""

    id: str
    name: str
    groups: tuple[str, ...] = ()
    divisions: tuple[str, ...] = field(default=())

    def in_group(self, group: str) -> bool:
        return group in self.groups
