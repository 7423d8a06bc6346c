"""Shared fixtures: a real system on a fresh SQLite database per test, demo data, an API client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.bootstrap import System, build_system
from clickproof.config import Settings
from clickproof.services.demo_data import DemoResult, seed_demo
from tests.databases import empty_postgres, postgres_database, selected_databases


def make_settings(home: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "workers": 2,
        "job_lease_seconds": 5.0,
        "sweep_interval_seconds": 0.2,
        "retry_base_seconds": 0.0,  # tests that need the backoff set it
        "dispatch_grace_seconds": 1.0,
        "public_url": "http://testserver",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=selected_databases())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that touches the database runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'clickproof.db'}"
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "home", database_url=database_url)


@pytest.fixture
def system(settings: Settings) -> Iterator[System]:
    built = build_system(settings)
    yield built
    built.close()


@pytest.fixture
def demo(system: System) -> DemoResult:
    return seed_demo(system.engine, system.tenants, system.activities, activities=400, seed=7)


@pytest.fixture
def client(system: System, demo: DemoResult) -> Iterator[TestClient]:
    with TestClient(create_app(system), raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {demo.token}"
        yield test_client


def wait_for_job(client: TestClient, job_id: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1.1/extract/evidence/{job_id}", params=params)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in ("success", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s: {job['message']}")
        time.sleep(0.05)


def download(client: TestClient, url: str) -> bytes:
    path = url.removeprefix("http://testserver")
    response = client.get(path, headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    return response.content
