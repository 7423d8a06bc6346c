"""Ed25519 signatures over canonical manifest bytes. Keys travel as base64 of their 32 raw bytes.

Two hashes name a public key, both SHA-256 in hex: its *key id* hashes the 32 raw bytes; its
*fingerprint* hashes the DER SubjectPublicKeyInfo, which is what
`openssl pkey -pubin -in key.pem -outform DER | sha256sum` prints for the key's PEM form."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    public_key: str  # base64 of the 32 raw bytes
    private_key: str  # base64 of the 32 raw bytes; never leaves the server


def strict_b64decode(text: str) -> bytes:
    """Base64 in its one canonical spelling: other spellings of the same bytes are refused."""
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("non-canonical base64")
    return raw


def key_id_of(public_key: str) -> str:
    return hashlib.sha256(strict_b64decode(public_key)).hexdigest()


def public_key_der(public_key: str) -> bytes:
    raw = Ed25519PublicKey.from_public_bytes(strict_b64decode(public_key))
    return raw.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def public_key_pem(public_key: str) -> str:
    raw = Ed25519PublicKey.from_public_bytes(strict_b64decode(public_key))
    return raw.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint_of(public_key: str) -> str:
    return hashlib.sha256(public_key_der(public_key)).hexdigest()


def generate_key() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    public = base64.b64encode(raw_public).decode()
    return SigningKey(key_id_of(public), public, base64.b64encode(raw_private).decode())


def sign(key: SigningKey, message: bytes) -> str:
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private_key))
    return base64.b64encode(private.sign(message)).decode()


def signature_is_valid(public_key: str, message: bytes, signature: str) -> bool:
    try:
        public = Ed25519PublicKey.from_public_bytes(strict_b64decode(public_key))
        public.verify(strict_b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
