"""``ledger verify-packet``: a reviewer's check of a packet with no store (docs/verification.md).

In order, stopping at the first failure (``CheckFailed``, exit 1, naming it): the checkpoint's
signature; every record's inclusion proof against the checkpoint's Merkle root; the records
at the checkpoint's size and at known-at (their chain hashes are the checkpoint's and the
result's; the checkpoint is not dated before its last record); every stream the card reads —
complete (stream head proven, versions 1…count all there) or proven absent; the policy file
(the published record's text, the bundled file or the what-if's hash); the card scored again
from the packet's records alone, compared with ``explanation.json``; ``events.jsonl``; the
manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import CheckFailed
from ..i18n import Msg

# Packets are small: everything is read into memory.


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    versions_differ: str | None = None

    def ok(self, text: str) -> None:
        self.lines.append(f"ok  {text}")


MAX_UNPACKED = 2**30
"""The most a packet may unpack to (its members' declared sizes): a card's packet is a few MB
— its streams and its peers' — and a zip bomb must not fill the reviewer's memory."""
MAX_MEMBERS = 1000


def _files(path: str) -> dict[str, bytes]:
    from .archives import oversized

    try:
        with zipfile.ZipFile(path) as archive:
            too_big = oversized(archive, MAX_UNPACKED, MAX_MEMBERS)
            if too_big is not None:
                raise CheckFailed(Msg("{path}: a packet unpacks to at most {mb} MiB in at most {n} parts; this one "
                                      "declares {size} bytes in {count} parts", path=path, mb=MAX_UNPACKED // 2**20,
                                      n=MAX_MEMBERS, size=too_big[0], count=too_big[1]))
            names = [n for n in archive.namelist() if not n.endswith("/")]
            out = {n.rpartition("/")[2]: archive.read(n) for n in names}
    except (OSError, zipfile.BadZipFile) as exc:
        raise CheckFailed(Msg("{path}: not a packet zip ({exc})", path=path, exc=exc)) from None
    for name in ("packet.json", "checkpoint.json", "records.jsonl", "stream_heads.json", "policy.yaml",
                 "explanation.json"):
        if name not in out:
            raise CheckFailed(Msg("{path}: {name} is missing (not a self-sufficient packet: made by a ledger before"
                                  " ledger-packet/2?)",
                                  path=path, name=name))
    return out


class PacketFacts:
    """The fact view over the packet's records (what ``FactView`` is over a store)."""

    def __init__(self, records: dict[str, list[Any]]):
        self.records = records

    def _stream(self, stream: str, known_at: int | None, types: Iterable[str] | None) -> list[Any]:
        topics = None if types is None else set(types) | {"retraction", "correction"}
        return [r for r in self.records.get(stream, ())
                if (known_at is None or r.revision <= known_at) and (topics is None or r.type in topics)]

    def facts(self, unit: str, year: int, as_of: dt.date | None, known_at: int | None,
              types: Iterable[str] | None = None) -> list[Any]:
        from ..projections.fact_view import effective_facts
        from ..store.eventstore import unit_stream

        return effective_facts(self._stream(unit_stream(unit, year), known_at, types), as_of, known_at)

    def facts_for(self, units: Iterable[str], year: int, as_of: dt.date | None, known_at: int | None,
                  types: Iterable[str] | None = None, on_unit: Callable[[int], None] | None = None) -> dict:
        return {u: self.facts(u, year, as_of, known_at, types) for u in units}

    def peer_facts(self, units: Iterable[str], year: int, as_of: dt.date | None, known_at: int | None,
                   types: Iterable[str]) -> dict:
        return self.facts_for(units, year, as_of, known_at, types)

    def roster(self, known_at: int | None = None) -> dict:
        from ..projections.fact_view import roster_from

        return roster_from(self._stream("ledger:units", known_at, None))


def verify_packet(path: str, public: Any | None) -> Report:
    from .. import checkpoints

    files = _files(path)
    report = Report()
    meta = json.loads(files["packet.json"])
    cp = checkpoints.Checkpoint.from_json(files["checkpoint.json"].decode(), "checkpoint.json")
    report.ok("checkpoint.json: " + checkpoints.check_signature(cp, public, "checkpoint.json"))

    by_revision, streams = _records(files, cp)
    report.ok(f"records.jsonl: {len(by_revision)} records, each proven in the checkpoint's log of {cp.size} "
              f"records (Merkle root {cp.root[:16]}…)")

    # 2. the chain hashes: at the checkpoint's size, and at known-at
    last = by_revision.get(cp.size)
    if last is None or last.data.get("hash") != cp.chain_hash:
        raise CheckFailed(Msg("checkpoint.json: the record at revision {size} is not in the packet or does not carry"
                              " the checkpoint's chain hash",
                              size=cp.size))
    if cp.time < last.data["recorded_at"]:
        raise CheckFailed(Msg("checkpoint.json: dated {time}, before its last record was written ({recorded_at}): a"
                              " stale or back-dated checkpoint",
                              time=cp.time, recorded_at=last.data['recorded_at']))
    known_at = int(meta["known_at"])
    anchor = by_revision.get(known_at)
    if known_at and (anchor is None or anchor.data.get("hash") != meta["chain_hash"]):
        raise CheckFailed(Msg("packet.json: the chain hash after revision {known_at} is not the one the record at"
                              " revision {known_at} carries (or that record is missing)",
                              known_at=known_at))
    report.ok(f"chain hashes: after revision {cp.size} (checkpoint) and after revision {known_at} (the result)")

    proven = _heads(files, cp, streams)
    # the streams the card reads (the policy and the roster name the peers): each proven
    policy, _text = _policy(files, meta, by_revision)
    needed = _streams_needed(policy, meta, PacketFacts(streams).roster(known_at))
    for stream in needed:
        if stream not in proven:
            raise CheckFailed(Msg("stream {stream}: the card reads it, but the packet neither proves it complete nor"
                                  " proves it absent (a peer's facts removed)",
                                  stream=stream))
    report.ok(f"streams: {len(needed)} read by the card, each complete or proven absent")
    report.ok(f"policy.yaml: {policy.ref} ({meta['policy']['origin']})")

    # 4. the card again, from the packet alone
    from ..projections.scoreboard import build_scoreboard
    from ..projections.snapshot import Snapshot
    from ..reports import explain as explain_report
    from .packets import RENDERER

    view = Snapshot(known_at, meta["chain_hash"], PacketFacts(streams))  # type: ignore[arg-type]
    board = build_scoreboard(view, policy, as_of=dt.date.fromisoformat(meta["as_of"]), tracks=[meta["track"]],
                             focus=meta["unit"])
    ex = explain_report.Explanation(board, board.card(meta["unit"], meta["track"]))
    again = (explain_report.as_json(ex) + "\n").encode()
    theirs = meta.get("versions", {})
    mine = {"ledger": __version__, "explanation": RENDERER}
    given = files["explanation.json"]
    if theirs == mine:
        if again != given:
            raise CheckFailed(Msg("explanation.json: the card scored again from the packet differs from it{given}",
                                  given=_first_difference(json.loads(given), json.loads(again))))
        report.ok(f"explanation.json: scored again from the packet, byte for byte (total {ex.card.total})")
    else:
        report.versions_differ = f"packet made by {theirs}, checked by {mine}"
        if json.loads(again) != json.loads(given):
            raise CheckFailed(Msg("explanation.json: the card scored again from the packet differs from it{given}",
                                  given=_first_difference(json.loads(given), json.loads(again))))
        report.ok(f"explanation.json: scored again from the packet, the same values (total {ex.card.total}; "
                  f"versions differ: {report.versions_differ})")

    # 5. the import file and the manifest
    from .packets import import_line

    wanted = "".join(import_line(r.data) + "\n" for _, r in sorted(by_revision.items())
                     if r.stream.startswith("unit:") and r.stream in meta["streams"])
    if files.get("events.jsonl", b"").decode() != wanted:
        raise CheckFailed("events.jsonl: not the proven records' events (edited, added or removed)")
    manifest = json.loads(files.get("manifest.json", b"{}"))
    for name, data in sorted(files.items()):
        if name != "manifest.json" and manifest.get(name) != hashlib.sha256(data).hexdigest():
            raise CheckFailed(Msg("manifest.json: {name} is not the file the manifest lists", name=name))
    report.ok("events.jsonl and manifest.json agree with the rest")
    return report


def _records(files: dict[str, bytes], cp: Any) -> tuple[dict[int, Any], dict[str, list[Any]]]:
    """The packet's records by revision and by stream, each proven in the checkpoint's log."""
    from ..events import codec
    from ..store import merkle
    from ..store.eventstore import Record

    root = bytes.fromhex(cp.root)
    by_revision: dict[int, Record] = {}
    streams: dict[str, list[Record]] = defaultdict(list)
    for number, line in enumerate(files["records.jsonl"].decode().splitlines(), 1):
        row = json.loads(line)
        revision, stream, version, topic = int(row["revision"]), row["stream"], int(row["version"]), row["topic"]
        state = row["state"].encode()
        try:
            data = codec.loads(state)
        except ValueError:
            data = {}
        where = f"records.jsonl line {number}: the record at revision {revision} (stream {stream}, id {data.get('id')})"
        leaf = merkle.record_leaf(stream, version, topic, state)
        if not merkle.verify_inclusion(revision - 1, cp.size, leaf, [bytes.fromhex(p) for p in row["path"]], root):
            raise CheckFailed(Msg("{where} is not in the checkpointed log (an event edited or added)", where=where))
        if data.get("revision") != revision or data.get("type") != topic or revision in by_revision:
            raise CheckFailed(Msg("{where} does not say what its row says (revision, type) or is given twice",
                                  where=where))
        record = Record(stream, version, data)
        by_revision[revision] = record
        streams[stream].append(record)
    return by_revision, streams


def _heads(files: dict[str, bytes], cp: Any, streams: dict[str, list[Any]]) -> set[str]:
    """The streams proven complete (every record there) or absent."""
    from ..store import proofs

    heads_root = bytes.fromhex(cp.stream_heads_root)
    heads = json.loads(files["stream_heads.json"])
    proven: set[str] = set()
    for head in heads["present"]:
        stream = head["stream"]
        if not proofs.verify_head(head, cp.streams, heads_root):
            raise CheckFailed(Msg("stream_heads.json: the head of stream {stream} ({count} records, last at revision"
                                  " {last_revision}) is not in the checkpoint's stream-heads tree",
                                  stream=stream, count=head['count'], last_revision=head['last_revision']))
        got = sorted(r.version for r in streams.get(stream, ()))
        count = int(head["count"])
        if got != list(range(1, count + 1)):
            missing = sorted(set(range(1, count + 1)) - set(got))
            raise CheckFailed(Msg("stream {stream}: the packet has {n_got} of its {count} records (version {missing}"
                                  " missing: an event removed)",
                                  stream=stream, n_got=len(got), count=count, missing=missing[0] if missing else '?'))
        if max((r.revision for r in streams[stream]), default=0) != int(head["last_revision"]):
            raise CheckFailed(Msg("stream {stream}: its last record is not at revision {last_revision}",
                                  stream=stream, last_revision=head['last_revision']))
        proven.add(stream)
    for gone in heads["absent"]:
        if not proofs.verify_absence(gone["stream"], gone["neighbours"], cp.streams, heads_root):
            raise CheckFailed(Msg("stream_heads.json: stream {stream} is not proven absent from the log",
                                  stream=gone['stream']))
        if streams.get(gone["stream"]):
            raise CheckFailed(Msg("stream {stream}: proven absent, yet the packet has records of it",
                                  stream=gone['stream']))
        proven.add(gone["stream"])

    return proven


def _policy(files: dict[str, bytes], meta: dict[str, Any], by_revision: dict[int, Any]) -> tuple[Any, str]:
    from ..policies.errors import PolicyError
    from ..policies.loader import bundled_policy_files, load_policy_text, policy_text_hash

    raw = files["policy.yaml"]
    text = raw.decode("utf-8-sig")
    origin = str(meta["policy"]["origin"])
    ref = str(meta["policy"]["ref"])
    if origin.startswith("revision "):
        record = by_revision.get(int(origin.split()[1]))
        if record is None or record.type != "policy_published" or record.data["content"] != text:
            raise CheckFailed(Msg("policy.yaml: not the text of {ref} published at {origin} (the policy edited)",
                                  ref=ref, origin=origin))
    elif origin == "bundled":
        sums = {policy_text_hash(p.read_bytes()) for p in bundled_policy_files()}
        if policy_text_hash(raw) not in sums:
            raise CheckFailed(Msg("policy.yaml: not the bundled policy {ref} of this ledger (the policy edited, or a"
                                  " version this install does not bundle)",
                                  ref=ref))
    try:
        policy = load_policy_text(text, "policy.yaml")
    except PolicyError as exc:
        raise CheckFailed(Msg("policy.yaml: {exc}", exc=exc)) from None
    if origin == "draft":
        policy = policy.as_draft()
    if policy.ref != ref:
        raise CheckFailed(Msg("policy.yaml: it is {ref}, the packet says {ref_2} (the policy edited)",
                              ref=policy.ref, ref_2=ref))
    return policy, text


def _streams_needed(policy: Any, meta: dict[str, Any], roster: dict) -> list[str]:
    from ..projections.scoreboard import track_units
    from ..projections.scoring import rank_fact_types
    from ..store.eventstore import unit_stream

    track, unit = meta["track"], meta["unit"]
    needed = [unit_stream(unit, policy.year), "ledger:units"]
    if rank_fact_types(policy, track):
        needed += [unit_stream(u.id, policy.year) for u in track_units(policy, track, roster.values()) if u.id != unit]
    return needed


def _first_difference(given: Any, again: Any, where: str = "") -> str:
    if isinstance(given, dict) and isinstance(again, dict):
        for key in list(given) + [k for k in again if k not in given]:
            if given.get(key) != again.get(key):
                return _first_difference(given.get(key), again.get(key), f"{where}.{key}" if where else str(key))
    elif isinstance(given, list) and isinstance(again, list) and len(given) == len(again):
        for i, (a, b) in enumerate(zip(given, again, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
    return f" at {where or 'the top'}: the packet says {json.dumps(given, ensure_ascii=False)[:120]}, scored again " \
           f"{json.dumps(again, ensure_ascii=False)[:120]}"
