"""The job engine (Huey). It only dispatches: the export_jobs table decides what runs.

Embedded default: SqliteHuey in CLICKPROOF_HOME with consumer threads inside `clickproof serve`.
Distributed: RedisHuey on CLICKPROOF_BROKER_URL, consumed by `clickproof worker` processes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from clickproof import request_context

log = logging.getLogger("clickproof.jobs")

# Pinned by a test: renaming a task strands the messages already queued under the old name.
RUN_EXPORT_TASK = "clickproof.run_export"
RUN_CHUNK_TASK = "clickproof.run_export_chunk"
DELIVER_WEBHOOK_TASK = "clickproof.deliver_webhook"


def _no_delivery(_delivery_id: str) -> None:
    return None


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its signal handlers: its main loop does not run here, the host's
    (uvicorn's) signal handling stays in charge, and it may start from any thread."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    """Sends export job ids to workers and runs the workers of this process."""

    def __init__(
        self, huey: Huey, run_export: Callable[[str, str], None], run_chunk: Callable[[str, int, str], None]
    ) -> None:
        self.huey = huey
        self.identity = worker_identity()
        self._run_export = run_export
        self._run_chunk = run_chunk
        self.run_delivery: Callable[[str], object] = _no_delivery
        self._task = huey.task(name=RUN_EXPORT_TASK)(self._execute)
        self._chunk_task = huey.task(name=RUN_CHUNK_TASK)(self._execute_chunk)
        self._delivery_task = huey.task(name=DELIVER_WEBHOOK_TASK)(self._execute_delivery)
        self._consumer: Consumer | None = None

    def _execute(self, job_id: str) -> None:
        with request_context.scope(job_id=job_id):
            self._run_export(job_id, f"{self.identity}:{threading.get_ident()}")

    def _execute_chunk(self, job_id: str, position: int) -> None:
        with request_context.scope(job_id=job_id):
            self._run_chunk(job_id, position, f"{self.identity}:{threading.get_ident()}")

    def _execute_delivery(self, delivery_id: str) -> None:
        with request_context.scope():
            self.run_delivery(delivery_id)

    def dispatch_delivery(self, delivery_id: str) -> None:
        self._delivery_task(delivery_id)

    def dispatch(self, job_id: str) -> None:
        self._task(job_id)

    def dispatch_chunk(self, job_id: str, position: int) -> None:
        self._chunk_task(job_id, position)

    def start_workers(self, workers: int) -> None:
        consumer = _EmbeddedConsumer(
            self.huey,
            workers=workers,
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            backoff=1.5,
            max_delay=0.5,
            check_worker_health=True,
            shutdown_timeout=15,
        )
        consumer.start()
        self._consumer = consumer
        log.info("jobs.workers_started count=%d", workers)

    def stop_workers(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None


def build_queue(
    broker_url: str | None,
    sqlite_path: Path,
    run_export: Callable[[str, str], None],
    run_chunk: Callable[[str, int, str], None],
) -> JobQueue:
    """Huey on Redis when a broker URL is set (distributed workers), else on a SQLite file."""
    if broker_url:
        if not broker_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("CLICKPROOF_BROKER_URL must be a redis:// URL")
        return JobQueue(RedisHuey(name="clickproof", url=broker_url, results=False), run_export, run_chunk)
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    huey = SqliteHuey(name="clickproof", filename=str(sqlite_path), results=False, timeout=30)
    return JobQueue(huey, run_export, run_chunk)
