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
        {"event_type": {"$exists": "yes"}},
        {"event_type": ["agreed"]},
        {"created_time": {"$gt": "not a date"}},
        {"version_number": float("inf")},
        {"version_number": 10**30},
        {'contract._id"; DROP TABLE activities;--': 1},
        {"custom_data.": 1},
        {"__proto__": 1},
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
