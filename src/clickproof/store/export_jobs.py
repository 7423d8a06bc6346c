"""All SQL about export jobs and their files. The job row is the truth.

`ExportJobStore` is the one store callers use; its parts live beside it by responsibility:
rows as jobs (`export_job_rows`), attempts' status changes (`export_job_transitions`), dispatch
and the sweeper's reads (`export_job_dispatch`). Creation and the API's reads are here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select

from clickproof.domain.export_job import ExportJob, JobSource, JobStatus
from clickproof.domain.job_events import JobEventHub
from clickproof.store.export_job_dispatch import ExportJobDispatch
from clickproof.store.export_job_rows import files_of, job_from_row, lock_site
from clickproof.store.export_job_transitions import ExportJobTransitions
from clickproof.store.tables import export_jobs


class ExportJobStore(ExportJobTransitions, ExportJobDispatch):
    def __init__(self, engine: Engine, events: JobEventHub | None = None) -> None:
        self.engine = engine
        # Final statuses are announced here: inside their transaction and after the commit.
        self.events = events or JobEventHub()

    def create(
        self,
        conn: Connection,
        *,
        job_id: str,
        account_id: int,
        site_id: int,
        created_by: int,
        token_id: int | None,
        job_name: str,
        source: JobSource,
        message: str,
        data: dict[str, Any],
        now: datetime,
        request_id: str | None = None,
    ) -> None:
        conn.execute(
            insert(export_jobs).values(
                id=job_id,
                account_id=account_id,
                site_id=site_id,
                created_by=created_by,
                token_id=token_id,
                job_name=job_name,
                source=source.value,
                status=JobStatus.PENDING.value,
                active=True,
                message=message,
                data=data,
                retry_count=0,
                attempt=0,
                processed=0,
                total=None,
                created_time=now,
                updated_time=now,
                request_id=request_id,
            )
        )

    def waiting_for_site(self, conn: Connection, site_id: int) -> int:
        """Jobs of the site that wait for a worker (pending, scheduled), counted under a lock on
        the site's row held until `conn` commits, so concurrent creations count one another."""
        lock_site(conn, site_id)
        waiting = (JobStatus.PENDING.value, JobStatus.SCHEDULED.value)
        return int(
            conn.execute(
                select(func.count())
                .select_from(export_jobs)
                .where(export_jobs.c.site_id == site_id, export_jobs.c.status.in_(waiting))
            ).scalar_one()
        )

    def get(
        self, job_id: str, *, account_id: int | None = None, site_id: int | None = None
    ) -> ExportJob | None:
        """One job; with tenant keys, a job of another tenant is exactly as absent as a missing one."""
        query = select(export_jobs).where(export_jobs.c.id == job_id)
        if account_id is not None:
            query = query.where(export_jobs.c.account_id == account_id)
        if site_id is not None:
            query = query.where(export_jobs.c.site_id == site_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            return job_from_row(row, files_of(conn, job_id))

    def list_for_site(
        self, *, account_id: int, site_id: int, offset: int, limit: int
    ) -> tuple[list[ExportJob], int]:
        where = and_(export_jobs.c.account_id == account_id, export_jobs.c.site_id == site_id)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(export_jobs).where(where)).scalar_one()
            rows = conn.execute(
                select(export_jobs)
                .where(where)
                .order_by(export_jobs.c.created_time.desc(), export_jobs.c.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return [job_from_row(r, files_of(conn, r.id)) for r in rows], int(total)
