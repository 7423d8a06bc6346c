"""An attempt's progress reports: throttled, each one renewing the job's lease or revealing that
it was lost, and each one where a graceful stop of the process is noticed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from clickproof.domain.export_job import ExportJob
from clickproof.export.attempt import LeaseLostError, StopRequestedError
from clickproof.failpoints import failpoint

if TYPE_CHECKING:
    from clickproof.export.runner import ExportRunner


class AttemptProgress:
    """Throttled progress reports; each one renews the lease or reveals that it was lost."""

    def __init__(self, runner: ExportRunner, job: ExportJob, total: int) -> None:
        self.runner = runner
        self.job = job
        self.total = total
        self.offset = 0  # rows already counted by earlier files of the export
        self.last = 0.0

    def batch_written(self, processed: int) -> None:
        failpoint("export.batch_written")  # as the SQLite child process does after each batch
        self.beat(processed)

    def beat(self, processed: int, force: bool = False) -> None:
        if self.runner.stopping.is_set():
            raise StopRequestedError(self.job.id)
        now = time.monotonic()
        if not force and now - self.last < self.runner.settings.heartbeat_seconds:
            return
        self.last = now
        alive = self.runner.jobs.heartbeat(
            self.job.id,
            attempt=self.job.attempt,
            now=self.runner.clock(),
            lease=self.runner.settings.lease,
            processed=self.offset + processed,
            total=self.total,
        )
        if not alive:
            raise LeaseLostError(self.job.id)
