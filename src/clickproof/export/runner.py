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
from typing import Any, BinaryIO, cast

from sqlalchemy import Engine, Select

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import PDF_NOT_PRODUCED, ExportFile, ExportJob, ExportType, JobStatus
from clickproof.domain.export_request import Column
from clickproof.domain.fields import Family
from clickproof.domain.timestamps import parse_stored, utc_now
from clickproof.export.attempt import LeaseLostError, StopRequestedError
from clickproof.export.chunked_csv import ChunkedCsvExport
from clickproof.export.csv_query import CsvQuery, OutputColumn, build_csv_query
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.postgres_copy import export_postgres_csv
from clickproof.export.sqlite_csv_process import export_sqlite_csv
from clickproof.failpoints import failpoint
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.store.database import sqlite_file
from clickproof.store.export_chunks import ChunkStore
from clickproof.store.export_jobs import ExportJobStore

log = logging.getLogger("clickproof.export")


@dataclass(frozen=True)
class RunnerSettings:
    lease: timedelta
    max_attempts: int
    csv_bom: bool = False
    heartbeat_seconds: float = 1.0
    chunk_rows: int = 250_000


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
        self.dispatch_chunk: Callable[[str, int], None] = lambda _job_id, _position: None
        self.chunked = ChunkedCsvExport(
            engine=engine,
            blobs=blobs,
            chunks=ChunkStore(engine),
            write_rows=self.write_rows,
            lease=settings.lease,
            heartbeat_seconds=settings.heartbeat_seconds,
            clock=clock,
            stopping=self.stopping,
        )

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
            files, rows = self._export(job, owner)
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

    def _query(self, job: ExportJob) -> CsvQuery:
        data = job.data
        return build_csv_query(
            dialect_name=self.engine.dialect.name,
            account_id=job.account_id,
            site_id=job.site_id,
            start=parse_stored(data["start_date"]),
            end=parse_stored(data["end_date"]),
            filter_node=parse_filter(data.get("filter")),
            sort=parse_sort(data["sort"]),
            columns=[Column(Family(c["family"]), c["name"]) for c in data["columns"]],
            cells_in_sql=self.engine.dialect.name == "postgresql",
        )

    def write_rows(
        self,
        statement: Select[Any],
        columns: tuple[OutputColumn, ...],
        out: BinaryIO,
        *,
        header: bool,
        on_progress: Callable[[int], None],
    ) -> int:
        """The rows of `statement` as CSV: ADBC in a child process on SQLite, COPY on PostgreSQL."""
        database_path = sqlite_file(self.engine)
        if database_path is not None:
            return export_sqlite_csv(
                self.engine,
                database_path,
                statement,
                columns,
                out,
                bom=self.settings.csv_bom,
                header=header,
                on_progress=on_progress,
            )
        return export_postgres_csv(
            self.engine,
            statement,
            columns,
            out,
            bom=self.settings.csv_bom,
            header=header,
            on_progress=on_progress,
        )

    def _export(self, job: ExportJob, owner: str) -> tuple[list[ExportFile], int]:
        query = self._query(job)
        with self.engine.connect() as conn:
            total = int(conn.execute(query.count_statement).scalar_one())
        progress = _Progress(self, job, total)
        progress.beat(0, force=True)
        name = csv_file_name(job.id)
        key = f"{job.id}/{name}"
        if total > self.settings.chunk_rows:
            chunks = self.chunked.plan(job, query, total, self.settings.chunk_rows)
            chunks = self.chunked.coordinate(job, query, owner, self.dispatch_chunk, progress.beat)
            joined = self.chunked.join(chunks, query.columns, key, bom=self.settings.csv_bom)
            size, digest, rows = joined.size, joined.sha256, joined.rows
        else:
            with self.blobs.writer(key) as handle:
                out = HashingWriter(handle)
                rows = self.write_rows(
                    query.statement, query.columns, cast(Any, out), header=True, on_progress=progress.beat
                )
            size, digest = out.size, out.sha256()
        progress.beat(rows, force=True)
        csv_file = ExportFile(
            name=name,
            export_type=ExportType.ACTIVITIES_CSV.value,
            storage_key=key,
            content_type="text/csv; charset=utf-8",
            size=size,
            sha256=digest,
            rows=rows,
            position=0,
        )
        return [csv_file], rows

    def run_chunk(self, job_id: str, position: int, owner: str) -> None:
        """Run one chunk of a chunked export, if it is still to be done (any worker may)."""
        job = self.jobs.get(job_id)
        if job is None or job.status is not JobStatus.STARTED:
            return
        chunk = self.chunked.chunks.claim(
            job_id, position, owner=owner, now=self.clock(), lease=self.settings.lease
        )
        if chunk is None:
            return
        try:
            self.chunked.run_chunk(self._query(job), chunk)
        except StopRequestedError:
            log.info("export.chunk_interrupted job=%s chunk=%d", job_id, position)
        except Exception:
            # The chunk's lease runs out and the job's coordinator takes the chunk over.
            log.exception("export.chunk_failed job=%s chunk=%d", job_id, position)


class _Progress:
    """Throttled progress reports; each one renews the lease or reveals that it was lost."""

    def __init__(self, runner: ExportRunner, job: ExportJob, total: int) -> None:
        self.runner = runner
        self.job = job
        self.total = total
        self.last = 0.0

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
