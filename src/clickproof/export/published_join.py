"""Recognising a chunked CSV that an interrupted attempt already joined.

The join deletes the parts once the whole file is published; an attempt that dies after that (a
crash, a deploy's SIGTERM, a kill at the commit) leaves the chunks marked done with no parts. The
next attempt checks the published file against what was recorded, byte range by byte range: the
header must be the one this attempt would write, and each chunk's range must have the SHA-256
recorded when its part was written. Only an exact match is reused."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from clickproof.blobstore.base import BlobStore
from clickproof.store.export_chunks import Chunk

READ_BLOCK = 1024 * 1024


def verified_join(
    blobs: BlobStore, key: str, prefix: bytes, chunks: Sequence[Chunk]
) -> tuple[int, str] | None:
    """(size, SHA-256) of the file at `key` when it is exactly `prefix` followed by every chunk's
    recorded part, in order; None when it is absent or differs in any byte."""
    if not blobs.exists(key) or any(c.size is None or c.sha256 is None for c in chunks):
        return None
    whole = hashlib.sha256()
    size = 0
    with blobs.reader(key) as handle:
        head = handle.read(len(prefix))
        if head != prefix:
            return None
        whole.update(head)
        size += len(head)
        for chunk in chunks:
            assert chunk.size is not None
            part = hashlib.sha256()
            remaining = chunk.size
            while remaining:
                block = handle.read(min(READ_BLOCK, remaining))
                if not block:
                    return None
                part.update(block)
                whole.update(block)
                remaining -= len(block)
                size += len(block)
            if part.hexdigest() != chunk.sha256:
                return None
        if handle.read(1):
            return None
    return size, whole.hexdigest()
