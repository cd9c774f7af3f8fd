"""Reviewer packets: one zip a reviewer re-derives and checks offline, with no store.

Contents (docs/verification.md, "Packets"): the explanation (HTML, JSON, CSV; PDF when a
browser is there), the policy file, every record the card reads — the unit's stream for the
year, the roster, the peers' streams when a line ranks the track, the policy's own record when
it is a published version — with their stored rows and one batch inclusion proof, a
completeness proof (stream head) for every stream read and an absence proof for every peer
with no records, the same events as JSONL that ``ledger import`` reads, and the versions that
made it. ``manifest.json`` lists every file with its SHA-256, and the packet's checkpoint — a
signed note when the office has a key, made only once the log is proven to extend the office's
last signed checkpoint (``ledger.signing``) — carries the manifest's SHA-256: the signature
covers every byte of the packet. ``ledger verify-packet`` (``ledger.workflows.verify_packet``)
checks all of it.

Evidence (佐证材料): the records attaching files are in the unit's stream, so a packet carries
every file's hash, name and size, and its explanation names them on their lines. With
``with_evidence`` it also carries the files themselves, ``evidence-<sha256><ext>`` beside the
other files (listed in the signed manifest like them), within what ``verify-packet`` reads (its
``MAX_UNPACKED`` and ``MAX_MEMBERS``); a withdrawn file's bytes are never there.

No packet carries a secret: a web account's record (its password hash) is never there in full,
only its leaf hash where the proofs need the record (the chain hash it carries is then the
checkpoint's word). A packet for a unit (``scope="unit"``: what a unit's own user may read)
carries its own records in full, the peers' stream heads only (no record, not even a leaf
hash: the Merkle root already commits them), the unit's place in each rank table as the
office's statement (``ranks.json``), and any other record the proofs need as a leaf hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

from .. import __version__, i18n
from ..reports import explain as explain_report
from ..reports import text as render
from ..reports.safe import file_name, with_bom

if TYPE_CHECKING:
    from ..app import Ledger

FORMAT = "ledger-packet/3"
FORMATS = ("ledger-packet/2", FORMAT)
"""The packets ``verify-packet`` reads (/2: before the manifest was signed)."""
RENDERER = "explain/3"
"""The explanation renderer's version: bumped whenever ``explain --format json`` changes its bytes
(explain/3: lines carry ``evidence``, issue #33)."""
ENVELOPE = ("revision", "recorded_at", "hash")
"""What the store adds to an event (``ledger import`` takes the rest)."""
SCOPES = ("full", "unit")
UNIT_READABLE = ("ledger:units", "ledger:policies", "ledger:publications")
"""The ledger's own streams a unit's user may read (besides its own unit's): the roster, the
policies and what was published."""
SIGNED_BY_MANIFEST = ("checkpoint.txt", "manifest.json")
CHECKPOINT_BYTES = 4096
"""At most what checkpoint.txt holds (counted before it is signed)."""


def cited_events(ex: explain_report.Explanation) -> list[str]:
    seen: list[str] = []
    for line in ex.card.lines:
        for event_id in ([line.event] if line.event else []) + list(line.events):
            if event_id not in seen:
                seen.append(event_id)
    return seen


def streams_read(ex: explain_report.Explanation) -> tuple[list[str], list[str]]:
    """(streams the card reads, the peers' units): the unit's stream of the year, the roster,
    and the track's peers' streams when its rank-based lines read them (as the scoreboard's
    focus mode does)."""
    from ..projections.scoreboard import track_units
    from ..projections.scoring import rank_fact_types
    from ..store.eventstore import unit_stream

    board, card = ex.board, ex.card
    policy = board.policy
    peers: list[str] = []
    if rank_fact_types(policy, card.track):
        peers = [u.id for u in track_units(policy, card.track, board.snapshot.roster().values()) if u.id != card.unit]
    return [unit_stream(card.unit, policy.year), "ledger:units"] + [unit_stream(u, policy.year) for u in peers], peers


def withheld(stream: str, scope: str, unit: str) -> str | None:
    """Why a record of ``stream`` is carried as its leaf hash only (None: in full)."""
    from ..accounts import STREAM as ACCOUNTS

    if stream == ACCOUNTS:
        return "account"
    if scope == "unit" and not stream.startswith(f"unit:{unit}:") and stream not in UNIT_READABLE:
        return "not readable by the unit"
    return None


def import_line(data: dict[str, Any]) -> str:
    # Decimals as their text: the catalog reads numbers from text exactly (no float rounding).
    return json.dumps({k: v for k, v in data.items() if k not in ENVELOPE}, ensure_ascii=False, sort_keys=True,
                      default=str)


def unit_places(ex: explain_report.Explanation) -> list[dict[str, int]]:
    """The unit's place in each rank table of its track, as the office computes it from every
    peer's facts: what a unit's packet states instead of carrying the peers' records."""
    from ..projections.scoreboard import track_units
    from ..projections.scoring import rank_fact_types
    from ..projections.scoring.engine import focus_places

    board, card = ex.board, ex.card
    policy = board.policy
    needed = rank_fact_types(policy, card.track)
    if not needed:
        return []
    members = track_units(policy, card.track, board.snapshot.roster().values())
    facts = board.snapshot.peer_facts([u.id for u in members], policy.year, board.as_of, needed)
    places = focus_places(policy, card.track, members, facts, board.as_of, card.unit)
    return [{"key": key, "place": place, "of": n} for key, (place, n) in sorted(places.items())]


def build_packet(ledger: Ledger, ex: explain_report.Explanation, policy_text: str, bom: bool = True,
                 policy_origin: str | None = None, pdf: bool = False, scope: str = "full",
                 with_evidence: bool = False) -> bytes:
    """The packet's zip; ``explanation.csv`` starts with a UTF-8 BOM unless ``bom`` is false.
    ``policy_origin``: "bundled", "revision N" (a published version) or "draft" (a what-if
    file); by default the registry's for the card's policy. ``scope``: "full" (an office's or
    an inspector's packet: every record the card reads) or "unit" (what the unit's own user may
    read: module docstring). ``with_evidence``: the evidence files' bytes too (module docstring)."""
    from ..signing import signing

    board = ex.board
    if policy_origin is None:
        policy_origin = "draft" if board.policy.is_draft else ledger.policies.find(board.policy.ref).origin
    files = _explanation_files(ex, pdf, bom)
    files["policy.yaml"] = policy_text.encode()
    with signing(ledger.store) as signer:
        head, proven = _records(ledger, ex, files, policy_origin, scope)
        if with_evidence:
            _evidence(ledger, files, proven["full"], head.size)
        files["packet.json"] = _meta(ex, files, policy_origin, bom, scope, proven, with_evidence)
        files["README.txt"] = _readme(ex, files, head.size, signer)
        names = sorted(files)
        manifest = {"packet": FORMAT, "files": {name: hashlib.sha256(files[name]).hexdigest() for name in names}}
        files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
        if with_evidence:  # checked before anything is signed (the checkpoint: a few hundred bytes)
            _within_bounds(sum(len(data) for data in files.values()) + CHECKPOINT_BYTES, len(files) + 1,
                           sum(name.startswith("evidence-") for name in files))
        checkpoint = signer.make(head, f"packet:{ex.card.unit}",
                                 manifest=hashlib.sha256(files["manifest.json"]).hexdigest())
        files["checkpoint.txt"] = checkpoint.serialize().encode()
    return _zip(files, f"{ex.card.unit}-{board.policy.ref}")


def _explanation_files(ex: explain_report.Explanation, pdf: bool, bom: bool) -> dict[str, bytes]:
    files = {
        "explanation.html": explain_report.as_html(ex).encode(),
        "explanation.json": (explain_report.as_json(ex) + "\n").encode(),
        "explanation.csv": with_bom(explain_report.as_csv(ex), bom).encode(),
    }
    if pdf:
        from ..reports.pdf import html_to_pdf

        files["explanation.pdf"] = html_to_pdf(files["explanation.html"].decode())
    return files


def _records(ledger: Ledger, ex: explain_report.Explanation, files: dict[str, bytes], policy_origin: str,
             scope: str) -> tuple[Any, dict[str, list[str]]]:
    """records.jsonl, tree.json, stream_heads.json, events.jsonl (and ranks.json for a unit):
    the head they are proven in, and the streams carried in full and withheld."""
    from ..events import codec
    from ..store import proofs

    board, unit = ex.board, ex.card.unit
    streams, peers = streams_read(ex)
    full = streams if scope == "full" else streams[:2]
    held = [] if scope == "full" else streams[2:]
    head, heads = proofs.heads_snapshot(ledger.store)
    index = {h[0]: i for i, h in enumerate(heads)}
    present, absent, withheld_heads, revisions = [], [], [], {head.size}
    if board.known_at:
        revisions.add(board.known_at)
    if policy_origin.startswith("revision "):
        revisions.add(int(policy_origin.split()[1]))
    for stream in streams:
        if stream not in index:
            absent.append({"stream": stream, "neighbours": proofs.absence_proof(heads, stream)})
        elif stream in held:
            withheld_heads.append(proofs.head_path(heads, index[stream]))
        else:
            present.append(proofs.head_path(heads, index[stream]))
            revisions.update(r.revision for r in ledger.store.read_stream(stream, upto=head.size))
    revisions.discard(0)
    batch = proofs.batch_proof(ledger.store, revisions, head.size)
    records, events = [], []
    for revision in sorted(batch.rows):
        stream, version, topic, state = batch.rows[revision]
        why = withheld(stream, scope, unit)
        if why is not None:
            records.append(json.dumps({"revision": revision, "leaf": batch.leaf(revision).hex(), "withheld": why}))
            continue
        text = state.decode()
        records.append(json.dumps({"revision": revision, "stream": stream, "version": version, "topic": topic,
                                   "state": text}, ensure_ascii=False))
        if stream.startswith("unit:") and stream in full and importable(topic):
            events.append(import_line(codec.loads(text)))
    files["records.jsonl"] = "".join(line + "\n" for line in records).encode()
    files["tree.json"] = (json.dumps({"size": batch.size, "nodes": [n.hex() for n in batch.nodes]}) + "\n").encode()
    files["stream_heads.json"] = (json.dumps({"present": present, "absent": absent, "withheld": withheld_heads},
                                             indent=1) + "\n").encode()
    files["events.jsonl"] = "".join(line + "\n" for line in events).encode()
    if held:
        files["ranks.json"] = (json.dumps({"places": unit_places(ex)}, indent=1) + "\n").encode()
    return head, {"full": full, "withheld": held}


def importable(topic: str) -> bool:
    """A record ``ledger import`` reads (events.jsonl holds only those: not an evidence record,
    whose file the import could not bring)."""
    from ..events.catalog import CATALOG

    model = CATALOG.get(topic)
    return model is None or model.importable


def evidence_name(sha256: str, media_type: str) -> str:
    """An evidence file's name in a packet: its whole hash (what ``verify-packet`` checks it by)
    and its kind's extension (so a person's computer opens it with the right program)."""
    from ..evidence.kinds import extension

    return f"evidence-{sha256}{extension(media_type)}"


def _evidence(ledger: Ledger, files: dict[str, bytes], streams: list[str], size: int) -> None:
    """The bytes of every file attached in ``streams`` (as proven, up to ``size``) and not
    withdrawn — refused before they are read when their sizes alone pass verify-packet's bounds."""
    from ..projections.evidence import TYPES, files_by_event
    from ..workflows.evidence import read

    wanted: dict[str, tuple[str, int]] = {}
    for stream in streams:
        records = ledger.store.read_stream(stream, upto=size, topics=TYPES)
        for attached in files_by_event(r.data for r in records).values():
            for file in attached:
                if file.withdrawn is None:
                    wanted.setdefault(file.sha256, (file.media_type, file.size))
    _within_bounds(sum(len(data) for data in files.values()) + sum(n for _, n in wanted.values()),
                   len(files) + len(wanted), len(wanted))
    for sha256, (media_type, _) in sorted(wanted.items()):
        files[evidence_name(sha256, media_type)] = read(ledger, sha256)[1]


def _within_bounds(unpacked: int, members: int, evidence: int) -> None:
    """A packet verify-packet reads whole (``MAX_UNPACKED``, ``MAX_MEMBERS``): else exit 2 at the
    office, not at the reviewer's."""
    from ..errors import InputError
    from ..i18n import Msg
    from . import verify_packet

    if unpacked > verify_packet.MAX_UNPACKED or members > verify_packet.MAX_MEMBERS:
        raise InputError(Msg("a packet within what verify-packet reads ({mb} MiB in {n} files): the evidence "
                             "files ({count} of them) make it larger — make it without --with-evidence (the "
                             "records still carry every file's hash), and hand the files over with `ledger "
                             "evidence get`", mb=verify_packet.MAX_UNPACKED // 2**20, n=verify_packet.MAX_MEMBERS,
                             count=evidence), field="--with-evidence")


def _meta(ex: explain_report.Explanation, files: dict[str, bytes], policy_origin: str, bom: bool, scope: str,
          proven: dict[str, list[str]], with_evidence: bool = False) -> bytes:
    board, card = ex.board, ex.card
    extra = {"with_evidence": True} if with_evidence else {}
    return (json.dumps({
        "packet": FORMAT, "scope": scope, "unit": card.unit, "track": card.track, "as_of": board.as_of.isoformat(),
        "known_at": board.known_at, "chain_hash": board.head[1],
        "policy": {"ref": board.policy.ref, "origin": policy_origin,
                   "sha256": hashlib.sha256(files["policy.yaml"]).hexdigest()},
        "streams": proven["full"], "withheld_streams": proven["withheld"], "csv_bom": bom,
        "versions": {"ledger": __version__, "explanation": RENDERER}, **extra}, indent=2,
        ensure_ascii=False) + "\n").encode()


def _readme(ex: explain_report.Explanation, files: dict[str, bytes], size: int, signer: Any) -> bytes:
    board, card = ex.board, ex.card
    signed = (i18n.f("signed with the office's key ({key})", key=signer.key.verifier().describe()) if signer.signed
              else i18n._("UNSIGNED (the office had no key: nothing vouches for this packet)"))
    return i18n._(README).format(  # in the language the packet is made in, as its explanation page
        unit=card.unit, name=card.name, policy=board.policy.ref, track=card.track, as_of=board.as_of,
        known_at=board.known_at, total=render.number_text(card.total),
        grade=i18n.f(", grade {grade}", grade=card.grade) if card.grade else "", head=board.head[1], size=size,
        signed=signed,
        policy_sha=hashlib.sha256(files["policy.yaml"]).hexdigest(),
        zip=file_name(f"{card.unit}-{board.policy.ref.replace('@', '-')}") + ".zip").encode()


def _zip(files: dict[str, bytes], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            # The folder is derived from ids: made a safe single name (never absolute, no "..").
            info = zipfile.ZipInfo(f"{file_name(folder)}/{name}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


README = """Explanation packet — {unit} {name}
===========================================

Result: {policy}, track {track}, as of {as_of}, as known at ledger revision {known_at}.
Total {total}{grade}.
Pinned history: the ledger's hash chain after revision {known_at} is
    {head}
Proven against the checkpoint of the ledger's first {size} records, {signed}.

Files
-----
explanation.html   printable page (open in any browser; no network needed)
explanation.json   the same explanation as data (ledger explain --format json)
explanation.csv    one row per explanation line
explanation.pdf    the page as PDF (when the office had a browser to print it)
policy.yaml        the exact policy file ({policy}, sha256 {policy_sha})
records.jsonl      every record the card reads, as stored (stream, version, type, stored bytes):
                   the unit's stream of the year, the roster (ledger:units), the track's peers'
                   streams when a line ranks the track (in a unit's own packet: only the peers'
                   stream heads, and its places in ranks.json), the published policy's record,
                   and the records at revision {known_at} and {size} (they carry the chain hashes);
                   a record the packet may not show (a web account's; in a unit's packet another
                   unit's) as its leaf hash only
tree.json          one batch inclusion proof (RFC 6962) of all those records in checkpoint.txt's log
stream_heads.json  a completeness proof for every stream read (its record count and last revision
                   in the checkpoint's stream-heads tree), and for every peer with no records that
                   year the two stream heads around where its stream would be
ranks.json         (a unit's own packet) the unit's place in each rank table, as the office states it
checkpoint.txt     the checkpoint (a C2SP signed note: tree size, Merkle root, stream-heads root,
                   chain hash, time, and the SHA-256 of manifest.json)
events.jsonl       the unit's events, as `ledger import` reads them (evidence records left out:
                   `ledger attach` brings files, `import` does not)
evidence-*         (a packet made with --with-evidence) each evidence file on the unit's events,
                   named by its SHA-256: the file a record in records.jsonl attaches
packet.json        what this packet is for, and the ledger and renderer versions that made it
manifest.json      SHA-256 of every other file: the checkpoint's signature covers every byte

How to check (no ledger store needed)
-------------------------------------
    ledger verify-packet {zip} --key ledger-key.vkey

checks the checkpoint's signature with the office's public key (ledger-key.vkey or
ledger-key.pub), every file against the signed manifest, every record's inclusion proof, every
stream's completeness, then scores the card again from this packet alone and compares it with
explanation.json (byte for byte when the ledger and renderer versions are the ones in
packet.json). It exits 0 when everything holds and 1 naming the first thing that does not.
On the office's ledger, `ledger verify --checkpoint checkpoint.txt` checks the checkpoint
against the whole log, and
    ledger explain {unit} --policy {policy} --track {track} --as-of {as_of} --known-at {known_at} --format json
prints explanation.json again.
"""
