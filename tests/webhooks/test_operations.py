"""/metrics scraped and parsed with prometheus_client's parser after real activity, and X-Request-Id
followed from the API into the export worker's log lines and the webhook it sends."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from clickproof.config import Settings
from clickproof.log_format import JsonFormatter
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID
from tests.conftest import make_settings, wait_for_job
from tests.webhooks.receiver import Receiver, wait_until
from tests.webhooks.test_webhooks import START, create_endpoint, first_contract, settled


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "home",
        database_url=database_url,
        webhook_allow_hosts="127.0.0.1",
        webhook_sweep_interval_seconds=0.05,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_after_real_activity(client: TestClient, receiver: Receiver) -> None:
    before = scrape(client)
    endpoint = create_endpoint(client, receiver.url, ["export.succeeded", "activity.agreed"])
    job = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    assert wait_for_job(client, job["id"])["status"] == "success"
    sent = client.get(
        "/send",
        params={
            "sid": DEMO_SITE_ACCESS_ID,
            "sig": "m@example.com",
            "et": "agreed",
            "cid": str(first_contract(client)),
        },
    )
    assert sent.status_code == 200
    unknown = {"sid": "no-such-site", "sig": "m@example.com", "et": "agreed", "cid": "1"}
    assert client.get("/send", params=unknown).status_code == 404
    settled(client, endpoint["id"], count=2)
    after = scrape(client)

    succeeded = value(after, "clickproof_export_jobs", status="success", source="api")
    assert succeeded == value(before, "clickproof_export_jobs", status="success", source="api") + 1
    assert value(after, "clickproof_export_queue_depth") == 0
    assert value(after, "clickproof_export_rows_count") == value(before, "clickproof_export_rows_count") + 1
    assert value(after, "clickproof_export_rows_sum") - value(before, "clickproof_export_rows_sum") > 0
    assert (
        value(after, "clickproof_export_duration_seconds_count")
        == value(before, "clickproof_export_duration_seconds_count") + 1
    )
    assert (
        value(after, "clickproof_activity_sends_total", outcome="recorded")
        == value(before, "clickproof_activity_sends_total", outcome="recorded") + 1
    )
    assert value(after, "clickproof_activity_sends_total", outcome="refused") >= 1
    assert (
        value(after, "clickproof_activity_send_seconds_count")
        == value(before, "clickproof_activity_send_seconds_count") + 1
    )
    assert (
        value(after, "clickproof_chain_appends_total") == value(before, "clickproof_chain_appends_total") + 1
    )
    for event in ("export.succeeded", "activity.agreed"):
        assert value(after, "clickproof_webhook_deliveries", event=event, status="succeeded") == 1
        assert (
            value(after, "clickproof_webhook_attempts_total", event=event, outcome="success")
            == value(before, "clickproof_webhook_attempts_total", event=event, outcome="success") + 1
        )
    assert value(after, "clickproof_webhook_queue_depth") == 0


def test_metrics_token_is_required_when_set(tmp_path: Path, database_url: str) -> None:
    from clickproof.api.app import create_app
    from clickproof.bootstrap import build_system

    system = build_system(
        make_settings(tmp_path / "home", database_url=database_url, metrics_token="m3trics")
    )
    try:
        with TestClient(create_app(system, background=False)) as client:
            refused = client.get("/metrics")
            assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
            assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert client.get("/metrics", headers={"Authorization": "Bearer m3trics"}).status_code == 200
    finally:
        system.close()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_request_id_follows_the_job_into_the_worker_and_the_webhook(
    client: TestClient, receiver: Receiver
) -> None:
    lines = Lines()
    logger = logging.getLogger("clickproof")
    logger.addHandler(lines)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        create_endpoint(client, receiver.url, ["export.succeeded"])
        created = client.post(
            "/v1.1/extract/evidence", json={"start_date": START}, headers={"X-Request-Id": "trace-7"}
        )
        assert created.headers["X-Request-Id"] == "trace-7"
        job_id = created.json()["id"]
        wait_for_job(client, job_id)
        (got,) = receiver.wait_for(1)
        wait_until(lambda: any(line["message"].startswith("webhooks.attempt") for line in lines.lines))
    finally:
        logger.removeHandler(lines)
        logger.setLevel(previous)
    assert got.headers["X-Request-Id"] == "trace-7"
    mine = [line for line in lines.lines if line.get("request_id") == "trace-7"]
    messages = [line["message"] for line in mine]
    assert any(m.startswith("export.created") for m in messages)  # the API
    worker = [line for line in mine if line["message"].startswith("export.succeeded")]  # the worker
    assert worker and worker[0]["job_id"] == job_id
    assert any(m.startswith("webhooks.attempt") for m in messages)  # the delivery
    assert any(m.startswith("api.request method=POST path=/v1.1/extract/evidence") for m in messages)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines.lines)


def test_a_bad_request_id_is_replaced_and_another_request_gets_its_own(client: TestClient) -> None:
    bad = client.get("/health", headers={"X-Request-Id": "bad value; with spaces"})
    assert bad.headers["X-Request-Id"] != "bad value; with spaces" and len(bad.headers["X-Request-Id"]) == 32
    first, second = client.get("/health"), client.get("/health")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_request_log_lines_keep_the_access_log_redaction(client: TestClient) -> None:
    lines = Lines()
    logger = logging.getLogger("clickproof.api")
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        client.get("/v1.1/signers/secret.person@example.com", params={"access_token": "tok-secret"})
    finally:
        logger.removeHandler(lines)
    text = json.dumps(lines.lines)
    assert "/v1.1/signers/[signer]" in text
    assert "secret.person" not in text and "tok-secret" not in text
