"""Appeal packets: one zip a reviewer can read offline and check against the ledger.

Contents: the explanation (HTML, JSON, CSV), every event the explanation cites with its whole
history of retractions and corrections, the exact policy file, the chain hash the result is
pinned to, a manifest of SHA-256 sums and a README saying how to verify and re-derive it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from ..app import Ledger
from ..reports import explain as explain_report
from ..reports import text as render
from ..reports.safe import file_name, with_bom


def cited_events(ex: explain_report.Explanation) -> list[str]:
    seen: list[str] = []
    for line in ex.card.lines:
        for event_id in ([line.event] if line.event else []) + list(line.events):
            if event_id not in seen:
                seen.append(event_id)
    return seen


def event_histories(ledger: Ledger, event_ids: list[str], known_at: int) -> list[dict[str, Any]]:
    entries = ledger.store.lookup_ids(event_ids)
    streams: dict[str, list] = {}
    out = []
    for event_id in event_ids:
        entry = entries.get(event_id)
        if entry is None:
            continue
        records = streams.setdefault(entry.stream, ledger.store.read_stream(entry.stream))
        original = next(r for r in records if r.id == event_id)
        amendments = [r for r in records if r.data.get("target") == event_id]
        out.append({"event": original.data, "stream": entry.stream,
                    "amendments": [{**r.data, "known_at_result": r.revision <= known_at} for r in amendments]})
    return out


README = """Explanation packet — {unit} {name}
===========================================

Result: {policy}, track {track}, as of {as_of}, as known at ledger revision {known_at}.
Total {total}{grade}.
Pinned history: the ledger's hash chain after revision {known_at} is
    {head}

Files
-----
explanation.html   printable page (open in any browser; no network needed)
explanation.json   the same explanation as data (ledger explain --format json)
explanation.csv    one row per explanation line
events.json        every event the explanation cites, as stored (revision, recorded_at, actor),
                   with every retraction/correction of it; "known_at_result" says whether
                   an amendment was already known when this result was computed
policy.yaml        the exact policy file ({policy}, sha256 {policy_sha})
manifest.json      SHA-256 of each file in this packet

How to verify
-------------
1. On the ledger: `ledger verify` must print "ok"; it recomputes the hash chain from the raw
   records and exits 1 at the first altered, removed or reordered record.
2. The chain hash after revision {known_at} must equal the one above; every line of
   explanation.json names its event id and the clause (原文) it applies.

How to re-derive
----------------
    ledger explain {unit} --policy {policy} --track {track} --as-of {as_of} --known-at {known_at} --format json

prints explanation.json again, byte for byte, however many events were recorded, corrected
or retracted since (check: sha256sum of its output = manifest.json's "explanation.json").
"""


def build_packet(ledger: Ledger, ex: explain_report.Explanation, policy_text: str, bom: bool = True) -> bytes:
    """The packet's zip; ``explanation.csv`` starts with a UTF-8 BOM unless ``bom`` is false."""
    board, card = ex.board, ex.card
    cited = cited_events(ex)
    files: dict[str, bytes] = {
        "explanation.html": explain_report.as_html(ex).encode(),
        "explanation.json": (explain_report.as_json(ex) + "\n").encode(),
        "explanation.csv": with_bom(explain_report.as_csv(ex), bom).encode(),
        "events.json": (render.to_json(event_histories(ledger, cited, board.known_at)) + "\n").encode(),
        "policy.yaml": policy_text.encode(),
    }
    files["README.txt"] = README.format(
        unit=card.unit, name=card.name, policy=board.policy.ref, track=card.track, as_of=board.as_of,
        known_at=board.known_at, total=render.number_text(card.total),
        grade=f", grade {card.grade}" if card.grade else "", head=board.head[1],
        policy_sha=hashlib.sha256(files["policy.yaml"]).hexdigest()).encode()
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
