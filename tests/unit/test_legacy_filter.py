from datetime import UTC, datetime

import pytest

from clickproof.domain import limits
from clickproof.errors import InvalidFilterError
from clickproof.query.ast import And, Node
from clickproof.query.describe import describe_filter
from clickproof.query.parse import parse_filter


def flat(node: Node | None) -> Node | None:
    """Nested ANDs as one: the same conjunction whatever its grouping."""
    if not isinstance(node, And):
        return node
    children: list[Node] = []
    for child in node.children:
        inner = flat(child)
        children.extend(inner.children if isinstance(inner, And) else [child])
    return And(tuple(children))


@pytest.mark.parametrize(
    ("legacy", "mongo"),
    [
        ("created_time>=2020-10-10 and event_type==agreed",
         {"created_time": {"$gte": "2020-10-10"}, "event_type": "agreed"}),
        ("contract._id==1 and version_number>1 and version_number<=3",
         {"contract": {"_id": 1}, "and": [{"version_number": {"$gt": 1}}, {"version_number": {"$lte": 3}}]}),
        ("event_type==agreed or event_type==disagreed",
         {"or": [{"event_type": "agreed"}, {"event_type": "disagreed"}]}),
        ("signer_id!=null", {"signer_id": {"$ne": None}}),
        ("test_mode==TRUE", {"test_mode": True}),
        ("custom_data.seats>10 and custom_data.vip==false", {"custom_data.seats": {"$gt": 10}, "custom_data.vip": False}),
        ('custom_data.zip=="02134"', {"custom_data.zip": "02134"}),
        ('custom_data.company=="Acme and Sons"', {"custom_data.company": "Acme and Sons"}),
        ("contract.title==Terms of Service AND version.status==published",
         {"contract.title": "Terms of Service", "version.status": "published"}),
        ("signer_id==42", {"signer_id": "42"}),
    ],
)  # fmt: skip
def test_legacy_strings_compile_to_the_same_tree(legacy: str, mongo: dict[str, object]) -> None:
    assert flat(parse_filter(legacy)) == flat(parse_filter(mongo))
    assert describe_filter(parse_filter(legacy)) == describe_filter(parse_filter(mongo))


def test_and_binds_tighter_than_or() -> None:
    assert describe_filter(parse_filter("event_type==a or event_type==b and test_mode==true")) == (
        'event type is "a" or (event type is "b" and test mode is true)'
    )


def test_dates_are_instants() -> None:
    node = parse_filter("created_time<2026-01-02T03:04:05+01:00")
    assert describe_filter(node) == "created time is less than 2026-01-02T02:04:05.000Z"
    assert getattr(node, "value", None) == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        "event_type",
        "event_type=agreed",
        "==agreed",
        "event_type==",
        "version_number==abc",
        "test_mode==yes",
        "created_time>=yesterday",
        "nope==1",
        "custom_data.$where==1",
        "event_type==agreed and",
        "event_type==agreed or ",
        'event_type=="unterminated',
        "event_type==a\x00b",
    ],
)
def test_bad_legacy_strings(bad: str) -> None:
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(bad)
    assert info.value.field == "/filter"


def test_legacy_bounds() -> None:
    at_limit = " or ".join(f"event_type=={i}" for i in range(limits.MAX_FILTER_NODES))
    parse_filter(at_limit)
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(at_limit + " or event_type==x")
    assert info.value.code == "filter_too_large"
    padded = "signer_id==" + "x" * (limits.MAX_LEGACY_FILTER_LENGTH - len("signer_id=="))
    with pytest.raises(InvalidFilterError) as info:  # the value is over the string limit …
        parse_filter(padded)
    assert "1024" in info.value.message
    with pytest.raises(InvalidFilterError) as info:  # … and one more character is over the length limit
        parse_filter(padded + "x")
    assert "8192" in info.value.message
    assert parse_filter("   ") is None
