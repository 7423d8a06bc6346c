"""The Extraction routes: POST/GET /v1.1/extract/evidence, /{id}, /{id}/urls, and file downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from clickproof.api.auth import authorize, page_params
from clickproof.api.body import read_json_body
from clickproof.api.contract import (
    COLLECTION_SCHEMA,
    EXPORT_REQUEST_BODY,
    SCHEDULED_JOB_EXAMPLE,
    SCHEDULED_JOB_RESPONSE,
    URLS_SCHEMA,
    error_responses,
    json_response,
)
from clickproof.api.idempotent_answer import idempotent_answer
from clickproof.api.openapi_params import (
    IDEMPOTENCY_KEY,
    PAGED,
    REPLAYED_HEADER,
    SITE_QUERY,
    path_text,
    query_text,
)
from clickproof.api.repr_digest import repr_digest
from clickproof.api.wire import collection, job_to_wire
from clickproof.bootstrap import System
from clickproof.services.idempotency import HEADER as IDEMPOTENCY_HEADER
from clickproof.services.idempotency import request_fingerprint
from clickproof.services.tokens import Permission

ID_PARAM = path_text("id", "The export job's 24-hex id.", maxLength=64)


EXPIRES_HEADER = "Links-Expire-In"


def build_export_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/extract/evidence", tags=["Extraction"])
    exports = system.exports

    @router.post(
        "",
        summary="Create an Export",
        description="Creates an export job.",
        status_code=201,
        openapi_extra={"requestBody": EXPORT_REQUEST_BODY, "parameters": [SITE_QUERY, IDEMPOTENCY_KEY]},
        responses={
            201: {
                **json_response("Created.", SCHEDULED_JOB_RESPONSE, SCHEDULED_JOB_EXAMPLE),
                "headers": REPLAYED_HEADER,
            },
            **error_responses(400, 401, 403, 409, 413, 415, 422),
        },
    )
    async def create_export(request: Request) -> JSONResponse:
        principal, site = await run_in_threadpool(authorize, system, request, Permission.EXPORTS_CREATE)
        await run_in_threadpool(
            system.limits.export_creation, site.id, request.client.host if request.client else None
        )
        body = await read_json_body(request)
        outcome = await run_in_threadpool(
            system.idempotency.run,
            f"exports:{principal.account_id}:{site.id}",
            request.headers.get(IDEMPOTENCY_HEADER),
            request_fingerprint(body),
            lambda: (201, job_to_wire(exports.create(principal, site, body))),
        )
        return idempotent_answer(outcome)

    @router.get(
        "",
        summary="List all Export Jobs",
        response_model=None,
        openapi_extra={"parameters": PAGED},
        responses={
            200: json_response("A collection of export jobs, newest first.", COLLECTION_SCHEMA),
            **error_responses(400, 401, 403),
        },
    )
    def list_exports(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        page, per_page = page_params(request)
        jobs, total = exports.list_jobs(site, page=page, per_page=per_page)
        return collection([job_to_wire(j) for j in jobs], page=page, per_page=per_page, total=total)

    @router.get(
        "/{id}",
        summary="Get an Export Job by ID",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("A scheduled job object.", SCHEDULED_JOB_RESPONSE),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get_export(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        return job_to_wire(exports.get(site, request.path_params["id"]))

    @router.post(
        "/{id}/cancel",
        summary="Cancel an Export Job",
        description=(
            "A pending or scheduled job never starts; a started one stops at its next progress "
            "report and publishes nothing. The job ends `failed` with the message "
            "`Export job cancelled by <user>.` and `data.cancelled` (who, when). A finished job: 409."
        ),
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The cancelled job.", SCHEDULED_JOB_RESPONSE),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def cancel_export(request: Request) -> dict[str, Any]:
        principal, site = authorize(system, request, Permission.EXPORTS_CREATE)
        who = system.tenants.user_email(principal.user_id)
        return job_to_wire(exports.cancel(site, request.path_params["id"], by=who))

    @router.get(
        "/{id}/urls",
        summary="Retrieve Export Job URLs",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: {
                **json_response("Download URLs by export type, and flat in presignedUrls.", URLS_SCHEMA),
                "headers": {
                    EXPIRES_HEADER: {
                        "description": "Seconds for which the links are valid.",
                        "schema": {"type": "integer"},
                    }
                },
            },
            **error_responses(400, 401, 403, 404, 409, 410),
        },
    )
    def export_urls(request: Request) -> JSONResponse:
        principal, site = authorize(system, request, Permission.EXPORTS_READ)
        links = exports.urls(principal, site, request.path_params["id"])
        # Every value is a list of URLs (a client looping over the keys meets no number); how long
        # the links last is a header.
        body: dict[str, list[str]] = dict(links)
        body["presignedUrls"] = [url for urls in links.values() for url in urls]
        return JSONResponse(body, headers={EXPIRES_HEADER: str(exports.url_expiry_seconds())})

    @router.get(
        "/{id}/files/{name}",
        summary="Download an export file through a signed link",
        response_model=None,
        openapi_extra={
            "security": [],  # the signature in the link is the credential
            "parameters": [
                ID_PARAM,
                path_text("name", "The file's name, as in the link.", maxLength=255),
                query_text("tid", "The id of the token that asked for the link.", required=True),
                query_text("expires", "When the link expires, in Unix seconds.", required=True),
                query_text("signature", "The link's HMAC signature.", required=True),
            ],
        },
        responses={
            200: {
                "description": "The file: CSV, zip of evidence PDFs, or manifest.json.",
                "content": {
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"type": "string", "format": "binary"}},
                },
                "headers": {
                    "Digest": {"description": "sha-256=<hex> of the file.", "schema": {"type": "string"}},
                    "Content-Disposition": {
                        "description": "attachment; the file's name.",
                        "schema": {"type": "string"},
                    },
                },
            },
            **error_responses(400, 403, 404, 410),
        },
    )
    def download_file(request: Request) -> FileResponse:
        q = request.query_params
        download = exports.open_download(
            job_id=request.path_params["id"],
            file_name=request.path_params["name"],
            tid=q.get("tid"),
            expires=q.get("expires"),
            signature=q.get("signature"),
        )
        name = download.file.name
        return FileResponse(
            download.path,
            media_type=download.file.content_type,
            headers={
                "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Repr-Digest": repr_digest(download.file.sha256),
            },
        )

    return router
