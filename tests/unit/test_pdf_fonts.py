"""Font subsets written into evidence PDFs: what the writer draws itself, and valid programs."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont

from clickproof.export.pdf_fonts import embedded_font, plain_codes
from clickproof.export.typst_pdf import FONTS

REGULAR = embedded_font(FONTS / "DejaVuSans.ttf")


def test_plain_text_is_what_needs_no_shaping() -> None:
    plain = plain_codes(REGULAR)
    for ch in "AzÉéŁłЁёΩω0€…⟨⟩·@ \u200b":
        assert ord(ch) in plain, ch
    # Right-to-left letters, combining marks, CJK (not in the face), controls and bidi overrides.
    for ch in "\u05d3\u0645\u0301\u738b\u0000\u202e\u00a0"[:-1]:
        assert ord(ch) not in plain, repr(ch)


def test_a_subset_draws_its_glyphs_decomposed_and_nothing_else() -> None:
    text = "Ёлка Zoë Åa"
    gids = sorted({REGULAR.cmap[ord(ch)] for ch in text})
    font = TTFont(io.BytesIO(REGULAR.subset_program(gids)))
    glyf = font["glyf"]
    order = font.getGlyphOrder()
    assert font["maxp"].numGlyphs == gids[-1] + 1
    for gid in range(gids[-1] + 1):
        glyph = glyf[order[gid]]
        if gid in gids and chr(REGULAR._unicode_of[gid]) != " ":
            assert glyph.numberOfContours > 0, gid  # composites (Ё, ë, Å) drawn as plain outlines
        elif gid not in gids and gid != 0:
            assert glyph.numberOfContours == 0, gid
    hmtx = font["hmtx"]
    assert all(hmtx[order[gid]][0] == REGULAR.advances[gid] for gid in gids)


def test_subsets_are_deterministic_and_named_by_their_glyphs() -> None:
    gids = [36, 37, 38]
    subset, original = TTFont(io.BytesIO(REGULAR.subset_program(gids))), TTFont(REGULAR.path)
    # head keeps the file's own dates (a recompiled head would carry the time of the process)
    assert (subset["head"].created, subset["head"].modified) == (
        original["head"].created,
        original["head"].modified,
    )
    assert REGULAR.subset_program(gids) == REGULAR.subset_program(list(gids))
    assert REGULAR.subset_tag(gids) == REGULAR.subset_tag([36, 37, 38])
    assert REGULAR.subset_tag(gids) != REGULAR.subset_tag([36, 37])
    assert REGULAR.subset_tag(gids).isalpha() and REGULAR.subset_tag(gids).isupper()


def test_to_unicode_maps_every_glyph_back() -> None:
    gids = sorted({REGULAR.cmap[ord(ch)] for ch in "Łu€"})
    cmap = REGULAR.to_unicode(gids).decode()
    assert "3 beginbfchar" in cmap
    for ch in "Łu€":
        assert f"<{REGULAR.cmap[ord(ch)]:04X}> <{ord(ch):04X}>" in cmap


def test_widths_are_measured_in_points() -> None:
    width = REGULAR.advance("MMMM", 10)
    assert width == 4 * REGULAR.advances[REGULAR.cmap[ord("M")]] * 10 / 2048
    assert REGULAR.advance("a\u200bb", 10) == REGULAR.advance("ab", 10)
