"""A binary file wrapper that counts bytes and hashes them with SHA-256 on the way through."""

from __future__ import annotations

import hashlib
from typing import Any, BinaryIO


class HashingWriter:
    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.size = 0
        self._hash = hashlib.sha256()

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._hash.update(view)
        self.size += view.nbytes
        return self.target.write(view)

    def flush(self) -> None:
        self.target.flush()

    @property
    def closed(self) -> bool:
        return self.target.closed

    def writable(self) -> bool:
        return True

    def sha256(self) -> str:
        return self._hash.hexdigest()
