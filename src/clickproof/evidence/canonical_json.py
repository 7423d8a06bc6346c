"""Canonical JSON: sorted keys, no insignificant whitespace, UTF-8, integers only (RFC 8785 for
the values clickproof stores). The same value always gives the same bytes, so its SHA-256 is a
fingerprint anyone can recompute."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8", "surrogatepass")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
