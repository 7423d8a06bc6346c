"""Which keys a verifier trusts: given on the command line, or pinned earlier.

A manifest's own embedded public key proves only that the files match what *someone* signed.
Trust comes from outside the bundle: the site's published keys document or public key
(`--public-key FILE`), a fingerprint or key id read from another channel (`--key-fingerprint`),
or a key pinned on an earlier run (`--pin`), kept in a trust store file (0600).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from clickproof.evidence.signing import fingerprint_of, key_id_of, strict_b64decode

TRUST_STORE_FORMAT = "clickproof-trusted-keys/1"


class TrustSourceError(ValueError):
    """A --public-key or --key-fingerprint value that names no key."""


@dataclass(frozen=True)
class TrustedKey:
    public_key: str  # base64 of the raw 32 bytes
    key_id: str
    fingerprint: str
    source: str
    valid_from: str | None = None
    valid_until: str | None = None
    account: int | None = None
    site: int | None = None


def trusted_key(public_key: str, source: str, **details: Any) -> TrustedKey:
    return TrustedKey(public_key, key_id_of(public_key), fingerprint_of(public_key), source, **details)


def _raw_key_text(text: str) -> str:
    """A base64 raw Ed25519 key, from base64 or from PEM SubjectPublicKeyInfo."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise TrustSourceError("the PEM key is not an Ed25519 key")
        return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    try:
        if len(strict_b64decode(text)) != 32:
            raise ValueError("not 32 bytes")
    except ValueError:
        raise TrustSourceError("not a base64 Ed25519 public key, a PEM key or a keys document") from None
    return text


def keys_from_public_key_option(value: str) -> list[TrustedKey]:
    """--public-key: a file (keys document, evidence-key response, PEM or base64), or base64 itself."""
    path = Path(value)
    source = f"--public-key {value}" if len(value) < 120 else "--public-key"
    text = path.read_text("utf-8") if path.is_file() else value
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise TrustSourceError(f"{value}: not valid JSON ({exc})") from None
        listed = document.get("keys") if isinstance(document, dict) else None
        if isinstance(listed, list):
            return [
                trusted_key(
                    _raw_key_text(str(k["public_key"])),
                    source,
                    valid_from=k.get("valid_from"),
                    valid_until=k.get("valid_until"),
                    account=document.get("account"),
                    site=document.get("site"),
                )
                for k in listed
            ]
        if isinstance(document, dict) and "public_key" in document:
            return [
                trusted_key(_raw_key_text(str(document["public_key"])), source, site=document.get("site"))
            ]
        raise TrustSourceError(f"{value}: a JSON file without 'keys' or 'public_key'")
    return [trusted_key(_raw_key_text(text), source)]


def normalized_fingerprint(value: str) -> str:
    digits = "".join(ch for ch in value.lower() if ch not in ": \t")
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise TrustSourceError(f"{value!r}: a fingerprint or key id is 64 hex digits (SHA-256)")
    return digits


def default_trust_store() -> Path:
    configured = os.environ.get("CLICKPROOF_TRUST_STORE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "clickproof" / "trusted-keys.json"


def pinned_keys(store: Path) -> list[TrustedKey]:
    if not store.is_file():
        return []
    document = json.loads(store.read_text("utf-8"))
    return [TrustedKey(**{**k, "source": f"pinned in {store}"}) for k in document.get("keys", [])]


def pin(store: Path, keys: list[TrustedKey]) -> list[TrustedKey]:
    """Add `keys` to the trust store (atomically, mode 0600); returns the ones newly pinned."""
    existing = pinned_keys(store)
    known = {k.key_id for k in existing}
    added = [k for k in keys if k.key_id not in known]
    if not added:
        return []
    store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    entries = [asdict(k) for k in [*existing, *added]]
    for entry in entries:
        entry.pop("source")
    document = {"format": TRUST_STORE_FORMAT, "keys": entries}
    handle, temporary = tempfile.mkstemp(dir=store.parent, prefix=".trusted-keys-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, store)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return added
