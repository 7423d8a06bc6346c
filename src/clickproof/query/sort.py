"""The `sort` parameter: comma-separated field names, `-` for descending, id as the final tie-break.

Sortable: every standard field, the related attributes (``contract.title``…), and keys of the
JSON families (``custom_data.plan``). ``contract._id`` is the same key as ``contract``.
"""

from __future__ import annotations

from dataclasses import dataclass

from clickproof.domain.fields import FAMILY_COLUMN, Family
from clickproof.domain.limits import MAX_SORT_KEYS
from clickproof.errors import InvalidSortError
from clickproof.query.ast import FieldRef
from clickproof.query.fields import allowed_field_names, lookup_field

DEFAULT_SORT = "-created_time"


@dataclass(frozen=True)
class SortKey:
    field: str  # canonical path: a standard name, `contract.title`, or `custom_data.<key>`
    descending: bool

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field

    @property
    def ref(self) -> FieldRef:
        found = lookup_field(self.field)
        assert isinstance(found, FieldRef), self.field
        return found


def canonical_path(ref: FieldRef) -> str:
    if ref.family is Family.STANDARD:
        return ref.name
    return f"{FAMILY_COLUMN[ref.family]}.{ref.name}"


def parse_sort(raw: object) -> tuple[SortKey, ...]:
    """Parse and complete a sort: the result always ends with `id`, so the order is total."""
    if raw is None or raw == "":
        raw = DEFAULT_SORT
    if not isinstance(raw, str):
        raise InvalidSortError("sort must be a string such as '-created_time'", field="sort")
    parts = raw.split(",")
    if len(parts) > MAX_SORT_KEYS:
        raise InvalidSortError(f"sort has more than {MAX_SORT_KEYS} keys", field="sort")
    keys: list[SortKey] = []
    for part in parts:
        text = part.strip()
        descending = text.startswith("-")
        found = lookup_field(text[1:] if descending else text)
        if not isinstance(found, FieldRef):
            raise InvalidSortError(
                f"sort key {text[:40]!r} is not a field name with an optional '-'; "
                f"sortable fields: {', '.join(allowed_field_names())}",
                field="sort",
            )
        key = SortKey(canonical_path(found), descending)
        if any(k.field == key.field for k in keys):
            raise InvalidSortError(f"sort names {key.field[:40]!r} twice", field="sort")
        keys.append(key)
    if all(k.field != "id" for k in keys):
        keys.append(SortKey("id", keys[-1].descending))
    return tuple(keys)


def format_sort(keys: tuple[SortKey, ...]) -> str:
    return ",".join(str(k) for k in keys)
