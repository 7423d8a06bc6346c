"""POST /v1.1/extract/evidence/{id}/cancel at each status of a job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.bootstrap import System
from clickproof.domain.export_job import ExportJob, JobSource, JobStatus
from clickproof.domain.object_id import new_object_id
from clickproof.domain.timestamps import utc_now
from clickproof.export.csv_phase import csv_file_name
from clickproof.services.demo_data import DemoResult
from tests.conftest import wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()


class Recorder:
    def __init__(self) -> None:
        self.failed: list[ExportJob] = []
        self.succeeded: list[ExportJob] = []

    def export_succeeded(self, job: ExportJob) -> None:
        self.succeeded.append(job)

    def export_failed(self, job: ExportJob) -> None:
        self.failed.append(job)

    def schedule_fired(self, **_: Any) -> None:
        return None


@pytest.fixture
def idle_client(system: System, demo: DemoResult) -> Iterator[TestClient]:
    """The API without workers or sweeper: jobs wait where they are put."""
    with TestClient(create_app(system, background=False), raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {demo.token}"
        yield test_client


def demo_email(system: System, demo: DemoResult) -> str:
    principal = system.auth.authenticate(f"Bearer {demo.token}")
    return system.tenants.user_email(principal.user_id)


def assert_cancelled(job: dict[str, Any], email: str) -> None:
    assert job["status"] == "failed" and job["active"] is False
    assert job["message"] == f"Export job cancelled by {email}."
    assert job["data"]["cancelled"]["by"] == email
    assert "files" not in job["data"]


def test_cancel_a_scheduled_job_it_never_starts(
    idle_client: TestClient, system: System, demo: DemoResult
) -> None:
    recorder = Recorder()
    system.events.after_commit.append(recorder)
    job = idle_client.post(EVIDENCE, json={"start_date": START}).json()
    assert idle_client.get(f"{EVIDENCE}/{job['id']}").json()["status"] == "scheduled"
    response = idle_client.post(f"{EVIDENCE}/{job['id']}/cancel")
    assert response.status_code == 200, response.text
    assert_cancelled(response.json(), demo_email(system, demo))
    system.runner.run(job["id"], "worker-1")  # a delivery that arrives afterwards
    after = idle_client.get(f"{EVIDENCE}/{job['id']}").json()
    assert_cancelled(after, demo_email(system, demo))
    assert after["retry_count"] == 0  # never claimed
    assert [j.id for j in recorder.failed] == [job["id"]]


def test_cancel_a_pending_job(idle_client: TestClient, system: System, demo: DemoResult) -> None:
    site = system.tenants.site(demo.site_id)
    assert site is not None
    principal = system.auth.authenticate(f"Bearer {demo.token}")
    data = system.exports.prepare(site, {"start_date": START}, now=utc_now())
    job_id = new_object_id()
    with system.engine.begin() as conn:
        system.exports.insert_job(
            conn,
            job_id=job_id,
            site=site,
            created_by=principal.user_id,
            token_id=principal.token_id,
            source=JobSource.API,
            data=data,
            now=utc_now(),
        )
    assert idle_client.get(f"{EVIDENCE}/{job_id}").json()["status"] == "pending"
    response = idle_client.post(f"{EVIDENCE}/{job_id}/cancel")
    assert response.status_code == 200, response.text
    assert_cancelled(response.json(), demo_email(system, demo))
    system.runner.run(job_id, "worker-1")
    assert idle_client.get(f"{EVIDENCE}/{job_id}").json()["status"] == "failed"


def test_cancel_a_started_job_stops_at_its_next_progress_report(
    idle_client: TestClient, system: System, demo: DemoResult
) -> None:
    job = idle_client.post(EVIDENCE, json={"start_date": START}).json()
    real_heartbeat = system.jobs.heartbeat
    beats: list[bool] = []

    def heartbeat(job_id: str, **kwargs: Any) -> bool:
        if not beats:  # the cancel arrives while the attempt runs
            assert idle_client.get(f"{EVIDENCE}/{job_id}").json()["status"] == "started"
            assert idle_client.post(f"{EVIDENCE}/{job_id}/cancel").status_code == 200
        alive = real_heartbeat(job_id, **kwargs)
        beats.append(alive)
        return alive

    system.jobs.heartbeat = heartbeat  # type: ignore[method-assign]
    real_succeed = system.jobs.succeed
    commits: list[str] = []

    def succeed(job_id: str, **kwargs: Any) -> bool:
        commits.append(job_id)
        return real_succeed(job_id, **kwargs)

    system.jobs.succeed = succeed  # type: ignore[method-assign]
    system.runner.run(job["id"], "worker-1")
    assert beats == [False]  # the first report after the cancel stopped the attempt
    assert commits == []  # nothing was published
    after = idle_client.get(f"{EVIDENCE}/{job['id']}").json()
    assert_cancelled(after, demo_email(system, demo))
    urls = idle_client.get(f"{EVIDENCE}/{job['id']}/urls")
    assert (urls.status_code, urls.json()["code"]) == (409, "export_not_ready")


def test_cancel_a_finished_job_is_a_409(client: TestClient, system: System, demo: DemoResult) -> None:
    job = wait_for_job(client, client.post(EVIDENCE, json={"start_date": START}).json()["id"])
    assert job["status"] == "success"
    response = client.post(f"{EVIDENCE}/{job['id']}/cancel")
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "export_finished"
    assert "already ended success" in response.json()["error"]
    assert client.get(f"{EVIDENCE}/{job['id']}").json()["status"] == "success"
    assert system.jobs.get(job["id"]) is not None


def test_cancel_twice_and_unknown_jobs(idle_client: TestClient) -> None:
    job = idle_client.post(EVIDENCE, json={"start_date": START}).json()
    assert idle_client.post(f"{EVIDENCE}/{job['id']}/cancel").status_code == 200
    again = idle_client.post(f"{EVIDENCE}/{job['id']}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "export_finished")
    assert "already ended failed" in again.json()["error"]
    for job_id in ("ffffffffffffffffffffffff", "nope"):
        missing = idle_client.post(f"{EVIDENCE}/{job_id}/cancel")
        assert (missing.status_code, missing.json()["code"]) == (404, "export_not_found")


def test_cancel_needs_the_create_permission(idle_client: TestClient) -> None:
    response = idle_client.post(f"{EVIDENCE}/ffffffffffffffffffffffff/cancel", headers={"Authorization": ""})
    assert response.status_code == 401


def test_a_cancelled_job_status_is_final(system: System, demo: DemoResult) -> None:
    site = system.tenants.site(demo.site_id)
    assert site is not None
    job = system.exports.create(system.auth.authenticate(f"Bearer {demo.token}"), site, {"start_date": START})
    system.exports.cancel(site, job.id, by="ops@example.com")
    stored = system.jobs.get(job.id)
    assert stored is not None and stored.status is JobStatus.FAILED
    assert stored.cancelled_by == "ops@example.com" and stored.cancelled_time is not None


def test_a_cancel_after_the_csv_was_written_leaves_no_file(
    idle_client: TestClient, system: System, demo: DemoResult
) -> None:
    job = idle_client.post(EVIDENCE, json={"start_date": START}).json()
    csv_key = f"{job['id']}/{csv_file_name(job['id'])}"
    real_heartbeat = system.jobs.heartbeat
    seen: list[bool] = []

    def heartbeat(job_id: str, **kwargs: Any) -> bool:
        if system.exports.blobs.exists(csv_key) and not seen:  # the CSV is in place, the manifest not
            seen.append(True)
            assert idle_client.post(f"{EVIDENCE}/{job_id}/cancel").status_code == 200
        return real_heartbeat(job_id, **kwargs)

    system.jobs.heartbeat = heartbeat  # type: ignore[method-assign]
    system.runner.run(job["id"], "worker-1")
    assert seen == [True]
    assert not system.exports.blobs.exists(csv_key)
    assert not system.exports.blobs.exists(f"{job['id']}/manifest.json")
    assert_cancelled(idle_client.get(f"{EVIDENCE}/{job['id']}").json(), demo_email(system, demo))


def test_a_cancel_after_the_session_pdfs_were_written_leaves_no_file(
    idle_client: TestClient, system: System, demo: DemoResult
) -> None:
    from clickproof.export.session_pdfs import session_part_name

    sessions = [
        a["session"] for a in idle_client.get("/v1.1/activity", params={"per_page": 3}).json()["data"]
    ]
    body = {
        "start_date": START,
        "filter": {"session": {"$in": sessions}},
        "export_types": ["clickwrap_sessions_as_pdfs"],
    }
    job = idle_client.post(EVIDENCE, json=body).json()
    part_key = f"{job['id']}/{session_part_name(job['id'], 1)}"
    real_heartbeat = system.jobs.heartbeat
    seen: list[bool] = []

    def heartbeat(job_id: str, **kwargs: Any) -> bool:
        if system.exports.blobs.exists(part_key) and not seen:  # the part is in place, the manifest not
            seen.append(True)
            assert idle_client.post(f"{EVIDENCE}/{job_id}/cancel").status_code == 200
        return real_heartbeat(job_id, **kwargs)

    system.jobs.heartbeat = heartbeat  # type: ignore[method-assign]
    system.runner.run(job["id"], "worker-1")
    assert seen == [True]
    assert not system.exports.blobs.exists(part_key)
    assert not system.exports.blobs.exists(f"{job['id']}/manifest.json")
