"""The digest index (store format 4): what a stored event says, as keys to find it by.

Two kinds of key per record, each the first 8 bytes of a SHA-256 as a signed 64-bit integer
(integers are what a B-tree inserts and compares fastest; a hit is always confirmed against the
record itself, so a shortened hash can never make two events one):

* its **content key** — the canonical content without the id (and without the ledger's own
  keys: actor, recorded_at, revision, hash). An event given without an id gets an id derived
  from it (``content_id``), and an id-less event whose content key is stored is already
  present, whatever the stored event's id (a caller's, a UUID from before, a derived one).
* its **likeness key** (some facts) — the fields that make two records *probably the same
  fact*: unit, type, date and the document reference (``source``) with what the event is about
  (a finding's item, a publication's title …), or a ticket/item or report-period key. A new
  event whose likeness key is stored but whose content differs is held back as a probable
  duplicate (docs/intake.md).

The canonical content is the text the catalogue's serializer writes (docs/store.md, Records:
fields in catalogue order, absent ones left out, numbers normalised — 96, 96.0 and 9.6e1 are
``96`` — dates ISO, lists in the order given), without its ``id`` key, in Unicode NFC. It is
read straight from a stored record's bytes, so ``verify`` and the migration recompute every
key from the log without the catalogue.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from json import decoder
from typing import Any

KEY_BYTES = 8

THREAD_KEYS: dict[str, tuple[str, ...]] = {
    "hotline_returned": ("ticket",), "hotline_extended": ("ticket",), "hotline_responded": ("ticket",),
    "hotline_replied": ("ticket",), "hotline_callback": ("ticket",),
    "supervised_item_closed": ("item",), "supervised_item_finding": ("item", "finding"),
    "report_submitted": ("report", "period"),
}
"""Follow-ups of a ticket/item and reports: the key that makes two of them on one day the same."""

SUBJECTS: dict[str, tuple[str, ...]] = {
    "warning": (), "criticism": (), "admonition": (), "praise": (), "inspection_named": (),
    "briefing_adopted": (), "experience_promoted": (), "accountability": (),
    "rectification_failed": ("of",), "conduct_issue": ("category",), "discipline_case": ("subject",),
    "endorsement": ("leader",), "media_report": ("outlet", "title"), "innovation": ("kind", "title"),
    "award": ("kind",), "publication": ("channel", "title"), "training_session": ("topic",),
    "finding": ("item",), "metric": ("name", "period"), "evaluation": ("panel", "evaluator"),
    "ranking_result": ("indicator",), "complaint": ("kind",), "warning_sent": ("to",),
}
"""Facts recognised by their document reference (``source``): what each is about, so that one
document naming several findings (items) or titles is not several duplicates."""

UNLIKE = frozenset({"hotline_ticket", "supervised_item_assigned", "retraction", "correction", "appeal_filed",
                    "appeal_decided"})
"""Types without a likeness key: openers (the ticket/item index refuses a second opener) and
events about other events (their own rules: docs/store.md)."""


def without_id(content_json: str) -> str:
    """The content text without its top-level ``id`` key. In JSON text every ``"`` inside a
    string is escaped, so ``,"id":"`` is always a key; the envelope's id comes before any
    nested object, so the first one is the event's."""
    start = content_json.find(',"id":"')
    if start < 0:
        return content_json
    _, end = decoder.scanstring(content_json, start + 7)  # type: ignore[attr-defined]
    return content_json[:start] + content_json[end:]


def with_id(content_json: str, event_id: str) -> str:
    """The content text of an event without an id, with ``event_id`` in its place (after
    ``date``, as the serializer writes it: type, unit, date, id)."""
    import json

    at = content_json.find(',"date":"')
    if at < 0:
        raise ValueError("content without a date")
    end = at + len(',"date":"') + 11  # YYYY-MM-DD and its closing quote
    return f'{content_json[:end]},"id":{json.dumps(event_id, ensure_ascii=False)}{content_json[end:]}'


def _hash(namespace: bytes, text: str) -> int:
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return int.from_bytes(hashlib.sha256(namespace + text.encode()).digest()[:KEY_BYTES], "big", signed=True)


def key_hex(key: int) -> str:
    """A key as the 16 hex digits of its SHA-256 prefix."""
    return f"{key % (1 << 64):016x}"


def content_key(content_json: str) -> int:
    """The content key of an event's content text (with or without its id)."""
    return _hash(b"content\n", without_id(content_json))


def stored_content(state: bytes | str) -> str:
    """A stored record's content text: its state up to the ledger's own keys (``actor``
    first; ``codec.seal_chain``)."""
    text = state.decode() if isinstance(state, bytes) else state
    return text[:text.rindex(',"actor":')] + "}"


def likeness_key(kind: str, get: Callable[[str], Any]) -> int | None:
    """The likeness key of an event of type ``kind`` (``get(field)``: its values; dates as
    given or as ``datetime.date``, both printed YYYY-MM-DD), or None when it has none."""
    if kind in UNLIKE:
        return None
    unit, date = get("unit"), get("date")
    if unit is None or date is None:
        return None
    keyed = THREAD_KEYS.get(kind)
    if keyed is not None:
        parts = [kind, unit, str(date), "key", *(str(get(f) or "") for f in keyed)]
    else:
        subject = SUBJECTS.get(kind)
        source = get("source")
        if subject is None or source is None:
            return None
        parts = [kind, unit, str(date), "source", source, *(str(get(f) or "") for f in subject)]
    return _hash(b"like\n", "\x1f".join(parts))


def record_keys(kind: str, content_json: str, data: dict[str, Any] | None = None) -> tuple[int, ...]:
    """A record's keys: its content key, then its likeness key if it has one (``data``: its
    content decoded, when the caller has it)."""
    key = content_key(content_json)
    if kind in UNLIKE or (kind not in THREAD_KEYS and kind not in SUBJECTS):
        return (key,)
    if data is None:
        import json

        data = json.loads(content_json)
    like = likeness_key(kind, data.get)
    return (key,) if like is None else (key, like)


def lookup(backend: Any, c: Any, keys: Iterable[int]) -> dict[int, list[tuple[str, int, bytes]]]:
    """Key → the records indexed under it: (stream, version, stored state)."""
    from .eventstore import select_in

    rows = select_in(backend, c, "SELECT d.digest, d.stream, d.version, e.state FROM ledger_digests d"
                                 f" JOIN {backend.recorder.events_table_name} e ON e.originator_id = d.stream"
                                 " AND e.originator_version = d.version WHERE d.digest IN ({marks})", keys)
    found: dict[int, list[tuple[str, int, bytes]]] = {}
    for r in rows:
        found.setdefault(int(r["digest"]), []).append((r["stream"], int(r["version"]), bytes(r["state"])))
    return found


class IndexCheck:
    """``verify``'s check of the digest index: every record's keys, recomputed from its stored
    bytes, point at it (a page at a time), and the index holds nothing else (its count)."""

    def __init__(self, backend: Any, c: Any, *, active: bool = True):
        self.backend, self.c, self.active = backend, c, active
        """``active``: the store has the index (format 4); otherwise every call does nothing."""
        self.page: list[tuple[int, str, int, int]] = []  # (key, stream, version, revision)
        self.count = 0

    def add(self, revision: int, stream: str, version: int, topic: str, body: str, data: dict[str, Any]) -> None:
        if not self.active:
            return
        content = body[:body.rindex(',"actor":')] + "}"
        for key in record_keys(topic, content, data):
            self.page.append((key, stream, version, revision))

    def check_page(self) -> tuple[str, int] | None:
        """The first record of the page the index does not point at: (problem, revision)."""
        if not self.page:
            return None
        from .eventstore import select_in

        stored = {(int(r["digest"]), r["stream"], int(r["version"])) for r in select_in(
            self.backend, self.c, "SELECT digest, stream, version FROM ledger_digests WHERE digest IN ({marks})",
            {key for key, _, _, _ in self.page})}
        for key, stream, version, revision in self.page:
            if (key, stream, version) not in stored:
                return f"revision {revision}: the digest index has no entry for this record's content", revision
        self.count += len(self.page)
        self.page.clear()
        return None

    def finish(self) -> tuple[str, None] | None:
        """A problem past the last record (entries no record makes), naming no revision."""
        if not self.active:
            return None
        if problem := self.check_page():
            return problem[0], None
        stored = int(self.backend.query(self.c, "SELECT COUNT(*) AS n FROM ledger_digests")[0]["n"])
        if stored != self.count:
            return (f"the digest index holds {stored} entries, the log makes {self.count} (entries added or "
                    "removed)"), None
        return None
