"""ScheduledJobResponse and Collection shapes, as the seed defines them."""

from __future__ import annotations

from typing import Any

from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.timestamps import format_instant


def job_to_wire(job: ExportJob) -> dict[str, Any]:
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
