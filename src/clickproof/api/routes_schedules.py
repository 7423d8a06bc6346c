"""Export schedules: POST/GET /v1.1/extract/schedules, GET/PATCH/DELETE /{id}, GET /{id}/history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from clickproof.api.auth import authorize, page_params
from clickproof.api.body import read_json_body
from clickproof.api.contract import error_responses, json_response
from clickproof.api.idempotent_answer import idempotent_answer
from clickproof.api.openapi_params import IDEMPOTENCY_KEY, PAGED, SITE_QUERY, path_text
from clickproof.api.wire import collection
from clickproof.api.wire_schedules import (
    HISTORY_COLLECTION_SCHEMA,
    SCHEDULE_COLLECTION_SCHEMA,
    SCHEDULE_CREATE_BODY,
    SCHEDULE_PATCH_BODY,
    SCHEDULE_SCHEMA,
    history_to_wire,
    schedule_to_wire,
)
from clickproof.bootstrap import System
from clickproof.services.idempotency import HEADER as IDEMPOTENCY_HEADER
from clickproof.services.idempotency import request_fingerprint
from clickproof.services.tokens import Permission

ID_PARAM = path_text("id", "The object's id.", maxLength=64)


def build_schedule_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/extract/schedules", tags=["Schedules"])
    schedules = system.schedules

    @router.post(
        "",
        summary="Create an export schedule",
        description=(
            "A cron expression in an IANA timezone fires an ordinary export job (source `cron`) per "
            "slot, with the template's request and the window frozen at firing. An "
            "`Idempotency-Key` header makes a retry answer the first schedule again."
        ),
        status_code=201,
        openapi_extra={"requestBody": SCHEDULE_CREATE_BODY, "parameters": [SITE_QUERY, IDEMPOTENCY_KEY]},
        responses={
            201: json_response("Created.", SCHEDULE_SCHEMA),
            **error_responses(400, 401, 403, 409, 413, 415, 422),
        },
    )
    async def create_schedule(request: Request) -> JSONResponse:
        principal, site = await run_in_threadpool(authorize, system, request, Permission.EXPORTS_CREATE)
        body = await read_json_body(request)
        outcome = await run_in_threadpool(
            system.idempotency.run,
            f"schedules:{principal.account_id}:{site.id}",
            request.headers.get(IDEMPOTENCY_HEADER),
            request_fingerprint(body),
            lambda: (201, schedule_to_wire(schedules.create(principal, site, body))),
        )
        return idempotent_answer(outcome)

    @router.get(
        "",
        summary="List export schedules",
        response_model=None,
        openapi_extra={"parameters": PAGED},
        responses={
            200: json_response("The site's schedules, newest first.", SCHEDULE_COLLECTION_SCHEMA),
            **error_responses(400, 401, 403),
        },
    )
    def list_schedules(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        page, per_page = page_params(request)
        found, total = schedules.list_schedules(site, page=page, per_page=per_page)
        return collection([schedule_to_wire(s) for s in found], page=page, per_page=per_page, total=total)

    @router.get(
        "/{id}",
        summary="Get an export schedule",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The schedule.", SCHEDULE_SCHEMA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get_schedule(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        return schedule_to_wire(schedules.get(site, request.path_params["id"]))

    @router.patch(
        "/{id}",
        summary="Change, pause or resume an export schedule",
        description=(
            "Only the fields given change. `active: false` pauses; `active: true` resumes from the "
            "next slot after now (slots passed while paused do not fire)."
        ),
        response_model=None,
        openapi_extra={"requestBody": SCHEDULE_PATCH_BODY, "parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The changed schedule.", SCHEDULE_SCHEMA),
            **error_responses(400, 401, 403, 404, 413, 415),
        },
    )
    async def patch_schedule(request: Request) -> dict[str, Any]:
        _principal, site = await run_in_threadpool(authorize, system, request, Permission.EXPORTS_CREATE)
        body = await read_json_body(request)
        changed = await run_in_threadpool(schedules.update, site, request.path_params["id"], body)
        return schedule_to_wire(changed)

    @router.delete(
        "/{id}",
        summary="Delete an export schedule",
        description="It stops firing; the jobs it created stay.",
        status_code=204,
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={204: {"description": "Deleted."}, **error_responses(400, 401, 403, 404)},
    )
    def delete_schedule(request: Request) -> Response:
        _principal, site = authorize(system, request, Permission.EXPORTS_CREATE)
        schedules.delete(site, request.path_params["id"])
        return Response(status_code=204)

    @router.get(
        "/{id}/history",
        summary="List a schedule's firings and their jobs",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, *PAGED]},
        responses={
            200: json_response("Firings, newest slot first, each with its job.", HISTORY_COLLECTION_SCHEMA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def schedule_history(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.EXPORTS_READ)
        page, per_page = page_params(request)
        entries, total = schedules.history(site, request.path_params["id"], page=page, per_page=per_page)
        return collection([history_to_wire(e) for e in entries], page=page, per_page=per_page, total=total)

    return router
