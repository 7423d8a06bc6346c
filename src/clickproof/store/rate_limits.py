"""Rate-limit counters in the database: one row per subject, the current window and its count.

One statement adds to a count (insert, or move the row to the new window, or add), so concurrent
API processes on one database never lose a count: PostgreSQL and SQLite both run
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` atomically under the row's (or the file's) lock.
The statement is built once per engine (compiled once); processes add permits in blocks
(services/rate_leases).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, bindparam, case, text
from sqlalchemy.dialects import postgresql, sqlite

from clickproof.store.tables import rate_limit_windows


def _take_statement(dialect: str) -> Any:
    table = rate_limit_windows
    dialect_insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(
        key=bindparam("key"), window_index=bindparam("window_index"), count=bindparam("permits")
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case(
                (table.c.window_index == excluded.window_index, table.c.count + excluded.count),
                else_=excluded.count,
            ),
            "window_index": excluded.window_index,
        },
    ).returning(table.c.count)


class DatabaseRateCounter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._statement = _take_statement(engine.dialect.name)

    def count(self, key: str, window: int) -> int:
        """Count one request of `key` in `window`; the requests counted there so far, this one included."""
        return self.take(key, window, 1)

    def take(self, key: str, window: int, permits: int) -> int:
        """Add `permits` to the count of `key` in `window`; the count after the add."""
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                # A count lost in a crash is harmless: do not wait for the WAL flush.
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            params = {"key": key, "window_index": window, "permits": permits}
            return int(conn.execute(self._statement, params).scalar_one())
