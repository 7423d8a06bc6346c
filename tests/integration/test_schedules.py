"""Schedules fire under an injected clock: one job per slot, DST both ways, catch-up, races."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from clickproof.bootstrap import System, build_system
from clickproof.config import Settings
from clickproof.domain.export_job import ExportJob, JobSource
from clickproof.services.demo_data import DemoResult
from clickproof.services.tokens import Principal
from clickproof.store.tables import export_jobs, export_schedules, schedule_firings, sites
from clickproof.store.tenants import Site

WEEKLY: dict[str, Any] = {
    "name": "Last week's acceptances",
    "cron": "0 6 * * 1",
    "timezone": "Europe/Berlin",
    "window": {"kind": "previous_week"},
    "request": {"export_types": ["clickwrap_activities"]},
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def principal_site(system: System, demo: DemoResult) -> tuple[Principal, Site]:
    principal = system.auth.authenticate(f"Bearer {demo.token}")
    site = system.tenants.site(demo.site_id)
    assert site is not None
    return principal, site


def created_at(system: System, when: datetime) -> None:
    system.schedules.clock = lambda: when


def cron_jobs(system: System) -> list[ExportJob]:
    with system.engine.connect() as conn:
        ids = conn.execute(
            select(export_jobs.c.id)
            .where(export_jobs.c.source == JobSource.CRON.value)
            .order_by(export_jobs.c.created_time)
        ).all()
    jobs = [system.jobs.get(r.id) for r in ids]
    return [j for j in jobs if j is not None]


def fire_every(system: System, start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """Sweep from start to end; the slots that fired, in order."""
    slots: list[datetime] = []
    now = start
    while now <= end:
        before = len(cron_jobs(system))
        system.firing.fire_due(now)
        for job in cron_jobs(system)[before:]:
            slots.append(datetime.fromisoformat(job.data["schedule_slot"].replace("Z", "+00:00")))
        now += step
    return slots


def test_weekly_schedule_fires_one_job_per_slot_with_its_window_frozen(
    system: System, demo: DemoResult
) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 12, 2, 9))  # a Wednesday
    schedule = system.schedules.create(principal, site, WEEKLY)
    assert schedule.next_fire_time == utc(2026, 12, 7, 5)  # Monday 06:00 CET
    assert system.firing.fire_due(utc(2026, 12, 7, 4, 59, 59)) == 0
    assert system.firing.fire_due(utc(2026, 12, 7, 5, 0, 3)) == 1
    assert system.firing.fire_due(utc(2026, 12, 7, 5, 0, 4)) == 0
    (job,) = cron_jobs(system)
    assert job.source is JobSource.CRON
    assert job.data["schedule_id"] == schedule.id
    assert job.data["schedule_slot"] == "2026-12-07T05:00:00.000Z"
    # Monday 2026-11-30 00:00 to Monday 2026-12-07 00:00, Europe/Berlin (CET, UTC+1)
    assert job.data["start_date"] == "2026-11-29T23:00:00.000000Z"
    assert job.data["end_date"] == "2026-12-06T23:00:00.000000Z"
    assert job.data["export_types"] == ["clickwrap_activities"]
    assert job.created_by == principal.user_id
    after = system.schedules.get(site, schedule.id)
    assert after.last_fire_time == utc(2026, 12, 7, 5)
    assert after.next_fire_time == utc(2026, 12, 14, 5)
    entries, total = system.schedules.history(site, schedule.id, page=1, per_page=10)
    assert total == 1
    assert entries[0].job is not None and entries[0].job.id == job.id
    # The next week fires the next job, with the next window.
    assert system.firing.fire_due(utc(2026, 12, 14, 5, 1)) == 1
    assert [j.data["start_date"] for j in cron_jobs(system)] == [
        "2026-11-29T23:00:00.000000Z",
        "2026-12-06T23:00:00.000000Z",
    ]


def test_daily_0230_on_spring_forward_day_runs_once(system: System, demo: DemoResult) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 3, 27, 12))
    body = {**WEEKLY, "cron": "30 2 * * *", "window": {"kind": "previous_day"}}
    system.schedules.create(principal, site, body)
    slots = fire_every(system, utc(2026, 3, 27, 12), utc(2026, 3, 31, 0), timedelta(minutes=10))
    # 02:30 CET; on 29 March 02:30 does not exist and the job runs once at 03:00 CEST; then CEST.
    assert slots == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]
    windows = [(j.data["start_date"], j.data["end_date"]) for j in cron_jobs(system)]
    # 29 March 00:00 CET to 30 March... : the window of the DST day is 23 hours long.
    assert windows[1] == ("2026-03-27T23:00:00.000000Z", "2026-03-28T23:00:00.000000Z")
    assert windows[2] == ("2026-03-28T23:00:00.000000Z", "2026-03-29T22:00:00.000000Z")


def test_daily_0230_on_fall_back_day_runs_once(system: System, demo: DemoResult) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 10, 23, 12))
    body = {**WEEKLY, "cron": "30 2 * * *", "window": {"kind": "previous_day"}}
    system.schedules.create(principal, site, body)
    slots = fire_every(system, utc(2026, 10, 23, 12), utc(2026, 10, 27, 0), timedelta(minutes=10))
    # 25 October repeats 02:00-03:00; 02:30 runs once, at its first occurrence (CEST).
    assert slots == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    windows = [(j.data["start_date"], j.data["end_date"]) for j in cron_jobs(system)]
    assert windows[2] == ("2026-10-24T22:00:00.000000Z", "2026-10-25T23:00:00.000000Z")  # 25 hours


def test_missed_slots_fire_once_the_latest(system: System, demo: DemoResult) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 12, 2, 9, 10))
    body = {**WEEKLY, "cron": "0 * * * *", "window": {"kind": "last_n_days", "days": 2}}
    schedule = system.schedules.create(principal, site, body)
    assert schedule.next_fire_time == utc(2026, 12, 2, 10)
    # Everything was down from 09:10 to 14:30: five slots passed; only 14:00 fires.
    assert system.firing.fire_due(utc(2026, 12, 2, 14, 30)) == 1
    assert system.firing.fire_due(utc(2026, 12, 2, 14, 31)) == 0
    (job,) = cron_jobs(system)
    assert job.data["schedule_slot"] == "2026-12-02T14:00:00.000Z"
    assert (job.data["start_date"], job.data["end_date"]) == (
        "2026-11-29T23:00:00.000000Z",
        "2026-12-01T23:00:00.000000Z",
    )
    assert system.schedules.get(site, schedule.id).next_fire_time == utc(2026, 12, 2, 15)


def test_paused_schedule_does_not_fire_and_resumes_from_now(system: System, demo: DemoResult) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 12, 2, 9, 10))
    schedule = system.schedules.create(principal, site, {**WEEKLY, "cron": "0 * * * *"})
    created_at(system, utc(2026, 12, 2, 9, 20))
    paused = system.schedules.set_active(site, schedule.id, False)
    assert (paused.spec.active, paused.next_fire_time) == (False, None)
    assert system.firing.fire_due(utc(2026, 12, 2, 12, 30)) == 0
    created_at(system, utc(2026, 12, 2, 12, 40))
    resumed = system.schedules.set_active(site, schedule.id, True)
    assert resumed.next_fire_time == utc(2026, 12, 2, 13)
    assert system.firing.fire_due(utc(2026, 12, 2, 12, 59)) == 0
    assert system.firing.fire_due(utc(2026, 12, 2, 13, 0)) == 1
    system.schedules.delete(site, schedule.id)
    assert system.firing.fire_due(utc(2026, 12, 2, 14, 0)) == 0


def test_template_that_stops_validating_records_the_error(system: System, demo: DemoResult) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 12, 2, 9))
    body = {**WEEKLY, "window": {"kind": "last_n_days", "days": 300}}
    schedule = system.schedules.create(principal, site, body)
    with system.engine.begin() as conn:
        conn.execute(update(sites).where(sites.c.id == site.id).values(max_export_days=30))
    assert system.firing.fire_due(utc(2026, 12, 7, 5)) == 1
    assert cron_jobs(system) == []
    entries, _ = system.schedules.history(site, schedule.id, page=1, per_page=10)
    assert entries[0].job is None
    assert entries[0].firing.error is not None and "end_date" in entries[0].firing.error


@pytest.fixture
def second_system(settings: Settings, system: System) -> Iterator[System]:
    """Another process's view: its own engine and services on the same database."""
    other = build_system(settings.model_copy(), run_migrations=False)
    yield other
    other.close()


def test_two_processes_racing_for_each_slot_create_one_job(
    system: System, second_system: System, demo: DemoResult
) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 12, 2, 9, 10))
    system.schedules.create(principal, site, {**WEEKLY, "cron": "*/5 * * * *"})
    system.schedules.create(principal, site, {**WEEKLY, "name": "Other", "cron": "*/10 * * * *"})
    fired: list[int] = []
    lock = threading.Lock()

    def sweep(firing_system: System, now: datetime, barrier: threading.Barrier) -> None:
        barrier.wait()
        count = firing_system.firing.fire_due(now)
        with lock:
            fired.append(count)

    for minute in range(15, 60, 5):
        now = utc(2026, 12, 2, 9, minute)
        barrier = threading.Barrier(4)
        threads = [
            threading.Thread(target=sweep, args=(s, now, barrier))
            for s in (system, second_system, system, second_system)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    # 9 slots of */5 (09:15 … 09:55) and 4 of */10 (09:20 … 09:50)
    assert sum(fired) == 9 + 4
    with system.engine.connect() as conn:
        firings = conn.execute(select(func.count()).select_from(schedule_firings)).scalar_one()
    assert firings == 13
    assert len(cron_jobs(system)) == 13


def test_a_slot_that_fired_already_never_fires_again(system: System, demo: DemoResult) -> None:
    principal, site = principal_site(system, demo)
    created_at(system, utc(2026, 12, 2, 9, 10))
    schedule = system.schedules.create(principal, site, {**WEEKLY, "cron": "0 * * * *"})
    assert system.firing.fire_due(utc(2026, 12, 2, 10, 1)) == 1
    # next_fire_time pointed back at the fired slot (a restore of an older row, an operator's edit)
    with system.engine.begin() as conn:
        conn.execute(
            update(export_schedules)
            .where(export_schedules.c.id == schedule.id)
            .values(next_fire_time=utc(2026, 12, 2, 10))
        )
    assert system.firing.fire_due(utc(2026, 12, 2, 10, 2)) == 0
    assert len(cron_jobs(system)) == 1
    assert system.schedules.get(site, schedule.id).next_fire_time == utc(2026, 12, 2, 11)
    assert system.firing.fire_due(utc(2026, 12, 2, 11, 0)) == 1
