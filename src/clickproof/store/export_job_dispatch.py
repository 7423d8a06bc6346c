"""Which export job goes to a worker: the fair next one, the stamp of a (re)dispatch, and what the
sweeper must send again (lost dispatches, expired leases)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, select, update

from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.store.export_job_rows import job_from_row
from clickproof.store.job_order import next_fair_job
from clickproof.store.tables import export_jobs


class ExportJobDispatch:
    engine: Engine

    def mark_dispatched(self, job_id: str, now: datetime, message: str) -> bool:
        """pending/scheduled → scheduled, stamping when the job was (re)sent to the engine."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.status.in_((JobStatus.PENDING.value, JobStatus.SCHEDULED.value)),
                )
                .values(
                    status=JobStatus.SCHEDULED.value, dispatched_time=now, updated_time=now, message=message
                )
            )
            return result.rowcount == 1

    def next_fair(self, *, now: datetime, running_per_site: int = 0) -> str | None:
        """The job a free worker should take now (store/job_order.py)."""
        return next_fair_job(self.engine, now=now, running_per_site=running_per_site)

    def needing_dispatch(self, *, now: datetime, grace: timedelta, limit: int = 100) -> list[ExportJob]:
        """Jobs whose dispatch may have been lost, and started jobs whose lease expired."""
        stale = now - grace
        waiting = and_(
            export_jobs.c.status.in_((JobStatus.PENDING.value, JobStatus.SCHEDULED.value)),
            or_(export_jobs.c.dispatched_time.is_(None), export_jobs.c.dispatched_time <= stale),
            or_(export_jobs.c.retry_time.is_(None), export_jobs.c.retry_time <= now),
        )
        expired = and_(
            export_jobs.c.status == JobStatus.STARTED.value, export_jobs.c.lease_expires_time <= now
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(export_jobs)
                .where(or_(waiting, expired))
                .order_by(export_jobs.c.created_time)
                .limit(limit)
            ).all()
            return [job_from_row(r) for r in rows]
