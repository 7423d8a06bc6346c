from datetime import UTC, datetime, timedelta

import pytest

from clickproof.query.describe import describe_filter
from clickproof.query.parse import parse_filter
from clickproof.query.window import MICROSECOND, fold_window

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 2, 1, tzinfo=UTC)
T = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("op", "start", "end"),
    [
        ("$gte", T, END),
        ("$gt", T + MICROSECOND, END),
        ("$lt", START, T),
        ("$lte", START, T + MICROSECOND),
        ("$eq", T, T + MICROSECOND),
    ],
)
def test_created_time_bounds_move_into_the_window(op: str, start: datetime, end: datetime) -> None:
    node = parse_filter({"created_time": {op: T.isoformat()}, "event_type": "agreed"})
    folded_start, folded_end, rest = fold_window(node, START, END)
    assert (folded_start, folded_end) == (start, end)
    assert describe_filter(rest) == 'event type is "agreed"'


def test_looser_bounds_keep_the_window_and_disjoint_ones_empty_it() -> None:
    node = parse_filter({"created_time": {"$gte": "2020-01-01", "$lt": "2030-01-01"}})
    assert fold_window(node, START, END) == (START, END, None)
    start, end, _ = fold_window(parse_filter({"created_time": {"$lt": "2025-01-01"}}), START, END)
    assert start == end == START


@pytest.mark.parametrize(
    "raw",
    [
        {"or": [{"created_time": {"$gte": "2026-01-10"}}, {"event_type": "agreed"}]},
        {"created_time": {"$ne": "2026-01-10"}},
        {"created_time": {"$not": {"$gte": "2026-01-10"}}},
        {"custom_data.created_time": {"$gte": "2026-01-10"}},
        {"event_time": {"$gte": "2026-01-10"}},
    ],
)
def test_other_conditions_stay_in_the_filter(raw: dict[str, object]) -> None:
    node = parse_filter(raw)
    assert fold_window(node, START, END) == (START, END, node)


def test_folding_is_exact_at_the_edges() -> None:
    stored = [T - MICROSECOND, T, T + MICROSECOND]
    for op, keep in {
        "$gt": lambda v: v > T,
        "$gte": lambda v: v >= T,
        "$lt": lambda v: v < T,
        "$lte": lambda v: v <= T,
        "$eq": lambda v: v == T,
    }.items():
        start, end, _ = fold_window(parse_filter({"created_time": {op: T.isoformat()}}), START, END)
        assert [v for v in stored if start <= v < end] == [v for v in stored if keep(v)], op
    assert timedelta(microseconds=1) == MICROSECOND
