from datetime import UTC, datetime

import pytest

from clickproof.domain.timestamps import format_instant, format_stored, parse_instant
from clickproof.errors import InvalidDateError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-10-06T00:00:00.000Z", datetime(2022, 10, 6, tzinfo=UTC)),
        ("2022-10-06T02:00:00+02:00", datetime(2022, 10, 6, tzinfo=UTC)),
        ("2022-10-06T00:00:00", datetime(2022, 10, 6, tzinfo=UTC)),  # no offset: UTC
        ("2022-10-06", datetime(2022, 10, 6, tzinfo=UTC)),
        ("2022-10-06 12:30", datetime(2022, 10, 6, 12, 30, tzinfo=UTC)),
        ("2022-10-06T00:00:00.123456789Z", datetime(2022, 10, 6, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2022-10-05T22:00:00-0200", datetime(2022, 10, 6, tzinfo=UTC)),
        ("2022-10-06T00:00:00z", datetime(2022, 10, 6, tzinfo=UTC)),  # RFC 3339 allows lowercase
        ("2022-10-06t00:00:00.5z", datetime(2022, 10, 6, 0, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_parses_iso_8601_to_utc(text: str, expected: datetime) -> None:
    assert parse_instant(text, "start_date") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2022-02-30T00:00:00Z",
        "2022-10-06T23:59:60Z",
        "0000-01-01T00:00:00Z",
        "2022-10-06T00:00:00+24:00",
        "２０２２-10-06",
        "1969-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "2022-10-06T00:00:00Z; DROP TABLE x",
        "x" * 1000,
        " 2026-11-20",
        "2026-11-20 ",
        "2026-11-20T00:00:00Z\n",
        "\t2026-11-20T00:00:00Z",
        "\u0662\u0660\u0662\u0662-10-06",
        "2022-10-06T\u0661\u0662:00:00Z",
    ],
)
def test_rejects_bad_dates_with_the_field_named(text: str) -> None:
    with pytest.raises(InvalidDateError) as info:
        parse_instant(text, "end_date")
    assert info.value.field == "end_date"
    assert info.value.code == "invalid_date"


@pytest.mark.parametrize("value", [None, 1665014400, ["2022-10-06"], {"$date": 1}])
def test_rejects_non_strings(value: object) -> None:
    with pytest.raises(InvalidDateError):
        parse_instant(value, "start_date")


def test_formats() -> None:
    instant = datetime(2023, 1, 6, 17, 0, 1, 901234, tzinfo=UTC)
    assert format_instant(instant) == "2023-01-06T17:00:01.901Z"
    assert format_stored(instant) == "2023-01-06T17:00:01.901234Z"
