"""The fields of a JSON request body, each checked with an error naming it."""

from __future__ import annotations

import unicodedata
from typing import Any

from clickproof.errors import ValidationError

# What `\s` matches in a JSON Schema pattern (ECMA-262 WhiteSpace and LineTerminator): blank
# means made of these only. Python's str.strip would also remove U+001C-U+001F and U+0085,
# which a schema calls text.
_ECMA_SPACE = frozenset("\t\n\v\f\r \u00a0\u2028\u2029\ufeff")


def is_blank(value: str) -> bool:
    return all(ch in _ECMA_SPACE or unicodedata.category(ch) == "Zs" for ch in value)


def json_object(body: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The body as an object holding only `allowed` fields."""
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object", code="invalid_body")
    unknown = [k for k in body if k not in allowed]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0][:40]!r}; allowed fields: {', '.join(allowed)}",
            field=unknown[0][:40],
            code="unknown_field",
        )
    return body


def text_field(body: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", field=name, code="missing_field")
        return None
    if not isinstance(value, str) or is_blank(value) or len(value) > limit or "\x00" in value:
        raise ValidationError(
            f"{name} must be text of 1 to {limit} characters", field=name, code="invalid_type"
        )
    return value


def positive_id(value: object, name: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 7.0 is the integer 7 in JSON Schema
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise ValidationError(f"{name} must be a positive whole number", field=name, code="invalid_type")
    return value
