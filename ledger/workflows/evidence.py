"""Evidence files (佐证材料): attach, withdraw, read — each attachment and withdrawal one atomic
write of its records and the file's bytes (docs/evidence.md).

* **attach** — every file is checked by its content first (``evidence.kinds``: exit 2 naming what
  a refused one is, nothing written); then, holding the write lock, the target must be an event
  of a unit (a fact, an amendment, an appeal or its decision; not the ledger's own records nor an
  evidence record), each file's bytes are kept under their SHA-256 unless already kept, and an
  ``evidence_attached`` record is appended to the target's stream. A file already on the event is
  a no-op; a file withdrawn before is refused (its bytes were removed on purpose).
* **withdraw** — the file's bytes are deleted and an ``evidence_withdrawn`` record (with the
  reason) is appended to every stream holding an attachment of it; both records stay, and so
  does the hash.
* **read** — a file's bytes by hash, with what its records say; ``files_on`` an event's files.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import InputError, NotFound, UnknownId
from ..i18n import Msg
from ..projections.evidence import TYPES, EvidenceFile, files_by_event

if TYPE_CHECKING:
    from ..app import Ledger


@dataclass(frozen=True)
class Upload:
    """A file as it came: the name it was given (a path's last part, a browser's file name), and
    its bytes — or the path they are read from, when asked (one file in memory at a time)."""

    name: str
    data: bytes | None = None
    path: str | None = None

    @classmethod
    def of_file(cls, path: str) -> Upload:
        """A file on disk, refused unread when it is not there or larger than the limit (exit 2)."""
        from ..evidence.kinds import LIMIT_ENV, max_bytes

        if not os.path.isfile(path):
            raise InputError("a file that exists", field="FILE", got=repr(path))
        limit, size = max_bytes(), os.path.getsize(path)
        if size > limit:
            raise InputError(Msg("a file of at most {limit} bytes ({env})", limit=limit, env=LIMIT_ENV), origin=path,
                             got=Msg("{size} bytes", size=size))
        return cls(os.path.basename(path), path=path)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        from ..evidence.kinds import max_bytes

        assert self.path is not None
        with open(self.path, "rb") as handle:
            return handle.read(max_bytes() + 1)


@dataclass(frozen=True)
class Attachment:
    target: str
    sha256: str
    name: str
    size: int
    media_type: str
    record_id: str
    revision: int
    new: bool
    """False: the file was on the event already (nothing written)."""


@dataclass(frozen=True)
class Checked:
    name: str
    upload: Upload
    media_type: str
    sha256: str
    size: int


MAX_NAME = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def file_name(given: str, media_type: str | None = None) -> str:
    """The name kept for a file: its last path part (``/`` or ``\\``), NFC, control characters
    as spaces, at most 255 characters (the extension kept); ``佐证材料`` with the kind's
    extension when nothing is left. The name is only ever shown (escaped where it is), never a
    path the ledger writes to."""
    from ..evidence.kinds import extension

    name = re.split(r"[/\\]", given or "")[-1]
    name = _CONTROL.sub(" ", unicodedata.normalize("NFC", name)).strip()
    if not name or name in (".", ".."):
        name = "佐证材料" + (extension(media_type) if media_type else "")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and 0 < len(ext) <= 10 else ""
        name = (stem if ext else name)[:MAX_NAME - len(ext)] + ext
    return name


def check(uploads: Sequence[Upload]) -> list[Checked]:
    """Every file recognised by its content (``NotKept``, exit 2, naming a refused one and what
    it is; nothing written), within the size limit."""
    from ..evidence.kinds import max_bytes, recognise

    if not uploads:
        raise InputError("one or more files", field="file")
    limit = max_bytes()
    out = []
    for upload in uploads:
        data = upload.read()
        media = recognise(data, upload.path or upload.name or "?", limit)
        out.append(Checked(file_name(upload.name, media), upload, media, hashlib.sha256(data).hexdigest(), len(data)))
    return out


def attach(ledger: Ledger, target: str, uploads: Sequence[Upload], note: str | None = None) -> list[Attachment]:
    """Attach the files to event ``target`` in one write (see the module's text)."""
    from ..events.catalog import EventValidationError, validate
    from ..intake.batches import identified
    from ..store import evidence as kept
    from ..store.eventstore import Pending

    files = check(uploads)
    with ledger.store.write(ledger.actor) as writer:
        entry = writer.lookup_ids([target]).get(target)
        if entry is None:
            raise UnknownId("the id of an event in the ledger", field="event", got=repr(target))
        if not entry.unit or entry.type in TYPES:
            raise InputError(Msg("the id of an event of a unit ({event_id} is a {type} record)", event_id=target,
                                 type=entry.type), field="event")
        records = kept.records(writer.backend, writer.c)
        withdrawn: dict[str, dict[str, Any]] = {}
        for _, d in records:
            if d["type"] == "evidence_withdrawn":
                withdrawn.setdefault(d["sha256"], d)
        on_target = {f.sha256: f for f in files_by_event(d for stream, d in records
                                                          if stream == entry.stream).get(target, [])}
        out: list[Attachment] = []
        pending = []
        today = ledger.today().isoformat()
        for file in files:
            if file.sha256 in withdrawn:
                w = withdrawn[file.sha256]
                raise InputError(Msg("a file not withdrawn before ({sha256} was withdrawn at revision {revision}: "
                                     "{reason}; its bytes are not kept again)", sha256=file.sha256,
                                     revision=w["revision"], reason=w["reason"]), origin=file.name)
            if (same := on_target.get(file.sha256)) is not None:
                out.append(Attachment(target, file.sha256, same.name, same.size, same.media_type, same.record_id,
                                      same.revision, False))
                continue
            if any(a.sha256 == file.sha256 for a in out):  # the same bytes twice in one attach
                continue
            data = {"type": "evidence_attached", "unit": entry.unit, "date": today, "target": target,
                    "sha256": file.sha256, "name": file.name, "size": file.size, "media_type": file.media_type}
            if note is not None:
                data["note"] = note
            try:
                event = validate(data, internal=True)
            except EventValidationError as exc:
                field = "--note" if exc.field == "note" else exc.field
                raise InputError(exc.expected, origin=file.name, field=field, got=exc.got) from None
            event_id, content_json, digest, key, _, _ = identified(event)
            pending.append(Pending(event_id, "evidence_attached", entry.stream, content_json, digest, ledger.actor,
                                   None, key))
            content = file.upload.read()  # again, inside the write: one file in memory at a time
            if hashlib.sha256(content).hexdigest() != file.sha256:
                raise InputError(Msg("a file that stays as it was while it is attached (it changed after it was "
                                     "checked)"), origin=file.upload.path or file.name)
            kept.put(writer.backend, writer.c, file.sha256, content)
            out.append(Attachment(target, file.sha256, file.name, file.size, file.media_type, event_id, 0, True))
        revisions = iter(writer.append(pending))
        return [replace(a, revision=next(revisions)) if a.new else a for a in out]


def withdraw(ledger: Ledger, sha256: str, reason: str) -> list[tuple[str, int]]:
    """Remove the file's bytes and record why in every stream holding an attachment of it, in
    one write; (record id, revision) of each withdrawal record."""
    from ..events.catalog import EventValidationError, validate
    from ..intake.batches import identified
    from ..store import evidence as kept
    from ..store.eventstore import Pending

    sha256 = _hash(sha256)
    with ledger.store.write(ledger.actor) as writer:
        records = kept.records(writer.backend, writer.c)
        streams = _streams_attaching(records, sha256)
        done = next((d for _, d in records if d["type"] == "evidence_withdrawn" and d["sha256"] == sha256), None)
        if done is not None:
            raise InputError(Msg("a file not withdrawn yet (it was withdrawn at revision {revision}: {reason})",
                                 revision=done["revision"], reason=done["reason"]), field="sha256", got=sha256)
        today = ledger.today().isoformat()
        pending = []
        for stream, unit in streams.items():
            try:
                event = validate({"type": "evidence_withdrawn", "unit": unit, "date": today, "sha256": sha256,
                                  "reason": reason}, internal=True)
            except EventValidationError as exc:
                raise InputError(exc.expected, field="--reason" if exc.field == "reason" else exc.field,
                                 got=exc.got) from None
            event_id, content_json, digest, key, _, _ = identified(event)
            pending.append(Pending(event_id, "evidence_withdrawn", stream, content_json, digest, ledger.actor,
                                   None, key))
        kept.remove(writer.backend, writer.c, sha256)
        revisions = writer.append(pending)
    return [(p.event_id, r) for p, r in zip(pending, revisions, strict=True)]


def read(ledger: Ledger, sha256: str) -> tuple[EvidenceFile, bytes]:
    """A file's bytes and its first attachment's record; a withdrawn file raises ``NotFound``
    naming its withdrawal, an unknown hash ``UnknownId`` (exit 2)."""
    from ..store import evidence as kept
    from ..store.backends import StoreDamaged

    sha256 = _hash(sha256)
    with ledger.store.backend.snapshot() as c:
        records = kept.records(ledger.store.backend, c)
        _streams_attaching(records, sha256)
        files = [f for fs in files_by_event(d for _, d in records).values() for f in fs if f.sha256 == sha256]
        first = min(files, key=lambda f: f.revision)
        if first.withdrawn is not None:
            raise Withdrawn(first)
        data = kept.content(ledger.store.backend, c, sha256)
    if data is None or hashlib.sha256(data).hexdigest() != sha256:
        raise StoreDamaged(f"evidence file {sha256} is attached and not withdrawn, yet its bytes are "
                           f"{'missing' if data is None else 'not the ones its hash names'}: run `ledger verify` and "
                           "restore the store from a backup")
    return first, data


class Withdrawn(NotFound):
    """A withdrawn file asked for: its bytes are gone (the workbench answers 410)."""

    def __init__(self, file: EvidenceFile):
        assert file.withdrawn is not None
        self.file = file
        super().__init__(Msg("evidence file {sha256} ({name}) was withdrawn at revision {revision}: {reason} — its "
                             "bytes are no longer kept", sha256=file.sha256, name=file.name,
                             revision=file.withdrawn.revision, reason=file.withdrawn.reason))


def read_on_event(ledger: Ledger, event_id: str, sha256: str) -> tuple[EvidenceFile, bytes]:
    """A file by hash, only through an event it is attached to (what the workbench serves: the
    reader's right to the event is its right to the file). ``NotFound`` when the event does
    not carry it."""
    files = {f.sha256: f for f in files_on(ledger, event_id)}
    if sha256 not in files:
        raise NotFound(Msg("event {event_id} carries no evidence file {sha256}", event_id=event_id, sha256=sha256))
    if files[sha256].withdrawn is not None:
        raise Withdrawn(files[sha256])
    _, data = read(ledger, sha256)
    return files[sha256], data


def files_on(ledger: Ledger, event_id: str) -> list[EvidenceFile]:
    """The evidence files on an event, as the ledger knows them now."""
    entry = ledger.store.lookup_ids([event_id]).get(event_id)
    if entry is None:
        raise UnknownId("the id of an event in the ledger", field="event", got=repr(event_id))
    records = ledger.store.read_stream(entry.stream, topics=TYPES)
    return files_by_event(r.data for r in records).get(event_id, [])


def on_stream(ledger: Ledger, stream: str) -> dict[str, list[EvidenceFile]]:
    """Event id → its files, for every event of a stream (history, the event page)."""
    return files_by_event(r.data for r in ledger.store.read_stream(stream, topics=TYPES))


def _streams_attaching(records: list[tuple[str, dict[str, Any]]], sha256: str) -> dict[str, str]:
    """Stream → unit of every stream holding an attachment of the file (UnknownId when none)."""
    streams = {stream: d["unit"] for stream, d in records if d["type"] == "evidence_attached" and d["sha256"] == sha256}
    if not streams:
        raise UnknownId("the SHA-256 of an evidence file in the ledger (`ledger history UNIT` lists them)",
                        field="sha256", got=sha256)
    return dict(sorted(streams.items()))


def _hash(text: str) -> str:
    value = (text or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise InputError("a SHA-256: 64 hexadecimal digits", field="sha256", got=repr(text)[:80])
    return value


