"""A filter on an indexed standard field is answered through that index, on SQLite and PostgreSQL.

The statement is the real export query (window, filter, default order -created_time,-id).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, text

from clickproof.bootstrap import System
from clickproof.domain.export_request import Column
from clickproof.domain.fields import Family
from clickproof.export.csv_query import build_csv_query, compile_positional
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.services.demo_data import DemoResult
from clickproof.store.tables import activities
from tests.integration.postgres import pg_engine
from tests.integration.query_world import ACCOUNT, SITE, T0, VERSIONS, insert_rows, insert_world

__all__ = ["pg_engine"]

CASES = [
    ({"signer_id": "user000001@example.com"}, "ix_activities_site_signer"),
    ({"contract": {"_id": 1}}, "ix_activities_site_contract"),
    ("contract._id==1", "ix_activities_site_contract"),
]


def _statement(dialect: str, site: int, raw_filter: Any) -> Any:
    return build_csv_query(
        dialect_name=dialect,
        site_id=site,
        start=T0 - timedelta(days=1),
        end=T0 + timedelta(days=400),
        filter_node=parse_filter(raw_filter),
        sort=parse_sort(None),
        columns=[Column(Family.STANDARD, "id"), Column(Family.CUSTOM, "vip")],
    ).statement


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("raw_filter", "index"), CASES)
def test_sqlite_plan_uses_the_filter_index(
    system: System, demo: DemoResult, raw_filter: Any, index: str
) -> None:
    statement = _statement("sqlite", demo.site_id, raw_filter)
    sql, params = compile_positional(statement, system.engine.dialect)
    with system.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params)))
    assert f"USING INDEX {index}" in plan, plan


@pytest.fixture(scope="module")
def pg_with_rows(pg_engine: Engine) -> Iterator[Engine]:
    insert_world(pg_engine)
    versions = sorted(VERSIONS)
    rows = [
        {
            "id": f"{0xF00000 + i:024x}",
            "uuid": "u",
            "account_id": ACCOUNT,
            "site_id": SITE,
            "signer_id": f"user{i % 3000:06d}@example.com",
            "group_id": None,
            "contract_id": VERSIONS[versions[i % 6]][0],
            "version_id": versions[i % 6],
            "version_number": VERSIONS[versions[i % 6]][1],
            "event_type": "agreed",
            "execution_method": None,
            "batch": None,
            "session": None,
            "created_time": T0 + timedelta(seconds=i),
            "event_time": None,
            "test_mode": False,
            "connection_data": {},
            "custom_data": {"vip": i % 2 == 0},
            "render_data": {},
        }
        for i in range(20_000)
    ]
    with pg_engine.begin() as conn:
        insert_rows(conn, rows)
        conn.exec_driver_sql("ANALYZE activities")
    yield pg_engine
    with pg_engine.begin() as conn:
        conn.execute(delete(activities).where(activities.c.id.in_([r["id"] for r in rows])))


def _indexes_used(conn: Connection, plan: str) -> set[str]:
    """The indexes a plan scans, each named by its parent on the partitioned table (a partition's
    own index is a child of the index declared on `activities`)."""
    names = set()
    for child in re.findall(r"using (\S+) on", plan, flags=re.IGNORECASE):
        parent = conn.execute(
            text(
                "SELECT coalesce((SELECT inhparent::regclass::text FROM pg_inherits "
                "WHERE inhrelid = CAST(:child AS regclass)), CAST(:child AS text))"
            ),
            {"child": child},
        ).scalar_one()
        names.add(parent)
    return names


@pytest.mark.parametrize(("raw_filter", "index"), CASES[:1])
def test_postgres_plan_uses_the_filter_index(pg_with_rows: Engine, raw_filter: Any, index: str) -> None:
    statement = _statement("postgresql", SITE, raw_filter)
    with pg_with_rows.connect() as conn:
        compiled = statement.compile(dialect=conn.dialect)
        plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
        used = _indexes_used(conn, plan)
    assert index in used and "Seq Scan" not in plan, plan


def test_postgres_plan_for_a_contract_filter_uses_an_index(pg_with_rows: Engine) -> None:
    """A contract matches a sixth of the rows here; without a sequential scan the planner takes
    the contract index, so the compiled filter is one an index can answer."""
    statement = _statement("postgresql", SITE, {"contract": {"_id": 1}})
    with pg_with_rows.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        compiled = statement.compile(dialect=conn.dialect)
        plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
        conn.exec_driver_sql("RESET enable_seqscan")
        used = _indexes_used(conn, plan)
    assert "ix_activities_site_contract" in used, plan
