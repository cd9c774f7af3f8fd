"""Publishing results (通报): record what was published so it can be reproduced byte for byte.

A publication record pins the policy version (its text is stored in the ledger), the as-of
date, the known-at revision, the chain hash at that revision and the SHA-256 of the published
content (the JSON of the score table or bulletin). Regenerating it later — after any number
of late events, retractions or corrections — gives the same bytes, because every input is
fixed by those four values.

Each new publication also records a checkpoint of the log just after it (``ledger_checkpoints``,
id = the publication's id), signed with the office's key when there is one (``LEDGER_KEY``,
default ./ledger-key.pem) once the log is proven to extend the office's last signed checkpoint
(``ledger.signing``), unsigned otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from ..app import Ledger
from ..errors import CheckFailed, UnknownId
from ..events import codec
from ..events.catalog import validate
from ..i18n import Msg
from ..policies.loader import bundled_policy_files, load_policy_text
from ..policies.model import Policy
from ..projections.record_views import Publication
from ..projections.scoreboard import build_scoreboard, default_as_of
from ..projections.snapshot import Snapshot
from ..signing import signing
from ..store.eventstore import Pending

STREAM = "ledger:publications"


def build_result(view: Snapshot, kind: str, policy: Policy, as_of: dt.date, period: str | None,
                 track: str | None) -> Any:
    """The published read model: a ``Scoreboard`` or a ``BulletinReport``."""
    from ..projections.bulletin_tables import build_bulletin

    if kind == "bulletin":
        return build_bulletin(view, policy, period or "", track=track, as_of=as_of)
    return build_scoreboard(view, policy, as_of=as_of, tracks=[track] if track else None)


def content_of(kind: str, result: Any) -> str:
    """The published content: exactly `score --format json` / `bulletin --format json`."""
    from ..reports import bulletins as bulletin_report
    from ..reports import scores as score_report

    return bulletin_report.as_json(result) if kind == "bulletin" else score_report.as_json(result)


def render_result(view: Snapshot, kind: str, policy: Policy, as_of: dt.date, period: str | None,
                  track: str | None) -> str:
    """The published content: exactly `score --format json` / `bulletin --format json`."""
    return content_of(kind, build_result(view, kind, policy, as_of, period, track))


def _pin_policy(ledger: Ledger, ref: str, as_of: dt.date | None) -> tuple[Policy, str]:
    """The policy and its sha256, stored in the ledger if it was only bundled so far. ``ID``
    without a version is the version in force at ``as_of``; the publication names the exact
    version. A what-if (``+draft:``) is refused: only published versions are published."""
    entry = ledger.policies.find(ref, as_of=as_of)
    if entry.origin == "bundled":
        path = next(p for p in bundled_policy_files() if p.read_bytes().decode("utf-8-sig") == entry.text)
        ledger.load_policy(str(path), pin_bundled=True)
    return entry.policy(), entry.sha256


def publish(ledger: Ledger, policy_ref: str, *, as_of: dt.date | None, period: str | None,
            track: str | None, known_at: str | int | None) -> tuple[Publication, bool]:
    from ..projections.bulletin_tables import month_bounds

    kind = "bulletin" if period else "score"
    if period and as_of is None:
        as_of = month_bounds(period)[1]
    policy, policy_sha = _pin_policy(ledger, policy_ref, as_of)
    as_of = as_of or default_as_of(policy)
    view = ledger.view(known_at)
    known, head = view.head
    content = render_result(view, kind, policy, as_of, period, track)
    content_sha = hashlib.sha256(content.encode()).hexdigest()
    key = f"{kind}|{policy.ref}|{policy_sha}|{as_of}|{period}|{track}|{known}|{content_sha}"
    pub_id = "pub-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    event = validate({"type": "result_published", "id": pub_id, "date": ledger.today().isoformat(),
                      "kind": kind, "policy": policy.ref, "as_of": as_of, "period": period, "track": track,
                      "known_at": known, "head": head, "content_sha256": content_sha,
                      "params": {"policy_sha256": policy_sha}}, internal=True)
    text, digest = codec.encode_event(event)
    # Signed only once the log is proven to extend the office's last signed checkpoint (no key:
    # the publication's checkpoint is recorded unsigned).
    with signing(ledger.store) as signer, ledger.store.write(ledger.actor) as writer:
        new = pub_id not in writer.lookup_ids([pub_id])  # checked under the lock: publishing twice is a no-op
        if new:
            writer.append([Pending(pub_id, "result_published", STREAM, text, digest, ledger.actor)])
            # The log as it stands with the publication recorded, in the same transaction.
            writer.record_checkpoint(pub_id, lambda head: signer.make(head, f"publication:{pub_id}").serialize())
    return find(ledger, pub_id), new


def publications(ledger: Ledger) -> list[Publication]:
    out = []
    for r in ledger.store.read_stream(STREAM):
        d = r.data
        out.append(Publication(d["id"], d["kind"], d["policy"], d.get("params", {}).get("policy_sha256", ""),
                               dt.date.fromisoformat(d["as_of"]), d.get("period"), d.get("track"),
                               int(d["known_at"]), d["head"], d["content_sha256"], r.revision,
                               d["recorded_at"], d["actor"]))
    return out


def find(ledger: Ledger, pub_id: str) -> Publication:
    pubs = publications(ledger)
    for p in pubs:
        if p.id == pub_id:
            return p
    known = ", ".join(p.id for p in pubs) or "none yet"
    raise UnknownId(Msg("a publication id (see `ledger published`; known: {known})", known=known), field="publication",
                     got=repr(pub_id))


def policy_of(ledger: Ledger, pub: Publication) -> Policy:
    """The exact policy text the publication used (by hash, even if a later release bundles
    other text under the same version)."""
    for entry in ledger.policy_entries(ledger.store.read_stream("ledger:policies")):
        if entry.ref == pub.policy and (not pub.policy_sha256 or entry.sha256 == pub.policy_sha256):
            return load_policy_text(entry.text, origin=f"{entry.ref} ({entry.origin})")
    return ledger.policy(pub.policy)


def reproduce(ledger: Ledger, pub: Publication) -> tuple[str, bool]:
    """Regenerate the published content; (content, its hash equals the published one)."""
    _result, content, same = regenerate(ledger, pub)
    return content, same


def regenerate(ledger: Ledger, pub: Publication) -> tuple[Any, str, bool]:
    """The publication's read model again, its content, and whether the content's hash is the
    published one (what its documents — xlsx, HTML, PDF — are rendered from)."""
    result = build_result(ledger.view(pub.known_at), pub.kind, policy_of(ledger, pub), pub.as_of, pub.period,
                          pub.track)
    content = content_of(pub.kind, result)
    return result, content, hashlib.sha256(content.encode()).hexdigest() == pub.content_sha256


DOCUMENTS = ("xlsx", "html", "pdf")
"""The formats of a publication that are documents (``ledger.reports.published``), each
carrying its verification code."""


def document(ledger: Ledger, pub: Publication) -> Any:
    """The publication's documents' input (``PublishedDocument``), regenerated; refused when the
    ledger no longer reproduces the published content — a document must carry what was
    published, never what the ledger says now. Used by the CLI and the workbench alike."""
    from ..reports.published import PublishedDocument

    result, _text, same = regenerate(ledger, pub)
    if not same:
        raise CheckFailed(Msg("publication {id}: the ledger no longer reproduces its content (sha256 "
                              "differs); no document is made from it", id=pub.id))
    return PublishedDocument(pub, result)
