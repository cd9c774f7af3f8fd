"""Canonical, readable JSON for stored events (never pickles).

Stored state = the canonical content (the catalog's field order, absent fields left out,
UTF-8, no spaces) with the ledger's own
keys appended: ``actor``, ``recorded_at``, ``revision`` and finally ``hash``. Numbers are
JSON numbers and come back as ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from hashlib import sha256
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


_ACTOR: set[str] = {"actor"}  # never mutated (pydantic-core's exclude takes a set)


def encode_event(event: Event) -> tuple[str, str]:
    """The event's canonical content JSON (fields in catalog order, absent ones omitted,
    ``actor`` left out) and its SHA-256 — the idempotency digest. Calls the model's
    pydantic-core serializer directly: ``model_dump_json`` adds ~2.5 µs of Python per call,
    more than the serialising itself (the import's hot path)."""
    raw = type(event).__pydantic_serializer__.to_json(
        event, exclude_none=True, exclude=_ACTOR if event.actor is not None else None)
    return raw.decode(), hashlib.sha256(raw).hexdigest()


HASH_SUFFIX_LEN = len(',"hash":""}') + 64


def content_digest(state: bytes) -> str:
    """The idempotency digest of a stored record: the SHA-256 of its content, i.e. the stored
    text up to the ledger's own keys (``seal_chain`` appends them after the content, ``actor``
    first; an unescaped ``,"actor":`` cannot occur inside a JSON string)."""
    text = state.decode()
    return hashlib.sha256((text[:text.rindex(',"actor":')] + "}").encode()).hexdigest()


def actor_json(actor: str) -> str:
    return json.dumps(actor, ensure_ascii=False)


def chain_hash(previous: str, stream: str, version: int, topic: str, body: str) -> str:
    """SHA-256 over the previous hash and this record's canonical stored bytes."""
    return hashlib.sha256(f"{previous}\n{stream}\n{version}\n{topic}\n{body}".encode()).hexdigest()


def seal_chain(rows: Iterable[tuple[str, int, str, str, str]], previous: str, recorded_at: str,
               revision: int) -> tuple[list[tuple[str, int, str, bytes]], str]:
    """Seal (stream, version, topic, content_json, actor_json) rows in revision order from
    ``revision + 1``: the stored rows and the last chain hash. Each stored state is the
    content with the ledger's keys appended (``actor``, ``recorded_at``, ``revision``, then
    ``hash``); the hash is ``chain_hash`` over the state without its hash key."""
    stored: list[tuple[str, int, str, bytes]] = []
    append = stored.append
    for stream, version, topic, content_json, actor in rows:
        revision += 1
        body = f'{content_json[:-1]},"actor":{actor},"recorded_at":"{recorded_at}","revision":{revision}'
        previous = sha256(f"{previous}\n{stream}\n{version}\n{topic}\n{body}".encode()).hexdigest()
        append((stream, version, topic, f'{body},"hash":"{previous}"}}'.encode()))
    return stored, previous


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
