"""Rate-limit permits leased in blocks: one shared-store round trip per block, not per request.

The shared counter (database or Redis) of a subject's window counts permits handed out. A process
takes a block of `n` permits with one atomic add of `n` and learns the counter after it, `total`:
its permits are the numbers `total - n + 1 … total`. It hands them out to its requests one by one
without asking the store again; a request whose permit number is above the limit is refused.
Permit numbers are unique across processes, so no more requests than the limit are ever let
through in a window. What is given up (docs/adr/0022): a block taken but not used up by one
process is counted all the same, so the others may be refused up to `n` permits early per
process holding unused ones. `n` is small beside the limit (`block_for`): the limit holds to
within one block per process.

The next block is taken in the background when a quarter of a block or less is left, sized to
fill the holding up to `n` again (never more), so requests do not wait for the store unless the
permits run out first. A process that learnt its window is used up refuses locally until the
window changes: requests over the limit cost no round trip either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("clickproof.limits")

DEFAULT_BLOCK = 50
BLOCK_SHARE = 20  # a block is at most 1/BLOCK_SHARE of the limit


class PermitCounter(Protocol):
    def take(self, key: str, window: int, permits: int) -> int:
        """Add `permits` to the counter of `key` in `window`, atomically across processes; the
        counter after the add."""
        ...


def block_for(allowed: int, largest: int) -> int:
    """How many permits one lease takes under a limit of `allowed`: `largest` at most, and at
    most 1/BLOCK_SHARE of the limit, so small limits are counted request by request."""
    return max(1, min(largest, allowed // BLOCK_SHARE))


@dataclass
class _Lease:
    window: int
    ranges: list[list[int]] = field(default_factory=list)  # [next, last] permit numbers held
    exhausted: bool = False  # the store's counter reached the limit in this window
    refill: threading.Event | None = None  # set when the block being taken arrives

    def held(self) -> int:
        return sum(last - following + 1 for following, last in self.ranges)

    def hand_out(self) -> int | None:
        while self.ranges:
            permits = self.ranges[0]
            if permits[0] <= permits[1]:
                permits[0] += 1
                return permits[0] - 1
            self.ranges.pop(0)
        return None


def _in_a_thread(work: Callable[[], object]) -> None:
    threading.Thread(target=work, name="clickproof-rate-lease", daemon=True).start()


class LeasedRateCounter:
    """`count(key, window, allowed)` gives each request its permit number in the window from the
    blocks this process holds for `key`. When a quarter of a block or less is left, the next
    block is taken in the background (`spawn`), sized so the process never holds more than one
    block: requests wait for the store only when the permits run out before it answers."""

    def __init__(
        self,
        counter: PermitCounter,
        largest_block: int = DEFAULT_BLOCK,
        *,
        spawn: Callable[[Callable[[], object]], None] = _in_a_thread,
    ) -> None:
        if largest_block < 1:
            raise ValueError("a block holds at least one permit")
        self.counter = counter
        self.largest_block = largest_block
        self.spawn = spawn
        self._lock = threading.Lock()
        self._leases: dict[str, _Lease] = {}
        self._key_locks: dict[str, threading.Lock] = {}

    def count(self, key: str, window: int, allowed: int) -> int:
        """The permit number of one request of `key` in `window` (above `allowed`: refused)."""
        block = block_for(allowed, self.largest_block)
        with self._lock:
            lease = self._lease(key, window)
            number = lease.hand_out()
            if number is None and lease.exhausted:
                return allowed + 1  # the window is used up: refused without asking the store
            refill = self._start_refill(lease, block) if number is not None else 0
            if number is None:
                if len(self._key_locks) > 10_000:
                    self._key_locks.clear()
                key_lock = self._key_locks.setdefault(key, threading.Lock())
        if number is not None:
            if refill:
                self.spawn(lambda: self._take(key, window, allowed, refill, background=True))
            return number
        # None left: one request of the key takes a block, the others wait for it.
        with key_lock:
            while True:
                with self._lock:
                    lease = self._lease(key, window)
                    number = lease.hand_out()
                    if number is not None:
                        return number
                    if lease.exhausted:
                        return allowed + 1
                    pending = lease.refill
                if pending is None:
                    break
                pending.wait(5.0)
                if not pending.is_set():
                    break
            with self._lock:
                lease.refill = threading.Event()
            first = self._take(key, window, allowed, block, background=False)
            return allowed + 1 if first is None else first

    def _lease(self, key: str, window: int) -> _Lease:
        lease = self._leases.get(key)
        if lease is None or lease.window != window:
            if len(self._leases) > 10_000:  # many subjects: start afresh
                self._leases.clear()
            lease = self._leases[key] = _Lease(window)
        return lease

    @staticmethod
    def _start_refill(lease: _Lease, block: int) -> int:
        """How many permits to take now in the background (0: none), marking the lease."""
        held = lease.held()
        if block < 4 or lease.exhausted or lease.refill is not None or held > block // 4:
            return 0
        lease.refill = threading.Event()
        return block - held

    def _take(self, key: str, window: int, allowed: int, permits: int, *, background: bool) -> int | None:
        """Take a block and add it to the lease; in the foreground, the block's first permit is
        the caller's and is returned."""
        total = None
        try:
            total = self.counter.take(key, window, permits)
        except Exception:
            if not background:
                raise
            log.warning("rate_limit.lease_failed key=%s: taken when the permits run out", key)
        finally:
            with self._lock:
                lease = self._lease(key, window)
                if total is not None:
                    first = total - permits + 1
                    lease.ranges.append([first if background else first + 1, total])
                    lease.exhausted = lease.exhausted or total >= allowed
                if lease.refill is not None:
                    lease.refill.set()
                    lease.refill = None
        return None if total is None or background else total - permits + 1
