"""When a token stops working: a duration from now (`90d`, `12h`, `30m`, `2w`) or an ISO 8601
instant, always in the future and at most ten years ahead."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from clickproof.domain.timestamps import parse_instant
from clickproof.errors import ValidationError

_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhdw])$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_LIFETIME = timedelta(days=3653)


def parse_expiry(value: object, *, now: datetime, field: str = "expires") -> datetime:
    """The instant `value` names (a duration counts from `now`), or a ValidationError naming `field`."""
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"{field} must be a duration such as 90d, 12h, 30m or 2w, or an ISO 8601 date-time",
            field=field,
            code="invalid_expiry",
        )
    match = _DURATION.fullmatch(value)
    if match:
        expires = now + int(match.group(1)) * _UNITS[match.group(2)]
    elif value[:1].isdigit() and len(value) >= 10:
        expires = parse_instant(value, field)
    else:
        raise ValidationError(
            f"{field} must be a duration such as 90d, 12h, 30m or 2w, or an ISO 8601 date-time, not {value[:40]!r}",
            field=field,
            code="invalid_expiry",
        )
    if expires <= now:
        raise ValidationError(f"{field} must lie in the future", field=field, code="invalid_expiry")
    if expires - now > MAX_LIFETIME:
        raise ValidationError(f"{field} must lie within ten years", field=field, code="invalid_expiry")
    return expires
