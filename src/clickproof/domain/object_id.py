"""24-hex identifiers in the shape of Ironclad's (MongoDB ObjectId): time, randomness, counter."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading
import time

_PROCESS_RANDOM = secrets.token_bytes(5)
_counter = itertools.count(secrets.randbelow(0xFFFFFF))
_lock = threading.Lock()
OBJECT_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


def new_object_id(at: float | None = None) -> str:
    """A new id: 4 bytes of seconds, 5 random bytes per process, a 3-byte counter."""
    seconds = int(time.time() if at is None else at) & 0xFFFFFFFF
    with _lock:
        count = next(_counter) & 0xFFFFFF
    return (seconds.to_bytes(4, "big") + _PROCESS_RANDOM + count.to_bytes(3, "big")).hex()


def is_object_id(value: str) -> bool:
    return bool(OBJECT_ID_PATTERN.match(value))


def reseed_after_fork() -> None:
    """Give a forked process its own random part, so two processes never mint the same id."""
    global _PROCESS_RANDOM  # noqa: PLW0603
    _PROCESS_RANDOM = os.urandom(5)


def new_render_id(at: float | None = None) -> str:
    """A render id: 4 bytes of seconds and 8 from the operating system's CSPRNG, so no one can
    guess another site's renderings from one they were given."""
    seconds = int(time.time() if at is None else at) & 0xFFFFFFFF
    return (seconds.to_bytes(4, "big") + secrets.token_bytes(8)).hex()
