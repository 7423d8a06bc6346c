"""The allowlist of filterable and sortable fields, and how a filter or sort key names one."""

from __future__ import annotations

from clickproof.domain.fields import (
    FAMILY_COLUMN,
    RELATED_BY_NAME,
    RELATED_FIELDS,
    STANDARD_BY_NAME,
    STANDARD_FIELDS,
    Family,
)
from clickproof.domain.limits import MAX_FIELD_NAME_LENGTH
from clickproof.errors import InvalidFilterError
from clickproof.query.ast import FieldRef

# Related objects addressed the way Ironclad's expanded activity documents are: contract._id …
RELATED_IDS = {"contract": "contract", "version": "version", "group": "group"}
FAMILY_BY_PREFIX = {column: family for family, column in FAMILY_COLUMN.items()}


def standard_ref(name: str) -> FieldRef:
    spec = STANDARD_BY_NAME[name]
    return FieldRef(Family.STANDARD, name, spec.type, spec.description)


def json_key_problem(key: str) -> str | None:
    """Why ``key`` cannot address a key of a JSON family on both databases, or None when it can:
    NUL and lone surrogates cannot be stored (PostgreSQL). Tabs, newlines, backslashes and double
    quotes can (query/json_access.py)."""
    if not key or len(key) > MAX_FIELD_NAME_LENGTH:
        return f"needs a key of 1 to {MAX_FIELD_NAME_LENGTH} characters"
    if "\x00" in key or any(0xD800 <= ord(ch) <= 0xDFFF for ch in key):
        return "a key may not contain NUL or lone surrogates"
    return None


def family_key_problem(key: str) -> str | None:
    """Why ``key`` cannot name a key of a JSON family in a filter or sort, or None when it can."""
    if key.startswith("$"):
        return "a key may not start with '$'"
    return json_key_problem(key)


def lookup_field(path: str) -> FieldRef | str:
    """The field a dotted path names, or the reason it names none."""
    if path in STANDARD_BY_NAME:
        return standard_ref(path)
    head, dot, rest = path.partition(".")
    if dot and head in RELATED_IDS and rest in ("_id", "id"):
        return standard_ref(RELATED_IDS[head])
    if path in RELATED_BY_NAME:
        spec = RELATED_BY_NAME[path]
        return FieldRef(Family.STANDARD, path, spec.type, spec.description)
    if dot and head in FAMILY_BY_PREFIX:
        problem = family_key_problem(rest)
        if problem is not None:
            return problem
        family = FAMILY_BY_PREFIX[head]
        return FieldRef(family, rest, None, f"{head.replace('_data', '')} {rest}")
    return "unknown"


def resolve_field(path: str, pointer: str) -> FieldRef:
    """Turn a filter key (``version_number``, ``contract._id``, ``custom_data.vip``) into a FieldRef."""
    found = lookup_field(path)
    if isinstance(found, FieldRef):
        return found
    if found != "unknown":
        raise InvalidFilterError(f"field {path[:80]!r}: {found}", field=pointer)
    raise InvalidFilterError(
        f"unknown filter field {path[:80]!r}; allowed: {', '.join(allowed_field_names())}",
        field=pointer,
        code="unknown_filter_field",
    )


def allowed_field_names() -> list[str]:
    names = [f.name for f in STANDARD_FIELDS]
    names += [f"{related}._id" for related in RELATED_IDS]
    names += [f.name for f in RELATED_FIELDS]
    names += [f"{column}.<key>" for column in FAMILY_COLUMN.values()]
    return names


def is_nested_prefix(key: str) -> bool:
    """Keys whose object value addresses sub-fields: {"contract": {"_id": 1}}, {"custom_data": {...}}."""
    return key in RELATED_IDS or key in FAMILY_BY_PREFIX
