"""The field catalogue: every selectable, filterable and sortable field of a site's activities."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clickproof.domain.fields import (
    FAMILY_COLUMN,
    RELATED_FIELDS,
    SELECTABLE_CONNECTION_KEYS,
    STANDARD_FIELDS,
    Family,
)
from clickproof.query.ast import Op

FIELD_OPERATORS: tuple[str, ...] = (*(op.value for op in Op), "$not")
LOGICAL_OPERATORS: tuple[str, ...] = ("$and", "$or", "$nor", "$not", "and", "or")


@dataclass(frozen=True)
class CatalogueField:
    path: str  # how filter and sort name it
    family: str  # standard | related | connection | custom | render
    name: str  # how select names it within its family
    type: str  # string integer boolean datetime object_id | json (any JSON value)
    description: str
    selectable: bool
    filterable: bool = True
    sortable: bool = True
    operators: tuple[str, ...] = FIELD_OPERATORS

    def to_wire(self) -> dict[str, Any]:
        wire = asdict(self)
        wire["operators"] = list(self.operators)
        return wire


def field_catalogue(keys: dict[Family, list[str]]) -> list[CatalogueField]:
    """Standard and related fields, then each JSON family's documented and present keys.

    ``keys`` holds the keys actually present in the site's activities, per JSON family.
    """
    fields = [
        CatalogueField(f.name, "standard", f.name, f.type.value, f.description, selectable=True)
        for f in STANDARD_FIELDS
    ]
    fields += [
        CatalogueField(f.name, "related", f.name, f.type.value, f.description, selectable=False)
        for f in RELATED_FIELDS
    ]
    for family, column in FAMILY_COLUMN.items():
        documented = SELECTABLE_CONNECTION_KEYS if family is Family.CONNECTION else ()
        present = [k for k in keys.get(family, []) if k not in documented]
        for key in (*documented, *sorted(present)):
            selectable = family is not Family.CONNECTION or key in SELECTABLE_CONNECTION_KEYS
            description = f"{family.value} data key {key}"
            fields.append(
                CatalogueField(
                    f"{column}.{key}", family.value, key, "json", description, selectable=selectable
                )
            )
    return fields
