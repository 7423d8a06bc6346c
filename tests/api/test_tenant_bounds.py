"""Bounded tenant data: what one public caller can add to a site's catalogue, and what an export
may ask for, is refused at the door with the bound named — never accepted and then failed."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from clickproof.domain import limits
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID

SID = DEMO_SITE_ACCESS_ID
START = "2026-01-01T00:00:00Z"


def send(client: TestClient, cus: dict[str, object]) -> tuple[int, dict[str, object]]:
    body = {"sid": SID, "sig": "flood@example.com", "et": "agreed", "cid": [1], "cus": cus}
    answer = client.post("/send", content=json.dumps(body), headers={"Content-Type": "application/json"})
    return answer.status_code, answer.json()


def test_one_send_is_bounded(client: TestClient) -> None:
    status, body = send(client, {f"k{i}": i for i in range(limits.MAX_SEND_FAMILY_KEYS + 1)})
    assert (status, body["code"], body["field"]) == (400, "too_many_keys", "cus")
    status, body = send(client, {"big": "x" * limits.MAX_SEND_FAMILY_BYTES})
    assert (status, body["code"], body["field"]) == (400, "parameter_too_large", "cus")


def test_a_site_key_flood_is_refused_and_existing_keys_keep_working(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = [
        f["name"] for f in client.get("/v1.1/sites/1/exportFields").json()["data"] if f["family"] == "custom"
    ]
    monkeypatch.setattr(limits, "MAX_SITE_FAMILY_KEYS", len(known) + 2)
    status, body = send(client, {f"flood{i}": i for i in range(3)})
    assert (status, body["code"], body["field"]) == (400, "site_key_limit", "cus")
    assert "at most" in str(body["error"])
    assert send(client, {known[0]: "still fine"})[0] == 200
    assert send(client, {"new_a": 1, "new_b": 2})[0] == 200
    assert send(client, {"new_c": 3})[0] == 400
    after = [
        f["name"] for f in client.get("/v1.1/sites/1/exportFields").json()["data"] if f["family"] == "custom"
    ]
    assert sorted(after) == sorted([*known, "new_a", "new_b"])


def test_custom_all_past_the_column_cap_is_refused_at_creation(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_EXPORT_COLUMNS", 20)
    before = client.get("/v1.1/extract/evidence").json()["data"]
    answer = client.post(
        "/v1.1/extract/evidence", json={"start_date": START, "custom_all": True, "connection_all": True}
    )
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["field"]) == ("too_many_columns", "custom_all")
    assert "at most 20" in answer.json()["error"]
    assert client.get("/v1.1/extract/evidence").json()["data"] == before  # nothing was stored
    assert client.post("/v1.1/extract/evidence", json={"start_date": START}).status_code == 201
