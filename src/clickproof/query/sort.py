"""The `sort` parameter: comma-separated field names, `-` for descending, id as the final tie-break."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clickproof.domain.fields import STANDARD_NAMES
from clickproof.domain.limits import MAX_SORT_KEYS
from clickproof.errors import InvalidSortError

DEFAULT_SORT = "-created_time"
_KEY = re.compile(r"^(-?)([a-z_]+)$")


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field


def parse_sort(raw: object) -> tuple[SortKey, ...]:
    """Parse and complete a sort: the result always ends with `id`, so the order is total."""
    if raw is None or raw == "":
        raw = DEFAULT_SORT
    if not isinstance(raw, str):
        raise InvalidSortError("sort must be a string such as '-created_time'", field="sort")
    keys: list[SortKey] = []
    for part in raw.split(","):
        match = _KEY.match(part.strip())
        if not match or match.group(2) not in STANDARD_NAMES:
            raise InvalidSortError(
                f"sort key {part.strip()[:40]!r} is not a field name with an optional '-'; "
                f"sortable fields: {', '.join(STANDARD_NAMES)}",
                field="sort",
            )
        key = SortKey(match.group(2), match.group(1) == "-")
        if any(k.field == key.field for k in keys):
            raise InvalidSortError(f"sort names {key.field!r} twice", field="sort")
        keys.append(key)
    if len(keys) > MAX_SORT_KEYS:
        raise InvalidSortError(f"sort has more than {MAX_SORT_KEYS} keys", field="sort")
    if keys[-1].field != "id" and all(k.field != "id" for k in keys):
        keys.append(SortKey("id", keys[-1].descending))
    return tuple(keys)


def format_sort(keys: tuple[SortKey, ...]) -> str:
    return ",".join(str(k) for k in keys)
