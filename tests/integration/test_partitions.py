"""Monthly partitions on PostgreSQL: created on demand, and a rolled-back creation is not
remembered (otherwise later inserts into that month would fail until the process restarts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from clickproof.store.partitions import ensure_month_partitions, partition_name
from tests.integration.postgres import pg_engine

__all__ = ["pg_engine"]


def _exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one()


def test_a_partition_is_created_for_a_new_month(pg_engine: Engine) -> None:
    instant = datetime(2031, 3, 15, tzinfo=UTC)
    with pg_engine.begin() as conn:
        ensure_month_partitions(conn, [instant])
    assert _exists(pg_engine, partition_name(2031, 3))


def test_a_rolled_back_creation_is_created_again(pg_engine: Engine) -> None:
    instant = datetime(2032, 7, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError), pg_engine.begin() as conn:
        ensure_month_partitions(conn, [instant])
        raise RuntimeError("the caller's transaction fails after the partition was created")
    assert not _exists(pg_engine, partition_name(2032, 7))
    with pg_engine.begin() as conn:
        ensure_month_partitions(conn, [instant])
    assert _exists(pg_engine, partition_name(2032, 7))
