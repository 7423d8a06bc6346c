"""The state of a schedule's prefix delivery, kept on its job's row: pending (to be copied, from
`delivery_retry_time` on), delivered, failed. A copy is claimed by compare-and-set on
(`delivery_status`, `delivery_attempts`) with a lease, so of several sweepers one copies."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from clickproof.store.tables import export_jobs

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


class PrefixDeliveryStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def mark_pending(conn: Connection, job_id: str, now: datetime) -> None:
        """In the transaction that commits the job's success: its files are to be copied."""
        conn.execute(
            update(export_jobs)
            .where(export_jobs.c.id == job_id)
            .values(
                delivery_status=PENDING,
                delivery_attempts=0,
                delivery_retry_time=now,
                delivery_message="The files wait to be copied to the delivery prefix.",
            )
        )

    def due(self, *, now: datetime, limit: int = 50) -> list[str]:
        """Jobs whose copy is due: new, backed off long enough, or whose copier's lease ran out."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(export_jobs.c.id)
                .where(
                    export_jobs.c.delivery_status == PENDING,
                    export_jobs.c.delivery_retry_time <= now,
                )
                .order_by(export_jobs.c.delivery_retry_time)
                .limit(limit)
            ).all()
        return [r.id for r in rows]

    def claim(self, job_id: str, *, now: datetime, lease: timedelta) -> int | None:
        """Take the copy for one attempt: its number, or None when it is not due or taken."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(
                    export_jobs.c.delivery_status,
                    export_jobs.c.delivery_attempts,
                    export_jobs.c.delivery_retry_time,
                ).where(export_jobs.c.id == job_id)
            ).first()
            if row is None or row.delivery_status != PENDING:
                return None
            if row.delivery_retry_time is not None and row.delivery_retry_time > now:
                return None
            attempt = row.delivery_attempts + 1
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.delivery_status == PENDING,
                    export_jobs.c.delivery_attempts == row.delivery_attempts,
                )
                .values(delivery_attempts=attempt, delivery_retry_time=now + lease)
            )
            return attempt if result.rowcount == 1 else None

    def record(
        self, job_id: str, *, attempt: int, status: str, message: str, retry_time: datetime | None
    ) -> bool:
        """The outcome of attempt `attempt`; False when another copier took the delivery over."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_jobs)
                .where(
                    export_jobs.c.id == job_id,
                    export_jobs.c.delivery_status == PENDING,
                    export_jobs.c.delivery_attempts == attempt,
                )
                .values(
                    delivery_status=status, delivery_message=message[:500], delivery_retry_time=retry_time
                )
            )
            return result.rowcount == 1
