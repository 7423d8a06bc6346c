"""Retention on S3 storage (a moto server): expired objects are deleted, the manifest stays."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.blobstore.s3 import S3BlobStore
from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import seed_demo
from tests.conftest import wait_for_job
from tests.integration.test_s3_storage import s3_endpoint, s3_system  # noqa: F401


def test_expired_objects_are_deleted_from_the_bucket(s3_system: System) -> None:  # noqa: F811
    assert isinstance(s3_system.exports.blobs, S3BlobStore)
    demo = seed_demo(s3_system.engine, s3_system.tenants, s3_system.activities, activities=50, seed=3)
    with TestClient(create_app(s3_system), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"
        start = (utc_now() - timedelta(days=100)).isoformat()
        job = wait_for_job(
            client, client.post("/v1.1/extract/evidence", json={"start_date": start}).json()["id"]
        )
        assert job["status"] == "success", job["message"]
        (url,) = client.get(f"/v1.1/extract/evidence/{job['id']}/urls").json()["clickwrap_activities"]
        assert httpx.get(url).status_code == 200
        assert s3_system.retention.sweep(utc_now() + timedelta(days=31)) == 1
        record = s3_system.jobs.get(job["id"])
        assert record is not None
        present = {f.name: s3_system.exports.blobs.exists(f.storage_key) for f in record.files}
        assert present.pop("manifest.json") is True
        assert present and not any(present.values())
        assert httpx.get(url).status_code == 404  # the presigned link finds nothing any more
        assert client.get(f"/v1.1/extract/evidence/{job['id']}/urls").status_code == 410


def test_a_schedule_delivers_into_the_bucket_and_the_copies_expire(s3_system: System) -> None:  # noqa: F811
    demo = seed_demo(s3_system.engine, s3_system.tenants, s3_system.activities, activities=30, seed=4)
    principal = s3_system.auth.authenticate(f"Bearer {demo.token}")
    site = s3_system.tenants.site(demo.site_id)
    assert site is not None
    body = {
        "name": "Daily",
        "cron": "0 6 * * *",
        "timezone": "Europe/Berlin",
        "window": {"kind": "last_n_days", "days": 200},
        "request": {},
        "delivery": {"s3_prefix": "compliance/daily"},
    }
    with TestClient(create_app(s3_system), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"
        schedule = s3_system.schedules.create(principal, site, body)
        assert schedule.next_fire_time is not None
        assert s3_system.firing.fire_due(schedule.next_fire_time) == 1
        (entry,), _ = s3_system.schedules.history(site, schedule.id, page=1, per_page=5)
        assert entry.job is not None
        job = wait_for_job(client, entry.job.id)
        assert job["status"] == "success", job["message"]
        record = s3_system.jobs.get(job["id"])
        assert record is not None
        blobs = s3_system.exports.blobs
        keys = [f"deliveries/site-{site.id}/compliance/daily/{f.name}" for f in record.files]
        deadline = time.monotonic() + 10
        while not blobs.exists(keys[-1]):
            assert time.monotonic() < deadline, "the delivery never arrived"
            time.sleep(0.05)
        with blobs.reader(keys[0]) as copy, blobs.reader(record.files[0].storage_key) as original:
            assert copy.read() == original.read()
        assert s3_system.retention.sweep(utc_now() + timedelta(days=31)) == 1
        assert not any(blobs.exists(k) for k in keys)
