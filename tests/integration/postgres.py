"""A throwaway PostgreSQL database per test session, migrated to the newest schema.

The server is CLICKPROOF_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
An unreachable server fails the tests that need it: it is never a silent skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from clickproof.store.database import create_db_engine, migrate, normalize_url

SERVER_URL = os.environ.get("CLICKPROOF_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin_engine() -> Engine:
    return create_engine(normalize_url(SERVER_URL), isolation_level="AUTOCOMMIT", pool_size=1)


def create_test_database() -> tuple[str, Engine]:
    """A fresh, migrated database named clickproof_test_<random>: its name and an engine on it."""
    name = f"clickproof_test_{secrets.token_hex(6)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = make_url(normalize_url(SERVER_URL)).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    migrate(engine)
    return name, engine


def drop_test_database(name: str, engine: Engine) -> None:
    engine.dispose()
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    name, engine = create_test_database()
    try:
        yield engine
    finally:
        drop_test_database(name, engine)
