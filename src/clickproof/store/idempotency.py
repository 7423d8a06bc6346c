"""All SQL about Idempotency-Key records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.store.tables import idempotency_keys as keys


@dataclass(frozen=True)
class KeyRecord:
    request_hash: str
    status_code: int | None
    response: Any
    created_time: datetime


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> KeyRecord | None:
        """Record the key as in progress; None if it was new, else the record already there."""
        values = {"scope": scope, "key": key, "request_hash": request_hash, "created_time": now}
        with self.engine.begin() as conn:
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            # RETURNING, not rowcount: psycopg reports no row count for INSERT … ON CONFLICT here.
            inserted = conn.execute(
                dialect_insert(keys).values(values).on_conflict_do_nothing().returning(keys.c.key)
            ).first()
            if inserted is not None:
                return None
            row = conn.execute(select(keys).where(keys.c.scope == scope, keys.c.key == key)).one()
        return KeyRecord(row.request_hash, row.status_code, row.response, row.created_time)

    def take_over(self, scope: str, key: str, stale_before: datetime, now: datetime) -> bool:
        """Take a key whose first request never finished (crashed) and started before `stale_before`."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(keys)
                .where(
                    keys.c.scope == scope,
                    keys.c.key == key,
                    keys.c.status_code.is_(None),
                    keys.c.created_time < stale_before,
                )
                .values(created_time=now)
            )
            return result.rowcount == 1

    def complete(self, scope: str, key: str, status_code: int, response: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(keys)
                .where(keys.c.scope == scope, keys.c.key == key)
                .values(status_code=status_code, response=response)
            )

    def release(self, scope: str, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(keys).where(keys.c.scope == scope, keys.c.key == key, keys.c.status_code.is_(None))
            )
