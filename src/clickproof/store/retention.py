"""All SQL about retention: legal holds, and which successful jobs' files expire.

A job expires (compare-and-set on `expired_time`) only while no unreleased hold covers it (a
hold on the job, or on its whole site), checked in the same UPDATE; its blobs are deleted
after, and `purged_time` records that they are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, exists, func, insert, or_, select, update

from clickproof.domain.export_job import JobStatus
from clickproof.store.tables import export_jobs, legal_holds, sites


@dataclass(frozen=True)
class LegalHold:
    id: str
    account_id: int
    site_id: int
    job_id: str | None
    reason: str
    created_by: str
    created_time: datetime
    released_by: str | None
    released_time: datetime | None


def _to_hold(row: Any) -> LegalHold:
    return LegalHold(
        row.id,
        row.account_id,
        row.site_id,
        row.job_id,
        row.reason,
        row.created_by,
        row.created_time,
        row.released_by,
        row.released_time,
    )


def _held() -> ColumnElement[bool]:
    """An unreleased hold covers the job of the enclosing query (its own, or its site's)."""
    return exists().where(
        legal_holds.c.released_time.is_(None),
        legal_holds.c.site_id == export_jobs.c.site_id,
        or_(legal_holds.c.job_id.is_(None), legal_holds.c.job_id == export_jobs.c.id),
    )


class RetentionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- holds ------------------------------------------------------------------------------------

    def create_hold(
        self,
        *,
        hold_id: str,
        account_id: int,
        site_id: int,
        job_id: str | None,
        reason: str,
        by: str,
        now: datetime,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(legal_holds).values(
                    id=hold_id,
                    account_id=account_id,
                    site_id=site_id,
                    job_id=job_id,
                    reason=reason,
                    created_by=by,
                    created_time=now,
                )
            )

    def hold(self, hold_id: str, *, site_id: int) -> LegalHold | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(legal_holds).where(legal_holds.c.id == hold_id, legal_holds.c.site_id == site_id)
            ).first()
            return None if row is None else _to_hold(row)

    def release_hold(self, hold_id: str, *, by: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(legal_holds)
                .where(legal_holds.c.id == hold_id, legal_holds.c.released_time.is_(None))
                .values(released_by=by, released_time=now)
            )
            return result.rowcount == 1

    def holds(
        self, *, site_id: int, job_id: str | None = None, offset: int = 0, limit: int = 100
    ) -> tuple[list[LegalHold], int]:
        """A site's holds (with `job_id`, that job's), released ones too, newest first."""
        where = legal_holds.c.site_id == site_id
        if job_id is not None:
            where = and_(where, legal_holds.c.job_id == job_id)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(legal_holds).where(where)).scalar_one()
            rows = conn.execute(
                select(legal_holds)
                .where(where)
                .order_by(legal_holds.c.created_time.desc(), legal_holds.c.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return [_to_hold(r) for r in rows], int(total)

    def is_held(self, job_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(_held()).where(export_jobs.c.id == job_id)).scalar() is True

    # -- expiry -----------------------------------------------------------------------------------

    def retention_days(self) -> list[tuple[int, int]]:
        """(site id, retention days) of every site."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(sites.c.id, sites.c.retention_days).order_by(sites.c.id)).all()
            return [(int(r.id), int(r.retention_days)) for r in rows]

    def expirable(self, *, site_id: int, finished_before: datetime, limit: int = 100) -> list[str]:
        """Successful jobs of the site finished before the cutoff, not expired, not held."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(export_jobs.c.id)
                .where(
                    export_jobs.c.site_id == site_id,
                    export_jobs.c.status == JobStatus.SUCCESS.value,
                    export_jobs.c.expired_time.is_(None),
                    export_jobs.c.updated_time <= finished_before,
                    ~_held(),
                )
                .order_by(export_jobs.c.updated_time)
                .limit(limit)
            ).all()
            return [str(r.id) for r in rows]

    def mark_expired(self, job_id: str, *, now: datetime) -> bool:
        """Expire the job unless a hold arrived meanwhile; only then may its blobs be deleted."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.status == JobStatus.SUCCESS.value,
                    export_jobs.c.expired_time.is_(None),
                    ~_held(),
                )
                .values(expired_time=now, active=False, updated_time=now)
            )
            return result.rowcount == 1

    def unpurged(self, *, limit: int = 100) -> list[str]:
        """Expired jobs whose blobs are not known to be deleted (a crash between the two steps)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(export_jobs.c.id)
                .where(export_jobs.c.expired_time.is_not(None), export_jobs.c.purged_time.is_(None))
                .order_by(export_jobs.c.expired_time)
                .limit(limit)
            ).all()
            return [str(r.id) for r in rows]

    def mark_purged(self, job_id: str, *, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(export_jobs)
                .where(export_jobs.c.id == job_id, export_jobs.c.purged_time.is_(None))
                .values(purged_time=now)
            )
