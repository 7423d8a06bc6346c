"""Migration 0010 re-keys contracts, versions and activities by site on a database that holds
rows: the rows stay, every reference still holds, and afterwards a second site can use the same
ids while the first site's own ids stay taken."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from clickproof.domain.activity import Activity
from clickproof.domain.timestamps import format_stored
from clickproof.store.activities import ActivityIdTakenError, ActivityStore
from clickproof.store.database import alembic_config, create_db_engine
from clickproof.store.tables import activities, contracts, versions
from tests.integration.legacy_rows import write_legacy_rows
from tests.support.postgres import scratch_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        built = create_db_engine(f"sqlite:///{tmp_path / 'clickproof.db'}")
        yield built
        built.dispose()
        return
    with scratch_database() as url:
        built = create_db_engine(url)
        yield built
        built.dispose()


def activity(site_id: int, activity_id: str) -> Activity:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    return Activity(
        activity_id,
        "u",
        site_id,
        site_id,
        "s",
        None,
        1,
        "a" * 24,
        1,
        "agreed",
        None,
        None,
        None,
        now,
        now,
        False,
    )


def test_the_migration_keeps_rows_and_makes_ids_per_site(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "0008")
    write_legacy_rows(engine, 12)
    command.upgrade(alembic_config(engine), "head")

    found = inspect(engine)
    assert found.get_pk_constraint("contracts")["constrained_columns"] == ["site_id", "id"]
    assert found.get_pk_constraint("versions")["constrained_columns"] == ["site_id", "id"]
    assert found.get_pk_constraint("activities")["constrained_columns"][:2] == ["site_id", "id"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar_one() == 12
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # enforcement is back
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []

    at = datetime(2026, 1, 1, tzinfo=UTC)
    stamp: object = at if engine.dialect.name == "postgresql" else format_stored(at)
    with engine.begin() as conn:  # a second tenant, under the very same ids
        conn.execute(text("INSERT INTO accounts (id, name, created_time) VALUES (2, 'B', :t)"), {"t": stamp})
        conn.execute(
            text(
                "INSERT INTO sites (id, account_id, name, access_id, max_export_days, created_time) "
                "VALUES (2, 2, 'S2', 'other', 365, :t)"
            ),
            {"t": stamp},
        )
        conn.execute(contracts.insert().values(id=1, site_id=2, title="T", key="t", created_time=at))
        conn.execute(
            versions.insert().values(
                id="a" * 24,
                contract_id=1,
                site_id=2,
                title="T v1",
                body="b",
                version_number=1,
                full_version_number="1.0",
                status="published",
                merge_fields=[],
                created_time=at,
            )
        )
    store = ActivityStore(engine)
    with engine.begin() as conn:
        assert store.insert_many(conn, [activity(2, f"{1:024x}")]) == 1  # site 1 holds this id too
    with pytest.raises(ActivityIdTakenError), engine.begin() as conn:
        store.insert_many(conn, [activity(1, f"{1:024x}")])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(contracts.insert().values(id=1, site_id=2, title="again", key="again", created_time=at))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a version of a contract the site lacks
        conn.execute(
            versions.insert().values(
                id="b" * 24,
                contract_id=9,
                site_id=2,
                title="x",
                body="b",
                version_number=1,
                full_version_number="1.0",
                status="draft",
                merge_fields=[],
                created_time=at,
            )
        )
