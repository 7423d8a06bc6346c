"""English descriptions of filters: stored with the job and shown wherever an export is described."""

from __future__ import annotations

import json
from datetime import datetime

from clickproof.domain.timestamps import format_instant, format_stored
from clickproof.query.ast import And, Compare, Node, Not, Op, Or, Scalar

_PHRASES = {
    Op.EQ: "is",
    Op.NE: "is not",
    Op.GT: "is greater than",
    Op.GTE: "is at least",
    Op.LT: "is less than",
    Op.LTE: "is at most",
    Op.IN: "is one of",
    Op.NIN: "is none of",
}


def describe_filter(node: Node | None) -> str:
    if node is None:
        return "all activities"
    return _describe(node, top=True)


def _value(value: Scalar) -> str:
    if isinstance(value, datetime):
        # Milliseconds as the API prints instants, unless that would hide the microseconds the
        # filter compares: two filters that select different rows never read the same.
        return format_instant(value) if value.microsecond % 1000 == 0 else format_stored(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flatten(node: And) -> list[Node]:
    items: list[Node] = []
    for child in node.children:
        items.extend(_flatten(child) if isinstance(child, And) else [child])
    return items


def _describe(node: Node, top: bool = False) -> str:
    if isinstance(node, And):
        parts: list[str] = []
        previous: str | None = None
        for child in _flatten(node):
            text = _describe(child)
            if isinstance(child, Compare) and child.field.label == previous:
                text = text.removeprefix(f"{previous} is ").removeprefix(f"{previous} ")
            parts.append(text)
            previous = child.field.label if isinstance(child, Compare) else None
        text = " and ".join(parts)
        return text if top else f"({text})"
    if isinstance(node, Or):
        text = " or ".join(_describe(c) for c in node.children)
        return text if top else f"({text})"
    if isinstance(node, Not):
        return f"not {_describe(node.child)}"
    return _compare(node)


def _compare(node: Compare) -> str:
    label = node.field.label
    if node.op is Op.EXISTS:
        return f"{label} is present" if node.value else f"{label} is absent"
    if isinstance(node.value, tuple):
        values = ", ".join(_value(v) for v in node.value)
        return f"{label} {_PHRASES[node.op]} [{values}]"
    return f"{label} {_PHRASES[node.op]} {_value(node.value)}"
