"""Each site's Ed25519 manifest-signing key, created on first use."""

from __future__ import annotations

from clickproof.domain.timestamps import utc_now
from clickproof.evidence.signing import SigningKey, generate_key
from clickproof.store.evidence_keys import EvidenceKeyStore


class EvidenceKeys:
    def __init__(self, store: EvidenceKeyStore) -> None:
        self.store = store

    def for_site(self, site_id: int) -> SigningKey:
        key = self.store.get(site_id)
        if key is not None:
            return key
        return self.store.add_if_absent(site_id, generate_key(), utc_now())
