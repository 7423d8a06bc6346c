"""Each site's Ed25519 evidence key (it signs export manifests and seals evidence PDFs): created
on first use, rotated on request, published with its retired predecessors."""

from __future__ import annotations

from typing import Any

from clickproof.domain.timestamps import utc_now
from clickproof.evidence.pdf_seal import seal_certificate_pem
from clickproof.evidence.published_keys import published_keys_document
from clickproof.evidence.signing import SigningKey, generate_key
from clickproof.store.evidence_keys import EvidenceKeyStore, PublishedKey
from clickproof.store.tenants import Site


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

    def published_document(self, site: Site) -> dict[str, Any]:
        """What GET /v1.1/evidence-keys/{access_id} serves: every key, and the current key's
        self-issued certificate, the one its sealed PDFs carry (evidence/pdf_seal.py)."""
        current = self.for_site(site.id)
        return published_keys_document(
            account_id=site.account_id,
            site_id=site.id,
            access_id=site.access_id,
            keys=self.store.published(site.id),
            seal_certificate_pem=seal_certificate_pem(current),
        )
