"""What /metrics reads from the database at scrape time: the same answer from every process."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from clickproof.store.tables import chain_heads, export_jobs, webhook_deliveries, webhook_endpoints


@dataclass(frozen=True)
class OperationsSnapshot:
    jobs: dict[tuple[str, str], int]  # (status, source) → jobs
    deliveries: dict[tuple[str, str], int]  # (event type, status) → deliveries
    disabled_endpoints: int
    chain_activities: int  # activities appended to all sites' chains


def snapshot(engine: Engine) -> OperationsSnapshot:
    with engine.connect() as conn:
        jobs = conn.execute(
            select(export_jobs.c.status, export_jobs.c.source, func.count()).group_by(
                export_jobs.c.status, export_jobs.c.source
            )
        ).all()
        deliveries = conn.execute(
            select(webhook_deliveries.c.event_type, webhook_deliveries.c.status, func.count()).group_by(
                webhook_deliveries.c.event_type, webhook_deliveries.c.status
            )
        ).all()
        disabled = conn.execute(
            select(func.count()).select_from(webhook_endpoints).where(webhook_endpoints.c.enabled.is_(False))
        ).scalar_one()
        chained = conn.execute(select(func.coalesce(func.sum(chain_heads.c.seq), 0))).scalar_one()
    return OperationsSnapshot(
        jobs={(r[0], r[1]): int(r[2]) for r in jobs},
        deliveries={(r[0], r[1]): int(r[2]) for r in deliveries},
        disabled_endpoints=int(disabled),
        chain_activities=int(chained),
    )
