"""Compile a filter AST to a SQLAlchemy boolean expression: bound parameters only.

Field names never reach SQL text: standard and related fields map through fixed dicts to
columns (query/columns.py), and JSON keys are bound as parameters of the dialect's JSON
functions.

Negations are pushed down to the leaves (De Morgan). A leaf in a positive position is a plain
comparison, so an index on its column stays usable; SQL NULL there already means "no match".
A leaf in a negated position is made definite first (``NOT COALESCE(leaf, FALSE)``), so that,
as in MongoDB, ``$ne``/``$nin``/``$not`` match the rows whose field is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Numeric,
    String,
    Table,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement, False_

from clickproof.domain.fields import FAMILY_COLUMN, RELATED_BY_NAME, Family, FieldType
from clickproof.query.ast import And, Compare, Node, Not, Op, Or, Scalar
from clickproof.query.columns import (
    STANDARD_COLUMNS,
    collated_text,
    is_nullable,
    related_parts,
)
from clickproof.query.json_access import JsonAccess, JsonView, KeyView, any_element, json_access_for
from clickproof.store.tables import activities

__all__ = ["STANDARD_COLUMNS", "compile_filter"]

Comparator = Callable[[ColumnElement[Any], Any], ColumnElement[bool]]
_COMPARATORS: dict[Op, Comparator] = {
    Op.EQ: lambda c, v: c == v,
    Op.GT: lambda c, v: c > v,
    Op.GTE: lambda c, v: c >= v,
    Op.LT: lambda c, v: c < v,
    Op.LTE: lambda c, v: c <= v,
}
_NULL_MATCHING = (Op.EQ, Op.GTE, Op.LTE)  # MongoDB: {$gte: null} matches null/missing, $gt does not

Leaf = tuple[ColumnElement[bool], bool]  # the expression, and whether it can be SQL NULL


def compile_filter(node: Node | None, dialect_name: str) -> ColumnElement[bool]:
    if node is None:
        return true()
    return _FilterCompiler(json_access_for(dialect_name), dialect_name).compile(node, negated=False)


def bracket(value: Scalar) -> str:
    """MongoDB's comparison brackets: values of different brackets never compare."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    return "null"


INT64 = (-(2**63), 2**63 - 1)


def number_literal(value: int | float, dialect_name: str) -> ColumnElement[Any]:
    """A number bound so that the database compares it exactly as written: a 64-bit integer as
    BIGINT; any other number as NUMERIC on PostgreSQL (an integer column compared with 2.5 or
    1e20 is never rounded or overflowed) and as a double on SQLite (which compares an integer
    with a double exactly)."""
    # -2^63 itself is NUMERIC on PostgreSQL: the client-side binding of exports writes it as
    # `-9223372036854775808::BIGINT`, which PostgreSQL reads as -(2^63::BIGINT), out of range.
    smallest = INT64[0] + (1 if dialect_name == "postgresql" else 0)
    if isinstance(value, int) and smallest <= value <= INT64[1]:
        return literal(value, BigInteger())
    if dialect_name == "postgresql":
        # Bound as text and cast in SQL: SQLAlchemy's NUMERIC parameter would pass a float.
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return cast(literal(str(exact), String()), Numeric())
    return literal(float(value), Float())


TYPE_BRACKET = {
    FieldType.INTEGER: "number",
    FieldType.STRING: "text",
    FieldType.OBJECT_ID: "text",
    FieldType.DATETIME: "datetime",
    FieldType.BOOLEAN: "bool",
}


class _FilterCompiler:
    def __init__(self, json: JsonAccess, dialect_name: str) -> None:
        self.json = json
        self.dialect_name = dialect_name

    def compile(self, node: Node, *, negated: bool) -> ColumnElement[bool]:
        if isinstance(node, And | Or):
            parts = [self.compile(c, negated=negated) for c in node.children]
            conjunction = isinstance(node, And) != negated
            if not parts:  # `{}` matches everything; under a negation, nothing
                return true() if conjunction else false()
            return and_(*parts) if conjunction else or_(*parts)
        if isinstance(node, Not):
            return self.compile(node.child, negated=not negated)
        if node.op is Op.NE:
            return self.compile(Compare(node.field, Op.EQ, node.value), negated=not negated)
        if node.op is Op.NIN:
            return self.compile(Compare(node.field, Op.IN, node.value), negated=not negated)
        expression, maybe_null = self._leaf(node)
        if not negated:
            return expression
        return not_(func.coalesce(expression, false()) if maybe_null else expression)

    def _leaf(self, node: Compare) -> Leaf:
        field = node.field
        if field.family is not Family.STANDARD:
            return self._json(FAMILY_COLUMN[field.family], field.name, node.op, node.value)
        assert field.type is not None
        if field.name in RELATED_BY_NAME:
            return self._related(field.name, field.type, node.op, node.value)
        column = STANDARD_COLUMNS[field.name]
        return self._column(column, field.type, node.op, node.value, is_nullable(column))

    # -- typed columns (standard fields, and related attributes inside their subquery)

    def _column(
        self, column: ColumnElement[Any], ftype: FieldType, op: Op, value: Any, nullable: bool
    ) -> Leaf:
        if op is Op.EXISTS:
            return (column.is_not(None) if value else column.is_(None)), False
        if op is Op.IN:
            matching = [v for v in value if v is not None and bracket(v) == TYPE_BRACKET[ftype]]
            if ftype is FieldType.INTEGER:  # an integer column equals only whole numbers
                matching = [int(v) for v in matching if v == int(v) and INT64[0] <= v <= INT64[1]]
            parts: list[ColumnElement[bool]] = []
            if matching and ftype is FieldType.INTEGER:  # 64-bit values against a 32-bit column
                numbers = [number_literal(v, self.dialect_name) for v in matching]
                parts.append(column == numbers[0] if len(numbers) == 1 else column.in_(numbers))
            elif matching:
                parts.append(column == matching[0] if len(matching) == 1 else column.in_(matching))
            if None in value:
                parts.append(column.is_(None))
            if not parts:
                return false(), False
            return (parts[0] if len(parts) == 1 else or_(*parts)), nullable and bool(matching)
        if value is None:
            return (column.is_(None) if op in _NULL_MATCHING else false()), False
        if bracket(value) != TYPE_BRACKET[ftype]:
            return false(), False
        # Typed, so booleans and instants bind as the column does; numbers bind as they are written
        # (number_literal), so 2.5 or 1e20 compares with an integer column instead of rounding.
        bound = (
            number_literal(value, self.dialect_name)
            if ftype is FieldType.INTEGER
            else literal(value, column.type)
        )
        if ftype in (FieldType.STRING, FieldType.OBJECT_ID) and op is not Op.EQ:
            column = collated_text(column, self.dialect_name)
        return _COMPARATORS[op](column, bound), nullable

    def _related(self, name: str, ftype: FieldType, op: Op, value: Any) -> Leaf:
        """``contract.title`` and friends: the reference column IN (ids of matching related rows)."""
        reference, table, column = related_parts(name)
        present = _in_table(reference, table, column.is_not(None))
        absent = not_(func.coalesce(present, false()))
        if op is Op.EXISTS:
            return (present, True) if value else (absent, False)
        if op is Op.IN:
            inner, _ = self._column(column, ftype, Op.IN, tuple(v for v in value if v is not None), False)
            matched = _in_table(reference, table, inner)
            return (or_(matched, absent) if None in value else matched), True
        if value is None:
            return (absent, False) if op in _NULL_MATCHING else (false(), False)
        inner, _ = self._column(column, ftype, op, value, False)
        return _in_table(reference, table, inner), True

    # -- the open JSON families

    def _json(self, column_name: str, key: str, op: Op, value: Any) -> Leaf:
        """A key of a JSON family; as in MongoDB, an array matches when one of its elements does."""
        column = activities.c[column_name]
        json = self.json
        if op is Op.EXISTS:
            present = json.exists(column, key)
            return (present if value else not_(present)), False
        if op is Op.IN:
            return self._json_in(column_name, key, value)
        if value is None and op not in _NULL_MATCHING:
            return false(), False
        view = KeyView(json, column, key)
        if value is None:
            contains_null = any_element(self.dialect_name, column, key, lambda e: e.type_is("null"))
            return or_(not_(json.exists(column, key)), view.type_is("null"), contains_null), True

        def condition(target: JsonView) -> ColumnElement[bool]:
            return _json_compare(target, op, value, self.dialect_name)

        return or_(condition(view), any_element(self.dialect_name, column, key, condition)), True

    def _json_in(self, column_name: str, key: str, values: tuple[Scalar, ...]) -> Leaf:
        """``$in`` on a JSON key: one IN list per type bracket, so a thousand values stay one
        expression (an OR per value exceeds SQLite's expression depth near 500 values)."""
        parts: list[ColumnElement[bool]] = []
        if None in values:
            parts.append(self._json(column_name, key, Op.EQ, None)[0])
        present = tuple(v for v in values if v is not None)
        if present:
            column = activities.c[column_name]

            def condition(target: JsonView) -> ColumnElement[bool]:
                return _json_one_of(target, present, self.dialect_name)

            view = KeyView(self.json, column, key)
            parts.append(or_(condition(view), any_element(self.dialect_name, column, key, condition)))
        if not parts:
            return false(), False
        return (parts[0] if len(parts) == 1 else or_(*parts)), True


def _json_one_of(target: JsonView, values: tuple[Scalar, ...], dialect_name: str) -> ColumnElement[bool]:
    """``target`` equals one of ``values`` (no None among them), within each value's bracket."""
    texts = sorted(
        {v.isoformat() if isinstance(v, datetime) else v for v in values if isinstance(v, str | datetime)}
    )
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    booleans = {v for v in values if isinstance(v, bool)}
    parts: list[ColumnElement[bool]] = []
    if texts:
        parts.append(and_(target.type_is("text"), target.text().in_(texts)))
    if numbers:
        bound = [number_literal(v, dialect_name) for v in dict.fromkeys(numbers)]
        parts.append(and_(target.type_is("number"), target.number().in_(bound)))
    parts.extend(target.type_is("true" if b else "false") for b in sorted(booleans))
    return parts[0] if len(parts) == 1 else or_(*parts)


def _json_compare(target: JsonView, op: Op, value: Any, dialect_name: str) -> ColumnElement[bool]:
    """``target op value`` for one JSON value, within the value's type bracket."""
    kind = bracket(value)
    if kind in {"text", "datetime"}:
        text_value = value.isoformat() if isinstance(value, datetime) else value
        text = target.text()
        if op is not Op.EQ:
            text = collated_text(text, dialect_name)
        return and_(target.type_is("text"), _COMPARATORS[op](text, text_value))
    if kind == "number":
        return and_(
            target.type_is("number"), _COMPARATORS[op](target.number(), number_literal(value, dialect_name))
        )
    # Booleans: false < true, as MongoDB orders them.
    is_true = target.type_is("true")
    is_false = target.type_is("false")
    return {
        Op.EQ: is_true if value else is_false,
        Op.GT: false() if value else is_true,
        Op.GTE: is_true if value else or_(is_true, is_false),
        Op.LT: is_false if value else false(),
        Op.LTE: or_(is_true, is_false) if value else is_false,
    }[op]


def _in_table(
    reference: ColumnElement[Any], table: Table, condition: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The activity's reference names a row of `table` matching `condition`, of its own site:
    contract and version ids are unique per site only (docs/adr/0017)."""
    if isinstance(condition, False_):
        return false()
    return tuple_(activities.c.site_id, reference).in_(select(table.c.site_id, table.c.id).where(condition))
