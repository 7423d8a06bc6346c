"""What an export request would export, before the job exists: the filter's English description
and how many activities match, counted by the same query the export runs (export/csv_query.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clickproof.domain.export_request import Column
from clickproof.domain.fields import Family
from clickproof.domain.timestamps import parse_stored, utc_now
from clickproof.export.csv_query import build_csv_query
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.services.exports import ExportService
from clickproof.store.tenants import Site


@dataclass(frozen=True)
class ExportPreview:
    data: dict[str, Any]  # the normalized request, as the job would store it
    description: str
    matching: int


def preview_export(exports: ExportService, site: Site, body: object) -> ExportPreview:
    """Validate `body` as an EvidenceExportRequest of `site` (the API's errors) and count the rows."""
    data = exports.prepare(site, body, now=utc_now())
    query = build_csv_query(
        dialect_name=exports.engine.dialect.name,
        site_id=site.id,
        start=parse_stored(data["start_date"]),
        end=parse_stored(data["end_date"]),
        filter_node=parse_filter(data.get("filter")),
        sort=parse_sort(data["sort"]),
        columns=[Column(Family(c["family"]), c["name"]) for c in data["columns"]],
    )
    with exports.engine.connect() as conn:
        matching = int(conn.execute(query.count_statement).scalar_one())
    return ExportPreview(data, str(data["filter_description"]), matching)
