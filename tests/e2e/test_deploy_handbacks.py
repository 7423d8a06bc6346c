"""Deploys do not spend attempts: the real `clickproof serve` process (API and export workers) is
sent SIGTERM in the middle of an export more times than the job has attempts; each graceful
stop hands the job back, the restarted process finishes it with the bytes of an uninterrupted
run, and the job shows no retry."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.export_reruns import assert_same_files, job_row, published_files, reset_job, temporary_files
from tests.e2e.test_processes import START, Server, api, home, token, wait_status  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

MAX_ATTEMPTS = 2
STOPS = MAX_ATTEMPTS + 2
BODY = {"start_date": START, "connection_all": True, "custom_all": True}
# Every batch of rows the CSV writer finishes waits a moment: the SIGTERM arrives mid-export and
# the attempt meets it at its next progress report.
SLOW = {"CLICKPROOF_FAILPOINTS": "export.batch_written=sleep:2", "CLICKPROOF_MAX_ATTEMPTS": str(MAX_ATTEMPTS)}


def test_sigterms_mid_export_spend_no_attempt(home: Path, database_url: str, token: str) -> None:  # noqa: F811
    job_id: str | None = None
    for stop in range(1, STOPS + 1):
        server = Server(home, database_url, **SLOW)
        client = api(server, token)
        if job_id is None:
            job_id = client.post("/v1.1/extract/evidence", json=BODY).json()["id"]
        wait_status(client, job_id, {"started"})
        # uvicorn re-raises the signal after its graceful shutdown: "killed by SIGTERM" is a clean exit
        assert server.stop(signal.SIGTERM, timeout=60) in (0, -signal.SIGTERM)
        log = (home / f"serve-{server.port}.log").read_text()
        assert "export.handed_back" in log, log[-3000:]
        row = job_row(database_url, job_id)
        assert (row.status, row.attempt, row.handed_back, row.retry_count) == ("scheduled", stop, stop, 0)
    assert job_id is not None
    restarted = Server(home, database_url, CLICKPROOF_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    try:
        client = api(restarted, token)
        job = wait_status(client, job_id, {"success", "failed"}, timeout=120)
        assert job["status"] == "success", job["message"]
        assert job["retry_count"] == 0  # the one attempt that ran to the end
        interrupted = published_files(database_url, home / "exports", job_id)
        reset_job(database_url, home / "exports", job_id)
        again = wait_status(client, job_id, {"success", "failed"}, timeout=120)
        assert again["status"] == "success" and again["retry_count"] == 0, again["message"]
    finally:
        restarted.stop()
    uninterrupted = published_files(database_url, home / "exports", job_id)
    assert len(interrupted) == 2
    assert_same_files(interrupted, uninterrupted)
    assert temporary_files(home / "exports") == []
