"""Delivery to a storage prefix: on `export.succeeded`, a job whose `data.delivery.s3_prefix`
is set (a schedule's delivery) gets its files copied to `deliveries/site-N/<prefix>/<name>` of
the export storage (the bucket, with S3 storage). The copies expire with the job (retention)."""

from __future__ import annotations

import logging
import shutil
from datetime import datetime

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportJob
from clickproof.domain.schedule import delivery_key

log = logging.getLogger("clickproof.delivery")


def delivered_keys(job: ExportJob) -> list[str]:
    """The keys a delivery of this job writes (none without an s3_prefix)."""
    delivery = job.data.get("delivery") or {}
    prefix = delivery.get("s3_prefix") if isinstance(delivery, dict) else None
    if not isinstance(prefix, str) or not prefix:
        return []
    return [delivery_key(job.site_id, prefix, f.name) for f in job.files]


class PrefixDelivery:
    """A `JobEvents` listener (domain/job_events.py)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    def export_succeeded(self, job: ExportJob) -> None:
        targets = delivered_keys(job)
        for f, target in zip(job.files, targets, strict=False):
            with self.blobs.reader(f.storage_key) as source, self.blobs.writer(target) as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
        if targets:
            log.info("delivery.copied job=%s files=%d", job.id, len(targets))

    def export_failed(self, job: ExportJob) -> None:
        return None

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        return None
