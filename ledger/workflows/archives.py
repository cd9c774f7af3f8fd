"""Zips a reviewer was handed (a packet, a workbook), opened without trusting them."""

from __future__ import annotations

import zipfile


def oversized(archive: zipfile.ZipFile, max_bytes: int, max_members: int) -> tuple[int, int] | None:
    """(declared unpacked bytes, parts) when ``archive`` would unpack beyond the bounds, else None.
    ``zipfile`` inflates a member only up to its declared size, so a zip bomb is refused on the
    declared sizes, before anything is inflated."""
    members = archive.infolist()
    unpacked = sum(m.file_size for m in members)
    return (unpacked, len(members)) if len(members) > max_members or unpacked > max_bytes else None
