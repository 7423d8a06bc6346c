"""The New export form: its fields, read into an EvidenceExportRequest body the API would accept.

The form only translates (a window preset into dates, checkboxes into `select` and the
`*_all` flags, the filter's JSON text into an object); every rule — the window's length, known
columns, the filter's grammar — is the export service's, with the API's messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clickproof.domain import strict_json
from clickproof.domain.export_job import ExportType
from clickproof.domain.export_request import SELECT_FAMILIES
from clickproof.domain.fields import STANDARD_NAMES
from clickproof.domain.timestamps import format_instant
from clickproof.errors import (
    ExportFinishedError,
    InvalidDateError,
    InvalidFilterError,
    InvalidSelectError,
    ValidationError,
)
from clickproof.query.catalogue import CatalogueField
from clickproof.web.forms import Form

LAST_7_DAYS = "last_7_days"
LAST_MONTH = "last_month"
CUSTOM = "custom"
WINDOWS = (LAST_7_DAYS, LAST_MONTH, CUSTOM)
# Families whose "all" box is the request's own flag (the custom keys are resolved at export time).
ALL_FLAGS = {"standard": "standard_all", "connection": "connection_all", "custom": "custom_all"}
EXPORT_TYPE_LABELS = {
    ExportType.ACTIVITIES_CSV.value: "Activities as CSV",
    ExportType.ACTIVITIES_PDFS.value: "Evidence PDFs (zip)",
}


@dataclass
class ExportFormState:
    """What the form shows: the defaults, or what was sent (to show it again with a message)."""

    window: str = LAST_7_DAYS
    start_date: str = ""
    end_date: str = ""
    export_types: set[str] = field(default_factory=lambda: {ExportType.ACTIVITIES_CSV.value})
    columns: set[str] = field(default_factory=lambda: {f"standard:{n}" for n in STANDARD_NAMES})
    all_families: set[str] = field(default_factory=lambda: {"standard"})
    filter_text: str = ""


def signer_bundle(signer_id: str, first_seen: datetime, now: datetime, max_days: int) -> ExportFormState:
    """The form filled in for one signer's evidence: their activities as CSV and as PDFs, from the
    day of their first activity (or as far back as the site's window allows) to today."""
    today = now.date()
    start = max(first_seen.date(), today - timedelta(days=max_days - 1))
    return ExportFormState(
        window=CUSTOM,
        start_date=start.isoformat(),
        end_date=today.isoformat(),
        export_types={ExportType.ACTIVITIES_CSV.value, ExportType.ACTIVITIES_PDFS.value},
        filter_text=json.dumps({"signer_id": signer_id}, ensure_ascii=False),
    )


def read_form(form: Form) -> ExportFormState:
    window = form.get("window", LAST_7_DAYS)
    return ExportFormState(
        window=window,
        start_date=form.get("start_date").strip(),
        end_date=form.get("end_date").strip(),
        export_types=set(form.get_all("export_type")),
        columns=set(form.get_all("column")),
        all_families=set(form.get_all("all")),
        filter_text=form.get("filter"),
    )


def last_month(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month before the one `now` is in (UTC): [first day, first day of this month)."""
    this_month = datetime(now.year, now.month, 1, tzinfo=UTC)
    previous = this_month - timedelta(days=1)
    return datetime(previous.year, previous.month, 1, tzinfo=UTC), this_month


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDateError(f"{name} must be a date such as 2026-01-31", field=name) from None


def window_dates(state: ExportFormState, now: datetime) -> dict[str, str]:
    """start_date (and end_date unless it is "now") of the request for the chosen window."""
    if state.window == LAST_7_DAYS:
        return {"start_date": format_instant(now - timedelta(days=7))}
    if state.window == LAST_MONTH:
        start, end = last_month(now)
        return {"start_date": format_instant(start), "end_date": format_instant(end)}
    if state.window != CUSTOM:
        raise ValidationError(
            f"window must be one of {', '.join(WINDOWS)}", field="window", code="invalid_window"
        )
    if not state.start_date:
        raise InvalidDateError("start_date is required for a custom window", field="start_date")
    start_day = _day(state.start_date, "start_date")
    dates = {"start_date": start_day.isoformat()}
    if state.end_date:
        # The end day is included: the window ends at the next midnight (UTC), or now if sooner.
        end = datetime.combine(_day(state.end_date, "end_date"), datetime.min.time(), UTC) + timedelta(days=1)
        if end <= now:
            dates["end_date"] = format_instant(end)
    return dates


def parse_filter_text(text: str) -> object | None:
    """The filter object of the JSON text (None when empty), with the API's JSON errors."""
    if not text.strip():
        return None
    try:
        parsed: object = strict_json.loads(text, field="filter")
    except ValidationError as exc:
        raise InvalidFilterError(exc.message, field="filter") from None
    return parsed


def _selection(state: ExportFormState, catalogue: list[CatalogueField]) -> dict[str, Any]:
    chosen: dict[str, list[str]] = {family: [] for family in SELECT_FAMILIES}
    for value in sorted(state.columns):
        family, _, name = value.partition(":")
        if family not in chosen or not name:
            raise InvalidSelectError(
                f"column {value[:60]!r} is not family:name with a family of {', '.join(SELECT_FAMILIES)}",
                field="column",
            )
        chosen[family].append(name)
    order = {(f.family, f.name): i for i, f in enumerate(catalogue)}
    body: dict[str, Any] = {}
    select: dict[str, list[str]] = {}
    for family in SELECT_FAMILIES:
        names = sorted(chosen[family], key=lambda n: (order.get((family, n), len(order)), n))
        if family in state.all_families:
            if family in ALL_FLAGS:
                body[ALL_FLAGS[family]] = True
                continue
            names = [f.name for f in catalogue if f.family == family and f.selectable]
        if names or family == "standard":
            select[family] = names
    body["select"] = select
    return body


def request_body(state: ExportFormState, catalogue: list[CatalogueField], now: datetime) -> dict[str, Any]:
    """The EvidenceExportRequest the form describes."""
    body: dict[str, Any] = window_dates(state, now)
    filter_doc = parse_filter_text(state.filter_text)
    if filter_doc is not None:
        body["filter"] = filter_doc
    body.update(_selection(state, catalogue))
    body["export_types"] = sorted(state.export_types, key=_type_order)
    return body


def _type_order(value: str) -> int:
    names = list(EXPORT_TYPE_LABELS)
    return names.index(value) if value in names else len(names)


def retry_body(data: dict[str, Any]) -> dict[str, Any]:
    """A failed job's request again: its window, filter, sort, types and exactly its columns."""
    try:
        select: dict[str, list[str]] = {family: [] for family in SELECT_FAMILIES}
        for column in data["columns"]:
            select[str(column["family"])].append(str(column["name"]))
        body: dict[str, Any] = {
            "start_date": data["start_date"],  # the stored form, to the microsecond
            "end_date": data["end_date"],
            "select": select,
            "export_types": list(data.get("export_types") or [ExportType.ACTIVITIES_CSV.value]),
        }
    except (KeyError, TypeError, AttributeError):
        raise ExportFinishedError(
            "this job's stored request cannot be run again; create a new export", field="job_id"
        ) from None
    if data.get("sort"):
        body["sort"] = data["sort"]
    if data.get("filter") is not None:
        body["filter"] = data["filter"]
    return body
