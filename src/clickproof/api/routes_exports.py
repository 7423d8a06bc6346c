"""The Extraction routes: POST/GET /v1.1/extract/evidence, /{id}, /{id}/urls, and file downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

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
from clickproof.api.params import int_param
from clickproof.api.wire import collection, job_to_wire
from clickproof.bootstrap import System
from clickproof.domain.limits import DEFAULT_PER_PAGE, MAX_PER_PAGE
from clickproof.services.idempotency import HEADER as IDEMPOTENCY_HEADER
from clickproof.services.idempotency import request_fingerprint
from clickproof.services.tokens import Permission, Principal
from clickproof.store.tenants import Site

SITE_PARAM = {
    "name": "site_id",
    "in": "query",
    "required": False,
    "schema": {"type": "integer"},
    "description": "Site to act on; default the token's default site.",
}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


EXPIRES_HEADER = "Links-Expire-In"


def build_export_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/extract/evidence", tags=["Extraction"])
    auth = system.auth
    exports = system.exports

    def authorize(request: Request, permission: Permission) -> tuple[Principal, Site]:
        principal = auth.authenticate(request.headers.get("authorization"))
        site_id = int_param(request, "site_id", default=None, minimum=1, maximum=2**31 - 1)
        return principal, auth.site_for(principal, site_id, permission)

    @router.post(
        "",
        summary="Create an Export",
        description="Creates an export job.",
        status_code=201,
        openapi_extra={"requestBody": EXPORT_REQUEST_BODY, "parameters": [SITE_PARAM]},
        responses={
            201: json_response("Created.", SCHEDULED_JOB_RESPONSE, SCHEDULED_JOB_EXAMPLE),
            **error_responses(400, 401, 403, 409, 413, 415, 422),
        },
    )
    async def create_export(request: Request) -> JSONResponse:
        principal, site = authorize(request, Permission.EXPORTS_CREATE)
        await run_in_threadpool(
            system.limits.export_creation, site.id, request.client.host if request.client else None
        )
        body = await read_json_body(request)
        outcome = system.idempotency.run(
            f"exports:{principal.account_id}:{site.id}",
            request.headers.get(IDEMPOTENCY_HEADER),
            request_fingerprint(body),
            lambda: (201, job_to_wire(exports.create(principal, site, body))),
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)

    @router.get(
        "",
        summary="List all Export Jobs",
        response_model=None,
        openapi_extra={
            "parameters": [
                SITE_PARAM,
                {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "default": DEFAULT_PER_PAGE},
                },
            ]
        },
        responses={
            200: json_response("A collection of export jobs, newest first.", COLLECTION_SCHEMA),
            **error_responses(400, 401, 403),
        },
    )
    def list_exports(request: Request) -> dict[str, Any]:
        _principal, site = authorize(request, Permission.EXPORTS_READ)
        page = int_param(request, "page", default=1, minimum=1, maximum=1_000_000) or 1
        per_page = (
            int_param(request, "per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
            or DEFAULT_PER_PAGE
        )
        jobs, total = exports.list_jobs(site, page=page, per_page=per_page)
        return collection([job_to_wire(j) for j in jobs], page=page, per_page=per_page, total=total)

    @router.get(
        "/{id}",
        summary="Get an Export Job by ID",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_PARAM]},
        responses={
            200: json_response("A scheduled job object.", SCHEDULED_JOB_RESPONSE),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get_export(request: Request) -> dict[str, Any]:
        _principal, site = authorize(request, Permission.EXPORTS_READ)
        return job_to_wire(exports.get(site, request.path_params["id"]))

    @router.get(
        "/{id}/urls",
        summary="Retrieve Export Job URLs",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_PARAM]},
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
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def export_urls(request: Request) -> JSONResponse:
        principal, site = authorize(request, Permission.EXPORTS_READ)
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
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
        },
        responses={200: {"description": "The file."}, **error_responses(403, 404, 410)},
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
                "Digest": f"sha-256={download.file.sha256}",
            },
        )

    return router
