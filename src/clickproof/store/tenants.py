"""All SQL about accounts, sites, users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, insert, literal, literal_column, select, update

from clickproof.store.tables import accounts, api_tokens, sites, users


@dataclass(frozen=True)
class Site:
    id: int
    account_id: int
    name: str
    access_id: str
    max_export_days: int
    allowed_origins: tuple[str, ...] | None = None  # Activity API callers (CORS); None: any
    retention_days: int = 30  # a successful export's files are deleted this long after it (docs/jobs.md)


@dataclass(frozen=True)
class TokenRecord:
    id: int
    public_id: str
    secret_hash: str
    user_id: int
    account_id: int
    default_site_id: int
    site_ids: tuple[int, ...]
    permissions: frozenset[str]
    expires_time: datetime | None
    revoked_time: datetime | None


def site_from_row(row: Any) -> Site:
    origins = row.allowed_origins
    return Site(
        row.id,
        row.account_id,
        row.name,
        row.access_id,
        row.max_export_days,
        None if origins is None else tuple(str(o) for o in origins),
        int(row.retention_days),
    )


class TenantStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_account(self, conn: Connection, name: str, now: datetime) -> int:
        return int(
            conn.execute(
                insert(accounts).returning(accounts.c.id).values(name=name, created_time=now)
            ).scalar_one()
        )

    def account_exists(self, conn: Connection, account_id: int) -> bool:
        return conn.execute(select(accounts.c.id).where(accounts.c.id == account_id)).first() is not None

    def account_row(self, account_id: int) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(select(accounts).where(accounts.c.id == account_id)).first()

    def create_site(
        self,
        conn: Connection,
        *,
        account_id: int,
        name: str,
        access_id: str,
        max_export_days: int,
        now: datetime,
        allowed_origins: tuple[str, ...] | None = None,
    ) -> int:
        result = conn.execute(
            insert(sites)
            .returning(sites.c.id)
            .values(
                account_id=account_id,
                name=name,
                access_id=access_id,
                max_export_days=max_export_days,
                allowed_origins=None if allowed_origins is None else list(allowed_origins),
                created_time=now,
            )
        )
        return int(result.scalar_one())

    def create_user(self, conn: Connection, *, account_id: int, email: str, name: str, now: datetime) -> int:
        result = conn.execute(
            insert(users)
            .returning(users.c.id)
            .values(account_id=account_id, email=email, name=name, created_time=now)
        )
        return int(result.scalar_one())

    def find_user(self, conn: Connection, account_id: int, email: str) -> int | None:
        row = conn.execute(
            select(users.c.id).where(users.c.account_id == account_id, users.c.email == email)
        ).first()
        return None if row is None else int(row.id)

    def user_email(self, user_id: int) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(select(users.c.email).where(users.c.id == user_id)).scalar_one())

    def set_allowed_origins(self, site_id: int, origins: tuple[str, ...] | None) -> None:
        """The origins whose pages may call the site's Activity API; None: any origin."""
        with self.engine.begin() as conn:
            conn.execute(
                update(sites)
                .where(sites.c.id == site_id)
                .values(allowed_origins=None if origins is None else list(origins))
            )

    def set_retention_days(self, site_id: int, days: int) -> None:
        """How long a successful export's files are kept (a legal hold keeps them longer)."""
        with self.engine.begin() as conn:
            conn.execute(update(sites).where(sites.c.id == site_id).values(retention_days=days))

    def site(self, site_id: int) -> Site | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sites).where(sites.c.id == site_id)).first()
            return None if row is None else site_from_row(row)

    def site_by_access_id(self, conn: Connection, access_id: str) -> Site | None:
        row = conn.execute(select(sites).where(sites.c.access_id == access_id)).first()
        return None if row is None else site_from_row(row)

    def account_sites(self, account_id: int) -> list[Site]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sites).where(sites.c.account_id == account_id).order_by(sites.c.id)
            ).all()
            return [site_from_row(r) for r in rows]

    def create_token(
        self,
        conn: Connection,
        *,
        public_id: str,
        secret_hash: str,
        user_id: int,
        account_id: int,
        default_site_id: int,
        site_ids: list[int],
        permissions: list[str],
        label: str,
        now: datetime,
        expires_time: datetime | None,
    ) -> int:
        result = conn.execute(
            insert(api_tokens)
            .returning(api_tokens.c.id)
            .values(
                public_id=public_id,
                secret_hash=secret_hash,
                user_id=user_id,
                account_id=account_id,
                default_site_id=default_site_id,
                site_ids=site_ids,
                permissions=permissions,
                label=label,
                created_time=now,
                expires_time=expires_time,
            )
        )
        return int(result.scalar_one())

    def token_by_public_id(self, public_id: str) -> TokenRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.public_id == public_id)).first()
        return None if row is None else self._token(row)

    def token_by_id(self, token_id: int) -> TokenRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return None if row is None else self._token(row)

    def revoke_token(self, public_id: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.public_id == public_id, api_tokens.c.revoked_time.is_(None))
                .values(revoked_time=now)
            )
            return result.rowcount == 1

    @staticmethod
    def _token(row: Any) -> TokenRecord:
        return TokenRecord(
            id=row.id,
            public_id=row.public_id,
            secret_hash=row.secret_hash,
            user_id=row.user_id,
            account_id=row.account_id,
            default_site_id=row.default_site_id,
            site_ids=tuple(int(s) for s in row.site_ids),
            permissions=frozenset(row.permissions),
            expires_time=row.expires_time,
            revoked_time=row.revoked_time,
        )

    def set_max_export_days(self, site_id: int, days: int) -> None:
        """The longest window one export of the site may cover."""
        with self.engine.begin() as conn:
            conn.execute(update(sites).where(sites.c.id == site_id).values(max_export_days=days))

    def site_tokens(self, account_id: int, site_id: int, *, limit: int, offset: int) -> list[TokenListing]:
        """The account's tokens that may act on the site, newest first, one page."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(api_tokens, users.c.email)
                .join(users, users.c.id == api_tokens.c.user_id)
                .where(api_tokens.c.account_id == account_id, _token_has_site(conn, site_id))
                .order_by(api_tokens.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [
            TokenListing(
                public_id=row.public_id,
                label=row.label,
                email=row.email,
                site_ids=tuple(int(s) for s in row.site_ids),
                permissions=tuple(sorted(row.permissions)),
                created_time=row.created_time,
                expires_time=row.expires_time,
                revoked_time=row.revoked_time,
            )
            for row in rows
        ]


@dataclass(frozen=True)
class TokenListing:
    """A token as its site's administrators see it: everything but its secret's hash."""

    public_id: str
    label: str
    email: str  # the user the token acts as
    site_ids: tuple[int, ...]
    permissions: tuple[str, ...]
    created_time: datetime
    expires_time: datetime | None
    revoked_time: datetime | None


def _token_has_site(conn: Connection, site_id: int) -> Any:
    """`site_id` is one of the token's sites (a JSON array: jsonb containment, or json_each)."""
    if conn.dialect.name == "postgresql":
        return api_tokens.c.site_ids.op("@>")(func.to_jsonb(literal(site_id)))
    members = func.json_each(api_tokens.c.site_ids).table_valued("value")
    return exists(select(literal_column("1")).select_from(members).where(members.c.value == site_id))
