"""Webhook routes: POST/GET /v1.1/webhooks, GET/DELETE /v1.1/webhooks/{id},
POST /v1.1/webhooks/{id}/rotate-secret, POST /v1.1/webhooks/{id}/enable,
GET /v1.1/webhooks/{id}/deliveries, POST /v1.1/webhooks/{id}/deliveries/{delivery_id}/redeliver."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from clickproof.api.auth import authorize, page_params
from clickproof.api.body import read_json_body
from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import PAGED, SITE_QUERY
from clickproof.api.wire_webhooks import (
    DELIVERY_SCHEMA,
    ENDPOINT_SCHEMA,
    collection_of,
    delivery_to_wire,
    endpoint_to_wire,
    listing,
)
from clickproof.bootstrap import System
from clickproof.domain.webhook_events import EVENTS
from clickproof.services.tokens import Permission

ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
DELIVERY_PARAM = {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "string"}}
CREATE_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["url", "events"],
                "additionalProperties": False,
                "properties": {
                    "url": {
                        "type": "string",
                        "description": "http(s) URL on a public address (or a host the operator allows).",
                    },
                    "events": {"type": "array", "items": {"type": "string", "enum": list(EVENTS)}},
                    "description": {"type": "string", "maxLength": 500},
                    "payload_format": {
                        "type": "string",
                        "enum": ["standard", "ironclad"],
                        "default": "standard",
                    },
                    "legacy_token": {
                        "type": "string",
                        "description": "Sent as the Pactsafe-Webhook-Token header, for receivers written for Ironclad.",
                    },
                },
            },
            "example": {
                "url": "https://hooks.example.com/clickproof",
                "events": ["export.succeeded", "export.failed"],
            },
        }
    },
}


def build_webhook_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/webhooks", tags=["Webhooks"])
    hooks = system.webhooks

    def site_of(request: Request) -> Any:
        return authorize(system, request, Permission.WEBHOOKS_MANAGE)[1]

    @router.post(
        "",
        summary="Create a webhook endpoint",
        description="Answers the endpoint with its signing secret, shown this once.",
        status_code=201,
        openapi_extra={"requestBody": CREATE_BODY, "parameters": [SITE_QUERY]},
        responses={
            201: json_response("Created.", ENDPOINT_SCHEMA),
            **error_responses(400, 401, 403, 413, 415),
        },
    )
    async def create(request: Request) -> JSONResponse:
        site = await run_in_threadpool(site_of, request)
        body = await read_json_body(request)
        # The URL's host is resolved (SSRF check): off the event loop.
        endpoint, secret = await run_in_threadpool(hooks.create, site, body)
        return JSONResponse(endpoint_to_wire(endpoint, secret), status_code=201)

    @router.get(
        "",
        summary="List the site's webhook endpoints (without secrets)",
        response_model=None,
        openapi_extra={"parameters": [SITE_QUERY]},
        responses={
            200: json_response("The endpoints.", collection_of(ENDPOINT_SCHEMA)),
            **error_responses(400, 401, 403),
        },
    )
    def list_endpoints(request: Request) -> dict[str, Any]:
        endpoints = hooks.endpoints(site_of(request))
        return listing(
            [endpoint_to_wire(e) for e in endpoints],
            page=1,
            per_page=max(len(endpoints), 1),
            total=len(endpoints),
        )

    @router.get(
        "/{id}",
        summary="Get a webhook endpoint (without its secret)",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The endpoint.", ENDPOINT_SCHEMA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get_endpoint(request: Request) -> dict[str, Any]:
        return endpoint_to_wire(hooks.get(site_of(request), request.path_params["id"]))

    @router.delete(
        "/{id}",
        summary="Delete a webhook endpoint and its delivery log",
        status_code=204,
        response_class=Response,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={204: {"description": "Deleted."}, **error_responses(400, 401, 403, 404)},
    )
    def delete_endpoint(request: Request) -> Response:
        hooks.delete(site_of(request), request.path_params["id"])
        return Response(status_code=204)

    @router.post(
        "/{id}/rotate-secret",
        summary="Rotate an endpoint's signing secret",
        description="Answers the new secret, shown this once. For 24 hours messages carry a "
        "signature with the previous secret too.",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The endpoint with its new secret.", ENDPOINT_SCHEMA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def rotate(request: Request) -> dict[str, Any]:
        endpoint, secret = hooks.rotate(site_of(request), request.path_params["id"])
        return endpoint_to_wire(endpoint, secret)

    @router.post(
        "/{id}/enable",
        summary="Enable an endpoint again (after it was disabled for sustained failure)",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, SITE_QUERY]},
        responses={
            200: json_response("The endpoint.", ENDPOINT_SCHEMA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def enable(request: Request) -> dict[str, Any]:
        return endpoint_to_wire(hooks.enable(site_of(request), request.path_params["id"]))

    @router.get(
        "/{id}/deliveries",
        summary="An endpoint's delivery log, newest first",
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, *PAGED]},
        responses={
            200: json_response("Deliveries with their attempts.", collection_of(DELIVERY_SCHEMA)),
            **error_responses(400, 401, 403, 404),
        },
    )
    def deliveries(request: Request) -> dict[str, Any]:
        site = site_of(request)
        page, per_page = page_params(request)
        rows, total = hooks.deliveries(site, request.path_params["id"], page=page, per_page=per_page)
        return listing([delivery_to_wire(d) for d in rows], page=page, per_page=per_page, total=total)

    @router.post(
        "/{id}/deliveries/{delivery_id}/redeliver",
        summary="Send a delivery's body again, as a new delivery",
        status_code=202,
        response_model=None,
        openapi_extra={"parameters": [ID_PARAM, DELIVERY_PARAM, SITE_QUERY]},
        responses={
            202: json_response("The new delivery, due at once.", DELIVERY_SCHEMA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def redeliver(request: Request) -> JSONResponse:
        site = site_of(request)
        row = hooks.redeliver(site, request.path_params["id"], request.path_params["delivery_id"])
        return JSONResponse(delivery_to_wire(row), status_code=202)

    return router
