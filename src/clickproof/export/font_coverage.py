"""Which characters the shipped fonts can draw, read from their `cmap` tables (TTF and TTC).

Characters outside this set are printed as ⟨U+XXXX⟩ markers instead of missing-glyph boxes,
which PDF/A forbids and a reader could not tell apart.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from functools import cache
from pathlib import Path


def _tables(data: bytes, offset: int) -> dict[bytes, tuple[int, int]]:
    (count,) = struct.unpack_from(">H", data, offset + 4)
    tables: dict[bytes, tuple[int, int]] = {}
    for index in range(count):
        tag, _checksum, start, length = struct.unpack_from(">4sIII", data, offset + 12 + 16 * index)
        tables[tag] = (start, length)
    return tables


def _format4(data: bytes, at: int) -> set[int]:
    seg_count = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{seg_count}H", data, at + 14)
    starts = struct.unpack_from(f">{seg_count}H", data, at + 16 + 2 * seg_count)
    deltas = struct.unpack_from(f">{seg_count}h", data, at + 16 + 4 * seg_count)
    range_at = at + 16 + 6 * seg_count
    ranges = struct.unpack_from(f">{seg_count}H", data, range_at)
    codes: set[int] = set()
    for i in range(seg_count):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if ranges[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                where = range_at + 2 * i + ranges[i] + 2 * (code - starts[i])
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                codes.add(code)
    return codes


def _format12(data: bytes, at: int) -> set[int]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    codes: set[int] = set()
    for index in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * index)
        codes.update(range(start if glyph else start + 1, end + 1))
    return codes


def _font_codes(data: bytes, offset: int) -> set[int]:
    cmap, _ = _tables(data, offset)[b"cmap"]
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    subtables: dict[tuple[int, int], int] = {}
    for index in range(count):
        platform, encoding, start = struct.unpack_from(">HHI", data, cmap + 4 + 8 * index)
        subtables[(platform, encoding)] = cmap + start
    for key in ((3, 10), (0, 4), (0, 6)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 12:
            return _format12(data, subtables[key])
    for key in ((3, 1), (0, 3), (0, 1), (0, 0)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 4:
            return _format4(data, subtables[key])
    return set()


def font_codes(path: Path) -> set[int]:
    """Code points with a glyph in the font file (every face of a collection)."""
    data = path.read_bytes()
    if data[:4] == b"ttcf":
        (faces,) = struct.unpack_from(">I", data, 8)
        offsets: Iterable[int] = struct.unpack_from(f">{faces}I", data, 12)
    else:
        offsets = (0,)
    codes: set[int] = set()
    for offset in offsets:
        codes |= _font_codes(data, offset)
    return codes


@cache
def drawable_codes(fonts: Path) -> frozenset[int]:
    """What the templates can draw in regular and bold text: DejaVu Sans (both weights) or the CJK font."""
    dejavu = font_codes(fonts / "DejaVuSans.ttf") & font_codes(fonts / "DejaVuSans-Bold.ttf")
    return frozenset(dejavu | font_codes(fonts / "wqy-microhei.ttc"))
