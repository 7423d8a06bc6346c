"""Monthly partitions of the activities table on PostgreSQL, created before rows need them.

A partition is created inside the caller's transaction, so a rollback undoes it. The process-wide
cache of known partitions therefore learns of a partition only when that transaction commits;
otherwise a rolled-back creation would leave the cache claiming a partition that does not exist,
and every later insert into that month would fail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine, event, text

from clickproof.domain.timestamps import as_utc

_known: set[tuple[str, int, int]] = set()
_lock = threading.Lock()
_PENDING = "clickproof.pending_partitions"


def month_of(instant: datetime) -> tuple[int, int]:
    utc = as_utc(instant)
    return utc.year, utc.month


def partition_name(year: int, month: int) -> str:
    return f"activities_p{year:04d}_{month:02d}"


def ensure_month_partitions(conn: Connection, instants: Iterable[datetime]) -> None:
    """Create the monthly partitions that rows at `instants` fall into (PostgreSQL only).

    Names and bounds are built from integers only, never from request data.
    """
    if conn.dialect.name != "postgresql":
        return
    database = str(conn.engine.url)
    months = {month_of(i) for i in instants}
    with _lock:
        missing = sorted(m for m in months if (database, *m) not in _known)
    for year, month in missing:
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {partition_name(year, month)} PARTITION OF activities "
                f"FOR VALUES FROM ('{year:04d}-{month:02d}-01 00:00:00+00') "
                f"TO ('{next_year:04d}-{next_month:02d}-01 00:00:00+00')"
            )
        )
        conn.info.setdefault(_PENDING, set()).add((database, year, month))


@event.listens_for(Engine, "commit")
def _remember_committed(conn: Connection) -> None:
    created: set[tuple[str, int, int]] = conn.info.pop(_PENDING, set())
    if created:
        with _lock:
            _known.update(created)


@event.listens_for(Engine, "rollback")
def _forget_rolled_back(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def forget_partitions() -> None:
    """Forget what this process created (tests drop and recreate databases)."""
    with _lock:
        _known.clear()
