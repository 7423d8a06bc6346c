"""Which characters the shipped fonts can draw, read from their `cmap` tables (TTF and TTC).

Characters outside this set are printed as ⟨U+XXXX⟩ markers instead of missing-glyph boxes,
which PDF/A forbids and a reader could not tell apart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont


def font_codes(path: Path) -> set[int]:
    """Code points with a glyph in the font file (every face of a collection)."""
    faces = (
        TTCollection(str(path), lazy=True).fonts if path.suffix == ".ttc" else [TTFont(str(path), lazy=True)]
    )
    codes: set[int] = set()
    for face in faces:
        codes.update(code for code, name in face.getBestCmap().items() if name != ".notdef")
    return codes


# Faces shipped in a regular and a bold weight (the CJK face has one weight; typst emboldens it).
WEIGHTED_FACES = (
    "DejaVuSans",
    "NotoSansDevanagari",
    "NotoSansBengali",
    "NotoSansTamil",
    "NotoSansThai",
    "NotoSansEthiopic",
)
SINGLE_WEIGHT_FACES = ("wqy-microhei.ttc",)


@cache
def drawable_codes(fonts: Path) -> frozenset[int]:
    """What the templates can draw in regular and bold text: a character of a face shipped in both
    weights (DejaVu Sans for Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic; Noto Sans
    for Devanagari, Bengali, Tamil, Thai, Ethiopic), or of the CJK face (Han, kana, Hangul)."""
    codes: set[int] = set()
    for face in WEIGHTED_FACES:
        codes |= font_codes(
            fonts / f"{face}.ttf" if face == "DejaVuSans" else fonts / f"{face}-Regular.ttf"
        ) & (font_codes(fonts / f"{face}-Bold.ttf"))
    for name in SINGLE_WEIGHT_FACES:
        codes |= font_codes(fonts / name)
    return frozenset(codes)
