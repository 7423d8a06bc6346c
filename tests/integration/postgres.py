"""`pg_engine`: an engine on a throwaway PostgreSQL database for this test session, migrated to
the newest schema (tests/databases.postgres_database creates and drops it). An unreachable
server fails the tests that need it: it is never a silent skip."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine

from clickproof.store.database import create_db_engine, migrate
from clickproof.store.partitions import forget_partitions
from tests.databases import POSTGRES_ADMIN_URL, postgres_database


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    with postgres_database() as url:
        engine = create_db_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def pg_icu_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL database whose default collation is ICU `en-US`, not `C`: text
    comparisons must still follow code points there (docs/query-language.md)."""
    name = f"clickproof_test_icu_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            f"CREATE DATABASE \"{name}\" LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' "
            "ENCODING 'UTF8' TEMPLATE template0"
        )
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            provider = conn.exec_driver_sql(
                "SELECT datlocprovider FROM pg_database WHERE datname = current_database()"
            ).scalar_one()
            assert provider == "i", provider
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        forget_partitions()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
