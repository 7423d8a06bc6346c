"""Reading the entries of a zip whose central directory is damaged, from their local headers.

clickproof's zip parts store entries uncompressed and streamed, so each local header may carry
zero sizes and be followed by a data descriptor (`PK\\x07\\x08`, CRC-32, sizes, 32- or 64-bit).
An entry's data ends at the first descriptor whose recorded size equals the bytes since the data
began; its CRC-32 then tells whether those bytes are intact. Enough to say, of a zip that
`zipfile` refuses, which entries can still be read and which cannot.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


@dataclass(frozen=True)
class SalvagedEntry:
    name: str
    data: bytes | None  # None: the entry's data could not be delimited or fails its CRC-32
    problem: str | None


def _stored_size(raw: bytes, start: int, declared: int, flags: int) -> tuple[int, int] | None:
    """(data length, CRC-32) of the entry whose data begins at `start`."""
    if not flags & 0x08 and declared:
        return declared, -1
    search = start
    while (hit := raw.find(_DESCRIPTOR, search)) != -1:
        length = hit - start
        crc, small = struct.unpack_from("<II", raw, hit + 4) if hit + 12 <= len(raw) else (0, -1)
        large = struct.unpack_from("<IQ", raw, hit + 4)[1] if hit + 16 <= len(raw) else -1
        if length in (small, large):
            return length, crc
        search = hit + 1
    return None


def salvage_entries(raw: bytes) -> list[SalvagedEntry]:
    entries: list[SalvagedEntry] = []
    position = raw.find(_LOCAL)
    while position != -1 and position + _LOCAL_HEADER.size <= len(raw):
        fields = _LOCAL_HEADER.unpack_from(raw, position)
        flags, method, crc, declared = fields[2], fields[3], fields[6], fields[7]
        name_length, extra_length = fields[9], fields[10]
        name_start = position + _LOCAL_HEADER.size
        name = raw[name_start : name_start + name_length].decode("utf-8", "replace")
        data_start = name_start + name_length + extra_length
        found = _stored_size(raw, data_start, declared, flags) if method == 0 else None
        if found is None:
            entries.append(SalvagedEntry(name, None, "its data cannot be delimited"))
            position = raw.find(_LOCAL, data_start)
            continue
        length, descriptor_crc = found
        data = raw[data_start : data_start + length]
        expected = descriptor_crc if descriptor_crc != -1 else crc
        if zlib.crc32(data) != expected:
            entries.append(SalvagedEntry(name, None, "CRC-32 mismatch: the entry's bytes changed"))
        else:
            entries.append(SalvagedEntry(name, data, None))
        position = raw.find(_LOCAL, data_start + length)
    return entries
