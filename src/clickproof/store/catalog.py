"""All SQL about a site's contracts, versions, groups and signers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.store.tables import contracts, groups, signers, sites, versions

PUBLISHED = "published"


@dataclass(frozen=True)
class SignerWrite:
    site_id: int
    signer_id: str
    properties: dict[str, Any]
    now: datetime
    update_existing: bool


@cache
def _signer_upsert(dialect: str) -> Any:
    """One statement (built once, so compiled once) that creates new signers and returns every
    signer's record as it stands; the conflicting update changes nothing but locks the row
    (PostgreSQL) until the transaction ends."""
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        dialect_insert(signers)
        .on_conflict_do_update(
            index_elements=[signers.c.site_id, signers.c.signer_id],
            set_={"properties": signers.c.properties},
        )
        .returning(signers.c.site_id, signers.c.signer_id, signers.c.properties, sort_by_parameter_order=True)
    )


class CatalogStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- reads used by the Activity API (inside the caller's connection) ---------------------

    def contracts_by_id(self, conn: Connection, site_id: int, ids: Sequence[int]) -> dict[int, Any]:
        if not ids:
            return {}
        rows = conn.execute(
            select(contracts).where(contracts.c.site_id == site_id, contracts.c.id.in_(list(ids)))
        )
        return {int(r.id): r for r in rows}

    def ensure_signers(self, conn: Connection, writes: Sequence[SignerWrite]) -> list[dict[str, Any]]:
        """Create signers on first sight (one statement for all); change the properties of
        existing ones only for `updated` events. Returns, for each write in order, the signer
        record as it stands after that write: what the activities of that send record.

        The signers are read by the insert itself (on PostgreSQL locked, in key order, until the
        transaction ends), so the records returned are those the commit leaves."""
        if not writes:
            return []
        first: dict[tuple[int, str], SignerWrite] = {}
        for w in writes:
            first.setdefault((w.site_id, w.signer_id), w)
        keys = sorted(first)
        values = [
            {
                "site_id": site_id,
                "signer_id": signer_id,
                "properties": first[site_id, signer_id].properties,
                "created_time": first[site_id, signer_id].now,
            }
            for site_id, signer_id in keys
        ]
        current: dict[tuple[int, str], dict[str, Any]] = {
            (int(site_id), str(signer_id)): dict(properties)
            for site_id, signer_id, properties in conn.execute(_signer_upsert(conn.dialect.name), values)
        }
        changed: set[tuple[int, str]] = set()
        records: list[dict[str, Any]] = []
        for w in writes:
            key = (w.site_id, w.signer_id)
            if w.update_existing and w.properties:
                merged = {**current[key], **w.properties}
                if merged != current[key]:
                    current[key] = merged
                    changed.add(key)
            records.append(current[key])
        for site_id, signer_id in sorted(changed):
            where = (signers.c.site_id == site_id) & (signers.c.signer_id == signer_id)
            conn.execute(update(signers).where(where).values(properties=current[site_id, signer_id]))
        return records

    def snapshot(self, access_id: str) -> tuple[Any, list[int], list[Any], list[Any]] | None:
        """(site row, contract ids, version rows oldest first, group rows) of a site, or None."""
        with self.engine.connect() as conn:
            site = conn.execute(select(sites).where(sites.c.access_id == access_id)).first()
            if site is None:
                return None
            contract_ids = [
                int(c)
                for c in conn.execute(select(contracts.c.id).where(contracts.c.site_id == site.id)).scalars()
            ]
            version_rows = conn.execute(
                select(versions.c.id, versions.c.contract_id, versions.c.version_number, versions.c.status)
                .where(versions.c.site_id == site.id)
                .order_by(versions.c.version_number, versions.c.minor_version_number)
            ).all()
            group_rows = conn.execute(select(groups).where(groups.c.site_id == site.id)).all()
        return site, contract_ids, list(version_rows), list(group_rows)

    def version_rows(self, site_id: int, contract_ids: Sequence[int]) -> list[Any]:
        """Versions of these contracts of the site, oldest first (id, contract_id, status)."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(versions.c.id, versions.c.contract_id, versions.c.status)
                    .where(versions.c.site_id == site_id, versions.c.contract_id.in_(list(contract_ids)))
                    .order_by(versions.c.version_number, versions.c.minor_version_number)
                )
            )

    def presented_versions(self, site_id: int, version_ids: Sequence[str]) -> dict[str, Any]:
        """version id → (id, contract_id, title, body, full_version_number, contract_title,
        contract_key) of the site's versions, for `/load`."""
        if not version_ids:
            return {}
        query = (
            select(
                versions.c.id,
                versions.c.contract_id,
                versions.c.title,
                versions.c.body,
                versions.c.full_version_number,
                contracts.c.title.label("contract_title"),
                contracts.c.key.label("contract_key"),
            )
            .join(
                contracts,
                (contracts.c.site_id == versions.c.site_id) & (contracts.c.id == versions.c.contract_id),
            )
            .where(versions.c.site_id == site_id, versions.c.id.in_(list(version_ids)))
        )
        with self.engine.connect() as conn:
            return {str(r.id): r for r in conn.execute(query)}

    def delete_signer(self, conn: Connection, site_id: int, signer_id: str) -> None:
        conn.execute(delete(signers).where(signers.c.site_id == site_id, signers.c.signer_id == signer_id))

    # --- REST: create and read ----------------------------------------------------------------

    def insert(self, conn: Connection, table: Table, values: dict[str, Any]) -> Any:
        return conn.execute(insert(table).returning(table.c.id).values(values)).scalar_one()

    def get(self, table: Table, site_id: int, object_id: object) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(table).where(table.c.site_id == site_id, table.c.id == object_id)
            ).first()

    def page(
        self, table: Table, site_id: int, *, offset: int, limit: int, where: Any = None
    ) -> tuple[list[Any], int]:
        condition = table.c.site_id == site_id
        if where is not None:
            condition = condition & where
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(table).where(condition)).scalar_one())
            rows = list(
                conn.execute(select(table).where(condition).order_by(table.c.id).offset(offset).limit(limit))
            )
        return rows, total

    def signer(self, site_id: int, signer_id: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(signers).where(signers.c.site_id == site_id, signers.c.signer_id == signer_id)
            ).first()

    def next_version_number(self, conn: Connection, site_id: int, contract_id: int) -> int:
        current = conn.execute(
            select(func.max(versions.c.version_number)).where(
                versions.c.site_id == site_id, versions.c.contract_id == contract_id
            )
        ).scalar_one()
        return int(current or 0) + 1

    @staticmethod
    def next_id(conn: Connection, table: Table, site_id: int) -> int:
        """The id after the site's highest in `table` (contract ids are numbered per site; two
        concurrent creations may pick the same one, and the loser tries again)."""
        current = conn.execute(select(func.max(table.c.id)).where(table.c.site_id == site_id)).scalar_one()
        return int(current or 0) + 1

    def exists(self, conn: Connection, table: Table, site_id: int, **values: object) -> bool:
        condition = table.c.site_id == site_id
        for name, value in values.items():
            condition = condition & (table.c[name] == value)
        return conn.execute(select(table.c.site_id).where(condition).limit(1)).first() is not None

    def publish(self, conn: Connection, site_id: int, version_id: str, now: datetime) -> None:
        conn.execute(
            update(versions)
            .where(versions.c.site_id == site_id, versions.c.id == version_id)
            .values(
                status=PUBLISHED,
                published_time=now,
                effective_time=func.coalesce(versions.c.effective_time, now),
            )
        )
