"""Webhook events: their names, their payloads and the retry schedule of a delivery. No I/O.

Two body formats (docs/webhooks.md):
- `standard`: the Standard Webhooks envelope `{"type", "timestamp", "data"}` for every event;
- `ironclad`: activity events as Ironclad Clickwrap's flat payload (`type: "webhook"`,
  `event_type`, `site`, `contract`, `activity`, …), for receivers written against Ironclad;
  other events keep the standard envelope.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from clickproof.domain.activity import Activity
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.timestamps import format_instant

ACTIVITY_EVENT_TYPES = ("agreed", "disagreed", "displayed", "visited", "updated", "sent")
EXPORT_SUCCEEDED = "export.succeeded"
EXPORT_FAILED = "export.failed"
SCHEDULE_FIRED = "schedule.fired"
EVENTS: tuple[str, ...] = (
    EXPORT_SUCCEEDED,
    EXPORT_FAILED,
    SCHEDULE_FIRED,
    *(f"activity.{e}" for e in ACTIVITY_EVENT_TYPES),
)
MAX_RETRY_DELAY_SECONDS = 6 * 3600.0
RESPONSE_EXCERPT_BYTES = 1024


class PayloadFormat(StrEnum):
    STANDARD = "standard"
    IRONCLAD = "ironclad"


@dataclass(frozen=True)
class EndpointRef:
    """What a payload names of the endpoint it goes to."""

    id: str
    url: str
    payload_format: PayloadFormat


def activity_event(event_type: str) -> str:
    return f"activity.{event_type}"


def envelope(event: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event, "timestamp": format_instant(at), "data": data}


def export_data(job: ExportJob) -> dict[str, Any]:
    """The `data` of export.succeeded / export.failed: the job, its files (no links: a receiver
    asks GET /v1.1/extract/evidence/{id}/urls with its own token)."""
    data: dict[str, Any] = {
        "id": job.id,
        "job_name": job.job_name,
        "status": job.status.value,
        "source": job.source.value,
        "account": job.account_id,
        "site": job.site_id,
        "message": job.message,
        "retry_count": job.retry_count,
        "created_time": format_instant(job.created_time),
        "updated_time": format_instant(job.updated_time),
    }
    if "schedule_id" in job.data:
        data["schedule_id"] = job.data["schedule_id"]
    if job.status is JobStatus.SUCCESS:
        data["row_count"] = job.processed
        data["files"] = [
            {"name": f.name, "export_type": f.export_type, "size": f.size, "sha256": f.sha256, "rows": f.rows}
            for f in job.files
        ]
    return data


def schedule_fired_data(
    *, schedule_id: str, site_id: int, job_id: str, slot: datetime, start: datetime, end: datetime
) -> dict[str, Any]:
    """The `data` of schedule.fired: which schedule, which slot, the job it created and the
    absolute window frozen at firing."""
    return {
        "schedule_id": schedule_id,
        "site": site_id,
        "job_id": job_id,
        "slot_time": format_instant(slot),
        "start_date": format_instant(start),
        "end_date": format_instant(end),
    }


def activity_data(activity: Activity) -> dict[str, Any]:
    return {
        "activity": activity.id,
        "event_type": activity.event_type,
        "site": activity.site_id,
        "group": activity.group_id,
        "contract": activity.contract_id,
        "version": activity.version_id,
        "signer_id": activity.signer_id,
        "batch": activity.batch,
        "test_mode": activity.test_mode,
        "custom_data": activity.custom_data,
        "created_time": format_instant(activity.created_time),
    }


def activity_body(endpoint: EndpointRef, delivery_id: str, activity: Activity, at: datetime) -> str:
    """The body of an activity event for one endpoint, in the endpoint's format."""
    data = activity_data(activity)
    if endpoint.payload_format is PayloadFormat.IRONCLAD:
        created = format_instant(activity.created_time)
        return encode(
            {
                "type": "webhook",
                "integration": endpoint.id,
                "sent_to": endpoint.url,
                "event_type": activity.event_type,
                "description": _description(activity),
                "site": activity.site_id,
                "group": activity.group_id,
                "contract": activity.contract_id,
                "version": activity.version_id,
                "activity": activity.id,
                "signer_id": activity.signer_id,
                "custom_data": activity.custom_data,
                "deliverable": None,
                "created_time": created,
                "updated_time": created,
                "id": delivery_id,
            }
        )
    return encode(envelope(activity_event(activity.event_type), at, data))


def _description(activity: Activity) -> str:
    who = activity.signer_id or "An anonymous signer"
    return f"{who} {activity.event_type} contract {activity.contract_id} (version {activity.version_id})."


def encode(body: dict[str, Any]) -> str:
    """Compact JSON, UTF-8 text as is: the exact bytes that are signed and sent."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def retry_delay(attempt: int, base_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, …): base * 2^(attempt - 1), at most
    six hours, less up to 10% jitter so endpoints that failed together do not retry in step."""
    ceiling = min(MAX_RETRY_DELAY_SECONDS, base_seconds * 2.0 ** max(attempt - 1, 0))
    return (rng or random.SystemRandom()).uniform(ceiling * 0.9, ceiling)


def schedule(max_attempts: int, base_seconds: float) -> list[float]:
    """The nominal wait before each retry (without jitter), as docs/webhooks.md tabulates it."""
    return [min(MAX_RETRY_DELAY_SECONDS, base_seconds * 2.0 ** (n - 1)) for n in range(1, max_attempts)]
