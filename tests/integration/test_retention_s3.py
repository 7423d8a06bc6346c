"""Retention on S3 storage (a moto server): expired objects are deleted, the manifest stays."""

from __future__ import annotations

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
