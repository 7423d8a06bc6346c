"""Fires due schedule slots: one ordinary export job (source `cron`) per slot, whatever the
number of processes that try (docs/jobs.md, docs/adr/0019).

Each sweeper calls `fire_due`. For a due schedule it takes the latest slot that passed (catch-up
fires only the latest missed slot), then, in one transaction: moves `next_fire_time` past now by
compare-and-set, records the slot's firing row (its primary key refuses a second firing) and
inserts the job with its window frozen. A process that loses either race rolls back and
creates nothing. The job is dispatched after the commit; if that is lost the sweeper sends it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from clickproof.domain.export_job import JobSource
from clickproof.domain.job_events import JobEventHub, SlotFired
from clickproof.domain.object_id import new_object_id
from clickproof.domain.schedule import latest_due_slot
from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.errors import ClickproofError
from clickproof.services.exports import ExportService
from clickproof.services.schedules import window_request
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.schedules import Schedule, ScheduleStore
from clickproof.store.tenants import TenantStore

log = logging.getLogger("clickproof.schedules")


class ScheduleFiring:
    def __init__(
        self,
        engine: Engine,
        schedules: ScheduleStore,
        exports: ExportService,
        jobs: ExportJobStore,
        tenants: TenantStore,
        events: JobEventHub,
    ) -> None:
        self.engine = engine
        self.schedules = schedules
        self.exports = exports
        self.jobs = jobs
        self.tenants = tenants
        # schedule.fired: in the transaction that claims the slot and creates its job (the
        # webhook is queued atomically with the job), then after the commit and the dispatch.
        self.events = events

    def fire_due(self, now: datetime | None = None) -> int:
        """Fire every due slot; the number of slots this call fired."""
        now = utc_now() if now is None else now
        fired = 0
        for schedule in self.schedules.due(now=now):
            try:
                fired += self._fire(schedule, now)
            except Exception:
                log.exception("schedule.fire_failed schedule=%s", schedule.id)
        return fired

    def _fire(self, schedule: Schedule, now: datetime) -> int:
        assert schedule.next_fire_time is not None
        spec = schedule.spec
        slot, following = latest_due_slot(spec.cron, spec.zone, schedule.next_fire_time, now)
        site = self.tenants.site(schedule.site_id)
        data: dict[str, Any] | None = None
        error: str | None = None
        if site is None:
            error = "the schedule's site no longer exists"
        else:
            try:
                data = self.exports.prepare(site, window_request(spec, slot), now=now)
            except ClickproofError as exc:
                error = f"the request template no longer validates ({exc.field or 'request'}: {exc.message})"
        job_id: str | None = None
        if data is not None:
            job_id = new_object_id()
            data["schedule_id"] = schedule.id
            data["schedule_slot"] = format_instant(slot)
            if spec.delivery is not None:
                data["delivery"] = spec.delivery.to_data()
        try:
            with self.engine.begin() as conn:
                if not self.schedules.claim_slot(conn, schedule, slot=slot, following=following, now=now):
                    conn.rollback()
                    return 0
                if job_id is not None and data is not None and site is not None:
                    self.exports.insert_job(
                        conn,
                        job_id=job_id,
                        site=site,
                        created_by=schedule.created_by,
                        token_id=schedule.token_id,
                        source=JobSource.CRON,
                        data=data,
                        now=now,
                    )
                self.schedules.record_firing(
                    conn, schedule_id=schedule.id, slot=slot, job_id=job_id, error=error, now=now
                )
                if job_id is not None and data is not None:
                    self.events.slot_firing(
                        conn, SlotFired(schedule.id, schedule.site_id, slot, job_id, data)
                    )
        except IntegrityError:
            # The slot fired already (its row exists) though next_fire_time still pointed at it:
            # move on without a second job, so the schedule cannot stay stuck on a fired slot.
            with self.engine.begin() as conn:
                self.schedules.claim_slot(conn, schedule, slot=slot, following=following, now=now)
            log.info("schedule.slot_taken schedule=%s slot=%s", schedule.id, format_instant(slot))
            return 0
        log.info(
            "schedule.fired schedule=%s slot=%s job=%s error=%s",
            schedule.id,
            format_instant(slot),
            job_id,
            error,
        )
        job = None
        if job_id is not None:
            self.exports.dispatch_job(job_id)
            job = self.jobs.get(job_id)
        self.events.schedule_fired(
            schedule_id=schedule.id, site_id=schedule.site_id, slot=slot, job=job, error=error
        )
        return 1
