"""``ledger verify-packet``: a reviewer's check of a packet with no store (docs/verification.md).

In order, stopping at the first failure (``CheckFailed``, exit 1, naming it): a key given, or
``--allow-unsigned`` (else nothing vouches for the packet); the checkpoint's signature (a key
given: required); every file against the manifest the checkpoint names; the records' batch
inclusion proof against the checkpoint's Merkle root; the records at the checkpoint's size and
at known-at (their chain hashes are the checkpoint's and the result's; the checkpoint is not
dated before its last record); every stream the card reads — complete (stream head proven,
versions 1…count all there), proven absent, or (a unit's packet) its head proven; the policy
file (the published record's text, the bundled file or the what-if's hash); the card scored
again from the packet's records alone (a unit's packet: with its places as ``ranks.json``
states them), compared with ``explanation.json``; ``events.jsonl``; every evidence file the packet
carries (``evidence-<sha256><ext>``) against the record attaching it. Packets made before
(``ledger-packet/2``: a JSON checkpoint, one path per record, an unsigned manifest) are still
checked, their human-readable files only with ``--allow-unsigned``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import __version__
from ..errors import CheckFailed
from ..i18n import Msg, f, tr

# Packets are small: everything is read into memory.


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    versions_differ: str | None = None
    verdict: str = ""
    signed: bool = False

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
            out: dict[str, bytes] = {}
            folders = {n.rpartition("/")[0] for n in names}
            for n in names:
                name = n.rpartition("/")[2]
                if name in out or len(folders) > 1:
                    # One folder, each name once: no second explanation.html for a person to open.
                    raise CheckFailed(Msg("{path}: a packet is one folder of files, each name once ({name} is not)",
                                          path=path, name=n))
                out[name] = archive.read(n)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CheckFailed(Msg("{path}: not a packet zip ({exc})", path=path, exc=exc)) from None
    for name in ("packet.json", "records.jsonl", "stream_heads.json", "policy.yaml", "explanation.json"):
        if name not in out:
            raise CheckFailed(Msg("{path}: {name} is missing (not a self-sufficient packet: made by a ledger before"
                                  " ledger-packet/2?)",
                                  path=path, name=name))
    return out


class PacketFacts:
    """The fact view over the packet's records (what ``FactView`` is over a store)."""

    kept = None  # nothing kept across reads: the packet's records are all in memory already

    def __init__(self, records: dict[str, list[Any]]):
        self.records = records

    def unit_batches(self, units: Iterable[str], year: int) -> Iterator[list[str]]:
        yield list(units)  # a packet holds a card's streams: one batch

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

    def evidence(self, unit: str, year: int, known_at: int | None) -> dict:
        from ..projections.evidence import files_by_event
        from ..store.eventstore import unit_stream

        return files_by_event((r.data for r in self.records.get(unit_stream(unit, year), ())), known_at)

    def roster(self, known_at: int | None = None) -> dict:
        from ..projections.fact_view import roster_from

        return roster_from(self._stream("ledger:units", known_at, None))


NOTHING_VOUCHES = ("nothing vouches for this packet; give the office's public key (--key ledger-key.vkey or "
                   "ledger-key.pub), or --allow-unsigned to check it as an UNSIGNED packet")


def verify_packet(path: str, public: Any | None, allow_unsigned: bool = False) -> Report:
    """``public``: the office's key (a ``checkpoints.Verifier``): the checkpoint must carry its
    valid signature. Without one the packet is refused unless ``allow_unsigned``, and then its
    verdict says UNSIGNED."""
    if public is None and not allow_unsigned:
        raise CheckFailed(NOTHING_VOUCHES)
    files = _files(path)
    try:
        return _verify(path, files, public, allow_unsigned)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # A file of the right name but not of the right shape (an unsigned packet anyone made).
        raise CheckFailed(Msg("{path}: a file of the packet is not what a packet holds ({kind}: {exc})", path=path,
                              kind=type(exc).__name__, exc=str(exc)[:200])) from None


def _verify(path: str, files: dict[str, bytes], public: Any | None, allow_unsigned: bool) -> Report:
    from .. import checkpoints
    from .packets import FORMAT, FORMATS

    report = Report()
    meta = _json(files, "packet.json")
    if not isinstance(meta, dict):
        raise CheckFailed("packet.json: not a packet's description (a JSON object)")
    form = meta.get("packet")
    if form not in FORMATS:
        raise CheckFailed(Msg("packet.json: a packet of {formats} (this one says {form})",
                              formats=", ".join(FORMATS), form=str(form)[:40]))
    current = form == FORMAT
    cp_name = "checkpoint.txt" if current else "checkpoint.json"
    if cp_name not in files:
        raise CheckFailed(Msg("{path}: {name} is missing", path=path, name=cp_name))
    cp = checkpoints.Checkpoint.parse(files[cp_name].decode("utf-8", "replace"), cp_name)
    if public is not None:
        report.verdict = tr(checkpoints.check_signature(cp, public, cp_name, required=True))
        report.signed = True
    else:
        report.verdict = f("UNSIGNED (no key given: its signature, if any, was not checked)")
    report.ok(f"{cp_name}: {report.verdict}")
    if current:
        _manifest(files, cp)
        report.ok(f("manifest.json: every file of the packet, as listed with its SHA-256 in the manifest the "
                    "checkpoint signs") if report.signed else
                  f("manifest.json: every file of the packet, as listed with its SHA-256 in the manifest the "
                    "checkpoint names"))
    elif report.signed and not allow_unsigned:
        raise CheckFailed(Msg("{path}: a {form} packet (made before manifests were signed): its explanation.html, "
                              ".csv, .pdf and README.txt are not covered by the signature; ask the office for a new "
                              "packet, or give --allow-unsigned to check what it proves", path=path, form=form))
    else:
        report.verdict = f("PARTLY UNSIGNED (a ledger-packet/2 packet: only its records and explanation.json are "
                           "proven)")

    by_revision, streams, withheld, leaves = _records(files, cp, current)
    known_at = int(meta["known_at"])
    unit_scope = meta.get("scope") == "unit"
    # what is missing first (named: a stream's record, a peer's stream), then the records' proof
    proven, held = _heads(files, cp, streams)
    policy, _text = _policy(files, meta, by_revision)
    # the streams the card reads (the policy and the roster name the peers): each proven
    needed = _streams_needed(policy, meta, PacketFacts(streams).roster(known_at))
    for stream in needed:
        if stream not in proven and not (unit_scope and stream in held):
            raise CheckFailed(Msg("stream {stream}: the card reads it, but the packet neither proves it complete nor"
                                  " proves it absent (a peer's facts removed)",
                                  stream=stream))
    if current:
        _batch_root(files, cp, leaves)
    report.ok(f("records.jsonl: {full} records in full and {held} as leaf hashes, proven in the checkpoint's log of "
                "{size} records (Merkle root {root}…)", full=len(by_revision), held=len(withheld), size=cp.size,
                root=cp.root[:16]))
    report.ok(_chain_hashes(cp, meta, known_at, by_revision, withheld))
    report.ok(f("streams: {n} read by the card, each complete or proven absent ({held} peers' as their stream heads "
                "only: a unit's packet)", n=len(needed), held=len(held)) if held else
              f("streams: {n} read by the card, each complete or proven absent", n=len(needed)))
    from ..reports.policies import origin_text

    report.ok(f"policy.yaml: {policy.ref} ({origin_text(meta['policy']['origin'])})")
    places = _places(files, report) if unit_scope else None
    _rescore(files, meta, policy, known_at, streams, places, report)

    _evidence(files, meta, by_revision, report)
    # the import file (and a packet before ledger-packet/3: its unsigned manifest)
    _events(files, meta, by_revision)
    if not current:
        manifest = _json(files, "manifest.json") if "manifest.json" in files else {}
        for name, data in sorted(files.items()):
            if name != "manifest.json" and manifest.get(name) != hashlib.sha256(data).hexdigest():
                raise CheckFailed(Msg("manifest.json: {name} is not the file the manifest lists", name=name))
    report.ok(f("events.jsonl: the proven records' events"))
    return report


def _evidence(files: dict[str, bytes], meta: dict[str, Any], by_revision: dict[int, Any], report: Report) -> None:
    """Each evidence file the packet carries is the file its name's SHA-256 names, attached by a
    proven record of a stream the packet carries in full, not withdrawn there, of the size and
    kind the record says; a packet made ``with_evidence`` carries every such file."""
    from ..projections.evidence import files_by_event
    from .packets import evidence_name

    streams = set(meta["streams"])
    attached = {f.sha256: f for fs in files_by_event(
        r.data for _, r in sorted(by_revision.items()) if r.stream in streams).values() for f in fs}
    found = sorted(name for name in files if name.startswith("evidence-"))
    for name in found:
        data = files[name]
        sha256 = hashlib.sha256(data).hexdigest()
        file = attached.get(sha256)
        if file is None or name != evidence_name(sha256, file.media_type):
            raise CheckFailed(Msg("{name}: not an evidence file a proven record attaches (its SHA-256 is {sha256}: "
                                  "the file changed, or added)", name=name, sha256=sha256))
        if file.withdrawn is not None:
            raise CheckFailed(Msg("{name}: the file was withdrawn at revision {revision}, yet the packet carries its "
                                  "bytes", name=name, revision=file.withdrawn.revision))
        if len(data) != file.size:
            raise CheckFailed(Msg("{name}: {size} bytes, its record says {expected}", name=name, size=len(data),
                                  expected=file.size))
    if meta.get("with_evidence"):
        for sha256, file in sorted(attached.items()):
            if file.withdrawn is None and evidence_name(sha256, file.media_type) not in files:
                raise CheckFailed(Msg("evidence file {sha256} ({name}, attached at revision {revision}) is missing from"
                                      " a packet made with its evidence (removed)", sha256=sha256, name=file.name,
                                      revision=file.revision))
    if attached:
        report.ok(f("evidence: {n} file(s) attached in the proven records, {carried} carried here, each the bytes of "
                    "its SHA-256", n=len(attached), carried=len(found)))


def _events(files: dict[str, bytes], meta: dict[str, Any], by_revision: dict[int, Any]) -> None:
    """events.jsonl holds the proven records' events, in order, as ``ledger import`` reads them:
    compared as values (its bytes are the manifest's), numbers the catalog keeps as decimals
    written as their text."""
    from .packets import ENVELOPE, importable

    streams = set(meta["streams"])
    wanted = [r.data for _, r in sorted(by_revision.items()) if r.stream.startswith("unit:") and r.stream in streams
              and importable(r.type)]
    try:
        lines = files.get("events.jsonl", b"").decode().splitlines()
        given = [json.loads(line) for line in lines]
    except ValueError:
        given = None
    plain = (str, int, bool, type(None))
    if given is None or len(given) != len(wanted) or any(
            g != {k: v if type(v) in plain else _as_text(v) for k, v in w.items() if k not in ENVELOPE}
            for g, w in zip(given, wanted, strict=True)):
        raise CheckFailed("events.jsonl: not the proven records' events (edited, added or removed)")


def _as_text(value: Any) -> Any:
    """A stored value as events.jsonl writes it (``packets.import_line``: decimals as text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return value


def _json(files: dict[str, bytes], name: str) -> Any:
    try:
        return json.loads(files[name])
    except (ValueError, UnicodeDecodeError):
        raise CheckFailed(Msg("{name}: not JSON", name=name)) from None


def _manifest(files: dict[str, bytes], cp: Any) -> None:
    """Every file against manifest.json, and manifest.json against the checkpoint's line."""
    from .packets import FORMAT, SIGNED_BY_MANIFEST

    if "manifest.json" not in files or cp.manifest is None:
        raise CheckFailed("manifest.json: missing, or the checkpoint names no manifest (its files are not covered)")
    if hashlib.sha256(files["manifest.json"]).hexdigest() != cp.manifest:
        raise CheckFailed("manifest.json: not the manifest the checkpoint names (edited, or the checkpoint of another "
                          "packet)")
    manifest = _json(files, "manifest.json")
    listed = manifest.get("files") if isinstance(manifest, dict) and manifest.get("packet") == FORMAT else None
    if not isinstance(listed, dict):
        raise CheckFailed(Msg("manifest.json: a {format} manifest", format=FORMAT))
    for name, data in sorted(files.items()):
        if name in SIGNED_BY_MANIFEST:
            continue
        if name not in listed:
            raise CheckFailed(Msg("{name}: not listed in the manifest (a file added to the packet)", name=name))
        if listed[name] != hashlib.sha256(data).hexdigest():
            raise CheckFailed(Msg("{name}: not the file the manifest lists (changed after the packet was made)",
                                  name=name))
    for name in listed:
        if name not in files:
            raise CheckFailed(Msg("{name}: listed in the manifest, missing from the packet (removed)", name=name))


def _chain_hashes(cp: Any, meta: dict[str, Any], known_at: int, by_revision: dict[int, Any],
                  withheld: dict[int, str]) -> str:
    """The records at the checkpoint's size and at known-at carry the chain hashes the checkpoint
    and the result state (a withheld record: the checkpoint's word)."""
    last = by_revision.get(cp.size)
    said = []
    if last is not None:
        if last.data.get("hash") != cp.chain_hash:
            raise CheckFailed(Msg("checkpoint: the record at revision {size} does not carry the checkpoint's chain "
                                  "hash", size=cp.size))
        if cp.time < last.data["recorded_at"]:
            raise CheckFailed(Msg("checkpoint: dated {time}, before its last record was written ({recorded_at}): a"
                                  " stale or back-dated checkpoint",
                                  time=cp.time, recorded_at=last.data['recorded_at']))
    elif cp.size in withheld:
        said.append(f("the record at revision {revision} is withheld ({why}): the chain hash there is the "
                      "checkpoint's word", revision=cp.size, why=_why(withheld[cp.size])))
    elif cp.size:
        raise CheckFailed(Msg("checkpoint: the record at revision {size} is not in the packet", size=cp.size))
    anchor = by_revision.get(known_at)
    if known_at and anchor is None and known_at in withheld:
        said.append(f("the record at revision {revision} is withheld ({why}): the result's chain hash is "
                      "packet.json's word", revision=known_at, why=_why(withheld[known_at])))
    elif known_at and (anchor is None or anchor.data.get("hash") != meta["chain_hash"]):
        raise CheckFailed(Msg("packet.json: the chain hash after revision {known_at} is not the one the record at"
                              " revision {known_at} carries (or that record is missing)",
                              known_at=known_at))
    return (f("chain hashes: after revision {size} (checkpoint) and after revision {known_at} (the result)",
              size=cp.size, known_at=known_at)
            + ("; " + "; ".join(said) if said else ""))


def _why(reason: str) -> str:
    """Why a record is withheld, as packets.withheld says it (its code, then in words)."""
    words = {"account": "account: a web account's record", "not readable by the unit": "not readable by the unit: "
             "another unit's record, or the ledger's own"}
    return tr(words.get(reason, reason))


def _places(files: dict[str, bytes], report: Report) -> dict[int, tuple[int, int]]:
    if "ranks.json" not in files:
        return {}
    places = {int(p["key"]): (int(p["place"]), int(p["of"])) for p in _json(files, "ranks.json")["places"]}
    if places:
        report.ok(f("ranks.json: the unit's place in {n} rank table(s), as the office states it (a unit's packet "
                    "carries no other unit's records: taken on trust, under the office's signature)", n=len(places))
                  if report.signed else
                  f("ranks.json: the unit's place in {n} rank table(s), as the office states it (a unit's packet "
                    "carries no other unit's records: taken on trust)", n=len(places)))
    return places


def _rescore(files: dict[str, bytes], meta: dict[str, Any], policy: Any, known_at: int,
             streams: dict[str, list[Any]], places: dict[int, tuple[int, int]] | None, report: Report) -> None:
    """The card scored again from the packet alone, compared with explanation.json."""
    from ..projections.scoreboard import Scoreboard, build_scoreboard, track_units
    from ..projections.scoring import score_track, track_fact_types
    from ..projections.snapshot import Snapshot
    from ..reports import explain as explain_report
    from .packets import RENDERER

    unit, track, as_of = meta["unit"], meta["track"], dt.date.fromisoformat(meta["as_of"])
    view = Snapshot(known_at, meta["chain_hash"], PacketFacts(streams))  # type: ignore[arg-type]
    if places is None:
        board = build_scoreboard(view, policy, as_of=as_of, tracks=[track], focus=unit)
    else:  # a unit's packet: its place in each rank table given, the peers' facts not there
        board = Scoreboard(policy, as_of, view)
        members = track_units(policy, track, view.roster().values())
        facts = {unit: view.facts(unit, policy.year, as_of, track_fact_types(policy, track))}
        board.cards[track] = score_track(policy, track, members, facts, as_of, focus={unit}, places=places)
    ex = explain_report.Explanation(board, board.card(unit, track))
    again = (explain_report.as_json(ex) + "\n").encode()
    theirs = meta.get("versions", {})
    mine = {"ledger": __version__, "explanation": RENDERER}
    given = files["explanation.json"]
    if theirs == mine:
        if again != given:
            raise CheckFailed(Msg("explanation.json: the card scored again from the packet differs from it{given}",
                                  given=_first_difference(json.loads(given), json.loads(again))))
        report.ok(f("explanation.json: scored again from the packet, byte for byte (total {total})",
                    total=ex.card.total))
        return
    report.versions_differ = f("made by {theirs}, checked by {mine}", theirs=_versions(theirs), mine=_versions(mine))
    if json.loads(again) != json.loads(given):
        raise CheckFailed(Msg("explanation.json: the card scored again from the packet differs from it{given}",
                              given=_first_difference(json.loads(given), json.loads(again))))
    report.ok(f("explanation.json: scored again from the packet, the same values (total {total}; versions differ: "
                "{versions})", total=ex.card.total, versions=report.versions_differ))


def _records(files: dict[str, bytes], cp: Any, batch: bool) -> tuple[dict[int, Any], dict[str, list[Any]],
                                                                      dict[int, str], list[tuple[int, bytes]]]:
    """The packet's records by revision and by stream, and the withheld ones (revision → why),
    all proven in the checkpoint's log: with one batch proof (tree.json), or (ledger-packet/2)
    each with its own path."""
    from ..events import codec
    from ..store import merkle
    from ..store.eventstore import Record

    root = bytes.fromhex(cp.root)
    by_revision: dict[int, Record] = {}
    streams: dict[str, list[Record]] = defaultdict(list)
    withheld: dict[int, str] = {}
    leaves: list[tuple[int, bytes]] = []
    loads, sha256 = codec._DECODER.decode, hashlib.sha256  # the hot loop: a packet has thousands of records

    def where(number: int, revision: int, stream: str, data: dict[str, Any]) -> str:
        return f"records.jsonl line {number}: the record at revision {revision} (stream {stream}, id {data.get('id')})"

    for number, line in enumerate(files["records.jsonl"].decode().splitlines(), 1):
        row = json.loads(line)
        revision = int(row["revision"])
        if revision in by_revision or revision in withheld or not 1 <= revision <= cp.size:
            raise CheckFailed(Msg("records.jsonl line {number}: revision {revision} given twice, or beyond the "
                                  "checkpoint's {size}", number=number, revision=revision, size=cp.size))
        if batch and "leaf" in row:
            leaves.append((revision - 1, bytes.fromhex(row["leaf"])))
            withheld[revision] = str(row.get("withheld", "withheld"))
            continue
        stream, version, topic, text = row["stream"], int(row["version"]), row["topic"], row["state"]
        try:
            data = loads(text)
        except ValueError:
            data = {}
        leaf = sha256(b"\x00" + f"{stream}\n{version}\n{topic}\n{text}".encode()).digest()  # merkle.record_leaf
        if batch:
            leaves.append((revision - 1, leaf))
        elif not merkle.verify_inclusion(revision - 1, cp.size, leaf, [bytes.fromhex(p) for p in row["path"]], root):
            raise CheckFailed(Msg("{where} is not in the checkpointed log (an event edited or added)",
                                  where=where(number, revision, stream, data)))
        if data.get("revision") != revision or data.get("type") != topic:
            raise CheckFailed(Msg("{where} does not say what its row says (revision, type)",
                                  where=where(number, revision, stream, data)))
        record = Record(stream, version, data)
        by_revision[revision] = record
        streams[stream].append(record)
    return by_revision, streams, withheld, leaves


def _batch_root(files: dict[str, bytes], cp: Any, leaves: list[tuple[int, bytes]]) -> None:
    """The records' leaves with tree.json's hashes give the checkpoint's Merkle root."""
    from ..store import merkle

    tree = _json(files, "tree.json") if "tree.json" in files else {}
    try:
        nodes = [bytes.fromhex(n) for n in tree.get("nodes", ())]
    except (TypeError, ValueError):
        nodes = []
    if tree.get("size") != cp.size or merkle.root_from_batch(cp.size, sorted(leaves), nodes) != bytes.fromhex(cp.root):
        raise CheckFailed("records.jsonl: a record is not in the checkpointed log: with tree.json the records do not "
                          "give the checkpoint's Merkle root (an event edited or added, or the proof altered)")


def _heads(files: dict[str, bytes], cp: Any, streams: dict[str, list[Any]]) -> tuple[set[str], set[str]]:
    """(the streams proven complete or absent, the streams whose heads alone are proven)."""
    from ..store import proofs

    heads_root = bytes.fromhex(cp.stream_heads_root)
    heads = _json(files, "stream_heads.json")
    proven: set[str] = set()
    for head in heads["present"]:
        stream = head["stream"]
        _proven_head(head, cp, heads_root)
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
    held = set()
    for head in heads.get("withheld", ()):
        _proven_head(head, cp, heads_root)
        held.add(head["stream"])
    return proven, held


def _proven_head(head: dict[str, Any], cp: Any, heads_root: bytes) -> None:
    from ..store import proofs

    if not proofs.verify_head(head, cp.streams, heads_root):
        raise CheckFailed(Msg("stream_heads.json: the head of stream {stream} ({count} records, last at revision"
                              " {last_revision}) is not in the checkpoint's stream-heads tree",
                              stream=head["stream"], count=head['count'], last_revision=head['last_revision']))


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


def _versions(versions: dict[str, Any]) -> str:
    """``ledger 0.1.0 · explain/1`` (a packet's ``versions`` as a person reads them)."""
    return " · ".join(f"{k} {v}" if k == "ledger" else str(v) for k, v in sorted(versions.items())) or "?"


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
