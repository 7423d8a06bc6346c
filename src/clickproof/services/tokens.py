"""API tokens: issue, authenticate, authorize. Tokens are random, stored only as SHA-256 hashes
and compared in constant time; each belongs to one user of one account, with sites and permissions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection

from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.errors import ForbiddenError, UnauthenticatedError
from clickproof.store.tenants import Site, TenantStore, TokenRecord

TOKEN_PREFIX = "cp"  # noqa: S105 - the public prefix, not a secret
_TOKEN_SHAPE = re.compile(r"^cp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class Permission(StrEnum):
    EXPORTS_CREATE = "exports:create"
    EXPORTS_READ = "exports:read"
    ACTIVITY_READ = "activity:read"
    ACTIVITY_WRITE = "activity:write"
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    SIGNERS_ERASE = "signers:erase"
    # Administration of the installation: accounts, sites and tokens of every account
    # (/v1.1/admin/…). Never part of a token unless asked for by name.
    ADMIN = "admin"
    WEBHOOKS_MANAGE = "webhooks:manage"


# Every permission on a tenant's own sites: what a token gets when none are named.
ALL_PERMISSIONS = tuple(p.value for p in Permission if p is not Permission.ADMIN)
KNOWN_PERMISSIONS = tuple(p.value for p in Permission)


@dataclass(frozen=True)
class Principal:
    token_id: int | None  # None: a person signed in to the console (services/console_auth.py)
    user_id: int
    account_id: int
    default_site_id: int
    site_ids: tuple[int, ...]
    permissions: frozenset[str]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    tenants: TenantStore,
    conn: Connection,
    *,
    user_id: int,
    account_id: int,
    default_site_id: int,
    site_ids: list[int],
    permissions: list[str],
    label: str = "",
    expires_time: datetime | None = None,
) -> str:
    """Create a token and return it; this is the only time its secret exists outside the caller."""
    public_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    tenants.create_token(
        conn,
        public_id=public_id,
        secret_hash=_hash(secret),
        user_id=user_id,
        account_id=account_id,
        default_site_id=default_site_id,
        site_ids=sorted(set(site_ids) | {default_site_id}),
        permissions=sorted(set(permissions)),
        label=label,
        now=utc_now(),
        expires_time=expires_time,
    )
    return f"{TOKEN_PREFIX}_{public_id}_{secret}"


class TokenAuthenticator:
    def __init__(self, tenants: TenantStore) -> None:
        self.tenants = tenants

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise UnauthenticatedError("missing Authorization header (expected 'Bearer <token>')")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthenticatedError("malformed Authorization header (expected 'Bearer <token>')")
        record = self._record_for(token.strip())
        if record is None:
            raise UnauthenticatedError("invalid, expired or revoked token")
        # Only the holder of the secret learns why a genuine token stopped working.
        if record.revoked_time is not None:
            raise UnauthenticatedError(
                f"this token was revoked at {format_instant(record.revoked_time)}", code="token_revoked"
            )
        if record.expires_time is not None and record.expires_time <= utc_now():
            raise UnauthenticatedError(
                f"this token expired at {format_instant(record.expires_time)}; ask for a new one",
                code="token_expired",
            )
        principal = self.principal_by_id(record.id)
        if principal is None:
            raise UnauthenticatedError("invalid, expired or revoked token")
        return principal

    def principal_for(self, token: str) -> Principal | None:
        record = self._record_for(token)
        return None if record is None else self.principal_by_id(record.id)

    def _record_for(self, token: str) -> TokenRecord | None:
        """The stored token whose secret `token` carries, valid or not."""
        match = _TOKEN_SHAPE.match(token)
        if not match:
            return None
        record = self.tenants.token_by_public_id(match.group(1))
        if record is None or not hmac.compare_digest(record.secret_hash, _hash(match.group(2))):
            return None
        return record

    @staticmethod
    def require_admin(principal: Principal) -> None:
        if Permission.ADMIN.value not in principal.permissions:
            raise ForbiddenError(
                f"this token lacks the permission {Permission.ADMIN.value!r}", code="permission_denied"
            )

    def principal_by_id(self, token_id: int) -> Principal | None:
        """The token's principal if it is still valid (not revoked, not expired)."""
        record = self.tenants.token_by_id(token_id)
        if record is None or record.revoked_time is not None:
            return None
        if record.expires_time is not None and record.expires_time <= utc_now():
            return None
        return Principal(
            record.id,
            record.user_id,
            record.account_id,
            record.default_site_id,
            record.site_ids,
            record.permissions,
        )

    def site_for(self, principal: Principal, site_id: int | None, permission: Permission) -> Site:
        """The site a request acts on: the token's default or `?site_id=`, if the token allows it."""
        if permission.value not in principal.permissions:
            raise ForbiddenError(
                f"this token lacks the permission {permission.value!r}", code="permission_denied"
            )
        wanted = principal.default_site_id if site_id is None else site_id
        if wanted not in principal.site_ids:
            raise ForbiddenError(
                f"this token may not act on site {wanted}", field="site_id", code="site_forbidden"
            )
        site = self.tenants.site(wanted)
        if site is None or site.account_id != principal.account_id:
            raise ForbiddenError(
                f"this token may not act on site {wanted}", field="site_id", code="site_forbidden"
            )
        return site
