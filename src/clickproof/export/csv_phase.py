"""The `clickwrap_activities` CSV of an export attempt: the job's query, its rows written in one
pass (SQLite through ADBC in a child process or in this one, PostgreSQL through COPY or Arrow) or
above `chunk_rows` in chunks that every worker helps with (export/chunked_csv.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO, cast

from sqlalchemy import Engine, Select

from clickproof.blobstore.base import BlobStore
from clickproof.domain import limits
from clickproof.domain.export_job import ExportFile, ExportJob, ExportType
from clickproof.domain.export_request import Column
from clickproof.domain.fields import STANDARD_BY_NAME, Family
from clickproof.domain.timestamps import parse_stored
from clickproof.export.attempt_progress import AttemptProgress
from clickproof.export.chunked_csv import ChunkedCsvExport
from clickproof.export.csv_query import CsvQuery, OutputColumn, build_csv_query
from clickproof.export.csv_writer import write_csv
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.postgres_arrow import export_postgres_arrow
from clickproof.export.postgres_copy import export_postgres_csv
from clickproof.export.row_source import stream_batches
from clickproof.export.runner_settings import RunnerSettings
from clickproof.export.sqlite_csv_process import export_sqlite_csv
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.store.activities import ActivityStore
from clickproof.store.database import sqlite_file


def csv_file_name(job_id: str) -> str:
    return f"clickwrap_activities-{job_id}.csv"


class CsvPhase:
    """The CSV part of ExportRunner (export/runner.py), which holds these attributes."""

    engine: Engine
    blobs: BlobStore
    settings: RunnerSettings
    activities: ActivityStore
    chunked: ChunkedCsvExport
    dispatch_chunk: Callable[[str, int], None]

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
        self, job: ExportJob, query: CsvQuery, count: int, owner: str, progress: AttemptProgress
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
