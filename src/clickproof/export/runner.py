"""One attempt of an export job: claim → stream rows → write files → publish → commit.

The job row is the truth. The claim is a compare-and-set; progress doubles as the lease
heartbeat; a lost lease aborts the attempt; the files are published under keys derived from
the job id, and the status change to success, with the files, is the single commit point.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine

from clickproof.blobstore.base import BlobStore
from clickproof.domain import limits
from clickproof.domain.export_job import PDF_NOT_PRODUCED, ExportFile, ExportJob, ExportType
from clickproof.domain.export_request import Column
from clickproof.domain.fields import Family
from clickproof.domain.timestamps import parse_stored, utc_now
from clickproof.export.csv_query import build_csv_query
from clickproof.export.csv_writer import write_csv
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.row_source import count_rows, stream_batches
from clickproof.export.sqlite_csv_process import export_sqlite_csv
from clickproof.failpoints import failpoint
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.store.database import sqlite_file
from clickproof.store.export_jobs import ExportJobStore

log = logging.getLogger("clickproof.export")


class LeaseLostError(Exception):
    """Another attempt owns the job now; this one stops without writing anything visible."""


class StopRequestedError(Exception):
    """The process is shutting down: the attempt hands its job back for a later one."""


@dataclass(frozen=True)
class RunnerSettings:
    lease: timedelta
    max_attempts: int
    csv_bom: bool = False
    heartbeat_seconds: float = 1.0


def csv_file_name(job_id: str) -> str:
    return f"clickwrap_activities-{job_id}.csv"


class ExportRunner:
    def __init__(
        self,
        engine: Engine,
        jobs: ExportJobStore,
        blobs: BlobStore,
        settings: RunnerSettings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.jobs = jobs
        self.blobs = blobs
        self.settings = settings
        self.clock = clock
        self.stopping = threading.Event()

    def run(self, job_id: str, owner: str) -> None:
        job = self.jobs.claim(
            job_id, owner=owner, now=self.clock(), lease=self.settings.lease, message="Export job is running."
        )
        if job is None:
            log.info("export.claim_skipped job=%s", job_id)
            return
        log.info("export.started job=%s attempt=%d", job.id, job.attempt)
        if job.attempt > self.settings.max_attempts:
            self.jobs.fail(
                job.id,
                attempt=job.attempt,
                now=self.clock(),
                message=f"Export job failed after {self.settings.max_attempts} attempts.",
            )
            log.warning("export.failed job=%s reason=attempts_exhausted", job.id)
            return
        try:
            failpoint("export.claimed")
            files, rows = self._export(job)
        except LeaseLostError:
            log.warning("export.lease_lost job=%s attempt=%d", job.id, job.attempt)
            return
        except StopRequestedError:
            self.jobs.release(
                job.id,
                attempt=job.attempt,
                now=self.clock(),
                message="Export interrupted by a shutdown; it resumes when a worker is back.",
            )
            log.info("export.released job=%s attempt=%d", job.id, job.attempt)
            return
        except Exception as exc:
            self._attempt_failed(job, exc)
            return
        failpoint("export.before_commit")
        message = f"Export job completed: {rows} activities exported."
        if ExportType.ACTIVITIES_PDFS.value in job.data.get("export_types", []):
            message += " " + PDF_NOT_PRODUCED
        if self.jobs.succeed(
            job.id, attempt=job.attempt, now=self.clock(), message=message, files=files, processed=rows
        ):
            log.info("export.succeeded job=%s rows=%d", job.id, rows)
        else:
            log.warning("export.commit_lost job=%s attempt=%d", job.id, job.attempt)

    def _attempt_failed(self, job: ExportJob, exc: Exception) -> None:
        reason = type(exc).__name__
        log.exception("export.attempt_failed job=%s attempt=%d error=%s", job.id, job.attempt, reason)
        now = self.clock()
        if job.attempt >= self.settings.max_attempts:
            self.jobs.fail(
                job.id,
                attempt=job.attempt,
                now=now,
                message=f"Export job failed after {job.attempt} attempts (internal error: {reason}).",
            )
        else:
            self.jobs.release(
                job.id,
                attempt=job.attempt,
                now=now,
                message=f"Attempt {job.attempt} failed (internal error: {reason}); it will be retried.",
            )

    def _export(self, job: ExportJob) -> tuple[list[ExportFile], int]:
        data = job.data
        columns = [Column(Family(c["family"]), c["name"]) for c in data["columns"]]
        query = build_csv_query(
            dialect_name=self.engine.dialect.name,
            account_id=job.account_id,
            site_id=job.site_id,
            start=parse_stored(data["start_date"]),
            end=parse_stored(data["end_date"]),
            filter_node=parse_filter(data.get("filter")),
            sort=parse_sort(data["sort"]),
            columns=columns,
        )
        total = count_rows(self.engine, query.count_statement)
        progress = _Progress(self, job, total)
        progress.beat(0, force=True)
        name = csv_file_name(job.id)
        key = f"{job.id}/{name}"
        database_path = sqlite_file(self.engine)
        with self.blobs.writer(key) as handle:
            out = HashingWriter(handle)
            # Small SQLite exports stay in-process (stdlib sqlite3, no ADBC): the child process
            # start would cost more than its faster reader saves (docs/adr/0005).
            if database_path is not None and total > limits.IN_PROCESS_EXPORT_ROWS:
                rows = export_sqlite_csv(
                    self.engine,
                    database_path,
                    query.statement,
                    query.columns,
                    cast(Any, out),
                    bom=self.settings.csv_bom,
                    on_progress=progress.beat,
                )
            else:
                rows = write_csv(
                    stream_batches(self.engine, query.statement),
                    query.columns,
                    cast(Any, out),
                    bom=self.settings.csv_bom,
                    on_batch=progress.batch_written,
                )
            progress.beat(rows, force=True)
        csv_file = ExportFile(
            name=name,
            export_type=ExportType.ACTIVITIES_CSV.value,
            storage_key=key,
            content_type="text/csv; charset=utf-8",
            size=out.size,
            sha256=out.sha256(),
            rows=rows,
            position=0,
        )
        return [csv_file], rows


class _Progress:
    """Throttled progress reports; each one renews the lease or reveals that it was lost."""

    def __init__(self, runner: ExportRunner, job: ExportJob, total: int) -> None:
        self.runner = runner
        self.job = job
        self.total = total
        self.last = 0.0

    def batch_written(self, processed: int) -> None:
        failpoint("export.batch_written")  # as the SQLite child process does after each batch
        self.beat(processed)

    def beat(self, processed: int, force: bool = False) -> None:
        if self.runner.stopping.is_set():
            raise StopRequestedError(self.job.id)
        now = time.monotonic()
        if not force and now - self.last < self.runner.settings.heartbeat_seconds:
            return
        self.last = now
        alive = self.runner.jobs.heartbeat(
            self.job.id,
            attempt=self.job.attempt,
            now=self.runner.clock(),
            lease=self.runner.settings.lease,
            processed=processed,
            total=self.total,
        )
        if not alive:
            raise LeaseLostError(self.job.id)
