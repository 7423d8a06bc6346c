"""Reading one key of a JSON column, in the dialect's own JSON functions, with bound paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from sqlalchemy import (
    Float,
    Numeric,
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement


class JsonAccess(Protocol):
    def type_is(self, column: ColumnElement[Any], key: str, kind: str) -> ColumnElement[bool]: ...
    def exists(self, column: ColumnElement[Any], key: str) -> ColumnElement[bool]: ...
    def text(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]: ...
    def number(self, column: ColumnElement[Any], key: str) -> ColumnElement[float]: ...
    def kind(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        """'text', 'true', 'false' for those JSON values, another word or NULL for the rest."""
        ...

    def type_word(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        """The database's own word for the value's JSON type, in one call (NULL when absent):
        SQLite's json_type, PostgreSQL's jsonb_typeof. export/csv_writer reads both."""
        ...


def sqlite_path(key: str) -> str:
    """A SQLite JSON path naming one top-level key, quoted so dots and brackets stay literal.

    The label is the key as a JSON string, escaped exactly as the stored text escapes it
    (domain/chain.canonical_json: `ensure_ascii=False`): SQLite before 3.45 (Python's own
    sqlite3 here) compares the label with the stored key's raw, escaped text, later versions
    (ADBC's) decode both, so a backslash, tab or newline in a key is found by either. A double
    quote cannot be named by a quoted label before 3.45: such keys are found through json_each
    (`_member`).
    """
    return "$." + json.dumps(key, ensure_ascii=False)


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
        if '"' in key:
            return _member(column, key, "type")
        return func.json_type(column, literal(sqlite_path(key), String))

    def type_is(self, column: ColumnElement[Any], key: str, kind: str) -> ColumnElement[bool]:
        kinds = self._KINDS[kind]
        t = self._type(column, key)
        return t == kinds[0] if len(kinds) == 1 else t.in_(kinds)

    def exists(self, column: ColumnElement[Any], key: str) -> ColumnElement[bool]:
        return self._type(column, key).is_not(None)

    def _value(self, column: ColumnElement[Any], key: str) -> ColumnElement[Any]:
        if '"' in key:
            return _member(column, key, "value")
        return func.json_extract(column, literal(sqlite_path(key), String))

    def text(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return type_coerce(self._value(column, key), Text)

    def number(self, column: ColumnElement[Any], key: str) -> ColumnElement[float]:
        return type_coerce(self._value(column, key), Float)

    def kind(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return self._type(column, key)

    def type_word(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return self._type(column, key)


def _member(column: ColumnElement[Any], key: str, part: str) -> ColumnElement[Any]:
    """One column of the json_each row of a top-level key, found by the key's decoded text: for
    keys with a double quote, which SQLite before 3.45 cannot name in a path. `value` is what
    json_extract gives: the SQL value of a scalar, the JSON text of an array or object."""
    each = func.json_each(column).table_valued("key", "type", "value")
    return select(each.c[part]).where(each.c.key == literal(key, String)).limit(1).scalar_subquery()


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

    def type_word(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        return self._type(column, key)


def json_access_for(dialect_name: str) -> JsonAccess:
    return PostgresJson() if dialect_name == "postgresql" else SqliteJson()


# -- one JSON value, seen the same way whether it is a family key or an element of an array


class JsonView(Protocol):
    def type_is(self, kind: str) -> ColumnElement[bool]: ...
    def text(self) -> ColumnElement[str]: ...
    def number(self) -> ColumnElement[float]: ...


class KeyView:
    """The value of one key of a JSON column."""

    def __init__(self, access: JsonAccess, column: ColumnElement[Any], key: str) -> None:
        self.access, self.column, self.key = access, column, key

    def type_is(self, kind: str) -> ColumnElement[bool]:
        return self.access.type_is(self.column, self.key, kind)

    def text(self) -> ColumnElement[str]:
        return self.access.text(self.column, self.key)

    def number(self) -> ColumnElement[float]:
        return self.access.number(self.column, self.key)


class _SqliteElement:
    """A row of json_each(...): its `type` word and its SQL `value`."""

    def __init__(self, each: Any) -> None:
        self.each = each

    def type_is(self, kind: str) -> ColumnElement[bool]:
        kinds = SqliteJson._KINDS[kind]
        word: ColumnElement[str] = self.each.c.type
        return word == kinds[0] if len(kinds) == 1 else word.in_(kinds)

    def text(self) -> ColumnElement[str]:
        return type_coerce(self.each.c.value, Text)

    def number(self) -> ColumnElement[float]:
        return type_coerce(self.each.c.value, Float)


class _PostgresElement:
    """A jsonb element of jsonb_array_elements(...)."""

    def __init__(self, element: ColumnElement[Any]) -> None:
        self.element = element
        self.typeof = func.jsonb_typeof(element)

    def type_is(self, kind: str) -> ColumnElement[bool]:
        words = {"text": "string", "number": "number", "null": "null"}
        if kind in words:
            return self.typeof == words[kind]
        return (self.typeof == "boolean") & (self.text() == kind)

    def text(self) -> ColumnElement[str]:
        return type_coerce(self.element.op("#>>")(literal_column("'{}'::text[]")), Text)

    def number(self) -> ColumnElement[float]:
        return case((self.typeof == "number", cast(self.text(), Numeric)), else_=None)


def any_element(
    dialect_name: str,
    column: ColumnElement[Any],
    key: str,
    condition: Callable[[JsonView], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """True when the key holds an array with an element that satisfies ``condition`` (MongoDB)."""
    if dialect_name == "postgresql":
        value = column.op("->")(literal(key, String))
        guarded = case((func.jsonb_typeof(value) == "array", value), else_=literal_column("'[]'::jsonb"))
        elements = func.jsonb_array_elements(guarded).table_valued("value")
        element = _PostgresElement(elements.c.value)
        return exists(select(literal(1)).select_from(elements).where(condition(element)))
    if '"' in key:
        is_array = _member(column, key, "type") == "array"
        # A scalar's value is SQL text, not JSON: json_each only ever sees the array's JSON text.
        array = case((is_array, _member(column, key, "value")), else_=literal("[]", String))
        each = func.json_each(array).table_valued("type", "value")
    else:
        each = func.json_each(column, literal(sqlite_path(key), String)).table_valued("type", "value")
        is_array = func.json_type(column, literal(sqlite_path(key), String)) == "array"
    return and_(is_array, exists(select(literal(1)).select_from(each).where(condition(_SqliteElement(each)))))
