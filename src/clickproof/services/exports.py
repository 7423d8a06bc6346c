"""Use cases of the Extraction API: create, read and list export jobs, mint download links."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from clickproof.blobstore.base import BlobStore
from clickproof.domain import limits
from clickproof.domain.export_job import (
    JOB_NAME,
    MESSAGES,
    ExportFile,
    ExportJob,
    JobSource,
    JobStatus,
)
from clickproof.domain.export_request import parse_export_request
from clickproof.domain.fields import Family
from clickproof.domain.object_id import ID_ATTEMPTS, is_object_id, new_object_id
from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.errors import (
    ExportExpiredError,
    ExportFinishedError,
    ExportNotFoundError,
    ExportNotReadyError,
    ForbiddenError,
    IdsExhaustedError,
    InvalidLinkError,
    RateLimitedError,
    ValidationError,
)
from clickproof.query.catalogue import CatalogueField, field_catalogue
from clickproof.request_context import current_request_id
from clickproof.services.download_links import LinkClaims, LinkSigner
from clickproof.services.tokens import Principal, TokenAuthenticator
from clickproof.store.activities import ActivityStore
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.tenants import Site

log = logging.getLogger("clickproof.export")
QUEUE_RETRY_SECONDS = 5  # a full queue frees a place when a job starts: no window to wait for


@dataclass(frozen=True)
class Download:
    path: Path
    file: ExportFile


class ExportService:
    def __init__(
        self,
        engine: Engine,
        jobs: ExportJobStore,
        activities: ActivityStore,
        blobs: BlobStore,
        signer: LinkSigner,
        auth: TokenAuthenticator,
        dispatch: Callable[[str], None],
        url_ttl_seconds: int,
        queued_per_site: int = 0,
    ) -> None:
        self.engine = engine
        self.jobs = jobs
        self.activities = activities
        self.blobs = blobs
        self.signer = signer
        self.auth = auth
        self.dispatch = dispatch
        self.url_ttl_seconds = url_ttl_seconds
        self.queued_per_site = queued_per_site  # 0: no limit

    def create(
        self, principal: Principal, site: Site, body: object, source: JobSource = JobSource.API
    ) -> ExportJob:
        now = utc_now()
        data = self.prepare(site, body, now=now)
        for _attempt in range(ID_ATTEMPTS):
            job_id = new_object_id()
            try:
                with self.engine.begin() as conn:
                    if self.queued_per_site:  # counted under a lock on the site's row, across processes
                        self._check_queue(self.jobs.waiting_for_site(conn, site.id))
                    self.insert_job(
                        conn,
                        job_id=job_id,
                        site=site,
                        created_by=principal.user_id,
                        token_id=principal.token_id,
                        source=source,
                        data=data,
                        now=now,
                    )
                break
            except IntegrityError:  # the id is taken (2^-64 odds a second): another fresh one
                if self.jobs.get(job_id) is None:
                    raise
        else:
            raise IdsExhaustedError("export job")
        job = self.jobs.get(job_id)
        assert job is not None
        log.info("export.created job=%s site=%d", job_id, site.id)
        self.dispatch_job(job_id)
        return job

    def prepare(self, site: Site, body: object, *, now: datetime) -> dict[str, Any]:
        """Validate an EvidenceExportRequest against the site; the job's `data`. Raises the
        request's validation errors (the same for an API request and a schedule's firing)."""
        request = parse_export_request(body, now=now, max_export_days=site.max_export_days)
        custom_keys = self.activities.family_keys(site.id, Family.CUSTOM) if request.custom_all else []
        columns = request.columns(custom_keys)
        if len(columns) > limits.MAX_EXPORT_COLUMNS:
            raise ValidationError(
                f"the export would have {len(columns)} columns ({len(custom_keys)} custom keys with "
                f"custom_all); at most {limits.MAX_EXPORT_COLUMNS} are allowed: select custom keys by name",
                field="custom_all" if request.custom_all else "select",
                code="too_many_columns",
            )
        data = request.to_data(columns)
        data["warnings"] = request.warnings
        return data

    def insert_job(
        self,
        conn: Connection,
        *,
        job_id: str,
        site: Site,
        created_by: int,
        token_id: int | None,
        source: JobSource,
        data: dict[str, Any],
        now: datetime,
    ) -> None:
        """The job row, in the caller's transaction; `dispatch_job` after it commits."""
        self.jobs.create(
            conn,
            job_id=job_id,
            account_id=site.account_id,
            site_id=site.id,
            created_by=created_by,
            token_id=token_id,
            job_name=JOB_NAME,
            source=source,
            message=MESSAGES[JobStatus.PENDING],
            data=data,
            now=now,
            request_id=current_request_id(),
        )

    def _check_queue(self, waiting: int) -> None:
        if waiting >= self.queued_per_site:
            raise RateLimitedError(
                f"limit exports_queued_per_site reached: {waiting} exports of this site wait for a "
                f"worker, at most {self.queued_per_site} may; retry when one has started",
                limit="exports_queued_per_site",
                allowed=self.queued_per_site,
                window_seconds=0,
                retry_after=QUEUE_RETRY_SECONDS,
            )

    def dispatch_job(self, job_id: str) -> None:
        """Hand the job to the engine; if that fails the sweeper sends it later, nothing is lost."""
        try:
            self.jobs.mark_dispatched(job_id, utc_now(), MESSAGES[JobStatus.SCHEDULED])
            self.dispatch(job_id)
        except Exception:
            log.exception("export.dispatch_failed job=%s", job_id)

    def get(self, site: Site, job_id: str) -> ExportJob:
        job = (
            self.jobs.get(job_id, account_id=site.account_id, site_id=site.id)
            if is_object_id(job_id)
            else None
        )
        if job is None:
            raise ExportNotFoundError(f"no export job {job_id[:40]!r} on this site", field="id")
        return job

    def cancel(self, site: Site, job_id: str, *, by: str) -> ExportJob:
        """Cancel a job that has not finished: it ends `failed` with "cancelled by <by>". A pending
        or scheduled job never starts; a running attempt stops at its next progress report and
        publishes nothing (its heartbeat and commit require `started`)."""
        job = self.get(site, job_id)
        message = f"Export job cancelled by {by}."
        if not self.jobs.cancel(job.id, by=by, now=utc_now(), message=message):
            finished = self.get(site, job_id)
            raise ExportFinishedError(
                f"Export job already ended {finished.status.value}; only a pending, scheduled or "
                "started job can be cancelled.",
                field="id",
            )
        cancelled = self.get(site, job_id)
        log.info("export.cancelled job=%s by=%s previous=%s", job.id, by, job.status.value)
        return cancelled

    def list_jobs(self, site: Site, *, page: int, per_page: int) -> tuple[list[ExportJob], int]:
        return self.jobs.list_for_site(
            account_id=site.account_id, site_id=site.id, offset=(page - 1) * per_page, limit=per_page
        )

    def urls(self, principal: Principal, site: Site, job_id: str) -> dict[str, list[str]]:
        """Fresh signed links for every file of a successful job, keyed by export type."""
        job = self.get(site, job_id)
        if job.status is not JobStatus.SUCCESS:
            raise ExportNotReadyError(
                f"Export job is {job.status.value}; download URLs exist once it succeeds."
            )
        if job.expired_time is not None:
            raise expired_error(job)
        if principal.token_id is None:  # a console session downloads through its own pages
            raise ForbiddenError("signed download links are made for API tokens", code="permission_denied")
        expires = math.floor(time.time()) + self.url_ttl_seconds
        links: dict[str, list[str]] = {}
        for f in job.files:
            url = self.blobs.presigned_url(f.storage_key, self.url_ttl_seconds)
            if url is None:
                url = self.signer.url(LinkClaims(job.id, f.name, principal.token_id, expires))
            links.setdefault(f.export_type, []).append(url)
        return links

    def field_catalogue(self, site: Site) -> list[CatalogueField]:
        """What a site's exports can select, filter and sort on, with the JSON keys its data has."""
        keys = {
            family: self.activities.family_keys(site.id, family)
            for family in (Family.CONNECTION, Family.CUSTOM, Family.RENDER)
        }
        return field_catalogue(keys)

    def url_expiry_seconds(self) -> int:
        return self.url_ttl_seconds

    def open_download(
        self, *, job_id: str, file_name: str, tid: str | None, expires: str | None, signature: str | None
    ) -> Download:
        claims = self.signer.verify(
            job_id=job_id, file_name=file_name, tid=tid, expires=expires, signature=signature, now=time.time()
        )
        principal = self.auth.principal_by_id(claims.token_id)
        if principal is None:
            raise InvalidLinkError("the token that requested this link is no longer valid")
        job = self.jobs.get(job_id, account_id=principal.account_id) if is_object_id(job_id) else None
        if job is None or job.site_id not in principal.site_ids or job.status is not JobStatus.SUCCESS:
            raise ExportNotFoundError("no such export file")
        if job.expired_time is not None:
            raise expired_error(job)
        for f in job.files:
            if f.name == file_name:
                path = self.blobs.local_path(f.storage_key)
                if path is None or not path.is_file():
                    raise ExportNotFoundError("the export file is no longer stored")
                log.info("export.downloaded job=%s file=%s token=%d", job.id, f.name, principal.token_id)
                return Download(path, f)
        raise ExportNotFoundError("no such export file")


def expired_error(job: ExportJob) -> ExportExpiredError:
    assert job.expired_time is not None
    return ExportExpiredError(
        f"Export job's files expired at {format_instant(job.expired_time)} after the site's retention "
        "period and were deleted; the job keeps its manifest, file names, sizes and SHA-256 hashes.",
        field="id",
    )
