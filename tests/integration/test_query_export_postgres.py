"""Filtered and sorted CSV exports give the same rows, in the same order, on SQLite and PostgreSQL.

The same demo data (same seed, same clock) goes into a SQLite system and a PostgreSQL system;
each export runs through its database's own CSV path (ADBC child on SQLite, the portable
server-side cursor on PostgreSQL).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from clickproof.bootstrap import System, build_system
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult, seed_demo
from tests.conftest import make_settings
from tests.databases import postgres_database
from tests.integration.export_jobs import run_export

NOW = utc_now()
START = (NOW - timedelta(days=100)).isoformat()


def _system(home: Path, database_url: str | None) -> tuple[System, DemoResult]:
    system = build_system(make_settings(home, database_url=database_url))
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=300, seed=11, now=NOW)
    return system, demo


@pytest.fixture(scope="module")
def systems(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[System, DemoResult]]]:
    with postgres_database() as url:
        built = {
            "sqlite": _system(tmp_path_factory.mktemp("sqlite"), None),
            "postgresql": _system(tmp_path_factory.mktemp("postgres"), url),
        }
        try:
            yield built
        finally:
            for system, _ in built.values():
                system.close()


def _export(system: System, demo: DemoResult, body: dict[str, Any]) -> list[dict[str, str]]:
    done = run_export(system, demo, {"start_date": START, **body})
    path = system.exports.blobs.local_path(done.files[0].storage_key)
    assert path is not None
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"), newline="")))


BODIES = [
    {"filter": {"contract": {"title": "Privacy Policy"}, "custom_data.vip": {"$ne": True}}},
    {"filter": "event_type==agreed and custom_data.seats>=250", "sort": "-custom_data.seats,signer_id"},
    {"filter": {"or": [{"signer_id": None}, {"custom_data.note": {"$exists": True}}]}, "sort": "signer_id"},
    {"filter": {"version.status": "published", "group.key": "checkout"}, "sort": "contract.title,-version"},
    {"sort": "render_data.plan,-custom_data.first_name", "custom_all": True},
    {"filter": {"connection_data.page_title": {"$gt": "C"}}, "sort": "-connection_data.page_title"},
]


@pytest.mark.parametrize("body", BODIES)
def test_same_rows_in_the_same_order(
    systems: dict[str, tuple[System, DemoResult]], body: dict[str, Any]
) -> None:
    sqlite_rows = _export(*systems["sqlite"], body)
    postgres_rows = _export(*systems["postgresql"], body)
    assert [r["id"] for r in sqlite_rows] == [r["id"] for r in postgres_rows]
    assert sqlite_rows, "the filter selects rows"
    assert sqlite_rows == postgres_rows
