"""What the end-to-end benchmarks share: a free port, waiting for `clickproof serve`, following a job."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Return once `url`/health answers 200; raise if the server exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not start")
        time.sleep(0.1)


def follow_job(
    client: httpx.Client, job: dict[str, Any], poll_seconds: float, on_poll: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Poll the export job until it ends; return it when it succeeded, raise when it failed."""
    while job["status"] not in ("success", "failed"):
        if on_poll is not None:
            on_poll()
        time.sleep(poll_seconds)
        job = client.get(f"/v1.1/extract/evidence/{job['id']}").json()
    if job["status"] != "success":
        raise RuntimeError(job["message"])
    return job
