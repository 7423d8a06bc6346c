"""The sites' private signing keys encrypted at rest (AES-256-GCM) under a key-encryption key that
is not in the database, so a copy of the database alone does not let anyone sign a manifest.

Stored form: `aesgcm1:` + base64(12-byte nonce ‖ ciphertext ‖ tag), with the key's id as the
associated data (a wrapped key moved to another key's row does not open). A value without the
prefix is a key stored before encryption existed; it is read as is and re-stored wrapped."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "aesgcm1:"
KEK_FILE = "key-encryption.key"


class KeyEncryptionError(Exception):
    """The key-encryption key does not open a stored signing key."""


class KeyWrapper:
    def __init__(self, key_encryption_key: bytes) -> None:
        if len(key_encryption_key) != 32:
            raise ValueError("the key-encryption key must be 32 bytes")
        self._aead = AESGCM(key_encryption_key)

    def wrap(self, private_key: str, key_id: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, private_key.encode("ascii"), key_id.encode("ascii"))
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def unwrap(self, stored: str, key_id: str) -> str:
        if not is_wrapped(stored):
            return stored
        raw = base64.b64decode(stored.removeprefix(PREFIX))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], key_id.encode("ascii")).decode("ascii")
        except InvalidTag:
            raise KeyEncryptionError(
                f"the key-encryption key does not open signing key {key_id[:16]}…: every clickproof "
                "process must use the same CLICKPROOF_KEY_ENCRYPTION_KEY"
            ) from None


def is_wrapped(stored: str) -> bool:
    return stored.startswith(PREFIX)


def load_key_encryption_key(configured: str | None, home: Path) -> bytes:
    """The configured key (base64 of 32 bytes), or a random one created once in CLICKPROOF_HOME
    (`key-encryption.key`, mode 0600) for the embedded default."""
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise ValueError("CLICKPROOF_KEY_ENCRYPTION_KEY must be the base64 of 32 random bytes")
        return key
    path = home / KEK_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
    return load_key_encryption_key(path.read_text().strip(), home)
