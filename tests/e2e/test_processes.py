"""End to end with real processes: `clickproof serve`, the CLI, restarts and crashes."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from clickproof.domain.timestamps import utc_now

pytestmark = pytest.mark.e2e
CLI = [sys.executable, "-m", "clickproof.cli"]
START = (utc_now() - timedelta(days=100)).isoformat()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, home: Path, database_url: str, **env: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CLICKPROOF_HOME": str(home),
            "CLICKPROOF_DATABASE_URL": database_url,
            "CLICKPROOF_SWEEP_INTERVAL_SECONDS": "0.3",
            "CLICKPROOF_DISPATCH_GRACE_SECONDS": "1",
            **env,
        }
        self.log = open(home / f"serve-{self.port}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port)], env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {(home / f'serve-{self.port}.log').read_text()}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.log.close()
        return code


def run_cli(
    home: Path, database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "CLICKPROOF_HOME": str(home),
        "CLICKPROOF_DATABASE_URL": database_url,
        **(env or {}),
    }
    return subprocess.run(
        [*CLI, *args], env=full_env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def token(home: Path, database_url: str) -> str:
    result = run_cli(home, database_url, "demo", "--activities", "300", "--seed", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def server(home: Path, database_url: str, token: str) -> Iterator[Server]:
    running = Server(home, database_url)
    yield running
    running.stop()


def api(server: Server, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def wait_status(client: httpx.Client, job_id: str, wanted: set[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/v1.1/extract/evidence/{job_id}").json()
        if job["status"] in wanted:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['status']}: {job['message']}"
        time.sleep(0.1)


def test_demo_prints_a_token_last_and_is_idempotent(home: Path, database_url: str, token: str) -> None:
    again = run_cli(home, database_url, "demo", "--activities", "300", "--seed", "3")
    assert again.returncode == 0
    assert "0 activities created (300 in all)" in again.stdout
    assert again.stdout.strip().splitlines()[-1].startswith("cp_")


def test_cli_creates_follows_and_downloads(
    home: Path, database_url: str, token: str, server: Server, tmp_path: Path
) -> None:
    out = tmp_path / "downloads"
    result = run_cli(
        home,
        database_url,
        "export",
        "create",
        "--start",
        START,
        "--select",
        "uuid,connection_data.remote_address",
        "--custom-all",
        "--output",
        str(out),
        "--url",
        server.url,
        "--token",
        token,
    )
    assert result.returncode == 0, result.stderr
    job_id = result.stdout.strip().splitlines()[-1]
    job = api(server, token).get(f"/v1.1/extract/evidence/{job_id}").json()
    assert sorted(p.name for p in out.iterdir()) == sorted(f["name"] for f in job["data"]["files"])
    csv_file = out / job["data"]["files"][0]["name"]
    assert (
        out / "manifest.json"
    ).is_file() and "verified: manifest signed by the site's key" in result.stderr
    assert hashlib.sha256(csv_file.read_bytes()).hexdigest() == job["data"]["files"][0]["sha256"]
    header = csv_file.read_bytes().split(b"\r\n", 1)[0].decode()
    assert header.startswith("id,signer_id,created_time,uuid,connection_data.remote_address,custom_data.")
    assert "success" in result.stderr  # the progress bar's last state


def test_cli_reports_api_errors(home: Path, database_url: str, token: str, server: Server) -> None:
    result = run_cli(
        home, database_url, "export", "create", "--start", "garbage", "--url", server.url, "--token", token
    )
    assert result.returncode == 2
    assert "start_date" in result.stderr


def test_token_create_and_revoke(home: Path, database_url: str, token: str, server: Server) -> None:
    created = run_cli(
        home,
        database_url,
        "token",
        "create",
        "--account",
        "1",
        "--site",
        "1",
        "--email",
        "ops@example.com",
        "--permission",
        "exports:read",
    )
    assert created.returncode == 0, created.stderr
    new_token = created.stdout.strip()
    client = api(server, new_token)
    assert client.get("/v1.1/extract/evidence").status_code == 200
    assert client.post("/v1.1/extract/evidence", json={"start_date": START}).status_code == 403
    assert run_cli(home, database_url, "token", "revoke", new_token).returncode == 0
    assert client.get("/v1.1/extract/evidence").status_code == 401
    wrong = run_cli(
        home, database_url, "token", "create", "--account", "1", "--site", "99", "--email", "x@example.com"
    )
    assert wrong.returncode != 0


def test_sigkill_with_started_and_pending_jobs_loses_nothing(
    home: Path, database_url: str, token: str
) -> None:
    slow = Server(
        home,
        database_url,
        CLICKPROOF_WORKERS="1",
        CLICKPROOF_JOB_LEASE_SECONDS="2",
        CLICKPROOF_FAILPOINTS="export.claimed=sleep:60",
    )
    client = api(slow, token)
    started = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"]
    wait_status(client, started, {"started"})
    pending = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"]
    assert client.get(f"/v1.1/extract/evidence/{pending}").json()["status"] in ("pending", "scheduled")
    slow.stop(signal.SIGKILL)

    # The killed claim expires after its 2 s lease; the healthy server's own attempts get a lease
    # long enough for a loaded machine (the CSV child alone can take over a second to start).
    healthy = Server(home, database_url, CLICKPROOF_JOB_LEASE_SECONDS="10")
    try:
        client = api(healthy, token)
        first = wait_status(client, started, {"success", "failed"})
        second = wait_status(client, pending, {"success", "failed"})
        assert first["status"] == second["status"] == "success"
        assert first["retry_count"] == 1 and second["retry_count"] == 0
        assert first["data"]["files"][0]["sha256"] == second["data"]["files"][0]["sha256"]
    finally:
        healthy.stop()
    leftovers = [p for p in (home / "exports").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_sigterm_hands_running_jobs_back_and_restart_finishes_them(
    home: Path, database_url: str, token: str
) -> None:
    slow = Server(home, database_url, CLICKPROOF_FAILPOINTS="export.batch_written=sleep:3")
    client = api(slow, token)
    job_id = client.post("/v1.1/extract/evidence", json={"start_date": START}).json()["id"]
    wait_status(client, job_id, {"started"})
    # uvicorn re-raises the signal after its graceful shutdown, so the exit status is "killed by SIGTERM"
    assert slow.stop(signal.SIGTERM, timeout=30) in (0, -signal.SIGTERM)
    assert "export.handed_back" in (home / f"serve-{slow.port}.log").read_text()
    restarted = Server(home, database_url)
    try:
        client = api(restarted, token)
        job = wait_status(client, job_id, {"success", "failed"})
        assert job["status"] == "success" and job["retry_count"] == 0  # a hand-back spends no attempt
    finally:
        restarted.stop()
