"""Differential property tests: random activities and random filters and sorts give the same rows,
in the same order, through SQL on SQLite, on PostgreSQL and on PostgreSQL with an ICU default
collation, through the reference evaluator (clickproof.query.reference), and — the same rows — an
independent oracle, mongomock (tests/integration/mongo_oracle.py documents how its deviations from
the MongoDB server are corrected)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select

from clickproof.domain.fields import RELATED_FIELDS, STANDARD_FIELDS, FieldType
from clickproof.errors import InvalidFilterError
from clickproof.query.order import order_by
from clickproof.query.parse import parse_filter
from clickproof.query.reference import matches, sort_documents
from clickproof.query.sort import parse_sort
from clickproof.query.sql import compile_filter
from clickproof.query.window import fold_window
from clickproof.store.database import create_db_engine, migrate
from clickproof.store.tables import activities
from tests.integration.mongo_oracle import MongoOracle
from tests.integration.postgres import pg_engine, pg_icu_engine
from tests.integration.query_world import (
    FAMILY_KEYS,
    FIXED_SITE,
    SITE,
    TIMES,
    VERSIONS,
    activity_rows,
    expanded,
    fixed_rows,
    insert_rows,
    insert_world,
    json_scalars,
)

__all__ = ["pg_engine", "pg_icu_engine"]

FAMILIES = ("connection_data", "custom_data", "render_data")
TYPES = {f.name: f.type for f in STANDARD_FIELDS} | {f.name: f.type for f in RELATED_FIELDS}
FILTER_FIELDS = [*TYPES, "contract._id", "version._id", "group._id"] + [
    f"{family}.{key}" for family in FAMILIES for key in [*FAMILY_KEYS, "absent"]
]
SORT_FIELDS = [*TYPES] + [f"{family}.{key}" for family in FAMILIES for key in FAMILY_KEYS]
DATES = [t.isoformat() for t in TIMES] + ["2026-01-02", "2026-01-03T00:00:00Z"]
VALUES_TEXT = st.one_of(
    json_scalars,
    st.integers(1, 3),
    st.sampled_from([*VERSIONS, "published", "draft", "Z", "0", "00000001", "ffff", "Terms", "terms"]),
)
VALUES_DATE = st.one_of(st.none(), st.booleans(), st.integers(0, 2), st.sampled_from(DATES))
WINDOW = (TIMES[0] - timedelta(days=1), TIMES[-1] + timedelta(days=1))
OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]


def _value_strategy(field: str) -> st.SearchStrategy[Any]:
    name = field.removesuffix("._id")
    return VALUES_DATE if TYPES.get(name) is FieldType.DATETIME else VALUES_TEXT


@st.composite
def leaf(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(FILTER_FIELDS))
    values = _value_strategy(field)
    shape = draw(st.sampled_from(["implicit", "op", "op", "not", "in", "nin", "exists"]))
    if shape == "implicit":
        return {field: draw(values)}
    if shape == "exists":
        return {field: {"$exists": draw(st.sampled_from([True, False, 0, 1]))}}
    if shape in ("in", "nin"):
        return {field: {f"${shape}": draw(st.lists(values, max_size=4))}}
    condition = {draw(st.sampled_from(OPERATORS)): draw(values)}
    if draw(st.booleans()):
        condition[draw(st.sampled_from(OPERATORS))] = draw(values)
    return {field: {"$not": condition} if shape == "not" else condition}


def _combine(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    logical = st.builds(
        lambda key, items: {key: items},
        st.sampled_from(["$and", "and", "$or", "or", "$nor"]),
        st.lists(children, min_size=1, max_size=3),
    )
    implicit = st.lists(children, min_size=2, max_size=3).map(
        lambda ds: {k: v for d in ds for k, v in d.items()}
    )
    negated = children.map(lambda d: {"$not": d})
    return st.one_of(logical, implicit, negated)


filters = st.recursive(leaf(), _combine, max_leaves=8)
windows = st.one_of(
    st.just(WINDOW),
    st.tuples(st.sampled_from(TIMES), st.sampled_from(TIMES)).map(lambda w: (min(w), max(w))),
)
sorts = st.lists(
    st.tuples(st.sampled_from(SORT_FIELDS), st.booleans()), min_size=1, max_size=3, unique_by=lambda t: t[0]
).map(lambda keys: ",".join(("-" if desc else "") + name for name, desc in keys))


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("differential") / "query.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    insert_world(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres(pg_engine: Engine) -> Engine:
    insert_world(pg_engine)
    return pg_engine


@pytest.fixture(scope="module")
def postgres_icu(pg_icu_engine: Engine) -> Engine:
    insert_world(pg_icu_engine)
    return pg_icu_engine


def _ids(
    engine: Engine,
    rows: list[dict[str, Any]],
    node: Any,
    sort: Any,
    window: tuple[datetime, datetime] = WINDOW,
) -> list[str]:
    """The ids the export query selects: the window with the filter's created_time bounds folded in."""
    dialect = engine.dialect.name
    start, end, rest = fold_window(node, *window)
    statement = (
        select(activities.c.id)
        .where(
            activities.c.site_id == SITE,
            activities.c.created_time >= start,
            activities.c.created_time < end,
            compile_filter(rest, dialect),
        )
        .order_by(*order_by(sort, dialect))
    )
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            insert_rows(conn, rows)
            return [r.id for r in conn.execute(statement)]
        finally:
            transaction.rollback()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(rows=activity_rows(), raw_filter=filters, raw_sort=sorts, window=windows)
def test_sqlite_postgres_and_reference_agree(
    sqlite_engine: Engine,
    postgres: Engine,
    postgres_icu: Engine,
    rows: list[dict[str, Any]],
    raw_filter: dict[str, Any],
    raw_sort: str,
    window: tuple[datetime, datetime],
) -> None:
    try:
        node = parse_filter(raw_filter)
    except InvalidFilterError as error:
        assume(error.code != "filter_too_deep")
        raise
    sort = parse_sort(raw_sort)
    docs = [expanded(r) for r in rows]
    start, end = window
    chosen = [d for d in docs if start <= d["created_time"] < end and matches(node, d)]
    expected = [d["id"] for d in sort_documents(chosen, sort)]
    assert _ids(sqlite_engine, rows, node, sort, window) == expected
    assert _ids(postgres, rows, node, sort, window) == expected
    assert _ids(postgres_icu, rows, node, sort, window) == expected
    in_window = {d["id"] for d in docs if start <= d["created_time"] < end}
    assert MongoOracle(docs).ids(raw_filter) & in_window == set(expected)


@pytest.mark.parametrize(
    ("raw_filter", "expected_count"),
    [
        (
            {
                "contract": {"_id": 1},
                "and": [{"version_number": {"$gt": 1}}, {"version_number": {"$lte": 3}}],
            },
            2,
        ),
        ({"custom_data.vip": {"$ne": True}}, 3),
        ({"group.title": {"$exists": False}}, 1),
        ({"version.status": "draft"}, 1),
        ("contract.title==Privacy Policy or custom_data.vip==true", 2),
    ],
)
def test_known_answers(sqlite_engine: Engine, postgres: Engine, raw_filter: Any, expected_count: int) -> None:
    def row(i: int, version: str, group: int | None, custom: dict[str, Any]) -> dict[str, Any]:
        contract, number, *_ = VERSIONS[version]
        return {
            "id": f"{i:024x}", "uuid": "u", "account_id": 1, "site_id": SITE, "signer_id": None,
            "group_id": group, "contract_id": contract, "version_id": version, "version_number": number,
            "event_type": "agreed", "execution_method": None, "batch": None, "session": None,
            "created_time": TIMES[0], "event_time": None, "test_mode": False,
            "connection_data": {}, "custom_data": custom, "render_data": {},
        }  # fmt: skip

    versions = sorted(VERSIONS)  # contract 1: v1 v2 v3 (draft), contract 2: v1 v2 v3
    rows = [
        row(1, versions[1], 1, {"vip": True}),
        row(2, versions[2], 1, {"vip": "true"}),
        row(3, versions[3], None, {}),
        row(4, versions[0], 2, {"vip": False}),
    ]
    node = parse_filter(raw_filter)
    sort = parse_sort("id")
    expected = [d["id"] for d in sort_documents([d for d in map(expanded, rows) if matches(node, d)], sort)]
    assert len(expected) == expected_count
    assert _ids(sqlite_engine, rows, node, sort) == expected
    assert _ids(postgres, rows, node, sort) == expected


ARRAY_ROWS: list[dict[str, Any]] = [
    {"tags": ["a", 2, None]},
    {"tags": ["b", [1], {"x": 1}]},
    {"tags": []},
    {"tags": "a"},
    {"tags": [True, 1.5]},
    {},
]


@pytest.mark.parametrize(
    ("raw_filter", "expected"),
    [
        ({"custom_data.tags": "a"}, [0, 3]),
        ({"custom_data.tags": {"$gt": 1}}, [0, 4]),
        ({"custom_data.tags": {"$gte": "b"}}, [1]),
        ({"custom_data.tags": None}, [0, 5]),
        ({"custom_data.tags": {"$ne": "a"}}, [1, 2, 4, 5]),
        ({"custom_data.tags": {"$in": ["zz", 2, True]}}, [0, 4]),
        ({"custom_data.tags": {"$nin": ["a", "b"]}}, [2, 4, 5]),
        ({"custom_data.tags": 1}, []),  # [1] nested in an array is not the number 1
        ({"custom_data.tags": {"$exists": True}}, [0, 1, 2, 3, 4]),
        ({"custom_data.tags": {"$lt": True}}, []),
        ({"custom_data.tags": {"$lte": True}}, [4]),
    ],
)
def test_arrays_match_when_an_element_does(
    sqlite_engine: Engine, postgres: Engine, raw_filter: dict[str, Any], expected: list[int]
) -> None:
    rows = []
    for index, custom in enumerate(ARRAY_ROWS):
        version = sorted(VERSIONS)[0]
        contract, number, *_ = VERSIONS[version]
        rows.append(
            {
                "id": f"{index:024x}", "uuid": "u", "account_id": 1, "site_id": SITE, "signer_id": None,
                "group_id": None, "contract_id": contract, "version_id": version, "version_number": number,
                "event_type": "agreed", "execution_method": None, "batch": None, "session": None,
                "created_time": TIMES[0], "event_time": None, "test_mode": False,
                "connection_data": {}, "custom_data": custom, "render_data": {},
            }
        )  # fmt: skip
    node = parse_filter(raw_filter)
    sort = parse_sort("id")
    wanted = [f"{i:024x}" for i in expected]
    assert [
        d["id"] for d in sort_documents([d for d in map(expanded, rows) if matches(node, d)], sort)
    ] == wanted
    assert _ids(sqlite_engine, rows, node, sort) == wanted
    assert _ids(postgres, rows, node, sort) == wanted


# -- a thousand filters over one fixed world, on each database, against both oracles

FIXED_ROWS = fixed_rows(seed=13, count=80)
FIXED_DOCS = [expanded(r) for r in FIXED_ROWS]
FILTER_EXAMPLES = int(os.environ.get("CLICKPROOF_FILTER_EXAMPLES", "1000"))


@pytest.fixture(scope="module")
def fixed_world(
    sqlite_engine: Engine, postgres: Engine, postgres_icu: Engine
) -> Iterator[tuple[list[Connection], MongoOracle]]:
    """The fixed rows on each database, read through one open connection each (a thousand
    filters, each a single round trip)."""
    engines = [sqlite_engine, postgres, postgres_icu]
    for engine in engines:
        with engine.begin() as conn:
            insert_rows(conn, FIXED_ROWS)
    with ExitStack() as stack:
        yield [stack.enter_context(e.connect()) for e in engines], MongoOracle(FIXED_DOCS)
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(activities.delete().where(activities.c.site_id == FIXED_SITE))


def _fixed_ids(conn: Connection, node: Any) -> list[str]:
    start, end, rest = fold_window(node, *WINDOW)
    statement = (
        select(activities.c.id)
        .where(
            activities.c.site_id == FIXED_SITE,
            activities.c.created_time >= start,
            activities.c.created_time < end,
            compile_filter(rest, conn.dialect.name),
        )
        .order_by(activities.c.id)
    )
    return [r.id for r in conn.execute(statement)]


@settings(
    max_examples=FILTER_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(raw_filter=filters)
def test_a_thousand_filters_agree_with_the_reference_and_mongomock(
    fixed_world: tuple[list[Connection], MongoOracle], raw_filter: dict[str, Any]
) -> None:
    """Every filter: SQLite, PostgreSQL and PostgreSQL with ICU en-US as default collation give
    the rows of the reference evaluator, which are the rows mongomock finds. The fixed world has
    about twenty activities per kind of value, so most filters select some rows and leave others."""
    connections, oracle = fixed_world
    try:
        node = parse_filter(raw_filter)
    except InvalidFilterError as error:
        assume(error.code != "filter_too_deep")
        raise
    expected = sorted(d["id"] for d in FIXED_DOCS if matches(node, d))
    assert sorted(oracle.ids(raw_filter)) == expected, "reference and mongomock differ"
    for conn in connections:
        assert _fixed_ids(conn, node) == expected, conn.engine.url.database
