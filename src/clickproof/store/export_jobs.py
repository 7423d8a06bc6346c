"""All SQL about export jobs and their files. The job row is the truth; every change is a
compare-and-set on (status, attempt) so a duplicate or late worker can never overwrite a winner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update

from clickproof.domain.export_job import (
    ExportFile,
    ExportJob,
    JobSource,
    JobStatus,
)
from clickproof.store.job_order import next_fair_job, running
from clickproof.store.tables import export_files, export_jobs, sites

# Called in the transaction that commits a job's final status (success or failed), with the job
# as committed: webhooks queue export.succeeded / export.failed there (services/webhooks).
FinalStatusHook = Callable[[Connection, ExportJob], None]
_ACTIVE = (JobStatus.PENDING.value, JobStatus.SCHEDULED.value, JobStatus.STARTED.value)


def _to_job(row: Any, files: tuple[ExportFile, ...] = ()) -> ExportJob:
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
    )


def _lock_site(conn: Connection, site_id: int) -> None:
    """Serialize per site until `conn` commits: PostgreSQL locks the site's row; on SQLite a write
    takes the database's write lock now instead of at the transaction's first real write."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(sites.c.id).where(sites.c.id == site_id).with_for_update())
    else:
        conn.execute(update(sites).where(sites.c.id == site_id).values(id=sites.c.id))


class ExportJobStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.on_final_status: list[FinalStatusHook] = []

    def _final_status(self, conn: Connection, job_id: str) -> None:
        if self.on_final_status:
            job = _to_job(
                conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).one(),
                self._files(conn, job_id),
            )
            for hook in self.on_final_status:
                hook(conn, job)

    # -- creation and reads -------------------------------------------------------------------

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
        _lock_site(conn, site_id)
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
            return _to_job(row, self._files(conn, job_id))

    def _files(self, conn: Connection, job_id: str) -> tuple[ExportFile, ...]:
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
            return [_to_job(r, self._files(conn, r.id)) for r in rows], int(total)

    # -- dispatch and claim -------------------------------------------------------------------

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
                _lock_site(conn, row.site_id)
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
                    retry_count=max(attempt - 1, 0),
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
            return _to_job(claimed)

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
            self._final_status(conn, job_id)
            return True

    def fail(self, job_id: str, *, attempt: int | None, now: datetime, message: str) -> bool:
        conditions = [export_jobs.c.id == job_id, export_jobs.c.status.in_(_ACTIVE)]
        if attempt is not None:
            conditions.append(export_jobs.c.attempt == attempt)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(*conditions)
                .values(
                    status=JobStatus.FAILED.value,
                    active=False,
                    message=message[:500],
                    updated_time=now,
                    lease_owner=None,
                    lease_expires_time=None,
                )
            )
            if result.rowcount == 1:
                self._final_status(conn, job_id)
            return result.rowcount == 1

    def cancel(self, job_id: str, *, by: str, now: datetime, message: str) -> bool:
        """pending/scheduled/started → failed, recording who cancelled. A started attempt learns it
        at its next heartbeat (which requires `started`) and stops without committing."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(export_jobs.c.id == job_id, export_jobs.c.status.in_(_ACTIVE))
                .values(
                    status=JobStatus.FAILED.value,
                    active=False,
                    message=message[:500],
                    cancelled_by=by,
                    cancelled_time=now,
                    updated_time=now,
                    lease_owner=None,
                    lease_expires_time=None,
                )
            )
            return result.rowcount == 1

    def release(
        self, job_id: str, *, attempt: int, now: datetime, message: str, retry_time: datetime | None = None
    ) -> bool:
        """Give a started job back (graceful stop or a recoverable error): started → scheduled,
        to be taken again from `retry_time` on (at once when None)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.attempt == attempt,
                    export_jobs.c.status == JobStatus.STARTED.value,
                )
                .values(
                    status=JobStatus.SCHEDULED.value,
                    lease_owner=None,
                    lease_expires_time=None,
                    dispatched_time=None,
                    retry_time=retry_time,
                    updated_time=now,
                    message=message,
                )
            )
            return result.rowcount == 1

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

    # -- the sweeper ----------------------------------------------------------------------------

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
            return [_to_job(r) for r in rows]
