"""Keyset ranges over the export order: "rows from this position on" and "rows before that one".

A position is the tuple of sort-key values of one row. The order is total (id is the last key),
so a list of positions cuts the rows into contiguous chunks. Every comparison follows the export
order exactly: direction per key, NULL before any value (`NULLS FIRST` ascending, `NULLS LAST`
descending), as `query/order.order_by` sorts standard fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, literal, or_, true
from sqlalchemy.sql.elements import ColumnElement

from clickproof.query.sort import SortKey
from clickproof.query.sql import STANDARD_COLUMNS


def _value(key: SortKey, value: Any) -> ColumnElement[Any]:
    """A bound parameter of the column's type (booleans included)."""
    return literal(value, type_=STANDARD_COLUMNS[key.field].type)


def _after(key: SortKey, value: Any) -> ColumnElement[bool]:
    """Rows whose `key` comes strictly after `value` in the export order."""
    column = STANDARD_COLUMNS[key.field]
    if not key.descending:  # ascending, NULL first
        return (
            column.is_not(None) if value is None else and_(column.is_not(None), column > _value(key, value))
        )
    # descending, NULL last
    return false() if value is None else or_(column.is_(None), column < _value(key, value))


def _equal(key: SortKey, value: Any) -> ColumnElement[bool]:
    column = STANDARD_COLUMNS[key.field]
    return column.is_(None) if value is None else and_(column.is_not(None), column == _value(key, value))


def at_or_after(keys: tuple[SortKey, ...], position: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows at `position` or later in the order."""
    terms: list[ColumnElement[bool]] = []
    prefix: list[ColumnElement[bool]] = []
    for key, value in zip(keys, position, strict=True):
        terms.append(and_(*prefix, _after(key, value)) if prefix else _after(key, value))
        prefix.append(_equal(key, value))
    terms.append(and_(*prefix))
    return or_(*terms)


def before(keys: tuple[SortKey, ...], position: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows strictly earlier than `position` in the order."""
    return ~at_or_after(keys, position)


def first_key_bounds(
    keys: tuple[SortKey, ...], low: tuple[Any, ...] | None, high: tuple[Any, ...] | None
) -> ColumnElement[bool]:
    """A redundant, index-friendly range on the first key (it must not be nullable)."""
    key = keys[0]
    column = STANDARD_COLUMNS[key.field]
    if getattr(column, "nullable", True):
        return true()
    terms: list[ColumnElement[bool]] = []
    if low is not None:
        bound = _value(key, low[0])
        terms.append(column <= bound if key.descending else column >= bound)
    if high is not None:
        bound = _value(key, high[0])
        terms.append(column >= bound if key.descending else column <= bound)
    return and_(true(), *terms)
