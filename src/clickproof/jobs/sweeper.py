"""Re-dispatches jobs whose dispatch was lost and jobs whose worker died (lease expired), then
runs the periodic tasks it is given (schedule firing, retention), each with the sweep's clock.

A timer thread, not a queue: the job table decides, the engine only carries the job id.
Any number of sweepers may run; a duplicate dispatch finds the job already claimed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from clickproof.domain.export_job import MESSAGES, JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.store.export_jobs import ExportJobStore

log = logging.getLogger("clickproof.jobs")


class Sweeper:
    def __init__(
        self,
        jobs: ExportJobStore,
        dispatch: Callable[[str], None],
        *,
        interval: float,
        grace: timedelta,
        clock: Callable[[], datetime] = utc_now,
        periodic: Sequence[tuple[str, Callable[[datetime], object]]] = (),
    ) -> None:
        self.jobs = jobs
        self.dispatch = dispatch
        self.interval = interval
        self.grace = grace
        self.clock = clock
        self.periodic = list(periodic)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> int:
        now = self.clock()
        jobs = self.jobs.needing_dispatch(now=now, grace=self.grace)
        for job in jobs:
            if job.status is JobStatus.STARTED:
                message = f"Attempt {job.attempts_spent} stopped responding; the export will be retried."
                if not self.jobs.requeue_expired(job.id, now=now, message=message):
                    continue
            else:
                self.jobs.mark_dispatched(job.id, now, MESSAGES[JobStatus.SCHEDULED])
            self.dispatch(job.id)
            log.info("jobs.redispatched job=%s status=%s", job.id, job.status.value)
        for name, task in self.periodic:
            try:
                task(now)
            except Exception:
                log.exception("jobs.periodic_failed task=%s", name)
        return len(jobs)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep_once()
            except Exception:
                log.exception("jobs.sweep_failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="clickproof-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
