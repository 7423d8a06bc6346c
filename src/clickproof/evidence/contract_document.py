"""A version's HTML body, render values merged, as the blocks the contract text pages draw.

Everything a reader of the HTML saw has a place: headings, paragraphs, line breaks, bold, italic,
underline, strike, monospace, super- and subscript, ordered and unordered lists (their numbering
computed here from `start`, `type`, `reversed` and `value`), definition lists, tables (cells at
their row and column, spans kept, header cells marked), links (text and target), blockquotes,
preformatted text, horizontal rules, images as a placeholder with their alt text and source.
What is not rendered (scripts, styles, embedded media, form controls, …) becomes a visible marker.

Blocks are plain JSON data (`contract_text.typ` draws them): text only ever enters typst as
strings, so nothing in a body or a value can act as typst markup. Each paragraph carries its
direction: the `dir` attribute of it or its nearest ancestor, else its first strong character
(UAX #9 P2/P3). Merged values are first-strong isolates, never cut (the exact HTML as presented is
attached beside the rendering).
"""

from __future__ import annotations

import re
from typing import Any

from clickproof.evidence.display_text import breakable, visible
from clickproof.evidence.html_tree import Element
from clickproof.evidence.list_numbering import ordinal
from clickproof.evidence.text_direction import Direction, first_strong_direction, isolated

Block = dict[str, Any]
Run = dict[str, Any]

MERGE_FIELD = re.compile(r"\{\{\s*([^{}\s][^{}]*?)\s*\}\}")
MAX_BLOCK_DEPTH = 12  # lists, quotes, tables inside each other; deeper content is shown flat
MAX_INLINE_DEPTH = 64
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_BULLETS = ("•", "◦", "▪")
_INLINE_FLAGS = {
    "b": "b", "strong": "b", "i": "i", "em": "i", "cite": "i", "dfn": "i", "var": "i", "address": "i",
    "u": "u", "ins": "u", "s": "x", "strike": "x", "del": "x", "code": "m", "kbd": "m", "samp": "m",
    "tt": "m", "sup": "^", "sub": "_",
}  # fmt: skip
_CONTAINERS = frozenset(
    {
        "body", "div", "section", "article", "main", "header", "footer", "nav", "aside", "figure",
        "figcaption", "details", "summary", "center", "hgroup", "search", "fieldset", "legend",
    }
)  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_NOT_RENDERED = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "object", "embed", "video", "audio",
        "canvas", "svg", "math", "input", "select", "textarea", "button", "head", "title", "meta",
        "link", "base", "map", "area", "frame", "frameset", "applet", "dialog", "slot", "picture",
        "source", "track", "param",
    }
)  # fmt: skip
_SKIPPED = frozenset({"colgroup", "col", "wbr"})


class _Converter:
    def __init__(self, values: dict[str, str | None], drawable: frozenset[int] | None) -> None:
        self.values = values
        self.drawable = drawable

    # -- text ------------------------------------------------------------------------------------

    def text(self, data: str, *, preformatted: bool = False) -> str:
        """Body text with its merge fields replaced: values isolated, gaps visible. White space
        collapses as in a browser (first, so a line feed is a space, not a marker); in
        preformatted text line feeds stay line feeds."""
        if preformatted:
            return "\n".join(self._merged(line.replace("\t", "    ")) for line in data.split("\n"))
        return self._merged(HTML_SPACE.sub(" ", data))

    def _merged(self, data: str) -> str:
        out: list[str] = []
        last = 0
        for match in MERGE_FIELD.finditer(data):
            out.append(breakable(visible(data[last : match.start()], self.drawable)))
            value = self.values.get(match.group(1))
            if value is None:
                out.append(visible(f"[{match.group(1)}: not provided]", self.drawable))
            else:
                out.append(isolated(value))
            last = match.end()
        out.append(breakable(visible(data[last:], self.drawable)))
        return "".join(out)

    def attribute(self, element: Element, name: str) -> str:
        return self.text(element.attrs.get(name, "")).strip()

    # -- inline ----------------------------------------------------------------------------------

    def inline(self, node: Element | str, flags: str, runs: list[Run], depth: int) -> None:
        if isinstance(node, str):
            runs.append({"s": self.text(node), "f": flags})
            return
        tag = node.tag
        if tag == "br":
            runs.append({"br": True})
        elif tag == "img":
            runs.append({"s": self.image_label(node), "f": flags + "g"})
        elif tag in _NOT_RENDERED:
            runs.append({"s": self.marker(node), "f": flags + "k"})
        elif tag in _SKIPPED:
            return
        elif depth > MAX_INLINE_DEPTH:
            runs.append({"s": self.text(text_content(node)), "f": flags})
        else:
            inner = flags + _INLINE_FLAGS.get(tag, "")
            if tag == "q":
                runs.append({"s": "“", "f": flags})
            for child in node.children:
                self.inline(child, inner, runs, depth + 1)
            if tag == "q":
                runs.append({"s": "”", "f": flags})
            if tag == "a" and "href" in node.attrs:
                runs.append({"s": f" [link: {isolated(self.attribute(node, 'href'))}]", "f": flags + "l"})

    def image_label(self, node: Element) -> str:
        alt, src = self.attribute(node, "alt"), self.attribute(node, "src")
        described = f"“{isolated(alt)}”" if alt else "no alt text"
        return f"[image: {described}; source: {isolated(src) if src else 'none'}]"

    def marker(self, node: Element) -> str:
        source = self.attribute(node, "src") or self.attribute(node, "data")
        where = f", source {isolated(source)}" if source else ""
        return f"[not rendered here: <{node.tag}> element{where}; see the attached HTML]"

    # -- blocks ----------------------------------------------------------------------------------

    def blocks(self, node: Element, inherited: Direction | None, depth: int) -> list[Block]:
        """The blocks of a container's children; inline children gather into paragraphs."""
        out: list[Block] = []
        runs: list[Run] = []
        explicit = _dir_attribute(node) or inherited

        def flush() -> None:
            paragraph = _paragraph(runs, explicit, level=0)
            if paragraph is not None:
                out.append(paragraph)
            runs.clear()

        for child in node.children:
            if isinstance(child, str) or not self.is_block(child):
                self.inline(child, "b" if node.tag == "th" else "", runs, 1)
                continue
            flush()
            out.extend(self.block(child, explicit, depth))
        flush()
        return out

    def is_block(self, node: Element) -> bool:
        return (
            node.tag in _CONTAINERS
            or node.tag in _HEADINGS
            or node.tag
            in {
                "p",
                "ul",
                "ol",
                "menu",
                "dl",
                "dt",
                "dd",
                "table",
                "blockquote",
                "pre",
                "hr",
                "li",
                "caption",
            }
        )

    def block(self, node: Element, inherited: Direction | None, depth: int) -> list[Block]:
        tag = node.tag
        explicit = _dir_attribute(node) or inherited
        if depth > MAX_BLOCK_DEPTH:
            flat = _paragraph([{"s": self.text(text_content(node)), "f": ""}], explicit, level=0)
            note = {"s": f"[nested deeper than {MAX_BLOCK_DEPTH} levels: shown as plain text]", "f": "k"}
            return [{"k": "p", "dir": "ltr", "level": 0, "runs": [note]}, *([flat] if flat else [])]
        if tag in _HEADINGS or tag == "p":
            runs: list[Run] = []
            paragraphs: list[Block] = []
            for child in node.children:
                if not isinstance(child, str) and self.is_block(child):  # stray block inside: its own
                    paragraphs.extend(self.block(child, explicit, depth))
                else:
                    self.inline(child, "b" if tag in _HEADINGS else "", runs, 1)
            heading = _paragraph(runs, explicit, level=_HEADINGS.get(tag, 0))
            return ([heading] if heading else []) + paragraphs
        if tag in ("ul", "ol", "menu"):
            return [self.list_block(node, explicit, depth)]
        if tag == "dl" or tag in _CONTAINERS:
            return self.blocks(node, explicit, depth)
        if tag in ("dt", "caption"):
            runs = []
            for child in node.children:
                self.inline(child, "b", runs, 1)
            term = _paragraph(runs, explicit, level=0)
            return [term] if term else []
        if tag == "dd":
            return [_container("indent", self.blocks(node, explicit, depth + 1), explicit)]
        if tag == "blockquote":
            return [_container("quote", self.blocks(node, explicit, depth + 1), explicit)]
        if tag == "pre":
            text = text_content(node)
            text = text[1:] if text.startswith("\n") else text  # HTML drops one leading newline
            return [{"k": "pre", "text": self.text(text.rstrip("\n"), preformatted=True)}]
        if tag == "hr":
            return [{"k": "rule"}]
        if tag == "table":
            return self.table(node, explicit, depth)
        if tag == "li":  # an item outside a list: shown as one
            return [{"k": "list", "dir": explicit or "ltr", "items": [self.item(node, "•", explicit, depth)]}]
        return self.blocks(node, explicit, depth)

    def item(self, node: Element, label: str, inherited: Direction | None, depth: int) -> Block:
        return {"label": label, "blocks": self.blocks(node, inherited, depth + 1)}

    def list_block(self, node: Element, explicit: Direction | None, depth: int) -> Block:
        ordered = node.tag == "ol"
        items = [c for c in node.children if not isinstance(c, str) or c.strip()]
        style = node.attrs.get("type", "1") if ordered else ""
        count = sum(1 for c in items if isinstance(c, Element) and c.tag == "li")
        reverse = ordered and "reversed" in node.attrs
        number = _integer(node.attrs.get("start"), count if reverse else 1)
        out: list[Block] = []
        for child in items:
            if isinstance(child, Element) and child.tag == "li":
                number = _integer(child.attrs.get("value"), number)
                label = f"{ordinal(number, style)}." if ordered else _BULLETS[depth % len(_BULLETS)]
                out.append(self.item(child, label, explicit, depth))
                number += -1 if reverse else 1
            else:  # text or an element directly in the list: shown, without a number
                holder = Element("li", children=[child])
                out.append(self.item(holder, "", explicit, depth))
        block: Block = {"k": "list", "items": out}
        block["dir"] = explicit or _first_direction(out) or "ltr"
        return block

    def table(self, node: Element, explicit: Direction | None, depth: int) -> list[Block]:
        captions: list[Block] = []
        rows: list[Element] = []
        for child in node.children:
            if isinstance(child, Element):
                if child.tag == "caption":
                    captions.extend(self.block(child, explicit, depth))
                elif child.tag == "tr":
                    rows.append(child)
                elif child.tag in ("thead", "tbody", "tfoot"):
                    rows.extend(r for r in child.children if isinstance(r, Element) and r.tag == "tr")
        taken: set[tuple[int, int]] = set()
        cells: list[Block] = []
        columns = 0
        for y, row in enumerate(rows):
            x = 0
            for cell in row.children:
                if not isinstance(cell, Element) or cell.tag not in ("td", "th"):
                    continue
                while (x, y) in taken:
                    x += 1
                colspan = min(max(_integer(cell.attrs.get("colspan"), 1), 1), 64)
                rowspan = min(max(_integer(cell.attrs.get("rowspan"), 1), 1), len(rows) - y)
                # A span reaching into a cell placed by an earlier row's rowspan stops before it.
                colspan = next((dx for dx in range(1, colspan) if (x + dx, y) in taken), colspan)
                rowspan = next(
                    (
                        dy
                        for dy in range(1, rowspan)
                        if any((x + dx, y + dy) in taken for dx in range(colspan))
                    ),
                    rowspan,
                )
                for dx in range(colspan):
                    for dy in range(rowspan):
                        taken.add((x + dx, y + dy))
                content = self.blocks(cell, _dir_attribute(row) or explicit, depth + 1)
                cells.append(
                    {"x": x, "y": y, "colspan": colspan, "rowspan": rowspan, "header": cell.tag == "th"}
                    | {"blocks": content}
                )
                x += colspan
            columns = max(columns, max((cx + 1 for cx, cy in taken if cy == y), default=0))
        if not cells:
            return captions
        table: Block = {"k": "table", "columns": columns, "rows": len(rows), "cells": cells}
        table["dir"] = explicit or "ltr"
        return [*captions, table]


def _dir_attribute(node: Element) -> Direction | None:
    value = node.attrs.get("dir", "").strip().lower()
    return value if value in ("ltr", "rtl") else None  # type: ignore[return-value]


def _integer(text: str | None, default: int) -> int:
    try:
        return max(min(int((text or "").strip()), 10**9), -(10**9))
    except ValueError:
        return default


def _paragraph(runs: list[Run], explicit: Direction | None, level: int) -> Block | None:
    """Runs with white space collapsed as a browser does; None when nothing is left."""
    collapsed: list[Run] = []
    at_line_start = True
    for run in runs:
        if "br" in run:
            if collapsed and "s" in collapsed[-1]:
                collapsed[-1]["s"] = collapsed[-1]["s"].rstrip(" ")
            collapsed.append(run)
            at_line_start = True
            continue
        text = HTML_SPACE.sub(" ", run["s"])
        if at_line_start or (collapsed and collapsed[-1].get("s", "").endswith(" ")):
            text = text.lstrip(" ")
        if text:
            collapsed.append({"s": text, "f": "".join(sorted(set(run["f"])))})
            at_line_start = False
    while collapsed and "br" in collapsed[-1]:
        collapsed.pop()
    if collapsed:
        collapsed[-1]["s"] = collapsed[-1]["s"].rstrip(" ")
    if not any(r.get("s") for r in collapsed):
        return None
    text = "".join(r.get("s", "") for r in collapsed)
    direction = explicit or first_strong_direction(text) or "ltr"
    return {"k": "p", "dir": direction, "level": level, "runs": collapsed}


def _container(kind: str, blocks: list[Block], explicit: Direction | None) -> Block:
    return {"k": kind, "dir": explicit or _first_direction(blocks) or "ltr", "blocks": blocks}


def _first_direction(blocks: list[Block]) -> Direction | None:
    for block in blocks:
        if "dir" in block and block.get("k") == "p":
            direction: Direction = block["dir"]
            return direction
        for inner in block.get("blocks", ()):
            found = _first_direction([inner])
            if found:
                return found
        for item in block.get("items", ()):
            found = _first_direction(item["blocks"])
            if found:
                return found
    return None


def text_content(node: Element) -> str:
    """All text under `node`, in document order, without recursion (any depth)."""
    out: list[str] = []
    stack: list[Element | str] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            out.append(current)
        elif current.tag == "br":
            out.append("\n")
        else:
            stack.extend(reversed(current.children))
    return "".join(out)


def document_blocks(
    tree: Element, values: dict[str, str | None], drawable: frozenset[int] | None
) -> list[Block]:
    """The blocks of a parsed body with `values` (display text of each merge field, None when
    missing) merged in."""
    return _Converter(values, drawable).blocks(tree, None, 0)
