"""Import previews kept between the upload and the confirmation (issue #29).

An uploaded file is kept, under a random token, in a folder of the server's own (mode 0700),
with its SHA-256 and what its dry run found. Confirming names the token and the SHA-256 the
preview showed: the kept file is hashed again and written only if all three agree, so what is
written is exactly the file that was previewed. A preview is the uploading account's only and
expires ``TTL`` after it was made (its file is removed then); a server restart forgets them all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TTL = dt.timedelta(minutes=30)
"""How long a preview may be confirmed."""
KINDS = (".xlsx", ".xlsm", ".csv", ".jsonl", ".ndjson")
"""The files ``ledger import`` reads (by extension)."""


@dataclass
class Preview:
    token: str
    sha256: str
    path: str
    name: str
    """The file's name as uploaded (shown, never used as a path)."""
    user: str
    made: dt.datetime
    allow_duplicates: bool
    result: Any = None
    """The dry run's ``IntakeResult``."""
    written: Any = None
    """After the confirmation: the write's ``IntakeResult``."""
    extra: dict[str, Any] = field(default_factory=dict)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Previews:
    def __init__(self, clock: Callable[[], dt.datetime], ttl: dt.timedelta = TTL):
        self.clock, self.ttl = clock, ttl
        self._kept: dict[str, Preview] = {}
        self._lock = threading.Lock()
        self._folder: str | None = None

    def folder(self) -> str:
        with self._lock:
            if self._folder is None or not os.path.isdir(self._folder):
                self._folder = tempfile.mkdtemp(prefix="ledger-import-previews-")  # 0700
            return self._folder

    def keep(self, data: bytes, name: str, ext: str, user: str, allow_duplicates: bool) -> Preview:
        """Keep an uploaded file (``ext``: one of ``KINDS``) for a preview; not yet listed."""
        self.sweep()
        token = secrets.token_urlsafe(18)
        place = os.path.join(self.folder(), token)
        os.mkdir(place, 0o700)
        path = os.path.join(place, "upload" + ext)
        with open(path, "wb") as handle:
            handle.write(data)
        return Preview(token, hashlib.sha256(data).hexdigest(), path, name, user, self.clock(), allow_duplicates)

    def add(self, preview: Preview) -> None:
        with self._lock:
            self._kept[preview.token] = preview

    def get(self, token: str, user: str) -> Preview | None:
        """The account's preview under ``token`` if it has not expired."""
        self.sweep()
        with self._lock:
            found = self._kept.get(token)
        return found if found is not None and found.user == user else None

    def drop(self, preview: Preview) -> None:
        with self._lock:
            self._kept.pop(preview.token, None)
        shutil.rmtree(os.path.dirname(preview.path), ignore_errors=True)

    def sweep(self) -> None:
        """Forget expired previews and remove their files."""
        now = self.clock()
        with self._lock:
            old = [p for p in self._kept.values() if now - p.made > self.ttl]
        for preview in old:
            self.drop(preview)

    def close(self) -> None:
        with self._lock:
            self._kept.clear()
            folder, self._folder = self._folder, None
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
