"""The event hook: export.succeeded, export.failed and schedule.fired reach every listener once,
after their commit; a failing listener harms neither the job nor the other listeners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clickproof.bootstrap import System
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from tests.integration.export_jobs import create_export

START = (utc_now() - timedelta(days=100)).isoformat()


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def export_succeeded(self, job: ExportJob) -> None:
        self.events.append(("export.succeeded", job))

    def export_failed(self, job: ExportJob) -> None:
        self.events.append(("export.failed", job))

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        self.events.append(("schedule.fired", (schedule_id, site_id, slot, job, error)))


class Broken:
    def export_succeeded(self, job: ExportJob) -> None:
        raise RuntimeError("listener down")

    def export_failed(self, job: ExportJob) -> None:
        raise RuntimeError("listener down")

    def schedule_fired(self, **_: Any) -> None:
        raise RuntimeError("listener down")


@pytest.fixture
def recorder(system: System) -> Recorder:
    recorder = Recorder()
    system.events.after_commit.extend([Broken(), recorder])
    return recorder


def test_success_is_announced_with_the_committed_job(
    system: System, demo: DemoResult, recorder: Recorder
) -> None:
    job_id = create_export(system, demo, {"start_date": START})
    system.runner.run(job_id, "w")
    ((name, job),) = recorder.events
    assert name == "export.succeeded"
    assert job.id == job_id and job.status is JobStatus.SUCCESS
    assert [f.name for f in job.files][-1] == "manifest.json"
    system.runner.run(job_id, "w")  # a duplicate delivery announces nothing
    assert len(recorder.events) == 1


def test_exhausted_attempts_are_announced_once(
    system: System, demo: DemoResult, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create_export(system, demo, {"start_date": START})

    def broken(*_args: Any) -> Any:
        raise OSError("disk on fire")

    monkeypatch.setattr(system.runner, "_export", broken)
    for _ in range(system.settings.max_attempts):
        system.runner.run(job_id, "w")
    ((name, job),) = recorder.events
    assert name == "export.failed" and job.status is JobStatus.FAILED and "5 attempts" in job.message


def test_a_firing_is_announced_with_its_job(system: System, demo: DemoResult, recorder: Recorder) -> None:
    principal = system.auth.authenticate(f"Bearer {demo.token}")
    site = system.tenants.site(demo.site_id)
    assert site is not None
    system.schedules.clock = lambda: datetime(2026, 12, 2, 9, tzinfo=UTC)
    body = {
        "name": "Daily",
        "cron": "0 6 * * *",
        "timezone": "Europe/Berlin",
        "window": {"kind": "previous_day"},
        "request": {},
    }
    schedule = system.schedules.create(principal, site, body)
    assert system.firing.fire_due(datetime(2026, 12, 3, 5, 0, 1, tzinfo=UTC)) == 1
    ((name, (schedule_id, site_id, slot, job, error)),) = recorder.events
    assert (name, schedule_id, site_id, error) == ("schedule.fired", schedule.id, site.id, None)
    assert slot == datetime(2026, 12, 3, 5, tzinfo=UTC)
    assert job is not None and job.data["schedule_id"] == schedule.id
    assert job.status is JobStatus.SCHEDULED  # dispatched before the event
