"""The storage role every backend plays: write once under a key, read back, locate for download."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol


class BlobStore(Protocol):
    def writer(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A file to write; it appears under `key` only when the block exits without error."""
        ...

    def reader(self, key: str) -> AbstractContextManager[BinaryIO]:
        """The bytes stored under `key`."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key` if it exists."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file of `key` on this machine, for serving it; None if the store is remote."""
        ...

    def exists(self, key: str) -> bool: ...

    def presigned_url(self, key: str, ttl_seconds: int) -> str | None:
        """A time-limited URL the storage itself serves, or None when clickproof serves the file."""
        ...
