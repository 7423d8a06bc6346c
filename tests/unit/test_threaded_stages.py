"""Threaded pipeline stages: order kept, errors reach the consumer, hashes are of what was written."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickproof.export.threaded_stages import HashingFdSink, Prefetched


def test_prefetched_keeps_order() -> None:
    assert list(Prefetched(iter(range(1000)), depth=2)) == list(range(1000))


def test_an_error_in_the_source_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken source")

    seen: list[int] = []
    with pytest.raises(ValueError, match="broken source"):
        for item in Prefetched(source(), depth=1):
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    produced: list[int] = []

    def source() -> Iterator[int]:
        for i in range(10_000):
            produced.append(i)
            yield i

    for item in Prefetched(source(), depth=2):
        if item == 3:
            break
    assert len(produced) < 100


def test_sink_writes_counts_and_hashes_every_byte(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT)
    sink = HashingFdSink(fd, depth=2)
    blocks = [os.urandom(n) for n in (1, 70_000, 0, 5)]
    for block in blocks:
        sink.write(block)
    sink.finish()
    os.close(fd)
    received = (tmp_path / "out").read_bytes()
    assert received == b"".join(blocks)
    assert sink.size == len(received) and sink.sha256() == hashlib.sha256(received).hexdigest()


def test_a_write_error_is_raised_to_the_producer() -> None:
    read_fd, write_fd = os.pipe()
    os.close(read_fd)  # writing now fails with EPIPE
    sink = HashingFdSink(write_fd, depth=1)
    with pytest.raises(BrokenPipeError):
        for _ in range(100):
            sink.write(b"x" * 1000)
        sink.finish()
    os.close(write_fd)
