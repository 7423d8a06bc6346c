"""Reading export job rows: a row (and its files) as an `ExportJob`, and the per-site lock that
serializes counting a site's jobs across processes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from clickproof.domain.export_job import (
    ExportFile,
    ExportJob,
    JobSource,
    JobStatus,
    PrefixDeliveryState,
)
from clickproof.store.tables import export_files, export_jobs, sites

ACTIVE = (JobStatus.PENDING.value, JobStatus.SCHEDULED.value, JobStatus.STARTED.value)


def job_from_row(row: Any, files: tuple[ExportFile, ...] = ()) -> ExportJob:
    m = row._mapping
    return ExportJob(
        id=m["id"],
        account_id=m["account_id"],
        site_id=m["site_id"],
        created_by=m["created_by"],
        token_id=m["token_id"],
        job_name=m["job_name"],
        source=JobSource(m["source"]),
        status=JobStatus(m["status"]),
        active=bool(m["active"]),
        message=m["message"],
        data=m["data"],
        retry_count=m["retry_count"],
        attempt=m["attempt"],
        lease_owner=m["lease_owner"],
        lease_expires_time=m["lease_expires_time"],
        processed=m["processed"],
        total=m["total"],
        created_time=m["created_time"],
        updated_time=m["updated_time"],
        files=files,
        cancelled_by=m["cancelled_by"],
        cancelled_time=m["cancelled_time"],
        expired_time=m["expired_time"],
        purged_time=m["purged_time"],
        request_id=m["request_id"],
        handed_back=m["handed_back"],
        delivery=None
        if m["delivery_status"] is None
        else PrefixDeliveryState(
            status=m["delivery_status"],
            attempts=m["delivery_attempts"],
            message=m["delivery_message"],
            retry_time=m["delivery_retry_time"],
        ),
    )


def files_of(conn: Connection, job_id: str) -> tuple[ExportFile, ...]:
    rows = conn.execute(
        select(export_files).where(export_files.c.job_id == job_id).order_by(export_files.c.position)
    ).all()
    return tuple(
        ExportFile(
            name=r.name,
            export_type=r.export_type,
            storage_key=r.storage_key,
            content_type=r.content_type,
            size=r.size,
            sha256=r.sha256,
            rows=r.rows,
            position=r.position,
        )
        for r in rows
    )


def read_job(conn: Connection, job_id: str) -> ExportJob:
    """The job with its files, as `conn` sees it (inside a transaction: as it will commit)."""
    row = conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).one()
    return job_from_row(row, files_of(conn, job_id))


def lock_site(conn: Connection, site_id: int) -> None:
    """Serialize per site until `conn` commits: PostgreSQL locks the site's row; on SQLite a write
    takes the database's write lock now instead of at the transaction's first real write."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(sites.c.id).where(sites.c.id == site_id).with_for_update())
    else:
        conn.execute(update(sites).where(sites.c.id == site_id).values(id=sites.c.id))
