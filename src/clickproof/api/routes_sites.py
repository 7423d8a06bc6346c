"""Site routes: GET /v1.1/sites/{site_id}/exportFields, the field catalogue of a site's exports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import path_int
from clickproof.api.params import site_id_path_param
from clickproof.bootstrap import System
from clickproof.domain.limits import (
    MAX_FIELD_NAME_LENGTH,
    MAX_FILTER_DEPTH,
    MAX_FILTER_NODES,
    MAX_FILTER_STRING,
    MAX_IN_VALUES,
    MAX_SELECT_NAMES,
    MAX_SORT_KEYS,
)
from clickproof.query.catalogue import FIELD_OPERATORS, LOGICAL_OPERATORS
from clickproof.services.tokens import Permission

CATALOGUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "site": {"type": "integer"},
        "count": {"type": "integer"},
        "data": {"type": "array", "items": {"type": "object"}},
        "operators": {"type": "array", "items": {"type": "string"}},
        "logical_operators": {"type": "array", "items": {"type": "string"}},
        "limits": {"type": "object"},
    },
}
LIMITS = {
    "filter_depth": MAX_FILTER_DEPTH,
    "filter_nodes": MAX_FILTER_NODES,
    "in_values": MAX_IN_VALUES,
    "string_length": MAX_FILTER_STRING,
    "sort_keys": MAX_SORT_KEYS,
    "select_names": MAX_SELECT_NAMES,
    "name_length": MAX_FIELD_NAME_LENGTH,
}


def build_site_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/sites", tags=["Sites"])

    @router.get(
        "/{site_id}/exportFields",
        summary="List the fields an export can select, filter and sort on",
        response_model=None,
        openapi_extra={"parameters": [path_int("site_id", "The site's id.")]},
        responses={
            200: json_response("The site's field catalogue.", CATALOGUE_SCHEMA),
            **error_responses(400),
        },
    )
    def export_fields(request: Request) -> dict[str, Any]:
        principal = system.auth.authenticate(request.headers.get("authorization"))
        site_id = site_id_path_param(request)
        site = system.auth.site_for(principal, site_id, Permission.EXPORTS_READ)
        fields = system.exports.field_catalogue(site)
        return {
            "site": site.id,
            "count": len(fields),
            "data": [f.to_wire() for f in fields],
            "operators": list(FIELD_OPERATORS),
            "logical_operators": list(LOGICAL_OPERATORS),
            "limits": LIMITS,
        }

    return router
