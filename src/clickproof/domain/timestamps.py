"""Parsing and printing of instants. Every instant is UTC; a value without offset is read as UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from clickproof.errors import InvalidDateError

# ASCII digits only, the whole text (no surrounding whitespace, no trailing newline).
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)


def parse_instant(value: object, field: str) -> datetime:
    """Parse an ISO 8601 / RFC 3339 string to an aware UTC datetime, or raise InvalidDateError."""
    if not isinstance(value, str):
        raise InvalidDateError(f"{field} must be an ISO 8601 date-time string", field=field)
    if len(value) > 64:
        raise InvalidDateError(f"{field} is not an ISO 8601 date-time", field=field)
    if value != value.strip():
        raise InvalidDateError(f"{field} must not begin or end with whitespace", field=field)
    text = value
    if _DATE_ONLY.fullmatch(text):
        text += "T00:00:00"
    elif _ISO_SHAPE.fullmatch(text):
        text = text[:10] + "T" + text[11:].upper()  # RFC 3339 allows a lowercase t and z
    else:
        raise InvalidDateError(
            f"{field} is not an ISO 8601 date-time (expected e.g. 2022-10-06T00:00:00.000Z)", field=field
        )
    text = _trim_fraction(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidDateError(f"{field} is not a valid date-time: {value[:40]!r}", field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        result = parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidDateError(f"{field} is out of the supported range", field=field) from None
    if result.year < 1970:
        raise InvalidDateError(f"{field} is before 1970-01-01", field=field)
    return result


def _trim_fraction(text: str) -> str:
    """Python reads at most microseconds; cut longer fractions (nanoseconds) to six digits."""
    match = re.search(r"\.(\d{7,9})", text)
    if match:
        text = text[: match.start(1)] + match.group(1)[:6] + text[match.end(1) :]
    return text


def format_instant(value: datetime) -> str:
    """ISO 8601 UTC with milliseconds and Z, the API's format: 2023-01-06T17:00:01.901Z."""
    value = as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_stored(value: datetime) -> str:
    """Fixed-width ISO 8601 UTC with microseconds: the stored and exported form, sortable as text."""
    value = as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stored(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
