"""Export files in a local directory, published by write → fsync → rename → fsync(dir); files
are created 0600 and folders 0700."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def validate_key(key: str) -> str:
    """Keys are relative paths of safe segments, generated from ids: never `..`, never absolute."""
    if not _SAFE_KEY.match(key) or ".." in key:
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Temp files of earlier attempts at this key (a worker killed mid-write) go first; a stale
        # attempt still writing to one then fails at its rename, which is what it deserves.
        for stale in final.parent.glob(f".{final.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
        try:
            # Evidence is personal data: readable by this user only, whatever the umask.
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(descriptor, "wb", buffering=1024 * 1024) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
            _fsync_dir(final.parent)
        finally:
            temp.unlink(missing_ok=True)

    @contextmanager
    def reader(self, key: str) -> Iterator[BinaryIO]:
        with open(self._path(key), "rb") as handle:
            yield handle

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def presigned_url(self, key: str, ttl_seconds: int) -> str | None:
        """Local files are served by clickproof's own signed download route."""
        return None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
