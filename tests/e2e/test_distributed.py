"""Distributed mode with real processes: PostgreSQL, a real Redis broker, `clickproof worker`s."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.databases import empty_postgres
from tests.e2e.test_processes import CLI, START, Server, api, run_cli, wait_status

pytestmark = pytest.mark.e2e
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


class Worker:
    def __init__(
        self, home: Path, env: dict[str, str], name: str, metrics_port: int | None = None, **extra: str
    ) -> None:
        self.log_path = home / f"worker-{name}.log"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        options = [] if metrics_port is None else ["--metrics-port", str(metrics_port)]
        self.process = subprocess.Popen(
            [*CLI, "worker", *options],
            env={**os.environ, **env, **extra},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.log.close()


@pytest.fixture
def broker_url() -> Iterator[str]:
    db = 1 + secrets.randbelow(15)
    url = f"redis://127.0.0.1:6379/{db}"
    redis.Redis.from_url(url).flushdb()
    yield url
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis.from_url(url).flushdb()


@pytest.fixture
def cluster_env(tmp_path: Path, postgres_url: str, broker_url: str) -> dict[str, str]:
    empty_postgres(postgres_url)
    home = tmp_path / "home"
    home.mkdir()
    return {
        "CLICKPROOF_HOME": str(home),
        "CLICKPROOF_DATABASE_URL": postgres_url,
        "CLICKPROOF_BROKER_URL": broker_url,
        "CLICKPROOF_SECRET_KEY": "shared-secret-for-all-processes",
        "CLICKPROOF_SWEEP_INTERVAL_SECONDS": "0.3",
        "CLICKPROOF_DISPATCH_GRACE_SECONDS": "1",
        "CLICKPROOF_JOB_LEASE_SECONDS": "2",
        "CLICKPROOF_WORKERS": "1",
    }


def demo_token(env: dict[str, str]) -> str:
    home = Path(env["CLICKPROOF_HOME"])
    result = run_cli(home, env["CLICKPROOF_DATABASE_URL"], "demo", "--activities", "300", "--seed", "5")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def server_for(env: dict[str, str]) -> Server:
    extra = {k: v for k, v in env.items() if k not in ("CLICKPROOF_HOME", "CLICKPROOF_DATABASE_URL")}
    return Server(Path(env["CLICKPROOF_HOME"]), env["CLICKPROOF_DATABASE_URL"], **extra)


def test_worker_refuses_to_run_without_a_broker(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "worker"],
        env={**os.environ, "CLICKPROOF_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "CLICKPROOF_BROKER_URL" in result.stderr


def test_jobs_run_on_worker_processes_not_in_the_api(cluster_env: dict[str, str]) -> None:
    token = demo_token(cluster_env)
    server = server_for(cluster_env)
    home = Path(cluster_env["CLICKPROOF_HOME"])
    workers = [Worker(home, cluster_env, str(i)) for i in range(2)]
    try:
        client = api(server, token)
        ids = [
            client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"] for _ in range(4)
        ]
        jobs = [wait_status(client, job_id, {"success", "failed"}) for job_id in ids]
        assert {j["status"] for j in jobs} == {"success"}
        assert len({j["data"]["files"][0]["sha256"] for j in jobs}) == 1
    finally:
        for w in workers:
            w.stop()
        server.stop()
    served = (home / f"serve-{server.port}.log").read_text()
    assert "jobs.workers_started" not in served
    ran = [w.log_path.read_text().count("export.succeeded") for w in workers]
    assert sum(ran) == 4


def test_sigkilled_worker_job_is_retried_by_another(cluster_env: dict[str, str]) -> None:
    token = demo_token(cluster_env)
    server = server_for(cluster_env)
    home = Path(cluster_env["CLICKPROOF_HOME"])
    doomed = Worker(home, cluster_env, "doomed", CLICKPROOF_FAILPOINTS="export.batch_written=sleep:60")
    survivor: Worker | None = None
    try:
        client = api(server, token)
        job_id = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"]
        wait_status(client, job_id, {"started"})
        time.sleep(0.5)  # the doomed worker is mid-file
        survivor = Worker(home, cluster_env, "survivor")
        doomed.stop(signal.SIGKILL)
        job = wait_status(client, job_id, {"success", "failed"})
        assert job["status"] == "success" and job["retry_count"] == 1
        fresh = wait_status(
            client,
            client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"],
            {"success"},
        )
        assert fresh["data"]["files"][0]["sha256"] == job["data"]["files"][0]["sha256"]
        assert fresh["retry_count"] == 0
    finally:
        doomed.stop(signal.SIGKILL)
        if survivor is not None:
            survivor.stop()
        server.stop()
    assert [p for p in (home / "exports").rglob("*.tmp")] == []


def test_redis_restarted_empty_loses_no_job(cluster_env: dict[str, str], broker_url: str) -> None:
    token = demo_token(cluster_env)
    server = server_for(cluster_env)
    home = Path(cluster_env["CLICKPROOF_HOME"])
    worker: Worker | None = None
    try:
        client = api(server, token)
        queued = [
            client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"] for _ in range(2)
        ]
        connection = redis.Redis.from_url(broker_url)
        assert connection.dbsize() > 0  # the dispatches wait in Redis
        connection.shutdown(nosave=True)
        time.sleep(0.5)
        while_down = client.post("/v1.1/extract/evidence", json={"start_date": START})
        assert while_down.status_code == 201  # the job row is committed; dispatch waits for the sweeper
        queued.append(while_down.json()["id"])
        subprocess.run(REDIS_START, check=True, timeout=30)
        deadline = time.monotonic() + 20
        while True:
            try:
                if redis.Redis.from_url(broker_url).ping():
                    break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis did not come back"
                time.sleep(0.2)
        assert redis.Redis.from_url(broker_url).dbsize() == 0  # it came back empty
        worker = Worker(home, cluster_env, "after")
        jobs = [wait_status(client, job_id, {"success", "failed"}) for job_id in queued]
        assert {j["status"] for j in jobs} == {"success"}
    finally:
        try:
            redis.Redis.from_url(broker_url).ping()
        except redis.ConnectionError:
            subprocess.run(REDIS_START, check=False, timeout=30)
        if worker is not None:
            worker.stop()
        server.stop()


def _chunk_owners(postgres_url: str, job_id: str) -> list[str]:
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT lease_owner FROM export_chunks WHERE job_id = %s AND status = 'done' ORDER BY position",
            (job_id,),
        ).fetchall()
    return [r[0] for r in rows]


@contextlib.contextmanager
def _killed_mid_export(
    cluster_env: dict[str, str], body: dict[str, Any], pause: float, **worker_env: str
) -> Iterator[tuple[httpx.Client, dict[str, Any], list[Worker]]]:
    """Three workers run the export of `body`; `pause` s after it starts the first is SIGKILLed.
    Yields the client, the finished job and the workers (all killed on exit)."""
    token = demo_token(cluster_env)
    server = server_for(cluster_env)
    home = Path(cluster_env["CLICKPROOF_HOME"])
    workers = [Worker(home, cluster_env, name, **worker_env) for name in ("a", "b", "c")]
    try:
        client = api(server, token)
        job_id = client.post("/v1.1/extract/evidence", json=body).json()["id"]
        wait_status(client, job_id, {"started"})
        time.sleep(pause)  # chunks are under way on several workers
        workers[0].stop(signal.SIGKILL)
        done = wait_status(client, job_id, {"success", "failed"}, timeout=180)
        assert done["status"] == "success", done["message"]
        yield client, done, workers
    finally:
        for w in workers:
            w.stop(signal.SIGKILL)
        server.stop()


def test_chunks_run_in_parallel_on_all_workers_and_survive_a_kill(
    cluster_env: dict[str, str], postgres_url: str
) -> None:
    body = {"start_date": START, "connection_all": True, "custom_all": True}
    slow = {"CLICKPROOF_CHUNK_ROWS": "40", "CLICKPROOF_FAILPOINTS": "export.batch_written=sleep:0.4"}
    with _killed_mid_export(cluster_env, body, 1.5, **slow) as (client, done, workers):
        owners = _chunk_owners(postgres_url, done["id"])
        assert len(owners) == 8
        assert len({o.split(":")[1] for o in owners}) >= 2  # parts written by more than one process
        for w in workers:
            w.stop()
        workers.append(Worker(Path(cluster_env["CLICKPROOF_HOME"]), cluster_env, "single"))
        single = wait_status(
            client, client.post("/v1.1/extract/evidence", json=body).json()["id"], {"success"}
        )
        assert _chunk_owners(postgres_url, single["id"]) == []
        assert single["data"]["files"][0]["sha256"] == done["data"]["files"][0]["sha256"]


def test_pdf_chunks_run_on_all_workers_and_survive_a_kill(
    cluster_env: dict[str, str], postgres_url: str
) -> None:
    body = {
        "start_date": START,
        "filter": {"event_type": "agreed"},
        "export_types": ["clickwrap_activities_as_pdfs"],
    }
    # Chunks of 25 PDFs; each chunk pauses once (the failpoint fires every 25 PDFs).
    slow = {"CLICKPROOF_PDF_CHUNK_ROWS": "25", "CLICKPROOF_FAILPOINTS": "export.pdf_written=sleep:1"}
    with _killed_mid_export(cluster_env, body, 2.0, **slow) as (_client, done, _workers):
        job_id = done["id"]
        data = done["data"]
        zips = [f for f in data["files"] if f["name"].endswith(".zip")]
        owners = _chunk_owners(postgres_url, job_id)
        assert len(zips) == len(owners) >= 3
        assert [f["name"] for f in zips] == [
            f"clickwrap_activities_as_pdfs-{job_id}-part{n:04d}.zip" for n in range(1, len(zips) + 1)
        ]
        assert sum(f["rows"] for f in zips) == data["row_count"]
        assert len({o.split(":")[1] for o in owners}) >= 2  # rendered by more than one process
