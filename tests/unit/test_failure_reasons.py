"""Export failures name their cause in plain words."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from clickproof.export.failure_reasons import failure_reason
from clickproof.export.sqlite_csv_process import ChildExportError


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the export storage is full"),
        (
            OSError(errno.EACCES, "Permission denied"),
            "the export storage cannot be written (permission denied)",
        ),
        (OSError(errno.EROFS, "Read-only file system"), "the export storage is read-only"),
        (
            ChildExportError("CSV export process exited with 1: OSError: [Errno 28] No space left on device"),
            "the export storage is full",
        ),
        (
            OperationalError("SELECT 1", {}, sqlite3.OperationalError("database or disk is full")),
            "the export storage is full",
        ),
        (
            OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open")),
            "the database could not be read",
        ),
        (RuntimeError("boom"), "internal error: RuntimeError"),
    ],
)
def test_reasons(exc: BaseException, reason: str) -> None:
    assert failure_reason(exc) == reason


def test_a_wrapped_cause_is_found() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "full")
        except OSError as inner:
            raise RuntimeError("writing failed") from inner
    except RuntimeError as outer:
        assert failure_reason(outer) == "the export storage is full"
