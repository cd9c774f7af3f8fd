"""C2SP signed notes (c2sp.org/signed-note): a text ending in a newline, a blank line, then one
signature line per key: em dash, space, the key's name, space, base64(key id ‖ signature).

Only the Ed25519 signature type (0x01) is made and checked here: the key id is the first four
bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ the 32-byte public key), the signature is Ed25519 over
the note text (its final newline included, the blank line not). A verifier key is written
``name+<8 hex of the key id>+base64(0x01 ‖ public key)``. A note's text without any signature
line (the office had no key) is read as an unsigned note.

Checking follows the specification: signatures of unknown keys (another name or another key
id) are ignored; a known key's signature that does not verify rejects the note.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

ED25519 = 0x01
DASH = "\u2014 "
MAX_SIGNATURES = 16


class NoteError(ValueError):
    """Not a signed note (what is wrong, in English; callers say where)."""


def valid_name(name: str) -> bool:
    """A key name (and a checkpoint's origin): non-empty, no space of any kind, no '+', no
    control character."""
    return bool(name) and not any(ch.isspace() or ch == "+" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name)


def key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_raw).digest()[:4]


def verifier_key(name: str, public_raw: bytes) -> str:
    return f"{name}+{key_id(name, public_raw).hex()}+{base64.b64encode(bytes([ED25519]) + public_raw).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """(name, 32-byte Ed25519 public key) of a verifier key; NoteError when it is not one, or
    when its key id is not the one its name and key give."""
    name, plus, rest = text.strip().partition("+")
    hash_text, plus_2, data = rest.partition("+")
    if not plus or not plus_2 or not valid_name(name):
        raise NoteError("a verifier key name+keyid+base64")
    try:
        kid = bytes.fromhex(hash_text)
        raw = base64.b64decode(data, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError("a verifier key name+keyid+base64 (key id: 8 hex digits, key: base64)") from None
    if len(kid) != 4 or len(raw) != 33 or raw[0] != ED25519:
        raise NoteError("an Ed25519 verifier key (type 0x01, 32 bytes)")
    if key_id(name, raw[1:]) != kid:
        raise NoteError("a verifier key whose key id is the one its name and key give")
    return name, raw[1:]


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    """The signed text, its final newline included."""
    signatures: tuple[Signature, ...] = ()

    def __str__(self) -> str:
        if not self.signatures:
            return self.text
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse(data: str) -> Note:
    """A signed note, or a note's text alone (no blank line: an unsigned note)."""
    if any(ord(ch) < 0x20 and ch != "\n" for ch in data):
        raise NoteError("a note without control characters other than newline")
    if not data.endswith("\n"):
        raise NoteError("a note ending in a newline")
    cut = data.rfind("\n\n")
    if cut < 0:
        return Note(data)
    text, block = data[:cut + 1], data[cut + 2:]
    lines = block.split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"1 to {MAX_SIGNATURES} signature lines after the blank line")
    signatures = []
    for line in lines:
        if not line.startswith(DASH):
            raise NoteError("signature lines '— name base64' after the blank line")
        name, space, encoded = line[len(DASH):].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raw = b""
        if not space or not valid_name(name) or len(raw) < 5:
            raise NoteError("signature lines '— name base64(key id ‖ signature)'")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return Note(text, tuple(signatures))


def sign(text: str, name: str, private: object) -> Signature:
    """An Ed25519 note signature of ``text`` by ``private`` under the key name ``name``."""
    from cryptography.hazmat.primitives import serialization

    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw,  # type: ignore[attr-defined]
                                                   serialization.PublicFormat.Raw)
    return Signature(name, key_id(name, public_raw), private.sign(text.encode()))  # type: ignore[attr-defined]


def verify(note: Note, name: str, public_raw: bytes) -> bool | None:
    """Whether the key (``name``, ``public_raw``) signed ``note``: None when no signature line
    is this key's (name and key id), False when one is and does not verify."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    kid = key_id(name, public_raw)
    mine = [s for s in note.signatures if s.name == name and s.key_id == kid]
    if not mine:
        return None
    public = Ed25519PublicKey.from_public_bytes(public_raw)
    for s in mine:
        try:
            public.verify(s.signature, note.text.encode())
        except InvalidSignature:
            return False
    return True
