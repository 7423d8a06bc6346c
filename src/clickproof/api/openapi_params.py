"""OpenAPI declarations of the request parts that routes read by hand: parameters, headers and JSON
bodies. The bounds here are the ones the parsers enforce (api/params.py, domain/limits.py); a route
passes these to `openapi_extra` so the published document says what the code does."""

from __future__ import annotations

import copy
from typing import Any

from clickproof.domain.limits import DEFAULT_PER_PAGE, MAX_PER_PAGE

MAX_ID = 2**31 - 1  # site, contract and group ids: positive 32-bit numbers
MAX_PAGE = 1_000_000


def query_int(
    name: str, *, minimum: int, maximum: int, default: int | None = None, description: str = ""
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def query_text(name: str, description: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": {"type": "string", **schema},
        "description": description,
    }


def path_int(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "description": description,
    }


def path_text(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, **schema},
        "description": description,
    }


SITE_QUERY = query_int(
    "site_id", minimum=1, maximum=MAX_ID, description="Site to act on; default the token's default site."
)
PAGE = query_int("page", minimum=1, maximum=MAX_PAGE, default=1, description="Page number, from 1.")
PER_PAGE = query_int(
    "per_page", minimum=1, maximum=MAX_PER_PAGE, default=DEFAULT_PER_PAGE, description="Items per page."
)
PAGED = [SITE_QUERY, PAGE, PER_PAGE]

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    "description": "Retry-safe POST: the same key and request get the first answer again (docs/api.md).",
}

REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "true when the answer is the stored answer of an earlier request with this key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def json_body(schema: dict[str, Any], description: str = "", *, example: Any = None) -> dict[str, Any]:
    """A required JSON request body (a route passes it as openapi_extra's `requestBody`)."""
    content: dict[str, Any] = {"schema": copy.deepcopy(schema)}
    if example is not None:
        content["example"] = copy.deepcopy(example)
    return {"required": True, "description": description, "content": {"application/json": content}}


def text(max_length: int, description: str = "") -> dict[str, Any]:
    """Text the catalogue parsers accept: 1 to `max_length` characters, not only spaces, no NUL."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": "^[^\\x00]*[^\\s\\x00][^\\x00]*$",
        "description": description,
    }


def or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, or null: OpenAPI 3.1 (JSON Schema) has no `nullable`. A schema with one type
    gets `"null"` in its type list (and in its enum); any other (a schema of the seed, one
    without a type) is kept whole in `anyOf` beside `{"type": "null"}`."""
    kind = schema.get("type")
    if isinstance(kind, str):
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema and None not in schema["enum"]:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}
