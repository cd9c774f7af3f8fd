"""Signed checkpoints: the office's Ed25519 key, and checkpoint files over the Merkle log.

A checkpoint states what the log was at one size: its Merkle root, its stream-heads root, the
number of streams, the chain hash at that size, and when it was made. Signed, it is a
statement by the key's holder; unsigned (no key), it is only a note of the same values, and
every check says so. See docs/verification.md for what it proves and what it does not.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import CheckFailed, InputError
from .i18n import Msg
from .store.merkle import TreeHead

FORMAT = "ledger-checkpoint/1"
DEFAULT_KEY = "ledger-key.pem"


def key_paths(key: str | None = None) -> tuple[Path, Path]:
    """(private key file, public key file): ``key`` or ``LEDGER_KEY`` or ./ledger-key.pem, and
    beside it the same name with ``.pub``."""
    private = Path(key or os.environ.get("LEDGER_KEY") or DEFAULT_KEY)
    return private, private.with_suffix(".pub")


def key_id(public_raw: bytes) -> str:
    """A key's short name: the first 16 hex of SHA-256 over its 32 raw bytes."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def init_keys(key: str | None = None) -> tuple[Path, Path, str]:
    """Create the office's key pair; never overwrites one. Returns (private, public, key id)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path, public_path = key_paths(key)
    for path in (private_path, public_path):
        if path.exists():
            raise InputError(Msg("a path where no key exists yet ({path} exists: keys are never overwritten; move it"
                                 " away first, or set LEDGER_KEY to another file)",
                                 path=path), field="LEDGER_KEY", problem=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(private_path, 0o600)  # whatever the umask
    public = private.public_key()
    public_path.write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path, key_id(_raw(public))


def _raw(public: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_private(key: str | None = None) -> Any | None:
    """The office's private key, or None when there is none (checkpoints are then unsigned).
    A key file others can read is refused."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path, _ = key_paths(key)
    if not path.exists():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InputError(Msg("a private key file only its owner can read ({path} has mode {mode:04o}: chmod 600"
                             " {path})",
                             path=path, mode=mode), field="LEDGER_KEY", problem=True)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(Msg("an Ed25519 private key in PEM ({path}: {exc})", path=path, exc=exc), field="LEDGER_KEY",
                         problem=True) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise InputError(Msg("an Ed25519 private key ({path} holds another kind)", path=path), field="LEDGER_KEY",
                         problem=True)
    return private


def load_public(path: str | Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = serialization.load_pem_public_key(Path(path).read_bytes())
    except (ValueError, TypeError) as exc:
        raise InputError(Msg("an Ed25519 public key in PEM ({path}: {exc})", path=path, exc=exc), field="--key",
                         problem=True) from None
    if not isinstance(public, Ed25519PublicKey):
        raise InputError(Msg("an Ed25519 public key ({path} holds another kind)", path=path), field="--key",
                         problem=True)
    return public


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root: str
    stream_heads_root: str
    streams: int
    chain_hash: str
    time: str
    key_id: str | None = None
    signature: str | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    def message(self) -> bytes:
        """The bytes signed: every value but the signature, one per line."""
        return (f"{FORMAT}\nsize {self.size}\nroot {self.root}\nstream-heads {self.stream_heads_root}\n"
                f"streams {self.streams}\nchain {self.chain_hash}\ntime {self.time}\n").encode()

    def to_dict(self) -> dict[str, Any]:
        return {"checkpoint": FORMAT, "size": self.size, "root": self.root, "stream_heads_root": self.stream_heads_root,
                "streams": self.streams, "chain_hash": self.chain_hash, "time": self.time, "key_id": self.key_id,
                "signature": self.signature}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, origin: str) -> Checkpoint:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(Msg("a checkpoint file (JSON: {msg})", msg=exc.msg), origin=origin, problem=True) from None
        if not isinstance(data, dict) or data.get("checkpoint") != FORMAT:
            raise InputError(Msg("a checkpoint file ({format})", format=FORMAT), origin=origin, problem=True)
        try:
            cp = cls(int(data["size"]), str(data["root"]), str(data["stream_heads_root"]), int(data["streams"]),
                     str(data["chain_hash"]), str(data["time"]), data.get("key_id"), data.get("signature"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(Msg("a checkpoint file (field {exc} missing or malformed)", exc=exc), origin=origin,
                             problem=True) from None
        for name in ("root", "stream_heads_root", "chain_hash"):
            value = getattr(cp, name)
            if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
                raise InputError("64 lower-case hex digits", origin=origin, field=name, got=repr(value))
        if cp.size < 0:
            raise InputError("a size ≥ 0", origin=origin, field="size", got=str(cp.size))
        return cp

    @classmethod
    def read(cls, path: str) -> Checkpoint:
        with open(path, encoding="utf-8") as handle:
            return cls.from_json(handle.read(), path)


def make(head: TreeHead, private: Any | None, moment: dt.datetime) -> Checkpoint:
    """A checkpoint of ``head``, signed with ``private`` (None: unsigned)."""
    cp = Checkpoint(head.size, head.root, head.heads_root, head.streams, head.chain_hash,
                    moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    if private is None:
        return cp
    cp = replace(cp, key_id=key_id(_raw(private.public_key())))
    return replace(cp, signature=base64.b64encode(private.sign(cp.message())).decode())


def check_signature(cp: Checkpoint, public: Any | None, origin: str) -> str:
    """What the signature says: 'unsigned', or 'signed by key <id>' when ``public`` verifies it.
    A signature that does not verify, another key's, or one with no public key to check it
    against fails (exit 1)."""
    from cryptography.exceptions import InvalidSignature

    if cp.signature is None:
        return "UNSIGNED (no key was set up when it was made: nothing vouches for it but its agreement with the log)"
    if public is None:
        raise CheckFailed(Msg("{origin}: signed by key {key_id}, but no public key to check it against (--key"
                              " FILE.pub, or ledger-key.pub beside LEDGER_KEY)",
                              origin=origin, key_id=cp.key_id))
    kid = key_id(_raw(public))
    if cp.key_id != kid:
        raise CheckFailed(Msg("{origin}: signed by key {key_id}, not by the office's key {kid} (signed with another"
                              " key)",
                              origin=origin, key_id=cp.key_id, kid=kid))
    try:
        public.verify(base64.b64decode(cp.signature, validate=True), cp.message())
    except (InvalidSignature, ValueError):
        raise CheckFailed(Msg("{origin}: the signature does not verify with key {kid} (checkpoint altered, or"
                              " re-signed with another key)",
                              origin=origin, kid=kid)) from None
    return f"signed by key {kid}"


def check_against(cp: Checkpoint, head: TreeHead | None, log_size: int, origin: str) -> None:
    """The checkpoint against the log's recomputed tree head at its size (exit 1 when it
    disagrees: history rewritten, cut, or a checkpoint of another log)."""
    if head is None or cp.size > log_size:
        raise CheckFailed(Msg("{origin}: the checkpoint is of {size} records but the log has {log_size} (records"
                              " removed, or a checkpoint of another log)",
                              origin=origin, size=cp.size, log_size=log_size))
    for name, mine, theirs in (("Merkle root", cp.root, head.root),
                               ("stream-heads root", cp.stream_heads_root, head.heads_root),
                               ("chain hash", cp.chain_hash, head.chain_hash)):
        if mine != theirs:
            raise CheckFailed(Msg("{origin}: the log's {name} at size {size} is {theirs}…, the checkpoint says"
                                  " {mine}… (history rewritten since, or a checkpoint of another log)",
                                  origin=origin, name=name, size=cp.size, theirs=theirs[:16], mine=mine[:16]))
    if cp.streams != head.streams:
        raise CheckFailed(Msg("{origin}: the log has {streams} streams at size {size}, the checkpoint says"
                              " {streams_2}",
                              origin=origin, streams=head.streams, size=cp.size, streams_2=cp.streams))
    if cp.time < head.recorded_at:
        raise CheckFailed(Msg("{origin}: dated {time}, before its last record was written ({recorded_at}): a stale or"
                              " back-dated checkpoint",
                              origin=origin, time=cp.time, recorded_at=head.recorded_at))
