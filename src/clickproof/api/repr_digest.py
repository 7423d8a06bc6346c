"""The `Repr-Digest` field of RFC 9530: a download's SHA-256, as a structured-field byte sequence."""

from __future__ import annotations

import base64


def repr_digest(sha256_hex: str) -> str:
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode('ascii')}:"
