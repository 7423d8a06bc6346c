"""TrueType fonts embedded by the certificate writer: measuring text and subsetting per PDF.

The certificate writer draws text in scripts that need no shaping (Latin, Greek, Cyrillic,
punctuation, symbols; see `plain_codes`) with DejaVu Sans itself; anything else (CJK,
right-to-left, combining marks) is typeset by typst (export/pdf_snippets.py).

Each PDF embeds only the glyphs it draws. The glyphs keep their numbers in the full font
(character ids are glyph ids, `/CIDToGIDMap /Identity`), so a line of text encodes the same way
in every PDF and its encoding can be cached; the font program written into a PDF is the full
font's skeleton with every unused glyph empty: a few kilobytes once compressed. Glyphs are
decomposed (no composite references to follow) and unhinted (no programs to carry), computed
once per glyph per process.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

# Bidi classes that need reordering or shaping: right-to-left letters and digits, combining marks.
_COMPLEX_BIDI = frozenset({"R", "AL", "AN", "NSM"})
# Categories never drawn by the writer: marks (they attach to the glyph before them) and invisibles.
_COMPLEX_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Blocks of scripts that need shaping or reordering even where single characters look harmless.
_SHAPED_BLOCKS = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_ZERO_WIDTH_SPACE = 0x200B


@dataclass(frozen=True)
class FontMetrics:
    units_per_em: int
    ascent: int
    descent: int
    cap_height: int
    line_ascent: int  # OS/2 typographic ascender: where lines sit, as typst sets them
    line_descent: int
    bbox: tuple[int, int, int, int]


class EmbeddedFont:
    """One TrueType font: advance widths, glyph ids, and a per-PDF subset of its program.

    Thread-safe: the glyph cache only ever gains entries computed the same way.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        font = TTFont(str(path))  # tables parsed when first used, glyphs one by one
        self._font = font
        self._lock = threading.Lock()
        self.cmap: dict[int, int] = {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}
        metrics = font["hmtx"].metrics
        order = font.getGlyphOrder()
        self.advances: list[int] = [metrics[name][0] for name in order]
        head, hhea = font["head"], font["hhea"]
        self.metrics = FontMetrics(
            units_per_em=head.unitsPerEm,
            ascent=hhea.ascent,
            descent=hhea.descent,
            cap_height=_cap_height(font),
            line_ascent=font["OS/2"].sTypoAscender,
            line_descent=font["OS/2"].sTypoDescender,
            bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
        )
        self.postscript_name: str = font["name"].getDebugName(6) or path.stem
        # The tables as stored in the file: compiling them again would stamp the current time
        # into head.modified and make subsets differ between processes.
        self._head = bytes(font.reader["head"])
        self._hhea = bytes(font.reader["hhea"])
        self._maxp = bytes(font.reader["maxp"])
        self._glyphs: dict[int, tuple[bytes, int]] = {0: self._outline(0)}
        # Advance of each drawable character in font units; the zero-width space is a break only.
        self.char_advance: dict[str, int] = {chr(code): self.advances[gid] for code, gid in self.cmap.items()}
        self.char_advance["\u200b"] = 0
        self._unicode_of: dict[int, int] = {}
        for code, gid in sorted(self.cmap.items(), reverse=True):
            self._unicode_of[gid] = code  # the lowest code drawn with a glyph names it

    def advance(self, text: str, size: float) -> float:
        """Width of `text` at `size` points (no kerning: the writer sets text without it)."""
        widths = self.char_advance
        return sum(widths[ch] for ch in text) * size / self.metrics.units_per_em

    def encode(self, text: str) -> bytes:
        """`text` as a hex string of 2-byte glyph ids (Identity-H); zero-width spaces are dropped."""
        cmap = self.cmap
        return b"<" + "".join(f"{cmap[ord(ch)]:04X}" for ch in text if ch != "\u200b").encode() + b">"

    def _outline(self, gid: int) -> tuple[bytes, int]:
        """(glyph data, decomposed and without instructions; its left side bearing)."""
        font = self._font
        name = font.getGlyphOrder()[gid]
        glyph_set = font.getGlyphSet()
        recording = DecomposingRecordingPen(glyph_set)  # components drawn as their own outlines
        glyph_set[name].draw(recording)
        pen = TTGlyphPen(None)
        recording.replay(pen)
        glyph = pen.glyph()
        table = font["glyf"]
        if glyph.numberOfContours == 0:
            return b"", 0
        glyph.recalcBounds(table)
        return glyph.compile(table, recalcBBoxes=False), int(glyph.xMin)

    def glyph(self, gid: int) -> tuple[bytes, int]:
        cached = self._glyphs.get(gid)
        if cached is None:
            with self._lock:  # fontTools' glyph set is not safe to draw from two threads at once
                cached = self._glyphs.get(gid)
                if cached is None:
                    cached = self._glyphs[gid] = self._outline(gid)
        return cached

    def subset_program(self, gids: list[int]) -> bytes:
        """A TrueType program with the glyphs `gids` (and .notdef); every other glyph is empty."""
        used = sorted({0, *gids})
        count = used[-1] + 1
        lengths = [0] * (count + 1)
        data: list[bytes] = []
        metrics = bytearray(4 * count)
        for gid in used:
            outline, lsb = self.glyph(gid)
            padded = outline + b"\0" * (-len(outline) % 4)
            lengths[gid + 1] = len(padded)
            data.append(padded)
            struct.pack_into(">Hh", metrics, 4 * gid, self.advances[gid], lsb)
        loca = struct.pack(f">{count + 1}I", *accumulate(lengths))
        head = bytearray(self._head)
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
        struct.pack_into(">h", head, 50, 1)  # indexToLocFormat: long offsets
        hhea = bytearray(self._hhea)
        struct.pack_into(">H", hhea, 34, count)  # numberOfHMetrics
        maxp = bytearray(self._maxp)
        struct.pack_into(">H", maxp, 4, count)  # numGlyphs
        post = struct.pack(">IIhhIIIII", 0x00030000, 0, 0, 0, 0, 0, 0, 0, 0)
        tables = {
            b"glyf": b"".join(data),
            b"head": bytes(head),
            b"hhea": bytes(hhea),
            b"hmtx": bytes(metrics),
            b"loca": loca,
            b"maxp": bytes(maxp),
            b"post": post,
        }
        program = _sfnt(tables)
        adjustment = (0xB1B0AFBA - _checksum(program)) & 0xFFFFFFFF
        head_at = _table_offset(program, b"head")
        program[head_at + 8 : head_at + 12] = struct.pack(">I", adjustment)
        return bytes(program)

    def to_unicode(self, gids: list[int]) -> bytes:
        """A ToUnicode CMap (ISO 32000 §9.10.3) for glyph ids `gids`: how text is copied out."""
        pairs = [
            b"<%04X> <%s>" % (gid, chr(self._unicode_of[gid]).encode("utf-16-be").hex().upper().encode())
            for gid in gids
            if gid in self._unicode_of
        ]
        chunks = [pairs[i : i + 100] for i in range(0, len(pairs), 100)]
        body = b"".join(b"%d beginbfchar\n%s\nendbfchar\n" % (len(c), b"\n".join(c)) for c in chunks)
        return (
            b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + body
            + b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        )

    def subset_tag(self, gids: list[int]) -> str:
        """Six capital letters naming this subset (ISO 32000 §9.6.4), derived from its glyphs."""
        digest = hashlib.sha256(struct.pack(f">{len(gids)}H", *gids)).digest()
        return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _cap_height(font: TTFont) -> int:
    """OS/2 sCapHeight, or (older OS/2 tables have none) the top of the letter H."""
    os2 = font["OS/2"]
    if os2.version >= 2:
        return int(os2.sCapHeight)
    glyph = font["glyf"][font.getBestCmap()[ord("H")]]
    return int(glyph.yMax)


def _checksum(data: bytes | bytearray) -> int:
    padded = bytes(data) + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytearray:
    """The font file: offset table, table records (sorted by tag) and the tables, 4-byte aligned."""
    count = len(tables)
    power = 1 << (count.bit_length() - 1)
    out = bytearray(
        struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    )
    offset = 12 + 16 * count
    body = bytearray()
    for tag in sorted(tables):
        table = tables[tag]
        out += struct.pack(">4sIII", tag, _checksum(table), offset + len(body), len(table))
        body += table + b"\0" * (-len(table) % 4)
    return out + body


def _table_offset(program: bytes | bytearray, tag: bytes) -> int:
    (count,) = struct.unpack_from(">H", program, 4)
    for index in range(count):
        record_tag, _checksum_value, offset, _length = struct.unpack_from(">4sIII", program, 12 + 16 * index)
        if record_tag == tag:
            return int(offset)
    raise KeyError(tag)


@cache
def embedded_font(path: Path) -> EmbeddedFont:
    """One parsed font per file per process."""
    return EmbeddedFont(path)


@cache
def plain_codes(font: EmbeddedFont) -> frozenset[int]:
    """Characters the writer draws itself with `font`: one glyph each, left to right, no shaping."""
    return frozenset(
        code
        for code in font.cmap
        if code >= 0x20
        and not any(low <= code <= high for low, high in _SHAPED_BLOCKS)
        and unicodedata.bidirectional(chr(code)) not in _COMPLEX_BIDI
        and unicodedata.category(chr(code)) not in _COMPLEX_CATEGORIES
    ) | {_ZERO_WIDTH_SPACE}
