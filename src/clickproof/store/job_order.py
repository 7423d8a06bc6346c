"""Which job a free worker takes: fair across sites (docs/adr/0018)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.export_job import JobStatus
from clickproof.store.tables import export_jobs


def claimable(now: datetime) -> ColumnElement[bool]:
    """Jobs a worker may take now: waiting (past any retry time), or started with an expired lease."""
    return or_(
        and_(
            export_jobs.c.status.in_((JobStatus.PENDING.value, JobStatus.SCHEDULED.value)),
            or_(export_jobs.c.retry_time.is_(None), export_jobs.c.retry_time <= now),
        ),
        and_(
            export_jobs.c.status == JobStatus.STARTED.value,
            or_(export_jobs.c.lease_expires_time.is_(None), export_jobs.c.lease_expires_time <= now),
        ),
    )


def running(now: datetime) -> ColumnElement[bool]:
    return and_(export_jobs.c.status == JobStatus.STARTED.value, export_jobs.c.lease_expires_time > now)


def next_fair_job(engine: Engine, *, now: datetime, running_per_site: int = 0) -> str | None:
    """The job a free worker should take: of the sites with a claimable job (and, with a cap,
    fewer than `running_per_site` running), the one with the fewest running, then the one
    served least recently (its newest started or finished job), then the one waiting longest;
    its oldest claimable job. So a site's queue never holds back another site's job longer
    than until the next worker is free."""
    with engine.connect() as conn:
        waiting: dict[int, datetime] = dict(
            conn.execute(
                select(export_jobs.c.site_id, func.min(export_jobs.c.created_time))
                .where(claimable(now))
                .group_by(export_jobs.c.site_id)
            ).all()
        )
        if not waiting:
            return None
        in_sites = export_jobs.c.site_id.in_(list(waiting))
        busy: dict[int, int] = dict(
            conn.execute(
                select(export_jobs.c.site_id, func.count())
                .where(in_sites, running(now))
                .group_by(export_jobs.c.site_id)
            ).all()
        )
        served: dict[int, datetime] = dict(
            conn.execute(
                select(export_jobs.c.site_id, func.max(export_jobs.c.updated_time))
                .where(in_sites, export_jobs.c.attempt > 0)
                .group_by(export_jobs.c.site_id)
            ).all()
        )
        open_sites = [
            site for site in waiting if not running_per_site or busy.get(site, 0) < running_per_site
        ]
        if not open_sites:
            return None
        never = datetime.min.replace(tzinfo=now.tzinfo)
        site = min(open_sites, key=lambda s: (busy.get(s, 0), served.get(s) or never, waiting[s], s))
        job_id = conn.execute(
            select(export_jobs.c.id)
            .where(export_jobs.c.site_id == site, claimable(now))
            .order_by(export_jobs.c.created_time, export_jobs.c.id)
            .limit(1)
        ).scalar()
        return None if job_id is None else str(job_id)
