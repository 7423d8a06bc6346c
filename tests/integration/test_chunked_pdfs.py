"""Evidence PDFs in chunks: every worker renders chunks; parts come in chunk order; a chunk that
runs again writes the same bytes; the export verifies — on SQLite and PostgreSQL."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from clickproof.bootstrap import System, build_system
from clickproof.domain.export_job import JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.evidence.verify import verify_export
from clickproof.services.demo_data import DemoResult, seed_demo
from clickproof.store.export_chunks import DONE, PDF
from clickproof.store.tables import activities, export_chunks
from tests.conftest import make_settings
from tests.integration.export_jobs import run_export
from tests.integration.test_evidence_export import copy_files

START = (utc_now() - timedelta(days=120)).isoformat()
PDFS = "clickwrap_activities_as_pdfs"


@pytest.fixture
def chunked(tmp_path: Path, database_url: str) -> Iterator[tuple[System, DemoResult]]:
    system = build_system(make_settings(tmp_path / "home", database_url=database_url, pdf_chunk_rows=15))
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=120, seed=5)
    yield system, demo
    system.close()


def _export(system: System, demo: DemoResult) -> str:
    with system.engine.connect() as conn:
        ids = [r.id for r in conn.execute(select(activities.c.id).order_by(activities.c.id).limit(40))]
    body = {
        "start_date": START,
        "filter": {"id": {"$in": ids}},
        "export_types": ["clickwrap_activities", PDFS],
    }
    return run_export(system, demo, body, owner="coordinator").id


def _entries(system: System, storage_key: str) -> list[str]:
    path = system.exports.blobs.local_path(storage_key)
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        return [n for n in archive.namelist() if n != "SHA256SUMS"]


def test_chunked_pdfs_cover_the_export_in_order_and_verify(
    chunked: tuple[System, DemoResult], tmp_path: Path
) -> None:
    system, demo = chunked
    job_id = _export(system, demo)
    job = system.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.SUCCESS, job
    chunks = system.runner.chunked.chunks.chunks(job_id, PDF)
    assert len(chunks) == 3 and all(c.status == DONE for c in chunks)
    assert [c.rows for c in chunks] == [15, 15, 10]
    csv_file, *zips, manifest = job.files
    assert [f.name for f in zips] == [f"{PDFS}-{job_id}-part{n:04d}.zip" for n in (1, 2, 3)]
    assert [f.position for f in job.files] == list(range(5)) and manifest.name == "manifest.json"
    csv_path = system.exports.blobs.local_path(csv_file.storage_key)
    assert csv_path is not None
    csv_ids = [line.split(",")[0].strip('"') for line in csv_path.read_text().splitlines()[1:]]
    assert [e for f in zips for e in _entries(system, f.storage_key)] == [f"{i}.pdf" for i in csv_ids]
    verdict = verify_export([copy_files(system, job, tmp_path / "downloads")])
    assert verdict.ok, verdict.problems


def test_a_pdf_chunk_that_runs_again_writes_the_same_part(chunked: tuple[System, DemoResult]) -> None:
    system, demo = chunked
    job_id = _export(system, demo)
    job = system.jobs.get(job_id)
    assert job is not None
    second = system.runner.chunked.chunks.chunks(job_id, PDF)[1]
    assert second.parts is not None
    with system.engine.begin() as conn:
        conn.execute(
            update(export_chunks)
            .where(export_chunks.c.job_id == job_id, export_chunks.c.position == second.position)
            .values(status="pending")
        )
    claimed = system.runner.chunked.chunks.claim(
        job_id, second.position, owner="again", now=utc_now(), lease=timedelta(seconds=30)
    )
    assert claimed is not None and claimed.kind == PDF
    assert system.runner._run_pdf_chunk(job, system.runner._query(job), claimed, None)
    again = system.runner.chunked.chunks.chunks(job_id, PDF)[1]
    assert again.parts == second.parts and again.attempt == second.attempt + 1
