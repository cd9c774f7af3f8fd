"""Accepting a rollback after an honest restore from a backup (``ledger checkpoint
--accept-rollback --reason R``).

The office's log is shorter than what it signed (or differs after some revision): it can sign
again only by saying so. A ``rollback_accepted`` record is appended (stream
``ledger:rollbacks``: the reason, the signed size, root and time that were lost, the size the
log still provably agrees with) and a checkpoint over the log with that record is signed
carrying the line ``rollback SIGNED_SIZE SIGNED_ROOT AGREED_SIZE``. Every later checkpoint
extends this one; ``ledger verify`` lists the accepted rollbacks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .. import checkpoints, signing
from ..app import Ledger
from ..errors import InputError
from ..events import codec
from ..events.catalog import validate
from ..store.eventstore import Pending

STREAM = "ledger:rollbacks"


@dataclass(frozen=True)
class Accepted:
    checkpoint: checkpoints.Checkpoint
    record: str
    revision: int
    finding: signing.Finding


def accept_rollback(ledger: Ledger, reason: str, key: str | None = None) -> Accepted:
    reason = reason.strip()
    if not reason:
        raise InputError("a reason: why the log is shorter than what the office signed (e.g. the backup it was "
                         "restored from)", field="--reason")
    office = checkpoints.load_private(key)
    if office is None:
        raise InputError("the office's key (LEDGER_KEY): a rollback is accepted by signing the shorter log",
                         field="--accept-rollback", problem=True)
    state = signing.OfficeState(signing.state_dir(key))
    with state.lock():
        finding = signing.compare(ledger.store, state)
        if finding is None or finding.extends:
            raise InputError("a log that does not extend the office's last signed checkpoint: nothing to accept "
                             "(it does, or the office has signed none)", field="--accept-rollback", problem=True)
        last = finding.last
        record_id = f"rollback:{uuid.uuid4().hex[:12]}"
        event = validate({"type": "rollback_accepted", "id": record_id, "date": ledger.today().isoformat(),
                          "reason": reason, "origin": office.origin, "signed_size": last.size,
                          "signed_root": last.root, "signed_time": last.time, "agreed_size": finding.agreed,
                          "store_size": finding.size}, internal=True)
        text, digest = codec.encode_event(event)
        with ledger.store.write(ledger.actor) as writer:
            revision = writer.append([Pending(record_id, "rollback_accepted", STREAM, text, digest,
                                              ledger.actor)])[0]
        signer = signing.Signer(office, ledger.store.clock)
        cp = signer.make(ledger.store.tree_head(), "rollback",
                         rollback=checkpoints.Rollback(last.size, last.root, finding.agreed))
        state.record(cp, "rollback")
    return Accepted(cp, record_id, revision, finding)


def rollbacks(ledger: Ledger) -> list[dict[str, Any]]:
    """The accepted rollbacks in the log, oldest first (each record's data)."""
    return [r.data for r in ledger.store.read_stream(STREAM)]


def rollback_lines(ledger: Ledger) -> list[str]:
    """What ``ledger verify`` says of each accepted rollback."""
    from ..i18n import f
    from ..reports.text import china_time

    return [f("rollback accepted {at} by {actor} (record {id}, revision {revision}): the office had signed {signed} "
              "records ({time}); this log provably agrees with them up to revision {agreed}, revisions {first}–"
              "{signed} were lost — reason: {reason}", at=china_time(d["recorded_at"]), actor=d["actor"], id=d["id"],
              revision=d["revision"], signed=d["signed_size"], time=china_time(d["signed_time"]),
              agreed=d["agreed_size"],
              first=d["agreed_size"] + 1, reason=d["reason"]) for d in rollbacks(ledger)]
