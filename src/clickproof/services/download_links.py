"""Signed, expiring download links for export files on local storage.

A link names (job, file, token, expiry) and carries an HMAC-SHA256 of them under the server's
secret key. Downloading re-checks the signature, the expiry, that the token is still valid and
that the job still belongs to it: a leaked link dies with its token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from clickproof.domain.strict_int import ascii_int
from clickproof.errors import InvalidLinkError, LinkExpiredError


@dataclass(frozen=True)
class LinkClaims:
    job_id: str
    file_name: str
    token_id: int
    expires: int


def load_secret_key(configured: str | None, home: Path) -> bytes:
    """The configured key, or a random one created once in CLICKPROOF_HOME (mode 0600)."""
    if configured:
        return configured.encode()
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


class LinkSigner:
    def __init__(self, key: bytes, base_url: str) -> None:
        self.key = key
        self.base_url = base_url.rstrip("/")

    def _signature(self, claims: LinkClaims) -> str:
        message = f"{claims.job_id}\n{claims.file_name}\n{claims.token_id}\n{claims.expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def url(self, claims: LinkClaims) -> str:
        query = urlencode(
            {"tid": claims.token_id, "expires": claims.expires, "signature": self._signature(claims)}
        )
        return (
            f"{self.base_url}/v1.1/extract/evidence/{claims.job_id}/files/{quote(claims.file_name)}?{query}"
        )

    def verify(
        self,
        *,
        job_id: str,
        file_name: str,
        tid: str | None,
        expires: str | None,
        signature: str | None,
        now: float,
    ) -> LinkClaims:
        token_id = ascii_int(tid, max_digits=19)
        expires_at = ascii_int(expires, max_digits=19)
        if token_id is None or expires_at is None or not signature:
            raise InvalidLinkError("the download link is incomplete or malformed (tid, expires, sig)")
        claims = LinkClaims(job_id, file_name, token_id, expires_at)
        if not hmac.compare_digest(self._signature(claims), signature):
            raise InvalidLinkError("the download link's signature is not valid")
        if claims.expires < now:
            raise LinkExpiredError("the download link has expired; ask /urls for a fresh one")
        return claims
