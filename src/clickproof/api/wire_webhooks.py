"""Wire shapes of webhook endpoints and deliveries. The secret appears only in the answers to
creation and rotation."""

from __future__ import annotations

from typing import Any

from clickproof.api.openapi_params import or_null
from clickproof.domain.timestamps import format_instant
from clickproof.store.webhooks import DeliveryRow, EndpointRow


def endpoint_to_wire(endpoint: EndpointRow, secret: str | None = None) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": endpoint.id,
        "site": endpoint.site_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "payload_format": endpoint.payload_format,
        "legacy_token": endpoint.legacy_token is not None,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "failure_streak": endpoint.failure_streak,
        "created_time": format_instant(endpoint.created_time),
        "updated_time": format_instant(endpoint.updated_time),
    }
    if secret is not None:
        wire["secret"] = secret
    return wire


def delivery_to_wire(delivery: DeliveryRow) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "endpoint": delivery.endpoint_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempt": delivery.attempt,
        "next_attempt_time": format_instant(delivery.next_attempt_time)
        if delivery.status == "pending"
        else None,
        "request_id": delivery.request_id,
        "created_time": format_instant(delivery.created_time),
        "updated_time": format_instant(delivery.updated_time),
        "attempts": [
            {
                "attempt": a.attempt,
                "started_time": format_instant(a.started_time),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "succeeded": a.succeeded,
                "error": a.error,
                "response_excerpt": a.response_excerpt,
            }
            for a in delivery.attempts
        ],
    }


def listing(items: list[dict[str, Any]], *, page: int, per_page: int, total: int) -> dict[str, Any]:
    return {
        "count": len(items),
        "has_more": page * per_page < total,
        "page": page,
        "per_page": per_page,
        "total_count": total,
        "data": items,
    }


_ATTEMPT = {
    "type": "object",
    "properties": {
        "attempt": {"type": "integer"},
        "started_time": {"type": "string", "format": "date-time"},
        "status_code": or_null({"type": "integer"}),
        "latency_ms": {"type": "integer"},
        "succeeded": {"type": "boolean"},
        "error": or_null({"type": "string"}),
        "response_excerpt": {"type": "string", "description": "The first 1 KiB of the answer."},
    },
}
ENDPOINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "WebhookEndpoint",
    "properties": {
        "id": {"type": "string"},
        "site": {"type": "integer"},
        "url": {"type": "string"},
        "description": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "payload_format": {"type": "string", "enum": ["standard", "ironclad"]},
        "legacy_token": {"type": "boolean", "description": "Whether Pactsafe-Webhook-Token is sent."},
        "enabled": {"type": "boolean"},
        "disabled_reason": or_null({"type": "string"}),
        "failure_streak": {"type": "integer"},
        "created_time": {"type": "string", "format": "date-time"},
        "updated_time": {"type": "string", "format": "date-time"},
        "secret": {
            "type": "string",
            "description": "whsec_…: only in the answers to creation and rotation.",
        },
    },
}
DELIVERY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "WebhookDelivery",
    "properties": {
        "id": {"type": "string", "description": "The webhook-id header."},
        "endpoint": {"type": "string"},
        "event_type": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "sending", "succeeded", "failed"]},
        "attempt": {"type": "integer"},
        "next_attempt_time": or_null({"type": "string", "format": "date-time"}),
        "request_id": or_null({"type": "string"}),
        "created_time": {"type": "string", "format": "date-time"},
        "updated_time": {"type": "string", "format": "date-time"},
        "attempts": {"type": "array", "items": _ATTEMPT},
    },
}


def collection_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "has_more": {"type": "boolean"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total_count": {"type": "integer"},
            "data": {"type": "array", "items": schema},
        },
    }
