"""Console roles: what a person may do on one site, as the API permissions a token would carry.

A console page calls the same services as the API with a principal built from the user's role,
so the console has no second set of rules: viewer < exporter < admin.
"""

from __future__ import annotations

from enum import StrEnum

from clickproof.errors import ValidationError
from clickproof.services.tokens import ALL_PERMISSIONS, Permission


class Role(StrEnum):
    VIEWER = "viewer"  # read activities, signers, contracts and exports; download evidence
    EXPORTER = "exporter"  # also create, retry and cancel exports
    ADMIN = "admin"  # also API tokens, users and the site's settings


RANK = {Role.VIEWER: 0, Role.EXPORTER: 1, Role.ADMIN: 2}

_VIEWER = frozenset(
    {Permission.EXPORTS_READ.value, Permission.ACTIVITY_READ.value, Permission.CATALOG_READ.value}
)
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.VIEWER: _VIEWER,
    Role.EXPORTER: _VIEWER | {Permission.EXPORTS_CREATE.value},
    Role.ADMIN: frozenset(ALL_PERMISSIONS),
}


def parse_role(value: str, field: str = "role") -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValidationError(
            f"unknown role {value!r}: one of {', '.join(r.value for r in Role)}",
            field=field,
            code="invalid_role",
        ) from None


def at_least(role: Role, needed: Role) -> bool:
    return RANK[role] >= RANK[needed]
