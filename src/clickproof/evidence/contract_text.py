"""A version's HTML body → plain text blocks with render data merged into its {{merge fields}}.

Only text survives: tags become block kinds (heading, paragraph, list item), everything else is
dropped, so nothing in a body or a render value can act as markup in the PDF.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from clickproof.evidence.display_text import display_value, visible

MERGE_FIELD = re.compile(r"\{\{\s*([^{}\s][^{}]*?)\s*\}\}")
_BLOCK_TAGS = {"p": "p", "div": "p", "h1": "h1", "h2": "h2", "h3": "h2", "h4": "h2", "li": "li"}


@dataclass(frozen=True)
class TextBlock:
    kind: str  # h1 | h2 | p | li
    text: str


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[TextBlock] = []
        self.kind = "p"
        self.parts: list[str] = []

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.parts)).strip()
        if text:
            self.blocks.append(TextBlock(self.kind, text))
        self.parts = []
        self.kind = "p"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()
            self.kind = _BLOCK_TAGS[tag]
        elif tag == "br":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def merge_values(
    body: str, render_data: dict[str, Any], drawable: frozenset[int] | None = None
) -> dict[str, str | None]:
    """The render values a body uses: merge field name → printed value (None when not provided)."""
    used: dict[str, str | None] = {}
    for name in MERGE_FIELD.findall(body):
        used[name] = display_value(render_data[name], drawable=drawable) if name in render_data else None
    return dict(sorted(used.items()))


def contract_blocks(
    body: str, values: dict[str, str | None], drawable: frozenset[int] | None = None
) -> list[TextBlock]:
    """Blocks of the body with every merge field replaced by its value or a visible gap."""
    return list(_cached_blocks(body, tuple(values.items()), drawable))


@lru_cache(maxsize=256)  # every acceptance of a version with the same values: parsed once
def _cached_blocks(
    body: str, items: tuple[tuple[str, str | None], ...], drawable: frozenset[int] | None
) -> tuple[TextBlock, ...]:
    values = dict(items)

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value is not None else visible(f"[{match.group(1)}: not provided]", drawable)

    parser = _BlockParser()
    parser.feed(body)
    parser.close()
    parser.flush()
    # Merged after parsing: a value containing "<b>" is printed as those characters, never parsed.
    # The body's own text is shown like any value (markers for controls); merged values already are.
    return tuple(TextBlock(b.kind, _merge(b.text, replace, drawable)) for b in parser.blocks)


def _merge(text: str, replace: Callable[[re.Match[str]], str], drawable: frozenset[int] | None) -> str:
    out: list[str] = []
    last = 0
    for match in MERGE_FIELD.finditer(text):
        out.append(visible(text[last : match.start()], drawable))
        out.append(replace(match))
        last = match.end()
    out.append(visible(text[last:], drawable))
    return "".join(out)
