"""Wire shapes of schedules, their history and legal holds, with their OpenAPI schemas."""

from __future__ import annotations

import copy
from typing import Any

from clickproof.api.contract import EXPORT_REQUEST_SCHEMA, SCHEDULED_JOB_RESPONSE
from clickproof.api.openapi_params import or_null
from clickproof.api.wire import job_to_wire
from clickproof.domain.schedule import WINDOW_KINDS
from clickproof.domain.timestamps import format_instant
from clickproof.services.schedules import HistoryEntry
from clickproof.store.retention import LegalHold
from clickproof.store.schedules import Schedule


def _instant(value: Any) -> str | None:
    return None if value is None else format_instant(value)


def schedule_to_wire(schedule: Schedule) -> dict[str, Any]:
    spec = schedule.spec
    return {
        "id": schedule.id,
        "name": spec.name,
        "site": schedule.site_id,
        "account": schedule.account_id,
        "created_by": schedule.created_by,
        "cron": spec.cron,
        "timezone": spec.timezone,
        "window": spec.window.to_data(),
        "request": spec.request,
        "delivery": None if spec.delivery is None else spec.delivery.to_data(),
        "active": spec.active,
        "next_fire_time": _instant(schedule.next_fire_time),
        "last_fire_time": _instant(schedule.last_fire_time),
        "created_time": format_instant(schedule.created_time),
        "updated_time": format_instant(schedule.updated_time),
    }


def history_to_wire(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "slot_time": format_instant(entry.firing.slot_time),
        "fired_time": format_instant(entry.firing.fired_time),
        "job_id": entry.firing.job_id,
        "error": entry.firing.error,
        "job": None if entry.job is None else job_to_wire(entry.job),
    }


def hold_to_wire(hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "site": hold.site_id,
        "job_id": hold.job_id,
        "scope": "site" if hold.job_id is None else "job",
        "reason": hold.reason,
        "created_by": hold.created_by,
        "created_time": format_instant(hold.created_time),
        "released_by": hold.released_by,
        "released_time": _instant(hold.released_time),
        "active": hold.released_time is None,
    }


_TEMPLATE_SCHEMA = copy.deepcopy(EXPORT_REQUEST_SCHEMA)
_TEMPLATE_SCHEMA.pop("required", None)
_TEMPLATE_SCHEMA.get("properties", {}).pop("start_date", None)
_TEMPLATE_SCHEMA.get("properties", {}).pop("end_date", None)
_TEMPLATE_SCHEMA["description"] = (
    "An EvidenceExportRequest without start_date and end_date (the window sets them at each firing)."
)

WINDOW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"type": "string", "enum": list(WINDOW_KINDS)},
        "days": {"type": "integer", "minimum": 1, "description": "For last_n_days only."},
    },
    "description": "Whole local days before the day of the firing, in the schedule's timezone.",
}
DELIVERY_SCHEMA: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "s3_prefix": or_null({"type": "string"}),
        "webhook_endpoint_id": or_null({"type": "string"}),
    },
}
_SCHEDULE_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
    "cron": {"type": "string", "example": "0 6 * * 1", "description": "Five cron fields."},
    "timezone": {"type": "string", "example": "Europe/Berlin", "description": "IANA timezone."},
    "window": WINDOW_SCHEMA,
    "request": _TEMPLATE_SCHEMA,
    "active": {"type": "boolean", "default": True},
    "delivery": DELIVERY_SCHEMA,
}
SCHEDULE_EXAMPLE: dict[str, Any] = {
    "name": "Last week's acceptances",
    "cron": "0 6 * * 1",
    "timezone": "Europe/Berlin",
    "window": {"kind": "previous_week"},
    "request": {"export_types": ["clickwrap_activities"]},
    "delivery": {"s3_prefix": "compliance/weekly/"},
}
SCHEDULE_CREATE_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["name", "cron", "timezone", "window", "request"],
                "properties": copy.deepcopy(_SCHEDULE_FIELDS),
            },
            "example": SCHEDULE_EXAMPLE,
        }
    },
}
SCHEDULE_PATCH_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": copy.deepcopy(_SCHEDULE_FIELDS)},
            "example": {"active": False},
        }
    },
}
SCHEDULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Schedule",
    "properties": {
        "id": {"type": "string"},
        "site": {"type": "integer"},
        "account": {"type": "integer"},
        "created_by": {"type": "integer"},
        **copy.deepcopy(_SCHEDULE_FIELDS),
        "next_fire_time": or_null({"type": "string", "format": "date-time"}),
        "last_fire_time": or_null({"type": "string", "format": "date-time"}),
        "created_time": {"type": "string", "format": "date-time"},
        "updated_time": {"type": "string", "format": "date-time"},
    },
}
_PAGE_FIELDS: dict[str, Any] = {
    "count": {"type": "integer"},
    "has_more": {"type": "boolean"},
    "page": {"type": "integer"},
    "per_page": {"type": "integer"},
    "total_count": {"type": "integer"},
}
SCHEDULE_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {**_PAGE_FIELDS, "data": {"type": "array", "items": SCHEDULE_SCHEMA}},
}
HISTORY_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **_PAGE_FIELDS,
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "slot_time": {"type": "string", "format": "date-time"},
                    "fired_time": {"type": "string", "format": "date-time"},
                    "job_id": or_null({"type": "string"}),
                    "error": or_null({"type": "string"}),
                    # The seed's job schema kept whole (byte for byte), or null.
                    "job": {"anyOf": [copy.deepcopy(SCHEDULED_JOB_RESPONSE), {"type": "null"}]},
                },
            },
        },
    },
}
HOLD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "LegalHold",
    "properties": {
        "id": {"type": "string"},
        "site": {"type": "integer"},
        "job_id": or_null({"type": "string"}),
        "scope": {"type": "string", "enum": ["job", "site"]},
        "reason": {"type": "string"},
        "created_by": {"type": "string"},
        "created_time": {"type": "string", "format": "date-time"},
        "released_by": or_null({"type": "string"}),
        "released_time": or_null({"type": "string", "format": "date-time"}),
        "active": {"type": "boolean"},
    },
}
HOLD_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {**_PAGE_FIELDS, "data": {"type": "array", "items": HOLD_SCHEMA}},
}
HOLD_CREATE_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["reason"],
                "additionalProperties": False,
                "properties": {
                    "reason": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "\\S"},
                    "job_id": {
                        "type": ["string", "null"],
                        "description": "The export job to hold; omitted: the whole site.",
                    },
                },
            },
            "example": {"reason": "Matter 2026-114: preserve all exports", "job_id": None},
        }
    },
}
