"""The Activity API as Ironclad's clients call it: GET/POST /send, GET /latest, GET /retrieve.

Identified by the site's public access id (`sid`), not a bearer token, like Ironclad's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clickproof.api.body import query_dict, read_params_body
from clickproof.api.contract import error_responses, json_response
from clickproof.bootstrap import System
from clickproof.domain.send_request import parse_lookup, parse_send
from clickproof.services.idempotency import HEADER, request_fingerprint

SEND_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "batch": {"type": "string"},
        "activities": {"type": "array", "items": {"type": "string"}},
        "created_time": {"type": "string"},
    },
}
PARAMS_DOC = "Ironclad's short parameter codes (docs/ingestion.md): sid, sig, et, em, cid, vid, gid, gkey, cus, rnd, tm, pat, pau, bua, addr, …"


def build_activity_api_router(system: System) -> APIRouter:
    router = APIRouter(tags=["Activity API"])
    ingest = system.ingest

    def with_request_defaults(params: dict[str, Any], request: Request) -> dict[str, Any]:
        params = dict(params)
        if not params.get("addr") and request.client is not None:
            params["addr"] = request.client.host
        if not params.get("bua") and request.headers.get("user-agent"):
            params["bua"] = request.headers["user-agent"][:4096]
        return params

    def send(params: dict[str, Any], request: Request) -> JSONResponse:
        parsed = parse_send(with_request_defaults(params, request))

        def action() -> tuple[int, Any]:
            result = ingest.send(parsed)
            return 200, {
                "batch": result.batch,
                "activities": result.activity_ids,
                "created_time": result.created_time,
            }

        outcome = system.idempotency.run(
            f"send:{parsed.site_access_id}", request.headers.get(HEADER), request_fingerprint(params), action
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)

    @router.get(
        "/send",
        summary="Record activity (query string)",
        description=PARAMS_DOC,
        response_model=None,
        responses={
            200: json_response("Recorded: the batch and one activity id per contract.", SEND_RESPONSE),
            **error_responses(400, 404),
        },
    )
    def send_get(request: Request) -> JSONResponse:
        return send(query_dict(list(request.query_params.multi_items())), request)

    @router.post(
        "/send",
        summary="Record activity (JSON or form body)",
        description=PARAMS_DOC + " Honors Idempotency-Key.",
        response_model=None,
        responses={200: json_response("Recorded.", SEND_RESPONSE), **error_responses(400, 404, 413, 415)},
    )
    async def send_post(request: Request) -> JSONResponse:
        params = {**query_dict(list(request.query_params.multi_items())), **(await read_params_body(request))}
        return await run_in_threadpool(send, params, request)

    @router.get(
        "/latest",
        summary="Has the signer accepted the latest published versions?",
        description="Parameters sid, sig and cid (comma-separated) or gid/gkey. Answers {contract id: true|false}.",
        response_model=None,
        responses={
            200: {"description": "contract id → accepted the newest version"},
            **error_responses(400, 404),
        },
    )
    def latest(request: Request) -> dict[str, bool]:
        return ingest.latest(parse_lookup(query_dict(list(request.query_params.multi_items()))))

    @router.get(
        "/retrieve",
        summary="Which versions did the signer accept?",
        description="Parameters sid, sig and cid or gid/gkey. Answers {contract id: version id or null}.",
        response_model=None,
        responses={
            200: {"description": "contract id → newest accepted version id"},
            **error_responses(400, 404),
        },
    )
    def retrieve(request: Request) -> dict[str, str | None]:
        return ingest.retrieve(parse_lookup(query_dict(list(request.query_params.multi_items()))))

    return router
