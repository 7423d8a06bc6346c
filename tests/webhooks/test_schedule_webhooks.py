"""A schedule's firing, end to end with webhooks: the slot's job is created, schedule.fired is
queued in the same transaction, and the job's success is delivered; both verify with the
Standard Webhooks reference code."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from clickproof.bootstrap import System
from clickproof.services.demo_data import DemoResult
from tests.conftest import wait_for_job
from tests.integration.test_schedules import WEEKLY, created_at, cron_jobs, principal_site
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_webhooks import create_endpoint, receiver, settings  # noqa: F401 - fixtures


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
