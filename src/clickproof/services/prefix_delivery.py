"""Delivery to a storage prefix: a job whose `data.delivery.s3_prefix` is set (a schedule's
delivery) gets its files copied to `deliveries/site-N/<prefix>/<name>` of the export storage (the
bucket, with S3 storage). The copies expire with the job (retention).

The copy is an outbox entry: the job's success marks it pending in the same transaction (a
`TransactionalJobEvents` listener), the worker tries it at once after the commit (a `JobEvents`
listener), and a failed copy is tried again by every sweeper (`retry_due`) with exponential
backoff and jitter, at most `max_attempts` times; the job shows the state and the cause in plain
words (`data.delivery_status`)."""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.job_events import SlotFired
from clickproof.domain.retry_backoff import retry_delay
from clickproof.domain.schedule import delivery_key
from clickproof.domain.timestamps import utc_now
from clickproof.export.failure_reasons import failure_reason
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.prefix_deliveries import DELIVERED, FAILED, PENDING, PrefixDeliveryStore

log = logging.getLogger("clickproof.delivery")
COPY_LEASE = timedelta(minutes=10)  # a copier that died mid-copy is replaced after this


def delivery_prefix(job: ExportJob) -> str | None:
    delivery = job.data.get("delivery") if isinstance(job.data, dict) else None
    prefix = delivery.get("s3_prefix") if isinstance(delivery, dict) else None
    return prefix if isinstance(prefix, str) and prefix else None


def delivered_keys(job: ExportJob) -> list[str]:
    """The keys a delivery of this job writes (none without an s3_prefix)."""
    prefix = delivery_prefix(job)
    if prefix is None:
        return []
    return [delivery_key(job.site_id, prefix, f.name) for f in job.files]


def copy_failure_reason(exc: BaseException, name: str) -> str:
    """Why the copy of file `name` failed, in words an operator can act on."""
    text = str(exc)
    if "NoSuchBucket" in text or "bucket does not exist" in text.lower():
        return "the storage bucket does not exist"
    if isinstance(exc, FileNotFoundError) or type(exc).__name__ == "NotFoundError":
        return f"{name} was not found in the export storage: the bucket or the file is missing"
    reason = failure_reason(exc)
    if reason.startswith("internal error"):
        return f"the export storage refused the copy ({type(exc).__name__})"
    return reason


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 8
    retry_base_seconds: float = 30.0


class PrefixDelivery:
    """Listener of both kinds (domain/job_events.py) and the sweeper's retry task."""

    def __init__(
        self,
        blobs: BlobStore,
        jobs: ExportJobStore,
        store: PrefixDeliveryStore,
        policy: DeliveryPolicy,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.blobs = blobs
        self.jobs = jobs
        self.store = store
        self.policy = policy
        self.clock = clock

    # -- in the transaction of the job's success ------------------------------------------------

    def export_finished(self, conn: Connection, job: ExportJob) -> None:
        if job.status is JobStatus.SUCCESS and delivery_prefix(job) is not None:
            self.store.mark_pending(conn, job.id, self.clock())

    def slot_fired(self, conn: Connection, fired: SlotFired) -> None:
        return None

    # -- after the commit -----------------------------------------------------------------------

    def export_succeeded(self, job: ExportJob) -> None:
        if delivery_prefix(job) is not None:
            self.deliver(job.id)

    def export_failed(self, job: ExportJob) -> None:
        return None

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        return None

    # -- the copy -------------------------------------------------------------------------------

    def retry_due(self, now: datetime) -> int:
        """The sweeper's task: try every copy that is due; the number delivered."""
        return sum(self.deliver(job_id, now=now) for job_id in self.store.due(now=now))

    def deliver(self, job_id: str, *, now: datetime | None = None) -> bool:
        """One attempt at the job's copy, if it is due and no one else makes it; True if delivered."""
        started = self.clock() if now is None else now
        attempt = self.store.claim(job_id, now=started, lease=COPY_LEASE)
        if attempt is None:
            return False
        job = self.jobs.get(job_id)
        prefix = None if job is None else delivery_prefix(job)
        if job is None or prefix is None:
            return False
        where = f"deliveries/site-{job.site_id}/{prefix.strip('/')}/"
        for f, target in zip(job.files, delivered_keys(job), strict=True):
            try:
                with self.blobs.reader(f.storage_key) as source, self.blobs.writer(target) as sink:
                    shutil.copyfileobj(source, sink, 1024 * 1024)
            except Exception as exc:
                self._failed(job, attempt, where, copy_failure_reason(exc, f.name), started)
                return False
        self.store.record(
            job_id,
            attempt=attempt,
            status=DELIVERED,
            message=f"{len(job.files)} file(s) copied to {where} (attempt {attempt}).",
            retry_time=None,
        )
        log.info("delivery.copied job=%s files=%d attempt=%d", job.id, len(job.files), attempt)
        return True

    def _failed(self, job: ExportJob, attempt: int, where: str, reason: str, now: datetime) -> None:
        if attempt >= self.policy.max_attempts:
            self.store.record(
                job.id,
                attempt=attempt,
                status=FAILED,
                message=f"The files could not be copied to {where} in {attempt} attempts ({reason}).",
                retry_time=None,
            )
            log.warning("delivery.failed job=%s attempts=%d reason=%s", job.id, attempt, reason)
            return
        delay = retry_delay(attempt, self.policy.retry_base_seconds)
        self.store.record(
            job.id,
            attempt=attempt,
            status=PENDING,
            message=(
                f"Copy attempt {attempt} to {where} failed ({reason}); "
                f"it will be retried in {math.ceil(delay)} s."
            ),
            retry_time=now + timedelta(seconds=delay),
        )
        log.warning("delivery.attempt_failed job=%s attempt=%d reason=%s", job.id, attempt, reason)
