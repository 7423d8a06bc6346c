"""The Exports pages: the site's jobs with live progress, a job with its files and their
verification verdict, the New export form (window, types, columns, filter builder, preview),
retry and cancel. The same services as /v1.1/extract/evidence (api/routes_exports.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.api.error_handlers import STATUS_BY_KIND
from clickproof.api.openapi_params import MAX_PAGE
from clickproof.api.repr_digest import repr_digest
from clickproof.bootstrap import System
from clickproof.domain.console_roles import Role
from clickproof.domain.export_job import ExportJob, JobSource, JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.errors import (
    ClickproofError,
    ExportFinishedError,
    ExportNotFoundError,
    ExportNotReadyError,
    NotFoundError,
    ValidationError,
)
from clickproof.query.catalogue import CatalogueField
from clickproof.query.parse import parse_filter
from clickproof.query.sql import STANDARD_COLUMNS, compile_filter
from clickproof.services.console_auth import SiteAccess
from clickproof.services.export_preview import ExportPreview, preview_export
from clickproof.services.exports import expired_error
from clickproof.web.activity_search import readable_text
from clickproof.web.console_route import needs, site_access
from clickproof.web.export_form import (
    ALL_FLAGS,
    EXPORT_TYPE_LABELS,
    ExportFormState,
    last_month,
    read_form,
    request_body,
    retry_body,
    signer_bundle,
)
from clickproof.web.export_views import VerdictCache, job_view, progress, trusted_keys
from clickproof.web.routes_signers import MAX_SIGNER_ID
from clickproof.web.templating import render

log = logging.getLogger("clickproof.console")
JOBS_PER_PAGE = 25
FAMILY_LABELS = {
    "standard": "Standard fields",
    "connection": "Connection data",
    "custom": "Custom data",
    "render": "Render data",
}


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12 and 1 <= int(raw) <= MAX_PAGE):
        raise ValidationError(f"page must be a whole number from 1 to {MAX_PAGE}", field="page")
    return int(raw)


def add_exports_routes(router: APIRouter, system: System) -> None:
    exports = system.exports
    verdicts = VerdictCache(exports.blobs)

    def emails() -> Any:
        known: dict[int, str] = {}

        def who(user_id: int) -> str:
            if user_id not in known:
                try:
                    known[user_id] = system.tenants.user_email(user_id)
                except Exception:  # a user row that is gone: the job still lists
                    known[user_id] = f"user {user_id}"
            return known[user_id]

        return who

    def base(access: SiteAccess) -> str:
        return f"/console/sites/{access.site.id}/exports"

    @router.get("/sites/{site_id}/exports")
    def list_jobs(request: Request) -> Response:
        access = site_access(request)
        page = _page_number(request)
        jobs, total = exports.list_jobs(access.site, page=page, per_page=JOBS_PER_PAGE)
        who = emails()
        return render(
            request,
            "exports/list.html",
            jobs=[job_view(j, who) for j in jobs],
            page=page,
            total=total,
            has_more=page * JOBS_PER_PAGE < total,
            can_create=access.allows(Role.EXPORTER),
            base=base(access),
        )

    def catalogue(access: SiteAccess) -> list[CatalogueField]:
        return exports.field_catalogue(access.site)

    def form_page(
        request: Request,
        access: SiteAccess,
        state: ExportFormState,
        *,
        preview: ExportPreview | None = None,
        error: ClickproofError | None = None,
        notice: str | None = None,
    ) -> Response:
        fields = catalogue(access)
        families = {
            family: [f for f in fields if f.family == family and f.selectable] for family in FAMILY_LABELS
        }
        month_start, _ = last_month(utc_now())
        return render(
            request,
            "exports/new.html",
            status_code=STATUS_BY_KIND.get(error.kind, 400) if error is not None else 200,
            state=state,
            preview=preview,
            error=error,
            notice=notice,
            families={k: v for k, v in families.items() if v or k in ALL_FLAGS},
            family_labels=FAMILY_LABELS,
            all_flags=ALL_FLAGS,
            filter_fields=[f for f in fields if f.filterable],
            export_types=EXPORT_TYPE_LABELS,
            month_label=f"{month_start:%B %Y}",
            max_days=access.site.max_export_days,
            base=base(access),
        )

    @router.get("/sites/{site_id}/exports/new")
    @needs(Role.EXPORTER)
    def new_export(request: Request) -> Response:
        """The form; `?signer=ID` fills it in for that signer's evidence and shows what matches."""
        access = site_access(request)
        signer_id = request.query_params.get("signer")
        if signer_id is None:
            return form_page(request, access, ExportFormState())
        signer_id = readable_text(signer_id, "signer", "signer: a signer id", MAX_SIGNER_ID)
        first_seen = first_activity_time(system, access.site.id, signer_id)
        if first_seen is None:
            raise NotFoundError("no activity of this signer is recorded on this site", field="signer")
        state = signer_bundle(signer_id, first_seen, utc_now(), access.site.max_export_days)
        body = request_body(state, catalogue(access), utc_now())
        notice = None
        if state.start_date > first_seen.date().isoformat():
            notice = (
                f"This signer's history begins on {first_seen.date().isoformat()}, before the "
                f"{access.site.max_export_days} days this site allows in one export: this export "
                f"covers {state.start_date} to today; export the earlier days with another window."
            )
        preview = preview_export(exports, access.site, body)
        return form_page(request, access, state, preview=preview, notice=notice)

    @router.post("/sites/{site_id}/exports/new")
    @needs(Role.EXPORTER)
    def create_export(request: Request) -> Response:
        access = site_access(request)
        state = read_form(request.state.form)
        try:
            body = request_body(state, catalogue(access), utc_now())
            if request.state.form.get("action") == "preview":
                return form_page(request, access, state, preview=preview_export(exports, access.site, body))
            system.limits.export_creation(access.site.id, request.client.host if request.client else None)
            job = exports.create(access.principal, access.site, body, source=JobSource.MANUAL)
        except ClickproofError as exc:
            return form_page(request, access, state, error=exc)
        return RedirectResponse(f"{base(access)}/{job.id}", status_code=303)

    @router.post("/sites/{site_id}/exports/preview")
    @needs(Role.EXPORTER)
    def preview_json(request: Request) -> JSONResponse:
        """The description and match count of the form as it stands (the builder asks as you type)."""
        access = site_access(request)
        state = read_form(request.state.form)
        try:
            body = request_body(state, catalogue(access), utc_now())
            found = preview_export(exports, access.site, body)
        except ClickproofError as exc:
            return JSONResponse(
                {"error": exc.message, "field": exc.field, "code": exc.code},
                status_code=STATUS_BY_KIND.get(exc.kind, 400),
                headers={"Cache-Control": "no-store"},
            )
        return JSONResponse(
            {"description": found.description, "matching": found.matching},
            headers={"Cache-Control": "no-store"},
        )

    @router.get("/sites/{site_id}/exports/{job_id}")
    def job_page(request: Request) -> Response:
        access = site_access(request)
        job = exports.get(access.site, request.path_params["job_id"])
        verdict = None
        if job.status is JobStatus.SUCCESS and job.expired_time is None and job.files:
            verdict = verdicts.verdict(job, trusted_keys(access.site, system.keys.published(access.site.id)))
        return render(
            request,
            "exports/job.html",
            view=job_view(job, emails()),
            verdict=verdict,
            can_change=access.allows(Role.EXPORTER),
            export_types=EXPORT_TYPE_LABELS,
            base=base(access),
        )

    @router.get("/sites/{site_id}/exports/{job_id}/progress")
    def job_progress(request: Request) -> JSONResponse:
        access = site_access(request)
        job = exports.get(access.site, request.path_params["job_id"])
        return JSONResponse(progress(job), headers={"Cache-Control": "no-store"})

    @router.post("/sites/{site_id}/exports/{job_id}/cancel")
    @needs(Role.EXPORTER)
    def cancel(request: Request) -> Response:
        access = site_access(request)
        who = system.tenants.user_email(access.principal.user_id)
        job = exports.cancel(access.site, request.path_params["job_id"], by=who)
        return RedirectResponse(f"{base(access)}/{job.id}", status_code=303)

    @router.post("/sites/{site_id}/exports/{job_id}/retry")
    @needs(Role.EXPORTER)
    def retry(request: Request) -> Response:
        access = site_access(request)
        failed = exports.get(access.site, request.path_params["job_id"])
        _check_retryable(failed)
        system.limits.export_creation(access.site.id, request.client.host if request.client else None)
        job = exports.create(access.principal, access.site, retry_body(failed.data), source=JobSource.MANUAL)
        return RedirectResponse(f"{base(access)}/{job.id}", status_code=303)

    @router.get("/sites/{site_id}/exports/{job_id}/files/{name}")
    def download(request: Request) -> Response:
        access = site_access(request)
        job = exports.get(access.site, request.path_params["job_id"])
        if job.status is not JobStatus.SUCCESS:
            raise ExportNotReadyError(f"Export job is {job.status.value}; its files exist once it succeeds.")
        if job.expired_time is not None:
            raise expired_error(job)
        name = request.path_params["name"]
        found = next((f for f in job.files if f.name == name), None)
        if found is None:
            raise ExportNotFoundError("no such export file", field="name")
        remote = exports.blobs.presigned_url(found.storage_key, exports.url_expiry_seconds())
        if remote is not None:
            return RedirectResponse(remote, status_code=303)
        path = exports.blobs.local_path(found.storage_key)
        if path is None or not path.is_file():
            raise ExportNotFoundError("the export file is no longer stored", field="name")
        log.info(
            "console.export_downloaded job=%s file=%s user=%d", job.id, found.name, access.principal.user_id
        )
        return FileResponse(
            path,
            media_type=found.content_type,
            headers={
                "Content-Disposition": f"attachment; filename=\"{found.name}\"; filename*=UTF-8''{quote(found.name)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Repr-Digest": repr_digest(found.sha256),
            },
        )


def first_activity_time(system: System, site_id: int, signer_id: str) -> datetime | None:
    """When the signer's first activity on the site was recorded (None: they have none)."""
    where = compile_filter(parse_filter({"signer_id": signer_id}), system.engine.dialect.name)
    rows, _ = system.activities.page(
        site_id, where, [STANDARD_COLUMNS["created_time"].asc()], offset=0, limit=1
    )
    return rows[0].created_time if rows else None


def _check_retryable(job: ExportJob) -> None:
    if job.status is JobStatus.SUCCESS:
        raise ExportFinishedError(
            "Export job already ended success; only a failed job can be retried.", field="job_id"
        )
    if job.status is not JobStatus.FAILED:
        raise ExportNotReadyError(
            f"Export job is {job.status.value}; it can be retried once it has failed (or cancel it)."
        )
