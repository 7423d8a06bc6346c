"""ORDER BY expressions for a parsed sort, ordering values as MongoDB does, on every database.

Missing and null values come first in ascending order (MongoDB's null is the smallest value).
Keys of the JSON families order by type bracket first (null < numbers < text < objects <
arrays < false < true), then by value within the bracket; text orders by code point.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.fields import FAMILY_COLUMN, RELATED_BY_NAME, Family, FieldType
from clickproof.query.columns import STANDARD_COLUMNS, collated_text, is_nullable, related_value
from clickproof.query.json_access import json_access_for
from clickproof.query.sort import SortKey
from clickproof.store.tables import activities

# JSON kinds (json_access.kind: SQLite's json_type words, PostgreSQL's mapped ones) → bracket rank.
_RANKS = {
    "null": 0,
    "integer": 1,
    "real": 1,
    "number": 1,
    "text": 2,
    "object": 3,
    "array": 4,
    "false": 5,
    "true": 6,
}


def order_by(sort: tuple[SortKey, ...], dialect_name: str) -> list[ColumnElement[Any]]:
    clauses: list[ColumnElement[Any]] = []
    for key in sort:
        for expression, nullable in sort_expressions(key, dialect_name):
            clause = expression.desc() if key.descending else expression.asc()
            if nullable and dialect_name == "postgresql":  # SQLite already puts NULL first
                clause = clause.nulls_last() if key.descending else clause.nulls_first()
            clauses.append(clause)
    return clauses


def sort_expressions(key: SortKey, dialect_name: str) -> list[tuple[ColumnElement[Any], bool]]:
    """The expressions one sort key orders by, each with whether it can be NULL.

    A standard or related field is one expression; a JSON-family key is three (type rank,
    number, text), so keyset positions over such a key are tuples of three values.
    """
    ref = key.ref
    if ref.family is Family.STANDARD:
        if ref.name in RELATED_BY_NAME:
            expression: ColumnElement[Any] = related_value(ref.name)
            nullable = True
        else:
            expression = STANDARD_COLUMNS[ref.name]
            nullable = is_nullable(expression)
        if ref.type is FieldType.STRING:
            expression = collated_text(expression, dialect_name)
        return [(expression, nullable)]
    json = json_access_for(dialect_name)
    column = activities.c[FAMILY_COLUMN[ref.family]]
    kind = json.kind(column, ref.name)
    rank = case(*((kind == word, rank) for word, rank in _RANKS.items()), else_=0)
    number = case((json.type_is(column, ref.name, "number"), json.number(column, ref.name)), else_=None)
    text = case((json.type_is(column, ref.name, "text"), json.text(column, ref.name)), else_=None)
    return [(rank, False), (number, True), (collated_text(text, dialect_name), True)]
