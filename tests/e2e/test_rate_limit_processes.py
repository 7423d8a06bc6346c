"""Rate limits hold across API processes: two `clickproof serve` on one database share every count
(in the database, or in Redis when configured)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func, select

from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID
from clickproof.store.database import create_db_engine
from clickproof.store.tables import rate_limit_windows
from tests.e2e.test_processes import START, Server, api, run_cli

pytestmark = pytest.mark.e2e
LIMITS = {
    "CLICKPROOF_RATE_LIMIT_WINDOW_SECONDS": "3600",  # one window for the whole test
    "CLICKPROOF_ACTIVITY_REQUESTS_PER_ACCESS_ID": "10",
    "CLICKPROOF_EXPORT_CREATIONS_PER_SITE": "3",
}


@pytest.fixture(params=["database", "redis"])
def counter_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "database":
        yield {}
        return
    url = f"redis://127.0.0.1:6379/{1 + secrets.randbelow(15)}"
    connection = redis.Redis.from_url(url)
    for key in connection.scan_iter("clickproof:rate:*"):
        connection.delete(key)
    yield {"CLICKPROOF_RATE_LIMIT_REDIS_URL": url}
    with contextlib.suppress(redis.ConnectionError):
        for key in connection.scan_iter("clickproof:rate:*"):
            connection.delete(key)


def _counted_rows(database_url: str) -> int:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(rate_limit_windows)).scalar_one())
    finally:
        engine.dispose()


def test_two_api_processes_share_one_limit(
    home: Path, database_url: str, token: str, counter_env: dict[str, str]
) -> None:
    servers = [Server(home, database_url, **LIMITS, **counter_env) for _ in range(2)]
    try:
        clients = [api(s, token) for s in servers]
        answers = [
            clients[i % 2].get(
                "/latest", params={"sid": DEMO_SITE_ACCESS_ID, "sig": "a@example.com", "cid": "1"}
            )
            for i in range(16)
        ]
        assert [a.status_code for a in answers].count(200) == 10
        assert [a.status_code for a in answers[10:]] == [429] * 6
        refused = answers[-1]
        assert refused.json()["limit"]["name"] == "activity_requests_per_access_id"
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        created = [
            clients[i % 2].post("/v1.1/extract/evidence", json={"start_date": START}) for i in range(5)
        ]
        assert [c.status_code for c in created] == [201, 201, 201, 429, 429]
        assert created[3].json()["limit"]["name"] == "export_creations_per_site"
        other_site = httpx.get(f"{servers[0].url}/latest", params={"sid": "another-site", "sig": "a"})
        assert other_site.status_code != 429  # another access id has its own count
    finally:
        for s in servers:
            s.stop()
    assert _counted_rows(database_url) == (0 if counter_env else 3)


def test_two_api_processes_lease_permits_in_blocks_and_stay_within_the_limit(
    home: Path, database_url: str, token: str, counter_env: dict[str, str]
) -> None:
    # 200 per window: each process takes blocks of 10 permits (docs/adr/0022).
    limits = {**LIMITS, "CLICKPROOF_ACTIVITY_REQUESTS_PER_ACCESS_ID": "200"}
    servers = [Server(home, database_url, **limits, **counter_env) for _ in range(2)]
    try:
        clients = [api(s, token) for s in servers]
        statuses = [
            clients[i % 2]
            .get("/latest", params={"sid": DEMO_SITE_ACCESS_ID, "sig": "a@example.com", "cid": "1"})
            .status_code
            for i in range(240)
        ]
    finally:
        for s in servers:
            s.stop()
    assert 200 - 9 <= statuses.count(200) <= 200
    assert statuses[-20:] == [429] * 20
    assert set(statuses) == {200, 429}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def token(home: Path, database_url: str) -> str:
    result = run_cli(home, database_url, "demo", "--activities", "20", "--seed", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
