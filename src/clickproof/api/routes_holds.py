"""Legal holds: POST/GET /v1.1/extract/holds, GET /{id}, POST /{id}/release."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from clickproof.api.auth import authorize, page_params
from clickproof.api.body import read_json_body
from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import PAGED, SITE_QUERY, path_text
from clickproof.api.wire import collection
from clickproof.api.wire_schedules import HOLD_COLLECTION_SCHEMA, HOLD_CREATE_BODY, HOLD_SCHEMA, hold_to_wire
from clickproof.bootstrap import System
from clickproof.errors import ValidationError
from clickproof.services.retention import parse_reason
from clickproof.services.tokens import Permission

JOB_FILTER_PARAM = {
    "name": "job_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Only the holds on this export job.",
}


ID_PARAM = path_text("id", "The object's id.", maxLength=64)


def build_hold_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/extract/holds", tags=["Retention"])
    retention = system.retention

    @router.post(
        "",
        summary="Place a legal hold on an export job or a whole site",
        description=(
            "While a hold is active, retention deletes none of the files it covers. Who placed it "
            "and when is recorded."
        ),
        status_code=201,
        openapi_extra={"requestBody": HOLD_CREATE_BODY, "parameters": [SITE_QUERY]},
        responses={
            201: json_response("Placed.", HOLD_SCHEMA),
            **error_responses(400, 401, 403, 404, 409, 413, 415),
        },
    )
    async def place_hold(request: Request) -> JSONResponse:
        principal, site = await run_in_threadpool(authorize, system, request, Permission.EXPORTS_CREATE)
        body = await read_json_body(request)
        reason = parse_reason(body)
        job_id = body.get("job_id")
        if job_id is not None and not isinstance(job_id, str):
            raise ValidationError("job_id must be an export job id (a string) or null", field="job_id")

        def place() -> Any:
            by = system.tenants.user_email(principal.user_id)
            return hold_to_wire(retention.place_hold(site, job_id=job_id, reason=reason, by=by))

        return JSONResponse(await run_in_threadpool(place), status_code=201)

    @router.get(
        "",
        summary="List legal holds, released ones included",
        response_model=None,
        openapi_extra={"parameters": [*PAGED, JOB_FILTER_PARAM]},
        responses={
            200: json_response("The site's holds, newest first.", HOLD_COLLECTION_SCHEMA),
            **error_responses(400, 401, 403),
        },
    )
    def list_holds(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        page, per_page = page_params(request)
        job_id = request.query_params.get("job_id") or None
        holds, total = retention.list_holds(site, job_id=job_id, page=page, per_page=per_page)
        return collection([hold_to_wire(h) for h in holds], page=page, per_page=per_page, total=total)

    @router.get(
        "/{id}",
        summary="Get a legal hold",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={200: json_response("The hold.", HOLD_SCHEMA), **error_responses(400, 401, 403, 404)},
    )
    def get_hold(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        return hold_to_wire(retention.get_hold(site, request.path_params["id"]))

    @router.post(
        "/{id}/release",
        summary="Release a legal hold",
        description="Retention applies again to the files it covered; who released it and when is recorded.",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The released hold.", HOLD_SCHEMA),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def release_hold(request: Request) -> dict[str, Any]:
        principal, site = authorize(system, request, Permission.EXPORTS_CREATE)
        hold = retention.release_hold(
            site, request.path_params["id"], by=system.tenants.user_email(principal.user_id)
        )
        return hold_to_wire(hold)

    return router
