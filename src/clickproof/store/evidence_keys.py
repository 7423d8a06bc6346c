"""All SQL about the sites' manifest-signing keys; private keys are stored wrapped
(evidence/key_wrapping.py) and unwrapped only when read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.evidence.key_wrapping import KeyWrapper, is_wrapped
from clickproof.evidence.signing import ALGORITHM, SigningKey
from clickproof.store.tables import site_evidence_keys


class EvidenceKeyStore:
    def __init__(self, engine: Engine, wrapper: KeyWrapper) -> None:
        self.engine = engine
        self.wrapper = wrapper

    def get(self, site_id: int) -> SigningKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(site_evidence_keys).where(site_evidence_keys.c.site_id == site_id)
            ).first()
        if row is None:
            return None
        key = SigningKey(row.key_id, row.public_key, self.wrapper.unwrap(row.private_key, row.key_id))
        if not is_wrapped(row.private_key):  # stored before keys were encrypted: wrap it now
            self._rewrap(site_id, key)
        return key

    def _rewrap(self, site_id: int, key: SigningKey) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(site_evidence_keys)
                .where(
                    site_evidence_keys.c.site_id == site_id,
                    site_evidence_keys.c.private_key == key.private_key,
                )
                .values(private_key=self.wrapper.wrap(key.private_key, key.key_id))
            )

    def add_if_absent(self, site_id: int, key: SigningKey, now: datetime) -> SigningKey:
        """Store `key` unless the site has one already; return the site's key either way."""
        values = {
            "site_id": site_id,
            "key_id": key.key_id,
            "algorithm": ALGORITHM,
            "public_key": key.public_key,
            "private_key": self.wrapper.wrap(key.private_key, key.key_id),
            "created_time": now,
        }
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as conn:
            conn.execute(insert(site_evidence_keys).values(**values).on_conflict_do_nothing())
        stored = self.get(site_id)
        assert stored is not None
        return stored
