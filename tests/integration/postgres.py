"""`pg_engine`: an engine on a throwaway PostgreSQL database for this test session, migrated to
the newest schema (tests/databases.postgres_database creates and drops it). An unreachable
server fails the tests that need it: it is never a silent skip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from clickproof.store.database import create_db_engine
from tests.databases import postgres_database


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    with postgres_database() as url:
        engine = create_db_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
