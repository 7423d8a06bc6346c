"""The console's reads that no API route makes: a signer's acceptances per version, signers by
e-mail address, an activity's neighbours in the chain, acceptances per version of a contract.
Every query is bounded and scoped to one site."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from clickproof.query.json_access import json_access_for
from clickproof.store.chain import read_head
from clickproof.store.tables import activities, signers, versions

AGREED = "agreed"
MAX_SIGNER_ACCEPTANCES = 5000


@dataclass(frozen=True)
class VersionAcceptance:
    """The signer's `agreed` activities of one version: how many, and the newest of them."""

    contract_id: int
    version_id: str
    version_number: int
    count: int
    latest: Any  # the newest agreed activity of this version (id, created_time, connection_data)


class ConsoleReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def signer_acceptances(self, site_id: int, signer_id: str) -> list[VersionAcceptance]:
        """Every version the signer agreed to, with its newest acceptance, newest first (from
        the signer's newest MAX_SIGNER_ACCEPTANCES acceptances)."""
        query = (
            select(
                activities.c.id,
                activities.c.contract_id,
                activities.c.version_id,
                activities.c.version_number,
                activities.c.created_time,
                activities.c.connection_data,
            )
            .where(
                activities.c.site_id == site_id,
                activities.c.signer_id == signer_id,
                activities.c.event_type == AGREED,
                activities.c.version_id.is_not(None),
            )
            .order_by(activities.c.created_time.desc(), activities.c.chain_seq.desc())
            .limit(MAX_SIGNER_ACCEPTANCES)
        )
        newest: dict[str, Any] = {}
        counts: Counter[str] = Counter()
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                newest.setdefault(str(row.version_id), row)
                counts[str(row.version_id)] += 1
        return [
            VersionAcceptance(
                int(row.contract_id), version_id, int(row.version_number or 0), counts[version_id], row
            )
            for version_id, row in newest.items()
        ]

    def signers_by_email(self, site_id: int, email: str, limit: int) -> list[Any]:
        """Signers of the site whose `email` property is `email` (case-insensitive), at most `limit`."""
        access = json_access_for(self.engine.dialect.name)
        stored = func.lower(access.text(signers.c.properties, "email"))
        query = (
            select(signers)
            .where(signers.c.site_id == site_id, stored == email.strip().lower())
            .order_by(signers.c.signer_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def chain_neighbours(self, site_id: int, seq: int | None) -> tuple[str | None, str | None, int | None]:
        """(id of the activity before, id of the one after, the chain's newest seq)."""
        with self.engine.connect() as conn:
            head = read_head(conn, site_id)
            if seq is None:
                return None, None, head.seq if head else None

            def at(position: int) -> str | None:
                row = conn.execute(
                    select(activities.c.id).where(
                        activities.c.site_id == site_id, activities.c.chain_seq == position
                    )
                ).first()
                return None if row is None else str(row.id)

            return at(seq - 1), at(seq + 1), head.seq if head else None

    def acceptance_counts(self, site_id: int, contract_id: int) -> dict[str, int]:
        """version id → number of `agreed` activities of the contract's versions."""
        query = (
            select(activities.c.version_id, func.count().label("n"))
            .where(
                activities.c.site_id == site_id,
                activities.c.contract_id == contract_id,
                activities.c.event_type == AGREED,
            )
            .group_by(activities.c.version_id)
        )
        with self.engine.connect() as conn:
            return {str(r.version_id): int(r.n) for r in conn.execute(query) if r.version_id is not None}

    def versions_page(
        self, site_id: int, contract_id: int, *, offset: int, limit: int
    ) -> tuple[list[Any], int]:
        """One page of a contract's versions, newest first, and how many it has."""
        condition = (versions.c.site_id == site_id) & (versions.c.contract_id == contract_id)
        with self.engine.connect() as conn:
            total = int(
                conn.execute(select(func.count()).select_from(versions).where(condition)).scalar_one()
            )
            rows = list(
                conn.execute(
                    select(versions)
                    .where(condition)
                    .order_by(versions.c.version_number.desc(), versions.c.minor_version_number.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )
        return rows, total
