"""Bodies of the administration routes (accounts, sites, tokens), validated with each error
naming its field. The CLI builds the same inputs from its options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickproof.domain.body_fields import json_object, positive_id, text_field
from clickproof.domain.expiry import parse_expiry
from clickproof.domain.origins import parse_origin
from clickproof.errors import ValidationError

MAX_EXPORT_DAYS = 3650
MAX_TOKEN_SITES = 100
MAX_ORIGINS = 50


@dataclass(frozen=True)
class SiteInput:
    account_id: int
    name: str
    max_export_days: int
    allowed_origins: tuple[str, ...] | None  # None: pages of any origin may call


@dataclass(frozen=True)
class TokenInput:
    account_id: int
    site_ids: tuple[int, ...]  # the first is the default
    email: str
    permissions: tuple[str, ...] | None  # None: every tenant permission
    label: str
    expires_time: datetime | None


def parse_account(body: object) -> str:
    data = json_object(body, ("name",))
    name = text_field(data, "name", 200)
    assert name is not None
    return name


def max_export_days(value: object, field: str = "max_export_days") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EXPORT_DAYS:
        raise ValidationError(
            f"{field} must be a whole number of days from 1 to {MAX_EXPORT_DAYS}",
            field=field,
            code="invalid_type",
        )
    return value


def allowed_origins(value: object, field: str = "allowed_origins") -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ORIGINS:
        raise ValidationError(
            f"{field} must be null (any origin) or an array of 1 to {MAX_ORIGINS} origins",
            field=field,
            code="invalid_type",
        )
    origins: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError("an origin must be text", field=f"{field}[{index}]", code="invalid_type")
        try:
            origins.append(parse_origin(item))
        except ValueError as exc:
            raise ValidationError(str(exc), field=f"{field}[{index}]", code="invalid_origin") from None
    return tuple(dict.fromkeys(origins))


def parse_site(body: object) -> SiteInput:
    data = json_object(body, ("account", "name", "max_export_days", "allowed_origins"))
    if data.get("account") is None:
        raise ValidationError("account is required", field="account", code="missing_field")
    name = text_field(data, "name", 200)
    assert name is not None
    return SiteInput(
        positive_id(data["account"], "account"),
        name,
        max_export_days(data.get("max_export_days", 365)),
        allowed_origins(data.get("allowed_origins")),
    )


def site_list(value: object, field: str = "sites") -> tuple[int, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TOKEN_SITES:
        raise ValidationError(
            f"{field} must be an array of 1 to {MAX_TOKEN_SITES} site ids (the first is the default)",
            field=field,
            code="invalid_type",
        )
    ids = tuple(positive_id(v, f"{field}[{i}]") for i, v in enumerate(value))
    return tuple(dict.fromkeys(ids))


def permission_list(
    value: object, known: tuple[str, ...], field: str = "permissions"
) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ValidationError(
            f"{field} must be an array of permissions: {', '.join(known)}", field=field, code="invalid_type"
        )
    for index, item in enumerate(value):
        if item not in known:
            raise ValidationError(
                f"unknown permission {str(item)[:40]!r}; known: {', '.join(known)}",
                field=f"{field}[{index}]",
                code="unknown_permission",
            )
    return tuple(sorted(set(value)))


def parse_token(body: object, known_permissions: tuple[str, ...], now: datetime) -> TokenInput:
    data: dict[str, Any] = json_object(body, ("account", "sites", "email", "permissions", "label", "expires"))
    if data.get("account") is None:
        raise ValidationError("account is required", field="account", code="missing_field")
    if data.get("sites") is None:
        raise ValidationError("sites is required", field="sites", code="missing_field")
    email = text_field(data, "email", 320)
    assert email is not None
    label = text_field(data, "label", 200, required=False) or ""
    expires = data.get("expires")
    return TokenInput(
        positive_id(data["account"], "account"),
        site_list(data["sites"]),
        email,
        permission_list(data.get("permissions"), known_permissions),
        label,
        None if expires is None else parse_expiry(expires, now=now),
    )
