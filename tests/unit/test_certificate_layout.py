"""Certificate layout: line breaking, where text goes, page breaks and page furniture."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from clickproof.export.certificate_layout import (
    BODY,
    MARGIN_Y,
    PAGE_HEIGHT,
    VALUE_WIDTH,
    TextStyle,
    _wrap,
)
from clickproof.export.pdf_objects import ObjectTemplate
from clickproof.export.pdf_renderer import EvidencePdfRenderer

RENDERER = EvidencePdfRenderer()
FONT = RENDERER.fonts["regular"]
WORDS = st.text(alphabet="abcXYZ0123 .-\u200bÉЁ", max_size=400)


@settings(max_examples=200, deadline=None)
@given(text=WORDS, width=st.floats(min_value=20, max_value=400))
def test_wrapped_lines_fit_and_keep_every_character(text: str, width: float) -> None:
    lines = _wrap(FONT, text, 8.5, width)
    assert all(
        FONT.advance(line.rstrip(" "), 8.5) <= width + 1e-9 or len(line.rstrip(" ")) == 1 for line in lines
    )
    assert "".join(lines).replace(" ", "").replace("\u200b", "") == text.replace(" ", "").replace(
        "\u200b", ""
    )


def test_lines_break_at_spaces_then_anywhere() -> None:
    assert _wrap(FONT, "alpha beta gamma", 8.5, FONT.advance("alpha beta", 8.5) + 0.1) == (
        "alpha beta",
        "gamma",
    )
    assert _wrap(FONT, "ab\u200bcd", 8.5, FONT.advance("abc", 8.5)) == ("ab", "cd")
    cut = _wrap(FONT, "x" * 100, 8.5, 50)
    assert len(cut) > 1 and "".join(cut) == "x" * 100
    assert _wrap(FONT, "", 8.5, 50) == ("",)


class CountingSnippets:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def snippet(self, text: str, style: TextStyle, width: float) -> ObjectTemplate:
        self.texts.append(text)
        return ObjectTemplate(root_count=1, objects=((b"<<>>",),), width=width, height=20.0)


def certificate(rows: list[list[str | None]]) -> dict[str, object]:
    return {
        "title": "Certificate of acceptance",
        "subtitle": "agreed · Terms",
        "stamp": "recorded 2026-01-01T00:00:00Z",
        "header_left": "Site · clickwrap evidence record",
        "header_right": "activity 0123",
        "footer_left": "clickproof · export x",
        "footer_part": "certificate page",
        "sections": [{"title": "Custom data", "rows": rows}, {"title": "Render data", "rows": []}],
        "integrity_note": "SHA-256 of the activity:",
        "fingerprint": "0" * 64,
    }


def layout(rows: list[list[str | None]]) -> tuple[list[bytes], CountingSnippets]:
    snippets = CountingSnippets()
    layout = type(RENDERER.layout)(RENDERER.fonts, RENDERER.layout.plain, snippets)
    return layout.layout(certificate(rows)).pages, snippets


def test_text_needing_shaping_goes_to_typst_and_the_rest_is_drawn() -> None:
    pages, snippets = layout([["name", "محمد"], ["city", "Zürich"], ["company", "株式会社"], ["n", None]])
    assert snippets.texts == ["محمد", "株式会社"]
    assert b"/S0 Do" in pages[0] and b"/S1 Do" in pages[0]


def test_many_rows_break_into_pages_that_stay_inside_the_margins() -> None:
    pages, _ = layout([[f"key {i}", f"value {i} " * (i % 7 + 1)] for i in range(300)])
    assert len(pages) > 5
    for page in pages:
        ys = [float(y) for y in re.findall(rb"[\d.]+ ([\d.]+) Tm", page)]
        body = [y for y in ys if MARGIN_Y <= y <= PAGE_HEIGHT - MARGIN_Y]
        assert len(body) > 20
        assert all(MARGIN_Y - 30 <= y <= PAGE_HEIGHT - 30 for y in ys)  # header and footer included


def test_a_row_is_as_tall_as_its_longest_value() -> None:
    long_value = "word " * 400
    lines = _wrap(FONT, long_value, BODY.size, VALUE_WIDTH)
    pages, _ = layout([["long", long_value], ["next", "after"]])
    assert b"".join(pages).count(b" Tm ") >= len(lines) + 1
