"""The published OpenAPI 3.1 document: FastAPI's, from the routes and what they declare, completed
with what holds for every operation (docs/api.md, "Adding a route").

Every operation can answer 415 (a compressed body, api/http_hygiene.py) and 503 (the database is
unavailable, api/error_handlers.py); one that needs a bearer token can also answer 401 and 403.
Those answers are added here, with the error schema and their headers, so a route declares only
its own."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from clickproof.api.contract import ERROR_SCHEMA, SEED, error_responses

OPENAPI_VERSION = "3.1.0"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "The scheme to authenticate with: Bearer.",
        "schema": {"type": "string"},
    }
}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=OPENAPI_VERSION,
        description=app.description,
        routes=app.routes,
    )
    schema.setdefault("components", {})["securitySchemes"] = copy.deepcopy(
        SEED["components"]["securitySchemes"]
    )
    schema["components"].setdefault("schemas", {})["Error"] = copy.deepcopy(ERROR_SCHEMA)
    schema["security"] = copy.deepcopy(SEED["security"])
    for path, path_item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in path_item:
                complete_operation(path_item[method], rate_limited=(method, path) in RATE_LIMITED)
    return schema


# Operations counted by the rate limits and the per-site queue cap (services/request_limits.py,
# docs/adr/0018): they can answer 429.
RATE_LIMITED = frozenset(
    {
        ("post", "/v1.1/extract/evidence"),
        ("get", "/send"),
        ("post", "/send"),
        ("get", "/load"),
        ("post", "/load/json"),
        ("get", "/latest"),
        ("get", "/retrieve"),
    }
)


def complete_operation(operation: dict[str, Any], *, rate_limited: bool = False) -> None:
    public = operation.get("security") == []
    responses: dict[str, Any] = operation.setdefault("responses", {})
    common = (415, 503) if public else (401, 403, 415, 503)
    if rate_limited:
        common = (*common, 429)
    for code, response in error_responses(*common).items():
        responses.setdefault(str(code), response)
    for code, answer in responses.items():
        if code in ("429", "503"):
            answer.setdefault("headers", {}).update(copy.deepcopy(RETRY_AFTER))
        if code == "401":
            answer.setdefault("headers", {}).update(copy.deepcopy(WWW_AUTHENTICATE))
