"""An export job that processes ran with interruptions, and then ran again from nothing, for the
e2e tests that compare the two: the job's row and published files as the database names them, the
reset to the job as it was created, and the comparison of the two runs' files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from clickproof.store.database import create_db_engine
from clickproof.store.tables import export_chunks, export_files, export_jobs


def job_row(database_url: str, job_id: str) -> Any:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).one()
    finally:
        engine.dispose()


def published_files(database_url: str, export_dir: Path, job_id: str) -> dict[str, bytes]:
    """The job's files by name, with the bytes stored under their keys."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(export_files.c.name, export_files.c.storage_key).where(export_files.c.job_id == job_id)
            ).all()
    finally:
        engine.dispose()
    return {name: (export_dir / key).read_bytes() for name, key in rows}


def reset_job(database_url: str, export_dir: Path, job_id: str) -> None:
    """The job as it was when created: no attempts, hand-backs, chunks, files or published bytes."""
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(export_files).where(export_files.c.job_id == job_id))
            conn.execute(delete(export_chunks).where(export_chunks.c.job_id == job_id))
            conn.execute(
                update(export_jobs)
                .where(export_jobs.c.id == job_id)
                .values(
                    status="pending",
                    active=True,
                    attempt=0,
                    handed_back=0,
                    retry_count=0,
                    lease_owner=None,
                    lease_expires_time=None,
                    dispatched_time=None,
                    retry_time=None,
                    processed=0,
                    total=None,
                )
            )
    finally:
        engine.dispose()
    shutil.rmtree(export_dir / job_id)


def _manifest_without_times(content: bytes) -> dict[str, Any]:
    """The manifest apart from `generated_time` and the signature over it: the time it was written
    is an honest record of the run that wrote it."""
    document: dict[str, Any] = json.loads(content)
    del document["manifest"]["generated_time"]
    del document["signature"]["value"]
    return document


def assert_same_files(interrupted: dict[str, bytes], uninterrupted: dict[str, bytes]) -> None:
    """The same files, equal byte for byte, the manifest apart from the time it was written."""
    assert sorted(interrupted) == sorted(uninterrupted)
    for name, content in interrupted.items():
        if name == "manifest.json":
            assert _manifest_without_times(content) == _manifest_without_times(uninterrupted[name])
        else:
            assert content == uninterrupted[name], name


def temporary_files(export_dir: Path) -> list[Path]:
    """Files left half-written below `export_dir`."""
    return [p for p in export_dir.rglob("*") if p.name.endswith(".tmp")]
