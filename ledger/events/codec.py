"""Canonical, readable JSON for stored events (never pickles).

Stored state = the canonical content (sorted keys, UTF-8, no spaces) with the ledger's own
keys appended: ``actor``, ``recorded_at``, ``revision`` and finally ``hash``. Numbers are
JSON numbers and come back as ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from .base import Event


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default)


def encode_event(event: Event) -> tuple[str, str]:
    """The event's canonical content JSON (fields in catalog order, absent ones omitted,
    ``actor`` left out) and its SHA-256 — the idempotency digest."""
    if event.actor is not None:
        event = event.model_copy(update={"actor": None})
    text = event.model_dump_json(exclude_none=True)
    return text, hashlib.sha256(text.encode()).hexdigest()


HASH_SUFFIX_LEN = len(',"hash":""}') + 64


def seal(content_json: str, actor_json: str, recorded_at: str, revision: int) -> str:
    """The stored body before the hash: content plus the ledger's keys (``actor_json`` is
    the actor already as JSON text)."""
    return f'{content_json[:-1]},"actor":{actor_json},"recorded_at":"{recorded_at}","revision":{revision}'


def actor_json(actor: str) -> str:
    return json.dumps(actor, ensure_ascii=False)


def chain_hash(previous: str, stream: str, version: int, topic: str, body: str) -> str:
    """SHA-256 over the previous hash and this record's canonical stored bytes."""
    return hashlib.sha256(f"{previous}\n{stream}\n{version}\n{topic}\n{body}".encode()).hexdigest()


def finish(body: str, digest: str) -> bytes:
    return f'{body},"hash":"{digest}"}}'.encode()


def split_state(state: bytes) -> tuple[str, str]:
    """(body, hash) from stored bytes; raises ValueError when the shape is broken."""
    text = state.decode()
    tail = text[-HASH_SUFFIX_LEN:]
    if not (tail.startswith(',"hash":"') and tail.endswith('"}')):
        raise ValueError("stored state does not end with its hash")
    return text[:-HASH_SUFFIX_LEN], tail[9:-2]


_DECODER = json.JSONDecoder(parse_float=Decimal)


def loads(state: bytes | str) -> dict[str, Any]:
    return _DECODER.decode(state.decode() if isinstance(state, bytes) else state)
