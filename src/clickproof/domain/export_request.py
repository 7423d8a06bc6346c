"""The EvidenceExportRequest: validation and normalization, pure (no I/O).

The normalized form is what the job stores in `data` and what every retry of the job exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from clickproof.domain.export_job import ExportType
from clickproof.domain.fields import (
    ALWAYS_SELECTED,
    CONNECTION_ALL_KEYS,
    SELECTABLE_CONNECTION_KEYS,
    STANDARD_NAMES,
    Family,
)
from clickproof.domain.limits import MAX_FIELD_NAME_LENGTH, MAX_SELECT_NAMES
from clickproof.domain.timestamps import format_stored, parse_instant
from clickproof.errors import (
    DateRangeError,
    DateRangeTooLongError,
    InvalidDateError,
    InvalidExportTypeError,
    InvalidSelectError,
    ValidationError,
)
from clickproof.query.ast import Node
from clickproof.query.describe import describe_filter
from clickproof.query.fields import json_key_problem
from clickproof.query.parse import parse_filter
from clickproof.query.sort import SortKey, format_sort, parse_sort

REQUEST_FIELDS = (
    "start_date",
    "end_date",
    "sort",
    "filter",
    "select",
    "standard_all",
    "connection_all",
    "custom_all",
    "export_types",
)
SELECT_FAMILIES = ("standard", "connection", "custom", "render")


@dataclass(frozen=True)
class Column:
    family: Family
    name: str


@dataclass(frozen=True)
class ExportRequest:
    """A validated request. `columns` is resolved later, once the site's custom keys are known."""

    start: datetime
    end: datetime
    end_defaulted: bool
    sort: tuple[SortKey, ...]
    filter_raw: dict[str, Any] | None
    filter: Node | None
    select: dict[str, list[str]]
    standard_given: bool
    standard_all: bool
    connection_all: bool
    custom_all: bool
    export_types: tuple[ExportType, ...]
    warnings: list[str] = field(default_factory=list)

    @property
    def filter_description(self) -> str:
        return describe_filter(self.filter)

    def columns(self, site_custom_keys: list[str]) -> list[Column]:
        """Output columns in order: standard (id, signer_id, created_time always), then the families."""
        # Without select.standard (or with standard_all) every standard field is exported.
        use_all = self.standard_all or not self.standard_given
        standard = list(STANDARD_NAMES) if use_all else self.select["standard"]
        standard = [n for n in ALWAYS_SELECTED if n not in standard] + standard
        connection = list(CONNECTION_ALL_KEYS) if self.connection_all else self.select["connection"]
        custom = list(site_custom_keys) if self.custom_all else self.select["custom"]
        columns = [Column(Family.STANDARD, n) for n in standard]
        columns += [Column(Family.CONNECTION, n) for n in connection]
        columns += [Column(Family.CUSTOM, n) for n in custom]
        columns += [Column(Family.RENDER, n) for n in self.select["render"]]
        return columns

    def to_data(self, columns: list[Column]) -> dict[str, Any]:
        """The normalized request as stored in the job's `data` and returned by the API."""
        return {
            "start_date": format_stored(self.start),
            "end_date": format_stored(self.end),
            "sort": format_sort(self.sort),
            "filter": self.filter_raw,
            "filter_description": self.filter_description,
            "select": {k: self.select[k] for k in SELECT_FAMILIES},
            "standard_all": self.standard_all,
            "connection_all": self.connection_all,
            "custom_all": self.custom_all,
            "export_types": [t.value for t in self.export_types],
            "columns": [{"family": c.family.value, "name": c.name} for c in columns],
        }


def parse_export_request(body: object, *, now: datetime, max_export_days: int) -> ExportRequest:
    """Validate a decoded JSON body against the EvidenceExportRequest contract and normalize it."""
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object", field=None, code="invalid_body")
    unknown = [k for k in body if k not in REQUEST_FIELDS]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0][:40]!r}; allowed fields: {', '.join(REQUEST_FIELDS)}",
            field=unknown[0][:40],
            code="unknown_field",
        )
    if "start_date" not in body or body["start_date"] is None:
        raise InvalidDateError("start_date is required", field="start_date", code="missing_field")
    for name, value in body.items():
        if value is None:
            # The contract types every field; null is not "absent" (omit a field for its default).
            raise ValidationError(
                f"{name} must not be null; omit it to use its default", field=name, code="invalid_type"
            )
    start = parse_instant(body["start_date"], "start_date")
    end_defaulted = body.get("end_date") is None
    end = now if end_defaulted else parse_instant(body["end_date"], "end_date")
    if end < start:
        raise DateRangeError("end_date cannot be earlier than start_date", field="end_date")
    if end - start > timedelta(days=max_export_days):
        raise DateRangeTooLongError(
            f"the range from start_date to end_date exceeds this site's maximum of {max_export_days} days",
            field="end_date",
        )
    warnings: list[str] = []
    if end > now:
        # The window is frozen at creation: rows stored later never join a retried export.
        end = max(now, start)
        warnings.append("end_date was in the future and was set to the job's creation time")
    filter_raw = body.get("filter")
    filter_node = parse_filter(filter_raw)
    select, given = _parse_select(body.get("select"))
    return ExportRequest(
        start=start,
        end=end,
        end_defaulted=end_defaulted,
        sort=parse_sort(body.get("sort")),
        filter_raw=filter_raw if filter_node is not None else None,
        filter=filter_node,
        select=select,
        standard_given="standard" in given,
        standard_all=_flag(body, "standard_all"),
        connection_all=_flag(body, "connection_all"),
        custom_all=_flag(body, "custom_all"),
        export_types=_parse_export_types(body.get("export_types")),
        warnings=warnings,
    )


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false", field=name, code="invalid_type")
    return value


def _parse_export_types(raw: object) -> tuple[ExportType, ...]:
    if raw is None:
        return (ExportType.ACTIVITIES_CSV,)
    allowed = ", ".join(t.value for t in ExportType)
    if not isinstance(raw, list) or not raw:
        raise InvalidExportTypeError(
            f"export_types must be a non-empty array of: {allowed}", field="export_types"
        )
    result: list[ExportType] = []
    for index, item in enumerate(raw):
        if not isinstance(item, str) or item not in ExportType.__members__.values():
            shown = item[:40] if isinstance(item, str) else type(item).__name__
            raise InvalidExportTypeError(
                f"unknown export type {shown!r}; allowed: {allowed}", field=f"export_types[{index}]"
            )
        export_type = ExportType(item)
        if export_type not in result:
            result.append(export_type)
    return tuple(result)


def _parse_select(raw: object) -> tuple[dict[str, list[str]], set[str]]:
    """The selected names per family, and the families the request named."""
    select: dict[str, list[str]] = {family: [] for family in SELECT_FAMILIES}
    given: set[str] = set()
    if raw is None:
        return select, given
    if not isinstance(raw, dict):
        raise InvalidSelectError("select must be an object of arrays", field="select")
    for family, names in raw.items():
        if family not in SELECT_FAMILIES:
            raise InvalidSelectError(
                f"unknown select family {family[:40]!r}; allowed: {', '.join(SELECT_FAMILIES)}",
                field=f"select.{family[:40]}",
            )
        if not isinstance(names, list):
            raise InvalidSelectError(f"select.{family} must be an array of strings", field=f"select.{family}")
        if len(names) > MAX_SELECT_NAMES:
            raise InvalidSelectError(
                f"select.{family} has more than {MAX_SELECT_NAMES} names", field=f"select.{family}"
            )
        given.add(family)
        select[family] = _select_names(family, names)
    return select, given


def _select_names(family: str, names: list[object]) -> list[str]:
    valid: tuple[str, ...] | None = {
        "standard": STANDARD_NAMES,
        "connection": SELECTABLE_CONNECTION_KEYS,
    }.get(family)
    result: list[str] = []
    unknown: list[str] = []
    for index, name in enumerate(names):
        if not isinstance(name, str) or json_key_problem(name) is not None:
            raise InvalidSelectError(
                f"select.{family}[{index}] must be a name of 1 to {MAX_FIELD_NAME_LENGTH} characters "
                "without NUL or lone surrogates",
                field=f"select.{family}[{index}]",
            )
        if valid is not None and name not in valid:
            unknown.append(name[:40])
        elif name not in result:
            result.append(name)
    if unknown:
        raise InvalidSelectError(
            f"unknown {family} field(s) {', '.join(repr(u) for u in unknown)}; valid: {', '.join(valid or ())}",
            field=f"select.{family}",
        )
    return result
