"""Fixed-window rate limits: at most `allowed` requests per window of `window_seconds`, counted
per subject (an access id, a site, a client address) in a store shared by every process.

A window starts at a multiple of its length (Unix time), so every process agrees on it without
talking to the others; the answer over the limit is the time left in the window, rounded up.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from clickproof.errors import RateLimitedError


@dataclass(frozen=True)
class RateLimit:
    name: str  # as named in the 429 body and in docs/configuration.md
    allowed: int  # requests per window; 0: no limit
    window_seconds: float
    per: str  # what is counted, in words: "site", "access id", "client address"

    @property
    def enabled(self) -> bool:
        return self.allowed > 0


@dataclass(frozen=True)
class Window:
    index: int  # which window: floor(now / length)
    retry_after: int  # whole seconds until the next window begins (at least 1)


def window_at(now: float, window_seconds: float) -> Window:
    index = math.floor(now / window_seconds)
    left = (index + 1) * window_seconds - now
    return Window(index, max(1, math.ceil(left)))


def refused(limit: RateLimit, window: Window) -> RateLimitedError:
    return RateLimitedError(
        f"rate limit {limit.name} reached: at most {limit.allowed} requests per "
        f"{limit.window_seconds:g} s per {limit.per}; retry in {window.retry_after} s",
        limit=limit.name,
        allowed=limit.allowed,
        window_seconds=limit.window_seconds,
        retry_after=window.retry_after,
    )


def exempt_address(host: str) -> bool:
    """Loopback callers (this machine: a local proxy that does not forward the client's address,
    a benchmark) are not limited per address; their access ids and sites still are."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
