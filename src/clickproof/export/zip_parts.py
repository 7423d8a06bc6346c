"""Streams generated entries into zip files (ZIP64 when needed) of bounded size, one part at a time.

Entry names come from the caller's ids and are checked against a strict pattern, so nothing a
signer typed can become a path. Entries are stored (PDFs do not compress); each part ends with a
`SHA256SUMS` entry (sha256sum format) of its entries. Memory holds one entry and the current
part's index, whatever the number of entries.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, cast

from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportFile
from clickproof.domain.object_id import is_object_id
from clickproof.export.hashing_writer import HashingWriter

ENTRY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.[a-z]{1,8}$")
CHECKSUMS_ENTRY = "SHA256SUMS"
_ENTRY_OVERHEAD = 200  # local header + data descriptor + central directory record, upper bound


def pdf_entry_name(activity_id: str) -> str:
    """The zip entry of an activity's PDF: its id, or a hash of it if the id is not an object id."""
    return (
        f"{activity_id}.pdf"
        if is_object_id(activity_id)
        else f"activity-{hashlib.sha256(activity_id.encode()).hexdigest()[:24]}.pdf"
    )


@dataclass(frozen=True)
class ZipPart:
    name: str
    storage_key: str
    size: int
    sha256: str
    entries: int  # data entries, without SHA256SUMS


class ZipPartWriter:
    def __init__(
        self,
        blobs: BlobStore,
        *,
        part_name: Callable[[int], str],
        storage_key: Callable[[str], str],
        part_bytes: int,
        date_time: datetime,
    ) -> None:
        self.blobs = blobs
        self.part_name = part_name
        self.storage_key = storage_key
        self.part_bytes = part_bytes
        self.date_time = (max(date_time.year, 1980), *date_time.timetuple()[1:6])
        self.parts: list[ZipPart] = []
        self._stack: ExitStack | None = None
        self._zip: zipfile.ZipFile | None = None
        self._out: HashingWriter | None = None
        self._sums: list[str] = []
        self._name = ""

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=cast(Any, self.date_time))
        info.compress_type = zipfile.ZIP_STORED
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        return info

    def _open_part(self) -> None:
        self._name = self.part_name(len(self.parts) + 1)
        stack = ExitStack()
        handle = stack.enter_context(self.blobs.writer(self.storage_key(self._name)))
        self._out = HashingWriter(handle)
        # A writer without seek/tell: zipfile streams (data descriptors) and never rewrites bytes.
        self._zip = zipfile.ZipFile(cast(BinaryIO, _StreamOnly(self._out)), mode="w", allowZip64=True)
        self._stack = stack
        self._sums = []

    def _close_part(self) -> None:
        assert self._zip is not None and self._out is not None and self._stack is not None
        self._zip.writestr(self._info(CHECKSUMS_ENTRY), "".join(self._sums).encode())
        self._zip.close()
        self._stack.close()  # publishes the part
        self.parts.append(
            ZipPart(
                self._name,
                self.storage_key(self._name),
                self._out.size,
                self._out.sha256(),
                len(self._sums),
            )
        )
        self._zip = self._out = self._stack = None

    def add(self, name: str, data: bytes) -> None:
        if not ENTRY_NAME.match(name) or name == CHECKSUMS_ENTRY:
            raise ValueError(f"refusing zip entry name {name[:40]!r}")
        if self._zip is not None and self._out is not None and self._sums:
            projected = (
                self._out.size + len(data) + _ENTRY_OVERHEAD * (len(self._sums) + 2) + 80 * len(self._sums)
            )
            if projected > self.part_bytes:
                self._close_part()
        if self._zip is None:
            self._open_part()
        assert self._zip is not None
        self._zip.writestr(self._info(name), data)
        self._sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")

    def close(self) -> list[ZipPart]:
        """Finish the last part; with no entry at all, one part holds only an empty SHA256SUMS."""
        if self._zip is None and not self.parts:
            self._open_part()
        if self._zip is not None:
            self._close_part()
        return self.parts

    def abort(self) -> None:
        """Drop the part being written (its temp file is removed, nothing is published)."""
        if self._stack is not None:
            stack, self._stack, self._zip = self._stack, None, None
            with suppress(RuntimeError):
                stack.__exit__(RuntimeError, RuntimeError("aborted"), None)


def part_files(
    parts: list[ZipPart], *, export_type: str, part_name: Callable[[int], str], first_position: int
) -> list[ExportFile]:
    """The job's files for the zip parts written, in order: part N (from 1) named part_name(N)."""
    return [
        ExportFile(
            name=part_name(index + 1),
            export_type=export_type,
            storage_key=p.storage_key,
            content_type="application/zip",
            size=p.size,
            sha256=p.sha256,
            rows=p.entries,
            position=first_position + index,
        )
        for index, p in enumerate(parts)
    ]


class _StreamOnly:
    """Write-only view of a stream: hides seek/tell so zipfile writes strictly forward."""

    def __init__(self, target: HashingWriter) -> None:
        self.target = target

    def write(self, data: Any) -> int:
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()
