"""Use cases of export schedules: create, read, list, change, pause/resume, delete, history.

A schedule is accepted only if the job of its next firing would be accepted by
`POST /v1.1/extract/evidence` on the same site (services/exports.py `prepare`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from clickproof.domain.export_job import ExportJob
from clickproof.domain.object_id import is_object_id, new_object_id
from clickproof.domain.schedule import ScheduleSpec, next_slot, parse_schedule
from clickproof.domain.timestamps import format_stored, utc_now
from clickproof.errors import ClickproofError, NotFoundError, ValidationError
from clickproof.services.exports import ExportService
from clickproof.services.tokens import Principal
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.schedules import Firing, Schedule, ScheduleStore
from clickproof.store.tenants import Site


class ScheduleNotFoundError(NotFoundError):
    code = "schedule_not_found"


@dataclass(frozen=True)
class HistoryEntry:
    firing: Firing
    job: ExportJob | None


def window_request(spec: ScheduleSpec, slot: datetime) -> dict[str, Any]:
    """The EvidenceExportRequest of the firing at `slot`: the template with its absolute window."""
    start, end = spec.window.bounds(slot, spec.zone)
    return {**spec.request, "start_date": format_stored(start), "end_date": format_stored(end)}


class ScheduleService:
    def __init__(
        self,
        schedules: ScheduleStore,
        exports: ExportService,
        jobs: ExportJobStore,
        endpoint_exists: Callable[[Site, str], bool],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.schedules = schedules
        self.exports = exports
        self.jobs = jobs
        self.endpoint_exists = endpoint_exists  # services/webhooks.py
        self.clock = clock

    def create(self, principal: Principal, site: Site, body: object) -> Schedule:
        now = self.clock()
        spec = parse_schedule(body)
        self._check_against_site(site, spec, now)
        self._check_endpoint(site, spec, None)
        schedule_id = new_object_id()
        self.schedules.create(
            schedule_id=schedule_id,
            account_id=site.account_id,
            site_id=site.id,
            created_by=principal.user_id,
            token_id=principal.token_id,
            spec=spec,
            next_fire_time=next_slot(spec.cron, spec.zone, now) if spec.active else None,
            now=now,
        )
        return self.get(site, schedule_id)

    def get(self, site: Site, schedule_id: str) -> Schedule:
        found = self.schedules.get(schedule_id, site_id=site.id) if is_object_id(schedule_id) else None
        if found is None:
            raise ScheduleNotFoundError(f"no schedule {schedule_id[:40]!r} on this site", field="id")
        return found

    def list_schedules(self, site: Site, *, page: int, per_page: int) -> tuple[list[Schedule], int]:
        return self.schedules.list_for_site(site_id=site.id, offset=(page - 1) * per_page, limit=per_page)

    def update(self, site: Site, schedule_id: str, body: object) -> Schedule:
        """PATCH: the fields given change. A changed cron or timezone, or a resume, plans the next
        slot from now: slots that passed while paused do not fire."""
        current = self.get(site, schedule_id)
        now = self.clock()
        spec = parse_schedule(body, current=current.spec)
        self._check_against_site(site, spec, now)
        self._check_endpoint(site, spec, current.spec)
        replan = (
            spec.cron != current.spec.cron
            or spec.timezone != current.spec.timezone
            or (spec.active and not current.spec.active)
            or current.next_fire_time is None
        )
        following = current.next_fire_time if not replan else next_slot(spec.cron, spec.zone, now)
        if not self.schedules.update(
            current.id, spec=spec, next_fire_time=following if spec.active else None, now=now
        ):
            raise ScheduleNotFoundError(f"no schedule {schedule_id[:40]!r} on this site", field="id")
        return self.get(site, schedule_id)

    def set_active(self, site: Site, schedule_id: str, active: bool) -> Schedule:
        return self.update(site, schedule_id, {"active": active})

    def delete(self, site: Site, schedule_id: str) -> None:
        schedule = self.get(site, schedule_id)
        if not self.schedules.delete(schedule.id, now=self.clock()):
            raise ScheduleNotFoundError(f"no schedule {schedule_id[:40]!r} on this site", field="id")

    def history(
        self, site: Site, schedule_id: str, *, page: int, per_page: int
    ) -> tuple[list[HistoryEntry], int]:
        schedule = self.get(site, schedule_id)
        firings, total = self.schedules.firings(schedule.id, offset=(page - 1) * per_page, limit=per_page)
        entries = [
            HistoryEntry(f, None if f.job_id is None else self.jobs.get(f.job_id, site_id=site.id))
            for f in firings
        ]
        return entries, total

    def _check_endpoint(self, site: Site, spec: ScheduleSpec, current: ScheduleSpec | None) -> None:
        """A delivery that names a webhook endpoint must name one of the site's. Checked when the
        id is new or changes: a schedule whose endpoint was deleted since can still be paused."""
        named = None if spec.delivery is None else spec.delivery.webhook_endpoint_id
        before = None if current is None or current.delivery is None else current.delivery.webhook_endpoint_id
        if named is not None and named != before and not self.endpoint_exists(site, named):
            raise ValidationError(
                f"delivery.webhook_endpoint_id {named[:40]!r} is not a webhook endpoint of this site",
                field="delivery.webhook_endpoint_id",
                code="unknown_webhook_endpoint",
            )

    def _check_against_site(self, site: Site, spec: ScheduleSpec, now: datetime) -> None:
        """The template, with the window of the next slot, must be a request the site accepts."""
        if spec.window.length_days() > site.max_export_days:
            raise ValidationError(
                f"a {spec.window.kind} window spans up to {spec.window.length_days()} days; this site "
                f"exports at most {site.max_export_days} days per job",
                field="window.days" if spec.window.days is not None else "window.kind",
                code="date_range_too_long",
            )
        slot = next_slot(spec.cron, spec.zone, now)
        try:
            self.exports.prepare(site, window_request(spec, slot), now=slot)
        except ClickproofError as exc:
            raise _in_template(exc) from None


def _in_template(exc: ClickproofError) -> ClickproofError:
    """The template's error, with its fields named inside `request`."""
    exc.field = None if exc.field is None else f"request.{exc.field}"
    exc.problems = [replace(p, field=None if p.field is None else f"request.{p.field}") for p in exc.problems]
    if exc.field is None:
        exc.field = "request"
    return exc
