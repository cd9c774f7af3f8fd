"""The digest index (store format 4): every stored record under one key — what it is about.

A record's **key** is a 64-bit integer (what a B-tree inserts and compares fastest) made from
its unit, then its type, unit, date and the fields that tell events of that type on one day
apart (``text_key``): a ticket or item (follow-ups and openers), a report and period,
the document reference (``source``) with what the event is about (a finding's item, a
publication's title …), an amendment's target. Two records with the same content always share
a key, and so do two that are *alike* (below); each lookup returns the few records of the same
unit, type, day and subject, and the writer compares them with the new row itself — so a
checksum's collision can never make two events one.

* **Equal content** (docs/intake.md): an event given without an id gets an id derived from its
  canonical content (``content_hash``), and an id-less event whose canonical content equals a
  stored record's under its key is already present, whatever that record's id (a caller's, a
  UUID from before, a derived one).
* **Alike** — probably the same fact: same key and a likeness rule for the type (a ticket/item
  follow-up or a report: always; a fact known by its document: when ``source`` is given),
  other content differing: held back as a probable duplicate.

The canonical content is the text the catalogue's serializer writes (docs/store.md, Records:
fields in catalogue order, absent ones left out, numbers normalised — 96, 96.0 and 9.6e1 are
``96`` — dates ISO, lists in the order given), without its ``id`` key, in Unicode NFC. Keys are
computed from a record's stored JSON, so ``verify`` and the migration recompute every one from
the log without the catalogue.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from json import decoder
from typing import Any
from zlib import adler32, crc32

KEY_BYTES = 8

THREAD_KEYS: dict[str, tuple[str, ...]] = {
    "hotline_returned": ("ticket",), "hotline_extended": ("ticket",), "hotline_responded": ("ticket",),
    "hotline_replied": ("ticket",), "hotline_callback": ("ticket",),
    "supervised_item_closed": ("item",), "supervised_item_finding": ("item", "finding"),
    "report_submitted": ("report", "period"),
}
"""Follow-ups of a ticket/item and reports: alike when these are the same on the same day."""

SUBJECTS: dict[str, tuple[str, ...]] = {
    "warning": (), "criticism": (), "admonition": (), "praise": (), "inspection_named": (),
    "briefing_adopted": (), "experience_promoted": (), "accountability": (),
    "rectification_failed": ("of",), "conduct_issue": ("category",), "discipline_case": ("subject",),
    "endorsement": ("leader",), "media_report": ("outlet", "title"), "innovation": ("kind", "title"),
    "award": ("kind",), "publication": ("channel", "title"), "training_session": ("topic",),
    "finding": ("item",), "metric": ("name", "period"), "evaluation": ("panel", "evaluator"),
    "ranking_result": ("indicator",), "complaint": ("kind",), "warning_sent": ("to",),
}
"""Facts known by their document reference (``source``): alike when the document and what they
are about are the same on the same day (one document naming several findings or titles is not
several duplicates)."""

UNLIKE: dict[str, tuple[str, ...]] = {
    "hotline_ticket": ("ticket",), "supervised_item_assigned": ("item",), "retraction": ("target",),
    "correction": ("target",), "appeal_filed": (), "appeal_decided": ("appeal",),
}
"""Types never alike (the ticket/item index refuses a second opener; events about events have
rules of their own: docs/store.md), with the fields their key still takes."""

KEY_FIELDS: dict[str, tuple[str, ...]] = {**UNLIKE, **THREAD_KEYS,
                                          **{kind: ("source", *fields) for kind, fields in SUBJECTS.items()}}
"""Each type's fields in its key (after type, unit and date); other types (the ledger's own
records): none."""


def _hash(namespace: bytes, text: str) -> int:
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return int.from_bytes(hashlib.sha256(namespace + text.encode()).digest()[:KEY_BYTES], "big", signed=True)


def key_hex(key: int) -> str:
    """A hash as 16 hex digits."""
    return f"{key % (1 << 64):016x}"


def record_key(kind: str, get: Callable[[str], Any]) -> int:
    """The key of a record of type ``kind`` (``get(field)``: its stored JSON's values; an absent
    value counts as '')."""
    unit = get("unit") or ""
    tail = "".join("\x1f" + ("" if (v := get(name)) is None else str(v)) for name in KEY_FIELDS.get(kind, ()))
    return text_key(unit, f"{kind}\x1f{unit}\x1f{get('date') or ''}{tail}")


def text_key(unit: str, text: str) -> int:
    """The key of a record's key text — type, unit, date (YYYY-MM-DD) and its type's key fields
    (as text, '' when absent), joined by U+001F, in NFC — as a signed 64-bit integer: the high 24
    bits from the CRC-32 of the unit (a unit's records stay together in the index: a write's
    entries land in a few places of it, not all over), the low 40 from the CRC-32 and the Adler-32
    of the whole text. A key only gathers the records to compare (a hit is always compared with
    the record), so a fast checksum serves; derived ids use SHA-256."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        unit = unicodedata.normalize("NFC", unit)
    data = text.encode()
    low = (crc32(data) << 8 | adler32(data) & 0xFF) & 0xFFFFFFFFFF
    return ((crc32(unit.encode()) >> 8) << 40 | low) - (1 << 63)


def record_parts(kind: str, get: Callable[[str], Any]) -> tuple[str, ...]:
    """What a key is made of, to compare a record found under a key with a row."""
    return (kind, get("unit") or "", str(get("date") or ""),
            *("" if (v := get(name)) is None else str(v) for name in KEY_FIELDS.get(kind, ())))


def alike_rule(kind: str, get: Callable[[str], Any]) -> bool:
    """Whether two records of this type under one key with other content are probably one fact."""
    return kind in THREAD_KEYS or (kind in SUBJECTS and get("source") is not None)


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


def canonical_text(content_json: str) -> str:
    """The canonical content: the content text without its id, in NFC."""
    text = without_id(content_json)
    return text if text.isascii() or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def content_hash(content_json: str) -> int:
    """The hash of an event's canonical content (an id derived from it: ``intake.batches.content_id``)."""
    return _hash(b"content\n", without_id(content_json))


def stored_content(state: bytes | str) -> str:
    """A stored record's content text: its state up to the ledger's own keys (``actor``
    first; ``codec.seal_chain``)."""
    text = state.decode() if isinstance(state, bytes) else state
    return text[:text.rindex(',"actor":')] + "}"


def lookup(backend: Any, c: Any, keys: Iterable[int]) -> dict[int, list[tuple[str, int, bytes]]]:
    """Key → the records indexed under it: (stream, version, stored state)."""
    from .eventstore import select_in

    rows = select_in(backend, c, "SELECT d.digest, e.originator_id, e.originator_version, e.state FROM"
                                 f" ledger_digests d JOIN {backend.recorder.events_table_name} e ON"
                                 f" e.{backend.nid_column} = d.nid WHERE d.digest IN ({{marks}})", keys)
    found: dict[int, list[tuple[str, int, bytes]]] = {}
    for r in rows:
        found.setdefault(int(r["digest"]), []).append((str(r["originator_id"]), int(r["originator_version"]),
                                                       bytes(r["state"])))
    return found


class IndexCheck:
    """``verify``'s check of the digest index: every record's key, recomputed from its stored
    JSON, is filed under its notification id (a page at a time), and the index holds nothing
    else (its count)."""

    def __init__(self, backend: Any, c: Any, *, active: bool = True):
        self.backend, self.c, self.active = backend, c, active
        """``active``: the store has the index (format 4); otherwise every call does nothing."""
        self.page: list[tuple[int, int, int]] = []  # (key, notification id, revision)
        self.count = 0

    def add(self, revision: int, nid: int, topic: str, data: dict[str, Any]) -> None:
        if self.active:
            self.page.append((record_key(topic, data.get), nid, revision))

    def check_page(self) -> tuple[str, int] | None:
        """The first record of the page the index does not point at: (problem, revision)."""
        if not self.page:
            return None
        from .eventstore import select_in

        stored = {(int(r["digest"]), int(r["nid"])) for r in select_in(
            self.backend, self.c, "SELECT digest, nid FROM ledger_digests WHERE digest IN ({marks})",
            {key for key, _, _ in self.page})}
        for key, nid, revision in self.page:
            if (key, nid) not in stored:
                return f"revision {revision}: the digest index has no entry for this record", revision
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
