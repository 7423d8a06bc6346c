"""Exports published to a real S3-compatible server (moto in server mode) and served by presigned URL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.blobstore.s3 import S3BlobStore
from clickproof.bootstrap import System, build_system
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import seed_demo
from tests.conftest import make_settings, wait_for_job
from tests.s3_server import moto_server, new_bucket


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_system(tmp_path: Path, database_url: str, s3_endpoint: str) -> Iterator[System]:
    bucket = new_bucket(s3_endpoint)
    settings = make_settings(
        tmp_path / "home",
        database_url=database_url,
        storage_url=f"s3://{bucket}/evidence",
        s3_endpoint_url=s3_endpoint,
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    system = build_system(settings)
    yield system
    system.close()


def test_export_lands_in_s3_and_downloads_by_presigned_url(s3_system: System) -> None:
    assert isinstance(s3_system.exports.blobs, S3BlobStore)
    demo = seed_demo(s3_system.engine, s3_system.tenants, s3_system.activities, activities=200, seed=2)
    with TestClient(create_app(s3_system), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"
        start = (utc_now() - timedelta(days=100)).isoformat()
        job = wait_for_job(
            client, client.post("/v1.1/extract/evidence", json={"start_date": start}).json()["id"]
        )
        assert job["status"] == "success", job["message"]
        (info,) = [f for f in job["data"]["files"] if f["export_type"] == "clickwrap_activities"]
        urls = client.get(f"/v1.1/extract/evidence/{job['id']}/urls").json()
        (url,) = urls["clickwrap_activities"]
        assert len(urls["presignedUrls"]) == len(job["data"]["files"])  # the CSV and the manifest
        assert "X-Amz-Signature=" in url and "/evidence/" in url
        response = httpx.get(url)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == info["sha256"]
        assert len(response.content) == info["size"]
        assert response.headers["content-disposition"].startswith(f'attachment; filename="{info["name"]}"')
        assert response.headers["content-type"].startswith("text/csv")
    assert list((s3_system.settings.resolved_home / "spool").iterdir()) == []


def test_a_failed_write_leaves_no_object(s3_system: System) -> None:
    blobs = s3_system.exports.blobs
    with pytest.raises(RuntimeError), blobs.writer("job/x.csv") as handle:
        handle.write(b"partial")
        raise RuntimeError("crash")
    assert not blobs.exists("job/x.csv")
    with blobs.writer("job/x.csv") as handle:
        handle.write(b"whole")
    assert blobs.exists("job/x.csv")
