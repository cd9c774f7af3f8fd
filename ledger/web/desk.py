"""Import in the browser (issue #29, WEB.md second round): ``/import`` upload → preview →
confirm, and ``POST /api/import`` for scripts. The same engine as ``ledger import``
(``Ledger.import_file``): the preview is its dry run with every problem gathered (``skip_bad``),
the confirmation its write of the very file previewed (``previews``: kept under a token, bound
by its SHA-256, hashed again, validated again by the write itself, expiring)."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, RedirectResponse, Response

from ..errors import ConflictError, InputError, NotFound
from ..i18n import Msg, speaking
from ..intake.problems import ExampleRow, ProbableDuplicate
from .app import MEDIA, Ctx
from .previews import KINDS, Preview, sha256_of

if TYPE_CHECKING:
    from ..intake.batches import IntakeResult
    from .app import Workbench

SHOWN = 200
"""Refused rows and duplicates a preview page lists (the refused-rows xlsx holds every one)."""
CONTENT_TYPES = {"text/csv": ".csv", MEDIA["xlsx"].split(";")[0]: ".xlsx", "application/x-ndjson": ".jsonl",
                 "application/jsonl": ".jsonl", "application/json-lines": ".jsonl"}
"""``POST /api/import``'s body kinds. None of them is a type a page of another site may send
without asking first (CORS), so the API needs no CSRF token."""


def _wb(ctx: Ctx) -> Workbench:
    return ctx.request.app.state.workbench


def _max_upload(ctx: Ctx) -> int:
    return int(_wb(ctx).max_body)


def summary(result: IntakeResult) -> dict[str, Any]:
    """What a preview shows and ``/api/import`` answers: counts of new and already present
    rows; probable duplicates (rows whose only problem is being like a stored event) with the
    stored event's id; refused rows, each with every problem; template example rows skipped."""
    from ..wording import problem_text

    by_line: dict[int, list[InputError]] = {}
    for problem in result.refused:
        by_line.setdefault(problem.line or 0, []).append(problem)
    duplicates, refused = [], []
    for line in sorted(by_line):
        problems = by_line[line]
        if all(isinstance(p, ProbableDuplicate) for p in problems):
            duplicates += [{"line": line, "stored": getattr(p, "stored", None), "problem": problem_text(p)}
                           for p in problems]
        else:
            refused.append({"line": line, "problems": [{"field": p.field, "problem": problem_text(p)}
                                                        for p in problems]})
    return {"new": result.new, "already_present": result.present, "duplicates": duplicates, "refused": refused,
            "skipped": sorted(n.line for n in result.notices if isinstance(n, ExampleRow) and n.line),
            "warnings": list(result.warnings)}


def _dry_run(ctx: Ctx, preview: Preview) -> IntakeResult:
    return ctx.ledger.import_file(preview.path, dry_run=True, skip_bad=True,
                                  allow_duplicates=preview.allow_duplicates)


def _kind_of(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext not in KINDS:
        raise InputError(Msg("a file ending in {kinds}", kinds=", ".join(KINDS)), field="file", got=repr(name))
    return ext


# --- the pages -------------------------------------------------------------------------------------
def import_form(ctx: Ctx) -> Response:
    from .pages import ctx_page

    return ctx_page(ctx, "import.html", preview=None, shown=None)


def import_preview(ctx: Ctx) -> Response:
    """The upload: kept, dry-run, shown. Nothing is written."""
    upload = ctx.form.get("file")
    if upload is None or isinstance(upload, str | list) or not getattr(upload, "filename", None):
        raise InputError("a file to import (.xlsx, .csv or .jsonl)", field="file")
    from ..workflows.verify_publication import shown as safe_name

    name = safe_name(os.path.basename(str(upload.filename)))[:200]
    ext = _kind_of(name)
    limit = _max_upload(ctx)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        from ..intake.bounded import OverLimit

        raise OverLimit(Msg("a file of at most {mb} MB", mb=limit // 1_000_000), field="file", got=repr(name))
    previews = _wb(ctx).previews
    preview = previews.keep(data, name, ext, ctx.account.name, ctx.f("allow_duplicates") == "1")
    try:
        preview.result = _dry_run(ctx, preview)
    except BaseException:
        previews.drop(preview)
        raise
    previews.add(preview)
    return _preview_page(ctx, preview)


def _preview_page(ctx: Ctx, preview: Preview, status: int = 200) -> Response:
    from .pages import ctx_page

    with speaking(ctx.lang):
        shown = summary(preview.result)
        written = summary(preview.written) if preview.written is not None else None
    return ctx_page(ctx, "import.html", status, preview=preview, shown=shown, written=written, limit=SHOWN,
                    expires=(preview.made + _wb(ctx).previews.ttl), china=_china)


def _china(moment: dt.datetime) -> dt.datetime:
    """A time as the office reads it (China time, as the ledger's days are)."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8)))


def _preview_of(ctx: Ctx) -> Preview:
    token = ctx.request.path_params["token"]
    found = _wb(ctx).previews.get(token, ctx.account.name)
    if found is None:
        raise NotFound("an import preview that has not expired (previews are kept 30 minutes; upload the file "
                       "again)")
    return found


def import_refused(ctx: Ctx) -> Response:
    """The refused rows as the clerk wrote them, with a 问题 column (``ledger import --errors``)."""
    from ..intake.errors_file import write_errors
    from ..intake.sources import ReadOptions

    preview = _preview_of(ctx)
    result = preview.written if preview.written is not None else preview.result
    target = os.path.join(os.path.dirname(preview.path), "refused.xlsx")
    with speaking(ctx.lang):
        write_errors(preview.path, ReadOptions(), list(result.refused), target)
    with open(target, "rb") as handle:
        data = handle.read()
    stem = os.path.splitext(preview.name)[0]
    import urllib.parse

    return Response(data, media_type=MEDIA["xlsx"], headers={
        "Content-Disposition": "attachment; filename=\"refused-rows.xlsx\"; "
                               f"filename*=UTF-8''{urllib.parse.quote(stem + '-被拒绝的行.xlsx', safe='')}"})


def import_confirm(ctx: Ctx) -> Response:
    """Write the previewed file: only if the form's SHA-256 is the preview's and the kept file
    still hashes to it; validated again by the write (rows held back at the preview stay held
    back; a file that no longer imports as previewed writes nothing)."""
    preview = _preview_of(ctx)
    if preview.written is not None:
        raise ConflictError("a preview not confirmed yet (this one was written; upload the file again to see "
                            "what is new)", field="token")
    if (ctx.f("sha256") or "") != preview.sha256 or sha256_of(preview.path) != preview.sha256:
        raise ConflictError(Msg("the file previewed (SHA-256 {sha256}); the file to write is another: upload it "
                                "again and look at its preview", sha256=preview.sha256[:16]), field="sha256")
    skip_bad = bool(preview.result.refused)
    preview.written = ctx.ledger.import_file(preview.path, skip_bad=skip_bad,
                                             allow_duplicates=preview.allow_duplicates)
    return RedirectResponse(f"/import/{preview.token}", 303)


def import_done(ctx: Ctx) -> Response:
    return _preview_page(ctx, _preview_of(ctx))


# --- the API ---------------------------------------------------------------------------------------
def api_import(ctx: Ctx) -> Response:
    """``POST /api/import?dry_run=1`` (body: the file; its kind by ``Content-Type``): the
    preview's counts and rows as JSON, with the file's ``sha256``. Without ``dry_run`` the file
    is imported as ``ledger import`` does (all or nothing); ``?sha256=`` binds it to the file a
    dry run saw (another body: 409, nothing written)."""
    kind = (ctx.request.headers.get("content-type") or "").split(";")[0].strip().lower()
    ext = CONTENT_TYPES.get(kind)
    if ext is None:
        raise InputError(Msg("a Content-Type of one of: {kinds}", kinds=", ".join(CONTENT_TYPES)),
                         field="content_type", got=repr(kind))
    data = ctx.form.get("body", b"")
    if not data:
        raise InputError("the file as the request body", field="body")
    dry_run = ctx.q("dry_run") in ("1", "true")
    previews = _wb(ctx).previews
    preview = previews.keep(data, "upload" + ext, ext, ctx.account.name, ctx.q("allow_duplicates") == "1")
    try:
        bound = ctx.q("sha256")
        if bound is not None and bound.lower() != preview.sha256:
            raise ConflictError(Msg("the file a dry run saw (SHA-256 {sha256}); this body is another file",
                                    sha256=bound[:16]), field="sha256")
        if dry_run:
            result = _dry_run(ctx, preview)
        else:
            result = ctx.ledger.import_file(preview.path, allow_duplicates=preview.allow_duplicates)
        with speaking("en"):
            body = summary(result)
    finally:
        previews.drop(preview)
    return JSONResponse({**body, "sha256": preview.sha256, "dry_run": dry_run})


def routes(wb: Workbench) -> list[Any]:
    post = ("POST",)
    return [
        wb.route("/import", "import", import_form),
        wb.route("/import", "import_preview", import_preview, methods=post, files=1),
        wb.route("/import/{token}", "import_done", import_done),
        wb.route("/import/{token}/refused.xlsx", "import_refused", import_refused),
        wb.route("/import/{token}/confirm", "import_confirm", import_confirm, methods=post),
        wb.route("/api/import", "api_import", api_import, api=True, methods=post, raw=True),
    ]
