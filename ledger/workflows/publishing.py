"""Publishing results (通报): record what was published so it can be reproduced byte for byte.

A publication record pins the policy version (its text is stored in the ledger), the as-of
date, the known-at revision, the chain hash at that revision and the SHA-256 of the published
content (the JSON of the score table or bulletin). Regenerating it later — after any number
of late events, retractions or corrections — gives the same bytes, because every input is
fixed by those four values.

What its 通报 prints in its head and sign-off is recorded beside (``params``: the renderer
version, and ``document`` — 文号, issue date, 主送, 抄送, the issuing office and the paragraphs'
templates as they stood), so neither the publication's id nor its content changes with them,
and an edited labels file never changes a document already sent.

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
from ..errors import CheckFailed, InputError, UnknownId
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
                 track: str | None, tables: int | None = None) -> Any:
    """The published read model: a ``Scoreboard`` or a ``BulletinReport`` (``tables``: how its
    tables count — a publication's recorded version; default the current one)."""
    from ..projections.bulletin_tables import TABLES, build_bulletin

    if kind == "bulletin":
        return build_bulletin(view, policy, period or "", track=track, as_of=as_of, tables=tables or TABLES)
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


ISSUED_AHEAD = 31
"""How many days after the day it is recorded an issue date may lie: further ahead, it would
hold the appeal window open at will."""
TEXT_LIMITS = {"doc_no": 60, "to": 300, "cc": 300}


def _words(field: str, value: str | None) -> str | None:
    """A 文号, 主送 or 抄送 as given: one line of at most a few hundred characters."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > TEXT_LIMITS[field] or any(not c.isprintable() for c in text):
        raise InputError(Msg("one line of at most {n} characters", n=TEXT_LIMITS[field]), field=field,
                         got=repr(value[:80]))
    return text


def _issue(ledger: Ledger, policy: Policy, as_of: dt.date, *, doc_no: str | None, issued: dt.date | None,
           to: str | None, cc: str | None) -> dict[str, Any]:
    """The 通报's head and sign-off as recorded: what was given, the rest from the policy's
    labels (ledger.reports.tongbao.draft)."""
    from ..reports import tongbao

    today = ledger.today()
    if issued is not None and not as_of <= issued <= today + dt.timedelta(days=ISSUED_AHEAD):
        raise InputError(Msg("an issue date from the as-of date {as_of} to {days} days after today ({today})",
                             as_of=as_of, days=ISSUED_AHEAD, today=today), field="issued",
                         got=issued.isoformat())
    issue = tongbao.draft(policy, doc_no=_words("doc_no", doc_no) or "", issued=issued, to=_words("to", to),
                          cc=_words("cc", cc))
    return issue.to_record()


def publish(ledger: Ledger, policy_ref: str, *, as_of: dt.date | None, period: str | None,
            track: str | None, known_at: str | int | None, doc_no: str | None = None,
            issued: dt.date | None = None, to: str | None = None, cc: str | None = None) -> tuple[Publication, bool]:
    """Record a publication (a no-op when the same one is recorded: same id). ``doc_no``,
    ``issued``, ``to``, ``cc``: what its 通报 prints (文号, issue date, 主送, 抄送), recorded
    beside its content; the same publication recorded again with other ones is refused."""
    from ..projections.bulletin_tables import month_bounds
    from ..reports.published import RENDERER

    kind = "bulletin" if period else "score"
    if period and as_of is None:
        as_of = month_bounds(period)[1]
    policy, policy_sha = _pin_policy(ledger, policy_ref, as_of)
    as_of = as_of or default_as_of(policy)
    document = _issue(ledger, policy, as_of, doc_no=doc_no, issued=issued, to=to, cc=cc)
    view = ledger.view(known_at)
    known, head = view.head
    content = render_result(view, kind, policy, as_of, period, track)
    content_sha = hashlib.sha256(content.encode()).hexdigest()
    key = f"{kind}|{policy.ref}|{policy_sha}|{as_of}|{period}|{track}|{known}|{content_sha}"
    pub_id = "pub-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    params: dict[str, Any] = {"policy_sha256": policy_sha, "renderer": RENDERER, "document": document}
    if kind == "bulletin":
        from ..projections.bulletin_tables import TABLES

        params["tables"] = TABLES  # how its tables count: it reproduces so after the ledger changes that
    event = validate({"type": "result_published", "id": pub_id, "date": ledger.today().isoformat(),
                      "kind": kind, "policy": policy.ref, "as_of": as_of, "period": period, "track": track,
                      "known_at": known, "head": head, "content_sha256": content_sha,
                      "params": params}, internal=True)
    text, digest = codec.encode_event(event)
    # Signed only once the log is proven to extend the office's last signed checkpoint (no key:
    # the publication's checkpoint is recorded unsigned).
    with signing(ledger.store) as signer, ledger.store.write(ledger.actor) as writer:
        new = pub_id not in writer.lookup_ids([pub_id])  # checked under the lock: publishing twice is a no-op
        if not new:
            _same_document(find_in(writer.records(STREAM), pub_id), doc_no=doc_no, issued=issued, to=to, cc=cc)
        if new:
            writer.append([Pending(pub_id, "result_published", STREAM, text, digest, ledger.actor)])
            # The log as it stands with the publication recorded, in the same transaction.
            writer.record_checkpoint(pub_id, lambda head: signer.make(head, f"publication:{pub_id}").serialize())
    return find(ledger, pub_id), new


def _same_document(pub: Publication | None, **given: Any) -> None:
    """Publishing a recorded publication again is a no-op only with the same 通报 words (or
    none given): its document was recorded once and may already be out."""
    if pub is None:
        return
    recorded = {"doc_no": pub.document.get("doc_no") or None, "issued": pub.issued,
                "to": pub.document.get("to") or None, "cc": pub.document.get("cc") or None}
    for field, value in given.items():
        if value is not None and (value.strip() if isinstance(value, str) else value) != recorded[field]:
            raise InputError(Msg("the {field} publication {id} was recorded with, {recorded} (a publication's "
                                 "document is recorded once: publish without --known-at for a new publication)",
                                 field=field, id=pub.id, recorded=recorded[field] or "none"), field=field,
                             got=str(value))


def _publication(r: Any) -> Publication:
    d = r.data
    params = d.get("params", {})
    return Publication(d["id"], d["kind"], d["policy"], params.get("policy_sha256", ""),
                       dt.date.fromisoformat(d["as_of"]), d.get("period"), d.get("track"), int(d["known_at"]),
                       d["head"], d["content_sha256"], r.revision, d["recorded_at"], d["actor"],
                       int(params.get("tables", 1)), str(params.get("renderer") or "1"),
                       dict(params.get("document") or {}))


def find_in(records: Any, pub_id: str) -> Publication | None:
    return next((_publication(r) for r in records if r.data.get("id") == pub_id), None)


def publications(ledger: Ledger) -> list[Publication]:
    return [_publication(r) for r in ledger.store.read_stream(STREAM)]


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
                          pub.track, pub.tables)
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
