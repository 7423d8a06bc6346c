"""The events of a job's life — `export.succeeded`, `export.failed`, `schedule.fired` — and the one
hub every emitter calls (`System.events`).

A listener says when it runs by the list it joins:

- `hub.in_transaction` (`TransactionalJobEvents`): called *inside* the transaction that commits
  the event's cause, with its connection — a job's final status (`ExportJobStore.succeed`, `fail`,
  `cancel`) or a schedule slot's firing (`ScheduleFiring`). This is the outbox: rows written here
  (webhook deliveries, the state of a prefix delivery) commit with the status or not at all. Such
  a listener must be quick, must not wait on the network, and is not guarded: if it raises, the
  cause rolls back with it.
- `hub.after_commit` (`JobEvents`): called once the cause is committed, never inside a
  transaction, each call guarded (a failing listener is logged; the others and the job go on).
  Work that may be slow or may fail (copying files) belongs here, with its own retry.

With no listener nothing happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from clickproof.domain.export_job import ExportJob, JobStatus

if TYPE_CHECKING:  # the hub only passes the connection on; it does no I/O itself
    from sqlalchemy import Connection

log = logging.getLogger("clickproof.events")


@dataclass(frozen=True)
class SlotFired:
    """A schedule's slot claimed and its job inserted, not yet committed."""

    schedule_id: str
    site_id: int
    slot: datetime
    job_id: str
    data: Mapping[str, Any]  # the job's data: its frozen window and the schedule's delivery


class TransactionalJobEvents(Protocol):
    def export_finished(self, conn: Connection, job: ExportJob) -> None:
        """The job's final status (`job.status`: success or failed) is about to commit in `conn`."""

    def slot_fired(self, conn: Connection, fired: SlotFired) -> None:
        """A schedule's slot and its job are about to commit in `conn`."""


class JobEvents(Protocol):
    def export_succeeded(self, job: ExportJob) -> None:
        """The job committed `success` with its files."""

    def export_failed(self, job: ExportJob) -> None:
        """The job ended `failed`: attempts exhausted, or cancelled (`job.message` says which)."""

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        """A schedule's slot fired: `job` is the job it created (source `cron`, already dispatched),
        or None with `error` when the template no longer validates against its site."""


class JobEventHub:
    """The one hook for job events: the job store, cancel and schedule firing call it; it calls
    the listeners of each list as the module's contract says."""

    def __init__(self) -> None:
        self.in_transaction: list[TransactionalJobEvents] = []
        self.after_commit: list[JobEvents] = []

    # -- inside the committing transaction: unguarded, a raise rolls the cause back -------------

    def export_finishing(self, conn: Connection, job: ExportJob) -> None:
        for listener in list(self.in_transaction):
            listener.export_finished(conn, job)

    def slot_firing(self, conn: Connection, fired: SlotFired) -> None:
        for listener in list(self.in_transaction):
            listener.slot_fired(conn, fired)

    # -- after the commit: each listener guarded ------------------------------------------------

    def export_finished(self, job: ExportJob) -> None:
        if job.status is JobStatus.SUCCESS:
            self.export_succeeded(job)
        elif job.status is JobStatus.FAILED:
            self.export_failed(job)

    def export_succeeded(self, job: ExportJob) -> None:
        for listener in list(self.after_commit):
            notify("export.succeeded", partial(listener.export_succeeded, job))

    def export_failed(self, job: ExportJob) -> None:
        for listener in list(self.after_commit):
            notify("export.failed", partial(listener.export_failed, job))

    def schedule_fired(
        self, *, schedule_id: str, site_id: int, slot: datetime, job: ExportJob | None, error: str | None
    ) -> None:
        for listener in list(self.after_commit):
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
    """Run one after-commit callback; a failing listener is logged, never raised into the caller."""
    try:
        call()
    except Exception:
        log.exception("events.listener_failed event=%s", event)
