"""Parallel chunked CSV exports.

A large export is cut along its sort order into chunks of about `chunk_rows` rows, at positions
found by OFFSET from the previous position on the ordered rows (keyset bounds, so each chunk is
an index range). Each chunk writes one part — its rows, no header — under a key of its own, so a
chunk that runs again overwrites only its own part. Any worker may run any chunk (a
compare-and-set claim with a lease, like jobs); the job's attempt coordinates: it runs chunks
too, takes over chunks whose worker died, and joins header + parts in order into the final file
(a joiner thread appends each part as soon as it and all parts before it are done). The bytes
equal those of a single-worker export.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Protocol, cast

from sqlalchemy import Engine, Select

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportJob
from clickproof.domain.fields import STANDARD_BY_NAME, FieldType
from clickproof.domain.timestamps import format_stored, parse_stored
from clickproof.export.attempt import LeaseLostError, StopRequestedError
from clickproof.export.csv_query import CsvQuery, OutputColumn
from clickproof.export.csv_writer import header_line
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.published_join import verified_join
from clickproof.failpoints import failpoint
from clickproof.query.sort import SortKey
from clickproof.store.export_chunks import CSV, DONE, Chunk, ChunkStore

log = logging.getLogger("clickproof.export")
COPY_BUFFER = 1024 * 1024
JOIN_POLL_SECONDS = 0.05
# CLICKPROOF_CHUNK_ROWS when unset. On PostgreSQL one export already keeps two cores busy (the
# server's query, the worker's encoding): chunks pay only with more cores, typically workers on
# other machines than the database (bench/README.md measures both).
DEFAULT_CHUNK_ROWS = {"sqlite": 250_000, "postgresql": 2_000_000}
_BOM = "\ufeff".encode()


class RowWriter(Protocol):
    def __call__(
        self,
        statement: Select[Any],
        columns: tuple[OutputColumn, ...],
        out: BinaryIO,
        *,
        header: bool,
        on_progress: Callable[[int], None],
    ) -> int: ...


@dataclass(frozen=True)
class JoinedFile:
    size: int
    sha256: str
    rows: int


def encode_position(keys: tuple[SortKey, ...], values: tuple[Any, ...]) -> list[Any]:
    return [format_stored(v) if isinstance(v, datetime) else v for v in values]


def decode_position(keys: tuple[SortKey, ...], values: list[Any] | None) -> tuple[Any, ...] | None:
    if values is None:
        return None
    return tuple(
        parse_stored(v) if v is not None and STANDARD_BY_NAME[k.field].type is FieldType.DATETIME else v
        for k, v in zip(keys, values, strict=True)
    )


def part_key(job_id: str, position: int) -> str:
    return f"{job_id}/parts/clickwrap_activities-{position:05d}.csv"


class ChunkedCsvExport:
    def __init__(
        self,
        *,
        engine: Engine,
        blobs: BlobStore,
        chunks: ChunkStore,
        write_rows: RowWriter,
        lease: timedelta,
        heartbeat_seconds: float,
        clock: Callable[[], datetime],
        stopping: threading.Event,
    ) -> None:
        self.engine = engine
        self.blobs = blobs
        self.chunks = chunks
        self.write_rows = write_rows
        self.lease = lease
        self.heartbeat_seconds = heartbeat_seconds
        self.clock = clock
        self.stopping = stopping

    def plan(
        self, job: ExportJob, query: CsvQuery, total: int, chunk_rows: int, kind: str = CSV
    ) -> list[Chunk]:
        """Cut the rows into chunks (once per job and kind: a retried job keeps its plan and its
        parts)."""
        existing = self.chunks.chunks(job.id, kind)
        if existing:
            return existing
        positions: list[list[Any]] = []
        low: tuple[Any, ...] | None = None
        with self.engine.connect() as conn:
            for _ in range(chunk_rows, total, chunk_rows):
                row = conn.execute(query.position_statement(low, chunk_rows)).first()
                if row is None:
                    break
                low = tuple(row)
                positions.append(encode_position(query.sort, low))
        lows: list[list[Any] | None] = [None, *positions]
        highs: list[list[Any] | None] = [*positions, None]
        self.chunks.plan(job.id, list(zip(lows, highs, strict=True)), self.clock(), kind)
        planned = self.chunks.chunks(job.id, kind)
        log.info("export.chunks_planned job=%s kind=%s chunks=%d", job.id, kind, len(planned))
        failpoint("export.chunks_planned")
        return planned

    def run_chunk(self, query: CsvQuery, chunk: Chunk, on_rows: Callable[[int], None] | None = None) -> bool:
        """Write one chunk's part and mark it done; False when the chunk was taken from us."""
        key = part_key(chunk.job_id, chunk.position)
        beat = self.beat(chunk, on_rows)
        statement = query.chunk_statement(*self.bounds(query, chunk))
        try:
            with self.blobs.writer(key) as handle:
                out = HashingWriter(handle)
                rows = self.write_rows(
                    statement, query.columns, cast(Any, out), header=False, on_progress=beat
                )
        except LeaseLostError:
            log.warning("export.chunk_lease_lost job=%s chunk=%d", chunk.job_id, chunk.position)
            return False
        done = self.chunks.complete(
            chunk, now=self.clock(), rows=rows, size=out.size, sha256=out.sha256(), storage_key=key
        )
        log.info("export.chunk_written job=%s chunk=%d rows=%d", chunk.job_id, chunk.position, rows)
        failpoint("export.chunk_done")
        return done

    def beat(self, chunk: Chunk, on_rows: Callable[[int], None] | None) -> Callable[[int], None]:
        """`beat(rows)` renews the chunk's lease (throttled); raises when the chunk was lost or
        the worker stops."""
        return _ChunkBeat(self, chunk, on_rows)

    @staticmethod
    def bounds(query: CsvQuery, chunk: Chunk) -> tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]:
        return decode_position(query.sort, chunk.low), decode_position(query.sort, chunk.high)

    def coordinate(
        self,
        job_id: str,
        owner: str,
        dispatch_chunk: Callable[[str, int], None],
        report: Callable[[int], None],
        run: Callable[[Chunk, Callable[[int], None]], object],
        kind: str = CSV,
    ) -> list[Chunk]:
        """Run the job's chunks of `kind` with every worker that takes one (this attempt runs
        them with `run(chunk, on_rows)`); return them once all are done.

        `report(rows done)` renews the job's lease; it raises when the attempt must stop.
        """
        for planned in self.chunks.chunks(job_id, kind):
            if planned.status != DONE:
                dispatch_chunk(job_id, planned.position)
        while True:
            claimed = self.chunks.claim(
                job_id, None, owner=owner, now=self.clock(), lease=self.lease, kind=kind
            )
            if claimed is not None:
                done_before = sum(c.rows for c in self.chunks.chunks(job_id, kind) if c.status == DONE)

                def report_with_done(rows: int, base: int = done_before) -> None:
                    report(base + rows)

                run(claimed, report_with_done)
                continue
            chunks = self.chunks.chunks(job_id, kind)
            if all(c.status == DONE for c in chunks):
                return chunks
            report(sum(c.rows for c in chunks if c.status == DONE))
            time.sleep(min(JOIN_POLL_SECONDS, self.heartbeat_seconds))

    def export(
        self,
        job: ExportJob,
        query: CsvQuery,
        owner: str,
        dispatch_chunk: Callable[[str, int], None],
        report: Callable[[int], None],
        key: str,
        *,
        bom: bool,
    ) -> JoinedFile:
        """Run the chunks and join header + parts, in order, into the final file at `key`.

        The join runs while chunks still run: a joiner thread appends each part as soon as it and
        all parts before it are done. The file becomes visible only when complete (the blob
        writer renames or completes it at the end). A file an interrupted attempt already joined
        is reused when it matches every recorded part (export/published_join.py); chunks whose
        parts are gone otherwise are written again.
        """
        prefix = (_BOM if bom else b"") + header_line(query.columns)
        reused = self._published(job.id, key, prefix)
        if reused is not None:
            return reused
        with self.blobs.writer(key) as handle:
            out = HashingWriter(handle)
            out.write(prefix)
            joiner = _PartJoiner(self, job.id, out)
            try:
                chunks = self.coordinate(
                    job.id,
                    owner,
                    dispatch_chunk,
                    report,
                    lambda chunk, on_rows: self.run_chunk(query, chunk, on_rows=on_rows),
                )
            finally:
                joiner.stop()
            joiner.append_ready(chunks)
        failpoint("export.joined")  # the file is published, its parts are still there
        self._delete_parts(chunks)
        failpoint("export.parts_deleted")
        return JoinedFile(out.size, out.sha256(), sum(c.rows for c in chunks))

    def _published(self, job_id: str, key: str, prefix: bytes) -> JoinedFile | None:
        chunks = self.chunks.chunks(job_id)
        missing = [
            c
            for c in chunks
            if c.status == DONE and (c.storage_key is None or not self.blobs.exists(c.storage_key))
        ]
        if not missing:
            return None
        if len(missing) == len(chunks):
            found = verified_join(self.blobs, key, prefix, chunks)
            if found is not None:
                log.info("export.join_reused job=%s chunks=%d", job_id, len(chunks))
                return JoinedFile(found[0], found[1], sum(c.rows for c in chunks))
        self.chunks.reopen(job_id, [c.position for c in missing], self.clock())
        log.warning("export.parts_rewritten job=%s chunks=%d", job_id, len(missing))
        return None

    def _delete_parts(self, chunks: list[Chunk]) -> None:
        for chunk in chunks:
            if chunk.storage_key is not None:
                self.blobs.delete(chunk.storage_key)


class _PartJoiner:
    """Appends done parts, in order, to the final file on a thread of its own."""

    def __init__(self, export: ChunkedCsvExport, job_id: str, out: HashingWriter) -> None:
        self.export = export
        self.job_id = job_id
        self.out = out
        self.appended = 0
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"join-{job_id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(JOIN_POLL_SECONDS):
                self.append_ready(self.export.chunks.chunks(self.job_id))
        except BaseException as exc:  # raised in the coordinating thread by stop()
            self._error = exc

    def append_ready(self, chunks: list[Chunk]) -> None:
        while self.appended < len(chunks) and chunks[self.appended].status == DONE:
            if self._stop.is_set() and threading.current_thread() is self._thread:
                return
            storage_key = chunks[self.appended].storage_key
            assert storage_key is not None
            with self.export.blobs.reader(storage_key) as part:
                while block := part.read(COPY_BUFFER):
                    self.out.write(block)
            self.appended += 1
            failpoint("export.part_appended")

    def stop(self) -> None:
        """Stop the thread (after the part it is appending) and raise its error, if any."""
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error


class _ChunkBeat:
    """Renews a chunk's lease as rows are written (throttled); stops the chunk when it was lost."""

    def __init__(self, export: ChunkedCsvExport, chunk: Chunk, on_rows: Callable[[int], None] | None) -> None:
        self.export = export
        self.chunk = chunk
        self.on_rows = on_rows
        self.last = 0.0

    def __call__(self, rows: int) -> None:
        if self.export.stopping.is_set():
            raise StopRequestedError(self.chunk.job_id)
        now = time.monotonic()
        if now - self.last < self.export.heartbeat_seconds:
            return
        self.last = now
        if not self.export.chunks.heartbeat(
            self.chunk, now=self.export.clock(), lease=self.export.lease, rows=rows
        ):
            raise LeaseLostError(self.chunk.job_id)
        if self.on_rows is not None:
            self.on_rows(rows)
