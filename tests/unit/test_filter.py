import json

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from clickproof.domain import limits
from clickproof.errors import InvalidFilterError
from clickproof.query.ast import And, Compare, Not, Op, Or
from clickproof.query.describe import describe_filter
from clickproof.query.parse import parse_filter
from clickproof.query.sql import compile_filter

SEED_FILTER = {
    "contract": {"_id": 1},
    "and": [{"version_number": {"$gt": 1}}, {"version_number": {"$lte": 3}}],
}


def test_seed_filter_parses_and_describes() -> None:
    node = parse_filter(SEED_FILTER)
    assert isinstance(node, And)
    assert describe_filter(node) == "contract id is 1 and version number is greater than 1 and at most 3"


def test_empty_filter_is_none() -> None:
    assert parse_filter(None) is None
    assert parse_filter({}) is None
    assert describe_filter(None) == "all activities"


def test_logical_spellings() -> None:
    for key in ("or", "$or"):
        node = parse_filter({key: [{"event_type": "agreed"}, {"event_type": "displayed"}]})
        assert isinstance(node, Or)
    node = parse_filter({"$nor": [{"event_type": "agreed"}]})
    assert isinstance(node, Not)
    node = parse_filter({"version_number": {"$not": {"$gt": 2}}})
    assert isinstance(node, Not)


def test_families_and_related_ids() -> None:
    node = parse_filter(
        {"custom_data.vip": True, "version._id": "a" * 24, "connection_data": {"environment": "mobile"}}
    )
    assert isinstance(node, And)
    fields = [c.field.name for c in node.children if isinstance(c, Compare)]
    assert fields == ["vip", "version", "environment"]


def test_in_and_exists() -> None:
    node = parse_filter({"event_type": {"$in": ["agreed", "disagreed"]}, "group": {"$exists": False}})
    assert isinstance(node, And)
    first, second = node.children
    assert isinstance(first, Compare) and first.op is Op.IN and first.value == ("agreed", "disagreed")
    assert isinstance(second, Compare) and second.op is Op.EXISTS and second.value is False


def _error(raw: object) -> InvalidFilterError:
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(raw)
    return info.value


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        ({"$where": "sleep(1)"}, "/filter/$where"),
        ({"version_number": {"$regex": "^1"}}, "/filter/version_number/$regex"),
        ({"version_number": {"$expr": 1}}, "/filter/version_number/$expr"),
        ({"and": [{"version_number": {"$gt": 1}}, {"x": {"$where": 1}}]}, "/filter/and/1/x"),
    ],
)
def test_unknown_operators_and_fields_point_at_the_node(raw: object, pointer: str) -> None:
    error = _error(raw)
    assert error.field == pointer
    if "$" in pointer.rsplit("/", 1)[-1]:
        assert "$gte" in error.message  # lists the allowed operators


@pytest.mark.parametrize(
    "raw",
    [
        [1, 2],
        "event_type~agreed",
        {"and": []},
        {"and": {"a": 1}},
        {"event_type": {"$in": "agreed"}},
        {"event_type": {"$exists": True, "$bad": 1}},
        {"event_type": ["agreed"]},
        {"created_time": {"$gt": "not a date"}},
        {"version_number": float("inf")},
        {"version_number": 10**400},
        {'contract._id"; DROP TABLE activities;--': 1},
        {"custom_data.": 1},
        {"__proto__": 1},
        {"$not": []},
        {"$not": {}},
        {"a.$gt": 1},
    ],
)
def test_malformed_filters_are_rejected(raw: object) -> None:
    _error(raw)


def test_depth_limit_boundary() -> None:
    def nested(depth: int) -> dict[str, object]:
        node: dict[str, object] = {"event_type": "agreed"}
        for _ in range(depth - 1):
            node = {"and": [node]}
        return node

    parse_filter(nested(limits.MAX_FILTER_DEPTH))
    assert _error(nested(limits.MAX_FILTER_DEPTH + 1)).code == "filter_too_deep"


def test_node_limit_boundary() -> None:
    at_limit = {"or": [{"event_type": str(i)} for i in range(limits.MAX_FILTER_NODES - 1)]}
    parse_filter(at_limit)
    over = {"or": [{"event_type": str(i)} for i in range(limits.MAX_FILTER_NODES)]}
    assert _error(over).code == "filter_too_large"


def test_in_and_string_limits() -> None:
    parse_filter({"event_type": {"$in": ["a"] * limits.MAX_IN_VALUES}})
    assert _error({"event_type": {"$in": ["a"] * (limits.MAX_IN_VALUES + 1)}}).code == "filter_too_large"
    parse_filter({"signer_id": "x" * limits.MAX_FILTER_STRING})
    assert _error({"signer_id": "x" * (limits.MAX_FILTER_STRING + 1)}).code == "filter_too_large"


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_sql_has_only_placeholders(dialect: object) -> None:
    hostile = "'; DROP TABLE activities; --"
    node = parse_filter(
        {
            "signer_id": hostile,
            f"custom_data.{hostile}": hostile,
            "connection_data.page_title": {"$in": [hostile, "x"]},
            "version_number": {"$gte": 2},
        }
    )
    compiled = compile_filter(node, dialect.name).compile(dialect=dialect)  # type: ignore[attr-defined]
    assert "DROP" not in str(compiled)
    assert hostile in json.dumps(list(compiled.params.values()), default=str)


def test_boundaries_of_values_and_keys() -> None:
    parse_filter({"version_number": 2**63 - 1})
    parse_filter({"version_number": 2**63})  # beyond 64 bits: compared as a number
    parse_filter({"version_number": 1.5e308})
    assert _error({"version_number": 10**400}).code == "invalid_filter"  # beyond a double
    assert _error({"version_number": float("nan")}).code == "invalid_filter"
    parse_filter({"custom_data." + "k" * limits.MAX_FIELD_NAME_LENGTH: 1})
    assert _error({"custom_data." + "k" * (limits.MAX_FIELD_NAME_LENGTH + 1): 1}).code == "invalid_filter"
    parse_filter({"event_type": {"$nin": ["a"] * limits.MAX_IN_VALUES}})
    assert _error({"event_type": {"$nin": ["a"] * (limits.MAX_IN_VALUES + 1)}}).code == "filter_too_large"
    parse_filter({"custom_data.k": {"$in": ["x" * limits.MAX_FILTER_STRING]}})
    too_long = {"custom_data.k": {"$in": ["x" * (limits.MAX_FILTER_STRING + 1)]}}
    assert _error(too_long).field == "/filter/custom_data.k/$in/0"


def test_depth_limit_counts_operator_objects() -> None:
    # /filter (1) → and item (2) … the field's operator object is one level more, $not another.
    node: dict[str, object] = {"version_number": {"$not": {"$gt": 1}}}
    depth = 3
    while depth < limits.MAX_FILTER_DEPTH:
        node = {"and": [node]}
        depth += 1
    parse_filter(node)
    assert _error({"and": [node]}).code == "filter_too_deep"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ({"contract.title": "Terms"}, 'contract title is "Terms"'),
        ({"version": {"status": {"$ne": "draft"}}}, 'version status is not "draft"'),
        ({"group.title": {"$exists": False}}, "group title is absent"),
        ({"custom_data.vip": {"$exists": True}}, "custom vip is present"),
        ({"event_type": {"$nin": ["a", "b"]}}, 'event type is none of ["a", "b"]'),
        ({"version_number": {"$not": {"$gt": 2}}}, "not version number is greater than 2"),
        ({"$nor": [{"test_mode": True}]}, "not (test mode is true)"),
        ({"$not": {"test_mode": True, "batch": "b"}}, 'not (test mode is true and batch is "b")'),
        ({"created_time": {"$gte": "2026-10-01"}}, "created time is at least 2026-10-01T00:00:00.000Z"),
        ({"or": [{"signer_id": None}, {"batch": "b"}]}, 'signer id is null or batch is "b"'),
    ],
)
def test_descriptions(raw: dict[str, object], text: str) -> None:
    assert describe_filter(parse_filter(raw)) == text


def test_related_fields_compile_to_subqueries_on_both_dialects() -> None:
    node = parse_filter({"contract": {"title": "Terms"}, "group.key": {"$in": ["signup", None]}})
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(compile_filter(node, dialect.name).compile(dialect=dialect))
        # related rows of the activity's own site only (ids are unique per site)
        assert (
            "(activities.site_id, activities.contract_id) IN (SELECT contracts.site_id, contracts.id" in sql
        )
        assert "(activities.site_id, activities.group_id) IN (SELECT groups.site_id, groups.id" in sql
        assert "Terms" not in sql


def test_positive_leaves_stay_sargable_and_negated_ones_definite() -> None:
    dialect = sqlite.dialect()
    positive = str(compile_filter(parse_filter({"signer_id": "a"}), "sqlite").compile(dialect=dialect))
    assert positive == "activities.signer_id = ?"
    negated = str(
        compile_filter(parse_filter({"signer_id": {"$ne": "a"}}), "sqlite").compile(dialect=dialect)
    )
    assert "coalesce" in negated


@pytest.mark.parametrize(
    ("operand", "expected"),
    [(1, True), (0, False), (None, False), ("yes", True), ("", True), (0.0, False), (2.5, True), ([], True)],
)
def test_exists_reads_any_operand_as_mongodb_does(operand: object, expected: bool) -> None:
    node = parse_filter({"custom_data.vip": {"$exists": operand}})
    assert isinstance(node, Compare) and node.value is expected


@pytest.mark.parametrize(
    "value", [-(2**63), 2**63 - 1, -(2.0**63), 9.2e18, 2**63, -(2**63) - 1, 2.0**63, 1e20, -1e19, 10**300]
)
def test_finite_numbers_are_accepted_beyond_64_bits(value: float) -> None:
    assert parse_filter({"custom_data.n": value}) is not None
    assert parse_filter({"version_number": {"$lt": value}}) is not None


@pytest.mark.parametrize("value", [10**309, -(10**400)])
def test_integers_beyond_a_double_are_refused(value: int) -> None:
    with pytest.raises(InvalidFilterError):
        parse_filter({"custom_data.n": value})


def test_descriptions_keep_the_microseconds_a_filter_compares() -> None:
    """Two event_time filters 429 µs apart select different rows, so they never read the same."""
    a = describe_filter(parse_filter({"event_time": {"$gt": "2026-11-20T10:00:00.123000Z"}}))
    b = describe_filter(parse_filter({"event_time": {"$gt": "2026-11-20T10:00:00.123429Z"}}))
    assert a == "event time is greater than 2026-11-20T10:00:00.123Z"
    assert b == "event time is greater than 2026-11-20T10:00:00.123429Z"
