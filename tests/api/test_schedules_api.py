"""The schedule routes through the real app: create, read, list, patch, delete, history, errors."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from clickproof.services.tokens import issue_token
from clickproof.services.webhook_targets import AllowList
from tests.api.test_extract_evidence import other_tenant
from tests.conftest import wait_for_job

SCHEDULES = "/v1.1/extract/schedules"
BODY: dict[str, Any] = {
    "name": "Weekly acceptances",
    "cron": "0 6 * * 1",
    "timezone": "Europe/Berlin",
    "window": {"kind": "previous_week"},
    "request": {"export_types": ["clickwrap_activities"], "select": {"standard": ["event_type"]}},
    "delivery": {"s3_prefix": "compliance/weekly/"},
}


def site_endpoint(system: System, site_id: int) -> str:
    """A webhook endpoint of the site (its URL allow-listed: the tests never deliver to it)."""
    site = system.tenants.site(site_id)
    assert site is not None
    system.webhooks.allow = AllowList.parse("127.0.0.1")
    endpoint, _secret = system.webhooks.create(
        site, {"url": "http://127.0.0.1:9/hook", "events": ["export.succeeded"]}
    )
    return endpoint.id


def delivery_status(client: TestClient, job_id: str, status: str, timeout: float = 10) -> dict[str, Any]:
    """The job's `data.delivery_status` once it is `status`."""
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = (
            client.get(f"/v1.1/extract/evidence/{job_id}").json()["data"].get("delivery_status") or {}
        )
        if found.get("status") == status:
            return found
        assert time.monotonic() < deadline, f"delivery never {status}: {found}"
        time.sleep(0.05)


def test_create_get_list_patch_delete(client: TestClient, system: System, demo: DemoResult) -> None:
    endpoint = site_endpoint(system, demo.site_id)
    delivery = {"s3_prefix": "compliance/weekly/", "webhook_endpoint_id": endpoint}
    created = client.post(SCHEDULES, json={**BODY, "delivery": delivery})
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["active"] is True and schedule["site"] == demo.site_id
    assert schedule["window"] == {"kind": "previous_week"}
    assert schedule["delivery"] == delivery
    next_fire = datetime.fromisoformat(schedule["next_fire_time"].replace("Z", "+00:00"))
    assert next_fire > utc_now() and next_fire.weekday() == 0 and next_fire.hour in (4, 5)
    assert client.get(f"{SCHEDULES}/{schedule['id']}").json() == schedule
    listed = client.get(SCHEDULES).json()
    assert listed["total_count"] == 1 and listed["data"][0]["id"] == schedule["id"]

    paused = client.patch(f"{SCHEDULES}/{schedule['id']}", json={"active": False})
    assert paused.status_code == 200, paused.text
    assert paused.json()["active"] is False and paused.json()["next_fire_time"] is None
    changed = client.patch(
        f"{SCHEDULES}/{schedule['id']}",
        json={"active": True, "cron": "15 7 * * *", "window": {"kind": "last_n_days", "days": 3}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["cron"] == "15 7 * * *"
    assert changed.json()["window"] == {"kind": "last_n_days", "days": 3}
    assert changed.json()["name"] == BODY["name"]  # untouched fields stay
    assert client.patch(f"{SCHEDULES}/{schedule['id']}", json={"delivery": None}).json()["delivery"] is None

    assert client.delete(f"{SCHEDULES}/{schedule['id']}").status_code == 204
    gone = client.get(f"{SCHEDULES}/{schedule['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "schedule_not_found"
    assert client.delete(f"{SCHEDULES}/{schedule['id']}").status_code == 404


def test_a_firing_produces_a_job_that_runs_and_history_lists_it(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    body = {**BODY, "window": {"kind": "last_n_days", "days": 200}}
    schedule = client.post(SCHEDULES, json=body).json()
    slot = datetime.fromisoformat(schedule["next_fire_time"].replace("Z", "+00:00"))
    assert system.firing.fire_due(slot) == 1
    history = client.get(f"{SCHEDULES}/{schedule['id']}/history")
    assert history.status_code == 200, history.text
    (entry,) = history.json()["data"]
    assert entry["slot_time"] == schedule["next_fire_time"] and entry["error"] is None
    job = wait_for_job(client, entry["job_id"])
    assert job["status"] == "success", job["message"]
    assert job["source"] == "cron"
    assert job["data"]["schedule_id"] == schedule["id"]
    assert job["data"]["delivery"] == {**BODY["delivery"], "webhook_endpoint_id": None}
    assert job["data"]["row_count"] > 0
    # delivery.s3_prefix: the files are copied under the site's deliveries namespace
    record = system.jobs.get(job["id"])
    assert record is not None
    blobs = system.exports.blobs
    deadline = time.monotonic() + 10  # delivery follows the commit, in the worker
    last = f"deliveries/site-{demo.site_id}/compliance/weekly/{record.files[-1].name}"
    while not blobs.exists(last):
        assert time.monotonic() < deadline, "the delivery never arrived"
        time.sleep(0.05)
    delivered = delivery_status(client, job["id"], "delivered")
    assert delivered["attempts"] == 1 and delivered["next_attempt_time"] is None
    assert delivered["message"].startswith(f"{len(record.files)} file(s) copied to deliveries/site-")
    for f in record.files:
        key = f"deliveries/site-{demo.site_id}/compliance/weekly/{f.name}"
        with blobs.reader(key) as copy, blobs.reader(f.storage_key) as original:
            assert copy.read() == original.read()
    # and expire with the job
    assert system.retention.sweep(utc_now() + timedelta(days=31)) == 1
    assert not any(
        blobs.exists(f"deliveries/site-{demo.site_id}/compliance/weekly/{f.name}") for f in record.files
    )


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"cron": "61 * * * *"}, "cron", "invalid_cron"),
        ({"cron": "0 6 * *"}, "cron", "invalid_cron"),
        ({"cron": 5}, "cron", "invalid_cron"),
        ({"timezone": "Mars/Olympus"}, "timezone", "invalid_timezone"),
        ({"timezone": "../etc/passwd"}, "timezone", "invalid_timezone"),
        ({"window": {"kind": "previous_year"}}, "window.kind", "invalid_window"),
        ({"window": {"kind": "last_n_days"}}, "window.days", "invalid_window"),
        ({"window": {"kind": "previous_day", "days": 2}}, "window.days", "invalid_window"),
        ({"window": {"kind": "last_n_days", "days": 100000}}, "window.days", "invalid_window"),
        (
            {"request": {"start_date": "2026-01-01T00:00:00Z"}},
            "request.start_date",
            "window_field_in_template",
        ),
        ({"request": {"select": {"standard": ["nope"]}}}, "request.select.standard", "invalid_select"),
        ({"request": {"export_types": ["zip"]}}, "request.export_types[0]", "invalid_export_type"),
        ({"request": {"sort": 5}}, "request.sort", "invalid_sort"),
        ({"request": []}, "request", "invalid_request"),
        ({"delivery": {"s3_prefix": "/abs"}}, "delivery.s3_prefix", "invalid_request"),
        ({"delivery": {"s3_prefix": "a b/"}}, "delivery.s3_prefix", "invalid_request"),
        ({"delivery": {"s3_prefix": "x/../y"}}, "delivery.s3_prefix", "invalid_request"),
        ({"delivery": {"s3_prefix": ""}}, "delivery.s3_prefix", "invalid_request"),
        ({"delivery": {"url": "x"}}, "delivery.url", "invalid_request"),
        ({"active": "yes"}, "active", "invalid_type"),
        ({"name": ""}, "name", "invalid_request"),
        ({"extra": 1}, "extra", "unknown_field"),
    ],
)
def test_malformed_schedule_is_a_400_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str, code: str
) -> None:
    response = client.post(SCHEDULES, json={**BODY, **change})
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["code"]) == (field, code), response.text
    assert client.get(SCHEDULES).json()["total_count"] == 0


def test_a_webhook_endpoint_the_site_does_not_have_is_a_400(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    _token, other_site = other_tenant(system)
    foreign = site_endpoint(system, other_site)
    mine = site_endpoint(system, demo.site_id)
    for unknown in ("ffffffffffffffffffffffff", foreign):
        delivery = {"webhook_endpoint_id": unknown}
        response = client.post(SCHEDULES, json={**BODY, "delivery": delivery})
        assert response.status_code == 400, response.text
        body = response.json()
        assert (body["field"], body["code"]) == ("delivery.webhook_endpoint_id", "unknown_webhook_endpoint")
    assert client.get(SCHEDULES).json()["total_count"] == 0
    schedule = client.post(SCHEDULES, json={**BODY, "delivery": {"webhook_endpoint_id": mine}}).json()
    changed = client.patch(
        f"{SCHEDULES}/{schedule['id']}", json={"delivery": {"webhook_endpoint_id": foreign}}
    )
    assert (changed.status_code, changed.json()["code"]) == (400, "unknown_webhook_endpoint")
    assert client.get(f"{SCHEDULES}/{schedule['id']}").json()["delivery"]["webhook_endpoint_id"] == mine
    # an endpoint deleted since does not keep the schedule from being paused
    assert client.delete(f"/v1.1/webhooks/{mine}").status_code == 204
    paused = client.patch(f"{SCHEDULES}/{schedule['id']}", json={"active": False})
    assert paused.status_code == 200, paused.text


def test_missing_field_and_window_longer_than_the_site_allows(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    body = {k: v for k, v in BODY.items() if k != "cron"}
    response = client.post(SCHEDULES, json=body)
    assert (response.status_code, response.json()["field"], response.json()["code"]) == (
        400,
        "cron",
        "missing_field",
    )
    site = system.tenants.site(demo.site_id)
    assert site is not None
    days = site.max_export_days + 1
    response = client.post(SCHEDULES, json={**BODY, "window": {"kind": "last_n_days", "days": days}})
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["code"]) == ("window.days", "date_range_too_long")


def test_patch_validates_and_unknown_ids_are_404(client: TestClient) -> None:
    schedule = client.post(SCHEDULES, json=BODY).json()
    bad = client.patch(f"{SCHEDULES}/{schedule['id']}", json={"timezone": "Nowhere/City"})
    assert (bad.status_code, bad.json()["field"]) == (400, "timezone")
    assert client.get(f"{SCHEDULES}/{schedule['id']}").json()["timezone"] == "Europe/Berlin"
    for path in ("/ffffffffffffffffffffffff", "/not-an-id", "/ffffffffffffffffffffffff/history"):
        response = client.get(SCHEDULES + path)
        assert (response.status_code, response.json()["code"]) == (404, "schedule_not_found")


def test_schedule_routes_are_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths[SCHEDULES]) == {"get", "post"}
    assert set(paths[SCHEDULES + "/{id}"]) == {"get", "patch", "delete"}
    assert "get" in paths[SCHEDULES + "/{id}/history"]
    post = paths[SCHEDULES]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"name", "cron", "timezone", "window", "request"}
    assert "start_date" not in schema["properties"]["request"]["properties"]
    assert {"201", "400", "401", "403"} <= set(post["responses"])
    assert "/v1.1/extract/evidence/{id}/cancel" in paths
    assert {"get", "post"} == set(paths["/v1.1/extract/holds"])
    assert "post" in paths["/v1.1/extract/holds/{id}/release"]


def test_another_tenant_sees_no_schedule_or_hold(client: TestClient, system: System) -> None:
    schedule = client.post(SCHEDULES, json=BODY).json()
    hold = client.post("/v1.1/extract/holds", json={"reason": "site hold"}).json()
    token, _site = other_tenant(system)
    other = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{SCHEDULES}/{schedule['id']}", headers=other).status_code == 404
    assert (
        client.patch(f"{SCHEDULES}/{schedule['id']}", json={"active": False}, headers=other).status_code
        == 404
    )
    assert client.delete(f"{SCHEDULES}/{schedule['id']}", headers=other).status_code == 404
    assert client.get(f"{SCHEDULES}/{schedule['id']}/history", headers=other).status_code == 404
    assert client.get(SCHEDULES, headers=other).json()["total_count"] == 0
    assert client.get(f"/v1.1/extract/holds/{hold['id']}", headers=other).status_code == 404
    assert client.post(f"/v1.1/extract/holds/{hold['id']}/release", headers=other).status_code == 404
    assert client.get("/v1.1/extract/holds", headers=other).json()["total_count"] == 0
    assert client.get(f"{SCHEDULES}/{schedule['id']}").json()["active"] is True


def test_writes_need_exports_create(client: TestClient, system: System, demo: DemoResult) -> None:
    with system.engine.begin() as conn:
        principal = system.auth.authenticate(f"Bearer {demo.token}")
        reader = issue_token(
            system.tenants,
            conn,
            user_id=principal.user_id,
            account_id=demo.account_id,
            default_site_id=demo.site_id,
            site_ids=[demo.site_id],
            permissions=["exports:read"],
        )
    headers = {"Authorization": f"Bearer {reader}"}
    denied = client.post(SCHEDULES, json=BODY, headers=headers)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert client.post("/v1.1/extract/holds", json={"reason": "x"}, headers=headers).status_code == 403
    assert client.get(SCHEDULES, headers=headers).status_code == 200


def test_idempotency_key_makes_a_retry_safe(client: TestClient) -> None:
    first = client.post(SCHEDULES, json=BODY, headers={"Idempotency-Key": "weekly-1"})
    again = client.post(SCHEDULES, json=BODY, headers={"Idempotency-Key": "weekly-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert client.get(SCHEDULES).json()["total_count"] == 1
    other = client.post(SCHEDULES, json={**BODY, "name": "x"}, headers={"Idempotency-Key": "weekly-1"})
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
