"""24-hex identifiers in the shape of Ironclad's (MongoDB ObjectId): 4 bytes of seconds, then 8
bytes from the operating system's CSPRNG for every id.

Ids sort by the second they were made in, as Ironclad's do; within a second their order is
random. No id can be guessed from another: a tenant that sees the ids its sends return cannot
claim the ids another tenant's sends will get (an import with caller-chosen ids could otherwise
make those sends fail)."""

from __future__ import annotations

import re
import secrets
import time

OBJECT_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


def new_object_id(at: float | None = None) -> str:
    """A new id: 4 bytes of seconds (big-endian) and 8 random bytes."""
    seconds = int(time.time() if at is None else at) & 0xFFFFFFFF
    return (seconds.to_bytes(4, "big") + secrets.token_bytes(8)).hex()


def is_object_id(value: str) -> bool:
    return bool(OBJECT_ID_PATTERN.match(value))
