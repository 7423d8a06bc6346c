"""A schedule's copy to its delivery prefix is retried with backoff until the bucket is back, on a
real S3-compatible server (moto): the bucket goes missing between the files' upload and the job's
commit, so the first copy fails; the sweeper's retries deliver once the bucket is present again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from clickproof.api.wire import job_to_wire
from clickproof.bootstrap import System
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.services.demo_data import seed_demo
from clickproof.services.prefix_delivery import DeliveryPolicy
from tests.integration.test_s3_storage import s3_endpoint, s3_system  # noqa: F401

BODY = {
    "name": "Daily",
    "cron": "0 6 * * *",
    "timezone": "Europe/Berlin",
    "window": {"kind": "last_n_days", "days": 200},
    "request": {},
    "delivery": {"s3_prefix": "compliance/daily"},
}


def _job(system: System, job_id: str) -> ExportJob:
    job = system.jobs.get(job_id)
    assert job is not None
    return job


def test_a_failed_copy_is_retried_until_the_bucket_is_back(s3_system: System, s3_endpoint: str) -> None:  # noqa: F811
    system = s3_system
    system.prefix_delivery.policy = DeliveryPolicy(max_attempts=4, retry_base_seconds=20.0)
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=30, seed=4)
    principal = system.auth.authenticate(f"Bearer {demo.token}")
    site = system.tenants.site(demo.site_id)
    assert site is not None and system.settings.storage_url is not None
    bucket = system.settings.storage_url.removeprefix("s3://").split("/")[0]
    schedule = system.schedules.create(principal, site, BODY)
    assert schedule.next_fire_time is not None
    assert system.firing.fire_due(schedule.next_fire_time) == 1
    (entry,), _ = system.schedules.history(site, schedule.id, page=1, per_page=5)
    assert entry.job is not None
    blobs = system.exports.blobs
    saved: dict[str, bytes] = {}
    commit = system.jobs.succeed

    def bucket_gone_at_commit(job_id: str, **kwargs: Any) -> bool:
        for f in kwargs["files"]:
            with blobs.reader(f.storage_key) as source:
                saved[f.storage_key] = source.read()
            blobs.delete(f.storage_key)
        assert httpx.delete(f"{s3_endpoint}/{bucket}").status_code == 204
        return commit(job_id, **kwargs)

    system.jobs.succeed = bucket_gone_at_commit  # type: ignore[method-assign]
    system.runner.run(entry.job.id, "w")
    job = _job(system, entry.job.id)
    assert job.status is JobStatus.SUCCESS and job.delivery is not None
    assert (job.delivery.status, job.delivery.attempts) == ("pending", 1)
    where = f"deliveries/site-{site.id}/compliance/daily/"
    assert job.delivery.message is not None
    assert job.delivery.message.startswith(f"Copy attempt 1 to {where} failed (")
    assert "the bucket or the file is missing" in job.delivery.message
    assert job.delivery.retry_time is not None
    first_retry = job.delivery.retry_time
    shown = job_to_wire(job)["data"]["delivery_status"]
    assert (
        shown["status"] == "pending" and shown["attempts"] == 1 and shown["message"] == job.delivery.message
    )

    # not before its backoff (between half and all of 20 s), then again while the bucket is missing
    assert system.prefix_delivery.retry_due(first_retry - timedelta(seconds=1)) == 0
    assert _job(system, job.id).delivery.attempts == 1  # type: ignore[union-attr]
    assert system.prefix_delivery.retry_due(first_retry) == 0
    second = _job(system, job.id).delivery
    assert second is not None and (second.status, second.attempts) == ("pending", 2)
    assert second.retry_time is not None
    assert timedelta(seconds=20) <= second.retry_time - first_retry <= timedelta(seconds=40)

    # the bucket is back, with the job's files
    assert httpx.put(f"{s3_endpoint}/{bucket}").status_code == 200
    for key, content in saved.items():
        with blobs.writer(key) as sink:
            sink.write(content)
    assert system.prefix_delivery.retry_due(second.retry_time) == 1
    done = _job(system, job.id)
    assert done.delivery is not None and (done.delivery.status, done.delivery.attempts) == ("delivered", 3)
    assert done.delivery.message == f"{len(done.files)} file(s) copied to {where} (attempt 3)."
    assert job_to_wire(done)["data"]["delivery_status"]["next_attempt_time"] is None
    for f in done.files:
        with blobs.reader(f"{where}{f.name}") as copy:
            assert copy.read() == saved[f.storage_key]
    assert system.prefix_delivery.retry_due(second.retry_time + timedelta(hours=1)) == 0  # delivered once


def test_a_copy_that_keeps_failing_ends_failed_with_its_cause(s3_system: System) -> None:  # noqa: F811
    system = s3_system
    system.prefix_delivery.policy = DeliveryPolicy(max_attempts=2, retry_base_seconds=1.0)
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=10, seed=5)
    principal = system.auth.authenticate(f"Bearer {demo.token}")
    site = system.tenants.site(demo.site_id)
    assert site is not None
    schedule = system.schedules.create(principal, site, BODY)
    assert schedule.next_fire_time is not None
    assert system.firing.fire_due(schedule.next_fire_time) == 1
    (entry,), _ = system.schedules.history(site, schedule.id, page=1, per_page=5)
    assert entry.job is not None
    commit = system.jobs.succeed

    def csv_lost_at_commit(job_id: str, **kwargs: Any) -> bool:
        system.exports.blobs.delete(kwargs["files"][0].storage_key)
        return commit(job_id, **kwargs)

    system.jobs.succeed = csv_lost_at_commit  # type: ignore[method-assign]
    system.runner.run(entry.job.id, "w")
    job = _job(system, entry.job.id)
    assert job.delivery is not None and job.delivery.retry_time is not None
    assert system.prefix_delivery.retry_due(job.delivery.retry_time) == 0
    failed = _job(system, job.id).delivery
    assert failed is not None and (failed.status, failed.attempts, failed.retry_time) == ("failed", 2, None)
    assert failed.message == (
        f"The files could not be copied to deliveries/site-{site.id}/compliance/daily/ in 2 attempts "
        f"({job.files[0].name} was not found in the export storage: the bucket or the file is missing)."
    )
    assert system.prefix_delivery.retry_due(job.delivery.retry_time + timedelta(days=1)) == 0
