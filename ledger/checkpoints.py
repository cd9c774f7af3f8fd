"""Signed checkpoints: the office's Ed25519 key, and checkpoints of the Merkle log.

A checkpoint states what the log was at one size: its Merkle root, its stream-heads root, the
number of streams, the chain hash at that size, and when it was made. It is written as a C2SP
``tlog-checkpoint`` signed note (c2sp.org/tlog-checkpoint, ``ledger.notes``)::

    office.example.gov.cn/ledger          the origin: the log's name, set once by `keys init`
    6923                                  the tree size
    3q2+7w…=                              the RFC 6962 root, base64
    stream-heads Ww1…=                    extension lines: what the ledger adds
    streams 86
    chain ddcdd4e3…                       the hash chain at that size (hex, as `verify` prints it)
    time 2026-12-07T09:30:00.000000Z
    manifest 5f1c…                        a packet's manifest (sha256), when the checkpoint is a packet's
    rollback 120 Ab3…= 100                an accepted rollback: the signed size and root lost, the size kept

    — office.example.gov.cn/ledger base64(key id ‖ Ed25519 signature)

Signed, it is a statement by the key's holder; unsigned (no key), it is the note's text alone
and every check says so. Checkpoints written before as JSON (``ledger-checkpoint/1``) are still
read and checked. See docs/verification.md for what they prove and what they do not.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import notes
from .errors import CheckFailed, InputError
from .i18n import Msg
from .store.merkle import TreeHead

FORMAT = "ledger-checkpoint/1"
"""The JSON form written before checkpoints were notes (still read)."""
DEFAULT_KEY = "ledger-key.pem"
UNSIGNED_ORIGIN = "unsigned.invalid/ledger"
"""The origin line of a checkpoint made with no key (no log name was ever set)."""
EXTENSIONS = ("stream-heads", "streams", "chain", "time", "manifest", "rollback")


def key_paths(key: str | None = None) -> tuple[Path, Path]:
    """(private key file, public key file): ``key`` or ``LEDGER_KEY`` or ./ledger-key.pem, and
    beside it the same name with ``.pub``."""
    private = Path(key or os.environ.get("LEDGER_KEY") or DEFAULT_KEY)
    return private, private.with_suffix(".pub")


def verifier_path(key: str | None = None) -> Path:
    """The verifier key beside the private key (``ledger-key.vkey``): the log's origin and the
    public key in the signed-note form ``origin+keyid+base64``."""
    return key_paths(key)[0].with_suffix(".vkey")


def key_id(public_raw: bytes) -> str:
    """A JSON checkpoint's key name: the first 16 hex of SHA-256 over the 32 raw bytes."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def default_origin(public_raw: bytes) -> str:
    """The origin of a key made without ``--origin`` (and of keys made before origins): unique
    to the key, stable."""
    return f"ledger/{key_id(public_raw)}"


def check_origin(origin: str, where: str = "--origin") -> str:
    if not notes.valid_name(origin):
        raise InputError("a log name without spaces or '+', e.g. office.example.gov.cn/ledger", field=where,
                         got=repr(origin))
    return origin


def init_keys(key: str | None = None, origin: str | None = None) -> tuple[Path, Path, str]:
    """Create the office's key pair and its verifier key; never overwrites one. Returns
    (private, public, verifier key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if origin is not None:
        check_origin(origin)
    private_path, public_path = key_paths(key)
    vkey_path = verifier_path(key)
    for path in (private_path, public_path, vkey_path):
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
    raw = _raw(public)
    vkey = notes.verifier_key(origin or default_origin(raw), raw)
    vkey_path.write_text(vkey + "\n", encoding="utf-8")
    return private_path, public_path, vkey


def _raw(public: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


@dataclass(frozen=True)
class OfficeKey:
    """The office's private key and the name of its log (the origin of its checkpoints)."""

    private: Any
    origin: str
    path: Path

    @property
    def public_raw(self) -> bytes:
        return _raw(self.private.public_key())

    def verifier(self) -> Verifier:
        return Verifier(self.public_raw, self.origin, str(self.path))


def load_private(key: str | None = None) -> OfficeKey | None:
    """The office's key, or None when there is none (checkpoints are then unsigned). A key file
    others can read is refused; the origin comes from the verifier key beside it."""
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
    raw = _raw(private.public_key())
    vkey_path = verifier_path(key)
    origin = default_origin(raw)
    if vkey_path.exists():
        try:
            origin, vkey_raw = notes.parse_verifier_key(vkey_path.read_text(encoding="utf-8"))
        except (notes.NoteError, UnicodeDecodeError) as exc:
            raise InputError(Msg("a verifier key beside the private key ({path}: {exc})", path=vkey_path, exc=exc),
                             field="LEDGER_KEY", problem=True) from None
        if vkey_raw != raw:
            raise InputError(Msg("the verifier key of this private key ({path} holds another key's)", path=vkey_path),
                             field="LEDGER_KEY", problem=True)
    return OfficeKey(private, origin, path)


@dataclass(frozen=True)
class Verifier:
    """A public key to check signatures with: from a verifier key file (``origin+keyid+base64``:
    the log's name is fixed) or a PEM public key (the checkpoint's own origin names it)."""

    public_raw: bytes
    name: str | None
    path: str

    def describe(self, name: str | None = None) -> str:
        name = name or self.name
        return f"{name}+{notes.key_id(name, self.public_raw).hex()}" if name else key_id(self.public_raw)


def load_public(path: str | Path) -> Verifier:
    """A public key file: a verifier key (one line ``origin+keyid+base64``) or a PEM public key."""
    data = Path(path).read_bytes()
    if not data.lstrip().startswith(b"-----BEGIN"):
        try:
            name, raw = notes.parse_verifier_key(data.decode("utf-8"))
        except (notes.NoteError, UnicodeDecodeError) as exc:
            raise InputError(Msg("an Ed25519 public key: PEM, or a verifier key origin+keyid+base64 ({path}: {exc})",
                                 path=path, exc=exc), field="--key", problem=True) from None
        return Verifier(raw, name, str(path))
    from cryptography.hazmat.primitives import serialization  # PEM only: the verifier key needs none of it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InputError(Msg("an Ed25519 public key in PEM ({path}: {exc})", path=path, exc=exc), field="--key",
                         problem=True) from None
    if not isinstance(public, Ed25519PublicKey):
        raise InputError(Msg("an Ed25519 public key ({path} holds another kind)", path=path), field="--key",
                         problem=True)
    return Verifier(_raw(public), None, str(path))


@dataclass(frozen=True)
class Rollback:
    """An accepted rollback a checkpoint states: the office had signed ``signed_size`` records
    (root ``signed_root``); this log provably agrees with that only up to ``agreed_size``."""

    signed_size: int
    signed_root: str
    agreed_size: int

    def line(self) -> str:
        return f"rollback {self.signed_size} {_b64(self.signed_root)} {self.agreed_size}"

    @property
    def lost(self) -> str:
        return f"{self.agreed_size + 1}–{self.signed_size}"


def _b64(hex_text: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_text)).decode()


def _hex32(text: str, where: str, what: str) -> str:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise InputError("the base64 of a 32-byte hash", origin=where, field=what, got=repr(text[:60]))
    return raw.hex()


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root: str
    stream_heads_root: str
    streams: int
    chain_hash: str
    time: str
    origin: str | None = None
    """The log's name (a note); None for a JSON checkpoint written before notes."""
    manifest: str | None = None
    """A packet's manifest.json sha256, bound to the checkpoint (and to its signature)."""
    rollback: Rollback | None = None
    signatures: tuple[notes.Signature, ...] = ()
    key_id: str | None = None  # JSON checkpoints
    signature: str | None = None  # JSON checkpoints

    @property
    def signed(self) -> bool:
        return bool(self.signatures) or self.signature is not None

    @property
    def is_note(self) -> bool:
        return self.origin is not None

    def text(self) -> str:
        """The note's text (what its signatures cover): origin, size, root, then the extension lines."""
        lines = [self.origin or UNSIGNED_ORIGIN, str(self.size), _b64(self.root),
                 f"stream-heads {_b64(self.stream_heads_root)}", f"streams {self.streams}", f"chain {self.chain_hash}",
                 f"time {self.time}"]
        if self.manifest:
            lines.append(f"manifest {self.manifest}")
        if self.rollback:
            lines.append(self.rollback.line())
        return "".join(line + "\n" for line in lines)

    def message(self) -> bytes:
        """What a JSON checkpoint's signature covers: every value but the signature, one per line."""
        return (f"{FORMAT}\nsize {self.size}\nroot {self.root}\nstream-heads {self.stream_heads_root}\n"
                f"streams {self.streams}\nchain {self.chain_hash}\ntime {self.time}\n").encode()

    def to_dict(self) -> dict[str, Any]:
        return {"checkpoint": FORMAT, "size": self.size, "root": self.root, "stream_heads_root": self.stream_heads_root,
                "streams": self.streams, "chain_hash": self.chain_hash, "time": self.time, "key_id": self.key_id,
                "signature": self.signature}

    def serialize(self) -> str:
        """The file: the signed note (JSON for a checkpoint read from JSON)."""
        if not self.is_note:
            return json.dumps(self.to_dict(), indent=2) + "\n"
        return str(notes.Note(self.text(), self.signatures))

    def signer(self) -> str:
        """Who signed it, as the lines that print it say it."""
        if self.signatures:
            return ", ".join(f"{s.name}+{s.key_id.hex()}" for s in self.signatures)
        return self.key_id or "nobody"

    @classmethod
    def parse(cls, text: str, origin: str) -> Checkpoint:
        """A checkpoint file's text: a signed note, or the JSON of checkpoints made before."""
        if text.lstrip().startswith("{"):
            return cls.from_json(text, origin)
        return cls.from_note(text, origin)

    @classmethod
    def from_note(cls, text: str, origin: str) -> Checkpoint:
        try:
            note = notes.parse(text)
        except notes.NoteError as exc:
            raise InputError(Msg("a checkpoint: a C2SP signed note ({exc})", exc=exc), origin=origin,
                             problem=True) from None
        lines = note.text.split("\n")[:-1]
        if len(lines) < 3 or not notes.valid_name(lines[0]):
            raise InputError("a checkpoint: the origin, the tree size and the root hash, one per line", origin=origin,
                             problem=True)
        size_text = lines[1]
        if not size_text.isdigit() or not size_text.isascii() or (size_text != "0" and size_text.startswith("0")):
            raise InputError("a tree size in decimal without leading zeros", origin=origin, line=2, got=repr(size_text))
        values: dict[str, str] = {}
        for number, line in enumerate(lines[3:], 4):
            name, _, value = line.partition(" ")
            if name not in EXTENSIONS or name in values or not value:
                raise InputError(Msg("extension lines among {names}, each once", names=", ".join(EXTENSIONS)),
                                 origin=origin, line=number, got=repr(line[:80]))
            values[name] = value
        missing = [n for n in EXTENSIONS[:4] if n not in values]
        if missing:
            raise InputError(Msg("a checkpoint with the line '{name} …'", name=missing[0]), origin=origin,
                             problem=True)
        rollback = None
        if "rollback" in values:
            parts = values["rollback"].split(" ")
            if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
                raise InputError("rollback SIGNED_SIZE SIGNED_ROOT AGREED_SIZE", origin=origin, field="rollback",
                                 got=repr(values["rollback"][:80]))
            rollback = Rollback(int(parts[0]), _hex32(parts[1], origin, "rollback"), int(parts[2]))
        if not values["streams"].isdigit():
            raise InputError("a number of streams", origin=origin, field="streams", got=repr(values["streams"]))
        cp = cls(int(size_text), _hex32(lines[2], origin, "root"),
                 _hex32(values["stream-heads"], origin, "stream-heads"), int(values["streams"]), values["chain"],
                 values["time"], lines[0], values.get("manifest"), rollback, note.signatures)
        for name, given in (("chain", cp.chain_hash), ("manifest", cp.manifest)):
            if given is not None and not _is_hex64(given):
                raise InputError("64 lower-case hex digits", origin=origin, field=name, got=repr(given[:80]))
        if cp.text() != note.text:  # one way to write each value: the signed text is the values
            raise InputError(Msg("a checkpoint in the ledger's form (extension lines in the order {names}, base64 "
                                 "with its padding)", names=", ".join(EXTENSIONS)), origin=origin, problem=True)
        return cp

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
                     str(data["chain_hash"]), str(data["time"]), key_id=data.get("key_id"),
                     signature=data.get("signature"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(Msg("a checkpoint file (field {exc} missing or malformed)", exc=exc), origin=origin,
                             problem=True) from None
        for name in ("root", "stream_heads_root", "chain_hash"):
            value = getattr(cp, name)
            if not _is_hex64(value):
                raise InputError("64 lower-case hex digits", origin=origin, field=name, got=repr(value))
        if cp.size < 0:
            raise InputError("a size ≥ 0", origin=origin, field="size", got=str(cp.size))
        return cp

    @classmethod
    def read(cls, path: str) -> Checkpoint:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise InputError("a checkpoint file in UTF-8", origin=path, problem=True) from None
        return cls.parse(text, path)


def _is_hex64(value: str) -> bool:
    return len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make(head: TreeHead, key: OfficeKey | None, moment: dt.datetime, *, manifest: str | None = None,
         rollback: Rollback | None = None) -> Checkpoint:
    """A checkpoint note of ``head``, signed with ``key`` (None: unsigned)."""
    cp = Checkpoint(head.size, head.root, head.heads_root, head.streams, head.chain_hash, timestamp(moment),
                    key.origin if key else UNSIGNED_ORIGIN, manifest, rollback)
    if key is None:
        return cp
    return replace(cp, signatures=(notes.sign(cp.text(), key.origin, key.private),))


UNSIGNED = Msg("UNSIGNED (no key was set up when it was made: nothing vouches for it but its agreement with the log)")


def check_signature(cp: Checkpoint, public: Verifier | None, origin: str, *, required: bool = False) -> str:
    """What the signature says: 'signed by <key>' when ``public`` verifies it, else UNSIGNED.
    ``required`` (a key was given): an unsigned checkpoint fails too (exit 1). A signature that
    does not verify (the text changed after signing), another key's, or one with no public key
    to check it against fails (exit 1)."""
    if not cp.signed:
        if required:
            raise CheckFailed(Msg("{origin}: UNSIGNED, but a key was given: a key means a signature is required "
                                  "(nothing vouches for an unsigned checkpoint; it may have been made by anyone, or "
                                  "its signature removed)", origin=origin))
        return UNSIGNED
    if public is None:
        raise CheckFailed(Msg("{origin}: signed by key {key_id}, but no public key to check it against (--key"
                              " FILE.pub, or ledger-key.pub beside LEDGER_KEY)",
                              origin=origin, key_id=cp.signer()))
    if not cp.is_note:
        return _check_json_signature(cp, public, origin)
    if public.name is not None and public.name != cp.origin:
        raise CheckFailed(Msg("{origin}: a checkpoint of the log {log}, not of {name} (the key's log): signed with "
                              "another key", origin=origin, log=cp.origin, name=public.name))
    name = public.name or cp.origin or ""
    ok = notes.verify(notes.Note(cp.text(), cp.signatures), name, public.public_raw)
    kid = public.describe(name)
    if ok is None:
        raise CheckFailed(Msg("{origin}: signed by key {key_id}, not by the office's key {kid} (signed with another"
                              " key)",
                              origin=origin, key_id=cp.signer(), kid=kid))
    if not ok:
        raise CheckFailed(Msg("{origin}: the signature of key {kid} does not verify: the checkpoint's text was changed "
                              "after it was signed (a signature over other bytes)", origin=origin, kid=kid))
    return Msg("signed by key {key}", key=kid)


def _check_json_signature(cp: Checkpoint, public: Verifier, origin: str) -> str:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    kid = key_id(public.public_raw)
    if cp.key_id != kid:
        raise CheckFailed(Msg("{origin}: signed by key {key_id}, not by the office's key {kid} (signed with another"
                              " key)",
                              origin=origin, key_id=cp.key_id, kid=kid))
    try:
        Ed25519PublicKey.from_public_bytes(public.public_raw).verify(base64.b64decode(cp.signature or "",
                                                                                      validate=True), cp.message())
    except (InvalidSignature, ValueError):
        raise CheckFailed(Msg("{origin}: the signature of key {kid} does not verify: the checkpoint's text was changed "
                              "after it was signed (a signature over other bytes)", origin=origin, kid=kid)) from None
    return Msg("signed by key {key}", key=kid)


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
