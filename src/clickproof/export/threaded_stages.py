"""Pipeline stages on their own threads, with bounded queues between them.

The SQLite CSV child runs three stages at once: SQLite stepping (inside ADBC, no GIL held),
Arrow transform and CSV encoding (pyarrow, GIL released in C++), and hashing plus writing
(hashlib and os.write release the GIL on large buffers). Bounded queues keep memory flat: at
most `depth` items wait between two stages.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar, cast

from clickproof.export.csv_writer import ByteSink
from clickproof.export.hashing_writer import HashingWriter

T = TypeVar("T")

_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetched(Generic[T]):
    """Iterates `source` on a thread of its own, at most `depth` items ahead of the consumer.

    An exception in the source is raised in the consumer. `close()` stops the producer at its
    next item (the consumer may stop early).
    """

    def __init__(self, source: Iterable[T], depth: int) -> None:
        self._items: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(source,), daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._closed.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, source: Iterable[T]) -> None:
        try:
            for item in source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Failure(exc))
            return
        self._put(_END)

    def __iter__(self) -> Iterator[T]:
        try:
            while True:
                item = self._items.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the producer at its next item (it is not waited for: it may be inside a query)."""
        self._closed.set()


class HashingFdSink:
    """Writes buffers to a file descriptor on a thread of its own, counting and hashing them.

    `write` hands the buffer over (it must not change afterwards) and returns at once unless
    `depth` buffers already wait. `finish()` waits for the last write and raises its error.
    """

    def __init__(self, fd: int, depth: int) -> None:
        self.fd = fd
        self.size = 0
        self._hash = hashlib.sha256()
        self._buffers: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            item = self._buffers.get()
            if item is _END:
                return
            if self._error is not None:
                continue  # keep draining so the producer never blocks on a dead sink
            try:
                view = memoryview(item)  # type: ignore[arg-type]
                self._hash.update(view)
                while view.nbytes:
                    written = os.write(self.fd, view)
                    view = view[written:]
                self.size += len(memoryview(item))  # type: ignore[arg-type]
            except BaseException as exc:  # raised to the producer by write() or finish()
                self._error = exc

    def write(self, data: object) -> int:
        if self._error is not None:
            raise self._error
        self._buffers.put(data)
        return len(memoryview(data))  # type: ignore[arg-type]

    def finish(self) -> None:
        self._buffers.put(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def sha256(self) -> str:
        return self._hash.hexdigest()


def write_through_file(out: object, depth: int, write: Callable[[ByteSink], int]) -> int:
    """Run `write(sink)` with a sink that hashes and writes on a thread of its own straight into
    the file behind `out`, when `out` is a HashingWriter over a fresh regular file (its count and
    hash are then adopted); otherwise `write(out)`. Returns what `write` returns."""
    fd = out.fresh_file_fd() if isinstance(out, HashingWriter) else None
    if fd is None:
        return write(cast(ByteSink, out))
    assert isinstance(out, HashingWriter)
    sink = HashingFdSink(fd, depth)
    try:
        result = write(sink)
    except BaseException:
        with contextlib.suppress(BaseException):
            sink.finish()
        raise
    sink.finish()
    out.adopt(sink.size, sink.sha256())
    return result
