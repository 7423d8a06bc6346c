"""Evidence routes: a site's manifest-verification key, and one activity's evidence PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import MAX_ID, SITE_QUERY, path_int, path_text, query_text
from clickproof.api.params import int_param, site_id_path_param
from clickproof.bootstrap import System
from clickproof.errors import NotFoundError
from clickproof.evidence.signing import ALGORITHM, fingerprint_of
from clickproof.services.evidence_records import EvidenceRecords
from clickproof.services.history_records import MAX_RECORD_EVENTS, HistoryRecords
from clickproof.services.tokens import Permission
from clickproof.store.tenants import Site

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
    histories = HistoryRecords(system.evidence, system.runner)

    @router.get(
        "/sites/{site_id}/evidence-key",
        summary="The public key that signs this site's export manifests, and every key it signed with",
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
            "fingerprint": fingerprint_of(key.public_key),
            "public_key": key.public_key,
            "encoding": "base64 of the raw 32-byte Ed25519 public key; key_id is its SHA-256 in hex, "
            "fingerprint the SHA-256 of its DER SubjectPublicKeyInfo",
            "published_keys": f"/v1.1/evidence-keys/{site.access_id}",
            "keys": _published(site)["keys"],
        }

    def _published(site: Site) -> dict[str, Any]:
        return system.keys.published_document(site)

    @router.get(
        "/evidence-keys/{access_id}",
        summary="Every key a site signs its export manifests with, current and retired (public)",
        description="No authentication: looked up by the site's public access id, so that anyone "
        "holding an export can confirm the key that signed it (docs/verification.md).",
        response_model=None,
        openapi_extra={
            "security": [],
            "parameters": [path_text("access_id", "The site's public access id (`sid`).", maxLength=256)],
        },
        responses={
            200: {"description": "The site's published keys (docs/verification.md)."},
            **error_responses(404),
        },
    )
    def published_keys(request: Request) -> JSONResponse:
        access_id = request.path_params["access_id"]
        with system.engine.connect() as conn:
            site = system.tenants.site_by_access_id(conn, access_id)
        if site is None:
            raise NotFoundError("no site has this access id", field="access_id", code="site_not_found")
        return JSONResponse(_published(site), headers={"Cache-Control": "public, max-age=300"})

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
        name, pdf = records.render(_reading_site(request), request.path_params["id"])
        return _pdf(name, pdf)

    @router.get(
        "/activity/record/session:{session_id}",
        summary="Get one evidence PDF of every activity of a session",
        description="Ironclad's session record: each event of the session, in the order recorded, with "
        "its certificate and the text shown, in one PDF (an outline entry per event). With `signer_id`, "
        f"only that signer's events. At most {MAX_RECORD_EVENTS} events.",
        response_model=None,
        openapi_extra={
            "parameters": [
                path_text("session_id", "The session id the activities were sent with.", maxLength=256),
                query_text("signer_id", "Only this signer's events.", maxLength=1024),
                SITE_QUERY,
            ]
        },
        responses={
            200: {"description": "The session's evidence PDF.", "content": {"application/pdf": {}}},
            **error_responses(400, 401, 403, 404),
        },
    )
    def session_record(request: Request) -> Response:
        session_id = request.path_params["session_id"]
        site = _reading_site(request)
        signer_id = request.query_params.get("signer_id")
        name, pdf = histories.session(site, session_id, signer_id or None)
        return _pdf(name, pdf)

    @router.get(
        "/signers/{signer_id:path}/record",
        summary="Get one evidence PDF of a signer's whole history",
        description="Every activity of the signer on the site (accepted, displayed, updated, …), in the "
        f"order recorded, each with its certificate and the text shown. At most {MAX_RECORD_EVENTS} events.",
        response_model=None,
        openapi_extra={"parameters": [path_text("signer_id", "The signer id (URL-encoded)."), SITE_QUERY]},
        responses={
            200: {"description": "The signer's evidence PDF.", "content": {"application/pdf": {}}},
            **error_responses(400, 401, 403, 404),
        },
    )
    def signer_record(request: Request) -> Response:
        signer_id = request.path_params["signer_id"]
        site = _reading_site(request)
        name, pdf = histories.signer(site, signer_id)
        return _pdf(name, pdf)

    def _reading_site(request: Request) -> Site:
        principal = auth.authenticate(request.headers.get("authorization"))
        site_id = int_param(request, "site_id", default=None, minimum=1, maximum=MAX_ID)
        return auth.site_for(principal, site_id, Permission.EXPORTS_READ)

    return router


def _pdf(name: str, pdf: bytes) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
