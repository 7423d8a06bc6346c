"""A weekly schedule with real processes: `clickproof serve` and two `clickproof worker`s (each
with its own sweeper) on PostgreSQL and Redis fire one job per slot; the CLI drives it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from clickproof.store.database import create_db_engine
from clickproof.store.tables import export_jobs, export_schedules
from tests.e2e.test_distributed import Worker, broker_url, cluster_env, demo_token, server_for  # noqa: F401
from tests.e2e.test_processes import api, run_cli, wait_status

pytestmark = pytest.mark.e2e


def last_monday_six_berlin(now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo("Europe/Berlin"))
    monday = (local - timedelta(days=local.weekday())).replace(hour=6, minute=0, second=0, microsecond=0)
    if monday > local:
        monday -= timedelta(days=7)
    return monday.astimezone(UTC)


def test_weekly_schedule_fires_once_per_slot_with_two_workers(
    cluster_env: dict[str, str],  # noqa: F811
) -> None:
    token = demo_token(cluster_env)
    home = Path(cluster_env["CLICKPROOF_HOME"])
    database_url = cluster_env["CLICKPROOF_DATABASE_URL"]
    server = server_for(cluster_env)
    workers = [Worker(home, cluster_env, str(i)) for i in range(2)]
    engine = create_db_engine(database_url)
    try:
        cli_env = {"CLICKPROOF_URL": server.url, "CLICKPROOF_TOKEN": token}
        created = run_cli(
            home,
            database_url,
            "schedule",
            "create",
            "--name",
            "Last week's acceptances",
            "--cron",
            "0 6 * * 1",
            "--timezone",
            "Europe/Berlin",
            "--window",
            "previous_week",
            "--request",
            '{"export_types": ["clickwrap_activities"]}',
            env=cli_env,
        )
        assert created.returncode == 0, created.stderr
        schedule_id = created.stdout.split()[0]
        listed = run_cli(home, database_url, "schedule", "list", env=cli_env)
        assert schedule_id in listed.stdout and "active" in listed.stdout

        # The slot of last Monday 06:00 passed while the schedule waited for it: every process's
        # sweeper sees it due at once and they race for it.
        slot = last_monday_six_berlin(datetime.now(UTC))
        with engine.begin() as conn:
            conn.execute(
                update(export_schedules)
                .where(export_schedules.c.id == schedule_id)
                .values(next_fire_time=slot)
            )
        client = api(server, token)
        deadline = time.monotonic() + 60
        while True:
            history = client.get(f"/v1.1/extract/schedules/{schedule_id}/history").json()
            if history["total_count"]:
                break
            assert time.monotonic() < deadline, "the slot never fired"
            time.sleep(0.2)
        time.sleep(2)  # a few more sweeps of all three processes
        with engine.connect() as conn:
            cron_jobs = conn.execute(select(export_jobs.c.id).where(export_jobs.c.source == "cron")).all()
        assert len(cron_jobs) == 1
        (entry,) = client.get(f"/v1.1/extract/schedules/{schedule_id}/history").json()["data"]
        assert entry["slot_time"].startswith(slot.strftime("%Y-%m-%dT%H:%M"))
        job = wait_status(client, entry["job_id"], {"success", "failed"})
        assert job["status"] == "success", job["message"]
        assert job["source"] == "cron" and job["data"]["schedule_id"] == schedule_id
        start = datetime.fromisoformat(job["data"]["start_date"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(job["data"]["end_date"].replace("Z", "+00:00"))
        berlin = ZoneInfo("Europe/Berlin")
        assert (start.astimezone(berlin).weekday(), start.astimezone(berlin).hour) == (0, 0)
        assert end.astimezone(berlin).date() == slot.astimezone(berlin).date()
        after = client.get(f"/v1.1/extract/schedules/{schedule_id}").json()
        assert datetime.fromisoformat(after["next_fire_time"].replace("Z", "+00:00")) > datetime.now(UTC)

        paused = run_cli(home, database_url, "schedule", "pause", schedule_id, env=cli_env)
        assert paused.returncode == 0 and "paused" in paused.stdout, paused.stderr
        resumed = run_cli(home, database_url, "schedule", "resume", schedule_id, env=cli_env)
        assert resumed.returncode == 0 and "active" in resumed.stdout, resumed.stderr

        held = run_cli(
            home, database_url, "hold", "place", "--job", job["id"], "--reason", "Matter 7", env=cli_env
        )
        assert held.returncode == 0 and "ACTIVE" in held.stdout, held.stderr
        hold_id = held.stdout.split()[0]
        released = run_cli(home, database_url, "hold", "release", hold_id, env=cli_env)
        assert released.returncode == 0 and "released by" in released.stdout, released.stderr
        holds = run_cli(home, database_url, "hold", "list", env=cli_env)
        assert hold_id in holds.stdout

        finished = run_cli(home, database_url, "export", "cancel", job["id"], env=cli_env)
        assert finished.returncode == 2 and "already ended success" in finished.stderr

        deleted = run_cli(home, database_url, "schedule", "delete", schedule_id, env=cli_env)
        assert deleted.returncode == 0, deleted.stderr
        assert client.get(f"/v1.1/extract/schedules/{schedule_id}").status_code == 404
    finally:
        engine.dispose()
        for worker in workers:
            worker.stop()
        server.stop()
