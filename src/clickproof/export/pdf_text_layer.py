"""The text layer of typst's pages, corrected so that copying and searching give back the text.

Typst writes right-to-left runs in visual order inside `/ReversedChars` marked content, and maps
each glyph to the characters it draws (ToUnicode). Text extractors (poppler's pdftotext, which
readers' search follows) reverse a right-to-left run character by character, so a glyph that
draws several characters — the lam-alef ligature, a letter with its vowel marks — came out with
them reversed: `االختبار` for `الاختبار`. Such a glyph's characters are stored reversed here, so
that the extractor's reversal gives back the logical order.

The first-strong isolates around merged values (evidence/text_direction.py) are layout controls
of ours, not part of the text: they are removed from the mappings and from the `/ActualText`
typst gives the clusters next to them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import pikepdf

_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_ISOLATE_CONTROLS = frozenset("\u2066\u2067\u2068\u2069")
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
_ACTUAL_TEXT = re.compile(rb"/ActualText\s*<FEFF((?:[0-9A-Fa-f]{4})*)>")
_ISOLATE_UNITS = frozenset({b"2066", b"2067", b"2068", b"2069"})


def corrected_mapping(characters: str) -> str:
    """A glyph's characters as the ToUnicode map should store them (an isolate alone: nothing)."""
    kept = "".join(ch for ch in characters if ch not in _ISOLATE_CONTROLS)
    if len(kept) > 1 and unicodedata.bidirectional(kept[0]) in _RIGHT_TO_LEFT:
        return kept[::-1]
    return kept


def _corrected_cmap(data: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        raw = bytes.fromhex(match.group(2).decode())
        characters = raw.decode("utf-16-be", errors="surrogatepass")
        fixed = corrected_mapping(characters).encode("utf-16-be", errors="surrogatepass")
        return b"<%s> <%s>" % (match.group(1), fixed.hex().upper().encode())

    return _BFCHAR.sub(replace, data)


def _without_isolates(content: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        units = match.group(1)
        kept = b"".join(
            units[i : i + 4]
            for i in range(0, len(units), 4)
            if units[i : i + 4].upper() not in _ISOLATE_UNITS
        )
        return b"/ActualText<FEFF%s>" % kept

    return _ACTUAL_TEXT.sub(replace, content)


def correct_text_layer(pdf: pikepdf.Pdf) -> None:
    """Rewrite the ToUnicode map of every font the pages use (once per font) and the pages'
    `/ActualText` spans."""
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        for stream in streams:
            if isinstance(stream, pikepdf.Stream):
                original = stream.read_bytes()
                if b"/ActualText" in original:
                    fixed = _without_isolates(original)
                    if fixed != original:
                        stream.write(zlib.compress(fixed, 6), filter=pikepdf.Name.FlateDecode)
        fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary())
        for font in fonts.values():
            to_unicode = font.get("/ToUnicode")
            if not isinstance(to_unicode, pikepdf.Stream) or to_unicode.objgen in seen:
                continue
            seen.add(to_unicode.objgen)
            original = to_unicode.read_bytes()
            fixed = _corrected_cmap(original)
            if fixed != original:
                to_unicode.write(zlib.compress(fixed, 6), filter=pikepdf.Name.FlateDecode)
