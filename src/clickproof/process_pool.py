"""A lazily started pool of spawned child processes that maps a function over batches, in order.

For CPU-bound Python work (rendering PDFs, preparing imported rows) that threads of one process
would run one at a time. Children are started with `spawn` (the parent runs threads) when first
needed, exit when their parent goes away, and a pool whose child died is replaced on next use.
As with any `multiprocessing` program using `spawn`, a script that uses it must guard its entry
point (`if __name__ == "__main__":`); the `clickproof` commands do.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _leave_with_parent(parent: int, initializer: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    def watch() -> None:  # a SIGKILLed parent cannot shut its pool down
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    if initializer is not None:
        initializer(*args)


class SpawnPool:
    def __init__(
        self, processes: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
    ) -> None:
        self.processes = processes
        self._initializer = initializer
        self._initargs = initargs
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_leave_with_parent,
                    initargs=(os.getpid(), self._initializer, self._initargs),
                )
            return self._executor

    def map_batches(
        self, function: Callable[[list[T]], list[R]], items: Iterable[T], batch: int, in_flight: int
    ) -> Iterator[R]:
        """`function` over batches of `items` in the children, results flattened in order; at most
        `in_flight` batches submitted ahead of the one being read (memory stays bounded). The
        first batches are submitted before this returns, so the children start working while
        the caller does something else."""
        pool = self._pool()
        source = iter(items)
        pending: deque[Future[list[R]]] = deque()

        def fill() -> None:
            while len(pending) < in_flight:
                chunk = list(islice(source, batch))
                if not chunk:
                    return
                pending.append(pool.submit(function, chunk))

        try:
            fill()
        except BrokenProcessPool:
            self._discard(pool)
            raise
        return self._results(pool, pending, fill)

    def _results(
        self, pool: ProcessPoolExecutor, pending: deque[Future[list[R]]], fill: Callable[[], None]
    ) -> Iterator[R]:
        try:
            while pending:
                done = pending.popleft().result()
                fill()
                yield from done
        except BrokenProcessPool:
            self._discard(pool)
            raise
        finally:
            for future in pending:
                future.cancel()

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is pool:
                self._executor = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._executor = self._executor, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
