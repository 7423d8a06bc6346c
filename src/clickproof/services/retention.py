"""Retention and legal holds: a successful export's files are deleted after its site's retention
period unless a hold covers the job or its site; the job keeps its manifest, file records and
hashes, and its links answer 410 (docs/jobs.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from clickproof.blobstore.base import BlobStore
from clickproof.domain.object_id import is_object_id, new_object_id
from clickproof.domain.timestamps import utc_now
from clickproof.errors import ClickproofError, NotFoundError, ValidationError
from clickproof.evidence.manifest import MANIFEST_NAME
from clickproof.services.exports import ExportService
from clickproof.services.prefix_delivery import delivered_keys
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.retention import LegalHold, RetentionStore
from clickproof.store.tenants import Site

log = logging.getLogger("clickproof.retention")

MAX_REASON_LENGTH = 2000
MAX_RETENTION_DAYS = 36_500
# Retention is counted in days: the sweeper checks it once a minute, not at every sweep.
RETENTION_CHECK_INTERVAL = timedelta(minutes=1)


class HoldNotFoundError(NotFoundError):
    code = "hold_not_found"


class HoldConflictError(ClickproofError):
    code = "hold_conflict"
    kind = "conflict"


def parse_reason(body: object) -> str:
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object", field=None, code="invalid_body")
    unknown = [k for k in body if k not in ("reason", "job_id")]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0][:40]!r}; allowed fields: reason, job_id",
            field=unknown[0][:40],
            code="unknown_field",
        )
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"reason must be a non-empty string of at most {MAX_REASON_LENGTH} characters "
            "(the matter or request the hold is for)",
            field="reason",
            code="missing_field" if reason is None else "invalid_reason",
        )
    return reason.strip()


def check_retention_days(days: int) -> int:
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"retention days must be from 1 to {MAX_RETENTION_DAYS}", field="retention_days"
        )
    return days


class RetentionService:
    def __init__(
        self,
        store: RetentionStore,
        jobs: ExportJobStore,
        exports: ExportService,
        blobs: BlobStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.exports = exports
        self.blobs = blobs
        self.clock = clock
        self._last_check: datetime | None = None

    # -- holds ------------------------------------------------------------------------------------

    def place_hold(self, site: Site, *, job_id: str | None, reason: str, by: str) -> LegalHold:
        """A hold on one job of the site, or with `job_id` None on the whole site."""
        if job_id is not None:
            job = self.exports.get(site, job_id)
            if job.purged_time is not None or job.expired_time is not None:
                raise HoldConflictError(
                    "this export's files have already expired and been deleted; a hold keeps files "
                    "that still exist",
                    field="job_id",
                )
        hold_id = new_object_id()
        self.store.create_hold(
            hold_id=hold_id,
            account_id=site.account_id,
            site_id=site.id,
            job_id=job_id,
            reason=reason,
            by=by,
            now=self.clock(),
        )
        log.info("retention.hold_placed hold=%s site=%d job=%s by=%s", hold_id, site.id, job_id, by)
        return self.get_hold(site, hold_id)

    def get_hold(self, site: Site, hold_id: str) -> LegalHold:
        hold = self.store.hold(hold_id, site_id=site.id) if is_object_id(hold_id) else None
        if hold is None:
            raise HoldNotFoundError(f"no legal hold {hold_id[:40]!r} on this site", field="id")
        return hold

    def release_hold(self, site: Site, hold_id: str, *, by: str) -> LegalHold:
        hold = self.get_hold(site, hold_id)
        if not self.store.release_hold(hold.id, by=by, now=self.clock()):
            raise HoldConflictError(
                f"this hold was already released by {hold.released_by} "
                f"at {hold.released_time.isoformat() if hold.released_time else 'an earlier time'}",
                field="id",
            )
        log.info("retention.hold_released hold=%s site=%d by=%s", hold.id, site.id, by)
        return self.get_hold(site, hold.id)

    def list_holds(
        self, site: Site, *, job_id: str | None = None, page: int = 1, per_page: int = 100
    ) -> tuple[list[LegalHold], int]:
        return self.store.holds(site_id=site.id, job_id=job_id, offset=(page - 1) * per_page, limit=per_page)

    # -- the sweep ----------------------------------------------------------------------------------

    def periodic_sweep(self, now: datetime) -> int:
        """The sweeper's task: `sweep` at most once per RETENTION_CHECK_INTERVAL."""
        if self._last_check is not None and now - self._last_check < RETENTION_CHECK_INTERVAL:
            return 0
        self._last_check = now
        return self.sweep(now)

    def sweep(self, now: datetime | None = None) -> int:
        """Expire what passed its site's retention period and delete its blobs; the number expired."""
        now = self.clock() if now is None else now
        expired = 0
        for site_id, days in self.store.retention_days():
            for job_id in self.store.expirable(site_id=site_id, finished_before=now - timedelta(days=days)):
                if self.store.mark_expired(job_id, now=now):
                    expired += 1
                    log.info("retention.expired job=%s site=%d days=%d", job_id, site_id, days)
        for job_id in self.store.unpurged():
            self._purge(job_id, now)
        return expired

    def _purge(self, job_id: str, now: datetime) -> None:
        """Delete the job's files but its manifest (the signed record of what was exported)."""
        job = self.jobs.get(job_id)
        if job is None:
            return
        for f in job.files:
            if f.name != MANIFEST_NAME:
                self.blobs.delete(f.storage_key)
        for key in delivered_keys(job):  # copies delivered to a prefix go too, the manifest's as well
            self.blobs.delete(key)
        self.store.mark_purged(job_id, now=now)
        log.info("retention.purged job=%s files=%d", job_id, len(job.files) - 1)
