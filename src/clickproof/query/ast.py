"""The filter's abstract syntax: what a parsed filter means, independent of SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from clickproof.domain.fields import Family, FieldType

Scalar = str | int | float | bool | datetime | None


class Op(StrEnum):
    EQ = "$eq"
    NE = "$ne"
    GT = "$gt"
    GTE = "$gte"
    LT = "$lt"
    LTE = "$lte"
    IN = "$in"
    NIN = "$nin"
    EXISTS = "$exists"


@dataclass(frozen=True)
class FieldRef:
    """A filterable field: a standard field (typed) or a key of an open JSON family (untyped)."""

    family: Family
    name: str
    type: FieldType | None  # None for the open JSON families
    label: str  # English name for descriptions


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: Op
    value: Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Compare | And | Or | Not
