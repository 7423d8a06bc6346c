"""What the Exports pages show of a job: its row, its progress, and its files' verification verdict."""

from __future__ import annotations

import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.timestamps import format_stored, parse_stored
from clickproof.evidence.trust import TrustedKey, trusted_key
from clickproof.evidence.verify import Verdict, verify_export
from clickproof.store.evidence_keys import PublishedKey
from clickproof.store.tenants import Site

VERDICTS_KEPT = 256
PUBLISHED_SOURCE = "the site's published keys"


@dataclass(frozen=True)
class JobView:
    job: ExportJob
    who: str
    window: str
    description: str
    percent: int | None  # of the rows processed, while the job runs or once it has a total

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def status(self) -> str:
        return self.job.status.value

    @property
    def live(self) -> bool:
        return self.job.status not in (JobStatus.SUCCESS, JobStatus.FAILED)

    @property
    def rows(self) -> int | None:
        return self.job.processed if self.job.status is JobStatus.SUCCESS else None

    @property
    def cancellable(self) -> bool:
        return self.live

    @property
    def retryable(self) -> bool:
        return self.job.status is JobStatus.FAILED and "columns" in self.job.data


def window_text(data: dict[str, Any]) -> str:
    try:
        start, end = parse_stored(data["start_date"]), parse_stored(data["end_date"])
    except (KeyError, TypeError, ValueError):
        return "unknown window"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC"


def percent_done(job: ExportJob) -> int | None:
    if job.status is JobStatus.SUCCESS:
        return 100
    if not job.total:
        return 0 if job.status is JobStatus.STARTED else None
    return max(0, min(100, job.processed * 100 // job.total))


def job_view(job: ExportJob, who: Callable[[int], str]) -> JobView:
    description = job.data.get("filter_description")
    return JobView(
        job=job,
        who=who(job.created_by),
        window=window_text(job.data),
        description=description if isinstance(description, str) else "all activities",
        percent=percent_done(job),
    )


def progress(job: ExportJob) -> dict[str, Any]:
    """The live part of a job, for the pages' polling script (static/exports.js)."""
    return {
        "id": job.id,
        "status": job.status.value,
        "active": job.status not in (JobStatus.SUCCESS, JobStatus.FAILED),
        "message": job.message,
        "processed": job.processed,
        "total": job.total,
        "percent": percent_done(job),
    }


def trusted_keys(site: Site, published: list[PublishedKey]) -> list[TrustedKey]:
    """The site's published signing keys, trusted as `clickproof verify --public-key` trusts its
    keys document (each with its validity period, account and site)."""
    return [
        trusted_key(
            key.public_key,
            PUBLISHED_SOURCE,
            valid_from=format_stored(key.valid_from),
            valid_until=None if key.valid_until is None else format_stored(key.valid_until),
            account=site.account_id,
            site=site.id,
        )
        for key in published
    ]


class VerdictCache:
    """Verdicts of jobs' stored files, kept while the files are unchanged (same size and
    modification time of every file): checking a large export's hashes on each view is slow."""

    def __init__(self, blobs: BlobStore, kept: int = VERDICTS_KEPT) -> None:
        self.blobs = blobs
        self.kept = kept
        self._verdicts: OrderedDict[tuple[object, ...], Verdict] = OrderedDict()
        self._lock = Lock()

    def verdict(self, job: ExportJob, trusted: list[TrustedKey]) -> Verdict:
        paths = [self.blobs.local_path(f.storage_key) for f in job.files]
        local = [p for p in paths if p is not None]
        if len(local) == len(paths) and all(p.is_file() for p in local):
            stamp: tuple[object, ...] = (
                job.id,
                tuple(k.key_id for k in trusted),
                *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in local),
            )
            with self._lock:
                known = self._verdicts.get(stamp)
                if known is not None:
                    self._verdicts.move_to_end(stamp)
                    return known
            found = self._check_local(job, local, trusted)
            with self._lock:
                self._verdicts[stamp] = found
                while len(self._verdicts) > self.kept:
                    self._verdicts.popitem(last=False)
            return found
        return self._check_copied(job, trusted)

    @staticmethod
    def _check_local(job: ExportJob, paths: list[Path], trusted: list[TrustedKey]) -> Verdict:
        """The stored files under the names the manifest gives them (links, no copies)."""
        with tempfile.TemporaryDirectory(prefix="clickproof-verify-") as folder:
            for f, path in zip(job.files, paths, strict=True):
                (Path(folder) / f.name).symlink_to(path.resolve())
            return verify_export([Path(folder)], trusted=trusted)

    def _check_copied(self, job: ExportJob, trusted: list[TrustedKey]) -> Verdict:
        """Files kept elsewhere (S3): read into a temporary folder and checked there."""
        with tempfile.TemporaryDirectory(prefix="clickproof-verify-") as folder:
            for f in job.files:
                if not self.blobs.exists(f.storage_key):
                    continue  # reported as missing by the verdict
                with self.blobs.reader(f.storage_key) as source, open(Path(folder) / f.name, "wb") as out:
                    shutil.copyfileobj(source, out, 1024 * 1024)
            return verify_export([Path(folder)], trusted=trusted)
