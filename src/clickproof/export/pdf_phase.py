"""The `clickwrap_activities_as_pdfs` files of an export attempt: one evidence PDF per activity,
in the export's order, rendered in this thread or in child processes (export/render_pool.py) and
streamed into zip parts, in one pass or above `pdf_chunk_rows` in chunks that every worker helps
with. Also the process's one renderer, which the single-record routes share."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import datetime

from sqlalchemy.sql.elements import ColumnElement

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportFile, ExportJob, ExportType
from clickproof.domain.fields import STANDARD_BY_NAME
from clickproof.domain.timestamps import parse_stored
from clickproof.evidence.record import ExportScope, KeyNames
from clickproof.evidence.signing import SigningKey, fingerprint_of
from clickproof.export.attempt import LeaseLostError
from clickproof.export.attempt_progress import AttemptProgress
from clickproof.export.chunked_csv import ChunkedCsvExport
from clickproof.export.csv_query import CsvQuery
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.export.render_pool import Pair, RenderPool, render_pairs
from clickproof.export.runner_settings import RunnerSettings
from clickproof.export.zip_parts import ZipPart, ZipPartWriter, part_files, pdf_entry_name
from clickproof.failpoints import failpoint
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.services.evidence_keys import EvidenceKeys
from clickproof.store.evidence import EvidenceStore
from clickproof.store.export_chunks import PDF, Chunk

log = logging.getLogger("clickproof.export")
IN_THREAD_PDFS = 64  # exports this small are rendered in the worker thread, never waiting for a pool


def pdf_part_name(job_id: str, part: int) -> str:
    return f"clickwrap_activities_as_pdfs-{job_id}-part{part:04d}.zip"


def document_timestamp(job: ExportJob) -> int:
    """The date written into every PDF of an export: the job's creation, so re-runs match."""
    return int(job.created_time.timestamp())


class PdfPhase:
    """The evidence PDF part of ExportRunner (export/runner.py), which holds these attributes."""

    blobs: BlobStore
    settings: RunnerSettings
    keys: EvidenceKeys
    evidence: EvidenceStore
    clock: Callable[[], datetime]
    chunked: ChunkedCsvExport
    dispatch_chunk: Callable[[str, int], None]
    render_pool: RenderPool | None
    _renderer: EvidencePdfRenderer | None
    _render_lock: threading.Lock

    def renderer(self) -> EvidencePdfRenderer:
        """The renderer of this process's worker threads: one, used under `_render_lock` (its
        typst compilers are not thread-safe, and rendering holds the interpreter lock anyway;
        processes with several workers render in `render_pool`)."""
        with self._render_lock:
            if self._renderer is None:
                self._renderer = EvidencePdfRenderer()
            return self._renderer

    def evidence_key(self, site_id: int) -> tuple[KeyNames, SigningKey | None]:
        """The site's evidence key (made on first use) in one read: as its certificates print it,
        and as it seals its PDFs (None: unsealed, CLICKPROOF_PDF_SEAL=false)."""
        key = self.keys.for_site(site_id)
        return KeyNames(key.key_id, fingerprint_of(key.public_key)), key if self.settings.pdf_seal else None

    def render_here(
        self,
        pairs: Iterator[Pair],
        scope: ExportScope | None,
        timestamp: int,
        key: KeyNames | None = None,
        seal: SigningKey | None = None,
    ) -> Iterator[tuple[str, bytes]]:
        """(activity id, evidence PDF) for each pair, in this thread, with this process's one
        renderer (export workers and the single-record route share it)."""
        renderer = self.renderer()
        for pair in pairs:
            with self._render_lock:
                rendered = next(render_pairs(renderer, (pair,), scope, timestamp, key, seal))
            yield rendered

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
        key, seal = self.evidence_key(job.site_id)
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
            rendered = pool.render(pairs, scope, timestamp, key, seal)
        else:  # a small export never waits for child processes to start
            rendered = self.render_here(pairs, scope, timestamp, key, seal)
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
        progress: AttemptProgress,
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
            writer = self.zip_writer(job, lambda n: pdf_part_name(job.id, n), lambda name: f"{job.id}/{name}")
            try:
                self._write_pdfs(job, writer, progress.beat, count)
                parts = writer.close()
            except BaseException:
                writer.abort()
                raise
        return part_files(
            parts,
            export_type=ExportType.ACTIVITIES_PDFS.value,
            part_name=lambda n: pdf_part_name(job.id, n),
            first_position=first_position,
        )

    def zip_writer(
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
        writer = self.zip_writer(
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
