"""A binary file wrapper that counts bytes and hashes them with SHA-256 on the way through."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from typing import Any, BinaryIO


class HashingWriter:
    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.size = 0
        self._hash = hashlib.sha256()
        self._adopted: str | None = None

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

    def fresh_file_fd(self) -> int | None:
        """The descriptor of the regular file behind this writer when nothing was written through
        it yet (flushed first): another writer may then write straight into the file and `adopt`
        the result."""
        if self.size or self._adopted is not None:
            return None
        try:
            fd = self.target.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        self.target.flush()
        return fd

    def adopt(self, size: int, sha256: str) -> None:
        """Take over the count and hash of bytes another process wrote straight into the target
        (through its file descriptor), when nothing was written through this wrapper."""
        if self.size or self._adopted is not None:
            raise ValueError("bytes were already written through this writer")
        self.size = size
        self._adopted = sha256

    def sha256(self) -> str:
        return self._adopted if self._adopted is not None else self._hash.hexdigest()
