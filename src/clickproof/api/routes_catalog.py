"""REST routes of a site's catalogue: contracts, versions (with publish), groups, signers, erasures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Table
from starlette.concurrency import run_in_threadpool

from clickproof.api.auth import authorize, page_params
from clickproof.api.body import read_json_body
from clickproof.api.catalog_schemas import (
    ACTIVITY,
    CONTRACT,
    CONTRACT_INPUT,
    ERASURE,
    ERASURE_INPUT,
    GROUP,
    GROUP_INPUT,
    SIGNER,
    SIGNER_INPUT,
    VERSION,
    VERSION_INPUT,
    collection_of,
)
from clickproof.api.contract import error_responses, json_response
from clickproof.api.openapi_params import MAX_ID, PAGED, SITE_QUERY, json_body, path_int, path_text
from clickproof.api.wire import collection
from clickproof.api.wire_ingest import (
    activity_to_wire,
    contract_to_wire,
    erasure_to_wire,
    group_to_wire,
    signer_to_wire,
    version_to_wire,
)
from clickproof.bootstrap import System
from clickproof.domain.limits import MAX_VERSION_BODY_BYTES
from clickproof.domain.strict_int import ascii_int
from clickproof.errors import ValidationError
from clickproof.services.tokens import Permission
from clickproof.store.tables import activities, contracts, erasures, groups, signers, versions
from clickproof.store.tenants import Site

READ = Permission.CATALOG_READ
WRITE = Permission.CATALOG_WRITE


def _id_param(request: Request, name: str = "id") -> int:
    raw = request.path_params[name]
    value = ascii_int(raw, max_digits=10)
    if value is None or not 1 <= value <= MAX_ID:
        raise ValidationError(
            f"{name} must be a whole number (digits 0-9) from 1 to {MAX_ID}",
            field=name,
            code="invalid_parameter",
        )
    return value


def build_catalog_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1", tags=["Catalogue"])
    catalog = system.catalog

    def listing(
        request: Request,
        site_id: int,
        table: Table,
        to_wire: Callable[[list[Any]], list[dict[str, Any]]],
        where: Any = None,
    ) -> dict[str, Any]:
        """One page of a site's rows of `table`, in the Collection envelope."""
        page, per_page = page_params(request)
        rows, total = catalog.store.page(
            table, site_id, offset=(page - 1) * per_page, limit=per_page, where=where
        )
        return collection(to_wire(rows), page=page, per_page=per_page, total=total)

    def created(schema: dict[str, Any], *codes: int) -> dict[int | str, Any]:
        return {201: json_response("Created.", schema), **error_responses(400, 413, *codes)}

    def read(schema: dict[str, Any], *codes: int) -> dict[int | str, Any]:
        return {200: json_response("OK.", schema), **error_responses(400, *codes)}

    def listed(schema: dict[str, Any], *codes: int) -> dict[int | str, Any]:
        return read(collection_of(schema), *codes)

    def create(schema: dict[str, Any], *parameters: dict[str, Any]) -> dict[str, Any]:
        return {"parameters": [*parameters, SITE_QUERY], "requestBody": json_body(schema)}

    contract_id = path_int("id", "The contract's id.")
    group_id = path_int("id", "The group's id.")
    version_id = path_text("id", "The version's 24-hex id.", maxLength=64)
    signer_id = path_text("signer_id", "The signer's id, as given at creation (may hold '/').")

    def contract_wire(site: Site, site_rows: list[Any]) -> list[dict[str, Any]]:
        latest = catalog.latest_versions(site, [r.id for r in site_rows])
        return [contract_to_wire(r, latest[r.id]) for r in site_rows]

    @router.post(
        "/contracts",
        summary="Create a contract",
        status_code=201,
        responses=created(CONTRACT, 409, 415),
        openapi_extra=create(CONTRACT_INPUT),
    )
    async def create_contract(request: Request) -> JSONResponse:
        _p, site = await run_in_threadpool(authorize, system, request, WRITE)
        body = await read_json_body(request)
        wire = await run_in_threadpool(lambda: contract_wire(site, [catalog.create_contract(site, body)])[0])
        return JSONResponse(wire, status_code=201)

    @router.get(
        "/contracts",
        summary="List contracts",
        responses=listed(CONTRACT),
        openapi_extra={"parameters": PAGED},
    )
    def list_contracts(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return listing(request, site.id, contracts, lambda rows: contract_wire(site, rows))

    @router.get(
        "/contracts/{id}",
        summary="Get a contract",
        responses=read(CONTRACT, 404),
        openapi_extra={"parameters": [contract_id, SITE_QUERY]},
    )
    def get_contract(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return contract_wire(site, [catalog.contract(site, _id_param(request))])[0]

    @router.post(
        "/contracts/{id}/versions",
        summary="Create a version (draft, or published with publish=true)",
        status_code=201,
        responses=created(VERSION, 404, 409, 415),
        openapi_extra=create(VERSION_INPUT, contract_id),
    )
    async def create_version(request: Request) -> JSONResponse:
        _p, site = await run_in_threadpool(authorize, system, request, WRITE)
        contract_id = _id_param(request)
        body = await read_json_body(request, MAX_VERSION_BODY_BYTES)
        row = await run_in_threadpool(catalog.create_version, site, contract_id, body)
        return JSONResponse(version_to_wire(row), status_code=201)

    @router.get(
        "/contracts/{id}/versions",
        summary="List a contract's versions",
        responses=listed(VERSION, 404),
        openapi_extra={"parameters": [contract_id, *PAGED]},
    )
    def list_versions(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        contract = catalog.contract(site, _id_param(request))
        return listing(
            request,
            site.id,
            versions,
            lambda rows: [version_to_wire(r) for r in rows],
            where=versions.c.contract_id == contract.id,
        )

    @router.get(
        "/versions/{id}",
        summary="Get a version",
        responses=read(VERSION, 404),
        openapi_extra={"parameters": [version_id, SITE_QUERY]},
    )
    def get_version(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return version_to_wire(catalog.version(site, request.path_params["id"]))

    @router.post(
        "/versions/{id}/publish",
        summary="Publish a version",
        responses=read(VERSION, 404),
        openapi_extra={"parameters": [version_id, SITE_QUERY]},
    )
    def publish_version(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, WRITE)
        return version_to_wire(catalog.publish_version(site, request.path_params["id"]))

    @router.post(
        "/groups",
        summary="Create a group",
        status_code=201,
        responses=created(GROUP, 409, 415),
        openapi_extra=create(GROUP_INPUT),
    )
    async def create_group(request: Request) -> JSONResponse:
        _p, site = await run_in_threadpool(authorize, system, request, WRITE)
        body = await read_json_body(request)
        row = await run_in_threadpool(catalog.create_group, site, body)
        return JSONResponse(group_to_wire(row), status_code=201)

    @router.get(
        "/groups", summary="List groups", responses=listed(GROUP), openapi_extra={"parameters": PAGED}
    )
    def list_groups(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return listing(request, site.id, groups, lambda rows: [group_to_wire(r) for r in rows])

    @router.get(
        "/groups/{id}",
        summary="Get a group",
        responses=read(GROUP, 404),
        openapi_extra={"parameters": [group_id, SITE_QUERY]},
    )
    def get_group(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return group_to_wire(catalog.group(site, _id_param(request)))

    @router.post(
        "/signers",
        summary="Create a signer",
        status_code=201,
        responses=created(SIGNER, 409, 415),
        openapi_extra=create(SIGNER_INPUT),
    )
    async def create_signer(request: Request) -> JSONResponse:
        _p, site = await run_in_threadpool(authorize, system, request, WRITE)
        body = await read_json_body(request)
        row = await run_in_threadpool(catalog.create_signer, site, body)
        return JSONResponse(signer_to_wire(row), status_code=201)

    @router.get(
        "/signers", summary="List signers", responses=listed(SIGNER), openapi_extra={"parameters": PAGED}
    )
    def list_signers(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return listing(request, site.id, signers, lambda rows: [signer_to_wire(r) for r in rows])

    @router.get(
        "/signers/{signer_id:path}/activity",
        summary="A signer's history: every activity of the signer, newest first",
        description="Acceptances, displays and the `updated` events that changed the signer record, "
        "each with its place in the hash chain. A signer id that itself ends in `/activity` is read "
        "through `GET /v1.1/activity?filter=`.",
        responses=listed(ACTIVITY, 404),
        openapi_extra={"parameters": [path_text("signer_id", "The signer id (URL-encoded)."), *PAGED]},
    )
    def signer_history(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, Permission.ACTIVITY_READ)
        signer_id = request.path_params["signer_id"]
        catalog.signer(site, signer_id)  # 404 for a signer the site does not know
        page, per_page = page_params(request)
        rows, total = system.activities.page(
            site.id,
            activities.c.signer_id == signer_id,
            [activities.c.created_time.desc(), activities.c.chain_seq.desc()],
            offset=(page - 1) * per_page,
            limit=per_page,
        )
        return collection([activity_to_wire(r) for r in rows], page=page, per_page=per_page, total=total)

    @router.get(
        "/signers/{signer_id:path}",
        summary="Get a signer by signer_id",
        responses=read(SIGNER, 404),
        openapi_extra={"parameters": [signer_id, SITE_QUERY]},
    )
    def get_signer(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, READ)
        return signer_to_wire(catalog.signer(site, request.path_params["signer_id"]))

    @router.post(
        "/erasures",
        summary="Erase a signer's personal data (privacy request)",
        status_code=201,
        responses=created(ERASURE, 409, 415),
        openapi_extra=create(ERASURE_INPUT),
    )
    async def erase(request: Request) -> JSONResponse:
        principal, site = await run_in_threadpool(authorize, system, request, Permission.SIGNERS_ERASE)
        body = await read_json_body(request)

        def work() -> dict[str, Any]:
            user = system.tenants.user_email(principal.user_id)
            result = catalog.erase(site, body, requested_by=f"user:{principal.user_id}:{user}")
            return erasure_to_wire(result["erasure"], result["activities"])

        return JSONResponse(await run_in_threadpool(work), status_code=201)

    @router.get(
        "/erasures", summary="List erasures", responses=listed(ERASURE), openapi_extra={"parameters": PAGED}
    )
    def list_erasures(request: Request) -> dict[str, Any]:
        _p, site = authorize(system, request, Permission.SIGNERS_ERASE)
        return listing(request, site.id, erasures, lambda rows: [erasure_to_wire(r) for r in rows])

    return router
