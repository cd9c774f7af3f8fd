"""Evidence files on the workbench (WEB.md, second round; docs/evidence.md).

* ``POST /events/{id}/evidence`` — files (``file``, one or more) and a ``note``: the office on any
  event of a unit; a unit account on its own appeals only (another unit's event answers 404, any
  other event of its own 403). The same workflow as ``ledger attach`` (content checked, kept once
  by SHA-256, one write).
* ``GET /events/{id}/evidence/{sha256}`` — the file, for anyone who may read the event, and only
  when that event carries it: a file is reached through an event, never by its hash alone. Always
  ``Content-Disposition: attachment`` with the file's own kind (one of the six kept), ``nosniff``,
  and a CSP that sandboxes whatever a browser might still make of it; a withdrawn file answers 410.

Filing an appeal with files (the unit card's form) checks the files before the appeal is written
(``pages.appeal_file`` calls ``uploads`` and ``attach_to_appeal``).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response

from ..errors import InputError
from ..workflows import evidence as workflow
from . import access, readers

if TYPE_CHECKING:
    from ..projections.evidence import EvidenceFile
    from ..projections.explanation import Explanation
    from .app import Ctx, Workbench

MAX_FILES = 20
"""Files one upload form may carry (each within the per-file limit, all within ``--max-body``)."""
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
"""A download is never a page: no script, no plugin, no origin of ours — should a browser show it anyway."""


def uploads(ctx: Ctx) -> list[workflow.Upload]:
    """The form's files (``file``), each read up to the per-file limit plus one byte (a larger
    one is refused by the workflow, naming it, without holding more of it)."""
    from ..evidence.kinds import max_bytes

    raw = ctx.form.get("file", [])
    given = raw if isinstance(raw, list) else [raw]
    limit = max_bytes()
    out = []
    for upload in given:
        if isinstance(upload, str) or not getattr(upload, "filename", None):
            continue
        out.append(workflow.Upload(str(upload.filename), upload.file.read(limit + 1)))
    return out


def attach(ctx: Ctx) -> Response:
    event_id = ctx.request.path_params["event_id"]
    rule = access.rule("evidence_attach", ctx.account)
    access.check_own(rule, ctx.account, "event", event_id, lambda: readers.event_unit(ctx.ledger, event_id))
    if rule == access.OWN:
        entry = ctx.ledger.store.lookup_ids([event_id])[event_id]
        if entry.type != "appeal_filed":
            raise access.Refused("a unit account attaches evidence to its own appeals only")
    files = uploads(ctx)
    if not files:
        raise InputError("one or more files (PDF, JPEG, PNG, OFD, .docx or .xlsx)", field="file")
    workflow.attach(ctx.ledger, event_id, files, ctx.f("note"))
    return RedirectResponse(f"/events/{urllib.parse.quote(event_id, safe='/')}#evidence", 303)


def attach_to_appeal(ctx: Ctx, appeal_id: str, files: list[workflow.Upload]) -> None:
    """The files a unit sent with its appeal, onto the appeal just filed (checked before it was)."""
    if files:
        workflow.attach(ctx.ledger, appeal_id, files, ctx.f("note"))


def download(ctx: Ctx) -> Response:
    event_id, sha256 = ctx.request.path_params["event_id"], ctx.request.path_params["sha256"]
    rule = access.rule("evidence", ctx.account)
    access.check_own(rule, ctx.account, "event", event_id, lambda: readers.event_unit(ctx.ledger, event_id))
    file, data = workflow.read_on_event(ctx.ledger, event_id, sha256.lower())
    return Response(data, media_type=file.media_type, headers={
        "Content-Disposition": disposition(file), "Content-Security-Policy": DOWNLOAD_CSP,
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def disposition(file: EvidenceFile) -> str:
    """``attachment`` with the file's name: an ASCII stand-in (its hash and kind's extension)
    and the real name percent-encoded (RFC 6266 / 5987) — no quote or line break can get in."""
    from ..evidence.kinds import extension

    fallback = f"evidence-{file.sha256[:12]}{extension(file.media_type)}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(file.name, safe='')}"


@dataclass(frozen=True)
class Shown:
    """An event's files as its page shows them, and whether the visitor may add some."""

    files: list[EvidenceFile]
    via: str
    """The event the download links go through (for an evidence record's own page: its target)."""
    can_attach: bool


def on_event_page(ctx: Ctx, event: dict[str, Any]) -> Shown:
    event_id = event["id"]
    if event.get("type") == "evidence_attached":  # the record's own page: its file, through its target
        target = event["target"]
        files = [f for f in workflow.files_on(ctx.ledger, target) if f.sha256 == event["sha256"]]
        return Shown(files, target, False)
    rule = access.rule("evidence_attach", ctx.account)
    can = bool(event.get("unit")) and event.get("type") != "evidence_withdrawn" and (
        rule == access.ALL or (rule == access.OWN and event.get("type") == "appeal_filed"
                               and event.get("unit") == ctx.account.unit))
    return Shown(workflow.files_on(ctx.ledger, event_id), event_id, can)


def line_links(ex: Explanation, appeals: list[Any]) -> Any:
    """For a unit card's line: (file, the event its link goes through, the appeal it came with
    or None) — the files on the line's events, then those sent with appeals against them."""
    def links(line: dict[str, Any]) -> list[tuple[EvidenceFile, str, str | None]]:
        ids = ([line["event"]] if line.get("event") else []) + list(line.get("events", []))
        out: list[tuple[EvidenceFile, str, str | None]] = []
        for event_id in dict.fromkeys(ids):
            out += [(f, event_id, None) for f in ex.evidence.get(event_id, ())]
            for appeal in appeals:
                if event_id in appeal.targets:
                    out += [(f, appeal.id, appeal.id) for f in ex.evidence.get(appeal.id, ())]
        return out

    return links


def routes(wb: Workbench) -> list[Any]:
    """Before the pages' ``/events/{id:path}`` (an event id may hold a ``/``: ``<appeal>/decision``)."""
    return [
        wb.route("/events/{event_id:path}/evidence/{sha256}", "evidence", download),
        wb.route("/events/{event_id:path}/evidence", "evidence_attach", attach, methods=("POST",), files=MAX_FILES),
    ]


__all__ = ["routes", "uploads", "attach_to_appeal", "on_event_page", "line_links"]
