"""The SELECT behind a CSV export: one output expression per column, window, filter, total order.

Values leave the database already in their exported form (ISO 8601 UTC text, TRUE/FALSE); the
writer only neutralizes formulas and quotes. JSON family values come with their JSON kind so
that only text is neutralized and booleans print as TRUE/FALSE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.export_request import Column
from clickproof.domain.fields import FAMILY_COLUMN, STANDARD_BY_NAME, Family, FieldType, header_for
from clickproof.query.ast import Node
from clickproof.query.columns import STANDARD_COLUMNS
from clickproof.query.json_access import json_access_for
from clickproof.query.order import order_by
from clickproof.query.sort import SortKey
from clickproof.query.sql import compile_filter
from clickproof.query.window import fold_window
from clickproof.store.tables import activities

ISO_PG = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


class CellKind(StrEnum):
    TEXT = "text"  # untrusted text: formula guard applies
    PLAIN = "plain"  # numbers, timestamps, TRUE/FALSE: written as they come
    JSON = "json"  # a JSON family value followed by its kind column


@dataclass(frozen=True)
class OutputColumn:
    header: str
    kind: CellKind


@dataclass(frozen=True)
class CsvQuery:
    statement: Select[Any]
    count_statement: Select[Any]
    columns: tuple[OutputColumn, ...]


def build_csv_query(
    *,
    dialect_name: str,
    account_id: int,
    site_id: int,
    start: datetime,
    end: datetime,
    filter_node: Node | None,
    sort: tuple[SortKey, ...],
    columns: list[Column],
) -> CsvQuery:
    json = json_access_for(dialect_name)
    expressions: list[ColumnElement[Any]] = []
    outputs: list[OutputColumn] = []
    for column in columns:
        header = header_for(column.family, column.name)
        if column.family is Family.STANDARD:
            expression, kind = _standard(column.name, dialect_name)
            expressions.append(expression)
            outputs.append(OutputColumn(header, kind))
            continue
        data = activities.c[FAMILY_COLUMN[column.family]]
        value = json.text(data, column.name)
        if column.family is Family.CONNECTION:
            expressions.append(value)
            outputs.append(OutputColumn(header, CellKind.TEXT))
        else:
            expressions.append(cast(value, String) if dialect_name == "sqlite" else value)
            expressions.append(json.kind(data, column.name))
            outputs.append(OutputColumn(header, CellKind.JSON))
    start, end, filter_node = fold_window(filter_node, start, end)
    where = and_(
        activities.c.account_id == account_id,
        activities.c.site_id == site_id,
        activities.c.created_time >= start,
        activities.c.created_time < end,
        compile_filter(filter_node, dialect_name),
    )
    order = order_by(sort, dialect_name)
    labelled = [e.label(f"c{i}") for i, e in enumerate(expressions)]
    statement = select(*labelled).where(where).order_by(*order)
    count_statement = select(func.count()).select_from(activities).where(where)
    return CsvQuery(statement, count_statement, tuple(outputs))


def _standard(name: str, dialect_name: str) -> tuple[ColumnElement[Any], CellKind]:
    column = STANDARD_COLUMNS[name]
    field_type = STANDARD_BY_NAME[name].type
    if field_type is FieldType.BOOLEAN:
        return case((column, "TRUE"), else_="FALSE"), CellKind.PLAIN
    if field_type is FieldType.DATETIME:
        if dialect_name == "postgresql":
            return func.to_char(func.timezone("UTC", column), ISO_PG), CellKind.PLAIN
        # Stored as fixed-width ISO 8601 UTC text: read it as text, without the type's parsing.
        return type_coerce(column, String), CellKind.PLAIN
    if field_type is FieldType.INTEGER:
        return column, CellKind.PLAIN
    return column, CellKind.TEXT


def compile_positional(statement: Select[Any], dialect: Dialect) -> tuple[str, list[Any]]:
    """SQL text with `?` placeholders and the processed parameter values, in order."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params: list[Any] = []
    for name in compiled.positiontup or ():
        # An expanded IN parameter (`p_1`, `p_2`, … after render_postcompile) has its base's type.
        bind = compiled.binds[name if name in compiled.binds else name.rsplit("_", 1)[0]]
        value = compiled.params[name]
        processor = bind.type.bind_processor(dialect)
        params.append(processor(value) if processor else value)
    return str(compiled), params
