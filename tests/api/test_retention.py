"""Retention with time moved forward: expired files are deleted and answer 410; holds keep them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from tests.conftest import download, wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
HOLDS = "/v1.1/extract/holds"
START = (utc_now() - timedelta(days=100)).isoformat()


def finished_job(client: TestClient) -> dict[str, Any]:
    job = wait_for_job(client, client.post(EVIDENCE, json={"start_date": START}).json()["id"])
    assert job["status"] == "success", job["message"]
    return job


def stored(system: System, job_id: str) -> dict[str, bool]:
    record = system.jobs.get(job_id)
    assert record is not None
    return {f.name: system.exports.blobs.exists(f.storage_key) for f in record.files}


def test_files_expire_after_the_retention_period(client: TestClient, system: System) -> None:
    job = finished_job(client)
    link = client.get(f"{EVIDENCE}/{job['id']}/urls").json()["clickwrap_activities"][0]
    assert system.retention.sweep(utc_now() + timedelta(days=29)) == 0
    assert all(stored(system, job["id"]).values())
    assert system.retention.sweep(utc_now() + timedelta(days=30, minutes=1)) == 1
    files = stored(system, job["id"])
    assert files.pop("manifest.json") is True  # the manifest stays
    assert files and not any(files.values())  # the data files are gone
    after = client.get(f"{EVIDENCE}/{job['id']}").json()
    assert after["status"] == "success" and after["active"] is False
    assert "expired_time" in after["data"]
    assert [f["sha256"] for f in after["data"]["files"]] == [f["sha256"] for f in job["data"]["files"]]
    urls = client.get(f"{EVIDENCE}/{job['id']}/urls")
    assert urls.status_code == 410, urls.text
    assert urls.json()["code"] == "export_expired" and "retention" in urls.json()["error"]
    old_link = client.get(link.removeprefix("http://testserver"), headers={"Authorization": ""})
    assert (old_link.status_code, old_link.json()["code"]) == (410, "export_expired")
    assert system.retention.sweep(utc_now() + timedelta(days=60)) == 0  # once


def test_site_retention_days_is_per_site(client: TestClient, system: System, demo: DemoResult) -> None:
    job = finished_job(client)
    system.tenants.set_retention_days(demo.site_id, 90)
    assert system.retention.sweep(utc_now() + timedelta(days=31)) == 0
    assert system.retention.sweep(utc_now() + timedelta(days=91)) == 1
    assert client.get(f"{EVIDENCE}/{job['id']}/urls").status_code == 410


def test_a_job_hold_keeps_the_files_until_released(client: TestClient, system: System) -> None:
    job = finished_job(client)
    placed = client.post(HOLDS, json={"job_id": job["id"], "reason": "Matter 114"})
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert (hold["scope"], hold["job_id"], hold["active"]) == ("job", job["id"], True)
    assert "@" in hold["created_by"] and hold["created_time"]
    assert system.retention.sweep(utc_now() + timedelta(days=400)) == 0
    assert all(stored(system, job["id"]).values())
    urls = client.get(f"{EVIDENCE}/{job['id']}/urls")
    assert urls.status_code == 200, urls.text
    assert download(client, urls.json()["clickwrap_activities"][0])

    released = client.post(f"{HOLDS}/{hold['id']}/release")
    assert released.status_code == 200, released.text
    assert released.json()["active"] is False
    assert released.json()["released_by"] == hold["created_by"] and released.json()["released_time"]
    again = client.post(f"{HOLDS}/{hold['id']}/release")
    assert (again.status_code, again.json()["code"]) == (409, "hold_conflict")
    assert system.retention.sweep(utc_now() + timedelta(days=400)) == 1
    assert client.get(f"{EVIDENCE}/{job['id']}/urls").status_code == 410
    # Both the hold and its release stay on record.
    listed = client.get(HOLDS, params={"job_id": job["id"]}).json()
    assert listed["total_count"] == 1 and listed["data"][0]["released_time"] is not None
    late = client.post(HOLDS, json={"job_id": job["id"], "reason": "too late"})
    assert (late.status_code, late.json()["code"], late.json()["field"]) == (409, "hold_conflict", "job_id")


def test_a_site_hold_keeps_every_job(client: TestClient, system: System) -> None:
    first, second = finished_job(client), finished_job(client)
    hold = client.post(HOLDS, json={"reason": "Litigation hold on the site"}).json()
    assert (hold["scope"], hold["job_id"]) == ("site", None)
    assert client.get(f"{HOLDS}/{hold['id']}").json() == hold
    assert system.retention.sweep(utc_now() + timedelta(days=45)) == 0
    assert client.post(f"{HOLDS}/{hold['id']}/release").status_code == 200
    assert system.retention.sweep(utc_now() + timedelta(days=45)) == 2
    for job in (first, second):
        assert client.get(f"{EVIDENCE}/{job['id']}/urls").status_code == 410


def test_malformed_holds_name_the_field(client: TestClient) -> None:
    cases: list[tuple[Any, str | None, str]] = [
        ({}, "reason", "missing_field"),
        ({"reason": ""}, "reason", "invalid_reason"),
        ({"reason": "x" * 2001}, "reason", "invalid_reason"),
        ({"reason": "x", "job_id": 5}, "job_id", "invalid_request"),
        ({"reason": "x", "extra": 1}, "extra", "unknown_field"),
        ([], None, "invalid_body"),
    ]
    for body, field, code in cases:
        response = client.post(HOLDS, json=body)
        assert response.status_code == 400, response.text
        assert (response.json()["field"], response.json()["code"]) == (field, code)
    missing = client.post(HOLDS, json={"reason": "x", "job_id": "ffffffffffffffffffffffff"})
    assert (missing.status_code, missing.json()["code"]) == (404, "export_not_found")
    unknown = client.post(f"{HOLDS}/ffffffffffffffffffffffff/release")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "hold_not_found")


def test_the_sweeper_checks_retention_once_a_minute(client: TestClient, system: System) -> None:
    job = finished_job(client)
    system.sweeper.stop()  # this test is the only sweeper now
    later = utc_now() + timedelta(days=40)
    system.retention._last_check = later - timedelta(seconds=30)
    assert system.retention.periodic_sweep(later) == 0  # checked 30 s ago
    assert client.get(f"{EVIDENCE}/{job['id']}/urls").status_code == 200
    assert system.retention.periodic_sweep(later + timedelta(seconds=31)) == 1
    assert client.get(f"{EVIDENCE}/{job['id']}/urls").status_code == 410
