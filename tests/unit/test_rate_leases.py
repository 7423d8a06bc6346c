"""Permits leased in blocks: never more requests than the limit in a window, across processes;
one store round trip per block, taken before the permits run out; requests over a used-up window
cost none. `spawn=run_now` runs the background take at once, so the tests are deterministic."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from clickproof.domain.rate_limits import RateLimit
from clickproof.errors import RateLimitedError
from clickproof.services.rate_leases import LeasedRateCounter, block_for
from clickproof.services.rate_limiter import RateLimiter


class SharedCounter:
    """The store every process shares, in memory: atomic adds, and a count of round trips."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self.trips = 0
        self._lock = threading.Lock()

    def take(self, key: str, window: int, permits: int) -> int:
        with self._lock:
            self.trips += 1
            self.counts[key, window] = self.counts.get((key, window), 0) + permits
            return self.counts[key, window]

    def count(self, key: str, window: int) -> int:
        return self.take(key, window, 1)


def run_now(work: Callable[[], object]) -> None:
    work()


def test_block_is_a_small_share_of_the_limit() -> None:
    assert block_for(120_000, 50) == 50
    assert block_for(1_200, 50) == 50
    assert block_for(600, 50) == 30
    assert block_for(60, 50) == 3
    assert block_for(39, 50) == 1
    assert block_for(5, 50) == 1
    assert block_for(120_000, 1) == 1


def test_one_process_admits_exactly_the_limit_with_one_trip_per_block() -> None:
    store = SharedCounter()
    leases = LeasedRateCounter(store, largest_block=10, spawn=run_now)
    numbers = [leases.count("k", 7, 200) for _ in range(250)]
    admitted = [n for n in numbers if n <= 200]
    assert admitted == list(range(1, 201))
    # The first block of 10, then 8 at a time whenever 2 are left: 200 permits in 25 trips;
    # the 50 refused asked nothing.
    assert store.trips == 25
    assert all(n > 200 for n in numbers[200:])


def test_the_next_block_is_taken_before_the_permits_run_out() -> None:
    store = SharedCounter()
    started: list[Callable[[], object]] = []
    leases = LeasedRateCounter(store, largest_block=20, spawn=started.append)
    assert [leases.count("k", 1, 1_000) for _ in range(15)] == list(range(1, 16))
    assert store.trips == 1 and len(started) == 1  # 5 left of 20: the next block is on its way
    assert [leases.count("k", 1, 1_000) for _ in range(5)] == list(range(16, 21))
    assert len(started) == 1  # one take in flight at a time
    started[0]()  # the store answers: 15 more, so the process never holds more than 20
    assert store.counts["k", 1] == 35
    assert [leases.count("k", 1, 1_000) for _ in range(3)] == [21, 22, 23]
    assert store.trips == 2


def test_a_failed_background_take_is_tried_again_and_loses_no_request() -> None:
    class Flaky(SharedCounter):
        failures = 1

        def take(self, key: str, window: int, permits: int) -> int:
            if self.trips == 1 and self.failures:
                self.failures -= 1
                self.trips += 1
                raise ConnectionError("store unavailable")
            return super().take(key, window, permits)

    store = Flaky()
    leases = LeasedRateCounter(store, largest_block=8, spawn=run_now)
    numbers = [leases.count("k", 1, 100) for _ in range(12)]
    assert numbers == list(range(1, 13))


def test_a_new_window_starts_afresh() -> None:
    store = SharedCounter()
    leases = LeasedRateCounter(store, largest_block=10)
    assert [leases.count("k", 1, 200) for _ in range(3)] == [1, 2, 3]
    assert leases.count("k", 2, 200) == 1
    assert leases.count("other", 2, 200) == 1


def test_processes_sharing_a_store_never_pass_more_than_the_limit() -> None:
    store = SharedCounter()
    processes = [LeasedRateCounter(store, largest_block=10, spawn=run_now) for _ in range(3)]
    admitted = [0, 0, 0]
    for step in range(400):  # interleaved, unevenly: process 0 twice as often
        index = (0, 0, 1, 2)[step % 4]
        if processes[index].count("k", 5, 200) <= 200:
            admitted[index] += 1
    assert sum(admitted) <= 200
    # Given up at most: the permits one other process holds, a block at most.
    assert sum(admitted) >= 200 - 2 * 10
    assert store.counts["k", 5] >= 200


def test_threads_of_one_process_get_distinct_permits() -> None:
    store = SharedCounter()
    leases = LeasedRateCounter(store, largest_block=25)  # background takes in threads
    got: list[int] = []
    lock = threading.Lock()

    def requests() -> None:
        for _ in range(200):
            number = leases.count("k", 3, 100_000)
            with lock:
                got.append(number)

    threads = [threading.Thread(target=requests) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1600  # no permit handed out twice
    assert max(got) <= store.counts["k", 3] <= 1600 + 25
    assert store.trips <= 1600 // 6 + 2  # blocks of 25, refilled when 6 or fewer are left


def test_a_block_needs_one_permit() -> None:
    with pytest.raises(ValueError, match="at least one permit"):
        LeasedRateCounter(SharedCounter(), largest_block=0)


def test_limiter_with_leases_refuses_past_the_limit() -> None:
    store = SharedCounter()
    limiter = RateLimiter(store, clock=lambda: 1_000.0, lease_block=50)
    assert limiter.permits is not None
    limiter.permits.spawn = run_now
    limit = RateLimit("activity_requests_per_access_id", 1_000, 60, "access id")
    for _ in range(1_000):
        limiter.check(limit, "site-a")
    with pytest.raises(RateLimitedError) as refused:
        limiter.check(limit, "site-a")
    assert refused.value.retry_after == 20  # the window [960, 1020) ends in 20 s
    assert store.trips <= 1_000 // 38 + 1  # 50 at first, then 38 whenever 12 are left
    limiter.check(limit, "site-b")  # another subject has its own count


def test_limiter_without_leases_counts_every_request() -> None:
    store = SharedCounter()
    limiter = RateLimiter(store, clock=lambda: 1_000.0)
    limit = RateLimit("console_sign_in", 3, 60, "address")
    for _ in range(3):
        limiter.check(limit, "a")
    with pytest.raises(RateLimitedError):
        limiter.check(limit, "a")
    assert store.trips == 4
