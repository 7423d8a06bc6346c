"""Why an export attempt failed, in words an operator can act on (never just a class name)."""

from __future__ import annotations

import errno

from sqlalchemy.exc import OperationalError

from clickproof.evidence.timestamps import TimestampError

_OS_REASONS = {
    errno.ENOSPC: "the export storage is full",
    errno.EDQUOT: "the export storage quota is exhausted",
    errno.EACCES: "the export storage cannot be written (permission denied)",
    errno.EPERM: "the export storage cannot be written (operation not permitted)",
    errno.EROFS: "the export storage is read-only",
    errno.EMFILE: "this process has too many open files",
    errno.ENOMEM: "the machine is out of memory",
}
_DISK_FULL_WORDS = ("no space left", "disk is full", "database or disk is full")


def failure_reason(exc: BaseException) -> str:
    """A short plain-words cause, for the job's message."""
    if isinstance(exc, TimestampError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    text = str(exc).lower()
    if any(words in text for words in _DISK_FULL_WORDS):
        return "the export storage is full"
    if isinstance(exc, OperationalError):
        return "the database could not be read"
    if isinstance(exc, MemoryError):
        return "the machine is out of memory"
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        found = failure_reason(cause)
        if not found.startswith("internal error"):
            return found
    return f"internal error: {type(exc).__name__}"
