"""Compile a filter AST to a SQLAlchemy boolean expression: bound parameters only.

Field names never reach SQL text: standard fields map through a fixed dict to columns, and
JSON keys are bound as parameters of the dialect's JSON functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.fields import FAMILY_COLUMN, Family, FieldType
from clickproof.query.ast import And, Compare, Node, Not, Op, Or, Scalar
from clickproof.query.json_access import JsonAccess, json_access_for
from clickproof.store.tables import activities

STANDARD_COLUMNS: dict[str, ColumnElement[Any]] = {
    "id": activities.c.id,
    "uuid": activities.c.uuid,
    "account": activities.c.account_id,
    "site": activities.c.site_id,
    "signer_id": activities.c.signer_id,
    "event_type": activities.c.event_type,
    "execution_method": activities.c.execution_method,
    "contract": activities.c.contract_id,
    "version": activities.c.version_id,
    "version_number": activities.c.version_number,
    "group": activities.c.group_id,
    "batch": activities.c.batch,
    "session": activities.c.session,
    "created_time": activities.c.created_time,
    "event_time": activities.c.event_time,
    "test_mode": activities.c.test_mode,
}

_COMPARATORS = {
    Op.EQ: lambda c, v: c == v,
    Op.GT: lambda c, v: c > v,
    Op.GTE: lambda c, v: c >= v,
    Op.LT: lambda c, v: c < v,
    Op.LTE: lambda c, v: c <= v,
}


def compile_filter(node: Node | None, dialect_name: str) -> ColumnElement[bool]:
    if node is None:
        return true()
    return _FilterCompiler(json_access_for(dialect_name)).compile(node)


def _definite(expr: ColumnElement[bool]) -> ColumnElement[bool]:
    """SQL NULL (unknown) counts as 'does not match', so NOT of it matches, as in MongoDB."""
    return func.coalesce(expr, false())


def _bracket(value: Scalar) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    return "null"


_TYPE_BRACKET = {
    FieldType.INTEGER: "number",
    FieldType.STRING: "text",
    FieldType.OBJECT_ID: "text",
    FieldType.DATETIME: "datetime",
    FieldType.BOOLEAN: "bool",
}


class _FilterCompiler:
    """Compiles the AST so that every leaf is a definite boolean (true or false, never NULL)."""

    def __init__(self, json: JsonAccess) -> None:
        self.json = json

    def compile(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.compile(c) for c in node.children))
        if isinstance(node, Or):
            return or_(*(self.compile(c) for c in node.children))
        if isinstance(node, Not):
            return not_(self.compile(node.child))
        return self._compare(node)

    def _compare(self, node: Compare) -> ColumnElement[bool]:
        op, value = node.op, node.value
        if op is Op.NE:
            return not_(self._compare(Compare(node.field, Op.EQ, value)))
        if op is Op.NIN:
            return not_(self._compare(Compare(node.field, Op.IN, value)))
        if op is Op.IN:
            assert isinstance(value, tuple)
            if not value:
                return false()
            return or_(*(self._compare(Compare(node.field, Op.EQ, v)) for v in value))
        assert not isinstance(value, tuple)
        if node.field.family is Family.STANDARD:
            return self._standard(node.field.name, node.field.type, op, value)
        return self._json(FAMILY_COLUMN[node.field.family], node.field.name, op, value)

    def _standard(self, name: str, ftype: FieldType | None, op: Op, value: Scalar) -> ColumnElement[bool]:
        column = STANDARD_COLUMNS[name]
        if op is Op.EXISTS:
            return column.is_not(None) if value else column.is_(None)
        if value is None:
            # MongoDB: null equals null or missing; $gte/$lte null include it; $gt/$lt null match nothing.
            return column.is_(None) if op in (Op.EQ, Op.GTE, Op.LTE) else false()
        assert ftype is not None
        if _bracket(value) != _TYPE_BRACKET[ftype]:
            return false()  # different type brackets never compare (MongoDB semantics)
        comparison: ColumnElement[bool] = _COMPARATORS[op](column, value)
        # Every leaf is definite (never SQL NULL), so NOT and $ne/$nin need no extra care; a
        # non-nullable column needs no COALESCE, which keeps its index usable.
        nullable = getattr(column, "nullable", True)
        return _definite(comparison) if nullable else comparison

    def _json(self, column_name: str, key: str, op: Op, value: Scalar) -> ColumnElement[bool]:
        column = activities.c[column_name]
        if op is Op.EXISTS:
            present = self.json.exists(column, key)
            return present if value else not_(present)
        bracket = _bracket(value)
        if value is None:
            missing_or_null = or_(not_(self.json.exists(column, key)), self.json.type_is(column, key, "null"))
            return _definite(missing_or_null) if op in (Op.EQ, Op.GTE, Op.LTE) else false()
        if bracket in {"text", "datetime"}:
            text_value = value.isoformat() if isinstance(value, datetime) else value
            return _definite(
                and_(
                    self.json.type_is(column, key, "text"),
                    _COMPARATORS[op](self.json.text(column, key), text_value),
                )
            )
        if bracket == "number":
            return _definite(
                and_(
                    self.json.type_is(column, key, "number"),
                    _COMPARATORS[op](self.json.number(column, key), value),
                )
            )
        # Booleans: false < true, as MongoDB orders them.
        rank = 1 if value else 0
        is_true = self.json.type_is(column, key, "true")
        is_false = self.json.type_is(column, key, "false")
        matches = {
            Op.EQ: is_true if value else is_false,
            Op.GT: is_true if rank == 0 else false(),
            Op.GTE: or_(is_true, is_false) if rank == 0 else is_true,
            Op.LT: is_false if rank == 1 else false(),
            Op.LTE: or_(is_true, is_false) if rank == 1 else is_false,
        }[op]
        return _definite(matches)
