"""Console users' passwords, site roles and server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, select, update

from clickproof.store.tables import console_sessions, sites, user_site_roles, users


@dataclass(frozen=True)
class ConsoleUserRow:
    id: int
    account_id: int
    email: str
    name: str
    password_hash: str | None


@dataclass(frozen=True)
class SessionRow:
    id_hash: str
    user_id: int
    csrf_token: str
    created_time: datetime
    last_seen_time: datetime


class ConsoleUserStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def users_by_email(self, email: str) -> list[ConsoleUserRow]:
        """Every account's user with this e-mail (an address may belong to several accounts)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).where(users.c.email == email).order_by(users.c.id)).all()
        return [_user(row) for row in rows]

    def user(self, user_id: int) -> ConsoleUserRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return None if row is None else _user(row)

    def account_users(self, account_id: int) -> list[ConsoleUserRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(users).where(users.c.account_id == account_id).order_by(users.c.email)
            ).all()
        return [_user(row) for row in rows]

    def set_password_hash(self, user_id: int, password_hash: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def roles(self, user_id: int) -> dict[int, str]:
        """site id -> role"""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(user_site_roles.c.site_id, user_site_roles.c.role).where(
                    user_site_roles.c.user_id == user_id
                )
            ).all()
        return {int(r.site_id): str(r.role) for r in rows}

    def site_roles(self, site_id: int) -> dict[int, str]:
        """user id -> role on one site"""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(user_site_roles.c.user_id, user_site_roles.c.role).where(
                    user_site_roles.c.site_id == site_id
                )
            ).all()
        return {int(r.user_id): str(r.role) for r in rows}

    def set_role(self, user_id: int, site_id: int, role: str | None) -> None:
        """Give the user `role` on the site; None takes every role on it away."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(user_site_roles).where(
                    user_site_roles.c.user_id == user_id, user_site_roles.c.site_id == site_id
                )
            )
            if role is not None:
                conn.execute(user_site_roles.insert().values(user_id=user_id, site_id=site_id, role=role))

    def site_users(self, site_id: int, *, limit: int, offset: int) -> list[tuple[ConsoleUserRow, str]]:
        """The users with a role on the site and that role, by e-mail, one page."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(users, user_site_roles.c.role)
                .join(user_site_roles, user_site_roles.c.user_id == users.c.id)
                .where(user_site_roles.c.site_id == site_id)
                .order_by(users.c.email, users.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [(_user(row), str(row.role)) for row in rows]

    def set_role_keeping_an_admin(self, user_id: int, site_id: int, role: str | None, admin: str) -> bool:
        """Like set_role, unless the site would be left without a user of role `admin`: then
        nothing changes and the answer is False. Role changes of one site are serialized (the
        site's row is locked on PostgreSQL; SQLite has one writer), so two admins demoting each
        other at once cannot both succeed."""
        try:
            with self.engine.begin() as conn:
                self._set_role_locked(conn, user_id, site_id, role, admin)
        except _NoAdminLeft:
            return False
        return True

    @staticmethod
    def _set_role_locked(conn: Connection, user_id: int, site_id: int, role: str | None, admin: str) -> None:
        conn.execute(select(sites.c.id).where(sites.c.id == site_id).with_for_update())
        conn.execute(
            delete(user_site_roles).where(
                user_site_roles.c.user_id == user_id, user_site_roles.c.site_id == site_id
            )
        )
        if role is not None:
            conn.execute(user_site_roles.insert().values(user_id=user_id, site_id=site_id, role=role))
        admins = conn.execute(
            select(func.count())
            .select_from(user_site_roles)
            .where(user_site_roles.c.site_id == site_id, user_site_roles.c.role == admin)
        ).scalar_one()
        if admins == 0:
            raise _NoAdminLeft

    def create_session(self, id_hash: str, user_id: int, csrf_token: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                console_sessions.insert().values(
                    id_hash=id_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_time=now,
                    last_seen_time=now,
                )
            )

    def session(self, id_hash: str) -> SessionRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(console_sessions).where(console_sessions.c.id_hash == id_hash)).first()
        if row is None:
            return None
        return SessionRow(row.id_hash, int(row.user_id), row.csrf_token, row.created_time, row.last_seen_time)

    def touch_session(self, id_hash: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(console_sessions)
                .where(console_sessions.c.id_hash == id_hash)
                .values(last_seen_time=now)
            )

    def delete_session(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.id_hash == id_hash))

    def delete_user_sessions(self, user_id: int) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                delete(console_sessions).where(console_sessions.c.user_id == user_id)
            ).rowcount

    def delete_other_sessions(self, user_id: int, keep_id_hash: str) -> int:
        """End every session of the user but one (the one changing the password)."""
        with self.engine.begin() as conn:
            return conn.execute(
                delete(console_sessions).where(
                    console_sessions.c.user_id == user_id, console_sessions.c.id_hash != keep_id_hash
                )
            ).rowcount

    def delete_sessions_before(self, idle_before: datetime, created_before: datetime) -> int:
        """Forget sessions past their idle or absolute timeout."""
        with self.engine.begin() as conn:
            return conn.execute(
                delete(console_sessions).where(
                    (console_sessions.c.last_seen_time < idle_before)
                    | (console_sessions.c.created_time < created_before)
                )
            ).rowcount


class _NoAdminLeft(Exception):
    """The change would leave the site without an admin (its transaction rolls back)."""


def _user(row: object) -> ConsoleUserRow:
    return ConsoleUserRow(
        int(row.id),  # type: ignore[attr-defined]
        int(row.account_id),  # type: ignore[attr-defined]
        str(row.email),  # type: ignore[attr-defined]
        str(row.name),  # type: ignore[attr-defined]
        row.password_hash,  # type: ignore[attr-defined]
    )
