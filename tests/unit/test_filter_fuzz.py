"""Any JSON as a filter: parsing and compiling either succeed with placeholders only, or raise
InvalidFilterError (a 400) — never another exception (a 500)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from clickproof.errors import InvalidFilterError
from clickproof.query.describe import describe_filter
from clickproof.query.parse import parse_filter
from clickproof.query.sql import compile_filter

MARKER = "zq'x;--"
KEYS = st.sampled_from(
    [
        "signer_id", "version_number", "created_time", "test_mode", "contract", "contract._id",
        "contract.title", "version", "group.key", "custom_data.vip", "render_data." + MARKER,
        "connection_data.page_url", "custom_data", "contract", "and", "or", "$and", "$or", "$nor",
        "$not", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$where",
        "$regex", "_id", "id", "nope", MARKER, "", "a.$gt", "custom_data.",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["2026-01-01", "2026-01-01T00:00:00Z", MARKER]),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(raw=st.one_of(st.dictionaries(KEYS, JSON, max_size=4), st.text(max_size=80)))
def test_any_json_is_a_filter_or_a_400(raw: Any) -> None:
    try:
        node = parse_filter(raw)
    except InvalidFilterError as error:
        assert error.field is not None and error.field.startswith("/filter")
        return
    describe_filter(node)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(compile_filter(node, dialect.name).compile(dialect=dialect))
        assert MARKER not in sql


def test_an_empty_filter_object_matches_everything_and_its_negation_nothing() -> None:
    for raw, expected in (({"$and": [{}]}, "true"), ({"$nor": [{}]}, "false"), ({"$or": [{}, {}]}, "true")):
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            sql = str(compile_filter(parse_filter(raw), dialect.name).compile(dialect=dialect)).lower()
            assert sql in {"true": ("true", "1 = 1"), "false": ("false", "0 = 1")}[expected], (raw, sql)
