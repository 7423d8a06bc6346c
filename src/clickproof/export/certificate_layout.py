"""The certificate pages of an evidence PDF, laid out and drawn as PDF content streams.

Every text on the page is either drawn here, glyph by glyph with an embedded DejaVu face (text in
scripts that need no shaping: Latin, Greek, Cyrillic, digits, punctuation, symbols), or, when it
holds anything else (CJK, right-to-left, combining marks), placed as a form XObject that typst
typeset once for that text (export/pdf_snippets.py). Lines wrap at spaces and at the zero-width
spaces that display_text inserts into long runs; a word wider than its column is cut anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final, Literal, Protocol

from clickproof.export.pdf_fonts import EmbeddedFont
from clickproof.export.pdf_objects import ObjectTemplate

FontRole = Literal["regular", "bold", "mono"]
FONT_ROLES: Final[tuple[FontRole, ...]] = ("regular", "bold", "mono")
FONT_NAMES: Final[dict[FontRole, bytes]] = {role: b"/F%d" % i for i, role in enumerate(FONT_ROLES, start=1)}

PAGE_WIDTH: Final = 595.276  # A4, points
PAGE_HEIGHT: Final = 841.89
MARGIN_X: Final = 51.024  # 18 mm
MARGIN_Y: Final = 56.693  # 20 mm
CONTENT_WIDTH: Final = PAGE_WIDTH - 2 * MARGIN_X
LABEL_WIDTH: Final = 147.402  # 52 mm
LABEL_GAP: Final = 8.0
VALUE_WIDTH: Final = CONTENT_WIDTH - LABEL_WIDTH
LEADING: Final = 0.25  # between lines, in em: line pitch is 1.25 em with DejaVu's typographic box

INK: Final = "#1d2433"
MUTED: Final = "#5b6475"
RULE: Final = "#c9d0dc"
BAND: Final = "#eef2f8"


@dataclass(frozen=True)
class TextStyle:
    font: FontRole
    size: float
    color: str
    oblique: bool = False


BODY = TextStyle("regular", 8.5, INK)
LABEL = TextStyle("regular", 8.5, MUTED)
ABSENT = TextStyle("regular", 8.5, MUTED, oblique=True)
SMALL = TextStyle("regular", 7.0, MUTED)


class SnippetSource(Protocol):
    def snippet(self, text: str, style: TextStyle, width: float) -> ObjectTemplate:
        """`text` typeset in `style`, wrapped to `width` points, as a form XObject."""
        ...


@dataclass
class Block:
    """Text ready to draw: wrapped lines in a face of ours, or a typeset snippet."""

    style: TextStyle
    lines: tuple[str, ...] = ()
    snippet: ObjectTemplate | None = None
    height: float = 0.0
    key: tuple[str, TextStyle, float] | None = None  # what the snippet shows: one copy per PDF


@dataclass
class LaidOut:
    pages: list[bytes]  # content stream of each page
    glyphs: dict[FontRole, set[int]]
    snippets: list[ObjectTemplate]  # drawn as /S0, /S1, … in this order


@cache
def _rgb(color: str) -> bytes:
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return b"%.3f %.3f %.3f" % (r, g, b)


def _num(value: float) -> bytes:
    return b"%.2f" % value


@lru_cache(maxsize=8192)
def _wrap(font: EmbeddedFont, text: str, size: float, width: float) -> tuple[str, ...]:
    """Greedy line breaking at spaces and zero-width spaces; over-wide words cut by character."""
    advances = font.char_advance
    limit = width * font.metrics.units_per_em / size
    lines: list[str] = []
    line: list[str] = []
    line_width = 0
    pending: list[str] = []  # the spaces before the next word
    pending_width = 0
    word: list[str] = []
    word_width = 0

    def close_word() -> None:
        nonlocal line_width, word, word_width, pending, pending_width, line
        if not word:
            return
        if line and line_width + pending_width + word_width > limit:
            lines.append("".join(line))
            line, line_width = [], 0
        elif line:
            line.extend(pending)
            line_width += pending_width
        for ch in word:  # cut a word that does not fit on a line of its own
            w = advances[ch]
            if line and line_width + w > limit:
                lines.append("".join(line))
                line, line_width = [], 0
            line.append(ch)
            line_width += w
        word, word_width, pending, pending_width = [], 0, [], 0

    for ch in text:
        if ch in " \u200b":
            close_word()
            if ch == " ":
                pending.append(ch)
                pending_width += advances[ch]
        else:
            word.append(ch)
            word_width += advances[ch]
    close_word()
    if line or not lines:
        lines.append("".join(line))
    return tuple(lines)


@lru_cache(maxsize=8192)
def _encoded(font: EmbeddedFont, line: str) -> tuple[bytes, tuple[int, ...]]:
    """The line as glyph ids: hex for the content stream, and the distinct ids it uses."""
    return font.encode(line), tuple({font.cmap[ord(ch)] for ch in line if ch != "\u200b"})


class CertificateLayout:
    """Not thread-safe (one per renderer); the caches it uses are."""

    def __init__(
        self,
        fonts: dict[FontRole, EmbeddedFont],
        plain: dict[FontRole, frozenset[int]],
        snippets: SnippetSource,
    ) -> None:
        self.fonts = fonts
        self.plain = plain
        self.snippets = snippets

    # -- measuring -------------------------------------------------------------------------
    def block(self, text: str, style: TextStyle, width: float) -> Block:
        if self.plain[style.font].issuperset(map(ord, text)):
            lines = _wrap(self.fonts[style.font], text, style.size, width)
            pitch = style.size * (1 + LEADING)
            return Block(style, lines=lines, height=len(lines) * pitch - LEADING * style.size)
        snippet = self.snippets.snippet(text, style, width)
        return Block(style, snippet=snippet, height=snippet.height, key=(text, style, width))

    def width(self, text: str, style: TextStyle) -> float:
        return self.fonts[style.font].advance(text, style.size)

    # -- layout ----------------------------------------------------------------------------
    def layout(self, data: dict[str, Any]) -> LaidOut:
        self._pages: list[list[bytes]] = [[]]  # content operators of each page
        self._target = self._pages[0]  # where drawing goes
        self._glyphs: dict[FontRole, set[int]] = {"regular": set(), "bold": set(), "mono": set()}
        self._snippets: dict[tuple[str, TextStyle, float], int] = {}
        self._snippet_list: list[ObjectTemplate] = []
        self.y = PAGE_HEIGHT - MARGIN_Y

        self._title(data)
        for section in data["sections"]:
            self._section(section["title"], section["rows"])
        self._integrity(data["integrity_note"], data["fingerprint"])

        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self._furniture(page, data, f"{data['footer_part']} {number} / {total}")
        return LaidOut(
            pages=[b"\n".join(page) for page in self._pages],
            glyphs=self._glyphs,
            snippets=self._snippet_list,
        )

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN_Y and self.y < PAGE_HEIGHT - MARGIN_Y:
            self._target = []
            self._pages.append(self._target)
            self.y = PAGE_HEIGHT - MARGIN_Y

    def _title(self, data: dict[str, Any]) -> None:
        title = self.block(data["title"], TextStyle("bold", 16, INK), CONTENT_WIDTH)
        self.draw(title, MARGIN_X, self.y)
        self.y -= title.height + 4
        stamp = self.block(data["stamp"], TextStyle("regular", 7.5, MUTED), CONTENT_WIDTH / 2)
        stamp_width = self._line_width(stamp)
        subtitle = self.block(
            data["subtitle"], TextStyle("regular", 9, MUTED), CONTENT_WIDTH - stamp_width - 12
        )
        self.draw(subtitle, MARGIN_X, self.y)
        self.draw(stamp, PAGE_WIDTH - MARGIN_X - stamp_width, self.y - subtitle.height + stamp.height)
        self.y -= subtitle.height + 5
        self.rule(MARGIN_X, PAGE_WIDTH - MARGIN_X, self.y, 1.0, INK)
        self.y -= 4

    def _section(self, title: str, rows: Sequence[Sequence[str | None]]) -> None:
        band = 15.0
        self._room(band + 30)
        self.y -= 6
        self._target.append(
            b"%s rg %s %s %s %s re f"
            % (_rgb(BAND), _num(MARGIN_X), _num(self.y - band), _num(CONTENT_WIDTH), _num(band))
        )
        heading = self.block(title, TextStyle("bold", 9, INK), CONTENT_WIDTH - 10)
        self.draw(heading, MARGIN_X + 5, self.y - (band - heading.height) / 2)
        self.y -= band + 5
        if not rows:
            none = self.block("none", ABSENT, CONTENT_WIDTH)
            self.draw(none, MARGIN_X, self.y)
            self.y -= none.height + 4
            return
        for label_text, value_text in rows:
            label = self.block(label_text or "", LABEL, LABEL_WIDTH - LABEL_GAP)
            value = (
                self.block("absent", ABSENT, VALUE_WIDTH)
                if value_text is None
                else self.block(value_text, BODY, VALUE_WIDTH)
            )
            height = max(label.height, value.height)
            self._room(height + 7)
            self.draw(label, MARGIN_X, self.y)
            self.draw(value, MARGIN_X + LABEL_WIDTH, self.y)
            self.y -= height + 3
            self.rule(MARGIN_X, PAGE_WIDTH - MARGIN_X, self.y, 0.3, RULE)
            self.y -= 3.5

    def _integrity(self, note: str, fingerprint: str) -> None:
        inset = 7.0
        inner = CONTENT_WIDTH - 2 * inset
        heading = self.block("Integrity", TextStyle("bold", 8.5, INK), inner)
        text = self.block(note, TextStyle("regular", 7.5, INK), inner)
        digest = self.block(fingerprint, TextStyle("mono", 8, INK), inner)
        height = heading.height + text.height + digest.height + 6 + 2 * inset
        self._room(height + 8)
        self.y -= 8
        top = self.y
        self._target.append(
            b"%s RG 0.6 w %s %s %s %s re S"
            % (_rgb(RULE), _num(MARGIN_X), _num(top - height), _num(CONTENT_WIDTH), _num(height))
        )
        y = top - inset
        for block in (heading, text, digest):
            self.draw(block, MARGIN_X + inset, y)
            y -= block.height + 3
        self.y = top - height

    def _furniture(self, page: list[bytes], data: dict[str, Any], page_label: str) -> None:
        """Header and footer of a certificate page, first in its content (and in reading order)."""
        self._target = []
        right = PAGE_WIDTH - MARGIN_X
        top = PAGE_HEIGHT - 30
        header_right = self.block(data["header_right"], SMALL, CONTENT_WIDTH / 3)
        right_width = self._line_width(header_right)
        header_left = self.block(data["header_left"], SMALL, CONTENT_WIDTH - right_width - 12)
        self.draw(header_left, MARGIN_X, top)
        self.draw(header_right, right - right_width, top)
        self.rule(MARGIN_X, right, top - max(header_left.height, header_right.height) - 3, 0.4, RULE)
        self.rule(MARGIN_X, right, MARGIN_Y - 16, 0.4, RULE)
        number = self.block(page_label, SMALL, CONTENT_WIDTH / 3)
        number_width = self._line_width(number)
        self.draw(
            self.block(data["footer_left"], SMALL, CONTENT_WIDTH - number_width - 12), MARGIN_X, MARGIN_Y - 20
        )
        self.draw(number, right - number_width, MARGIN_Y - 20)
        page[:0] = self._target

    def _line_width(self, block: Block) -> float:
        """How wide a block is drawn: its widest line, or its snippet's column."""
        if block.snippet is not None:
            return block.snippet.width
        return max(self.width(line, block.style) for line in block.lines)

    # -- drawing ---------------------------------------------------------------------------
    def rule(self, x1: float, x2: float, y: float, width: float, color: str) -> None:
        self._target.append(
            b"%s RG %s w %s %s m %s %s l S" % (_rgb(color), _num(width), _num(x1), _num(y), _num(x2), _num(y))
        )

    def draw(self, block: Block, x: float, top: float) -> None:
        """Draws `block` with its top edge at `top`."""
        ops = self._target
        if block.snippet is not None and block.key is not None:
            key = block.key
            if key not in self._snippets:
                self._snippets[key] = len(self._snippet_list)
                self._snippet_list.append(block.snippet)
            ops.append(
                b"q 1 0 0 1 %s %s cm /S%d Do Q" % (_num(x), _num(top - block.height), self._snippets[key])
            )
            return
        style = block.style
        font = self.fonts[style.font]
        metrics = font.metrics
        pitch = style.size * (1 + LEADING)
        baseline = top - style.size * metrics.line_ascent / metrics.units_per_em
        shear = b"0.21" if style.oblique else b"0"
        glyphs = self._glyphs[style.font]
        ops.append(b"BT %s %s Tf %s rg" % (FONT_NAMES[style.font], _num(style.size), _rgb(style.color)))
        for line in block.lines:
            encoded, used = _encoded(font, line.rstrip(" "))
            glyphs.update(used)
            ops.append(b"1 0 %s 1 %s %s Tm %s Tj" % (shear, _num(x), _num(baseline), encoded))
            baseline -= pitch
        ops.append(b"ET")
