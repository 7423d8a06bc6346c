"""Removes what a cancelled attempt had written under its job's keys before it learned of the
cancel: the CSV, the zip parts of a one-pass PDF export and the manifest. None of them was ever
recorded (the commit requires `started`), so no link can reach them; this frees the space."""

from __future__ import annotations

from collections.abc import Callable

from clickproof.blobstore.base import BlobStore
from clickproof.evidence.manifest import MANIFEST_NAME

MAX_PARTS = 100_000


def remove_unpublished(blobs: BlobStore, job_id: str, csv_name: str, part_name: Callable[[int], str]) -> int:
    """Delete the job's files that exist; the number deleted. `part_name(n)` names zip part n."""
    keys = [f"{job_id}/{csv_name}", f"{job_id}/{MANIFEST_NAME}"]
    removed = 0
    for key in keys:
        if blobs.exists(key):
            blobs.delete(key)
            removed += 1
    for n in range(1, MAX_PARTS):
        key = f"{job_id}/{part_name(n)}"
        if not blobs.exists(key):
            break
        blobs.delete(key)
        removed += 1
    return removed
