"""All SQL about the sites' manifest-signing keys. A site has one current key and any number of
retired ones (kept so that older exports stay verifiable); private keys are stored wrapped
(evidence/key_wrapping.py) and unwrapped only when read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.evidence.key_wrapping import KeyWrapper, is_wrapped
from clickproof.evidence.signing import ALGORITHM, SigningKey
from clickproof.store.tables import site_evidence_keys


@dataclass(frozen=True)
class PublishedKey:
    """A site's public key with its validity period: valid_until is None for the current key."""

    key_id: str
    algorithm: str
    public_key: str
    valid_from: datetime
    valid_until: datetime | None


class EvidenceKeyStore:
    def __init__(self, engine: Engine, wrapper: KeyWrapper) -> None:
        self.engine = engine
        self.wrapper = wrapper

    def get(self, site_id: int) -> SigningKey | None:
        """The site's current key, or None before its first export."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(site_evidence_keys).where(
                    site_evidence_keys.c.site_id == site_id, site_evidence_keys.c.retired_time.is_(None)
                )
            ).first()
        if row is None:
            return None
        key = SigningKey(row.key_id, row.public_key, self.wrapper.unwrap(row.private_key, row.key_id))
        if not is_wrapped(row.private_key):  # stored before keys were encrypted: wrap it now
            self._rewrap(key)
        return key

    def published(self, site_id: int) -> list[PublishedKey]:
        """Every key the site has signed with, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(site_evidence_keys)
                .where(site_evidence_keys.c.site_id == site_id)
                .order_by(site_evidence_keys.c.created_time, site_evidence_keys.c.key_id)
            ).all()
        return [
            PublishedKey(r.key_id, r.algorithm, r.public_key, r.created_time, r.retired_time) for r in rows
        ]

    def _rewrap(self, key: SigningKey) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(site_evidence_keys)
                .where(
                    site_evidence_keys.c.key_id == key.key_id,
                    site_evidence_keys.c.private_key == key.private_key,
                )
                .values(private_key=self.wrapper.wrap(key.private_key, key.key_id))
            )

    def _values(self, site_id: int, key: SigningKey, now: datetime) -> dict[str, Any]:
        return {
            "site_id": site_id,
            "key_id": key.key_id,
            "algorithm": ALGORITHM,
            "public_key": key.public_key,
            "private_key": self.wrapper.wrap(key.private_key, key.key_id),
            "created_time": now,
            "retired_time": None,
        }

    def add_if_absent(self, site_id: int, key: SigningKey, now: datetime) -> SigningKey:
        """Store `key` unless the site has a current one already; return the site's key either way."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as conn:
            conn.execute(
                insert(site_evidence_keys).values(**self._values(site_id, key, now)).on_conflict_do_nothing()
            )
        stored = self.get(site_id)
        assert stored is not None
        return stored

    def rotate(self, site_id: int, key: SigningKey, now: datetime) -> None:
        """Retire the site's current key (if any) and make `key` current, in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(
                update(site_evidence_keys)
                .where(site_evidence_keys.c.site_id == site_id, site_evidence_keys.c.retired_time.is_(None))
                .values(retired_time=now)
            )
            conn.execute(site_evidence_keys.insert().values(**self._values(site_id, key, now)))
