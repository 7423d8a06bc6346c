"""The request id and job id of the work in progress, for log lines and for what a request leaves
behind (a job, a webhook delivery). Context variables: each thread and task has its own."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Request-Id"
_REQUEST_ID: ContextVar[str | None] = ContextVar("clickproof_request_id", default=None)
_JOB_ID: ContextVar[str | None] = ContextVar("clickproof_job_id", default=None)
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def accepted_request_id(value: str | None) -> str:
    """The caller's X-Request-Id when it is 1 to 128 of A-Z a-z 0-9 . _ : -, else a new one (a
    value that could forge log lines or carry a secret is never echoed)."""
    if value is not None and _ACCEPTED.match(value):
        return value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def current_job_id() -> str | None:
    return _JOB_ID.get()


def bind(*, request_id: str | None = None, job_id: str | None = None) -> None:
    """Set the ids of what this thread does from now on (inside a `scope`)."""
    if request_id is not None:
        _REQUEST_ID.set(request_id)
    if job_id is not None:
        _JOB_ID.set(job_id)


@contextmanager
def scope(*, request_id: str | None = None, job_id: str | None = None) -> Iterator[None]:
    """Ids for the duration of a block; afterwards those of before (worker threads run one task
    after another, and no task's ids may leak into the next)."""
    request_token = _REQUEST_ID.set(request_id)
    job_token = _JOB_ID.set(job_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(request_token)
        _JOB_ID.reset(job_token)
