"""A schedule's firing, end to end with webhooks: the slot's job is created, schedule.fired is
queued in the same transaction, and the job's success is delivered; both verify with the
Standard Webhooks reference code."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from clickproof.bootstrap import System
from clickproof.domain.webhook_events import EVENTS
from clickproof.services.demo_data import DemoResult
from tests.conftest import wait_for_job
from tests.integration.test_schedules import WEEKLY, created_at, cron_jobs, principal_site
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_webhooks import (  # noqa: F401 - fixtures
    START,
    create_endpoint,
    deliveries,
    receiver,
    settings,
)


def test_a_firing_delivers_schedule_fired_and_the_jobs_success(
    client: TestClient,
    system: System,
    demo: DemoResult,
    receiver: Receiver,  # noqa: F811
) -> None:
    endpoint = create_endpoint(client, receiver.url, ["schedule.fired", "export.succeeded"])
    principal, site = principal_site(system, demo)
    created_at(system, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    schedule = system.schedules.create(principal, site, WEEKLY)
    assert system.firing.fire_due(datetime(2026, 12, 7, 5, 0, 3, tzinfo=UTC)) == 1
    (job,) = cron_jobs(system)
    assert wait_for_job(client, job.id, timeout=120)["status"] == "success"
    got = receiver.wait_for(2)
    bodies = {b["type"]: b for b in (Webhook(endpoint["secret"]).verify(g.body, g.headers) for g in got)}
    assert bodies["schedule.fired"]["data"] == {
        "schedule_id": schedule.id,
        "site": demo.site_id,
        "job_id": job.id,
        "slot_time": "2026-12-07T05:00:00.000Z",
        "start_date": "2026-11-29T23:00:00.000Z",
        "end_date": "2026-12-06T23:00:00.000Z",
    }
    succeeded = bodies["export.succeeded"]["data"]
    assert succeeded["id"] == job.id and succeeded["source"] == "cron"


def test_a_schedule_that_names_an_endpoint_sends_its_events_there_only(
    client: TestClient,
    system: System,
    demo: DemoResult,
    receiver: Receiver,  # noqa: F811
) -> None:
    everything = create_endpoint(client, f"{receiver.url}?to=all", list(EVENTS))
    named = create_endpoint(client, f"{receiver.url}?to=named", ["schedule.fired", "export.succeeded"])
    principal, site = principal_site(system, demo)
    created_at(system, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    body = {**WEEKLY, "delivery": {"webhook_endpoint_id": named["id"]}}
    schedule = system.schedules.create(principal, site, body)
    assert system.firing.fire_due(datetime(2026, 12, 7, 5, 0, 3, tzinfo=UTC)) == 1
    (job,) = cron_jobs(system)
    assert wait_for_job(client, job.id, timeout=120)["status"] == "success"
    manual = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()
    assert wait_for_job(client, manual["id"], timeout=120)["status"] == "success"
    got = receiver.wait_for(4)
    to_named = sorted(
        (b["type"], b["data"].get("schedule_id", "-"), b["data"].get("job_id") or b["data"]["id"])
        for b in (Webhook(named["secret"]).verify(g.body, g.headers) for g in got if g.path.endswith("named"))
    )
    assert to_named == sorted(
        [
            ("schedule.fired", schedule.id, job.id),
            ("export.succeeded", schedule.id, job.id),
            ("export.succeeded", "-", manual["id"]),  # an API job's events go to every subscriber
        ]
    )
    # the endpoint that subscribes to every event got the API job's success, nothing of the schedule
    # (deliveries are rows written with their cause: none exist for the schedule's events)
    assert [d["event_type"] for d in deliveries(client, everything["id"])] == ["export.succeeded"]
    (to_all,) = [
        Webhook(everything["secret"]).verify(g.body, g.headers) for g in got if g.path.endswith("all")
    ]
    assert to_all["data"]["id"] == manual["id"]
