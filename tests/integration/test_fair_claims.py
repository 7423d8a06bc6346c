"""The order free workers take jobs in, and the per-site cap on running jobs (both databases)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from clickproof.bootstrap import System
from clickproof.domain.export_job import JobSource
from clickproof.domain.timestamps import utc_now

LEASE = timedelta(seconds=30)


def _site(system: System, name: str) -> int:
    now = utc_now()
    with system.engine.begin() as conn:
        account = system.tenants.create_account(conn, name, now)
        return system.tenants.create_site(
            conn, account_id=account, name=name, access_id=f"{name}-sid", max_export_days=365, now=now
        )


def _job(system: System, site_id: int, job_id: str, minutes_ago: int) -> str:
    site = system.tenants.site(site_id)
    assert site is not None
    data: dict[str, Any] = {}
    with system.engine.begin() as conn:
        user = system.tenants.create_user(
            conn, account_id=site.account_id, email=f"{job_id}@example.com", name=job_id, now=utc_now()
        )
        system.jobs.create(
            conn,
            job_id=job_id,
            account_id=site.account_id,
            site_id=site_id,
            created_by=user,
            token_id=None,
            job_name="clickwrap_activities",
            source=JobSource.API,
            message="pending",
            data=data,
            now=utc_now() - timedelta(minutes=minutes_ago),
        )
    return job_id


def _claim(system: System, job_id: str, cap: int = 0) -> bool:
    claimed = system.jobs.claim(
        job_id, owner="w", now=utc_now(), lease=LEASE, message="running", running_per_site=cap
    )
    return claimed is not None


def test_free_workers_take_the_site_with_fewest_running_then_least_recently_served(system: System) -> None:
    a, b = _site(system, "a"), _site(system, "b")
    for n in range(5):
        _job(system, a, f"{n:024x}", minutes_ago=50 - n)  # A queued first, long ago
    late_b = _job(system, b, "b" * 24, minutes_ago=1)
    now = utc_now()
    first = system.jobs.next_fair(now=now)
    assert first == f"{0:024x}"  # nobody runs: the oldest waiting site
    assert _claim(system, first)
    assert system.jobs.next_fair(now=utc_now()) == late_b  # A runs one, B none
    assert _claim(system, late_b)
    # Both run one; B was served more recently, so A's next job comes next.
    assert system.jobs.next_fair(now=utc_now()) == f"{1:024x}"


def test_running_cap_per_site_is_enforced_at_claim(system: System) -> None:
    a, b = _site(system, "a"), _site(system, "b")
    first, second = _job(system, a, "a" * 24, 10), _job(system, a, "c" * 24, 9)
    other = _job(system, b, "b" * 24, 8)
    assert _claim(system, first, cap=1)
    assert not _claim(system, second, cap=1)  # A already runs one
    assert system.jobs.next_fair(now=utc_now(), running_per_site=1) == other
    assert _claim(system, other, cap=1)
    assert system.jobs.next_fair(now=utc_now(), running_per_site=1) is None
    assert _claim(system, second, cap=2)
