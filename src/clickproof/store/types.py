"""Column types that keep the same meaning on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from clickproof.domain.timestamps import as_utc, format_stored, parse_stored


class UtcDateTime(TypeDecorator[datetime]):
    """An instant in UTC.

    PostgreSQL keeps it as ``timestamptz``. SQLite keeps it as fixed-width ISO 8601 text with
    microseconds and ``Z`` (``2026-01-02T03:04:05.678901Z``): it sorts as text, compares with bound
    parameters of the same form, and is already the exported form, so a CSV export copies it as is.
    """

    impl = String(27)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(String(27))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return as_utc(value)
        return format_stored(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return as_utc(value)
        return parse_stored(str(value))


class JsonDocument(TypeDecorator[Any]):
    """A JSON object: ``jsonb`` on PostgreSQL, JSON text on SQLite."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())
