"""All SQL about the sites' manifest-signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.evidence.signing import ALGORITHM, SigningKey
from clickproof.store.tables import site_evidence_keys


class EvidenceKeyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, site_id: int) -> SigningKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(site_evidence_keys).where(site_evidence_keys.c.site_id == site_id)
            ).first()
        return None if row is None else SigningKey(row.key_id, row.public_key, row.private_key)

    def add_if_absent(self, site_id: int, key: SigningKey, now: datetime) -> SigningKey:
        """Store `key` unless the site has one already; return the site's key either way."""
        values = {
            "site_id": site_id,
            "key_id": key.key_id,
            "algorithm": ALGORITHM,
            "public_key": key.public_key,
            "private_key": key.private_key,
            "created_time": now,
        }
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as conn:
            conn.execute(insert(site_evidence_keys).values(**values).on_conflict_do_nothing())
        stored = self.get(site_id)
        assert stored is not None
        return stored
