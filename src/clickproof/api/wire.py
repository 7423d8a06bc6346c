"""ScheduledJobResponse and Collection shapes, as the seed defines them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.timestamps import format_instant


def job_to_wire(job: ExportJob) -> dict[str, Any]:
    """The job's wire shape; a stored row that cannot be described still lists, with a message."""
    try:
        wire = _describe(job)
        # The response encoder's own rules: UTF-8 (no lone surrogates), finite numbers.
        json.dumps(wire, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:  # UnicodeError is a ValueError
        return _undescribable(job, exc)
    return wire


def _undescribable(job: ExportJob, exc: Exception) -> dict[str, Any]:
    def safe(value: object) -> Any:
        if value is None or isinstance(value, bool | int):
            return value
        return str(value).encode("utf-8", "replace").decode("utf-8")

    def instant(value: object) -> str | None:
        try:
            return format_instant(value) if isinstance(value, datetime) else None
        except (ValueError, OverflowError):
            return None

    status = job.status.value if isinstance(job.status, JobStatus) else safe(job.status)
    return {
        "id": safe(job.id),
        "job_name": safe(job.job_name),
        "status": status,
        "source": safe(getattr(job.source, "value", job.source)),
        "account": safe(job.account_id),
        "site": safe(job.site_id),
        "created_by": safe(job.created_by),
        "active": bool(job.active),
        "message": f"this job's stored record cannot be described ({type(exc).__name__}); it cannot run",
        "created_time": instant(job.created_time),
        "updated_time": instant(job.updated_time),
        "data": {},
        "retry_count": safe(job.retry_count),
    }


def _describe(job: ExportJob) -> dict[str, Any]:
    data = dict(job.data)
    if job.status is JobStatus.STARTED or job.total is not None:
        data["progress"] = {"processed": job.processed, "total": job.total}
    if job.status is JobStatus.SUCCESS:
        data["row_count"] = job.processed
        data["files"] = [
            {
                "name": f.name,
                "export_type": f.export_type,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "rows": f.rows,
            }
            for f in job.files
        ]
    if job.cancelled_time is not None:
        data["cancelled"] = {"by": job.cancelled_by, "time": format_instant(job.cancelled_time)}
    if job.expired_time is not None:
        data["expired_time"] = format_instant(job.expired_time)
    if job.delivery is not None:  # the copy to a schedule's delivery.s3_prefix
        data["delivery_status"] = {
            "status": job.delivery.status,
            "attempts": job.delivery.attempts,
            "message": job.delivery.message,
            "next_attempt_time": (
                format_instant(job.delivery.retry_time)
                if job.delivery.status == "pending" and job.delivery.retry_time is not None
                else None
            ),
        }
    return {
        "id": job.id,
        "job_name": job.job_name,
        "status": job.status.value,
        "source": job.source.value,
        "account": job.account_id,
        "site": job.site_id,
        "created_by": job.created_by,
        "active": job.active,
        "message": job.message,
        "created_time": format_instant(job.created_time),
        "updated_time": format_instant(job.updated_time),
        "data": data,
        "retry_count": job.retry_count,
    }


def collection(items: list[dict[str, Any]], *, page: int, per_page: int, total: int) -> dict[str, Any]:
    return {
        "count": len(items),
        "has_more": page * per_page < total,
        "page": page,
        "per_page": per_page,
        "total_count": total,
        "data": items,
    }
