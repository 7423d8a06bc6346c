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


@cache
def drawable_codes(fonts: Path) -> frozenset[int]:
    """What the templates can draw in regular and bold text: DejaVu Sans (both weights) or the CJK font."""
    dejavu = font_codes(fonts / "DejaVuSans.ttf") & font_codes(fonts / "DejaVuSans-Bold.ttf")
    return frozenset(dejavu | font_codes(fonts / "wqy-microhei.ttc"))
