"""The Activity API as Ironclad's clients call it: GET/POST /send, POST /load/json and GET /load,
GET /latest, GET /retrieve.

Identified by the site's public access id (`sid`), not a bearer token, like Ironclad's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clickproof.api.body import query_dict, read_params_body
from clickproof.api.contract import error_responses, json_response
from clickproof.api.idempotent_answer import idempotent_answer
from clickproof.api.openapi_params import IDEMPOTENCY_KEY, REPLAYED_HEADER
from clickproof.bootstrap import System
from clickproof.domain.load_request import parse_load
from clickproof.domain.origins import origin_allowed
from clickproof.domain.send_request import (
    EVENT_TYPES,
    EXECUTION_METHODS,
    is_server_side,
    parse_lookup,
    parse_send,
)
from clickproof.errors import ForbiddenError
from clickproof.services.idempotency import HEADER, request_fingerprint

SEND_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "batch": {"type": "string"},
        "activities": {"type": "array", "items": {"type": "string"}},
        "created_time": {"type": "string"},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}
LOAD_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "group": {"type": "integer"},
        "key": {"type": "string"},
        "title": {"type": "string"},
        "render_id": {"type": "string"},
        "render_data": {"type": "object"},
        "test_mode": {"type": "boolean"},
        "contracts": {"type": "array", "items": {"type": "integer"}},
        "versions": {"type": "array", "items": {"type": "string"}},
        "contract_data": {"type": "object", "additionalProperties": {"type": "object"}},
        "rendered_time": {"type": "string"},
    },
}
# Parameters as a query string or form sends them: text, where an empty value means absent. The
# cross-parameter rules (what each event type needs) are in docs/ingestion.md.
SEND_FIELDS: dict[str, dict[str, Any]] = {
    "sid": {"type": "string", "minLength": 1, "maxLength": 64, "description": "The site's access id."},
    "et": {"type": "string", "enum": list(EVENT_TYPES), "description": "Event type."},
    "sig": {"type": "string", "maxLength": 1024, "description": "Signer id."},
    "em": {"type": "string", "enum": ["", *EXECUTION_METHODS], "description": "Execution method."},
    "cid": {"type": "string", "description": "Contract ids: comma-separated, or the parameter repeated."},
    "vid": {"type": "string", "description": "Version ids (24-hex), parallel to cid."},
    "gid": {"type": "string", "description": "Group id."},
    "gkey": {"type": "string", "maxLength": 200, "description": "Group key."},
    "cus": {"type": "string", "description": "Custom data: a JSON object."},
    "rnd": {"type": "string", "description": "Render data: a JSON object."},
    "tm": {"type": "string", "description": "Test mode: true, false, 1 or 0."},
    "uid": {"type": "string", "maxLength": 64, "description": "The caller's id of this activity."},
    "rdid": {"type": "string", "description": "Render id from /load."},
    "session": {"type": "string", "maxLength": 256},
}
_TEXT = ["string", "number", "null"]
_LIST = {"type": ["string", "number", "array", "null"], "items": {"type": ["string", "number"]}}
# The same parameters in a JSON body, in the JSON types Ironclad's SDKs send.
SEND_JSON_FIELDS: dict[str, dict[str, Any]] = {
    "sid": {"type": ["string", "number"], "minLength": 1, "maxLength": 64},
    "et": {"type": "string", "enum": list(EVENT_TYPES)},
    "sig": {"type": _TEXT, "maxLength": 1024},
    "em": {"type": ["string", "null"], "enum": ["", *EXECUTION_METHODS, None]},
    "cid": _LIST,
    "vid": _LIST,
    "gid": {"type": _TEXT},
    "gkey": {"type": _TEXT, "maxLength": 200},
    "cus": {"type": ["string", "object", "null"]},
    "rnd": {"type": ["string", "object", "null"]},
    "tm": {"type": ["boolean", "string", "integer", "null"]},
    "uid": {"type": _TEXT, "maxLength": 64},
    "rdid": {"type": _TEXT, "maxLength": 64},
    "session": {"type": _TEXT, "maxLength": 256},
}


def _subset(fields: dict[str, dict[str, Any]], *names: str) -> dict[str, dict[str, Any]]:
    return {name: fields[name] for name in names}


LOAD = ("sid", "gid", "gkey", "rnd", "tm")
LOOKUP = ("sid", "sig", "cid", "gid", "gkey")


def query_params(fields: dict[str, dict[str, Any]], required: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in schema.items() if k != "description"},
            "description": schema.get("description", ""),
        }
        for name, schema in fields.items()
    ]


def params_body(names: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    """The parameters as a JSON object or an HTML form; other send codes are accepted too."""

    def schema(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {"type": "object", "properties": _subset(fields, *names), "required": list(required)}

    return {
        "required": True,
        "content": {
            "application/json": {"schema": schema(SEND_JSON_FIELDS)},
            "application/x-www-form-urlencoded": {"schema": schema(SEND_FIELDS)},
        },
    }


def public(parameters: list[dict[str, Any]], body: dict[str, Any] | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"security": [], "parameters": parameters}
    if body is not None:
        extra["requestBody"] = body
    return extra


PARAMS_DOC = "Ironclad's short parameter codes (docs/ingestion.md): sid, sig, et, em, cid, vid, gid, gkey, cus, rnd, tm, pat, pau, bua, addr, …"


async def body_params(request: Request) -> dict[str, Any]:
    """A POST's parameters: the query string's, then the body's (JSON or a form) over them."""
    return {**query_dict(list(request.query_params.multi_items())), **(await read_params_body(request))}


def build_activity_api_router(system: System) -> APIRouter:
    router = APIRouter(tags=["Activity API"])
    ingest = system.ingest

    def with_request_defaults(params: dict[str, Any], request: Request, server_side: bool) -> dict[str, Any]:
        """The signer's address and user agent as seen on this connection, where the caller sent
        none. A server-side caller's connection is its own backend's, never the signer's: then only
        what it sent is stored."""
        if server_side:
            return params
        params = dict(params)
        if not params.get("addr") and request.client is not None:
            params["addr"] = request.client.host
        if not params.get("bua") and request.headers.get("user-agent"):
            params["bua"] = request.headers["user-agent"][:4096]
        return params

    def origin_headers(access_id: str, request: Request) -> dict[str, str]:
        """A site with an allow-list answers its allowed origins by name and refuses others."""
        origin = request.headers.get("origin")
        if origin is None:
            return {}
        allowed = ingest.catalog_of(access_id).site.allowed_origins
        if allowed is None:
            return {}
        if not origin_allowed(origin, allowed):
            raise ForbiddenError(
                f"pages of {origin[:100]!r} may not call this site's Activity API",
                field="Origin",
                code="origin_not_allowed",
            )
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    def answer(body: Any, headers: dict[str, str]) -> JSONResponse:
        return JSONResponse(body, headers=headers or None)

    def limited(params: dict[str, Any], request: Request) -> None:
        """Count the request against its access id's and its address's rate limits."""
        system.limits.activity_request(params.get("sid"), request.client.host if request.client else None)

    def send(params: dict[str, Any], request: Request) -> JSONResponse:
        limited(params, request)
        parsed = parse_send(with_request_defaults(params, request, is_server_side(params)))
        cors = origin_headers(parsed.site_access_id, request)

        def action() -> tuple[int, Any]:
            result = ingest.send(parsed)
            body: dict[str, Any] = {
                "batch": result.batch,
                "activities": result.activity_ids,
                "created_time": result.created_time,
            }
            if result.warnings:
                body["warnings"] = result.warnings
            return 200, body

        outcome = system.idempotency.run(
            f"send:{parsed.site_access_id}", request.headers.get(HEADER), request_fingerprint(params), action
        )
        return idempotent_answer(outcome, cors)

    @router.get(
        "/send",
        summary="Record activity (query string)",
        description=PARAMS_DOC,
        response_model=None,
        responses={
            200: json_response("Recorded: the batch and one activity id per contract.", SEND_RESPONSE),
            **error_responses(400, 403, 404, 413),
        },
        openapi_extra=public(query_params(SEND_FIELDS, ("sid", "et"))),
    )
    def send_get(request: Request) -> JSONResponse:
        return send(query_dict(list(request.query_params.multi_items())), request)

    @router.post(
        "/send",
        summary="Record activity (JSON or form body)",
        description=PARAMS_DOC + " Honors Idempotency-Key.",
        response_model=None,
        responses={
            200: {**json_response("Recorded.", SEND_RESPONSE), "headers": REPLAYED_HEADER},
            **error_responses(400, 403, 404, 409, 413, 415, 422),
        },
        openapi_extra=public([IDEMPOTENCY_KEY], params_body(tuple(SEND_FIELDS), ("sid", "et"))),
    )
    async def send_post(request: Request) -> JSONResponse:
        return await run_in_threadpool(send, await body_params(request), request)

    def load(params: dict[str, Any], request: Request) -> JSONResponse:
        limited(params, request)
        parsed = parse_load(params)
        cors = origin_headers(parsed.site_access_id, request)
        return answer(ingest.load(parsed), cors)

    load_doc = (
        "A group's contracts at their published versions, with the render data (rnd) merged, under "
        "a fresh render_id. A later send with that rdid is bound to exactly what was presented."
    )

    @router.post(
        "/load/json",
        summary="Load a group for presentation (JSON body)",
        description=load_doc + " Parameters sid, gkey or gid, rnd, tm.",
        response_model=None,
        responses={
            200: json_response("The group object.", LOAD_RESPONSE),
            **error_responses(400, 403, 404, 413, 415),
        },
        openapi_extra=public([], params_body(LOAD, ("sid",))),
    )
    async def load_post(request: Request) -> JSONResponse:
        return await run_in_threadpool(load, await body_params(request), request)

    @router.get(
        "/load",
        summary="Load a group for presentation (query string)",
        description=load_doc + " Parameters sid, gkey or gid, rnd (JSON), tm.",
        response_model=None,
        responses={
            200: json_response("The group object.", LOAD_RESPONSE),
            **error_responses(400, 403, 404),
        },
        openapi_extra=public(query_params(_subset(SEND_FIELDS, *LOAD), ("sid",))),
    )
    def load_get(request: Request) -> JSONResponse:
        return load(query_dict(list(request.query_params.multi_items())), request)

    @router.get(
        "/latest",
        summary="Has the signer accepted the latest published versions?",
        description="Parameters sid, sig and cid (comma-separated or repeated) or gid/gkey. Answers "
        "{contract id: true|false}. Other send parameters (et, tm, _srv, _lib, …) are accepted.",
        response_model=None,
        responses={
            200: json_response(
                "contract id → accepted the newest version",
                {"type": "object", "additionalProperties": {"type": "boolean"}},
            ),
            **error_responses(400, 403, 404),
        },
        openapi_extra=public(query_params(_subset(SEND_FIELDS, *LOOKUP), ("sid", "sig"))),
    )
    def latest(request: Request) -> JSONResponse:
        params = query_dict(list(request.query_params.multi_items()))
        limited(params, request)
        parsed = parse_lookup(params)
        cors = origin_headers(parsed.site_access_id, request)
        return answer(ingest.latest(parsed), cors)

    @router.get(
        "/retrieve",
        summary="Which versions did the signer accept?",
        description="Parameters sid, sig and optionally cid or gid/gkey (without them: every contract "
        "the signer accepted). Answers {contract id: version id, or false when never accepted}.",
        response_model=None,
        responses={
            200: json_response(
                "contract id → newest accepted version id, or false",
                {"type": "object", "additionalProperties": {"type": ["string", "boolean"]}},
            ),
            **error_responses(400, 403, 404),
        },
        openapi_extra=public(query_params(_subset(SEND_FIELDS, *LOOKUP), ("sid", "sig"))),
    )
    def retrieve(request: Request) -> JSONResponse:
        params = query_dict(list(request.query_params.multi_items()))
        limited(params, request)
        parsed = parse_lookup(params, contracts_required=False)
        cors = origin_headers(parsed.site_access_id, request)
        return answer(ingest.retrieve(parsed), cors)

    return router
