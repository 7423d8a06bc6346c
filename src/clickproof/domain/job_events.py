"""The events a job's life emits: `export.succeeded`, `export.failed`, `schedule.fired`.

A `JobEvents` is called after the event is committed (never inside a transaction); its calls
must be quick and must not raise into the job engine: the hub guards every call. With no
listener nothing happens; a webhook sender or metrics add theirs with
`system.events.listeners.append(listener)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from clickproof.domain.export_job import ExportJob

log = logging.getLogger("clickproof.events")


class JobEvents(Protocol):
    def export_succeeded(self, job: ExportJob) -> None:
        """The job committed `success` with its files (export/runner.py, after `succeed`)."""

    def export_failed(self, job: ExportJob) -> None:
        """The job ended `failed`: attempts exhausted, or cancelled (`job.message` says which)."""

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        """A schedule's slot fired: `job` is the job it created (source `cron`, already dispatched),
        or None with `error` when the template no longer validates against its site."""


class JobEventHub:
    """The one `JobEvents` the runner, cancel and schedule firing call: it calls every listener,
    each guarded (a failing listener is logged and the others still run)."""

    def __init__(self) -> None:
        self.listeners: list[JobEvents] = []

    def export_succeeded(self, job: ExportJob) -> None:
        for listener in list(self.listeners):
            notify("export.succeeded", partial(listener.export_succeeded, job))

    def export_failed(self, job: ExportJob) -> None:
        for listener in list(self.listeners):
            notify("export.failed", partial(listener.export_failed, job))

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        for listener in list(self.listeners):
            notify(
                "schedule.fired",
                partial(
                    listener.schedule_fired,
                    schedule_id=schedule_id,
                    site_id=site_id,
                    slot=slot,
                    job=job,
                    error=error,
                ),
            )


def notify(event: str, call: Callable[[], None]) -> None:
    """Run one event callback; a failing listener is logged, never raised into the caller."""
    try:
        call()
    except Exception:
        log.exception("events.listener_failed event=%s", event)
