"""One attempt of an export job: claim → stream rows → write files → publish → commit.

The job row is the truth. The claim is a compare-and-set; progress doubles as the lease
heartbeat; a lost lease aborts the attempt; the files are published under keys derived from
the job id, and the status change to success, with the files, is the single commit point.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO, cast

from sqlalchemy import Engine, Select
from sqlalchemy.sql.elements import ColumnElement

from clickproof import __version__, metrics, request_context
from clickproof.blobstore.base import BlobStore
from clickproof.domain import limits
from clickproof.domain.export_job import ExportFile, ExportJob, ExportType, JobStatus
from clickproof.domain.export_request import Column
from clickproof.domain.fields import STANDARD_BY_NAME, Family
from clickproof.domain.job_events import JobEventHub
from clickproof.domain.retry_backoff import retry_delay
from clickproof.domain.timestamps import format_stored, parse_stored, utc_now
from clickproof.evidence.manifest import (
    MANIFEST_EXPORT_TYPE,
    MANIFEST_NAME,
    ManifestFile,
    manifest_body,
    signed_manifest,
)
from clickproof.evidence.record import ExportScope
from clickproof.evidence.timestamps import (
    TIMESTAMP_CONTENT_TYPE,
    TIMESTAMP_EXPORT_TYPE,
    TIMESTAMP_SUFFIX,
    request_timestamp,
)
from clickproof.export.attempt import LeaseLostError, StopRequestedError
from clickproof.export.cancelled_files import remove_unpublished
from clickproof.export.chunked_csv import ChunkedCsvExport
from clickproof.export.csv_query import CsvQuery, OutputColumn, build_csv_query
from clickproof.export.csv_writer import write_csv
from clickproof.export.failure_reasons import failure_reason
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.export.postgres_arrow import export_postgres_arrow
from clickproof.export.postgres_copy import export_postgres_csv
from clickproof.export.render_pool import Pair, RenderPool, render_pairs
from clickproof.export.row_source import stream_batches
from clickproof.export.sqlite_csv_process import export_sqlite_csv
from clickproof.export.zip_parts import ZipPart, ZipPartWriter, pdf_entry_name
from clickproof.failpoints import failpoint
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.services.evidence_keys import EvidenceKeys
from clickproof.store.activities import ActivityStore
from clickproof.store.database import sqlite_file
from clickproof.store.evidence import EvidenceStore
from clickproof.store.export_chunks import PDF, Chunk, ChunkStore
from clickproof.store.export_jobs import ExportJobStore

log = logging.getLogger("clickproof.export")
IN_THREAD_PDFS = 64  # exports this small are rendered in the worker thread, never waiting for a pool


@dataclass(frozen=True)
class RunnerSettings:
    lease: timedelta
    max_attempts: int
    csv_bom: bool = False
    heartbeat_seconds: float = 1.0
    chunk_rows: int = 250_000
    zip_part_bytes: int = 512 * 1024 * 1024
    postgres_csv: str = "arrow"  # or "copy" (config.Settings.postgres_csv)
    pdf_chunk_rows: int = 1_000
    render_processes: int = 0  # evidence PDFs rendered in this many child processes; 0: in the thread
    retry_base_seconds: float = 4.0  # domain/retry_backoff
    tsa_url: str | None = None  # RFC 3161 timestamp authority for manifests; None: no timestamps
    tsa_certificate: bytes | None = None
    tsa_timeout_seconds: float = 10.0
    running_per_site: int = 0  # jobs of one site that may run at once; 0: no cap


def csv_file_name(job_id: str) -> str:
    return f"clickwrap_activities-{job_id}.csv"


def pdf_part_name(job_id: str, part: int) -> str:
    return f"clickwrap_activities_as_pdfs-{job_id}-part{part:04d}.zip"


def document_timestamp(job: ExportJob) -> int:
    """The date written into every PDF of an export: the job's creation, so re-runs match."""
    return int(job.created_time.timestamp())


class ExportRunner:
    def __init__(
        self,
        engine: Engine,
        jobs: ExportJobStore,
        blobs: BlobStore,
        settings: RunnerSettings,
        keys: EvidenceKeys,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.jobs = jobs
        self.blobs = blobs
        self.settings = settings
        self.keys = keys
        self.evidence = EvidenceStore(engine)
        self.activities = ActivityStore(engine)
        self.clock = clock
        self.stopping = threading.Event()
        self.events = JobEventHub()  # export.succeeded / export.failed, after the commit
        self._renderer: EvidencePdfRenderer | None = None
        self._render_lock = threading.Lock()
        self.dispatch_chunk: Callable[[str, int], None] = lambda _job_id, _position: None
        self.render_pool = RenderPool(settings.render_processes) if settings.render_processes > 0 else None
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

    def close(self) -> None:
        if self.render_pool is not None:
            self.render_pool.close()

    def renderer(self) -> EvidencePdfRenderer:
        """The renderer of this process's worker threads: one, used under `_render_lock` (its
        typst compilers are not thread-safe, and rendering holds the interpreter lock anyway;
        processes with several workers render in `render_pool`)."""
        with self._render_lock:
            if self._renderer is None:
                self._renderer = EvidencePdfRenderer()
            return self._renderer

    def render_here(
        self, pairs: Iterator[Pair], scope: ExportScope | None, timestamp: int
    ) -> Iterator[tuple[str, bytes]]:
        """(activity id, evidence PDF) for each pair, in this thread, with this process's one
        renderer (export workers and the single-record route share it)."""
        renderer = self.renderer()
        for pair in pairs:
            with self._render_lock:
                rendered = next(render_pairs(renderer, (pair,), scope, timestamp))
            yield rendered

    def run_next(self, _dispatched_job_id: str, owner: str) -> None:
        """A worker's turn, whichever job's message woke it: the job fairest to take now (the
        site with the fewest running, then the one served least recently: ExportJobStore.next_fair),
        then the next, while there is one. A message whose job another worker took already
        still finds work, and every job still has a message or a worker coming back for it."""
        previous = None
        while not self.stopping.is_set():
            job_id = self.jobs.next_fair(now=self.clock(), running_per_site=self.settings.running_per_site)
            if job_id is None or job_id == previous:  # nothing to do, or not ours to take yet
                return
            self.run(job_id, owner)
            previous = job_id

    def run(self, job_id: str, owner: str) -> None:
        job = self.jobs.claim(
            job_id,
            owner=owner,
            now=self.clock(),
            lease=self.settings.lease,
            message="Export job is running.",
            running_per_site=self.settings.running_per_site,
        )
        if job is None:
            log.info("export.claim_skipped job=%s", job_id)
            return
        request_context.bind(request_id=job.request_id, job_id=job.id)
        began = time.monotonic()
        log.info("export.started job=%s attempt=%d", job.id, job.attempt)
        if job.attempt > self.settings.max_attempts:
            if self.jobs.fail(
                job.id,
                attempt=job.attempt,
                now=self.clock(),
                message=f"Export job failed after {self.settings.max_attempts} attempts.",
            ):
                self._emit(job.id, succeeded=False)
            log.warning("export.failed job=%s reason=attempts_exhausted", job.id)
            return
        try:
            failpoint("export.claimed")
            files, rows = self._export(job, owner)
        except LeaseLostError:
            log.warning("export.lease_lost job=%s attempt=%d", job.id, job.attempt)
            self._after_cancel(job)
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
        parts = sum(1 for f in files if f.export_type == ExportType.ACTIVITIES_PDFS.value)
        if ExportType.ACTIVITIES_PDFS.value in job.data.get("export_types", []):
            message += f" {rows} evidence PDFs in {parts} zip file(s)."
        if self.jobs.succeed(
            job.id, attempt=job.attempt, now=self.clock(), message=message, files=files, processed=rows
        ):
            log.info("export.succeeded job=%s rows=%d", job.id, rows)
            failpoint("export.committed")
            self._emit(job.id, succeeded=True)
            metrics.export_succeeded(time.monotonic() - began, rows)
        else:
            log.warning("export.commit_lost job=%s attempt=%d", job.id, job.attempt)

    def _attempt_failed(self, job: ExportJob, exc: Exception) -> None:
        reason = failure_reason(exc)
        metrics.EXPORT_ATTEMPTS.labels("failure").inc()
        log.exception(
            "export.attempt_failed job=%s attempt=%d error=%s", job.id, job.attempt, type(exc).__name__
        )
        now = self.clock()
        if job.attempt >= self.settings.max_attempts:
            if self.jobs.fail(
                job.id,
                attempt=job.attempt,
                now=now,
                message=f"Export job failed after {job.attempt} attempts ({reason}).",
            ):
                self._emit(job.id, succeeded=False)
        else:
            delay = retry_delay(job.attempt, self.settings.retry_base_seconds)
            self.jobs.release(
                job.id,
                attempt=job.attempt,
                now=now,
                message=f"Attempt {job.attempt} failed ({reason}); it will be retried in {math.ceil(delay)} s.",
                retry_time=now + timedelta(seconds=delay),
            )

    def _after_cancel(self, job: ExportJob) -> None:
        """A lost job that was cancelled: remove the files this attempt wrote but never published."""
        now = self.jobs.get(job.id)
        if now is None or now.cancelled_time is None:
            return
        removed = remove_unpublished(
            self.blobs, job.id, csv_file_name(job.id), lambda n: pdf_part_name(job.id, n)
        )
        log.info("export.cancelled_stopped job=%s attempt=%d removed=%d", job.id, job.attempt, removed)

    def _emit(self, job_id: str, *, succeeded: bool) -> None:
        """export.succeeded / export.failed with the committed job (files included)."""
        final = self.jobs.get(job_id)
        if final is None:
            return
        if succeeded:
            self.events.export_succeeded(final)
        else:
            self.events.export_failed(final)

    def _query(self, job: ExportJob) -> CsvQuery:
        data = job.data
        return build_csv_query(
            dialect_name=self.engine.dialect.name,
            site_id=job.site_id,
            start=parse_stored(data["start_date"]),
            end=parse_stored(data["end_date"]),
            filter_node=parse_filter(data.get("filter")),
            sort=parse_sort(data["sort"]),
            columns=[Column(Family(c["family"]), c["name"]) for c in data["columns"]],
            cells_in_sql=self.engine.dialect.name == "postgresql" and self.settings.postgres_csv == "copy",
            kinds=self.activities.family_kinds(job.site_id),
        )

    def _export(self, job: ExportJob, owner: str) -> tuple[list[ExportFile], int]:
        query = self._query(job)
        types = job.data.get("export_types") or [ExportType.ACTIVITIES_CSV.value]
        with self.engine.connect() as conn:
            count = int(conn.execute(query.count_statement).scalar_one())
        progress = _Progress(self, job, count * len(types))
        progress.beat(0, force=True)
        files: list[ExportFile] = []
        if ExportType.ACTIVITIES_CSV.value in types:
            files.append(self._export_csv(job, query, count, owner, progress))
            progress.offset += count
            failpoint("export.csv_done")
        if ExportType.ACTIVITIES_PDFS.value in types:
            files.extend(self._export_pdfs(job, query, count, owner, progress, first_position=len(files)))
            failpoint("export.pdfs_done")
        progress.beat(0, force=True)
        files.extend(self._write_manifest(job, files, count))
        failpoint("export.manifest_written")
        return files, count

    def write_rows(
        self,
        statement: Select[Any],
        columns: tuple[OutputColumn, ...],
        out: BinaryIO,
        *,
        header: bool,
        on_progress: Callable[[int], None],
        in_process: bool = False,
    ) -> int:
        """The rows of `statement` as CSV: on SQLite through ADBC in a child process (or in this
        process for small exports), on PostgreSQL through COPY."""
        database_path = sqlite_file(self.engine)
        if database_path is not None and in_process:
            return write_csv(
                stream_batches(self.engine, statement),
                columns,
                out,
                bom=self.settings.csv_bom,
                header=header,
                on_batch=on_progress,
            )
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
        export_postgres = (
            export_postgres_csv if self.settings.postgres_csv == "copy" else export_postgres_arrow
        )
        return export_postgres(
            self.engine,
            statement,
            columns,
            out,
            bom=self.settings.csv_bom,
            header=header,
            on_progress=on_progress,
        )

    def _export_csv(
        self, job: ExportJob, query: CsvQuery, count: int, owner: str, progress: _Progress
    ) -> ExportFile:
        """The CSV in one pass, or above `chunk_rows` in chunks that every worker helps with."""
        name = csv_file_name(job.id)
        key = f"{job.id}/{name}"
        # Chunk boundaries are keyset positions over standard fields; other sorts run in one pass.
        chunkable = all(k.field in STANDARD_BY_NAME for k in query.sort)
        if chunkable and count > self.settings.chunk_rows:
            self.chunked.plan(job, query, count, self.settings.chunk_rows)
            joined = self.chunked.export(
                job, query, owner, self.dispatch_chunk, progress.beat, key, bom=self.settings.csv_bom
            )
            size, digest, rows = joined.size, joined.sha256, joined.rows
        else:
            with self.blobs.writer(key) as handle:
                out = HashingWriter(handle)
                rows = self.write_rows(
                    query.statement,
                    query.columns,
                    cast(Any, out),
                    header=True,
                    on_progress=progress.beat,
                    in_process=count <= limits.IN_PROCESS_EXPORT_ROWS,
                )
            size, digest = out.size, out.sha256()
        progress.beat(rows, force=True)
        return ExportFile(
            name=name,
            export_type=ExportType.ACTIVITIES_CSV.value,
            storage_key=key,
            content_type="text/csv; charset=utf-8",
            size=size,
            sha256=digest,
            rows=rows,
            position=0,
        )

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
            if chunk.kind == PDF:
                self._run_pdf_chunk(job, self._query(job), chunk, None)
            else:
                self.chunked.run_chunk(self._query(job), chunk)
        except StopRequestedError:
            log.info("export.chunk_interrupted job=%s chunk=%d", job_id, position)
        except Exception:
            # The chunk's lease runs out and the job's coordinator takes the chunk over.
            log.exception("export.chunk_failed job=%s chunk=%d", job_id, position)

    def _pdf_scope(self, job: ExportJob) -> ExportScope:
        data = job.data
        return ExportScope(
            id=job.id,
            start=parse_stored(data["start_date"]),
            end=parse_stored(data["end_date"]),
            filter_description=data.get("filter_description") or "all activities",
        )

    def _write_pdfs(
        self,
        job: ExportJob,
        writer: ZipPartWriter,
        on_pdf: Callable[[int], None],
        expected: int,
        positions: ColumnElement[bool] | None = None,
    ) -> int:
        """Render the export's activities (those at `positions`, or all: about `expected`) into
        `writer`, in order."""
        data = job.data
        timestamp = document_timestamp(job)
        scope = self._pdf_scope(job)
        pairs = iter(
            self.evidence.stream(
                account_id=job.account_id,
                site_id=job.site_id,
                start=scope.start,
                end=scope.end,
                filter_node=parse_filter(data.get("filter")),
                sort=parse_sort(data["sort"]),
                positions=positions,
            )
        )
        pool = self.render_pool
        if pool is not None and (pool.started or expected > IN_THREAD_PDFS):
            rendered = pool.render(pairs, scope, timestamp)
        else:  # a small export never waits for child processes to start
            rendered = self.render_here(pairs, scope, timestamp)
        done = 0
        for activity_id, pdf in rendered:
            writer.add(pdf_entry_name(activity_id), pdf)
            done += 1
            on_pdf(done)  # throttled: a database write about once a second
            if done % 25 == 0:
                failpoint("export.pdf_written")
        return done

    def _export_pdfs(
        self,
        job: ExportJob,
        query: CsvQuery,
        count: int,
        owner: str,
        progress: _Progress,
        first_position: int,
    ) -> list[ExportFile]:
        """One evidence PDF per activity, in the export's order, streamed into zip parts: in one
        pass, or above `pdf_chunk_rows` in chunks that every worker helps with (each chunk writes
        zip parts of its own; the parts are numbered in chunk order)."""
        chunkable = all(k.field in STANDARD_BY_NAME for k in query.sort)
        if chunkable and count > self.settings.pdf_chunk_rows:
            self.chunked.plan(job, query, count, self.settings.pdf_chunk_rows, kind=PDF)
            chunks = self.chunked.coordinate(
                job.id,
                owner,
                self.dispatch_chunk,
                progress.beat,
                lambda chunk, on_rows: self._run_pdf_chunk(job, query, chunk, on_rows),
                kind=PDF,
            )
            parts = [ZipPart(**part) for chunk in chunks for part in (chunk.parts or [])]
        else:
            writer = self._zip_writer(
                job, lambda n: pdf_part_name(job.id, n), lambda name: f"{job.id}/{name}"
            )
            try:
                self._write_pdfs(job, writer, progress.beat, count)
                parts = writer.close()
            except BaseException:
                writer.abort()
                raise
        return [
            ExportFile(
                name=pdf_part_name(job.id, index + 1),
                export_type=ExportType.ACTIVITIES_PDFS.value,
                storage_key=p.storage_key,
                content_type="application/zip",
                size=p.size,
                sha256=p.sha256,
                rows=p.entries,
                position=first_position + index,
            )
            for index, p in enumerate(parts)
        ]

    def _zip_writer(
        self, job: ExportJob, part_name: Callable[[int], str], storage_key: Callable[[str], str]
    ) -> ZipPartWriter:
        return ZipPartWriter(
            self.blobs,
            part_name=part_name,
            storage_key=storage_key,
            part_bytes=self.settings.zip_part_bytes,
            date_time=job.created_time,
        )

    def _run_pdf_chunk(
        self, job: ExportJob, query: CsvQuery, chunk: Chunk, on_rows: Callable[[int], None] | None
    ) -> bool:
        """Write one PDF chunk's zip parts and mark it done; False when the chunk was taken from us."""
        beat = self.chunked.beat(chunk, on_rows)
        writer = self._zip_writer(
            job,
            lambda n: f"clickwrap_activities_as_pdfs-{chunk.position:05d}-{n:04d}.zip",
            lambda name: f"{job.id}/parts/{name}",
        )
        try:
            done = self._write_pdfs(
                job,
                writer,
                beat,
                self.settings.pdf_chunk_rows,
                query.chunk_where(*self.chunked.bounds(query, chunk)),
            )
            parts = writer.close()
        except LeaseLostError:
            writer.abort()
            log.warning("export.chunk_lease_lost job=%s chunk=%d", chunk.job_id, chunk.position)
            return False
        except BaseException:
            writer.abort()
            raise
        log.info("export.chunk_written job=%s chunk=%d pdfs=%d", chunk.job_id, chunk.position, done)
        completed = self.chunked.chunks.complete(
            chunk,
            now=self.clock(),
            rows=done,
            size=sum(p.size for p in parts),
            sha256=parts[0].sha256,
            storage_key=parts[0].storage_key,
            parts=[asdict(p) for p in parts],
        )
        failpoint("export.pdf_chunk_done")
        return completed

    def _write_manifest(self, job: ExportJob, files: list[ExportFile], rows: int) -> list[ExportFile]:
        """manifest.json, and its RFC 3161 timestamp when a timestamp authority is configured."""
        key = self.keys.for_site(job.site_id)
        body = manifest_body(
            export_id=job.id,
            account_id=job.account_id,
            site_id=job.site_id,
            created_time=format_stored(job.created_time),
            data=job.data,
            row_count=rows,
            files=[
                ManifestFile(f.name, f.export_type, f.content_type, f.size, f.sha256, f.rows) for f in files
            ],
            version=__version__,
            generated_time=format_stored(self.clock()),
            key=key,
        )
        content = signed_manifest(body, key)
        written = [
            self._write_small_file(
                job, MANIFEST_NAME, MANIFEST_EXPORT_TYPE, "application/json", content, len(files)
            )
        ]
        if self.settings.tsa_url:
            reply = request_timestamp(
                self.settings.tsa_url,
                content,
                timeout=self.settings.tsa_timeout_seconds,
                certificate=self.settings.tsa_certificate,
            )
            name = MANIFEST_NAME + TIMESTAMP_SUFFIX
            written.append(
                self._write_small_file(
                    job, name, TIMESTAMP_EXPORT_TYPE, TIMESTAMP_CONTENT_TYPE, reply, len(files) + 1
                )
            )
        return written

    def _write_small_file(
        self, job: ExportJob, name: str, export_type: str, content_type: str, content: bytes, position: int
    ) -> ExportFile:
        storage_key = f"{job.id}/{name}"
        with self.blobs.writer(storage_key) as handle:
            out = HashingWriter(handle)
            out.write(content)
        return ExportFile(
            name=name,
            export_type=export_type,
            storage_key=storage_key,
            content_type=content_type,
            size=out.size,
            sha256=out.sha256(),
            rows=0,
            position=position,
        )


class _Progress:
    """Throttled progress reports; each one renews the lease or reveals that it was lost."""

    def __init__(self, runner: ExportRunner, job: ExportJob, total: int) -> None:
        self.runner = runner
        self.job = job
        self.total = total
        self.offset = 0  # rows already counted by earlier files of the export
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
            processed=self.offset + processed,
            total=self.total,
        )
        if not alive:
            raise LeaseLostError(self.job.id)
