"""The wire contract of the Extraction routes, taken verbatim from the seed OpenAPI definition.

`seed_openapi.json` is Ironclad's definition of POST /extract/evidence; the sibling routes reuse
its ScheduledJobResponse inside the v1.1 Collection envelope and the URL object of domain.md.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SEED: dict[str, Any] = json.loads((Path(__file__).parent / "seed_openapi.json").read_text())
_POST = SEED["paths"]["/extract/evidence"]["post"]

EXPORT_REQUEST_BODY: dict[str, Any] = _POST["requestBody"]
EXPORT_REQUEST_SCHEMA: dict[str, Any] = EXPORT_REQUEST_BODY["content"]["application/json"]["schema"]
EXPORT_REQUEST_EXAMPLE: dict[str, Any] = EXPORT_REQUEST_BODY["content"]["application/json"]["example"]
SCHEDULED_JOB_RESPONSE: dict[str, Any] = _POST["responses"]["201"]["content"]["application/json"]["schema"]
SCHEDULED_JOB_EXAMPLE: dict[str, Any] = _POST["responses"]["201"]["content"]["application/json"]["example"]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "properties": {
        "error": {"type": "string", "description": "What went wrong, in English."},
        "code": {"type": "string", "description": "Stable error code (see docs/errors.md)."},
        "field": {"type": ["string", "null"], "description": "The request field at fault."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "required": ["error", "code"],
}

COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Collection",
    "properties": {
        "count": {"type": "integer"},
        "has_more": {"type": "boolean"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total_count": {"type": "integer"},
        "data": {"type": "array", "items": copy.deepcopy(SCHEDULED_JOB_RESPONSE)},
    },
}

URLS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "presignedUrls": {"type": "array", "items": {"type": "string"}},
        "error": {"type": "string"},
    },
}


def json_response(description: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": copy.deepcopy(schema)}
    if example is not None:
        content["example"] = copy.deepcopy(example)
    return {"description": description, "content": {"application/json": content}}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Bad request.",
        401: "Unauthorized.",
        403: "Forbidden.",
        404: "Not found.",
        408: "The request was not sent in time.",
        409: "Conflict: not ready, exists already, or the same Idempotency-Key is in progress.",
        410: "Link expired.",
        413: "Request too large.",
        415: "Unsupported media type.",
        422: "Idempotency-Key reused with another request.",
        429: "Over a rate limit or the site's queue cap; the body names the limit, Retry-After the wait.",
        503: "Temporarily unavailable; retry after the Retry-After header's seconds.",
    }
    return {code: json_response(text[code], ERROR_SCHEMA) for code in codes}
