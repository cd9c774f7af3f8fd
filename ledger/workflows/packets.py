"""Reviewer packets: one zip a reviewer re-derives and checks offline, with no store.

Contents (docs/verification.md, "Packets"): the explanation (HTML, JSON, CSV; PDF when a
browser is there), the policy file, every record the card reads — the unit's stream for the
year, the roster, the peers' streams when a line ranks the track, the policy's own record when
it is a published version — each with its stored row and an inclusion proof, a completeness
proof (stream head) for every stream read and an absence proof for every peer with no
records, the checkpoint they are proven against (signed when the office has a key), the same
events as JSONL that ``ledger import`` reads, and the versions that made it.
``ledger verify-packet`` (``ledger.workflows.verify_packet``) checks all of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from typing import Any

from .. import __version__
from ..app import Ledger
from ..reports import explain as explain_report
from ..reports import text as render
from ..reports.safe import file_name, with_bom

FORMAT = "ledger-packet/2"
RENDERER = "explain/2"
"""The explanation renderer's version: bumped whenever ``explain --format json`` changes its bytes."""
ENVELOPE = ("revision", "recorded_at", "hash")
"""What the store adds to an event (``ledger import`` takes the rest)."""


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


def import_line(data: dict[str, Any]) -> str:
    # Decimals as their text: the catalog reads numbers from text exactly (no float rounding).
    return json.dumps({k: v for k, v in data.items() if k not in ENVELOPE}, ensure_ascii=False, sort_keys=True,
                      default=str)


def build_packet(ledger: Ledger, ex: explain_report.Explanation, policy_text: str, bom: bool = True,
                 policy_origin: str | None = None, pdf: bool = False) -> bytes:
    """The packet's zip; ``explanation.csv`` starts with a UTF-8 BOM unless ``bom`` is false.
    ``policy_origin``: "bundled", "revision N" (a published version) or "draft" (a what-if
    file); by default the registry's for the card's policy."""
    from .. import checkpoints
    from ..events import codec
    from ..store import proofs

    board, card = ex.board, ex.card
    if policy_origin is None:
        policy_origin = "draft" if board.policy.is_draft else ledger.policies.find(board.policy.ref).origin
    streams, _peers = streams_read(ex)
    head, heads = proofs.heads_snapshot(ledger.store)
    private = checkpoints.load_private()
    checkpoint = checkpoints.make(head, private, dt.datetime.now(dt.UTC))
    index = {h[0]: i for i, h in enumerate(heads)}
    present, absent, revisions = [], [], {head.size}
    if board.known_at:
        revisions.add(board.known_at)
    if policy_origin.startswith("revision "):
        revisions.add(int(policy_origin.split()[1]))
    for stream in streams:
        if stream in index:
            present.append(proofs.head_path(heads, index[stream]))
            revisions.update(r.revision for r in ledger.store.read_stream(stream, upto=head.size))
        else:
            absent.append({"stream": stream, "neighbours": proofs.absence_proof(heads, stream)})
    revisions.discard(0)
    proven = proofs.inclusion_proofs(ledger.store, revisions, head.size)
    records = []
    events = []
    for revision in sorted(proven):
        p = proven[revision]
        state = p.state.decode()
        records.append(json.dumps({"revision": revision, "stream": p.stream, "version": p.version, "topic": p.topic,
                                   "state": state, "path": [h.hex() for h in p.path]}, ensure_ascii=False))
        if p.stream.startswith("unit:") and p.stream in streams:
            events.append(import_line(codec.loads(state)))
    explanation_json = (explain_report.as_json(ex) + "\n").encode()
    files: dict[str, bytes] = {
        "explanation.html": explain_report.as_html(ex).encode(),
        "explanation.json": explanation_json,
        "explanation.csv": with_bom(explain_report.as_csv(ex), bom).encode(),
        "events.jsonl": "".join(line + "\n" for line in events).encode(),
        "records.jsonl": "".join(line + "\n" for line in records).encode(),
        "stream_heads.json": (json.dumps({"present": present, "absent": absent}, indent=1) + "\n").encode(),
        "checkpoint.json": checkpoint.to_json().encode(),
        "policy.yaml": policy_text.encode(),
    }
    if pdf:
        from ..reports.pdf import html_to_pdf

        files["explanation.pdf"] = html_to_pdf(files["explanation.html"].decode())
    files["packet.json"] = (json.dumps({
        "packet": FORMAT, "unit": card.unit, "track": card.track, "as_of": board.as_of.isoformat(),
        "known_at": board.known_at, "chain_hash": board.head[1],
        "policy": {"ref": board.policy.ref, "origin": policy_origin,
                   "sha256": hashlib.sha256(files["policy.yaml"]).hexdigest()},
        "streams": streams, "csv_bom": bom,
        "versions": {"ledger": __version__, "explanation": RENDERER}}, indent=2, ensure_ascii=False) + "\n").encode()
    files["README.txt"] = README.format(
        unit=card.unit, name=card.name, policy=board.policy.ref, track=card.track, as_of=board.as_of,
        known_at=board.known_at, total=render.number_text(card.total),
        grade=f", grade {card.grade}" if card.grade else "", head=board.head[1], size=checkpoint.size,
        signed=f"signed by key {checkpoint.key_id}" if checkpoint.signed else "UNSIGNED (the office has no key)",
        policy_sha=hashlib.sha256(files["policy.yaml"]).hexdigest(), zip=file_name(
            f"{card.unit}-{board.policy.ref.replace('@', '-')}") + ".zip").encode()
    manifest = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            # The folder is derived from ids: made a safe single name (never absolute, no "..").
            info = zipfile.ZipInfo(f"{file_name(f'{card.unit}-{board.policy.ref}')}/{name}",
                                   date_time=(2000, 1, 1, 0, 0, 0))
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
records.jsonl      every record the card reads, as stored (stream, version, type, stored bytes),
                   each with its inclusion proof (Merkle audit path) to checkpoint.json: the
                   unit's stream of the year, the roster (ledger:units), the track's peers'
                   streams when a line ranks the track, the published policy's record, and the
                   records at revision {known_at} and {size} (they carry the chain hashes)
stream_heads.json  a completeness proof for every stream read (its record count and last revision
                   in the checkpoint's stream-heads tree), and for every peer with no records that
                   year the two stream heads around where its stream would be
checkpoint.json    the checkpoint (tree size, Merkle root, stream-heads root, chain hash, time)
events.jsonl       the units' events, as `ledger import` reads them
packet.json        what this packet is for, and the ledger and renderer versions that made it
manifest.json      SHA-256 of each file in this packet

How to check (no ledger store needed)
-------------------------------------
    ledger verify-packet {zip} --key ledger-key.pub

checks the checkpoint's signature with the office's public key, every record's inclusion
proof, every stream's completeness, then scores the card again from this packet alone and
compares it with explanation.json (byte for byte when the ledger and renderer versions are
the ones in packet.json). It exits 0 when everything holds and 1 naming the first thing that
does not. On the office's ledger, `ledger verify --checkpoint checkpoint.json` checks the
checkpoint against the whole log, and
    ledger explain {unit} --policy {policy} --track {track} --as-of {as_of} --known-at {known_at} --format json
prints explanation.json again.
"""
