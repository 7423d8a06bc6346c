"""The SELECT behind a CSV export: one output expression per column, window, filter, total order.

Values leave the database already in their exported form (ISO 8601 UTC text, TRUE/FALSE); the
writer only neutralizes formulas and quotes. JSON family values come with their JSON kind so
that only text is neutralized and booleans print as TRUE/FALSE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, literal, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.export_request import Column
from clickproof.domain.fields import FAMILY_COLUMN, STANDARD_BY_NAME, Family, FieldType, header_for
from clickproof.query.ast import Node
from clickproof.query.columns import STANDARD_COLUMNS
from clickproof.query.json_access import json_access_for
from clickproof.query.keyset import at_or_after, before, first_key_bounds
from clickproof.query.order import order_by
from clickproof.query.sort import SortKey
from clickproof.query.sql import compile_filter
from clickproof.query.window import fold_window
from clickproof.store.tables import activities

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ISO_PG = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


class CellKind(StrEnum):
    TEXT = "text"  # untrusted text: formula guard applies
    PLAIN = "plain"  # numbers, timestamps, TRUE/FALSE: written as they come
    JSON = "json"  # a JSON family value followed by its kind column


@dataclass(frozen=True)
class OutputColumn:
    header: str
    kind: CellKind
    quoted: bool = True  # written as text (quoted); False for integers
    # JSON: the one kind every stored value of the key has (no kind column follows), if known
    json_kind: str | None = None


@dataclass(frozen=True)
class CsvQuery:
    statement: Select[Any]
    count_statement: Select[Any]
    columns: tuple[OutputColumn, ...]
    where: ColumnElement[bool]
    order: tuple[ColumnElement[Any], ...]
    sort: tuple[SortKey, ...]

    def position_statement(self, low: tuple[Any, ...] | None, offset: int) -> Select[Any]:
        """The sort-key values of the row `offset` rows after position `low` (from the start when
        None): walking from one boundary to the next reads each index entry once, where OFFSET from
        the start would read it again for every later boundary (and a row_number() scan
        materializes every row: ten times slower for four chunks)."""
        keys = [STANDARD_COLUMNS[k.field] for k in self.sort]
        where = self.where if low is None else and_(self.where, self.chunk_where(low, None))
        return select(*keys).where(where).order_by(*self.order).limit(1).offset(offset)

    def chunk_statement(self, low: tuple[Any, ...] | None, high: tuple[Any, ...] | None) -> Select[Any]:
        """The export rows from position `low` (included) to `high` (excluded)."""
        return self.statement.where(self.chunk_where(low, high))

    def chunk_where(self, low: tuple[Any, ...] | None, high: tuple[Any, ...] | None) -> ColumnElement[bool]:
        """The condition on activities of the positions from `low` (included) to `high` (excluded)."""
        conditions = [first_key_bounds(self.sort, low, high)]
        if low is not None:
            conditions.append(at_or_after(self.sort, low))
        if high is not None:
            conditions.append(before(self.sort, high))
        return and_(*conditions)


def build_csv_query(
    *,
    dialect_name: str,
    site_id: int,
    start: datetime,
    end: datetime,
    filter_node: Node | None,
    sort: tuple[SortKey, ...],
    columns: list[Column],
    cells_in_sql: bool = False,
    kinds: Mapping[tuple[Family, str], frozenset[str]] | None = None,
) -> CsvQuery:
    """The export query. With `cells_in_sql` the SELECT also applies the formula guard and the
    JSON kinds, so each column is a finished cell (PostgreSQL's COPY path).

    `kinds` are the JSON kinds stored under each key of the JSON families of the site
    (ActivityStore.family_kinds). A key of one kind is selected without its kind word: asking the
    database for every value's kind was a fifth of PostgreSQL's work on the demo's export.

    The site scopes the tenant: a site belongs to exactly one account, and the job's site was
    authorized for the job's account when the job was created. Leaving account_id out of the
    WHERE lets the count and chunk positions read the (site_id, created_time, id) index alone.
    """
    json = json_access_for(dialect_name)
    expressions: list[ColumnElement[Any]] = []
    outputs: list[OutputColumn] = []
    for column in columns:
        header = header_for(column.family, column.name)
        if column.family is Family.STANDARD:
            expression, kind = _standard(column.name, dialect_name, cells_in_sql)
            quoted = STANDARD_BY_NAME[column.name].type is not FieldType.INTEGER
            if cells_in_sql and kind is CellKind.TEXT:
                expression, kind = guard_sql(expression), CellKind.PLAIN
            expressions.append(expression)
            outputs.append(OutputColumn(header, kind, quoted))
            continue
        data = activities.c[FAMILY_COLUMN[column.family]]
        value = json.text(data, column.name)
        if cells_in_sql:
            kind_of = json.kind(data, column.name)
            expressions.append(
                case(
                    (kind_of == "text", guard_sql(value)),
                    (kind_of == "true", "TRUE"),
                    (kind_of == "false", "FALSE"),
                    else_=value,
                )
            )
            outputs.append(OutputColumn(header, CellKind.PLAIN))
        else:
            expressions.append(cast(value, String) if dialect_name == "sqlite" else value)
            seen = None if kinds is None else kinds.get((column.family, column.name), frozenset())
            if seen is not None and len(seen) <= 1:
                # One kind stored under the key: the database need not tell each value's kind.
                outputs.append(OutputColumn(header, CellKind.JSON, json_kind=min(seen, default="string")))
                continue
            expressions.append(json.type_word(data, column.name))
            outputs.append(OutputColumn(header, CellKind.JSON))
    start, end, filter_node = fold_window(filter_node, start, end)
    where = and_(
        activities.c.site_id == site_id,
        activities.c.created_time >= start,
        activities.c.created_time < end,
        compile_filter(filter_node, dialect_name),
    )
    order = order_by(sort, dialect_name)
    labelled = [e.label(f"c{i}") for i, e in enumerate(expressions)]
    statement = select(*labelled).where(where).order_by(*order)
    count_statement = select(func.count()).select_from(activities).where(where)
    return CsvQuery(statement, count_statement, tuple(outputs), where, tuple(order), sort)


def guard_sql(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """The formula guard of csv_writer.guard_text, in SQL."""
    first = func.substr(func.ltrim(value, " "), 1, 1)
    return case((first.in_(FORMULA_STARTS), literal("'", String) + value), else_=value)


def _standard(name: str, dialect_name: str, cells_in_sql: bool) -> tuple[ColumnElement[Any], CellKind]:
    column = STANDARD_COLUMNS[name]
    field_type = STANDARD_BY_NAME[name].type
    if field_type is FieldType.BOOLEAN:
        return case((column, "TRUE"), else_="FALSE"), CellKind.PLAIN
    if field_type is FieldType.DATETIME:
        if dialect_name == "postgresql":
            if not cells_in_sql:  # an Arrow timestamp, formatted as UTC by csv_writer
                return column, CellKind.PLAIN
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
