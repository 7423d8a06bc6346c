"""The SQL expression behind every standard and related field name: a fixed map, never formatting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.fields import RELATED_BY_NAME, FieldType
from clickproof.store.tables import activities, contracts, groups, versions

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

RELATED_TABLES: dict[str, Table] = {"contract": contracts, "version": versions, "group": groups}


def is_nullable(column: ColumnElement[Any]) -> bool:
    return bool(getattr(column, "nullable", True))


def related_parts(name: str) -> tuple[ColumnElement[Any], Table, ColumnElement[Any]]:
    """For ``contract.title``: the activity's reference column, the related table, its column."""
    spec = RELATED_BY_NAME[name]
    table = RELATED_TABLES[spec.related]
    return STANDARD_COLUMNS[spec.related], table, table.c[spec.attribute]


def related_value(name: str) -> ColumnElement[Any]:
    """The related attribute of each activity as a correlated scalar subquery (for ORDER BY)."""
    reference, table, column = related_parts(name)
    return (
        select(column)
        .where(table.c.site_id == activities.c.site_id, table.c.id == reference)
        .scalar_subquery()
    )


def collated_text(expression: ColumnElement[Any], dialect_name: str) -> ColumnElement[Any]:
    """Text ordered by code point on every database (PostgreSQL's default collation may not be)."""
    return expression.collate("C") if dialect_name == "postgresql" else expression


def is_text(field_type: FieldType | None) -> bool:
    return field_type is FieldType.STRING
