"""Real processes: `clickproof serve` and a `clickproof worker` on PostgreSQL and Redis with JSON
logs. The export runs on the worker, which sends the signed webhook; the request id given to the
API is in the API's log line, the worker's lines for the job and the webhook's header; /metrics of
the API process reports the job and the delivery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from standardwebhooks.webhooks import Webhook

from tests.e2e.test_distributed import Worker, broker_url, cluster_env, demo_token, server_for
from tests.e2e.test_processes import START, api, free_port, wait_status
from tests.webhooks.receiver import Receiver, wait_until

__all__ = ["broker_url", "cluster_env"]
pytestmark = pytest.mark.e2e


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is a JSON object


def test_request_id_and_webhook_across_serve_and_worker(cluster_env: dict[str, str]) -> None:
    env = {**cluster_env, "CLICKPROOF_LOG_FORMAT": "json", "CLICKPROOF_WEBHOOK_ALLOW_HOSTS": "127.0.0.1"}
    token = demo_token(env)
    home = Path(env["CLICKPROOF_HOME"])
    with Receiver() as receiver:
        server = server_for(env)
        metrics_port = free_port()
        worker = Worker(home, env, "json", metrics_port=metrics_port)
        try:
            client = api(server, token)
            created = client.post(
                "/v1.1/webhooks", json={"url": receiver.url, "events": ["export.succeeded"]}
            )
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]
            job = client.post(
                "/v1.1/extract/evidence", json={"start_date": START}, headers={"X-Request-Id": "e2e-trace-1"}
            )
            assert job.status_code == 201 and job.headers["X-Request-Id"] == "e2e-trace-1"
            job_id = job.json()["id"]
            assert wait_status(client, job_id, {"success", "failed"})["status"] == "success"
            (got,) = receiver.wait_for(1, timeout=60)
            assert Webhook(secret).verify(got.body, got.headers)["data"]["id"] == job_id
            assert got.headers["X-Request-Id"] == "e2e-trace-1"

            def scraped() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
                text = httpx.get(f"{server.url}/metrics", timeout=10).text
                samples = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for family in text_string_to_metric_families(text)
                    for s in family.samples
                }
                key = (
                    "clickproof_webhook_deliveries",
                    (("event", "export.succeeded"), ("status", "succeeded")),
                )
                return samples if samples.get(key) == 1 else None

            samples = wait_until(scraped, what="delivery in /metrics")
            assert samples[("clickproof_export_jobs", (("source", "api"), ("status", "success")))] == 1
            own = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(
                    httpx.get(f"http://127.0.0.1:{metrics_port}/").text
                )
                for s in family.samples
            }
            assert own[("clickproof_export_attempts_total", (("outcome", "success"),))] == 1
            key = (
                "clickproof_webhook_attempts_total",
                (("event", "export.succeeded"), ("outcome", "success")),
            )
            assert own[key] == 1
        finally:
            worker.stop()
            server.stop()
    served = json_lines(home / f"serve-{server.port}.log")
    worked = json_lines(worker.log_path)
    api_lines = [line for line in served if line.get("request_id") == "e2e-trace-1"]
    assert any(
        line["message"].startswith("api.request method=POST path=/v1.1/extract/evidence")
        for line in api_lines
    )
    assert any(line["message"].startswith("export.created") for line in api_lines)
    mine = [line for line in worked if line.get("request_id") == "e2e-trace-1"]
    assert any(line["message"].startswith("export.succeeded") and line["job_id"] == job_id for line in mine)
    assert any(line["message"].startswith("webhooks.attempt") for line in mine)
    assert not any("export.succeeded" in line["message"] for line in served)  # it ran on the worker
    assert token not in json.dumps(served) and secret not in json.dumps(served + worked)
