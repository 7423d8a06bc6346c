"""A pure-Python evaluator of the query language: the specification the SQL compiler is tested against.

It works on an *expanded activity document*: standard fields and related attributes by name
(``"signer_id"``, ``"contract.title"``; None means missing), and the three JSON families as
dicts (``"custom_data": {...}``). It follows docs/query-language.md, which is MongoDB's query
semantics with the differences listed there. It is slow and simple on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clickproof.domain.fields import FAMILY_COLUMN, Family
from clickproof.query.ast import And, Compare, FieldRef, Node, Not, Op, Or
from clickproof.query.sort import SortKey
from clickproof.query.sql import bracket

Document = Mapping[str, Any]
_MISSING = object()
_ORDER: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: lambda a, b: a == b,
    Op.GT: lambda a, b: a > b,
    Op.GTE: lambda a, b: a >= b,
    Op.LT: lambda a, b: a < b,
    Op.LTE: lambda a, b: a <= b,
}


def matches(node: Node | None, doc: Document) -> bool:
    if node is None:
        return True
    if isinstance(node, And):
        return all(matches(c, doc) for c in node.children)
    if isinstance(node, Or):
        return any(matches(c, doc) for c in node.children)
    if isinstance(node, Not):
        return not matches(node.child, doc)
    return _compare(node, doc)


def _get(ref: FieldRef, doc: Document) -> Any:
    if ref.family is Family.STANDARD:
        value = doc.get(ref.name)
        return _MISSING if value is None else value  # a NULL column is a missing field
    return doc[FAMILY_COLUMN[ref.family]].get(ref.name, _MISSING)


def _bracket(value: Any) -> str:
    """query.sql.bracket, and the brackets of the values only documents hold."""
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return bracket(value)


def _compare(node: Compare, doc: Document) -> bool:
    stored = _get(node.field, doc)
    op, value = node.op, node.value
    if op is Op.EXISTS:
        return (stored is not _MISSING) is value
    if op is Op.NE:
        return not _compare(Compare(node.field, Op.EQ, value), doc)
    if op is Op.NIN:
        return not _compare(Compare(node.field, Op.IN, value), doc)
    if op is Op.IN:
        assert isinstance(value, tuple)
        return any(_compare(Compare(node.field, Op.EQ, v), doc) for v in value)
    if value is None:
        if op not in (Op.EQ, Op.GTE, Op.LTE):
            return False
        return stored is _MISSING or stored is None or (isinstance(stored, list) and None in stored)
    if isinstance(stored, list):  # MongoDB: an array matches when one of its elements does
        return any(_scalar_compare(element, op, value) for element in stored)
    return stored is not _MISSING and _scalar_compare(stored, op, value)


def _scalar_compare(stored: Any, op: Op, value: Any) -> bool:
    if _bracket(stored) != _bracket(value):
        return False
    return _ORDER[op](stored, value)


# -- sorting


def sort_documents(docs: list[Document], sort: tuple[SortKey, ...]) -> list[Document]:
    """Documents in the order of ``sort`` (which ends with ``id``, so the order is total)."""
    result = list(docs)
    for key in reversed(sort):
        result.sort(key=lambda d, k=key: _sort_value(k.ref, d), reverse=key.descending)  # type: ignore[misc]
    return result


_RANK = {"null": 0, "number": 1, "text": 2, "object": 3, "array": 4}


def _sort_value(ref: FieldRef, doc: Document) -> tuple[Any, ...]:
    stored = _get(ref, doc)
    if ref.family is Family.STANDARD:
        return (0, 0) if stored is _MISSING else (1, stored)
    if stored is _MISSING or stored is None:
        return (0, 0, "")
    kind = _bracket(stored)
    if kind == "bool":
        return (6 if stored else 5, 0, "")
    if kind == "number":
        return (1, stored, "")
    if kind == "text":
        return (2, 0, stored)
    return (_RANK[kind], 0, "")
