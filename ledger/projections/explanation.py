"""The explanation of one unit's score as a read model: its lines grouped, what happened on
each line (the event's own words), the summary (total, grade, veto/downgrade, main losses)
and whether the result is provisional. Renderers (``ledger.reports.explain``) only lay it out.

Language: what this module computes goes into JSON, which is the same in every language, so
it uses the data's own language — the events' words, the catalogue's and the policy's Chinese
names (``what`` of an event with no words of its own is described with them).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..events import names
from ..i18n import _
from ..policies.labels import labels_of

if TYPE_CHECKING:
    from ..events.fact import Fact
    from ..policies.model import Policy
    from .evidence import EvidenceFile
    from .scoreboard import Scoreboard
    from .scoring import ScoreCard

GROUPINGS = ("indicator", "division", "event")
MAIN_LOSSES = 3
"""How many indicators the summary names as the main losses (the largest deductions)."""
WHAT_EVENTS = 3
"""How many events a line behind several events quotes in ``what`` before "等N件"."""
FOLDED_KINDS = frozenset({"veto", "downgrade", "zeroed"})
"""0-point lines that are never folded away, even when they come from an event."""
ADJUSTMENTS = frozenset({"base", "floor", "cap", "rounding"})
"""Lines that are no loss of their own (the start, the floor and cap, rounding)."""

_POLICY_WORD = {"report": "reports", "item": "items", "result": "results", "panel": "panels"}


def policy_word(policy: Policy, field: str, value: Any, type_name: str | None = None) -> str | None:
    """The Chinese name of a field value the policy defines (a report kind, finding item or
    result, metric, panel), or None."""
    domain = "metrics" if (field == "name" and type_name == "metric") else _POLICY_WORD.get(field)
    if domain is None or not isinstance(value, str):
        return None
    return labels_of(policy)[domain].get(value)


def own_words(fact: Fact) -> str:
    """The event's own words: its title, outlet, summary, category, reason … and note."""
    parts: list[str] = []
    for key in names.WORD_FIELDS:
        value = fact.note if key == "note" else fact.fields.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in parts:
            parts.append(value.strip())
    return "；".join(parts)


def describe(fact: Fact, policy: Policy) -> str:
    """The event in the catalogue's and the policy's words (for an event with no words of its
    own): its type, then its fields' values named (工作动态信息 2021-01)."""
    shown: list[str] = []
    for key, value in fact.fields.items():
        if value is None or value is False or key in names.WORD_FIELDS:
            continue
        if key == "quality" and value == "ok":
            continue
        label = policy_word(policy, key, value, fact.type) or names.value_zh(key, value)
        if label:
            shown.append(label)
        elif value is True:
            shown.append(names.field_zh(key) or key)
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            shown.append(f"{names.field_zh(key) or key} {value}")
        else:
            shown.append(value.isoformat() if isinstance(value, dt.date) else str(value))
    head = names.type_zh(fact.type) or fact.type
    return f"{head}：{' '.join(shown)}" if shown else head


@dataclass
class Explanation:
    board: Scoreboard
    card: ScoreCard

    # ------------------------------------------------------------------ the policy's words

    def indicator_names(self) -> dict[str, str]:
        return {node.id: node.name for top in self.card.indicators for node in top.walk()}

    def indicator_notes(self) -> dict[str, tuple[str, str]]:
        """Indicator id → (计分方式, 数据来源) from the policy, shown beside the scores."""
        notes: dict[str, tuple[str, str]] = {}

        def walk(nodes: Any) -> None:
            for n in nodes or []:
                notes[n.id] = (n.method or "", n.data_source or "")
                walk(n.children)

        walk(self.board.policy.track(self.card.track).indicators)
        return notes

    # ------------------------------------------------------------------ what happened

    @functools.cached_property
    def facts(self) -> dict[str, Fact]:
        """The unit's facts as scored (as of, known at), by id."""
        view = self.board.snapshot
        return {f.id: f for f in view.facts(self.card.unit, self.board.policy.year, self.board.as_of)}

    def fact_text(self, event_id: str) -> str | None:
        fact = self.facts.get(event_id)
        if fact is None:
            return None
        return own_words(fact) or describe(fact, self.board.policy)

    def what(self, line: dict[str, Any]) -> str | None:
        """What happened on a line with an event or events: the event's own words (else its
        description); several events: the first few, then 等N件."""
        ids = list(dict.fromkeys([line["event"]] if line.get("event") else []) | dict.fromkeys(line.get("events", [])))
        if not ids:
            return None
        texts = [t for t in (self.fact_text(i) for i in ids) if t]
        unique = list(dict.fromkeys(texts))
        if not unique:
            return None
        if len(ids) == 1:
            return unique[0]
        text = "；".join(unique[:WHAT_EVENTS])
        return text + (f"…等{len(ids)}件" if len(unique) > WHAT_EVENTS else "")

    @functools.cached_property
    def evidence(self) -> dict[str, list[EvidenceFile]]:
        """Event id → the evidence files on it (佐证材料), as known at the card's revision."""
        return self.board.snapshot.evidence(self.card.unit, self.board.policy.year)

    def line_evidence(self, line: dict[str, Any]) -> list[EvidenceFile]:
        """The files on a line's event (or events), each once."""
        ids = ([line["event"]] if line.get("event") else []) + list(line.get("events", []))
        seen: dict[str, EvidenceFile] = {}
        for event_id in dict.fromkeys(ids):
            for file in self.evidence.get(event_id, ()):
                seen.setdefault(file.sha256, file)
        return list(seen.values())

    def lines(self) -> list[dict[str, Any]]:
        """The card's lines as JSON objects, each with ``what`` where it has an event and
        ``evidence`` (CLI.md: sha256, name, size) where its event carries files."""
        out = []
        for ln in self.card.lines:
            d = ln.to_dict()
            what = self.what(d)
            if what:
                d["what"] = what
            files = self.line_evidence(d) if self.evidence else []
            if files:
                d["evidence"] = [f.line_entry() for f in files]
            out.append(d)
        return out

    # ------------------------------------------------------------------ summary

    def provisional(self) -> tuple[bool, dt.date | None, list[str]]:
        """(provisional?, the day from which the result is final — None when a deadline's year
        has no working-day calendar yet —, the indicators still open): by each indicator's own
        window, periods and deadlines (``ScoreCard.pending``)."""
        c = self.card
        return c.provisional, c.final_on, list(c.pending)

    def losses(self) -> list[dict[str, Any]]:
        """The indicators that lost most, each with its losses by event type (or line kind)."""
        names_of = self.indicator_names()
        by_ind: dict[str, dict[tuple[str | None, str | None], list[Decimal]]] = {}
        for ln in self.card.lines:
            if ln.indicator is None or ln.delta >= 0 or ln.kind in ADJUSTMENTS:
                continue
            key = (ln.event_type if ln.event else None, ln.kind)
            by_ind.setdefault(ln.indicator, {}).setdefault(key, []).append(ln.delta)
        rows = []
        for ind, parts in by_ind.items():
            points = sum((d for ds in parts.values() for d in ds), Decimal(0))
            by = [{"event_type": t, "kind": k, "count": len(ds), "points": sum(ds, Decimal(0))}
                  for (t, k), ds in parts.items()]
            by.sort(key=lambda p: (p["points"], p["event_type"] or "", p["kind"] or ""))
            rows.append({"indicator": ind, "name": names_of.get(ind, ""), "points": points, "by": by})
        rows.sort(key=lambda r: (r["points"], r["indicator"]))
        return rows[:MAIN_LOSSES]

    def summary(self) -> dict[str, Any]:
        c = self.card
        is_provisional, until, pending = self.provisional()
        return {"total": c.total, "max": c.max, "grade": c.grade,
                "vetoed": c.vetoed, "veto_reasons": list(c.veto_reasons),
                "downgraded": c.downgraded, "downgrade_reasons": list(c.downgrade_reasons),
                "provisional": is_provisional, "final_on": until.isoformat() if until else None,
                "pending": pending,
                "main_losses": self.losses()}

    def document(self) -> dict[str, Any]:
        body = self.card.explanation()
        body.pop("lines")
        indicators = body.pop("indicators")
        return {"unit": self.card.unit, "name": self.card.name, "policy": self.board.policy.ref,
                "track": self.card.track, "as_of": self.board.as_of.isoformat(),
                "known_at": self.board.known_at, "head": self.board.envelope()["head"],
                "total": body["total"], "max": self.card.max, "grade": body["grade"],
                "vetoed": body["vetoed"], "downgraded": body["downgraded"],
                "summary": self.summary(), "lines": self.lines(), "indicators": indicators}

    # ------------------------------------------------------------------ groups

    def groups(self, by: str) -> list[tuple[str, list[dict[str, Any]]]]:
        """Lines grouped for display; every line appears in exactly one group. By division,
        a line goes to its indicator's lead division (牵头, the first named; the others are
        named on the line as 配合), and an indicator short of its points with no line yet
        (no finding) shows as a 0-point ``gap`` row, so each division sees every gap it owns."""
        from .. import i18n
        from ..reports import words
        from .scoring.card import Detail

        lines = self.lines()
        names_of = self.indicator_names()
        if by == "division":
            lines += self._gaps({ln.get("indicator") for ln in lines})
        groups: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            ind = line.get("indicator")
            if by == "division":
                divisions = self.card.divisions_of(ind) if ind else ()
                key = f"{divisions[0]} (牵头)" if divisions else _("(未指定处室 no division)")
                if len(divisions) > 1:
                    helpers = "、".join(divisions[1:])
                    line["detail"] = (Detail("{detail} 配合: {divisions}", detail=line["detail"], divisions=helpers)
                                      if line.get("detail") else Detail("配合: {divisions}", divisions=helpers))
            elif by == "event":
                key = line["event"] or f"({words.kind(line.get('kind')) if i18n.is_zh() else line.get('kind')})"
            else:
                key = f"{ind} {names_of.get(ind, '')}".strip() if ind else _("(整体 track)")
            groups.setdefault(key, []).append(line)
        return list(groups.items())

    def _gaps(self, explained: set[Any]) -> list[dict[str, Any]]:
        """Leaf indicators below their points that no line explains yet."""
        from ..reports.text import number_text
        from .scoring.card import Detail

        return [{"indicator": node.id, "delta": Decimal(0), "event": None, "kind": "gap",
                 "rule": node.name, "detail": Detail("{points} of {max}: no evidence recorded yet",
                                                     points=number_text(node.points), max=number_text(node.max))}
                for top in self.card.indicators for node in top.walk()
                if not node.children and node.max is not None and node.points < node.max and node.id not in explained]
