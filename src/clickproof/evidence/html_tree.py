"""A version's HTML body as an element tree, built with the standard library's HTML tokenizer.

The tree follows what a browser builds for the tags terms of service use: void elements have no
children; a `<p>` closes at the next block; `<li>`, `<dt>`/`<dd>`, `<tr>` and `<td>`/`<th>` close at
their next sibling or at the end of their list, definition list, table section or row. Markup that
does not fit (a stray end tag) is ignored, as browsers do. Comments and processing instructions
are not part of the tree: a browser does not show them either (the exact HTML is attached to the
evidence PDF).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
# Elements a <p> cannot contain: their start closes an open paragraph.
_CLOSES_P = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav",
        "ol", "p", "pre", "section", "table", "ul",
    }
)  # fmt: skip
# tag → the start tags that close it when it is open (a sibling item, row or cell begins).
_IMPLIED_END: dict[str, frozenset[str]] = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "tr": frozenset({"tr", "thead", "tbody", "tfoot"}),
    "td": frozenset({"td", "th", "tr", "thead", "tbody", "tfoot"}),
    "th": frozenset({"td", "th", "tr", "thead", "tbody", "tfoot"}),
    "thead": frozenset({"tbody", "tfoot"}),
    "tbody": frozenset({"tbody", "tfoot"}),
    "option": frozenset({"option", "optgroup"}),
}
# A list item or cell does not close across these: `<li>` inside a nested list stays nested.
_SCOPE = frozenset({"ul", "ol", "menu", "dl", "table", "blockquote", "div", "section", "article"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("body")
        self.stack: list[Element] = [self.root]

    def _close_to(self, index: int) -> None:
        del self.stack[index:]

    def _open_paragraph(self) -> int | None:
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag == "p":
                return index
            if tag in _SCOPE or tag in _IMPLIED_END:
                return None
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P:
            index = self._open_paragraph()
            if index is not None:
                self._close_to(index)
        self._close_implied(tag)
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def _close_implied(self, tag: str) -> None:
        """Close the open list items, terms, rows and cells that the start of `tag` ends, through
        any inline elements inside them; stop at a list, table or other container."""
        index = len(self.stack) - 1
        while index > 0:
            open_tag = self.stack[index].tag
            implied = _IMPLIED_END.get(open_tag)
            if implied is not None:
                if tag not in implied:
                    return
                self._close_to(index)
            elif open_tag in _SCOPE:
                return
            index -= 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            if tag == "br":  # a browser reads </br> as <br>
                self.handle_starttag("br", [])
            return
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                self._close_to(index)
                return
            if tag not in _IMPLIED_END and self.stack[index].tag in _SCOPE and tag not in _SCOPE:
                return  # a stray inline end tag does not close a list or table around it

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def parse_html(body: str) -> Element:
    """The body's element tree under a synthetic `body` element."""
    builder = _TreeBuilder()
    builder.feed(body)
    builder.close()
    return builder.root
