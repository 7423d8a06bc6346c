"""Parse a Mongo-style filter object into the AST, with every bound enforced."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from clickproof.domain.fields import FieldType
from clickproof.domain.limits import (
    MAX_FILTER_DEPTH,
    MAX_FILTER_NODES,
    MAX_FILTER_STRING,
    MAX_IN_VALUES,
)
from clickproof.domain.timestamps import parse_instant
from clickproof.errors import InvalidDateError, InvalidFilterError
from clickproof.query.ast import And, Compare, FieldRef, Node, Not, Op, Or, Scalar
from clickproof.query.fields import is_nested_prefix, resolve_field

LOGICAL = {"and": "$and", "$and": "$and", "or": "$or", "$or": "$or", "$nor": "$nor"}
FIELD_OPERATORS = (*(op.value for op in Op), "$not")
ALLOWED_OPERATORS = (*FIELD_OPERATORS, "$and", "$or", "$nor", "and", "or")


class _Budget:
    """Counts nodes: every logical operator, field condition and field operator is one."""

    def __init__(self) -> None:
        self.nodes = 0

    def spend(self, pointer: str) -> None:
        self.nodes += 1
        if self.nodes > MAX_FILTER_NODES:
            raise InvalidFilterError(
                f"filter has more than {MAX_FILTER_NODES} nodes", field=pointer, code="filter_too_large"
            )


def parse_filter(raw: object) -> Node | None:
    """Parse ``raw`` (a decoded JSON object, or a legacy filter string) to an AST; None means 'no filter'."""
    if raw is None:
        return None
    if isinstance(raw, str):
        from clickproof.query.legacy import parse_legacy_filter

        return parse_legacy_filter(raw)
    if not isinstance(raw, dict):
        raise InvalidFilterError("filter must be a JSON object or a legacy filter string", field="/filter")
    node = _parse_document(raw, "/filter", 1, _Budget())
    if isinstance(node, And) and not node.children:
        return None
    return node


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _check_depth(depth: int, pointer: str) -> None:
    if depth > MAX_FILTER_DEPTH:
        raise InvalidFilterError(
            f"filter is nested deeper than {MAX_FILTER_DEPTH} levels", field=pointer, code="filter_too_deep"
        )


def _parse_document(doc: dict[str, Any], pointer: str, depth: int, budget: _Budget) -> Node:
    _check_depth(depth, pointer)
    parts: list[Node] = []
    for key, value in doc.items():
        if not isinstance(key, str):  # pragma: no cover - JSON keys are strings
            raise InvalidFilterError("filter keys must be strings", field=pointer)
        child_pointer = f"{pointer}/{_escape(key)}"
        if key in LOGICAL:
            parts.append(_parse_logical(LOGICAL[key], value, child_pointer, depth, budget))
        elif key == "$not":  # an extension: MongoDB allows $not only inside a field condition
            if not isinstance(value, dict) or not value:
                raise InvalidFilterError("$not needs a filter object", field=child_pointer)
            budget.spend(child_pointer)
            parts.append(Not(_parse_document(value, child_pointer, depth + 1, budget)))
        elif key.startswith("$"):
            raise _unknown_operator(key, child_pointer)
        elif is_nested_prefix(key) and isinstance(value, dict) and value and not _has_operator(value):
            for sub_key, sub_value in value.items():
                parts.append(
                    _parse_field(
                        f"{key}.{sub_key}",
                        sub_value,
                        f"{child_pointer}/{_escape(sub_key)}",
                        depth + 1,
                        budget,
                    )
                )
        else:
            parts.append(_parse_field(key, value, child_pointer, depth, budget))
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _has_operator(value: dict[str, Any]) -> bool:
    return any(isinstance(k, str) and k.startswith("$") for k in value)


def _parse_logical(op: str, value: object, pointer: str, depth: int, budget: _Budget) -> Node:
    if not isinstance(value, list) or not value:
        raise InvalidFilterError(f"{op} needs a non-empty array of filter objects", field=pointer)
    budget.spend(pointer)
    children: list[Node] = []
    for index, item in enumerate(value):
        item_pointer = f"{pointer}/{index}"
        if not isinstance(item, dict):
            raise InvalidFilterError(f"{op} items must be filter objects", field=item_pointer)
        children.append(_parse_document(item, item_pointer, depth + 1, budget))
    if op == "$and":
        return And(tuple(children))
    if op == "$or":
        return Or(tuple(children))
    return Not(Or(tuple(children)))


def _parse_field(path: str, value: object, pointer: str, depth: int, budget: _Budget) -> Node:
    _check_depth(depth, pointer)
    budget.spend(pointer)
    ref = resolve_field(path, pointer)
    if isinstance(value, dict) and _has_operator(value):
        return _parse_operators(ref, value, pointer, depth + 1, budget)
    return Compare(ref, Op.EQ, _scalar(ref, value, pointer))


def _parse_operators(ref: FieldRef, ops: dict[str, Any], pointer: str, depth: int, budget: _Budget) -> Node:
    _check_depth(depth, pointer)
    parts: list[Node] = []
    for key, value in ops.items():
        op_pointer = f"{pointer}/{_escape(key)}"
        budget.spend(op_pointer)
        if key == "$not":
            if not isinstance(value, dict) or not value or not _has_operator(value):
                raise InvalidFilterError("$not needs an object of operators", field=op_pointer)
            parts.append(Not(_parse_operators(ref, value, op_pointer, depth + 1, budget)))
            continue
        if key not in FIELD_OPERATORS:
            raise _unknown_operator(key, op_pointer)
        op = Op(key)
        if op is Op.EXISTS:
            parts.append(Compare(ref, op, _truthy(value)))
        elif op in (Op.IN, Op.NIN):
            if not isinstance(value, list):
                raise InvalidFilterError(f"{key} needs an array", field=op_pointer)
            if len(value) > MAX_IN_VALUES:
                raise InvalidFilterError(
                    f"{key} has more than {MAX_IN_VALUES} values", field=op_pointer, code="filter_too_large"
                )
            values = tuple(_scalar(ref, v, f"{op_pointer}/{i}") for i, v in enumerate(value))
            parts.append(Compare(ref, op, values))
        else:
            parts.append(Compare(ref, op, _scalar(ref, value, op_pointer)))
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _truthy(value: object) -> bool:
    """MongoDB's reading of an `$exists` operand: false, 0 and null are false; anything else true."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    return True


def scalar_value(ref: FieldRef, value: object, pointer: str) -> Scalar:
    """A filter value checked against the bounds, and read as an instant for date fields."""
    return _scalar(ref, value, pointer)


def _scalar(ref: FieldRef, value: object, pointer: str) -> Scalar:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            raise InvalidFilterError("number out of the range of a double", field=pointer) from None
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidFilterError("numbers must be finite", field=pointer)
        return value
    if isinstance(value, str):
        if len(value) > MAX_FILTER_STRING:
            raise InvalidFilterError(
                f"string longer than {MAX_FILTER_STRING} characters", field=pointer, code="filter_too_large"
            )
        if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise InvalidFilterError("strings may not contain NUL or lone surrogates", field=pointer)
        if ref.type is FieldType.DATETIME:
            return _instant(value, pointer)
        return value
    raise InvalidFilterError(
        "filter values must be strings, numbers, booleans or null (arrays only after $in/$nin)",
        field=pointer,
    )


def _instant(value: str, pointer: str) -> datetime:
    try:
        return parse_instant(value, pointer)
    except InvalidDateError as exc:
        raise InvalidFilterError(exc.message, field=pointer) from None


def _unknown_operator(key: str, pointer: str) -> InvalidFilterError:
    return InvalidFilterError(
        f"unknown operator {key[:40]!r}; allowed operators: {', '.join(ALLOWED_OPERATORS)}",
        field=pointer,
        code="unknown_filter_operator",
    )
