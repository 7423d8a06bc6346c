"""A version's HTML body → the blocks of its accepted text, render data merged into its {{fields}}.

The body is parsed once into an element tree (evidence/html_tree.py) and turned into plain JSON
blocks (evidence/contract_document.py) that the contract text template draws. Values are merged
after parsing: a value containing "<b>" is printed as those characters, never parsed, and it is
never cut (the exact HTML as presented is attached to the PDF beside the rendering).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from clickproof.evidence.contract_document import HTML_SPACE, MERGE_FIELD, Block, document_blocks
from clickproof.evidence.display_text import display_value
from clickproof.evidence.html_tree import parse_html


def merge_values(
    body: str, render_data: dict[str, Any], drawable: frozenset[int] | None = None
) -> dict[str, str | None]:
    """The render values a body uses: merge field name → printed value, whole (None when not
    provided). White space in a text value collapses to one space, as a browser shows it."""
    used: dict[str, str | None] = {}
    for name in MERGE_FIELD.findall(body):
        if name in render_data:
            value = render_data[name]
            shown = HTML_SPACE.sub(" ", value) if isinstance(value, str) else value
            used[name] = display_value(shown, limit=None, drawable=drawable)
        else:
            used[name] = None
    return dict(sorted(used.items()))


def contract_blocks(
    body: str, values: dict[str, str | None], drawable: frozenset[int] | None = None
) -> list[Block]:
    """Blocks of the body with every merge field replaced by its value or a visible gap.

    Fresh objects each call (the cached form is their JSON text): callers may keep or change them."""
    loaded: list[Block] = json.loads(_cached_blocks(body, tuple(values.items()), drawable))
    return loaded


@lru_cache(maxsize=256)  # every acceptance of a version with the same values: parsed once
def _cached_blocks(
    body: str, items: tuple[tuple[str, str | None], ...], drawable: frozenset[int] | None
) -> str:
    return json.dumps(document_blocks(parse_html(body), dict(items), drawable), ensure_ascii=False)
