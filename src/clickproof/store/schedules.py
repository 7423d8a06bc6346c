"""All SQL about export schedules and their firings.

A slot fires once: the firing moves `next_fire_time` by compare-and-set and inserts the slot's
`schedule_firings` row (primary key: schedule, slot) in the transaction that creates the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from clickproof.domain.schedule import ScheduleSpec, spec_from_stored
from clickproof.store.tables import export_schedules, schedule_firings


@dataclass(frozen=True)
class Schedule:
    id: str
    account_id: int
    site_id: int
    created_by: int
    token_id: int | None
    spec: ScheduleSpec
    next_fire_time: datetime | None
    last_fire_time: datetime | None
    created_time: datetime
    updated_time: datetime


@dataclass(frozen=True)
class Firing:
    schedule_id: str
    slot_time: datetime
    job_id: str | None
    error: str | None
    fired_time: datetime


def _to_schedule(row: Any) -> Schedule:
    m = row._mapping
    return Schedule(
        id=m["id"],
        account_id=m["account_id"],
        site_id=m["site_id"],
        created_by=m["created_by"],
        token_id=m["token_id"],
        spec=spec_from_stored(m),
        next_fire_time=m["next_fire_time"],
        last_fire_time=m["last_fire_time"],
        created_time=m["created_time"],
        updated_time=m["updated_time"],
    )


def _spec_values(spec: ScheduleSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "cron": spec.cron,
        "timezone": spec.timezone,
        "window": spec.window.to_data(),
        "request": spec.request,
        "delivery": None if spec.delivery is None else spec.delivery.to_data(),
        "active": spec.active,
    }


class ScheduleStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self,
        *,
        schedule_id: str,
        account_id: int,
        site_id: int,
        created_by: int,
        token_id: int | None,
        spec: ScheduleSpec,
        next_fire_time: datetime | None,
        now: datetime,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(export_schedules).values(
                    id=schedule_id,
                    account_id=account_id,
                    site_id=site_id,
                    created_by=created_by,
                    token_id=token_id,
                    next_fire_time=next_fire_time,
                    last_fire_time=None,
                    created_time=now,
                    updated_time=now,
                    **_spec_values(spec),
                )
            )

    def get(self, schedule_id: str, *, site_id: int | None = None) -> Schedule | None:
        query = select(export_schedules).where(
            export_schedules.c.id == schedule_id, export_schedules.c.deleted_time.is_(None)
        )
        if site_id is not None:
            query = query.where(export_schedules.c.site_id == site_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            return None if row is None else _to_schedule(row)

    def list_for_site(self, *, site_id: int, offset: int, limit: int) -> tuple[list[Schedule], int]:
        where = and_(export_schedules.c.site_id == site_id, export_schedules.c.deleted_time.is_(None))
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(export_schedules).where(where)).scalar_one()
            rows = conn.execute(
                select(export_schedules)
                .where(where)
                .order_by(export_schedules.c.created_time.desc(), export_schedules.c.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return [_to_schedule(r) for r in rows], int(total)

    def update(
        self, schedule_id: str, *, spec: ScheduleSpec, next_fire_time: datetime | None, now: datetime
    ) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_schedules)
                .where(export_schedules.c.id == schedule_id, export_schedules.c.deleted_time.is_(None))
                .values(next_fire_time=next_fire_time, updated_time=now, **_spec_values(spec))
            )
            return result.rowcount == 1

    def delete(self, schedule_id: str, *, now: datetime) -> bool:
        """Soft delete: the schedule stops firing and disappears; its jobs and firings stay."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_schedules)
                .where(export_schedules.c.id == schedule_id, export_schedules.c.deleted_time.is_(None))
                .values(deleted_time=now, updated_time=now, active=False, next_fire_time=None)
            )
            return result.rowcount == 1

    # -- firing ---------------------------------------------------------------------------------

    def due(self, *, now: datetime, limit: int = 100) -> list[Schedule]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(export_schedules)
                .where(
                    export_schedules.c.active.is_(True),
                    export_schedules.c.deleted_time.is_(None),
                    export_schedules.c.next_fire_time <= now,
                )
                .order_by(export_schedules.c.next_fire_time)
                .limit(limit)
            ).all()
            return [_to_schedule(r) for r in rows]

    def claim_slot(
        self,
        conn: Connection,
        schedule: Schedule,
        *,
        slot: datetime,
        following: datetime,
        now: datetime,
    ) -> bool:
        """Move the schedule past `slot` if nobody did (compare-and-set on next_fire_time); the
        caller then records the firing in the same transaction. False: another process fired it."""
        result = conn.execute(
            update(export_schedules)
            .where(
                export_schedules.c.id == schedule.id,
                export_schedules.c.active.is_(True),
                export_schedules.c.deleted_time.is_(None),
                export_schedules.c.next_fire_time == schedule.next_fire_time,
            )
            .values(next_fire_time=following, last_fire_time=slot, updated_time=now)
        )
        return result.rowcount == 1

    def record_firing(
        self,
        conn: Connection,
        *,
        schedule_id: str,
        slot: datetime,
        job_id: str | None,
        error: str | None,
        now: datetime,
    ) -> None:
        """The slot's row; its primary key refuses a second firing of the same slot."""
        conn.execute(
            insert(schedule_firings).values(
                schedule_id=schedule_id, slot_time=slot, job_id=job_id, error=error, fired_time=now
            )
        )

    def firings(self, schedule_id: str, *, offset: int, limit: int) -> tuple[list[Firing], int]:
        where = schedule_firings.c.schedule_id == schedule_id
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(schedule_firings).where(where)).scalar_one()
            rows = conn.execute(
                select(schedule_firings)
                .where(where)
                .order_by(schedule_firings.c.slot_time.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return [Firing(r.schedule_id, r.slot_time, r.job_id, r.error, r.fired_time) for r in rows], int(
                total
            )
