"""The status changes of an export job's attempts: claim, heartbeat, succeed, fail, cancel, hand
back. Every change is a compare-and-set on (status, attempt), so a duplicate or late worker can
never overwrite a winner. A final status (success, failed) calls the job event hub inside its
transaction and again after the commit (domain/job_events.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, insert, select, update

from clickproof.domain.export_job import ExportFile, ExportJob, JobStatus
from clickproof.domain.job_events import JobEventHub
from clickproof.store.export_job_rows import ACTIVE, job_from_row, lock_site, read_job
from clickproof.store.job_order import running
from clickproof.store.tables import export_files, export_jobs


class ExportJobTransitions:
    engine: Engine
    events: JobEventHub

    def _finishing(self, conn: Connection, job_id: str) -> ExportJob:
        """The in-transaction listeners of the final status; the job as it commits."""
        job = read_job(conn, job_id)
        self.events.export_finishing(conn, job)
        return job

    def _update_attempt(self, job_id: str, attempt: int, values: dict[str, Any]) -> bool:
        """Set `values` on the job while `attempt` still holds it (started); False when it lost it."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.attempt == attempt,
                    export_jobs.c.status == JobStatus.STARTED.value,
                )
                .values(**values)
            )
            return result.rowcount == 1

    def claim(
        self,
        job_id: str,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        message: str,
        running_per_site: int = 0,
    ) -> ExportJob | None:
        """Take the job for one attempt, or return None if someone else holds it or it is finished
        (or, with `running_per_site`, when its site already runs that many: counted under a lock
        on the site, so concurrent claims in any process count one another).

        Claimable: pending or scheduled, or started with an expired lease (its worker died).
        """
        with self.engine.begin() as conn:
            row = conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).first()
            if row is None:
                return None
            if running_per_site:
                lock_site(conn, row.site_id)
                row = conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).one()
                busy = conn.execute(
                    select(func.count())
                    .select_from(export_jobs)
                    .where(export_jobs.c.site_id == row.site_id, running(now), export_jobs.c.id != job_id)
                ).scalar_one()
                if busy >= running_per_site:
                    return None
            status = JobStatus(row.status)
            expired = status is JobStatus.STARTED and (
                row.lease_expires_time is None or row.lease_expires_time <= now
            )
            if status not in (JobStatus.PENDING, JobStatus.SCHEDULED) and not expired:
                return None
            if not expired and row.retry_time is not None and row.retry_time > now:
                return None  # backing off after a failed attempt
            attempt = row.attempt + 1
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.status == row.status,
                    export_jobs.c.attempt == row.attempt,
                )
                .values(
                    status=JobStatus.STARTED.value,
                    attempt=attempt,
                    retry_count=max(attempt - row.handed_back - 1, 0),
                    lease_owner=owner,
                    lease_expires_time=now + lease,
                    updated_time=now,
                    message=message,
                    processed=0,
                    total=None,
                )
            )
            if result.rowcount != 1:
                return None
            claimed = conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).one()
            return job_from_row(claimed)

    def heartbeat(
        self,
        job_id: str,
        *,
        attempt: int,
        now: datetime,
        lease: timedelta,
        processed: int,
        total: int | None,
        message: str | None = None,
    ) -> bool:
        """Record progress and extend the lease; False means this attempt lost the job."""
        values: dict[str, Any] = {
            "processed": processed,
            "total": total,
            "lease_expires_time": now + lease,
            "updated_time": now,
        }
        if message is not None:
            values["message"] = message
        return self._update_attempt(job_id, attempt, values)

    def succeed(
        self,
        job_id: str,
        *,
        attempt: int,
        now: datetime,
        message: str,
        files: list[ExportFile],
        processed: int,
    ) -> bool:
        """The single commit point of an export: files and status change in one transaction."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.attempt == attempt,
                    export_jobs.c.status == JobStatus.STARTED.value,
                )
                .values(
                    status=JobStatus.SUCCESS.value,
                    active=False,
                    message=message,
                    processed=processed,
                    total=processed,
                    updated_time=now,
                    lease_owner=None,
                    lease_expires_time=None,
                )
            )
            if result.rowcount != 1:
                conn.rollback()
                return False
            for f in files:
                conn.execute(
                    insert(export_files).values(
                        job_id=job_id,
                        name=f.name,
                        export_type=f.export_type,
                        storage_key=f.storage_key,
                        content_type=f.content_type,
                        size=f.size,
                        sha256=f.sha256,
                        rows=f.rows,
                        position=f.position,
                    )
                )
            job = self._finishing(conn, job_id)
        self.events.export_finished(job)
        return True

    def _end_failed(
        self,
        job_id: str,
        *,
        now: datetime,
        message: str,
        conditions: Sequence[ColumnElement[bool]] = (),
        **extra: Any,
    ) -> bool:
        """An active job (narrowed by `conditions`) → failed, with `extra` column values; the final
        status goes to the job event hub. False when there was no such job to end."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(export_jobs.c.id == job_id, export_jobs.c.status.in_(ACTIVE), *conditions)
                .values(
                    status=JobStatus.FAILED.value,
                    active=False,
                    message=message[:500],
                    updated_time=now,
                    lease_owner=None,
                    lease_expires_time=None,
                    **extra,
                )
            )
            if result.rowcount != 1:
                return False
            job = self._finishing(conn, job_id)
        self.events.export_finished(job)
        return True

    def fail(self, job_id: str, *, attempt: int | None, now: datetime, message: str) -> bool:
        conditions = [] if attempt is None else [export_jobs.c.attempt == attempt]
        return self._end_failed(job_id, now=now, message=message, conditions=conditions)

    def cancel(self, job_id: str, *, by: str, now: datetime, message: str) -> bool:
        """pending/scheduled/started → failed, recording who cancelled. A started attempt learns it
        at its next heartbeat (which requires `started`) and stops without committing."""
        return self._end_failed(job_id, now=now, message=message, cancelled_by=by, cancelled_time=now)

    def release(
        self,
        job_id: str,
        *,
        attempt: int,
        now: datetime,
        message: str,
        retry_time: datetime | None = None,
        handed_back: bool = False,
    ) -> bool:
        """Give a started job back: started → scheduled, to be taken again from `retry_time` on
        (at once when None). After a failed attempt the attempt stays spent; with `handed_back`
        (a graceful shutdown stopped it) it is counted in `handed_back` and spends none."""
        values: dict[str, Any] = {
            "status": JobStatus.SCHEDULED.value,
            "lease_owner": None,
            "lease_expires_time": None,
            "dispatched_time": None,
            "retry_time": retry_time,
            "updated_time": now,
            "message": message,
        }
        if handed_back:
            values["handed_back"] = export_jobs.c.handed_back + 1
        return self._update_attempt(job_id, attempt, values)

    def requeue_expired(self, job_id: str, *, now: datetime, message: str) -> bool:
        """started with an expired lease → scheduled: its worker died or hung."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.status == JobStatus.STARTED.value,
                    export_jobs.c.lease_expires_time <= now,
                )
                .values(
                    status=JobStatus.SCHEDULED.value,
                    lease_owner=None,
                    lease_expires_time=None,
                    dispatched_time=now,
                    updated_time=now,
                    message=message,
                )
            )
            return result.rowcount == 1
