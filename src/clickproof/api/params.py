"""Query parameters, parsed by hand so that every error has our shape and names the parameter."""

from __future__ import annotations

from starlette.requests import Request

from clickproof.domain.strict_int import ascii_int
from clickproof.errors import ValidationError


def int_param(request: Request, name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default  # `?name=` with no value is malformed, not absent
    value = ascii_int(raw, max_digits=12)
    if value is None:
        raise ValidationError(
            f"{name} must be a whole number written with the digits 0-9", field=name, code="invalid_parameter"
        )
    if not minimum <= value <= maximum:
        raise ValidationError(
            f"{name} must be between {minimum} and {maximum}", field=name, code="invalid_parameter"
        )
    return value


def site_id_path_param(request: Request) -> int:
    """The `{site_id}` of a path: digits 0-9 only, a positive 32-bit number."""
    site_id = ascii_int(request.path_params["site_id"], max_digits=10)
    if site_id is None or not 1 <= site_id <= 2**31 - 1:
        raise ValidationError(
            "site_id must be a whole number (digits 0-9) from 1 to 2147483647",
            field="site_id",
            code="invalid_parameter",
        )
    return site_id
