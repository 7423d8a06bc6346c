"""The export pipeline against a real SQLite database: rows, order, values, determinism, lifecycle."""

from __future__ import annotations

import csv
import errno
import io
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from clickproof.bootstrap import System
from clickproof.domain.export_job import JobStatus
from clickproof.domain.timestamps import format_stored, utc_now
from clickproof.export.csv_writer import guard_text
from clickproof.services.demo_data import DemoResult
from clickproof.store.tables import activities
from tests.integration.export_jobs import create_export, run_export

START = (utc_now() - timedelta(days=120)).isoformat()


def run(system: System, demo: DemoResult, body: dict[str, Any]) -> tuple[str, bytes]:
    job = run_export(system, demo, body)
    file, manifest = job.files
    assert manifest.name == "manifest.json"
    path = system.exports.blobs.local_path(file.storage_key)
    assert path is not None
    return job.id, path.read_bytes()


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def stored(system: System) -> list[Any]:
    with system.engine.connect() as conn:
        return list(conn.execute(select(activities)).all())


def test_full_export_matches_the_database(system: System, demo: DemoResult) -> None:
    _, data = run(
        system, demo, {"start_date": START, "standard_all": True, "connection_all": True, "custom_all": True}
    )
    rows = rows_of(data)
    expected = sorted(stored(system), key=lambda r: (r.created_time, r.id), reverse=True)
    assert [r["id"] for r in rows] == [e.id for e in expected]
    by_id = {e.id: e for e in expected}
    for row in rows:
        source = by_id[row["id"]]
        assert row["created_time"] == format_stored(source.created_time)
        assert row["signer_id"] == (guard_text(source.signer_id) if source.signer_id else "")
        assert row["version_number"] == str(source.version_number)
        assert row["test_mode"] == ("TRUE" if source.test_mode else "FALSE")
        assert row["connection_data.remote_address"] == source.connection_data["remote_address"]
        assert row["connection_data.page_title"] == guard_text(source.connection_data["page_title"])
        assert row["custom_data.vip"] == ("TRUE" if source.custom_data["vip"] else "FALSE")
        assert row["custom_data.seats"] == str(source.custom_data["seats"])
        assert row["custom_data.first_name"] == guard_text(source.custom_data["first_name"])
        assert row["custom_data.note"] == source.custom_data.get("note", "")


def test_same_export_twice_is_byte_identical(system: System, demo: DemoResult) -> None:
    body = {"start_date": START, "connection_all": True, "custom_all": True}
    first_id, first = run(system, demo, body)
    second_id, second = run(system, demo, body)
    assert first_id != second_id
    assert first == second
    assert len(rows_of(first)) == len(stored(system))


def test_hostile_values_are_neutralized_and_unicode_survives(system: System, demo: DemoResult) -> None:
    _, data = run(system, demo, {"start_date": START, "custom_all": True, "connection_all": True})
    text = data.decode("utf-8")
    for row in rows_of(data):
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r") or value.lstrip("-").isdigit()
    assert "'=HYPERLINK(" in text and "'@SUM(A1:A9)" in text and "'=cmd|" in text
    assert "王芳" in text and "محمد" in text and "דוד" in text
    assert max(len(v) for r in rows_of(data) for v in r.values()) > 4000  # long values are whole


def test_filter_window_select_and_sort(system: System, demo: DemoResult) -> None:
    everything = stored(system)
    middle = sorted(r.created_time for r in everything)[len(everything) // 2]
    body = {
        "start_date": START,
        "end_date": middle.isoformat(),
        "sort": "version_number,-created_time",
        "select": {"standard": ["version_number", "event_type"], "custom": ["vip", "missing_key"]},
        "filter": {
            "contract": {"_id": 1},
            "and": [{"version_number": {"$gt": 1}}, {"version_number": {"$lte": 3}}],
        },
    }
    _, data = run(system, demo, body)
    header = data.split(b"\r\n", 1)[0].decode()
    assert (
        header
        == "id,signer_id,created_time,version_number,event_type,custom_data.vip,custom_data.missing_key"
    )
    expected = [
        r for r in everything if r.contract_id == 1 and 1 < r.version_number <= 3 and r.created_time < middle
    ]
    expected.sort(key=lambda r: r.created_time, reverse=True)
    expected.sort(key=lambda r: r.version_number)
    rows = rows_of(data)
    assert [r["id"] for r in rows] == [e.id for e in expected]
    assert all(r["custom_data.missing_key"] == "" for r in rows)


def test_window_is_half_open(system: System, demo: DemoResult) -> None:
    instant = stored(system)[0].created_time
    _, included = run(
        system,
        demo,
        {"start_date": instant.isoformat(), "end_date": (instant + timedelta(microseconds=1)).isoformat()},
    )
    _, excluded = run(
        system,
        demo,
        {"start_date": (instant - timedelta(seconds=1)).isoformat(), "end_date": instant.isoformat()},
    )
    assert instant.isoformat() and len(rows_of(included)) >= 1
    assert all(r["created_time"] != format_stored(instant) for r in rows_of(excluded))


def test_seed_example_verbatim_gives_an_empty_csv_with_headers(system: System, demo: DemoResult) -> None:
    from clickproof.api.contract import EXPORT_REQUEST_EXAMPLE

    job_id = create_export(system, demo, json.loads(json.dumps(EXPORT_REQUEST_EXAMPLE)))
    system.runner.run(job_id, "w")
    job = system.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.SUCCESS
    assert "0 evidence PDFs in 1 zip file" in job.message
    assert [f.rows for f in job.files] == [0, 0, 0]


def test_only_one_of_two_concurrent_claims_wins(system: System, demo: DemoResult) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def claim(owner: str) -> None:
        barrier.wait()
        results.append(
            system.jobs.claim(job_id, owner=owner, now=utc_now(), lease=timedelta(seconds=30), message="x")
        )

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1


def test_a_duplicate_delivery_after_success_changes_nothing(system: System, demo: DemoResult) -> None:
    job_id, _ = run(system, demo, {"start_date": START})
    before = system.jobs.get(job_id)
    system.runner.run(job_id, "late-duplicate")
    after = system.jobs.get(job_id)
    assert before == after


def test_lost_lease_stops_the_attempt_without_commit(system: System, demo: DemoResult) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    now = utc_now()
    first = system.jobs.claim(job_id, owner="a", now=now, lease=timedelta(seconds=1), message="x")
    assert first is not None and first.attempt == 1
    later = now + timedelta(seconds=2)
    assert system.jobs.requeue_expired(job_id, now=later, message="expired")
    second = system.jobs.claim(job_id, owner="b", now=later, lease=timedelta(seconds=30), message="x")
    assert second is not None and second.attempt == 2 and second.retry_count == 1
    assert not system.jobs.heartbeat(
        job_id, attempt=1, now=later, lease=timedelta(seconds=5), processed=1, total=2
    )
    assert not system.jobs.succeed(job_id, attempt=1, now=later, message="late", files=[], processed=0)
    job = system.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.STARTED and job.attempt == 2


def test_failing_attempts_are_retried_then_fail_with_a_message(
    system: System, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create_export(system, demo, {"start_date": START})

    def broken(*_args: Any) -> Any:
        raise OSError("disk on fire /secret/path")

    monkeypatch.setattr(system.runner, "_export", broken)
    for attempt in range(1, system.settings.max_attempts + 1):
        system.runner.run(job_id, "w")
        job = system.jobs.get(job_id)
        assert job is not None and job.retry_count == attempt - 1
    assert job.status is JobStatus.FAILED and not job.active
    assert "OSError" in job.message and "/secret/path" not in job.message


def test_a_failed_attempt_backs_off_before_the_next(
    system: System, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    monkeypatch.setattr(system.runner, "settings", replace(system.runner.settings, retry_base_seconds=10.0))
    calls: list[int] = []

    def full_disk(*_args: Any) -> Any:
        calls.append(1)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(system.runner, "_export", full_disk)
    start = utc_now()
    system.runner.clock = lambda: start
    system.runner.run(job_id, "w")
    job = system.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.SCHEDULED
    assert "the export storage is full" in job.message and "retried in" in job.message
    system.runner.run(job_id, "w")  # too early: the attempt is not taken
    assert len(calls) == 1
    assert system.sweeper.jobs.needing_dispatch(now=start + timedelta(seconds=4), grace=timedelta(0)) == []
    later = start + timedelta(seconds=10)
    assert [j.id for j in system.jobs.needing_dispatch(now=later, grace=timedelta(0))] == [job_id]
    system.runner.clock = lambda: later
    system.runner.run(job_id, "w")
    assert len(calls) == 2
    job = system.jobs.get(job_id)
    assert job is not None and job.attempt == 2 and job.status is JobStatus.SCHEDULED


def test_sweeper_redispatches_lost_and_expired_jobs(system: System, demo: DemoResult) -> None:
    sent: list[str] = []
    system.sweeper.dispatch = sent.append
    lost = create_export(system, demo, {"start_date": START})
    crashed = create_export(system, demo, {"start_date": START})
    now = utc_now()
    assert system.jobs.claim(crashed, owner="dead", now=now, lease=timedelta(seconds=1), message="x")
    system.sweeper.clock = lambda: now + timedelta(seconds=5)
    assert system.sweeper.sweep_once() == 2
    assert sorted(sent) == sorted([lost, crashed])
    job = system.jobs.get(crashed)
    assert job is not None and job.status is JobStatus.SCHEDULED
    system.runner.run(crashed, "alive")
    job = system.jobs.get(crashed)
    assert job is not None and job.status is JobStatus.SUCCESS and job.retry_count == 1


def test_custom_all_reflects_keys_known_at_creation(system: System, demo: DemoResult) -> None:
    job_id = create_export(system, demo, {"start_date": START, "custom_all": True})
    job = system.jobs.get(job_id)
    assert job is not None
    custom = [c["name"] for c in job.data["columns"] if c["family"] == "custom"]
    assert custom == sorted(custom) and {"vip", "seats", "first_name"} <= set(custom)


def test_created_time_is_utc_text(system: System, demo: DemoResult) -> None:
    row = stored(system)[0]
    assert row.created_time.tzinfo == UTC
    assert isinstance(row.created_time, datetime)


def test_in_process_and_child_paths_write_the_same_bytes(
    system: System, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {
        "start_date": START,
        "standard_all": True,
        "connection_all": True,
        "custom_all": True,
        "select": {"render": ["plan", "price", "CompanyName", "absent"]},
        "filter": {"event_type": {"$ne": "visited"}},
        "sort": "-custom_data.seats,contract.title",
    }
    monkeypatch.setattr("clickproof.domain.limits.IN_PROCESS_EXPORT_ROWS", 0)
    _, child = run(system, demo, body)
    monkeypatch.setattr("clickproof.domain.limits.IN_PROCESS_EXPORT_ROWS", 10**9)
    _, in_process = run(system, demo, body)
    assert len(rows_of(child)) > 100
    assert child == in_process
