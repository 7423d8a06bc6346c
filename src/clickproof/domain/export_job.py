"""The export job's vocabulary: names, statuses, the transitions allowed between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

JOB_NAME = "ExtractEvidenceCSV"


class JobStatus(StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    STARTED = "started"
    SUCCESS = "success"
    FAILED = "failed"


class JobSource(StrEnum):
    MANUAL = "manual"
    CRON = "cron"
    API = "api"


class ExportType(StrEnum):
    ACTIVITIES_CSV = "clickwrap_activities"
    ACTIVITIES_PDFS = "clickwrap_activities_as_pdfs"
    SESSIONS_PDFS = "clickwrap_sessions_as_pdfs"  # one PDF per session: export/session_pdfs.py


ACTIVE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.STARTED})
TERMINAL_STATUSES = frozenset({JobStatus.SUCCESS, JobStatus.FAILED})

ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.FAILED}),
    JobStatus.SCHEDULED: frozenset({JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.FAILED}),
    # A started job whose lease expired goes back to scheduled for another attempt.
    JobStatus.STARTED: frozenset({JobStatus.SCHEDULED, JobStatus.SUCCESS, JobStatus.FAILED}),
    JobStatus.SUCCESS: frozenset(),
    JobStatus.FAILED: frozenset(),
}


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


MESSAGES = {
    JobStatus.PENDING: "Export job is currently pending.",
    JobStatus.SCHEDULED: "Export job is scheduled and waits for a worker.",
    JobStatus.STARTED: "Export job is running.",
}


@dataclass(frozen=True)
class ExportFile:
    name: str
    export_type: str
    storage_key: str
    content_type: str
    size: int
    sha256: str
    rows: int
    position: int


@dataclass(frozen=True)
class PrefixDeliveryState:
    """The copy of a successful job's files to its schedule's `delivery.s3_prefix`."""

    status: str  # pending, delivered, failed (services/prefix_delivery.py)
    attempts: int
    message: str | None
    retry_time: datetime | None


@dataclass(frozen=True)
class ExportJob:
    id: str
    account_id: int
    site_id: int
    created_by: int
    token_id: int | None
    job_name: str
    source: JobSource
    status: JobStatus
    active: bool
    message: str
    data: dict[str, Any]
    retry_count: int
    attempt: int
    lease_owner: str | None
    lease_expires_time: datetime | None
    processed: int
    total: int | None
    created_time: datetime
    updated_time: datetime
    files: tuple[ExportFile, ...] = field(default_factory=tuple)
    cancelled_by: str | None = None
    cancelled_time: datetime | None = None
    # Retention: the files passed the site's retention period (then their blobs are deleted).
    expired_time: datetime | None = None
    purged_time: datetime | None = None
    request_id: str | None = None  # X-Request-Id of the request that created the job
    # Attempts given back by a graceful shutdown (a deploy's SIGTERM): they spend no attempt.
    handed_back: int = 0
    delivery: PrefixDeliveryState | None = None

    @property
    def attempts_spent(self) -> int:
        """Claims that count against `max_attempts`: every claim but those handed back."""
        return self.attempt - self.handed_back
