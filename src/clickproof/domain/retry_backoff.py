"""How long a failed export attempt waits before the next: exponential backoff with jitter, so a
persistent fault does not spend every attempt in seconds and many failing jobs do not retry in
step."""

from __future__ import annotations

import random

MAX_RETRY_DELAY_SECONDS = 600.0


def retry_delay(attempt: int, base_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, …): between half and all of
    base * 2^(attempt - 1), at most MAX_RETRY_DELAY_SECONDS."""
    ceiling = min(MAX_RETRY_DELAY_SECONDS, base_seconds * 2.0 ** max(attempt - 1, 0))
    return (rng or random.SystemRandom()).uniform(ceiling / 2, ceiling)
