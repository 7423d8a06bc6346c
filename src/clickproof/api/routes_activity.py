"""REST routes of activities: list (paged, filtered with the export query language), get one,
and bulk import. No route changes or deletes an activity."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clickproof.api.auth import authorize, page_params
from clickproof.api.body import read_raw_body
from clickproof.api.catalog_schemas import ACTIVITY, collection_of
from clickproof.api.contract import error_responses, json_response
from clickproof.api.idempotent_answer import idempotent_answer
from clickproof.api.openapi_params import (
    IDEMPOTENCY_KEY,
    PAGED,
    REPLAYED_HEADER,
    SITE_QUERY,
    path_text,
    query_text,
)
from clickproof.api.wire import collection
from clickproof.api.wire_ingest import activity_to_wire
from clickproof.bootstrap import System
from clickproof.domain import strict_json
from clickproof.domain.chain import sha256_hex
from clickproof.domain.limits import MAX_IMPORT_BYTES
from clickproof.domain.object_id import is_object_id
from clickproof.errors import InvalidFilterError, NotFoundError, UnsupportedMediaTypeError, ValidationError
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.query.sql import STANDARD_COLUMNS, compile_filter
from clickproof.services.idempotency import HEADER
from clickproof.services.imports import ImportFormat
from clickproof.services.tokens import Permission

IMPORT_TYPES = {
    "text/csv": ImportFormat.CSV,
    "application/csv": ImportFormat.CSV,
    "application/x-ndjson": ImportFormat.JSONL,
    "application/jsonl": ImportFormat.JSONL,
    "application/x-jsonlines": ImportFormat.JSONL,
}
LIST_PARAMS = [
    *PAGED,
    query_text(
        "filter", "A Mongo-style filter as JSON, the language of export filters (docs/query-language.md)."
    ),
    query_text("sort", "Sort keys, e.g. -created_time,id (docs/api.md).", default="-created_time"),
]
IMPORT_BODY = {
    "required": True,
    "description": "Activities in the export's CSV format, or one JSON object a line.",
    "content": {
        media: {"schema": {"type": "string"}}
        for media in ("text/csv", "application/x-ndjson", "application/jsonl")
    },
}
IMPORT_REPORT = {
    "type": "object",
    "properties": {
        "rows": {"type": "integer"},
        "imported": {"type": "integer"},
        "skipped": {"type": "integer"},
    },
}


def build_activity_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/activity", tags=["Activity"])

    @router.get(
        "",
        summary="List activities",
        response_model=None,
        openapi_extra={"parameters": LIST_PARAMS},
        responses={
            200: json_response("A collection of activities.", collection_of(ACTIVITY)),
            **error_responses(400),
        },
    )
    def list_activity(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, Permission.ACTIVITY_READ)
        page, per_page = page_params(request)
        raw_filter = request.query_params.get("filter")
        filter_doc: Any = None
        if raw_filter:
            try:
                filter_doc = strict_json.loads(raw_filter, field="filter")
            except ValidationError as exc:
                raise InvalidFilterError(exc.message, field="filter") from None
        where = compile_filter(parse_filter(filter_doc), system.engine.dialect.name)
        order = [
            STANDARD_COLUMNS[k.field].desc() if k.descending else STANDARD_COLUMNS[k.field].asc()
            for k in parse_sort(request.query_params.get("sort"))
        ]
        rows, total = system.activities.page(
            site.id, where, order, offset=(page - 1) * per_page, limit=per_page
        )
        return collection([activity_to_wire(r) for r in rows], page=page, per_page=per_page, total=total)

    @router.post(
        "/import",
        summary="Bulk import activities (JSONL or CSV)",
        description="Content-Type text/csv or application/x-ndjson. All rows are validated before any is "
        "written; rows whose id is stored already are skipped. Honors Idempotency-Key.",
        response_model=None,
        openapi_extra={"parameters": [SITE_QUERY, IDEMPOTENCY_KEY], "requestBody": IMPORT_BODY},
        responses={
            200: {**json_response("rows, imported, skipped", IMPORT_REPORT), "headers": REPLAYED_HEADER},
            **error_responses(400, 409, 413, 415, 422),
        },
    )
    async def import_activity(request: Request) -> JSONResponse:
        principal, site = await run_in_threadpool(authorize, system, request, Permission.ACTIVITY_WRITE)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        fmt = IMPORT_TYPES.get(media_type)
        if fmt is None:
            raise UnsupportedMediaTypeError(
                f"the body must be one of {', '.join(IMPORT_TYPES)}", field="Content-Type"
            )
        raw = await read_raw_body(request, MAX_IMPORT_BYTES)

        def action() -> tuple[int, Any]:
            report = system.imports.run(
                site, lambda: io.TextIOWrapper(io.BytesIO(raw), "utf-8-sig", newline=""), fmt
            )
            return 200, {"rows": report.rows, "imported": report.imported, "skipped": report.skipped}

        fingerprint = sha256_hex(f"{site.id}:{fmt.value}:{hashlib.sha256(raw).hexdigest()}")
        outcome = await run_in_threadpool(
            system.idempotency.run,
            f"import:{principal.account_id}:{site.id}",
            request.headers.get(HEADER),
            fingerprint,
            action,
        )
        return idempotent_answer(outcome)

    @router.get(
        "/{id}",
        summary="Get an activity",
        response_model=None,
        openapi_extra={
            "parameters": [path_text("id", "The activity's 24-hex id.", maxLength=64), SITE_QUERY]
        },
        responses={200: json_response("An activity.", ACTIVITY), **error_responses(400, 404)},
    )
    def get_activity(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, Permission.ACTIVITY_READ)
        activity_id = request.path_params["id"]
        row = system.activities.get(site.id, activity_id) if is_object_id(activity_id) else None
        if row is None:
            raise NotFoundError(
                f"no activity {activity_id[:40]!r} on this site", field="id", code="activity_not_found"
            )
        return activity_to_wire(row)

    return router
