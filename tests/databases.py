"""The databases the suite runs on: a SQLite file per test, and one PostgreSQL database per
session (migrated once, emptied before each test). PostgreSQL must be reachable: CI starts it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import text

from clickproof.store.database import create_db_engine, migrate
from clickproof.store.partitions import forget_partitions
from clickproof.store.tables import metadata

POSTGRES_ADMIN_URL = os.environ.get(
    "CLICKPROOF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def selected_databases() -> list[str]:
    """`CLICKPROOF_TEST_DATABASES=sqlite` limits a local run; CI runs both."""
    return [
        d.strip() for d in os.environ.get("CLICKPROOF_TEST_DATABASES", "sqlite,postgresql").split(",") if d
    ]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session; dropped afterwards."""
    name = f"clickproof_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        forget_partitions()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
