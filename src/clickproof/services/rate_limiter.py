"""Checks requests against their rate limits in a store every process shares: the database, or
Redis when one is configured (INCRBY and EXPIRE, no database write). With `lease_block` above 1,
each process takes permits from the store in blocks and hands them out itself
(services/rate_leases, docs/adr/0022)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

import redis

from clickproof.domain.rate_limits import RateLimit, exempt_address, refused, window_at
from clickproof.services.rate_leases import LeasedRateCounter

log = logging.getLogger("clickproof.limits")


class RateCounter(Protocol):
    def count(self, key: str, window: int) -> int: ...

    def take(self, key: str, window: int, permits: int) -> int: ...


class RedisRateCounter:
    """`prefix:key:window` counters that expire a little after their window. While Redis cannot
    be reached, requests are counted by `fallback` (the database): a broker outage neither lifts
    the limits nor turns requests into errors."""

    def __init__(self, url: str, prefix: str, ttl_seconds: int, fallback: RateCounter) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self.fallback = fallback

    def count(self, key: str, window: int) -> int:
        return self.take(key, window, 1)

    def take(self, key: str, window: int, permits: int) -> int:
        name = f"{self.prefix}:{key}:{window}"
        try:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.incrby(name, permits)
                pipe.expire(name, self.ttl_seconds)
                counted, _ = pipe.execute()
        except redis.RedisError as exc:
            log.warning("rate_limit.redis_unavailable error=%s: counting in the database", type(exc).__name__)
            return self.fallback.take(key, window, permits)
        return int(counted)


class RateLimiter:
    def __init__(
        self, counter: RateCounter, clock: Callable[[], float] = time.time, *, lease_block: int = 1
    ) -> None:
        self.counter = counter
        self.clock = clock
        # Block 1: every request is counted in the store (exact; for console sign-in attempts).
        self.permits = LeasedRateCounter(counter, lease_block) if lease_block > 1 else None

    def check(self, limit: RateLimit, subject: str) -> None:
        """Count one request of `subject` under `limit`; RateLimitedError when it is over."""
        if not limit.enabled:
            return
        window = window_at(self.clock(), limit.window_seconds)
        key = f"{limit.name}:{subject}"
        if self.permits is not None:
            number = self.permits.count(key, window.index, limit.allowed)
        else:
            number = self.counter.count(key, window.index)
        if number > limit.allowed:
            raise refused(limit, window)

    def check_address(self, limit: RateLimit, host: str | None) -> None:
        if host is not None and not exempt_address(host):
            self.check(limit, host)
