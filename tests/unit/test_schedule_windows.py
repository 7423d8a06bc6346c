"""Relative windows and cron slots in a timezone (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from clickproof.domain.schedule import RelativeWindow, latest_due_slot, next_slot

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "slot", "zone", "start", "end"),
    [
        # January's firing exports December, across the year
        (
            RelativeWindow("previous_month"),
            utc(2027, 1, 1, 5),
            BERLIN,
            utc(2026, 11, 30, 23),
            utc(2026, 12, 31, 23),
        ),
        # March has the spring-forward day: 31 local days, 743 hours
        (
            RelativeWindow("previous_month"),
            utc(2026, 4, 1, 4),
            BERLIN,
            utc(2026, 2, 28, 23),
            utc(2026, 3, 31, 22),
        ),
        (
            RelativeWindow("previous_day"),
            utc(2026, 12, 2, 4, 30),
            NEW_YORK,
            utc(2026, 11, 30, 5),
            utc(2026, 12, 1, 5),
        ),
        # a Sunday firing: the week before the current (Monday-based) week
        (
            RelativeWindow("previous_week"),
            utc(2026, 12, 6, 12),
            BERLIN,
            utc(2026, 11, 22, 23),
            utc(2026, 11, 29, 23),
        ),
        (RelativeWindow("last_n_days", 3), utc(2026, 12, 2, 12), UTC, utc(2026, 11, 29), utc(2026, 12, 2)),
    ],
)
def test_window_bounds(
    window: RelativeWindow, slot: datetime, zone: ZoneInfo, start: datetime, end: datetime
) -> None:
    assert window.bounds(slot, zone) == (start, end)


def test_slots_follow_local_time_across_dst() -> None:
    # 06:00 New York is 11:00 UTC in winter and 10:00 UTC in summer
    assert next_slot("0 6 * * *", NEW_YORK, utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 10)
    assert next_slot("0 6 * * *", NEW_YORK, utc(2026, 3, 6, 12)) == utc(2026, 3, 7, 11)


def test_latest_due_slot_skips_to_the_newest() -> None:
    latest, following = latest_due_slot("0 6 * * 1", BERLIN, utc(2026, 11, 2, 5), utc(2026, 12, 2, 9))
    assert (latest, following) == (utc(2026, 11, 30, 5), utc(2026, 12, 7, 5))
    same, after = latest_due_slot("0 6 * * 1", BERLIN, utc(2026, 11, 30, 5), utc(2026, 11, 30, 5))
    assert (same, after) == (utc(2026, 11, 30, 5), utc(2026, 12, 7, 5))


def test_a_long_outage_of_a_minutely_schedule_still_finds_the_latest_slot() -> None:
    latest, following = latest_due_slot("* * * * *", UTC, utc(2026, 1, 1), utc(2026, 12, 2, 9, 30, 30))
    assert (latest, following) == (utc(2026, 12, 2, 9, 30), utc(2026, 12, 2, 9, 31))


def test_a_long_outage_ending_exactly_on_a_slot_fires_that_slot() -> None:
    latest, following = latest_due_slot("* * * * *", UTC, utc(2026, 1, 1), utc(2026, 12, 2, 9, 31))
    assert (latest, following) == (utc(2026, 12, 2, 9, 31), utc(2026, 12, 2, 9, 32))
