"""Reading one key of a JSON column, in the dialect's own JSON functions, with bound paths."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from sqlalchemy import Float, Numeric, String, Text, case, cast, func, literal, type_coerce
from sqlalchemy.sql.elements import ColumnElement


class JsonAccess(Protocol):
    def type_is(self, column: ColumnElement[Any], key: str, kind: str) -> ColumnElement[bool]: ...
    def exists(self, column: ColumnElement[Any], key: str) -> ColumnElement[bool]: ...
    def text(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]: ...
    def number(self, column: ColumnElement[Any], key: str) -> ColumnElement[float]: ...
    def kind(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        """'text', 'true', 'false' for those JSON values, another word or NULL for the rest."""
        ...


def sqlite_path(key: str) -> str:
    """A SQLite JSON path naming one top-level key, quoted so dots and brackets stay literal."""
    return f'$."{key}"'


class SqliteJson:
    """json_type / json_extract. Kinds: null true false integer real text array object."""

    _KINDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "text": ("text",),
        "number": ("integer", "real"),
        "true": ("true",),
        "false": ("false",),
        "null": ("null",),
    }

    def _type(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return func.json_type(column, literal(sqlite_path(key), String))

    def type_is(self, column: ColumnElement[Any], key: str, kind: str) -> ColumnElement[bool]:
        kinds = self._KINDS[kind]
        t = self._type(column, key)
        return t == kinds[0] if len(kinds) == 1 else t.in_(kinds)

    def exists(self, column: ColumnElement[Any], key: str) -> ColumnElement[bool]:
        return self._type(column, key).is_not(None)

    def text(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return type_coerce(func.json_extract(column, literal(sqlite_path(key), String)), Text)

    def number(self, column: ColumnElement[Any], key: str) -> ColumnElement[float]:
        return type_coerce(func.json_extract(column, literal(sqlite_path(key), String)), Float)

    def kind(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return self._type(column, key)


class PostgresJson:
    """jsonb operators. jsonb_typeof kinds: string number boolean null object array."""

    def _element(self, column: ColumnElement[Any], key: str) -> ColumnElement[Any]:
        return column.op("->")(literal(key, String))

    def _type(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return func.jsonb_typeof(self._element(column, key))

    def type_is(self, column: ColumnElement[Any], key: str, kind: str) -> ColumnElement[bool]:
        t = self._type(column, key)
        if kind == "text":
            return t == "string"
        if kind == "number":
            return t == "number"
        if kind in ("true", "false"):
            return (t == "boolean") & (self.text(column, key) == kind)
        return t == "null"

    def exists(self, column: ColumnElement[Any], key: str) -> ColumnElement[bool]:
        return self._type(column, key).is_not(None)

    def text(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return type_coerce(column.op("->>")(literal(key, String)), Text)

    def number(self, column: ColumnElement[Any], key: str) -> ColumnElement[float]:
        # CASE keeps the cast from ever seeing a non-number (PostgreSQL does not short-circuit AND).
        return case((self._type(column, key) == "number", cast(self.text(column, key), Numeric)), else_=None)

    def kind(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        t = self._type(column, key)
        return case((t == "string", "text"), (t == "boolean", self.text(column, key)), else_=t)


def json_access_for(dialect_name: str) -> JsonAccess:
    return PostgresJson() if dialect_name == "postgresql" else SqliteJson()
