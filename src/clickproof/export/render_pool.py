"""Evidence PDFs rendered in child processes, for processes that run several worker threads.

Rendering a certificate is Python work: worker threads of one process would take turns on the
interpreter lock. A process with N worker threads therefore renders in a pool of N child
processes; each worker thread keeps streaming activities from the database and writing zip
entries, and hands the records over in batches, a bounded number in flight, results in order.
The bytes are the same as rendering in the thread (the renderer is deterministic).

Children are started with `spawn` (the parent runs threads), lazily, and exit when the parent
goes away; a pool whose child died is replaced on the next use.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from clickproof.domain.activity import Activity
from clickproof.evidence.record import EvidenceContext, ExportScope, build_record
from clickproof.export.pdf_renderer import EvidencePdfRenderer

BATCH = 32
IN_FLIGHT = 3  # batches per calling thread: one rendering, the next ones queued

Pair = tuple[Activity, EvidenceContext]

_child_renderer: list[EvidencePdfRenderer] = []  # the one renderer of a pool's child process


def render_pairs(
    renderer: EvidencePdfRenderer, pairs: Iterable[Pair], scope: ExportScope, timestamp: int
) -> Iterator[tuple[str, bytes]]:
    """(activity id, evidence PDF) for each pair, in order, in this thread."""
    for activity, context in pairs:
        record = build_record(activity, context, export=scope, drawable=renderer.drawable)
        yield activity.id, renderer.render(record, timestamp=timestamp)


def _child_start(parent: int) -> None:
    _child_renderer.append(EvidencePdfRenderer())

    def watch() -> None:  # a SIGKILLed parent cannot shut the pool down: leave with it
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _child_render(pairs: list[Pair], scope: ExportScope, timestamp: int) -> list[tuple[str, bytes]]:
    return list(render_pairs(_child_renderer[0], pairs, scope, timestamp))


class RenderPool:
    def __init__(self, processes: int) -> None:
        self.processes = processes
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
                    initializer=_child_start,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def render(
        self, pairs: Iterable[Pair], scope: ExportScope, timestamp: int
    ) -> Iterator[tuple[str, bytes]]:
        """(activity id, evidence PDF) for each pair, in order, rendered in the pool."""
        pool = self._pool()
        source = iter(pairs)
        pending: deque[Future[list[tuple[str, bytes]]]] = deque()
        try:
            while True:
                while len(pending) < IN_FLIGHT:
                    batch = list(islice(source, BATCH))
                    if not batch:
                        break
                    pending.append(pool.submit(_child_render, batch, scope, timestamp))
                if not pending:
                    return
                yield from pending.popleft().result()
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
