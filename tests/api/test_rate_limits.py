"""Fair limits through the real app: 429 with Retry-After and the limit named, on SQLite and
PostgreSQL (counters in the database)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.bootstrap import System, build_system
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, seed_demo
from clickproof.store.rate_limits import DatabaseRateCounter
from tests.conftest import make_settings

START = (utc_now() - timedelta(days=30)).isoformat()


@pytest.fixture
def limited(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, System]]:
    settings = make_settings(
        tmp_path / "home",
        database_url=database_url,
        rate_limit_window_seconds=30,
        activity_requests_per_address=5,
        activity_requests_per_access_id=7,
        export_creations_per_site=3,
        export_creations_per_address=100,
        exports_queued_per_site=2,
    )
    system = build_system(settings)
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=20, seed=3)
    # No workers: created jobs stay queued, so the queue cap can be reached.
    with TestClient(create_app(system, background=False), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"
        yield client, system
    system.close()


def assert_limited(response: Any, name: str, window: float) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["limit"]["name"] == name
    assert body["limit"]["retry_after_seconds"] == retry_after
    assert name in body["error"]


def test_activity_api_is_limited_per_client_address(limited: tuple[TestClient, System]) -> None:
    client, _ = limited
    answers = [
        client.get("/latest", params={"sid": DEMO_SITE_ACCESS_ID, "sig": "a@example.com", "cid": "1"})
        for _ in range(6)
    ]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert_limited(answers[5], "activity_requests_per_address", 30)
    # Every Activity API route counts against the same limit.
    assert_limited(
        client.post("/send", json={"sid": DEMO_SITE_ACCESS_ID}), "activity_requests_per_address", 30
    )
    assert_limited(
        client.get("/load", params={"sid": DEMO_SITE_ACCESS_ID}), "activity_requests_per_address", 30
    )


def test_export_creation_is_limited_per_site_and_by_the_queue(limited: tuple[TestClient, System]) -> None:
    client, system = limited
    created = [client.post("/v1.1/extract/evidence", json={"start_date": START}) for _ in range(2)]
    assert [c.status_code for c in created] == [201, 201]
    full = client.post("/v1.1/extract/evidence", json={"start_date": START})
    assert_limited(full, "exports_queued_per_site", 30)
    assert "2 exports of this site wait" in full.json()["error"]
    assert full.headers["Retry-After"] == "5"
    over = client.post("/v1.1/extract/evidence", json={"start_date": START})
    assert_limited(over, "export_creations_per_site", 30)
    assert len(system.jobs.list_for_site(account_id=1, site_id=1, offset=0, limit=10)[0]) == 2


def test_database_counter_starts_each_window_afresh(limited: tuple[TestClient, System]) -> None:
    _, system = limited
    counter = DatabaseRateCounter(system.engine)
    assert [counter.count("k", 10) for _ in range(3)] == [1, 2, 3]
    assert counter.count("other", 10) == 1
    assert counter.count("k", 11) == 1  # a new window
    assert counter.count("k", 11) == 2


def test_database_counter_adds_blocks_of_permits(limited: tuple[TestClient, System]) -> None:
    _, system = limited
    counter = DatabaseRateCounter(system.engine)
    assert counter.take("k", 10, 50) == 50
    assert counter.take("k", 10, 50) == 100
    assert counter.count("k", 10) == 101
    assert counter.take("k", 11, 20) == 20  # a new window counts from its block


def test_retry_after_is_the_time_left_in_the_window(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(
        tmp_path / "home",
        database_url=database_url,
        rate_limit_window_seconds=3600,
        activity_requests_per_address=1,
    )
    system = build_system(settings)
    try:
        with TestClient(create_app(system, background=False), raise_server_exceptions=False) as client:
            client.get("/latest", params={"sid": "x"})
            answer = client.get("/latest", params={"sid": "x"})
        left = 3600 - time.time() % 3600
        assert answer.status_code == 429
        assert abs(int(answer.headers["Retry-After"]) - left) <= 2
    finally:
        system.close()
