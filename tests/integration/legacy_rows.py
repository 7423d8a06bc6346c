"""Rows in the 0001 schema (no chain columns), written with plain SQL as an older clickproof did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from clickproof.domain.timestamps import format_stored
from clickproof.store.partitions import ensure_month_partitions


def write_legacy_rows(engine: Engine, count: int) -> int:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    postgres = engine.dialect.name == "postgresql"

    def at(value: datetime) -> object:
        return value if postgres else format_stored(value)

    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO accounts (id, name, created_time) VALUES (1, 'A', :t)"), {"t": at(start)}
        )
        conn.execute(
            text(
                "INSERT INTO sites (id, account_id, name, access_id, max_export_days, created_time) "
                "VALUES (1, 1, 'S', 'legacy', 365, :t)"
            ),
            {"t": at(start)},
        )
        conn.execute(
            text("INSERT INTO contracts (id, site_id, title, key, created_time) VALUES (1, 1, 'T', 't', :t)"),
            {"t": at(start)},
        )
        conn.execute(
            text(
                "INSERT INTO versions (id, contract_id, site_id, title, body, version_number, minor_version_number, "
                "full_version_number, status, merge_fields, created_time) "
                "VALUES (:v, 1, 1, 'T v1', 'b', 1, 0, '1.0', 'published', '[]', :t)"
            ),
            {"v": "a" * 24, "t": at(start)},
        )
        # PostgreSQL keeps activities in monthly partitions; they must exist before rows arrive.
        ensure_month_partitions(conn, [start + timedelta(minutes=n) for n in range(count)])
        for n in range(count):
            conn.execute(
                text(
                    "INSERT INTO activities (id, uuid, account_id, site_id, signer_id, contract_id, version_id, "
                    "version_number, event_type, created_time, test_mode, connection_data, custom_data, render_data) "
                    "VALUES (:id, :uuid, 1, 1, :signer, 1, :v, 1, 'agreed', :t, :tm, '{}', :custom, '{}')"
                ),
                {
                    "id": f"{n + 1:024x}",
                    "uuid": f"u{n}",
                    "signer": f"s{n}",
                    "v": "a" * 24,
                    "t": at(start + timedelta(minutes=count - n)),
                    "tm": False,
                    "custom": f'{{"n": {n}}}',
                },
            )
    return 1
