"""Idempotency-Key on POST routes: the same key and request get the first answer again; the same
key with another request is refused (422); a key whose first request is still running gets 409."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from clickproof.domain.chain import canonical_json
from clickproof.domain.timestamps import utc_now
from clickproof.errors import ClickproofError, ValidationError
from clickproof.store.idempotency import IdempotencyStore

_KEY_SHAPE = re.compile(r"^[\x21-\x7e]{1,255}$")
HEADER = "Idempotency-Key"
STALE_AFTER = timedelta(seconds=60)


class IdempotencyKeyReusedError(ClickproofError):
    code = "idempotency_key_reused"
    kind = "unprocessable"


class IdempotencyKeyInProgressError(ClickproofError):
    code = "idempotency_key_in_progress"
    kind = "conflict"


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: Any
    replayed: bool


def request_fingerprint(request: Any) -> str:
    """A digest of the request as sent. It is taken before validation, so it must accept any
    decoded JSON, lone surrogates included (validation rejects those afterwards)."""
    return hashlib.sha256(canonical_json(request).encode("utf-8", "surrogatepass")).hexdigest()


class IdempotencyService:
    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    def run(
        self, scope: str, key: str | None, fingerprint: str, action: Callable[[], tuple[int, Any]]
    ) -> Outcome:
        """Run `action` once per (scope, key); validation failures store nothing (safe to retry)."""
        if key is None:
            status, body = action()
            return Outcome(status, body, False)
        if not _KEY_SHAPE.match(key):
            raise ValidationError(
                f"{HEADER} must be 1 to 255 visible ASCII characters",
                field=HEADER,
                code="invalid_idempotency_key",
            )
        now = utc_now()
        existing = self.store.claim(scope, key, fingerprint, now)
        if existing is not None:
            if existing.request_hash != fingerprint:
                raise IdempotencyKeyReusedError(
                    f"this {HEADER} was used for a different request; use a new key", field=HEADER
                )
            if existing.status_code is not None:
                return Outcome(existing.status_code, existing.response, True)
            if not self.store.take_over(scope, key, now - STALE_AFTER, now):
                raise IdempotencyKeyInProgressError(
                    f"a request with this {HEADER} is still running; retry shortly", field=HEADER
                )
        try:
            status, body = action()
        except BaseException:
            self.store.release(scope, key)
            raise
        self.store.complete(scope, key, status, body)
        return Outcome(status, body, False)
