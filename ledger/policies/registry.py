"""The policy registry: bundled seed policies plus the versions published into the ledger.

A published version is a ``policy_published`` record holding the file's full text, so the
rules a score was computed under are as tamper-evident as the facts, and a later reviewer
gets them back byte for byte. Bundled policies count as published: loading a file with a
bundled id@version but other content is refused like any other silent change.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from ..i18n import Msg
from .errors import PolicyError
from .loader import bundled_policy_files, load_policy_file, load_policy_text, policy_text_hash
from .model import Policy

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

REF = re.compile(r"^(?P<id>[a-z0-9][a-z0-9._\-]*?)(?:@(?P<version>\d+))?$")
HEADER_KEYS = frozenset({"id", "version", "year", "title", "effective_from", "change_note"})
_TOP_KEY = re.compile(r"([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]|\r?\n|$)")


@dataclass(frozen=True)
class Entry:
    id: str
    version: int
    year: int
    title: str
    sha256: str
    origin: str  # "bundled" or "revision N"
    text: str
    effective_from: str | None = None
    change_note: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def policy(self) -> Policy:
        return _parse(self.text, f"{self.ref} ({self.origin})")

    @classmethod
    def stored(cls, policy_id: str, version: int, sha256: str, origin: str, text: str,
               effective_from: str | None, change_note: str | None) -> Entry:
        """An entry for a version stored in the ledger (year and title read from its text)."""
        policy = _parse(text, f"{policy_id}@{version} ({origin})")
        return cls(policy_id, version, policy.year, policy.title, sha256, origin, text, effective_from,
                   change_note)


@functools.lru_cache(maxsize=32)
def _parse(text: str, origin: str) -> Policy:
    """Policies are immutable: each text is validated once per process."""
    return load_policy_text(text, origin=origin)


def bundled_entries() -> list[Entry]:
    """Bundled files, read cheaply (header keys only); full validation happens when a policy
    is used, so one unit's command does not pay for validating all five schemes."""
    return [_bundled_entry(str(path), path.stat().st_mtime_ns) for path in bundled_policy_files()]


def header_text(text: str) -> str | None:
    """The header entries of a policy file (``HEADER_KEYS``: a few lines) cut from its text, or
    None when the text is not a plain block mapping with ``key:`` lines at column 0. Parsing
    these alone gives the values parsing the whole file gives (start-up: parsing all five
    bundled files whole took ~30 ms of every policy command)."""
    kept: list[str] = []
    keep = False
    for line in text.splitlines(keepends=True):
        if line[:1] in ("", " ", "\t", "\r", "\n", "#"):  # inside the entry above: indented, blank, comment
            if keep:
                kept.append(line)
            continue
        match = _TOP_KEY.match(line)
        if match is None:  # a document marker, directive, flow or quoted key…: not cut
            return None
        keep = match[1] in HEADER_KEYS
        if keep:
            kept.append(line)
    return "".join(kept)


@functools.lru_cache(maxsize=64)
def _bundled_entry(name: str, mtime_ns: int) -> Entry:
    del mtime_ns  # part of the cache key: an edited file is read again
    path = Path(name)
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    try:
        head = _header(text)
        return Entry(str(head["id"]), int(head["version"]), int(head["year"]), str(head["title"]),
                     policy_text_hash(raw), "bundled", text,
                     str(head["effective_from"]) if head.get("effective_from") else None,
                     head.get("change_note"))
    except (yaml.YAMLError, KeyError, TypeError, ValueError):
        load_policy_file(path)  # raises the precise PolicyError
        raise


def _header(text: str) -> Any:
    """The file's header keys: from its cut header lines, else (anything unusual) the whole file."""
    cut = header_text(text)
    if cut is not None:
        try:
            head = yaml.load(cut, Loader=_Loader)
            if isinstance(head, dict) and {"id", "version", "year", "title"} <= head.keys():
                return head
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_Loader) or {}


class PolicyRegistry:
    def __init__(self, published: Callable[[], Iterable[Entry]]):
        self._published = published

    def entries(self) -> list[Entry]:
        """Bundled and published versions; for the same id@version the copy stored in the
        ledger wins (a later release bundling other text cannot change published rules)."""
        merged: dict[str, Entry] = {e.ref: e for e in bundled_entries()}
        for entry in self._published():
            merged[entry.ref] = entry
        return sorted(merged.values(), key=lambda e: (e.id, e.version))

    def find(self, ref: str, option: str = "--policy", as_of: dt.date | None = None) -> Entry:
        """``option``: what the user typed the ref as, for the error message. Without a version,
        the version in force at ``as_of`` (``choose``)."""
        return self.choose(ref, option, as_of)[0]

    def choose(self, ref: str, option: str = "--policy",
               as_of: dt.date | None = None) -> tuple[Entry, tuple[str, ...]]:
        """The entry ``ref`` names and why: ``ID@N`` forces version N (("forced",)); ``ID`` is
        the highest version whose ``effective_from`` is on or before ``as_of`` (default: the
        31 December of the highest version's year) — ("in_force", as_of, effective_from) — or,
        when none is in force yet, the earliest version (("earliest", as_of)). A version
        without ``effective_from`` is in force from the start."""
        if "+draft" in ref:
            raise InputError("a published version: a what-if result (ID@VERSION+draft:…) is not a version "
                             "of the ledger; publish the file with `ledger policy load` first",
                             field=option, got=repr(ref))
        match = REF.match(ref.strip())
        if not match:
            raise InputError("a policy id like jingkai-2021 or jingkai-2021@2", field=option, got=repr(ref))
        pid, version = match["id"], match["version"]
        candidates = [e for e in self.entries() if e.id == pid]
        if not candidates:
            known = ", ".join(sorted({e.id for e in self.entries()})) or "none"
            raise InputError(Msg("a bundled or published policy id (known: {known})", known=known), field=option,
                             got=repr(pid))
        if version is None:
            return in_force(candidates, as_of)
        for entry in candidates:
            if entry.version == int(version):
                return entry, ("forced",)
        versions = ", ".join(str(e.version) for e in candidates)
        raise InputError(Msg("a published version of {pid} (versions: {versions})", pid=pid, versions=versions),
                         field=option, got=repr(ref))

    def resolve(self, ref: str | None = None, file: str | None = None, option: str = "--policy",
                as_of: dt.date | None = None) -> Policy:
        """``--policy ID[@V]`` (``ID``: the version in force at ``as_of``) or ``--policy-file FILE``
        (an unpublished what-if: its ref is marked ``+draft:<sha8>``). The policy carries why it
        was used (``Policy.basis``)."""
        if file and ref:
            raise InputError(Msg("either {option} or {option}-file, not both (got {option} {ref} and {option}-file"
                                 " {file})",
                                 option=option, ref=ref, file=file), field=option)
        if file:
            return load_policy_file(file).as_draft()
        if not ref:
            raise InputError(Msg("{option} ID[@VERSION] or {option}-file FILE", option=option), field=option)
        entry, basis = self.choose(ref, option, as_of)
        return entry.policy().chosen(*basis)

    def check_new(self, path: str) -> tuple[Policy, str, str, Entry | None]:
        """Validate a file for publishing: (policy, text, sha256, existing entry or None).
        Same content as a published version → that entry; other content → error."""
        file = Path(path)
        policy = load_policy_file(file)
        raw = file.read_bytes()
        digest = policy_text_hash(raw)
        for entry in self.entries():
            if entry.ref == policy.ref:
                if entry.sha256 == digest:
                    return policy, raw.decode("utf-8-sig"), digest, entry
                raise InputError(
                    Msg("a new version number: {ref} is already published ({origin}, {sha256}…) with other content"
                        " ({digest}…); published versions are immutable — raise `version:` and describe the amendment"
                        " in `change_note:`",
                        ref=policy.ref, origin=entry.origin, sha256=entry.sha256[:19], digest=digest[:19]),
                    origin=path, field="version")
        return policy, raw.decode("utf-8-sig"), digest, None


def in_force(entries: Iterable[Entry], as_of: dt.date | None) -> tuple[Entry, tuple[str, ...]]:
    """Of one policy's versions, the highest whose ``effective_from`` is on or before ``as_of``
    (default: 31 December of the highest version's year), and why."""
    ordered = sorted(entries, key=lambda e: e.version)
    day = as_of or dt.date(ordered[-1].year, 12, 31)
    live = [e for e in ordered if e.effective_from is None or dt.date.fromisoformat(e.effective_from) <= day]
    if not live:
        return ordered[0], ("earliest", day.isoformat())
    entry = live[-1]
    return entry, ("in_force", day.isoformat(), entry.effective_from or "")


__all__ = ["Entry", "in_force", "PolicyRegistry", "bundled_entries", "PolicyError"]
