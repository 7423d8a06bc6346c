"""Each site's Ed25519 manifest-signing key: created on first use, rotated on request."""

from __future__ import annotations

from clickproof.domain.timestamps import utc_now
from clickproof.evidence.signing import SigningKey, generate_key
from clickproof.store.evidence_keys import EvidenceKeyStore, PublishedKey


class EvidenceKeys:
    def __init__(self, store: EvidenceKeyStore) -> None:
        self.store = store

    def for_site(self, site_id: int) -> SigningKey:
        key = self.store.get(site_id)
        if key is not None:
            return key
        return self.store.add_if_absent(site_id, generate_key(), utc_now())

    def rotate(self, site_id: int) -> SigningKey:
        """A new current key; the old one is kept, retired, so older exports still verify."""
        key = generate_key()
        self.store.rotate(site_id, key, utc_now())
        return key

    def published(self, site_id: int) -> list[PublishedKey]:
        self.for_site(site_id)
        return self.store.published(site_id)
