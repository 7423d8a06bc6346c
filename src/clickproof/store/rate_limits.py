"""Rate-limit counters in the database: one row per subject, the current window and its count.

One statement counts a request (insert, or move the row to the new window, or add one), so
concurrent API processes on one database never lose a count: PostgreSQL and SQLite both run
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` atomically under the row's (or the file's) lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, case, text
from sqlalchemy.dialects import postgresql, sqlite

from clickproof.store.tables import rate_limit_windows


class DatabaseRateCounter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def count(self, key: str, window: int) -> int:
        """Count one request of `key` in `window`; the requests counted there so far, this one included."""
        table = rate_limit_windows
        statement = self._insert(table).values(key=key, window_index=window, count=1)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((table.c.window_index == excluded.window_index, table.c.count + 1), else_=1),
                "window_index": excluded.window_index,
            },
        ).returning(table.c.count)
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                # A count lost in a crash is harmless: do not wait for the WAL flush.
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            return int(conn.execute(statement).scalar_one())
