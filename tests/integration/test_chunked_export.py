"""Chunked exports: keyset ranges, parts, join, re-runs — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clickproof.bootstrap import System, build_system
from clickproof.domain.export_job import JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.export.chunked_csv import encode_position, part_key
from clickproof.services.demo_data import DemoResult, seed_demo
from clickproof.store.tables import activities
from tests.conftest import make_settings
from tests.integration.export_jobs import create_export

START = (utc_now() - timedelta(days=120)).isoformat()
SORTS = [
    "-created_time",
    "signer_id,-created_time",
    "version_number,event_type",
    "-group,batch",
    "test_mode,-id",
]


@pytest.fixture
def chunked(tmp_path: Path, database_url: str) -> Iterator[tuple[System, DemoResult]]:
    system = build_system(make_settings(tmp_path / "home", database_url=database_url, chunk_rows=37))
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=400, seed=9)
    yield system, demo
    system.close()


def _file_bytes(system: System, job_id: str) -> bytes:
    job = system.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.SUCCESS, job
    path = system.exports.blobs.local_path(job.files[0].storage_key)
    assert path is not None
    return path.read_bytes()


@pytest.mark.parametrize("sort", SORTS)
def test_keyset_chunks_cover_the_order_exactly(chunked: tuple[System, DemoResult], sort: str) -> None:
    system, demo = chunked
    job = system.jobs.get(create_export(system, demo, {"start_date": START, "sort": sort}))
    assert job is not None
    query = system.runner._query(job)
    ids_statement = query.statement.with_only_columns(activities.c.id)
    with system.engine.connect() as conn:
        everything = [r.id for r in conn.execute(ids_statement)]
        cuts = sorted(random.Random(sort).sample(range(1, len(everything)), 6))
        positions: list[tuple[Any, ...]] = []
        for before, cut in zip([0, *cuts], cuts, strict=False):
            low = positions[-1] if positions else None
            positions.append(tuple(conn.execute(query.position_statement(low, cut - before)).one()))
        bounds = list(zip([None, *positions], [*positions, None], strict=True))
        pieces = [
            [r.id for r in conn.execute(query.chunk_statement(low, high).with_only_columns(activities.c.id))]
            for low, high in bounds
        ]
    assert [len(p) for p in pieces] == [
        b - a for a, b in zip([0, *cuts], [*cuts, len(everything)], strict=True)
    ]
    assert [i for p in pieces for i in p] == everything


@pytest.mark.parametrize("sort", ["-created_time", "signer_id,-created_time"])
def test_chunked_export_equals_the_single_run(chunked: tuple[System, DemoResult], sort: str) -> None:
    system, demo = chunked
    body = {"start_date": START, "connection_all": True, "custom_all": True, "sort": sort}
    chunked_id = create_export(system, demo, body)
    system.runner.run(chunked_id, "coordinator")
    chunks = system.runner.chunked.chunks.chunks(chunked_id)
    assert len(chunks) == 11 and all(c.status == "done" for c in chunks)
    assert sum(c.rows for c in chunks) == 400
    system.runner.settings = system.runner.settings.__class__(
        **{**system.runner.settings.__dict__, "chunk_rows": 10_000}
    )
    single_id = create_export(system, demo, body)
    system.runner.run(single_id, "single")
    assert system.runner.chunked.chunks.chunks(single_id) == []
    assert _file_bytes(system, chunked_id) == _file_bytes(system, single_id)
    parts_dir = system.settings.export_dir / chunked_id / "parts"
    assert not parts_dir.exists() or list(parts_dir.iterdir()) == []


def test_a_rerun_chunk_overwrites_only_its_own_part(chunked: tuple[System, DemoResult]) -> None:
    system, demo = chunked
    job_id = create_export(system, demo, {"start_date": START})
    now = utc_now()
    job = system.jobs.claim(job_id, owner="c", now=now, lease=timedelta(seconds=30), message="x")
    assert job is not None
    query = system.runner._query(job)
    plan = system.runner.chunked.plan(job, query, 400, 37)
    store = system.runner.chunked.chunks
    for position in (1, 2, 3):
        chunk = store.claim(job_id, position, owner="w", now=now, lease=timedelta(seconds=30))
        assert chunk is not None and system.runner.chunked.run_chunk(query, chunk)
    parts = {p: system.settings.export_dir / part_key(job_id, p) for p in (1, 2, 3)}
    before = {p: (path.read_bytes(), path.stat().st_mtime_ns) for p, path in parts.items()}
    # chunk 2's worker "died": its row goes back to started with an expired lease, and runs again
    from clickproof.store.tables import export_chunks

    with system.engine.begin() as conn:
        conn.execute(
            export_chunks.update()
            .where(export_chunks.c.job_id == job_id, export_chunks.c.position == 2)
            .values(status="started", lease_expires_time=now - timedelta(seconds=1))
        )
    again = store.claim(job_id, 2, owner="w2", now=now, lease=timedelta(seconds=30))
    assert again is not None and again.position == 2 and again.attempt == 2
    assert system.runner.chunked.run_chunk(query, again)
    after = {p: (path.read_bytes(), path.stat().st_mtime_ns) for p, path in parts.items()}
    assert after[1] == before[1] and after[3] == before[3]
    assert after[2][0] == before[2][0] and after[2][1] != before[2][1]
    assert len(plan) == 11


def test_position_encoding_round_trips_through_json(chunked: tuple[System, DemoResult]) -> None:
    system, _ = chunked
    with system.engine.connect() as conn:
        row = conn.execute(select(activities.c.created_time, activities.c.id)).first()
    assert row is not None
    encoded = encode_position((), tuple(row))
    assert isinstance(encoded[0], str) and encoded[0].endswith("Z")


@pytest.mark.parametrize("damage", [None, "flip", "remove"])
def test_an_attempt_interrupted_after_the_join_is_finished_by_the_next(
    chunked: tuple[System, DemoResult], monkeypatch: pytest.MonkeyPatch, damage: str | None
) -> None:
    """The join deletes the parts; a crash before the commit used to leave a job that could never
    succeed. The next attempt reuses the joined file when it matches every recorded part, and
    rewrites the parts when it does not (a damaged or missing file)."""
    from clickproof import failpoints

    system, demo = chunked
    body = {"start_date": START, "connection_all": True, "custom_all": True}
    control = create_export(system, demo, body)
    system.runner.run(control, "control")
    expected = _file_bytes(system, control)

    job_id = create_export(system, demo, body)
    monkeypatch.setenv("CLICKPROOF_FAILPOINTS", "export.before_commit=raise")
    failpoints._actions.cache_clear()
    try:
        with pytest.raises(failpoints.FailpointError):  # the process "dies" right before the commit
            system.runner.run(job_id, "first")
    finally:
        monkeypatch.delenv("CLICKPROOF_FAILPOINTS")
        failpoints._actions.cache_clear()
    from clickproof.store.tables import export_jobs

    with system.engine.begin() as conn:  # its lease runs out, as a dead worker's does
        conn.execute(
            export_jobs.update()
            .where(export_jobs.c.id == job_id)
            .values(lease_expires_time=utc_now() - timedelta(seconds=1))
        )
    interrupted = system.jobs.get(job_id)
    assert interrupted is not None and interrupted.status is not JobStatus.SUCCESS
    parts_dir = system.settings.export_dir / job_id / "parts"
    assert not parts_dir.exists() or list(parts_dir.iterdir()) == []  # the join had deleted them
    joined = system.settings.export_dir / job_id / f"clickwrap_activities-{job_id}.csv"
    assert joined.read_bytes() == expected
    if damage == "flip":
        data = bytearray(joined.read_bytes())
        data[len(data) // 2] ^= 0x01
        joined.write_bytes(bytes(data))
    elif damage == "remove":
        joined.unlink()

    system.runner.run(job_id, "second")
    assert _file_bytes(system, job_id) == expected
    finished = system.jobs.get(job_id)
    assert finished is not None and finished.files[0].sha256 == system.jobs.get(control).files[0].sha256  # type: ignore[union-attr]
