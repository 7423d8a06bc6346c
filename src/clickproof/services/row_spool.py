"""Validated import rows (the activities to write), kept for the write pass: in memory while
few, then in a private temp file.

Parsing and validating a row costs several times what pickling it back and forth does, so a
large file is read and checked once; memory stays bounded by `memory_rows` plus one block.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")
BLOCK_ROWS = 1_000  # rows per pickle: small blocks keep the unpickled window small


class RowSpool(Generic[T]):
    def __init__(self, memory_rows: int) -> None:
        self.memory_rows = memory_rows
        self._rows: list[T] = []
        self._file: IO[bytes] | None = None
        self.count = 0

    def append(self, row: T) -> None:
        self._rows.append(row)
        self.count += 1
        if self._file is not None and len(self._rows) >= BLOCK_ROWS:
            self._flush()
        elif self._file is None and len(self._rows) > self.memory_rows:
            self._file = tempfile.TemporaryFile(prefix="clickproof-import-")  # noqa: SIM115 - closed by close()
            self._flush()

    def _flush(self) -> None:
        assert self._file is not None
        for start in range(0, len(self._rows), BLOCK_ROWS):
            pickle.dump(self._rows[start : start + BLOCK_ROWS], self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._rows = []

    def __iter__(self) -> Iterator[T]:
        """The rows in the order they came (once the spool is complete)."""
        if self._file is None:
            yield from self._rows
            return
        if self._rows:
            self._flush()
        self._file.seek(0)
        while True:
            try:
                block: list[T] = pickle.load(self._file)  # noqa: S301 - our own private temp file
            except EOFError:
                return
            yield from block

    def close(self) -> None:
        self._rows = []
        if self._file is not None:
            self._file.close()
            self._file = None
