"""The database's own ceiling for bulk import: N activity rows, already serialized and hashed,
written straight to the driver (executemany on SQLite, COPY on PostgreSQL) into the configured
database (CLICKPROOF_HOME / CLICKPROOF_DATABASE_URL), in batches of 10,000 as `clickproof import`
writes them. No parsing, validation, JSON or hashing: what no import can beat on this machine.
The rows are rolled back, so the database is left as it was.

Run by bench/ingest.py beside `clickproof import`; alone: `.venv/bin/python bench/import_floor.py N`.
Prints one JSON line.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta

from clickproof.bootstrap import build_system
from clickproof.config import load_settings
from clickproof.domain.timestamps import format_stored
from clickproof.store.chain import LINK_COLUMNS, PREPARED_COLUMNS, insert_rows
from clickproof.store.partitions import ensure_month_partitions

BATCH = 10_000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    system = build_system(load_settings())
    try:
        postgres = system.engine.dialect.name == "postgresql"
        with system.engine.connect() as conn:
            site, account = conn.exec_driver_sql("SELECT id, account_id FROM sites LIMIT 1").one()
            contract, version, number = conn.exec_driver_sql(
                "SELECT contract_id, id, version_number FROM versions LIMIT 1"
            ).one()
        when = datetime(2026, 6, 1, 12, tzinfo=UTC)
        stamp = when if postgres else format_stored(when)
        connection = json.dumps({"remote_address": "198.51.100.7", "user_agent": "import/1.0"})
        rows = [
            (
                secrets.token_hex(12), secrets.token_hex(16), account, site, f"floor-{i}@example.com", None,
                contract, version, number, "agreed", None, None, None, stamp, None,
                False if postgres else 0, connection, json.dumps({"plan": "pro", "row": i}), "{}",
                "import", secrets.token_hex(16), "a" * 64, None, 2, 10_000_000 + i, "b" * 64, "c" * 64, "d" * 64,
            )
            for i in range(count)
        ]  # fmt: skip
        assert len(rows[0]) == len(PREPARED_COLUMNS + LINK_COLUMNS)
        with system.engine.connect() as conn:
            transaction = conn.begin()
            ensure_month_partitions(conn, [when, when - timedelta(days=1)])
            started = time.perf_counter()
            for start in range(0, count, BATCH):
                insert_rows(conn, rows[start : start + BATCH])
            elapsed = time.perf_counter() - started
            transaction.rollback()
        print(
            json.dumps(
                {
                    "database": system.engine.dialect.name,
                    "measure": "import_floor",
                    "rows": count,
                    "seconds": round(elapsed, 2),
                    "activities_per_s": round(count / elapsed, 1),
                }
            )
        )
    finally:
        system.close()


if __name__ == "__main__":
    main()
