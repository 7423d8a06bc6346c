"""Evidence routes: a site's manifest-verification key, and one activity's evidence PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import MAX_ID, SITE_QUERY, path_int, path_text
from clickproof.api.params import int_param, site_id_path_param
from clickproof.bootstrap import System
from clickproof.evidence.signing import ALGORITHM
from clickproof.services.evidence_records import EvidenceRecords
from clickproof.services.tokens import Permission

EVIDENCE_KEY = {
    "type": "object",
    "properties": {
        "site": {"type": "integer"},
        "algorithm": {"type": "string"},
        "key_id": {"type": "string"},
        "public_key": {"type": "string"},
        "encoding": {"type": "string"},
    },
}


def build_evidence_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1", tags=["Evidence"])
    auth = system.auth
    records = EvidenceRecords(system.evidence, system.runner)

    @router.get(
        "/sites/{site_id}/evidence-key",
        summary="The public key that signs this site's export manifests",
        response_model=None,
        openapi_extra={"parameters": [path_int("site_id", "The site's id.")]},
        responses={
            200: json_response("The site's Ed25519 public key.", EVIDENCE_KEY),
            **error_responses(400),
        },
    )
    def evidence_key(request: Request) -> dict[str, Any]:
        principal = auth.authenticate(request.headers.get("authorization"))
        site_id = site_id_path_param(request)
        site = auth.site_for(principal, site_id, Permission.EXPORTS_READ)
        key = system.keys.for_site(site.id)
        return {
            "site": site.id,
            "algorithm": ALGORITHM,
            "key_id": key.key_id,
            "public_key": key.public_key,
            "encoding": "base64 of the raw 32-byte Ed25519 public key; key_id is its SHA-256 in hex",
        }

    @router.get(
        "/activity/{id}/record",
        summary="Get the evidence PDF of one activity",
        response_model=None,
        openapi_extra={
            "parameters": [path_text("id", "The activity's 24-hex id.", maxLength=64), SITE_QUERY]
        },
        responses={
            200: {
                "description": "The evidence PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            },
            **error_responses(400, 404),
        },
    )
    def activity_record(request: Request) -> Response:
        principal = auth.authenticate(request.headers.get("authorization"))
        site_id = int_param(request, "site_id", default=None, minimum=1, maximum=MAX_ID)
        site = auth.site_for(principal, site_id, Permission.EXPORTS_READ)
        name, pdf = records.render(site, request.path_params["id"])
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    return router
