"""A graceful stop (a deploy's SIGTERM) hands the job back without spending an attempt; a job
handed back too often still ends, and a dead worker's expired lease still spends one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from clickproof.bootstrap import System
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.export.attempt import StopRequestedError
from clickproof.services.demo_data import DemoResult
from tests.integration.export_jobs import create_export

START = (utc_now() - timedelta(days=120)).isoformat()


def stopped_by_shutdown(*_args: Any) -> Any:
    raise StopRequestedError("a shutdown began")


def job_of(system: System, job_id: str) -> ExportJob:
    job = system.jobs.get(job_id)
    assert job is not None
    return job


def test_hand_backs_spend_no_attempt(
    system: System, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    stops = system.settings.max_attempts + 3
    with monkeypatch.context() as patched:
        patched.setattr(system.runner, "_export", stopped_by_shutdown)
        for _ in range(stops):
            system.runner.run(job_id, "w")
    job = job_of(system, job_id)
    assert job.status is JobStatus.SCHEDULED and job.retry_count == 0
    assert (job.attempt, job.handed_back, job.attempts_spent) == (stops, stops, 0)
    assert job.message == "Export interrupted by a shutdown; it resumes when a worker is back."
    system.runner.run(job_id, "w")
    done = job_of(system, job_id)
    assert done.status is JobStatus.SUCCESS and done.retry_count == 0 and done.attempts_spent == 1


def test_a_failure_after_hand_backs_is_the_first_attempt(
    system: System, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    monkeypatch.setattr(system.runner, "_export", stopped_by_shutdown)
    system.runner.run(job_id, "w")
    system.runner.run(job_id, "w")

    def broken(*_args: Any) -> Any:
        raise OSError("disk on fire")

    monkeypatch.setattr(system.runner, "_export", broken)
    system.runner.run(job_id, "w")
    job = job_of(system, job_id)
    assert job.status is JobStatus.SCHEDULED and job.message.startswith("Attempt 1 failed")
    assert job.attempts_spent == 1 and job.handed_back == 2


def test_a_job_handed_back_too_often_ends_failed_in_plain_words(
    system: System, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed: list[ExportJob] = []

    class Recorder:
        def export_succeeded(self, job: ExportJob) -> None:
            return None

        def export_failed(self, job: ExportJob) -> None:
            failed.append(job)

        def schedule_fired(self, **_: Any) -> None:
            return None

    system.events.after_commit.append(Recorder())
    monkeypatch.setattr(system.runner, "settings", replace(system.runner.settings, max_handbacks=3))
    monkeypatch.setattr(system.runner, "_export", stopped_by_shutdown)
    job_id = create_export(system, demo, {"start_date": START})
    for _ in range(3):
        system.runner.run(job_id, "w")
    assert job_of(system, job_id).status is JobStatus.SCHEDULED
    system.runner.run(job_id, "w")
    job = job_of(system, job_id)
    assert job.status is JobStatus.FAILED and job.handed_back == 3
    assert job.message == (
        "Export job stopped: it was interrupted by 4 shutdowns before it could finish. "
        "Create it again when the workers run without restarting."
    )
    assert [j.id for j in failed] == [job_id]


def test_an_expired_lease_still_spends_an_attempt(system: System, demo: DemoResult) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    now = utc_now()
    assert system.jobs.claim(job_id, owner="killed", now=now, lease=timedelta(seconds=1), message="x")
    assert system.jobs.requeue_expired(job_id, now=now + timedelta(seconds=2), message="expired")
    system.runner.run(job_id, "w")
    job = job_of(system, job_id)
    assert job.status is JobStatus.SUCCESS and job.attempts_spent == 2 and job.retry_count == 1
