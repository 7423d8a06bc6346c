"""Administration of tenants: accounts, their sites and their API tokens (the CLI's `account
create`, `site create`, `token create` and the /v1.1/admin routes use the same cases)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from clickproof.domain.admin_request import SiteInput, TokenInput
from clickproof.domain.timestamps import utc_now
from clickproof.errors import NotFoundError, ValidationError
from clickproof.services.tokens import ALL_PERMISSIONS, issue_token
from clickproof.store.tenants import Site, TenantStore


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; stored only as a hash
    public_id: str
    account_id: int
    site_ids: tuple[int, ...]
    permissions: tuple[str, ...]
    label: str
    expires_time: datetime | None


def new_access_id() -> str:
    """A site's public access id: what its web pages send as `sid` (public, but not guessable,
    so a site's id cannot be found by counting)."""
    return secrets.token_hex(16)


class TenancyService:
    def __init__(self, engine: Engine, tenants: TenantStore) -> None:
        self.engine = engine
        self.tenants = tenants

    def create_account(self, name: str) -> Any:
        with self.engine.begin() as conn:
            account_id = self.tenants.create_account(conn, name, utc_now())
        return self.tenants.account_row(account_id)

    def create_site(self, data: SiteInput) -> Site:
        with self.engine.begin() as conn:
            if not self.tenants.account_exists(conn, data.account_id):
                raise NotFoundError(f"no account {data.account_id}", field="account", code="unknown_account")
            site_id = self.tenants.create_site(
                conn,
                account_id=data.account_id,
                name=data.name,
                access_id=new_access_id(),
                max_export_days=data.max_export_days,
                allowed_origins=data.allowed_origins,
                now=utc_now(),
            )
        site = self.tenants.site(site_id)
        assert site is not None
        return site

    def create_token(self, data: TokenInput) -> IssuedToken:
        """A token of a user of the account (created on first sight) for some of its sites."""
        permissions = data.permissions or ALL_PERMISSIONS
        with self.engine.begin() as conn:
            if not self.tenants.account_exists(conn, data.account_id):
                raise NotFoundError(f"no account {data.account_id}", field="account", code="unknown_account")
            owned = {s.id for s in self.tenants.account_sites(data.account_id)}
            foreign = [s for s in data.site_ids if s not in owned]
            if foreign:
                raise ValidationError(
                    f"site {foreign[0]} is not a site of account {data.account_id}",
                    field="sites",
                    code="unknown_site",
                )
            now = utc_now()
            user_id = self.tenants.find_user(conn, data.account_id, data.email)
            if user_id is None:
                user_id = self.tenants.create_user(
                    conn, account_id=data.account_id, email=data.email, name=data.email, now=now
                )
            token = issue_token(
                self.tenants,
                conn,
                user_id=user_id,
                account_id=data.account_id,
                default_site_id=data.site_ids[0],
                site_ids=list(data.site_ids),
                permissions=list(permissions),
                label=data.label,
                expires_time=data.expires_time,
            )
        return IssuedToken(
            token,
            token.split("_")[1],
            data.account_id,
            tuple(sorted(set(data.site_ids))),
            tuple(sorted(set(permissions))),
            data.label,
            data.expires_time,
        )
