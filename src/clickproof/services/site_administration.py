"""A site's administration as its console admins do it: API tokens, users and their roles, the
site's settings and evidence key. Every case goes through the services the API and CLI use
(TenancyService for tokens, ConsoleAuth for users, EvidenceKeys for keys) and validates input
with the API's rules and messages (domain/admin_request.py)."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from clickproof.domain.admin_request import allowed_origins, max_export_days, parse_token
from clickproof.domain.console_roles import Role, parse_role
from clickproof.domain.timestamps import utc_now
from clickproof.errors import ForbiddenError, NotFoundError, ValidationError
from clickproof.services.console_auth import ConsoleAuth, parse_email
from clickproof.services.evidence_keys import EvidenceKeys
from clickproof.services.tenancy import IssuedToken, TenancyService
from clickproof.services.tokens import ALL_PERMISSIONS
from clickproof.store.console_users import ConsoleUserRow
from clickproof.store.tenants import Site, TenantStore, TokenListing, TokenRecord

log = logging.getLogger("clickproof.console")

PAGE_SIZE = 50
_PUBLIC_ID = re.compile(r"^[0-9a-f]{16}$")
_WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]{1,12}$")


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # 1-based
    has_next: bool


@dataclass(frozen=True)
class AddedUser:
    user: ConsoleUserRow
    role: Role
    password: str | None  # generated: shown once. None: the user could sign in already


@dataclass(frozen=True)
class TokenRequest:
    """The token form as sent: every value still text."""

    site_ids: list[str]
    permissions: list[str]
    label: str
    expires: str


def new_password() -> str:
    """A random password for a new console user (16 characters of base64url)."""
    return secrets.token_urlsafe(12)


def whole_number(value: str) -> int | str:
    """A form's number as an int, or the text itself (for the validator to name the problem)."""
    text = value.strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else text


class SiteAdministration:
    def __init__(
        self, tenancy: TenancyService, tenants: TenantStore, console: ConsoleAuth, keys: EvidenceKeys
    ) -> None:
        self.tenancy = tenancy
        self.tenants = tenants
        self.console = console
        self.keys = keys

    # -- API tokens --------------------------------------------------------------------------

    def tokens(self, site: Site, page: int) -> Page[TokenListing]:
        rows = self.tenants.site_tokens(
            site.account_id, site.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        return Page(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)

    def create_token(
        self, site: Site, user: ConsoleUserRow, admin_of: Collection[int], request: TokenRequest
    ) -> IssuedToken:
        """A token acting as `user` for this site (its default) and any other of the account's
        sites the user is an admin of, with tenant permissions only (never the installation's
        `admin`)."""
        if not request.permissions:
            raise ValidationError("choose at least one permission", field="permissions", code="missing_field")
        others = [whole_number(s) for s in request.site_ids]
        for index, other in enumerate(others):
            if not isinstance(other, int):
                raise ValidationError(
                    f"{other[:40]!r} is not a site id", field=f"sites[{index}]", code="invalid_type"
                )
            if other != site.id and other not in admin_of:
                raise ForbiddenError(
                    f"you are not an admin of site {other}", field=f"sites[{index}]", code="site_forbidden"
                )
        body: dict[str, Any] = {
            "account": site.account_id,
            "sites": [site.id, *(o for o in others if o != site.id)],
            "email": user.email,
            "permissions": list(request.permissions),
            "label": request.label.strip() or None,
        }
        if request.expires.strip():
            body["expires"] = request.expires.strip()
        data = parse_token(body, ALL_PERMISSIONS, utc_now())
        issued = self.tenancy.create_token(data)
        log.info("console.token_created site=%d token=%s user=%d", site.id, issued.public_id, user.id)
        return issued

    def token(self, site: Site, public_id: str) -> TokenRecord:
        """One of the site's tokens; another site's or account's is not found, like a missing one."""
        record = self.tenants.token_by_public_id(public_id) if _PUBLIC_ID.fullmatch(public_id) else None
        if record is None or record.account_id != site.account_id or site.id not in record.site_ids:
            raise NotFoundError("no such token", field="token", code="not_found")
        return record

    def revoke_token(self, site: Site, public_id: str) -> TokenRecord:
        record = self.token(site, public_id)
        if record.revoked_time is not None or not self.tenants.revoke_token(public_id, utc_now()):
            raise ValidationError("this token is revoked already", field="token", code="already_revoked")
        log.info("console.token_revoked site=%d token=%s", site.id, public_id)
        return record

    # -- users and roles ---------------------------------------------------------------------

    def users(self, site: Site, page: int) -> Page[tuple[ConsoleUserRow, Role]]:
        rows = self.console.store.site_users(site.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        items = [(user, Role(role)) for user, role in rows[:PAGE_SIZE]]
        return Page(items, page, len(rows) > PAGE_SIZE)

    def add_user(self, site: Site, email: str, name: str, role_text: str) -> AddedUser:
        """Give a person a role on the site. A new user (or one of the account who only had API
        tokens) gets a generated password, shown once; one who can sign in already keeps theirs."""
        role = parse_role(role_text)
        address = parse_email(email)
        if len(name) > 200:
            raise ValidationError(
                "name must be text of at most 200 characters", field="name", code="invalid_type"
            )
        existing = next(
            (u for u in self.console.store.users_by_email(address) if u.account_id == site.account_id), None
        )
        if existing is not None and existing.password_hash is not None:
            if site.id in self.console.store.roles(existing.id):
                raise ValidationError(
                    f"{address} has a role on this site already: change it in the list",
                    field="email",
                    code="user_exists",
                )
            self.console.set_role(site.account_id, existing.id, site.id, role.value)
            log.info("console.role_given site=%d user=%d", site.id, existing.id)
            return AddedUser(existing, role, None)
        password = new_password()
        user = self.console.create_user(
            account_id=site.account_id,
            email=address,
            name=name.strip(),
            password=password,
            roles={site.id: role},
        )
        return AddedUser(user, role, password)

    def site_user(self, site: Site, user_id: int) -> tuple[ConsoleUserRow, Role]:
        """A user with a role on this site; anyone else is not found."""
        user = self.console.store.user(user_id)
        role = None if user is None else self.console.store.roles(user.id).get(site.id)
        if user is None or role is None or user.account_id != site.account_id:
            raise NotFoundError("no such user", field="user", code="not_found")
        return user, Role(role)

    def set_role(self, site: Site, acting: ConsoleUserRow, user_id: int, role_text: str | None) -> None:
        """Change (or, with None, take away) a user's role on the site; the site keeps an admin."""
        role = None if role_text is None else parse_role(role_text)
        user, _ = self.site_user(site, user_id)
        kept = self.console.store.set_role_keeping_an_admin(
            user.id, site.id, None if role is None else role.value, Role.ADMIN.value
        )
        if not kept:
            who = "you are" if user.id == acting.id else f"{user.email} is"
            raise ValidationError(
                f"{who} this site's only admin: give another user the admin role first",
                field="role",
                code="last_admin",
            )
        log.info("console.role_set site=%d user=%d role=%s", site.id, user.id, role or "none")

    # -- settings and the evidence key -------------------------------------------------------

    def set_max_export_days(self, site: Site, value: str) -> int:
        days = max_export_days(whole_number(value))
        self.tenants.set_max_export_days(site.id, days)
        log.info("console.site_settings site=%d max_export_days=%d", site.id, days)
        return days

    def set_allowed_origins(self, site: Site, lines: str) -> tuple[str, ...] | None:
        """One origin per line; none: pages of any origin may call."""
        given = [line.strip() for line in lines.splitlines() if line.strip()]
        origins = allowed_origins(given or None)
        self.tenants.set_allowed_origins(site.id, origins)
        log.info(
            "console.site_settings site=%d origins=%s", site.id, "any" if origins is None else len(origins)
        )
        return origins

    def published_keys(self, site: Site) -> dict[str, Any]:
        """The site's published keys document, as GET /v1.1/evidence-keys/{access_id} serves it
        (the current key is made on first use, as the API does)."""
        return self.keys.published_document(site)

    def rotate_key(self, site: Site) -> str:
        key = self.keys.rotate(site.id)
        log.info("console.key_rotated site=%d key=%s", site.id, key.key_id)
        return key.key_id
