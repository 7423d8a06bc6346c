"""The JSON document that publishes a site's manifest-signing keys, current and retired.

Served without authentication (by the site's public access id) so that anyone holding an export
can confirm which keys the organisation signs with; `clickproof verify --public-key` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clickproof.domain.timestamps import format_stored
from clickproof.evidence.signing import fingerprint_of, public_key_pem
from clickproof.store.evidence_keys import PublishedKey

KEYS_FORMAT = "clickproof-evidence-keys/1"


def published_keys_document(
    *,
    account_id: int,
    site_id: int,
    access_id: str,
    keys: Sequence[PublishedKey],
    seal_certificate_pem: str | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": KEYS_FORMAT,
        "account": account_id,
        "site": site_id,
        "access_id": access_id,
        "keys": [
            {
                "key_id": key.key_id,
                "fingerprint": fingerprint_of(key.public_key),
                "algorithm": key.algorithm,
                "public_key": key.public_key,
                "public_key_pem": public_key_pem(key.public_key),
                "valid_from": format_stored(key.valid_from),
                "valid_until": None if key.valid_until is None else format_stored(key.valid_until),
                "status": "current" if key.valid_until is None else "retired",
            }
            for key in keys
        ],
    }
    if seal_certificate_pem is not None:  # the current key's, as sealed PDFs embed it
        document["seal_certificate_pem"] = seal_certificate_pem
    return document
