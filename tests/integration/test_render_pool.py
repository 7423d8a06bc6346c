"""Evidence PDFs rendered in child processes (a process with several workers): the same bytes as
rendering in the worker thread, and a pool whose child died is replaced."""

from __future__ import annotations

import os
import signal
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from clickproof.bootstrap import System, build_system
from clickproof.domain.export_job import JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.evidence.verify import verify_export
from clickproof.export.pdf_phase import IN_THREAD_PDFS, document_timestamp
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.export.render_pool import render_pairs
from clickproof.export.zip_parts import pdf_entry_name
from clickproof.services.demo_data import DemoResult, seed_demo
from tests.conftest import make_settings
from tests.integration.export_jobs import create_export, run_export
from tests.integration.test_evidence_export import copy_files

BODY = {
    "start_date": (utc_now() - timedelta(days=120)).isoformat(),
    "export_types": ["clickwrap_activities_as_pdfs"],
}


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[tuple[System, DemoResult]]:
    system = build_system(make_settings(tmp_path / "home", workers=2, pdf_processes=2))
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=IN_THREAD_PDFS + 40, seed=3)
    yield system, demo
    system.close()


def test_the_pool_renders_the_same_bytes_as_the_thread(
    pooled: tuple[System, DemoResult], tmp_path: Path
) -> None:
    system, demo = pooled
    job = run_export(system, demo, BODY)
    assert system.runner.render_pool is not None and system.runner.render_pool.started
    part = system.exports.blobs.local_path(job.files[0].storage_key)
    assert part is not None
    with zipfile.ZipFile(part) as archive:
        entries = {name: archive.read(name) for name in archive.namelist() if name != "SHA256SUMS"}
    assert len(entries) == IN_THREAD_PDFS + 40

    scope = system.runner._pdf_scope(job)
    pairs = system.evidence.stream(
        account_id=job.account_id,
        site_id=job.site_id,
        start=scope.start,
        end=scope.end,
        filter_node=None,
        sort=(),
    )
    key, seal = system.runner.evidence_key(job.site_id)
    here = dict(render_pairs(EvidencePdfRenderer(), pairs, scope, document_timestamp(job), key, seal))
    mine = {pdf_entry_name(i): pdf for i, pdf in here.items()}
    assert mine.keys() == entries.keys()
    assert [n for n in mine if mine[n] != entries[n]] == []
    assert verify_export([copy_files(system, job, tmp_path / "downloads")]).ok


def test_a_pool_whose_child_died_is_replaced(pooled: tuple[System, DemoResult]) -> None:
    system, demo = pooled
    pool = system.runner.render_pool
    assert pool is not None
    run_export(system, demo, BODY)  # starts the pool
    executor = pool._executor
    assert executor is not None
    for process in list(executor._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
    time.sleep(0.5)

    job_id = create_export(system, demo, BODY)
    system.runner.run(job_id, "worker")
    failed = system.jobs.get(job_id)
    assert failed is not None and failed.status is not JobStatus.SUCCESS and failed.attempt == 1
    system.runner.run(job_id, "worker")  # the next attempt starts a new pool
    done = system.jobs.get(job_id)
    assert done is not None and done.status is JobStatus.SUCCESS, done
    assert pool._executor is not None and pool._executor is not executor
