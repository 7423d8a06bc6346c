"""One attempt of an export job: claim → stream rows → write files → publish → commit.

The job row is the truth. The claim is a compare-and-set; progress doubles as the lease
heartbeat; a lost lease aborts the attempt; the files are published under keys derived from
the job id, and the status change to success, with the files, is the single commit point.
The files are written by the phases ExportRunner is made of: export/csv_phase.py,
export/pdf_phase.py (and export/session_pdfs.py), export/manifest_phase.py.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from clickproof import metrics, request_context
from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportFile, ExportJob, ExportType, JobStatus
from clickproof.domain.retry_backoff import retry_delay
from clickproof.domain.timestamps import utc_now
from clickproof.export.attempt import LeaseLostError, StopRequestedError
from clickproof.export.attempt_progress import AttemptProgress
from clickproof.export.cancelled_files import remove_unpublished
from clickproof.export.chunked_csv import ChunkedCsvExport
from clickproof.export.csv_phase import CsvPhase, csv_file_name
from clickproof.export.failure_reasons import failure_reason
from clickproof.export.manifest_phase import ManifestPhase
from clickproof.export.pdf_phase import PdfPhase, pdf_part_name
from clickproof.export.render_pool import RenderPool
from clickproof.export.runner_settings import RunnerSettings
from clickproof.export.session_pdfs import export_session_pdfs, session_part_name
from clickproof.failpoints import failpoint
from clickproof.services.evidence_keys import EvidenceKeys
from clickproof.store.activities import ActivityStore
from clickproof.store.evidence import EvidenceStore
from clickproof.store.export_chunks import PDF, ChunkStore
from clickproof.store.export_jobs import ExportJobStore

log = logging.getLogger("clickproof.export")


class ExportRunner(CsvPhase, PdfPhase, ManifestPhase):
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
        self._renderer = None
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
        if job.attempts_spent > self.settings.max_attempts:
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
            self._after_cancel(job)
            return
        except StopRequestedError:
            self._hand_back(job)
            return
        except Exception as exc:
            self._attempt_failed(job, exc)
            return
        failpoint("export.before_commit")
        message = f"Export job completed: {rows} activities exported."
        parts = sum(1 for f in files if f.export_type == ExportType.ACTIVITIES_PDFS.value)
        if ExportType.ACTIVITIES_PDFS.value in job.data.get("export_types", []):
            message += f" {rows} evidence PDFs in {parts} zip file(s)."
        sessions = [f for f in files if f.export_type == ExportType.SESSIONS_PDFS.value]
        if sessions:
            message += f" {sum(f.rows for f in sessions)} session PDFs in {len(sessions)} zip file(s)."
        if self.jobs.succeed(
            job.id, attempt=job.attempt, now=self.clock(), message=message, files=files, processed=rows
        ):
            log.info("export.succeeded job=%s rows=%d", job.id, rows)
            failpoint("export.committed")
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
        spent = job.attempts_spent
        if spent >= self.settings.max_attempts:
            self.jobs.fail(
                job.id,
                attempt=job.attempt,
                now=now,
                message=f"Export job failed after {spent} attempts ({reason}).",
            )
        else:
            delay = retry_delay(spent, self.settings.retry_base_seconds)
            self.jobs.release(
                job.id,
                attempt=job.attempt,
                now=now,
                message=f"Attempt {spent} failed ({reason}); it will be retried in {math.ceil(delay)} s.",
                retry_time=now + timedelta(seconds=delay),
            )

    def _hand_back(self, job: ExportJob) -> None:
        """A graceful shutdown stopped the attempt: give the job back without spending an attempt,
        unless it has been handed back `max_handbacks` times already (then it ends failed)."""
        now = self.clock()
        handed_back = job.handed_back + 1
        if job.handed_back >= self.settings.max_handbacks:
            self.jobs.fail(
                job.id,
                attempt=job.attempt,
                now=now,
                message=(
                    f"Export job stopped: it was interrupted by {handed_back} shutdowns before it "
                    "could finish. Create it again when the workers run without restarting."
                ),
            )
            log.warning("export.failed job=%s reason=handed_back_too_often", job.id)
            return
        self.jobs.release(
            job.id,
            attempt=job.attempt,
            now=now,
            message="Export interrupted by a shutdown; it resumes when a worker is back.",
            handed_back=True,
        )
        log.info("export.handed_back job=%s attempt=%d handed_back=%d", job.id, job.attempt, handed_back)

    def _after_cancel(self, job: ExportJob) -> None:
        """A lost job that was cancelled: remove the files this attempt wrote but never published."""
        now = self.jobs.get(job.id)
        if now is None or now.cancelled_time is None:
            return
        removed = sum(
            remove_unpublished(self.blobs, job.id, csv_file_name(job.id), part_name)
            for part_name in (lambda n: pdf_part_name(job.id, n), lambda n: session_part_name(job.id, n))
        )
        log.info("export.cancelled_stopped job=%s attempt=%d removed=%d", job.id, job.attempt, removed)

    def _export(self, job: ExportJob, owner: str) -> tuple[list[ExportFile], int]:
        query = self._query(job)
        types = job.data.get("export_types") or [ExportType.ACTIVITIES_CSV.value]
        with self.engine.connect() as conn:
            count = int(conn.execute(query.count_statement).scalar_one())
        progress = AttemptProgress(self, job, count * len(types))
        progress.beat(0, force=True)
        files: list[ExportFile] = []
        if ExportType.ACTIVITIES_CSV.value in types:
            files.append(self._export_csv(job, query, count, owner, progress))
            progress.offset += count
            failpoint("export.csv_done")
        if ExportType.ACTIVITIES_PDFS.value in types:
            files.extend(self._export_pdfs(job, query, count, owner, progress, first_position=len(files)))
            failpoint("export.pdfs_done")
            progress.offset += count
        if ExportType.SESSIONS_PDFS.value in types:
            files.extend(export_session_pdfs(self, job, progress.beat, first_position=len(files)))
        progress.beat(0, force=True)
        files.extend(self._write_manifest(job, files, count))
        failpoint("export.manifest_written")
        return files, count

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
