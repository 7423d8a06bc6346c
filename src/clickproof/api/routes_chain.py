"""Hash-chain routes: one activity's chain proof, and the RFC 3161 timestamps of a site's chain
heads (docs/verification.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clickproof.api.auth import authorize, page_params
from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import PAGED, SITE_QUERY, path_text, query_int
from clickproof.api.params import int_param
from clickproof.api.wire import collection
from clickproof.bootstrap import System
from clickproof.services.chain_proofs import MAX_PROOF_LINKS, ChainProofs, timestamp_document
from clickproof.services.tokens import Permission

MAX_SEQ = 10**12 - 1  # as many digits as a query integer may have

_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_LINK = {
    "type": "object",
    "properties": {"seq": {"type": "integer"}, "content_hash": _HASH, "chain_hash": _HASH},
}
CHAIN_HEAD_TIMESTAMP = {
    "type": "object",
    "title": "ChainHeadTimestamp",
    "properties": {
        "seq": {"type": "integer"},
        "hash": _HASH,
        "statement": {"type": "string", "description": "The exact text the timestamp vouches for."},
        "token": {"type": "string", "description": "Base64 of the DER RFC 3161 TimeStampResp."},
        "token_encoding": {"type": "string"},
        "time": {"type": "string", "description": "The authority's time (UTC)."},
        "created_time": {"type": "string"},
    },
}
CHAIN_PROOF = {
    "type": "object",
    "title": "ChainProof",
    "properties": {
        "format": {"type": "string", "const": "clickproof-chain-proof/1"},
        "account": {"type": "integer"},
        "site": {"type": "integer"},
        "activity": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "record": {
                    "type": "string",
                    "description": "The canonical record; content_hash is its SHA-256.",
                },
                "seq": {"type": "integer"},
                "prev_hash": _HASH,
                "content_hash": _HASH,
                "chain_hash": _HASH,
            },
        },
        "links": {"type": "array", "items": _LINK},
        "head": {"type": "object", "properties": {"seq": {"type": "integer"}, "hash": _HASH}},
        "timestamps": {"type": "array", "items": CHAIN_HEAD_TIMESTAMP},
    },
}


def build_chain_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1", tags=["Evidence"])
    proofs = ChainProofs(system.engine, system.chain_stamper.store)

    @router.get(
        "/activity/{id}/chain-proof",
        summary="Get the proof that one activity is in its site's hash chain, up to a head",
        description="The activity's canonical record and link, and every link after it up to the "
        "current chain head or to `head_seq` (an export manifest's `chain_head.seq`), with the earliest "
        "RFC 3161 timestamp of a head it reaches. Checkable with SHA-256 alone (docs/verification.md); "
        f"at most {MAX_PROOF_LINKS} links.",
        response_model=None,
        openapi_extra={
            "parameters": [
                path_text("id", "The activity's 24-hex id.", maxLength=64),
                query_int(
                    "head_seq",
                    minimum=1,
                    maximum=MAX_SEQ,
                    description="End the proof at this link of the chain (default: the current head).",
                ),
                SITE_QUERY,
            ]
        },
        responses={
            200: json_response("The chain proof.", CHAIN_PROOF),
            **error_responses(400, 401, 403, 404),
        },
    )
    def chain_proof(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.ACTIVITY_READ)
        head_seq = int_param(request, "head_seq", default=None, minimum=1, maximum=MAX_SEQ)
        return proofs.proof(site, request.path_params["id"], head_seq)

    @router.get(
        "/chain-head-timestamps",
        summary="List the RFC 3161 timestamps of the site's chain heads, newest first",
        response_model=None,
        openapi_extra={"parameters": PAGED},
        responses={
            200: json_response(
                "One page of timestamps.",
                {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "has_more": {"type": "boolean"},
                        "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "total_count": {"type": "integer"},
                        "data": {"type": "array", "items": CHAIN_HEAD_TIMESTAMP},
                    },
                },
            ),
            **error_responses(400, 401, 403),
        },
    )
    def chain_head_timestamps(request: Request) -> dict[str, Any]:
        _principal, site = authorize(system, request, Permission.ACTIVITY_READ)
        page, per_page = page_params(request)
        store = system.chain_stamper.store
        stamps = store.for_site(site.id, limit=per_page, offset=(page - 1) * per_page)
        return collection(
            [timestamp_document(s) for s in stamps], page=page, per_page=per_page, total=store.count(site.id)
        )

    return router
