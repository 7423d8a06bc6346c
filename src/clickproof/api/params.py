"""Query parameters, parsed by hand so that every error has our shape and names the parameter."""

from __future__ import annotations

from starlette.requests import Request

from clickproof.errors import ValidationError


def int_param(request: Request, name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationError(f"{name} must be a whole number", field=name, code="invalid_parameter")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ValidationError(
            f"{name} must be between {minimum} and {maximum}", field=name, code="invalid_parameter"
        )
    return value
