"""Sign-in for people: console users with Argon2id passwords, a role per site, server-side
sessions with an idle and an absolute timeout, throttled sign-in attempts.

A signed-in user acts on a site through a `Principal` made from their role there
(domain/console_roles.py), so every console page goes through the same services and tenancy
checks as the API.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from clickproof.domain.console_roles import PERMISSIONS, Role, at_least, parse_role
from clickproof.domain.rate_limits import RateLimit
from clickproof.domain.timestamps import utc_now
from clickproof.errors import NotFoundError, UnauthenticatedError, ValidationError
from clickproof.services.rate_limiter import RateLimiter
from clickproof.services.tokens import Principal
from clickproof.store.console_users import ConsoleUserRow, ConsoleUserStore, SessionRow
from clickproof.store.tenants import Site, TenantStore

log = logging.getLogger("clickproof.console")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most this often per session
FORGET_EVERY = timedelta(minutes=10)  # expired sessions' rows are deleted at most this often


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta
    login_attempts: RateLimit  # per e-mail address
    login_attempts_per_address: RateLimit


@dataclass(frozen=True)
class ConsoleSession:
    user: ConsoleUserRow
    id_hash: str
    csrf_token: str
    roles: dict[int, Role]  # site id -> role

    def role_on(self, site_id: int) -> Role | None:
        return self.roles.get(site_id)


@dataclass(frozen=True)
class SiteAccess:
    """What a signed-in user may do on one site."""

    site: Site
    role: Role
    principal: Principal

    def allows(self, needed: Role) -> bool:
        return at_least(self.role, needed)


def session_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ConsoleAuth:
    def __init__(
        self,
        engine: Engine,
        tenants: TenantStore,
        store: ConsoleUserStore,
        limiter: RateLimiter,
        policy: SessionPolicy,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = engine
        self.tenants = tenants
        self.store = store
        self.limiter = limiter
        self.policy = policy
        self.hasher = hasher or PasswordHasher()  # Argon2id, RFC 9106's low-memory profile
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self._last_forget: datetime | None = None

    # -- users -------------------------------------------------------------------------------

    def create_user(
        self, *, account_id: int, email: str, name: str, password: str, roles: dict[int, Role]
    ) -> ConsoleUserRow:
        """A console user of the account with a role on some of its sites (an existing user of
        the account with that e-mail, e.g. one that only had API tokens, gets the password)."""
        email = parse_email(email)
        _check_password(password)
        owned = {s.id for s in self.tenants.account_sites(account_id)}
        if not owned:
            raise NotFoundError(f"no account {account_id}", field="account", code="unknown_account")
        for site_id in roles:
            if site_id not in owned:
                raise ValidationError(
                    f"site {site_id} is not a site of account {account_id}", field="site", code="unknown_site"
                )
        with self.engine.begin() as conn:
            user_id = self.tenants.find_user(conn, account_id, email)
            if user_id is None:
                user_id = self.tenants.create_user(
                    conn, account_id=account_id, email=email, name=name or email, now=utc_now()
                )
        self.store.set_password_hash(user_id, self.hasher.hash(password))
        for site_id, role in roles.items():
            self.store.set_role(user_id, site_id, role.value)
        user = self.store.user(user_id)
        assert user is not None
        log.info("console.user_created user=%d account=%d", user_id, account_id)
        return user

    def set_password(self, user_id: int, password: str) -> None:
        _check_password(password)
        self.store.set_password_hash(user_id, self.hasher.hash(password))
        self.store.delete_user_sessions(user_id)

    def change_password(self, session: ConsoleSession, current: str, new: str) -> int:
        """The signed-in user's new password, given the current one; every other session of the
        user ends (this one stays). Attempts count like sign-ins, so a left-open session cannot
        be used to guess the password. Answers how many sessions ended."""
        self.limiter.check(self.policy.login_attempts, session.user.email)
        user = self.store.user(session.user.id)
        if user is None or not self._verify(user.password_hash or "", current[:MAX_PASSWORD_LENGTH]):
            raise ValidationError(
                "the current password is not right", field="current_password", code="wrong_password"
            )
        _check_password(new)
        self.store.set_password_hash(user.id, self.hasher.hash(new))
        ended = self.store.delete_other_sessions(user.id, session.id_hash)
        log.info("console.password_changed user=%d sessions_ended=%d", user.id, ended)
        return ended

    def set_role(self, account_id: int, user_id: int, site_id: int, role: str | None) -> None:
        user = self.store.user(user_id)
        site = self.tenants.site(site_id)
        if user is None or user.account_id != account_id or site is None or site.account_id != account_id:
            raise NotFoundError("no such user", field="user", code="unknown_user")
        self.store.set_role(user_id, site_id, None if role is None else parse_role(role).value)

    # -- sessions ----------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, address: str | None) -> tuple[str, ConsoleSession]:
        """A new session for the user with this e-mail and password: (cookie secret, session).
        Wrong e-mail and wrong password answer alike, in the same time."""
        email = email.strip().lower()
        self.limiter.check(self.policy.login_attempts, email or "-")
        if address:
            self.limiter.check(self.policy.login_attempts_per_address, address)
        candidates = [u for u in self.store.users_by_email(email) if u.password_hash] if email else []
        if len(password) > MAX_PASSWORD_LENGTH:
            candidates = []
        matched: ConsoleUserRow | None = None
        for user in candidates:
            if self._verify(user.password_hash or "", password):
                matched = user
                break
        if not candidates:
            self._verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])
        if matched is None:
            log.info("console.sign_in_refused")
            raise UnauthenticatedError(
                "wrong e-mail address or password", field="email", code="sign_in_failed"
            )
        secret = secrets.token_urlsafe(32)
        id_hash = session_hash(secret)
        csrf = secrets.token_urlsafe(32)
        self.store.create_session(id_hash, matched.id, csrf, utc_now())
        log.info("console.signed_in user=%d", matched.id)
        return secret, self._session(matched, id_hash, csrf)

    def session_for(self, secret: str | None, now: datetime | None = None) -> ConsoleSession | None:
        """The live session the cookie names, or None (unknown, expired or its user gone)."""
        if not secret or len(secret) > 128:
            return None
        id_hash = session_hash(secret)
        row = self.store.session(id_hash)
        if row is None:
            return None
        now = now or utc_now()
        if self.expired(row, now):
            self.store.delete_session(id_hash)
            return None
        user = self.store.user(row.user_id)
        if user is None or user.password_hash is None:
            return None
        if now - row.last_seen_time >= TOUCH_EVERY:
            self.store.touch_session(id_hash, now)
        return self._session(user, id_hash, row.csrf_token)

    def expired(self, row: SessionRow, now: datetime) -> bool:
        return now - row.last_seen_time > self.policy.idle or now - row.created_time > self.policy.absolute

    def sign_out(self, session: ConsoleSession) -> None:
        self.store.delete_session(session.id_hash)
        log.info("console.signed_out user=%d", session.user.id)

    def sign_out_everywhere(self, session: ConsoleSession) -> int:
        ended = self.store.delete_user_sessions(session.user.id)
        log.info("console.signed_out_everywhere user=%d sessions=%d", session.user.id, ended)
        return ended

    def forget_expired(self, now: datetime | None = None) -> int:
        """Delete the rows of sessions past a timeout (they are refused anyway)."""
        now = now or utc_now()
        self._last_forget = now
        return self.store.delete_sessions_before(now - self.policy.idle, now - self.policy.absolute)

    def periodic_forget(self, now: datetime) -> int:
        """The sweeper's task: forget expired sessions, at most every FORGET_EVERY."""
        if self._last_forget is not None and now - self._last_forget < FORGET_EVERY:
            return 0
        return self.forget_expired(now)

    # -- sites -------------------------------------------------------------------------------

    def sites(self, session: ConsoleSession) -> list[tuple[Site, Role]]:
        """The sites the user has a role on, in id order."""
        owned = self.tenants.account_sites(session.user.account_id)
        return [(s, session.roles[s.id]) for s in owned if s.id in session.roles]

    def access(self, session: ConsoleSession, site_id: int) -> SiteAccess:
        """The user's access to a site; NotFoundError for a site of another account or without
        a role, exactly like a site that does not exist."""
        role = session.role_on(site_id)
        site = self.tenants.site(site_id) if role is not None else None
        if role is None or site is None or site.account_id != session.user.account_id:
            raise NotFoundError("no such site", field="site_id", code="not_found")
        principal = Principal(
            token_id=None,
            user_id=session.user.id,
            account_id=session.user.account_id,
            default_site_id=site.id,
            site_ids=(site.id,),
            permissions=PERMISSIONS[role],
        )
        return SiteAccess(site, role, principal)

    def _session(self, user: ConsoleUserRow, id_hash: str, csrf: str) -> ConsoleSession:
        roles = {site_id: Role(role) for site_id, role in self.store.roles(user.id).items()}
        return ConsoleSession(user, id_hash, csrf, roles)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def parse_email(value: str) -> str:
    email = value.strip().lower()
    if not email or "@" not in email or len(email) > 320 or any(c.isspace() or ord(c) < 32 for c in email):
        raise ValidationError(f"{value!r} is not an e-mail address", field="email", code="invalid_email")
    return email


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            field="password",
            code="weak_password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"a password has at most {MAX_PASSWORD_LENGTH} characters",
            field="password",
            code="invalid_password",
        )
