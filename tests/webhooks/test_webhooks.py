"""Webhooks through the real app and job engine against a real receiver on loopback, on SQLite
and PostgreSQL: signatures checked with the Standard Webhooks reference verifier, retries after
500s and timeouts with exponential backoff, disable and enable, redelivery, SSRF refusal."""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from clickproof.bootstrap import System
from clickproof.config import Settings
from clickproof.domain.job_events import SlotFired
from clickproof.domain.timestamps import format_stored, utc_now
from clickproof.services import webhook_targets
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult
from tests.conftest import make_settings, wait_for_job
from tests.webhooks.receiver import TRICKLE, Receiver, wait_until

BASE = 0.4  # webhook_retry_base_seconds of these tests
START = (utc_now() - timedelta(days=100)).isoformat()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "home",
        database_url=database_url,
        webhook_allow_hosts="127.0.0.1",
        webhook_retry_base_seconds=BASE,
        webhook_max_attempts=5,
        webhook_timeout_seconds=1.0,
        webhook_sweep_interval_seconds=0.05,
        webhook_disable_after_failures=4,
        webhook_disable_after_seconds=0,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def create_endpoint(client: TestClient, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    response = client.post("/v1.1/webhooks", json={"url": url, "events": events, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries(client: TestClient, endpoint_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1.1/webhooks/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def settled(client: TestClient, endpoint_id: str, count: int = 1) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]] | None:
        rows = deliveries(client, endpoint_id)
        if len(rows) >= count and all(r["status"] in ("succeeded", "failed") for r in rows):
            return rows
        return None

    found: list[dict[str, Any]] = wait_until(done, what="deliveries settled")
    return found


def first_contract(client: TestClient) -> int:
    contract: int = client.get("/v1.1/contracts").json()["data"][0]["id"]
    return contract


def test_endpoints_are_created_listed_without_secret_rotated_and_deleted(client: TestClient) -> None:
    created = create_endpoint(client, "http://127.0.0.1:9/hook", ["export.succeeded"], description="ops")
    assert created["secret"].startswith("whsec_") and created["enabled"] is True
    listed = client.get("/v1.1/webhooks").json()["data"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0] and "secret" not in client.get(f"/v1.1/webhooks/{created['id']}").json()
    rotated = client.post(f"/v1.1/webhooks/{created['id']}/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert client.delete(f"/v1.1/webhooks/{created['id']}").status_code == 204
    assert client.get(f"/v1.1/webhooks/{created['id']}").status_code == 404
    assert client.get("/v1.1/webhooks").json()["data"] == []


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"events": ["export.succeeded"]}, "url", "invalid_webhook"),
        ({"url": "ftp://127.0.0.1/x", "events": ["export.succeeded"]}, "url", "invalid_webhook"),
        ({"url": "http://u:p@127.0.0.1/x", "events": ["export.succeeded"]}, "url", "invalid_webhook"),
        ({"url": "http://127.0.0.1/x", "events": []}, "events", "invalid_webhook"),
        ({"url": "http://127.0.0.1/x", "events": ["export.done"]}, "events/0", "unknown_event"),
        ({"url": "http://127.0.0.1/x", "events": ["export.failed"], "colour": 1}, "colour", "unknown_field"),
        (
            {"url": "http://127.0.0.1/x", "events": ["export.failed"], "payload_format": "xml"},
            "payload_format",
            "invalid_webhook",
        ),
        (
            {"url": "http://127.0.0.1/x", "events": ["export.failed"], "legacy_token": "a\nb"},
            "legacy_token",
            "invalid_webhook",
        ),
        ({"url": "http://10.1.2.3/x", "events": ["export.failed"]}, "url", "webhook_url_refused"),
        ({"url": "http://[::1]/x", "events": ["export.failed"]}, "url", "webhook_url_refused"),
        ({"url": "http://169.254.169.254/latest", "events": ["export.failed"]}, "url", "webhook_url_refused"),
        ({"url": "http://127.0.0.2/x", "events": ["export.failed"]}, "url", "webhook_url_refused"),
        ({"url": "http://0.0.0.0/x", "events": ["export.failed"]}, "url", "webhook_url_refused"),
    ],
)
def test_malformed_or_private_endpoints_are_refused_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str, code: str
) -> None:
    response = client.post("/v1.1/webhooks", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field and response.json()["code"] == code


def test_export_succeeded_is_signed_and_verifies_with_the_reference_code(
    client: TestClient, receiver: Receiver
) -> None:
    endpoint = create_endpoint(client, receiver.url, ["export.succeeded", "export.failed"])
    job = client.post(
        "/v1.1/extract/evidence", json={"start_date": START}, headers={"X-Request-Id": "req-42"}
    ).json()
    assert wait_for_job(client, job["id"])["status"] == "success"
    (got,) = receiver.wait_for(1)
    payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "export.succeeded" and payload["data"]["id"] == job["id"]
    assert payload["data"]["row_count"] > 0 and payload["data"]["files"][0]["sha256"]
    assert got.headers["webhook-id"].startswith("msg_") and got.headers["X-Request-Id"] == "req-42"
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(got.body + b" ", got.headers)
    (row,) = settled(client, endpoint["id"])
    assert row["status"] == "succeeded" and row["id"] == got.headers["webhook-id"]
    assert row["attempts"][0]["status_code"] == 200 and row["attempts"][0]["latency_ms"] >= 0
    assert row["attempts"][0]["response_excerpt"].startswith("answer 200")
    assert len(row["attempts"][0]["response_excerpt"]) <= 1024


def test_after_rotation_both_secrets_verify(client: TestClient, receiver: Receiver) -> None:
    endpoint = create_endpoint(client, receiver.url, ["export.succeeded"])
    new = client.post(f"/v1.1/webhooks/{endpoint['id']}/rotate-secret").json()["secret"]
    job = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    wait_for_job(client, job["id"])
    (got,) = receiver.wait_for(1)
    assert Webhook(new).verify(got.body, got.headers)["data"]["id"] == job["id"]
    assert Webhook(endpoint["secret"]).verify(got.body, got.headers)["data"]["id"] == job["id"]


def test_sends_deliver_ironclad_activity_payloads_with_the_legacy_token(
    client: TestClient, receiver: Receiver
) -> None:
    endpoint = create_endpoint(
        client, receiver.url, ["activity.agreed"], payload_format="ironclad", legacy_token="s3cret-code"
    )
    contract = first_contract(client)
    for event in ("agreed", "displayed"):
        sent = client.get(
            "/send",
            params={"sid": DEMO_SITE_ACCESS_ID, "sig": "ann@example.com", "et": event, "cid": str(contract)},
        )
        assert sent.status_code == 200, sent.text
    (got,) = receiver.wait_for(1)
    body = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert got.headers["Pactsafe-Webhook-Token"] == "s3cret-code"
    assert body["type"] == "webhook" and body["event_type"] == "agreed" and body["contract"] == contract
    assert body["signer_id"] == "ann@example.com" and body["integration"] == endpoint["id"]
    assert body["id"] == got.headers["webhook-id"] and body["sent_to"] == receiver.url
    assert set(body) >= {"site", "group", "version", "activity", "custom_data", "description", "created_time"}
    settled(client, endpoint["id"])
    assert len(receiver.received) == 1  # displayed was not subscribed


def test_500s_and_timeouts_are_retried_with_exponential_backoff(
    client: TestClient, receiver: Receiver
) -> None:
    # the second answers only after 30 s, long after the 1 s timeout
    receiver.plan = [(500, 0.0), (200, 30.0), (503, 0.0)]
    endpoint = create_endpoint(client, receiver.url, ["export.succeeded"])
    job = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    wait_for_job(client, job["id"])
    got = receiver.wait_for(4)
    assert len({g.headers["webhook-id"] for g in got}) == 1  # one message, four attempts
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    # waits of BASE * 2^(n-1) less at most 10% jitter; the timed-out attempt adds its 1 s
    assert gaps[0] >= BASE * 0.9
    assert gaps[1] >= 1.0 + 2 * BASE * 0.9
    assert gaps[2] >= 4 * BASE * 0.9
    (row,) = settled(client, endpoint["id"])
    assert row["status"] == "succeeded"
    outcomes = [(a["status_code"], a["succeeded"]) for a in row["attempts"]]
    assert outcomes == [(500, False), (None, False), (503, False), (200, True)]
    assert row["attempts"][1]["error"] == "no complete answer within 1 s"
    # the hanging receiver held the worker about the 1 s timeout, never the 30 s it hung; the
    # margin is for a loaded machine, where the timer thread may wait for the interpreter lock
    assert row["attempts"][1]["latency_ms"] < 10_000


def test_sustained_failure_disables_the_endpoint_until_enabled_and_redelivery_sends_again(
    client: TestClient, receiver: Receiver
) -> None:
    receiver.plan = [(500, 0.0)] * 5
    endpoint = create_endpoint(client, receiver.url, ["export.succeeded"])
    job = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    wait_for_job(client, job["id"])
    receiver.wait_for(4)
    disabled = wait_until(
        lambda: (e := client.get(f"/v1.1/webhooks/{endpoint['id']}").json())["enabled"] is False and e,
        what="endpoint disabled",
    )
    assert "4 or more consecutive failed attempts" in disabled["disabled_reason"]
    (row,) = deliveries(client, endpoint["id"])
    assert row["status"] == "pending" and row["attempt"] == 4  # waits, not sent while disabled
    time.sleep(BASE * 8 * 1.5)  # past its retry time
    assert len(receiver.received) == 4
    enabled = client.post(f"/v1.1/webhooks/{endpoint['id']}/enable").json()
    assert enabled["enabled"] is True and enabled["failure_streak"] == 0
    (row,) = settled(client, endpoint["id"])  # the fifth attempt: 500 again, attempts exhausted
    assert row["status"] == "failed" and row["attempt"] == 5
    again = client.post(f"/v1.1/webhooks/{endpoint['id']}/deliveries/{row['id']}/redeliver")
    assert again.status_code == 202, again.text
    assert again.json()["id"] != row["id"] and again.json()["status"] == "pending"
    got = receiver.wait_for(6)
    assert got[-1].body == got[0].body and got[-1].headers["webhook-id"] == again.json()["id"]
    assert Webhook(endpoint["secret"]).verify(got[-1].body, got[-1].headers)["type"] == "export.succeeded"
    missing = client.post(f"/v1.1/webhooks/{endpoint['id']}/deliveries/msg_nope/redeliver")
    assert missing.status_code == 404 and missing.json()["field"] == "delivery_id"


def test_a_host_that_later_resolves_to_loopback_is_refused_at_delivery(
    client: TestClient, receiver: Receiver, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {"address": "93.184.215.14"}  # public at creation …

    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["address"], port))]

    monkeypatch.setattr(webhook_targets.socket, "getaddrinfo", fake_getaddrinfo)
    for holder in (system.webhooks, system.deliverer):  # this test's operator allows no host
        monkeypatch.setattr(holder, "allow", webhook_targets.AllowList.parse(""))
    endpoint = create_endpoint(client, f"http://rebind.example:{receiver.port}/hook", ["export.succeeded"])
    answers["address"] = "127.0.0.1"  # … loopback when the delivery is made
    job = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    wait_for_job(client, job["id"])
    row = wait_until(
        lambda: (d := deliveries(client, endpoint["id"])) and d[0]["attempts"] and d[0], what="attempt"
    )
    assert row["attempts"][0]["error"].startswith("refused: url resolves to 127.0.0.1")
    assert receiver.received == []


def test_webhook_routes_are_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/v1.1/webhooks"]) == {"get", "post"}
    assert set(paths["/v1.1/webhooks/{id}"]) == {"get", "delete"}
    assert "post" in paths["/v1.1/webhooks/{id}/rotate-secret"]
    assert "post" in paths["/v1.1/webhooks/{id}/enable"]
    assert "get" in paths["/v1.1/webhooks/{id}/deliveries"]
    redeliver = paths["/v1.1/webhooks/{id}/deliveries/{delivery_id}/redeliver"]["post"]
    assert {p["name"] for p in redeliver["parameters"]} >= {"id", "delivery_id"}
    assert {"202", "404"} <= set(redeliver["responses"])
    assert paths["/v1.1/webhooks"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"
    ] == [
        "url",
        "events",
    ]
    for path, methods in paths.items():
        if path.startswith("/v1.1/webhooks"):
            for operation in methods.values():
                assert {"401", "403"} <= set(operation["responses"]), path
                assert any(p["name"] == "site_id" for p in operation["parameters"]), path
    metrics = paths["/metrics"]["get"]
    assert metrics["security"] == [] and "text/plain" in metrics["responses"]["200"]["content"]
    assert json.dumps(paths)  # serializable


def test_a_job_with_damaged_data_still_fails_and_sends_export_failed(
    client: TestClient, system: System, demo: DemoResult, receiver: Receiver
) -> None:
    from clickproof.domain.export_job import JobSource
    from clickproof.domain.object_id import new_object_id

    endpoint = create_endpoint(client, receiver.url, ["export.failed"])
    job_id = new_object_id()
    with system.engine.begin() as conn:
        system.jobs.create(
            conn,
            job_id=job_id,
            account_id=demo.account_id,
            site_id=demo.site_id,
            created_by=demo.user_id,
            token_id=None,
            job_name="damaged",
            source=JobSource.API,
            message="pending",
            data="not an object",  # type: ignore[arg-type]
            now=utc_now(),
        )
    assert system.jobs.fail(job_id, attempt=None, now=utc_now(), message="Export job failed (damaged).")
    (got,) = receiver.wait_for(1)
    body = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert body["type"] == "export.failed" and body["data"]["id"] == job_id
    assert body["data"]["message"] == "Export job failed (damaged)." and "files" not in body["data"]


def test_the_delivery_task_name_is_pinned() -> None:
    """Renaming the task would strand the delivery messages already queued under the old name."""
    from clickproof.jobs.queue import DELIVER_WEBHOOK_TASK

    assert DELIVER_WEBHOOK_TASK == "clickproof.deliver_webhook"


def test_schedule_fired_is_delivered_with_its_documented_payload(
    client: TestClient, system: System, demo: DemoResult, receiver: Receiver
) -> None:
    endpoint = create_endpoint(client, receiver.url, ["schedule.fired"])
    slot = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    window = {"start_date": format_stored(slot - timedelta(days=7)), "end_date": format_stored(slot)}
    with system.engine.begin() as conn:  # what a firing's transaction tells the hub
        system.events.slot_firing(
            conn, SlotFired("sched-1", demo.site_id, slot, "6b0000000000000000000001", window)
        )
    (got,) = receiver.wait_for(1)
    body = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert body["type"] == "schedule.fired"
    assert body["data"] == {
        "schedule_id": "sched-1",
        "site": demo.site_id,
        "job_id": "6b0000000000000000000001",
        "slot_time": "2026-11-30T05:00:00.000Z",
        "start_date": "2026-11-23T05:00:00.000Z",
        "end_date": "2026-11-30T05:00:00.000Z",
    }


def test_a_receiver_that_trickles_its_answer_is_cut_at_the_timeout(
    client: TestClient, receiver: Receiver
) -> None:
    receiver.plan = [(TRICKLE, 0.0)]
    endpoint = create_endpoint(client, receiver.url, ["export.succeeded"])
    job = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    wait_for_job(client, job["id"])
    (row,) = settled(client, endpoint["id"])  # the second attempt gets the receiver's 200
    first = row["attempts"][0]
    assert first["succeeded"] is False and first["error"] == "no complete answer within 1 s"
    assert first["latency_ms"] < 10_000  # about the 1 s timeout, not the 30 s the receiver trickles
    assert row["attempts"][1]["succeeded"] is True
