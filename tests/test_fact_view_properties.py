"""Property tests of the fact view (hypothesis)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.app import Ledger
from ledger.intake.sources import SourceLine

UNITS = "id,name,groups\nu1,一局,g\n"

pytestmark = pytest.mark.slow  # property tests: a real ledger per example


def _retracted_by(event_id: str, retractions: list[tuple[str, str]]) -> str | None:
    for rid, target in retractions:
        if target == event_id and _retracted_by(rid, retractions) is None:
            return rid
    return None


@st.composite
def histories(draw):
    """A sequence of writes: facts, then retractions/corrections of earlier events."""
    ops: list[dict] = []
    ids: list[str] = []
    facts: list[str] = []
    for n in range(draw(st.integers(1, 9))):
        kind = draw(st.sampled_from(["metric", "warning", "retraction", "correction"]) if facts
                    else st.sampled_from(["metric", "warning"]))
        day = dt.date(2021, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
        eid = f"e{n}"
        base = {"unit": "u1", "date": day.isoformat(), "id": eid}
        if kind == "metric":
            ops.append(base | {"type": "metric", "name": "rate", "value": draw(st.integers(0, 100))})
            facts.append(eid)
        elif kind == "warning":
            ops.append(base | {"type": "warning", "issuer_level": draw(st.sampled_from(["city", "district"]))})
            facts.append(eid)
        elif kind == "retraction":
            # Only what counts can be retracted (retracting a retraction restores its target).
            retractions = [(o["id"], o["target"]) for o in ops if o["type"] == "retraction"]
            counting = [i for i in ids if _retracted_by(i, retractions) is None]
            if not counting:
                continue
            ops.append(base | {"type": "retraction", "target": draw(st.sampled_from(counting)), "reason": "r"})
        else:
            target = draw(st.sampled_from(facts))
            target_op = next(o for o in ops if o["id"] == target)
            if target_op["type"] == "metric":
                changes = {"value": draw(st.integers(0, 100))}
            else:
                changes = {"date": (dt.date(2021, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))).isoformat()}
            ops.append(base | {"type": "correction", "target": target, "changes": changes, "reason": "c"})
        ids.append(eid)
    return ops


def fresh(tmp: Path, name: str, ops: list[dict]) -> Ledger:
    ledger = Ledger(f"sqlite:///{tmp}/{name}.db", actor="p")
    ledger.init()
    (tmp / "u.csv").write_text(UNITS, encoding="utf-8")
    ledger.import_units(str(tmp / "u.csv"))
    for op in ops:  # one write per event: event k gets revision k + 1
        ledger.import_lines([SourceLine("ops", 1, op)])
    return ledger


def view(ledger: Ledger, as_of, known_at):
    return [(f.id, f.type, f.date, dict(f.fields), f.corrections, f.revision)
            for f in ledger.facts.facts("u1", 2021, as_of, known_at)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.dates(dt.date(2021, 1, 1), dt.date(2021, 12, 31)))
def test_known_at_k_equals_a_ledger_that_only_received_k_revisions(ops, as_of):
    with tempfile.TemporaryDirectory() as tmp:
        full = fresh(Path(tmp), "full", ops)
        for k in range(1, len(ops) + 2):  # revision 1 is the unit registration
            prefix = fresh(Path(tmp), f"k{k}", ops[:k - 1])
            assert view(full, as_of, k) == view(prefix, as_of, None)
            assert view(full, None, k) == view(prefix, None, None)
            prefix.close()
        full.close()


@settings(max_examples=25, deadline=None)
@given(histories())
def test_amendments_never_lose_the_original_from_history(ops):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = fresh(Path(tmp), "h", ops)
        rows = {h.record.id: h for h in ledger.history("u1")}
        assert set(rows) == {op["id"] for op in ops}
        for op in ops:
            stored = rows[op["id"]].record.data
            assert stored["type"] == op["type"] and stored["date"] == op["date"]
            for key in ("value", "issuer_level", "target"):
                if key in op:
                    assert stored[key] == op[key]
        ledger.close()
