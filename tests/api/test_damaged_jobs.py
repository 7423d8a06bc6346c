"""One damaged stored job never breaks the site's job list or its own GET."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from clickproof.bootstrap import System
from clickproof.store.tables import export_jobs

EVIDENCE = "/v1.1/extract/evidence"
START = "2026-11-20T00:00:00Z"


def damage(system: System, job_id: str, data: Any) -> None:
    with system.engine.begin() as conn:
        conn.execute(update(export_jobs).where(export_jobs.c.id == job_id).values(data=data))


@pytest.mark.parametrize("data", [[1, 2, 3], "not an object", {"select": {"custom": ["\udfff"]}}])
def test_a_job_that_cannot_be_described_still_lists(client: TestClient, system: System, data: Any) -> None:
    if isinstance(data, dict) and system.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL's jsonb cannot store a lone surrogate")
    good = client.post(EVIDENCE, json={"start_date": START}).json()
    bad = client.post(EVIDENCE, json={"start_date": START}).json()
    damage(system, bad["id"], data)

    listing = client.get(EVIDENCE)
    assert listing.status_code == 200, listing.text
    by_id = {job["id"]: job for job in listing.json()["data"]}
    assert by_id[good["id"]]["data"]
    assert "cannot be described" in by_id[bad["id"]]["message"]
    assert by_id[bad["id"]]["data"] == {}

    single = client.get(f"{EVIDENCE}/{bad['id']}")
    assert single.status_code == 200, single.text
    assert "cannot be described" in single.json()["message"]
