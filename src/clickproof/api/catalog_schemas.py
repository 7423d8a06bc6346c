"""JSON Schemas of the catalogue routes' bodies and answers (domain/catalog_request.py validates the
bodies with the same bounds; api/wire_ingest.py writes the answers)."""

from __future__ import annotations

from typing import Any

from clickproof.api.openapi_params import MAX_ID, or_null, text

_NULLABLE_TIME = {"type": ["string", "null"], "description": "ISO 8601, UTC."}
_TIME = {"type": "string", "description": "ISO 8601, UTC."}
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_OBJECT_ID = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
KEY = {
    "type": "string",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$",
    "description": "Letters, digits, '_', '.', '-'; starts with a letter or digit.",
}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field that may also be sent as null, meaning absent."""
    return or_null(schema)


def _closed(properties: dict[str, Any], required: list[str], title: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


CONTRACT_INPUT = _closed(
    {
        "title": text(500),
        "key": KEY,
        "id": nullable({**_ID, "description": "Optional id to create it with."}),
    },
    ["title", "key"],
    "ContractInput",
)
VERSION_INPUT = _closed(
    {
        "body": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2_000_000,
            "description": "The contract text (HTML).",
        },
        "title": nullable(text(500)),
        "id": nullable({**_OBJECT_ID, "description": "Optional 24-hex id to create it with."}),
        "effective_time": nullable({"type": "string", "format": "date-time"}),
        "merge_fields": nullable(
            {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 200}}
        ),
        "publish": {"type": "boolean", "default": False},
    },
    ["body"],
    "VersionInput",
)
GROUP_INPUT = _closed(
    {
        "key": KEY,
        "title": text(500),
        "contracts": {"type": "array", "items": _ID, "minItems": 1, "maxItems": 50, "uniqueItems": True},
    },
    ["key", "title", "contracts"],
    "GroupInput",
)
SIGNER_INPUT = _closed(
    {"signer_id": text(1024), "properties": nullable({"type": "object"})}, ["signer_id"], "SignerInput"
)
ERASURE_INPUT = _closed(
    {"signer_id": text(1024), "reason": text(2000)}, ["signer_id", "reason"], "ErasureInput"
)

CONTRACT = {
    "type": "object",
    "title": "Contract",
    "properties": {
        "id": {"type": "integer"},
        "site": {"type": "integer"},
        "title": {"type": "string"},
        "key": {"type": "string"},
        "latest_version": {"type": ["string", "null"]},
        "published_version": {"type": ["string", "null"]},
        "created_time": _TIME,
    },
}
VERSION = {
    "type": "object",
    "title": "Version",
    "properties": {
        "id": {"type": "string"},
        "contract": {"type": "integer"},
        "site": {"type": "integer"},
        "title": {"type": "string"},
        "body": {"type": "string"},
        "version_number": {"type": "integer"},
        "minor_version_number": {"type": "integer"},
        "full_version_number": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "published"]},
        "published": {"type": "boolean"},
        "published_time": _NULLABLE_TIME,
        "effective_time": _NULLABLE_TIME,
        "merge_fields": {"type": ["array", "null"], "items": {"type": "string"}},
        "created_time": _TIME,
    },
}
GROUP = {
    "type": "object",
    "title": "Group",
    "properties": {
        "id": {"type": "integer"},
        "site": {"type": "integer"},
        "key": {"type": "string"},
        "title": {"type": "string"},
        "contracts": {"type": "array", "items": {"type": "integer"}},
        "created_time": _TIME,
    },
}
SIGNER = {
    "type": "object",
    "title": "Signer",
    "properties": {
        "signer_id": {"type": "string"},
        "site": {"type": "integer"},
        "properties": {"type": ["object", "null"]},
        "created_time": _TIME,
    },
}
ERASURE = {
    "type": "object",
    "title": "Erasure",
    "properties": {
        "id": {"type": "integer"},
        "site": {"type": "integer"},
        "signer_hash": {"type": "string"},
        "requested_by": {"type": "string"},
        "reason": {"type": "string"},
        "activities": {"type": "integer"},
        "created_time": _TIME,
    },
}
ACTIVITY = {
    "type": "object",
    "title": "Activity",
    "properties": {
        "id": {"type": "string"},
        "account": {"type": "integer"},
        "site": {"type": "integer"},
        "signer_id": {"type": ["string", "null"]},
        "contract": {"type": ["integer", "null"]},
        "version": {"type": ["string", "null"]},
        "event_type": {"type": "string"},
        "created_time": _TIME,
        "event_time": _NULLABLE_TIME,
        "test_mode": {"type": "boolean"},
        "chain": {"type": "object"},
    },
}


def collection_of(item: dict[str, Any]) -> dict[str, Any]:
    """The v1.1 Collection envelope around `item`."""
    return {
        "type": "object",
        "title": "Collection",
        "properties": {
            "count": {"type": "integer"},
            "has_more": {"type": "boolean"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total_count": {"type": "integer"},
            "data": {"type": "array", "items": item},
        },
    }
