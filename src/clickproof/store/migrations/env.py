"""Alembic environment: runs against the engine clickproof hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from clickproof.store.tables import metadata

engine: Engine = context.config.attributes["engine"]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if engine.dialect.name == "sqlite":
    # A revision that changes a table's key copies the table (SQLite cannot alter keys); the copy
    # must not trip the references pointing at it. Enforcement is off for the migration only (the
    # pragma is ignored inside a transaction), every reference is checked before it ends, and the
    # pooled connection gets enforcement back.
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                _run(connection)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left {len(broken)} broken references: {broken[:5]}")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
else:
    with engine.begin() as connection:
        _run(connection)
