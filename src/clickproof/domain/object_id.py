"""24-hex identifiers in the shape of Ironclad's (MongoDB ObjectId): 4 bytes of seconds, then 8
bytes from the operating system's CSPRNG for every id.

Ids sort by the second they were made in, as Ironclad's do; within a second their order is
random. No id can be guessed from another: a tenant that sees the ids its sends return cannot
claim the ids another tenant's sends will get (an import with caller-chosen ids could otherwise
make those sends fail). Ids a caller may choose are unique per site (docs/adr/0017), so another
tenant's ids cannot collide with this site's at all; a server-made id that meets a taken one
(astronomically unlikely) is replaced by a fresh one, up to ID_ATTEMPTS times."""

from __future__ import annotations

import re
import secrets
import time

OBJECT_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")
ID_ATTEMPTS = 8  # fresh ids tried when the one picked is taken


def new_object_id(at: float | None = None) -> str:
    """A new id: 4 bytes of seconds (big-endian) and 8 random bytes."""
    seconds = int(time.time() if at is None else at) & 0xFFFFFFFF
    return (seconds.to_bytes(4, "big") + secrets.token_bytes(8)).hex()


def is_object_id(value: str) -> bool:
    return bool(OBJECT_ID_PATTERN.match(value))
